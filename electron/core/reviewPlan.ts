// The review's one plan (style.md "One home for each rule"): which windows, rankings, lists and
// limits a review of a date holds, built once from a Queries (the frozen state's at a passed
// cut-off). The review screen renders it and the exporter writes it.
import { casePatterns, latestReviews, type CasePatterns } from '../../shared/caseReview.js';
import { REVIEW_SECTIONS, type BranchColumn, type PlanUnit, type ReviewLead, type ReviewPlan, type ReviewState, type TrendPoint } from '../../shared/contract.js';
import { DAY } from '../../shared/domain.js';
import { CORE_INDICATORS, measure, rankOn } from '../../shared/indicators.js';
import { dateWindow, previousWindow, summariseStops, reviewCutoff, reviewWindow, weekWindow, type Indicators, type Window } from '../../shared/kpi.js';
import type { Note } from '../../shared/protocol.js';
import type { UnitNode } from '../../shared/units.js';
import { QueryError, type Queries } from './queries.js';
import { revisitReview } from './revisitPlan.js';

/** How many rows of each list a review holds; more are counted, and the count is shown. */
export const REVIEW_LIMITS = { overdue: 2000, cases: 500 } as const;
/** The days of the trend the minutes draw. */
export const TREND_DAYS = 30;

/** `notes`: the live notes (a frozen state holds only those written by the cut-off; the meeting writes after it). */
export type PlanRequest = { date: string; week?: boolean; unitId?: string; now: number; state: ReviewState; notes?: Note[] };

const planUnit = (u: UnitNode): PlanUnit => ({ id: u.id, name: u.name, nameEn: u.nameEn ?? null, level: u.level });

export function buildReviewPlan(q: Queries, req: PlanRequest): ReviewPlan {
  const week = req.week === true;
  const day = dateWindow(req.date);
  const w = reviewWindow(req.date, week);
  const asOf = reviewCutoff(w, req.now);
  const unitId = req.unitId ?? q.rootId();
  const unit = unitId === null ? undefined : q.tree.byId.get(unitId);
  if (!unit) throw new QueryError(`unknown unit ${req.unitId ?? '(the replica holds no units yet)'}`);
  const path: PlanUnit[] = [];
  for (let u: UnitNode | undefined = unit; u; u = u.parentId ? q.tree.byId.get(u.parentId) : undefined) path.unshift(planUnit(u));

  // Rankings are among the city's units; a branch's review ranks its own stations.
  const city = unit.level === 'city' ? unit.id : (q.tree.ancestorAt(unit.id, 'city')?.id ?? q.rootId()!);
  const stationsWithin = unit.level === 'branch' ? unit.id : city;
  // A week's daily ranking is its last day's; the weekly evaluation is the date's week.
  const dailyW: Window = week ? { start: w.end - DAY, end: w.end } : w;
  const weeklyW = weekWindow(day.start);
  const boards = (kind: 'daily' | 'weekly', win: Window) => ({
    window: win,
    branches: q.ranking(kind, 'branch', city, asOf, win),
    stations: q.ranking(kind, 'station', stationsWithin, asOf, win),
  });

  const childLevel = unit.level === 'city' ? 'branch' : unit.level === 'branch' ? 'station' : null;
  const children = childLevel ? q.tree.atLevel(childLevel, unit.id).filter((c) => c.parentId === unit.id) : [];

  const overdue = q.reviewLeads(unit.id, w, asOf, 'overdue', REVIEW_LIMITS.overdue + 1);
  const victims = q.reviewLeads(unit.id, w, asOf, 'victimised', REVIEW_LIMITS.cases + 1);
  const within = q.tree.subtree(unit.id);
  const stops = q.stopRecord(unit.id, w, asOf);
  const byBank = new Map<string, typeof stops>();
  for (const s of stops) byBank.set(s.bank, [...(byBank.get(s.bank) ?? []), s]);
  return {
    date: req.date,
    week,
    window: w,
    asOf,
    state: req.state,
    unit: planUnit(unit),
    path,
    sections: REVIEW_SECTIONS,
    limits: { ...REVIEW_LIMITS },
    indicators: { now: q.indicators(unit.id, w, asOf), before: q.indicators(unit.id, previousWindow(w), asOf) },
    branches: unit.level === 'station' ? [] : branchColumns(q, city, w, asOf),
    daily: boards('daily', dailyW),
    weekly: boards('weekly', weeklyW),
    children: children.map((c) => ({ ...planUnit(c), indicators: q.indicators(c.id, w, asOf) })),
    overdue: { rows: overdue.slice(0, REVIEW_LIMITS.overdue), total: overdue.length > REVIEW_LIMITS.overdue ? q.reviewCount(unit.id, w, asOf, 'overdue') : overdue.length },
    cases: {
      rows: victims.slice(0, REVIEW_LIMITS.cases).map((v) => ({ ...v, timeline: q.leadTimeline(v.id, true, asOf) })),
      total: victims.length > REVIEW_LIMITS.cases ? q.reviewCount(unit.id, w, asOf, 'victimised') : victims.length,
    },
    stops,
    stopSummary: {
      banks: [...byBank].map(([bank, list]) => ({ bank, ...summariseStops(list) })).sort((a, b) => b.count - a.count || a.bank.localeCompare(b.bank)),
      total: summariseStops(stops),
      coverage: q.stopCoverage(unit.id, w, asOf),
    },
    trend: trend(q, unit.id, w, asOf),
    handling: q.handlingSummary(unit.id, w, asOf),
    revisits: revisitReview(q, unit, w, asOf),
    // The minutes' notes: written during the window or in the month after it (the meeting's).
    notes: (req.notes ?? q.notes()).filter((n) => n.createdAt >= w.start && n.createdAt < w.end + 30 * DAY && (n.unitId === undefined || within.has(n.unitId))),
    patterns: week ? weekPatterns(q, unit.id, w, asOf, victims, req.notes ?? q.notes()) : null,
  };
}

