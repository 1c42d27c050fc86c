// The review's figures computed from a fixture day by kpis.md's definitions, written out again
// for the tests with this file's own code, not the app's: the review e2e and the export tests
// both compare the app with this one copy.
import { SHENZHEN_BRANCHES } from '../../central/scenario.js';
import type { FixtureLine } from './fixture-day.js';

const H = 3_600_000;
export const DAY_START = Date.UTC(2026, 10, 19, 16); // 2026-11-20 00:00 Shanghai
export const REVIEW_NOW = DAY_START + 33 * H; // 2026-11-21 09:00 Shanghai: the meeting
export const CUTOFF = DAY_START + 32 * H; // 08:00 the morning after

export type L = { id: string; unitId: string; personId: string; issuedAt: number; metAt?: number; feedbackAt?: number; feedbackDueAt: number; outcome?: string; lossAmount: number; voided: boolean };
export type S = { requestedAt: number; frozenAt?: number; status: string; leadId: string };

export const leadsOf = (fixture: FixtureLine[]): L[] => fixture.filter((l) => l.e === 'lead').map((l) => l.d as unknown as L);
export const stopsOf = (fixture: FixtureLine[]): S[] => fixture.filter((l) => l.e === 'stop_payment').map((l) => l.d as unknown as S);

/** kpis.md's indicators for the day starting at `dayStart`, as of T. */
export function expected(leads: L[], stops: S[], T: number, dayStart = DAY_START) {
  const inW = leads.filter((l) => !l.voided && l.issuedAt >= dayStart && l.issuedAt < dayStart + 24 * H && l.issuedAt <= T);
  const met = inW.filter((l) => l.metAt !== undefined && l.metAt <= T);
  const fedBack = (l: L) => l.feedbackAt !== undefined && l.feedbackAt <= T;
  const victims = inW.filter((l) => l.outcome === 'defrauded_after_warning' && fedBack(l));
  const D = inW.filter((l) => l.feedbackDueAt <= T || fedBack(l));
  const late = D.filter((l) => !fedBack(l) || l.feedbackAt! > l.feedbackDueAt);
  const Sw = stops.filter((s) => s.requestedAt >= dayStart && s.requestedAt < dayStart + 24 * H && s.requestedAt <= T && ((s.frozenAt !== undefined && s.frozenAt <= T) || s.status === 'failed' || T - s.requestedAt > 30 * 60_000));
  const fast = Sw.filter((s) => s.frozenAt !== undefined && s.frozenAt <= T && s.frozenAt - s.requestedAt <= 30 * 60_000);
  const waits = met.map((l) => l.metAt! - l.issuedAt).sort((a, b) => a - b);
  const n = waits.length;
  return {
    n: inW.length,
    met: met.length,
    faceToFace: inW.length ? met.length / inW.length : null,
    victimisation: inW.length ? victims.length / inW.length : null,
    overdue: D.length ? late.length / D.length : null,
    overdueIds: late.map((l) => l.id).sort(),
    victimIds: victims.map((l) => l.id).sort(),
    peopleDefrauded: new Set(victims.map((l) => l.personId)).size,
    amountDefrauded: victims.reduce((a, l) => a + l.lossAmount, 0),
    stopPayment30: Sw.length ? fast.length / Sw.length : null,
    stopNum: fast.length,
    stopDen: Sw.length,
    median: n === 0 ? null : n % 2 ? waits[(n - 1) / 2]! : (waits[n / 2 - 1]! + waits[n / 2]!) / 2,
  };
}

/** The branch a unit id belongs to (SZ-BA-S01-B1 → SZ-BA), and that branch's Chinese name from the scenario. */
export const branchOf = (unitId: string): string => unitId.split('-').slice(0, 2).join('-');
export const branchName = (id: string): string => SHENZHEN_BRANCHES.find((b) => `SZ-${b.code}` === id)!.name;

/** Daily progress ranking of branches: face-to-face ↓, overdue ↑, median time to meet ↑, code ↑; under 5 leads unranked. */
export function branchRanking(leads: L[], T: number, dayStart = DAY_START) {
  const byBranch = new Map<string, L[]>();
  for (const l of leads) byBranch.set(branchOf(l.unitId), [...(byBranch.get(branchOf(l.unitId)) ?? []), l]);
  const rows = [...byBranch].map(([id, ls]) => ({ id, code: id.split('-')[1]!, name: branchName(id), ...expected(ls, [], T, dayStart) }));
  return rows
    .filter((r) => r.n >= 5)
    .sort((a, b) => b.faceToFace! - a.faceToFace! || (a.overdue ?? 2) - (b.overdue ?? 2) || (a.median ?? Infinity) - (b.median ?? Infinity) || (a.code < b.code ? -1 : 1));
}
