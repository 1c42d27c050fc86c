// Supervision revisits (回访, domain.md §7): the city's and the branches' supervision groups call
// back every instruction of the day to check the face-to-face visit really happened. One rule for
// the queries, the review plan, the exports and the tests' expectations.
import { ratio, type Ratio, type Window } from './kpi.js';
import type { UnitLevel } from './domain.js';
import type { UnitTree } from './units.js';

/**
 * A lead with the times its revisits are on record: `revisit` events (sent by the centre) and
 * notes of kind `revisit` about the lead (written from a display through the outbox).
 */
export type RevisitLead = {
  id: string;
  unitId: string;
  issuedAt: number;
  voided: boolean;
  /** The earliest `revisit` event's `at`, if any. */
  eventAt: number | null;
  /** The earliest `revisit` note's `createdAt`, if any. */
  noteAt: number | null;
};

/** When the lead was first revisited (the earlier of the event and the note), or null. */
export function revisitedAt(l: Pick<RevisitLead, 'eventAt' | 'noteAt'>): number | null {
  if (l.eventAt === null) return l.noteAt;
  if (l.noteAt === null) return l.eventAt;
  return Math.min(l.eventAt, l.noteAt);
}

/** Revisited as of T: a `revisit` event at ≤ T, or a `revisit` note about the lead created ≤ T. */
export function isRevisited(l: Pick<RevisitLead, 'eventAt' | 'noteAt'>, t: number): boolean {
  const at = revisitedAt(l);
  return at !== null && at <= t;
}

/** The leads a revisit coverage of window W as of T counts: issued in W, by T, not voided (kpis.md L(W)). */
export function revisitDue(l: Pick<RevisitLead, 'issuedAt' | 'voided'>, w: Window, t: number): boolean {
  return !l.voided && l.issuedAt >= w.start && l.issuedAt < w.end && l.issuedAt <= t;
}

/** Revisit coverage: revisited by T / non-voided leads issued in W (by T). */
export function revisitCoverage(leads: readonly RevisitLead[], w: Window, t: number): Ratio {
  let num = 0;
  let den = 0;
  for (const l of leads) {
    if (!revisitDue(l, w, t)) continue;
    den++;
    if (isRevisited(l, t)) num++;
  }
  return ratio(num, den);
}

/**
 * Coverage of each unit at a level within a unit (a lead counts for the unit holding it and every
 * ancestor, kpis.md): every unit at that level is listed, in code order, an empty one as 0/0.
 */
export function revisitCoverageBy(tree: UnitTree, level: UnitLevel, within: string, leads: readonly RevisitLead[], w: Window, t: number): { unitId: string; coverage: Ratio }[] {
  const groups = new Map<string, RevisitLead[]>();
  for (const l of leads) {
    const u = tree.ancestorAt(l.unitId, level);
    if (!u) continue;
    const list = groups.get(u.id);
    if (list) list.push(l);
    else groups.set(u.id, [l]);
  }
  return tree.atLevel(level, within).map((u) => ({ unitId: u.id, coverage: revisitCoverage(groups.get(u.id) ?? [], w, t) }));
}