/** Every branch of the city over the window and the one before, ranked on each core indicator. */
function branchColumns(q: Queries, city: string, w: Window, asOf: number): BranchColumn[] {
  const now = q.indicatorsByUnit('branch', city, w, asOf);
  const before = q.indicatorsByUnit('branch', city, previousWindow(w), asOf);
  const branches = q.tree.atLevel('branch', city);
  const ranksOf = (m: Map<string, Indicators>) =>
    new Map(CORE_INDICATORS.map((d) => [d.key, rankOn(d.key, branches.map((b) => ({ id: b.id, value: m.has(b.id) ? measure(d.key, m.get(b.id)!).value : null })))]));
  const rNow = ranksOf(now);
  const rBefore = ranksOf(before);
  return branches.map((b) => ({
    ...planUnit(b),
    now: now.get(b.id)!,
    before: before.get(b.id)!,
    ranks: Object.fromEntries(
      CORE_INDICATORS.map((d) => {
        const rank = rNow.get(d.key)!.get(b.id) ?? null;
        const previous = rBefore.get(d.key)!.get(b.id) ?? null;
        return [d.key, { rank, previous, change: rank !== null && previous !== null ? previous - rank : null }];
      }),
    ),
  }));
}

/** The daily rates of the days up to the window's end, each as of the cut-off. */
function trend(q: Queries, unitId: string, w: Window, asOf: number): TrendPoint[] {
  const out: TrendPoint[] = [];
  for (let d = w.end - TREND_DAYS * DAY; d < w.end; d += DAY) {
    const ind = q.indicators(unitId, { start: d, end: d + DAY }, asOf);
    out.push({ day: d, leads: ind.leads, faceToFace: ind.faceToFace, victimisation: ind.victimisation, overdue: ind.overdue });
  }
  return out;
}

/**
 * The week's cases by their latest case reviews, for the weekly meeting: every case of the
 * window, not only the rows the list shows. Reviews stay live, like the notes: the meeting
 * writes them after the cut-off.
 */
function weekPatterns(q: Queries, unitId: string, w: Window, asOf: number, listed: ReviewLead[], notes: Note[]): CasePatterns {
  const all = listed.length > REVIEW_LIMITS.cases ? q.reviewLeads(unitId, w, asOf, 'victimised', Number.MAX_SAFE_INTEGER) : listed;
  return casePatterns(all, latestReviews(notes));
}
