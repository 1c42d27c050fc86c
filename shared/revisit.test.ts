// The revisit rule and coverage on hand-built leads; each expected value is worked out by hand
// beside it.
import { describe, expect, it } from 'vitest';
import { HOUR } from './domain.js';
import { dateWindow } from './kpi.js';
import { isRevisited, revisitCoverage, revisitCoverageBy, revisitedAt, type RevisitLead } from './revisit.js';
import { UnitTree } from './units.js';

const W = dateWindow('2026-11-20');
const h = (x: number) => W.start + x * HOUR;
const lead = (id: string, unitId: string, issuedAt: number, eventAt: number | null, noteAt: number | null, voided = false): RevisitLead => ({ id, unitId, issuedAt, voided, eventAt, noteAt });

const tree = new UnitTree([
  { id: 'C', parentId: null, level: 'city', code: 'C', name: 'C' },
  { id: 'B1', parentId: 'C', level: 'branch', code: 'B1', name: 'B1' },
  { id: 'B2', parentId: 'C', level: 'branch', code: 'B2', name: 'B2' },
  { id: 'S11', parentId: 'B1', level: 'station', code: 'S11', name: 'S11' },
  { id: 'S12', parentId: 'B1', level: 'station', code: 'S12', name: 'S12' },
  { id: 'S21', parentId: 'B2', level: 'station', code: 'S21', name: 'S21' },
  { id: 'K111', parentId: 'S11', level: 'beat', code: 'K111', name: 'K111' },
]);

// The cut-off: 08:00 the next morning.
const T = h(32);
const leads = [
  lead('a', 'K111', h(9), h(15), null), // event at 15:00 → revisited
  lead('b', 'S11', h(10), null, h(20)), // a display's note at 20:00 → revisited
  lead('c', 'S12', h(11), h(33), null), // revisited the next morning after the cut-off → not yet
  lead('d', 'S12', h(12), h(34), h(31)), // the note came first, before the cut-off → revisited
  lead('e', 'S21', h(13), null, null), // never
  lead('f', 'S21', h(14), h(16), null, true), // voided: counts nowhere
  lead('g', 'S21', h(-2), h(1), null), // issued the day before: not in W
  lead('h', 'B2', h(23), h(30), null), // still at its branch: counts for B2, for no station
  lead('i', 'C', h(5), null, null), // still at the city: counts for neither a branch nor a station
];

describe('revisits', () => {
  it('takes the earlier of the event and the note as the revisit, and counts it as of T', () => {
    expect(revisitedAt({ eventAt: h(34), noteAt: h(31) })).toBe(h(31));
    expect(revisitedAt({ eventAt: h(15), noteAt: null })).toBe(h(15));
    expect(revisitedAt({ eventAt: null, noteAt: null })).toBeNull();
    expect(isRevisited({ eventAt: h(33), noteAt: null }, T)).toBe(false);
    expect(isRevisited({ eventAt: h(33), noteAt: null }, h(33))).toBe(true);
    expect(isRevisited({ eventAt: null, noteAt: h(20) }, h(19))).toBe(false);
  });

  it('is revisited / non-voided leads issued in W, for the window as a whole', () => {
    // L(W) = a b c d e h i (f voided, g the day before) = 7; revisited by T: a b d h = 4.
    expect(revisitCoverage(leads, W, T)).toEqual({ num: 4, den: 7, value: 4 / 7 });
    // At 21:00: L = a b c d e i (h issued at 23:00 not yet) = 6; revisited: a (15:00) b (20:00) = 2.
    expect(revisitCoverage(leads, W, h(21))).toEqual({ num: 2, den: 6, value: 2 / 6 });
    // An empty window: 0/0, shown as "—", never 0 % or 100 %.
    expect(revisitCoverage([], W, T).value).toBeNull();
  });

  it('groups by branch and by station, every unit listed, a lead at a higher level in no row below it', () => {
    // B1: a b c d → a b d = 3/4. B2: e h → h = 1/2 (f voided, g outside W).
    expect(revisitCoverageBy(tree, 'branch', 'C', leads, W, T).map((r) => [r.unitId, r.coverage.num, r.coverage.den])).toEqual([
      ['B1', 3, 4],
      ['B2', 1, 2],
    ]);
    // S11: a b = 2/2. S12: c d = 1/2. S21: e = 0/1 (h stands at B2 itself).
    expect(revisitCoverageBy(tree, 'station', 'C', leads, W, T).map((r) => [r.unitId, r.coverage.num, r.coverage.den])).toEqual([
      ['S11', 2, 2],
      ['S12', 1, 2],
      ['S21', 0, 1],
    ]);
    expect(revisitCoverageBy(tree, 'station', 'B2', [], W, T)).toEqual([{ unitId: 'S21', coverage: { num: 0, den: 0, value: null } }]);
  });
});
