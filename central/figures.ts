// City-level figures for a display scoped below the city: each branch's indicators over some
// windows, as aggregates (counts, rates, sums, times) and never a lead or a person, so a branch
// display can rank its branch among all branches without receiving another branch's personal
// data. The indicator math is shared/kpi.ts, as everywhere.
import { computeIndicators, type Indicators, type KpiLead, type KpiStop, type Window } from '../shared/kpi.js';
import type { Lead, StopPayment, Unit } from '../shared/protocol.js';

export type BranchFigures = {
  serverTime: number;
  asOf: number;
  /** The branches ranked (id, code, names): units, not people. */
  units: { id: string; code: string; name: string; nameEn: string | null }[];
  windows: { start: number; end: number; figures: Record<string, Indicators> }[];
};

/** At most this many windows per request (a month of days, their weeks, and the ones before). */
export const MAX_FIGURE_WINDOWS = 70;

/** Parses `windows=start-end,start-end` (ms); throws a message naming what is wrong. */
export function parseWindows(raw: string | null): Window[] {
  if (!raw) throw new Error('windows is required: start-end pairs in ms, comma-separated');
  const out = raw.split(',').map((p) => {
    const m = /^(\d{1,15})-(\d{1,15})$/.exec(p);
    if (!m || Number(m[2]) <= Number(m[1])) throw new Error(`windows: ${JSON.stringify(p)} is not start-end with end after start`);
    return { start: Number(m[1]), end: Number(m[2]) };
  });
  if (out.length > MAX_FIGURE_WINDOWS) throw new Error(`windows: at most ${MAX_FIGURE_WINDOWS}, got ${out.length}`);
  return out;
}

/**
 * Each branch's indicators over each window as of T. `branchOf` maps a record's unit path to its
 * branch; leads and stop-payments outside every branch count for none.
 */
export function branchFigures(
  branches: readonly Unit[],
  leads: readonly { path: string; d: Lead }[],
  stops: readonly { path: string; d: StopPayment }[],
  branchPaths: ReadonlyMap<string, string>,
  windows: readonly Window[],
  asOf: number,
  serverTime: number,
): BranchFigures {
  const branchOf = (path: string) => {
    for (const [prefix, id] of branchPaths) if (path.startsWith(prefix)) return id;
    return null;
  };
  const byBranch = new Map<string, { leads: KpiLead[]; stops: KpiStop[] }>(branches.map((b) => [b.id, { leads: [], stops: [] }]));
  for (const { path, d } of leads) {
    const b = branchOf(path);
    if (b === null) continue;
    byBranch.get(b)!.leads.push({ id: d.id, personId: d.personId, unitId: d.unitId, issuedAt: d.issuedAt, metAt: d.metAt ?? null, feedbackAt: d.feedbackAt ?? null, feedbackDueAt: d.feedbackDueAt, outcome: d.outcome ?? null, lossAmount: d.lossAmount, preventedAmount: d.preventedAmount, voided: d.voided });
  }
  for (const { path, d } of stops) {
    const b = branchOf(path);
    if (b === null) continue;
    byBranch.get(b)!.stops.push({ requestedAt: d.requestedAt, frozenAt: d.frozenAt ?? null, status: d.status });
  }
  return {
    serverTime,
    asOf,
    units: branches.map((b) => ({ id: b.id, code: b.code, name: b.name, nameEn: b.nameEn ?? null })),
    windows: windows.map((w) => ({
      start: w.start,
      end: w.end,
      figures: Object.fromEntries(branches.map((b) => [b.id, computeIndicators(byBranch.get(b.id)!.leads, byBranch.get(b.id)!.stops, w, asOf)])),
    })),
  };
}
