// The tile wall's paging: pinned leads on every page, and every open lead in one cycle.
import { describe, expect, it } from 'vitest';
import { wallPages as tilePages } from '../../../shared/kpi.js';

const leads = (n: number, pinned: number) => Array.from({ length: n }, (_, i) => ({ id: `L${i}`, pinned: i < pinned }));

describe('wallPages', () => {
  it('shows 1,000 open leads, each exactly once per cycle, with the pinned ones on every page', () => {
    const all = leads(1000, 3);
    const { pinned, pages } = tilePages(all, 12, 4); // 3 rows of 4
    expect(pinned.map((l) => l.id)).toEqual(['L0', 'L1', 'L2']);
    expect(pages.every((p) => p.length <= 9)).toBe(true);
    const seen = pages.flat().map((l) => l.id);
    expect(seen).toHaveLength(997);
    expect(new Set([...seen, ...pinned.map((l) => l.id)]).size).toBe(1000);
    expect(pages).toHaveLength(Math.ceil(997 / 9)); // the cycle: pages × tilePageSeconds
  });

  it('keeps a row for the rotation: pinned leads beyond it lead the rotation, none dropped', () => {
    const { pinned, pages } = tilePages(leads(30, 20), 12, 4);
    expect(pinned).toHaveLength(8);
    expect(pages[0]!.slice(0, 4).map((l) => l.id)).toEqual(['L8', 'L9', 'L10', 'L11']);
    expect(pages.flat()).toHaveLength(22);
  });

  it('gives one empty page for no leads', () => {
    expect(tilePages([], 12, 4)).toEqual({ pinned: [], pages: [[]] });
  });
});
