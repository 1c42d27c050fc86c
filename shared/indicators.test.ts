import { describe, expect, it } from 'vitest';
import { HIGHER_IS_BETTER } from './display.js';
import { change, CORE_INDICATORS, INDICATORS, rankOn } from './indicators.js';
import { VOCABULARY } from './vocabulary.js';

describe('indicator registry', () => {
  it('lists the five core indicators first, each with a label in both languages', () => {
    expect(CORE_INDICATORS.map((d) => d.key)).toEqual(['faceToFace', 'victimisation', 'overdue', 'peopleDefrauded', 'amountDefrauded']);
    for (const d of INDICATORS) {
      expect(VOCABULARY.zh[d.label]).toBeTruthy();
      expect(VOCABULARY.en[d.label]).toBeTruthy();
    }
    expect(HIGHER_IS_BETTER.faceToFace).toBe(true);
    expect(HIGHER_IS_BETTER.overdue).toBe(false);
  });
  it('says whether a change is for the better by the indicator’s direction', () => {
    expect(change('faceToFace', 0.99, 0.97)).toMatchObject({ better: true });
    expect(change('overdue', 0.05, 0.02)).toMatchObject({ better: false });
    expect(change('overdue', 0.02, 0.02)).toMatchObject({ better: null });
    expect(change('overdue', null, 0.02)).toBeNull();
  });
  it('ranks best first by direction, ties sharing a rank, a missing value unranked', () => {
    const v = [
      { id: 'a', value: 0.9 },
      { id: 'b', value: 1 },
      { id: 'c', value: 0.9 },
      { id: 'd', value: null },
      { id: 'e', value: 0.5 },
    ];
    expect(Object.fromEntries(rankOn('faceToFace', v))).toEqual({ a: 2, b: 1, c: 2, d: null, e: 4 });
    expect(Object.fromEntries(rankOn('overdue', v))).toEqual({ a: 2, b: 4, c: 2, d: null, e: 1 });
  });
});
