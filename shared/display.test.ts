import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_DISPLAY, grade, parseDisplayConfig, rankingConfig } from './display.js';
import { computeIndicators, DEFAULT_RANKING, rank } from './kpi.js';

describe('display configuration', () => {
  it('merges a partial file over the defaults', () => {
    const c = parseDisplayConfig('{"displayName":"福田分局大屏","targets":{"faceToFace":0.95}}', 'wall.json');
    expect(c.displayName).toBe('福田分局大屏');
    expect(c.targets.faceToFace).toBe(0.95);
    expect(c.targets.overdue).toBe(DEFAULT_DISPLAY.targets.overdue);
  });

  it.each([
    ['{"targets":{"faceToFace":1.5}}', 'wall.json: targets.faceToFace: Too big'],
    ['{"targets":{"faceToFase":0.9}}', 'wall.json: targets.faceToFase: unknown key'],
    ['{"lang":"fr"}', 'wall.json: lang: Invalid option'],
    ['{"colour":"red"}', 'wall.json: colour: unknown key'],
    ['{"displayName":', 'wall.json: not JSON'],
  ])('refuses %s naming the key', (text, message) => {
    expect(() => parseDisplayConfig(text, 'wall.json')).toThrow(ConfigError);
    expect(() => parseDisplayConfig(text, 'wall.json')).toThrow(message);
  });

  it('grades against the target in the indicator’s direction', () => {
    expect(grade('faceToFace', 0.99, 0.98)).toBe('good');
    expect(grade('faceToFace', 0.965, 0.98)).toBe('warn');
    expect(grade('faceToFace', 0.5, 0.98)).toBe('bad');
    expect(grade('victimisation', 0.01, 0.015)).toBe('good');
    expect(grade('victimisation', 0.025, 0.015)).toBe('warn');
    expect(grade('victimisation', 0.05, 0.015)).toBe('bad');
    expect(grade('overdue', null, 0.02)).toBe('none');
  });
});

describe('ranking configuration', () => {
  it('defaults to the definitions’ minimum volume and sort keys', () => {
    const c = parseDisplayConfig('{}', 'wall.json');
    expect(rankingConfig(c)).toEqual(DEFAULT_RANKING);
  });

  it('takes a minimum volume and one ranking’s sort keys, keeping the other’s defaults', () => {
    const c = parseDisplayConfig('{"ranking":{"minVolume":12,"keys":{"weekly":["amountDefrauded","victimisation"]}}}', 'wall.json');
    expect(c.ranking.minVolume).toBe(12);
    expect(c.ranking.keys.weekly).toEqual(['amountDefrauded', 'victimisation']);
    expect(c.ranking.keys.daily).toEqual(DEFAULT_RANKING.keys.daily);
  });

  it.each([
    ['{"ranking":{"minVolume":0}}', 'wall.json: ranking.minVolume: Too small'],
    ['{"ranking":{"keys":{"daily":["speed"]}}}', 'wall.json: ranking.keys.daily.0: Invalid option'],
    ['{"ranking":{"keys":{"daily":["overdue","overdue"]}}}', 'wall.json: ranking.keys.daily: a sort key appears twice'],
    ['{"ranking":{"keys":{"monthly":["overdue"]}}}', 'wall.json: ranking.keys.monthly: unknown key'],
  ])('refuses %s naming the key', (text, message) => {
    expect(() => parseDisplayConfig(text, 'wall.json')).toThrow(message);
  });

  it('orders a ranking by the configured keys and minimum volume', () => {
    const ind = (leads: number, met: number, victims: number, loss: number) => computeIndicators(
      Array.from({ length: leads }, (_, i) => ({ id: `${loss}-${i}`, personId: `p${i}`, unitId: 'u', issuedAt: 0, metAt: i < met ? 1 : null, feedbackAt: 1, feedbackDueAt: 10, outcome: i < victims ? 'defrauded_after_warning' : 'dissuaded', lossAmount: i < victims ? loss : 0, preventedAmount: 0, voided: false })),
      [], { start: 0, end: 100 }, 50);
    // A: fewer victims but a larger loss; B: more victims, smaller loss; C: 3 leads.
    const rows = [
      { unitId: 'A', code: 'A', indicators: ind(10, 10, 1, 900) },
      { unitId: 'B', code: 'B', indicators: ind(10, 5, 2, 100) },
      { unitId: 'C', code: 'C', indicators: ind(3, 3, 0, 0) },
    ];
    const byDefault = rank(rows, [], 'weekly', rankingConfig(parseDisplayConfig('{}', 'x')));
    expect(byDefault.map((r) => [r.unitId, r.rank])).toEqual([['A', 1], ['B', 2], ['C', null]]);
    const configured = rank(rows, [], 'weekly', rankingConfig(parseDisplayConfig('{"ranking":{"minVolume":3,"keys":{"weekly":["amountDefrauded"]}}}', 'x')));
    expect(configured.map((r) => [r.unitId, r.rank])).toEqual([['C', 1], ['B', 2], ['A', 3]]);
  });
});
