// The indicator and ranking definitions of ../shared/design/kpis.md, once, for every runtime:
// the core's queries, the wall, the review screen, the exports and the tests' expectations.
import { DAY, HOUR, MINUTE, type RiskLevel } from './domain.js';

/** The fields of a lead the indicators read. Times are ms; money is fen. */
export type KpiLead = {
  id: string;
  personId: string;
  unitId: string;
  issuedAt: number;
  metAt: number | null;
  feedbackAt: number | null;
  feedbackDueAt: number;
  outcome: string | null;
  lossAmount: number;
  preventedAmount: number;
  voided: boolean;
};

export type KpiStop = { requestedAt: number; frozenAt: number | null; status: 'requested' | 'frozen' | 'failed' | 'returned'; returnedAt?: number | null; failedKnownAt?: number | null };

/** A stop-payment's state as it stood at T, from its times (the protocol's status is its state now). */
export type StopStatus = KpiStop['status'];

/** A rate with its numerator and denominator; value is null when the denominator is 0 ("—"). */
export type Ratio = { num: number; den: number; value: number | null };

export type TimeToMeet = { n: number; meanMs: number | null; medianMs: number | null; p90Ms: number | null };

export type Indicators = {
  /** #L(W): leads issued in the window, not voided. */
  leads: number;
  faceToFace: Ratio;
  victimisation: Ratio;
  overdue: Ratio;
  peopleDefrauded: number;
  amountDefrauded: number;
  timeToMeet: TimeToMeet;
  stopPayment30: Ratio;
  amountKept: number;
};

export type Window = { start: number; end: number };

export const ratio = (num: number, den: number): Ratio => ({ num, den, value: den === 0 ? null : num / den });

export function inWindow(t: number, w: Window): boolean {
  return t >= w.start && t < w.end;
}

/**
 * Median: the mean of the two middle values for an even count. p90: nearest rank,
 * the ⌈0.9·n⌉-th smallest value.
 */
export function timeToMeet(durations: number[]): TimeToMeet {
  // A typed copy sorts numerically without a comparator call per step (the wall's figures run this often).
  return timeToMeetOfRuns(durations.length ? [Float64Array.from(durations).sort()] : [], durations.reduce((a, b) => a + b, 0));
}

/**
 * timeToMeet over durations given as sorted runs (one per day of a week, say) and their sum,
 * without merging them: the median and p90 are picked out of the runs where they lie. Times are
 * integer ms, so the sum is exact in any order and the mean is that of the whole list.
 */
export function timeToMeetOfRuns(runs: readonly Float64Array[], sum: number): TimeToMeet {
  let n = 0;
  for (const r of runs) n += r.length;
  if (n === 0) return { n, meanMs: null, medianMs: null, p90Ms: null };
  const mid = Math.floor(n / 2);
  return {
    n,
    meanMs: sum / n,
    medianMs: n % 2 ? kthOfRuns(runs, mid) : (kthOfRuns(runs, mid - 1) + kthOfRuns(runs, mid)) / 2,
    p90Ms: kthOfRuns(runs, Math.ceil(0.9 * n) - 1),
  };
}

/** How many values of a sorted run are below x (or equal to it, with orEqual). */
function rankIn(run: Float64Array, x: number, orEqual: boolean): number {
  let lo = 0;
  let hi = run.length;
  while (lo < hi) {
    const m = (lo + hi) >>> 1;
    if (run[m]! < x || (orEqual && run[m] === x)) lo = m + 1;
    else hi = m;
  }
  return lo;
}

/** The k-th smallest value (from 0) of the union of sorted runs: x such that #below ≤ k < #(≤ x). */
function kthOfRuns(runs: readonly Float64Array[], k: number): number {
  if (runs.length === 1) return runs[0]![k]!;
  for (const run of runs) {
    // Within a run, #below and #(≤ x) grow with the index: bisect for the run's value that is it.
    let lo = 0;
    let hi = run.length - 1;
    while (lo <= hi) {
      const m = (lo + hi) >>> 1;
      const x = run[m]!;
      let below = 0;
      let upTo = 0;
      for (const r of runs) {
        below += rankIn(r, x, false);
        upTo += rankIn(r, x, true);
      }
      if (k < below) hi = m - 1;
      else if (k >= upTo) lo = m + 1;
      else return x;
    }
  }
  throw new RangeError(`no ${k}-th value in runs of ${runs.reduce((a, r) => a + r.length, 0)}`);
}

/**
 * The indicators over window W as of time T, for the given leads (already narrowed to a unit's
 * subtree) and the stop-payments of those leads. L(W) holds the leads issued in W that exist
 * at T (issuedAt ≤ T): a figure as of T cannot count a lead raised after it, which matters
 * for today on the wall and for replaying a day minute by minute.
 */
export function computeIndicators(leads: readonly KpiLead[], stops: readonly KpiStop[], w: Window, t: number): Indicators {
  return finishIndicators(aggregate(leads, stops, w, t));
}

/**
 * The parts the indicators are made of, over some leads and stop-payments. Parts of disjoint
 * sets merge (windows of whole days add up to a week), which lets the core keep finished days.
 */
export type KpiParts = {
  n: number;
  met: number;
  victims: number;
  dueDen: number;
  dueNum: number;
  amountDefrauded: number;
  amountKept: number;
  people: string[];
  /** Times to meet as sorted runs (one per aggregate; merging only lists them) and their sum. */
  durations: Float64Array[];
  durationSum: number;
  sDen: number;
  sNum: number;
};

const emptyParts = (): KpiParts => ({ n: 0, met: 0, victims: 0, dueDen: 0, dueNum: 0, amountDefrauded: 0, amountKept: 0, people: [], durations: [], durationSum: 0, sDen: 0, sNum: 0 });

export function aggregate(leads: readonly KpiLead[], stops: readonly KpiStop[], w: Window, t: number): KpiParts {
  // One pass over each list (the wall recomputes today's figures often); the definitions are
  // those of kpis.md, line by line.
  const p = emptyParts();
  const durations: number[] = [];
  for (const l of leads) {
    if (l.voided || l.issuedAt < w.start || l.issuedAt >= w.end || l.issuedAt > t) continue; // L(W) as of T
    p.n++;
    if (l.metAt !== null && l.metAt <= t) {
      p.met++;
      durations.push(l.metAt - l.issuedAt);
      p.durationSum += l.metAt - l.issuedAt;
    }
    if (isVictimised(l, t)) {
      p.victims++;
      p.people.push(l.personId);
      p.amountDefrauded += l.lossAmount;
    }
    if (l.outcome === 'dissuaded' && knownBy(l.feedbackAt, t) !== null) p.amountKept += l.preventedAmount;
    if (isDue(l, t)) {
      p.dueDen++; // D: due by T, or fed back by T
      if (isOverdue(l, t)) p.dueNum++;
    }
  }
  for (const s of stops) {
    if (s.requestedAt < w.start || s.requestedAt >= w.end || s.requestedAt > t) continue;
    const verdict = stopWithin30(s, t);
    if (verdict === null) continue; // not yet decided
    p.sDen++;
    if (verdict) p.sNum++;
  }
  if (durations.length) p.durations.push(Float64Array.from(durations).sort());
  return p;
}

/** A time as known at T: itself if it has happened by T, else null. */
export function knownBy(at: number | null | undefined, t: number): number | null {
  return at !== null && at !== undefined && at <= t ? at : null;
}

/**
 * A stop-payment's status as it stood at T (kpis.md "as of T"), not as it is now: requested until
 * frozen; frozen from `frozenAt ≤ T`; returned only once `returnedAt ≤ T`. The protocol has no
 * `failedAt`, so a failure counts from when it became known: `failedKnownAt`, the centre's commit
 * time of the version that says failed, where the store has it; else `requestedAt + 30 min` (the
 * window is over and it was not frozen, which was knowable then; also when the reference centre
 * publishes a failure, central/scenario.ts stopAsOf). Before that it was still requested.
 */
export function stopStatusAt(s: KpiStop, t: number): StopStatus | null {
  if (s.requestedAt > t) return null;
  if (knownBy(s.frozenAt, t) !== null) return knownBy(s.returnedAt, t) !== null ? 'returned' : 'frozen';
  if (s.status === 'failed' && (s.failedKnownAt ?? s.requestedAt + 30 * MINUTE) <= t) return 'failed';
  return 'requested';
}

/**
 * A stop-payment's 30-minute verdict as of T (kpis.md): null while undecided (requested at T and
 * under 30 minutes old), else whether the account was frozen within 30 minutes.
 */
export function stopWithin30(s: KpiStop, t: number): boolean | null {
  const status = stopStatusAt(s, t);
  if (status === null || (status === 'requested' && t - s.requestedAt <= 30 * MINUTE)) return null;
  const frozenAt = knownBy(s.frozenAt, t);
  return frozenAt !== null && frozenAt - s.requestedAt <= 30 * MINUTE;
}

/** The stop-payments of one bank (or all) as of T: the 30-minute rate and the money held and returned. */
export type StopSummary = { count: number; rate30: Ratio; frozen: number; frozenAmount: number; returned: number; returnedAmount: number; failed: number };

/** Sums stop-payments already placed in their state at T (`status` from stopStatusAt, `within30` from stopWithin30). */
export function summariseStops(stops: readonly { amount: number; status: StopStatus; within30: boolean | null; returnedAmount: number | null }[]): StopSummary {
  let num = 0;
  let den = 0;
  const out = { count: stops.length, frozen: 0, frozenAmount: 0, returned: 0, returnedAmount: 0, failed: 0 };
  for (const s of stops) {
    if (s.within30 !== null) {
      den++;
      if (s.within30) num++;
    }
    // A returned stop was frozen first: its amount was held, and what came back is counted too.
    if (s.status === 'frozen' || s.status === 'returned') {
      out.frozen++;
      out.frozenAmount += s.amount;
    }
    if (s.status === 'returned') {
      out.returned++;
      out.returnedAmount += s.returnedAmount ?? 0;
    }
    if (s.status === 'failed') out.failed++;
  }
  return { ...out, rate30: ratio(num, den) };
}

export function mergeParts(parts: readonly KpiParts[]): KpiParts {
  if (parts.length === 1) return parts[0]!;
  const out = emptyParts();
  for (const p of parts) {
    out.n += p.n;
    out.met += p.met;
    out.victims += p.victims;
    out.dueDen += p.dueDen;
    out.dueNum += p.dueNum;
    out.amountDefrauded += p.amountDefrauded;
    out.amountKept += p.amountKept;
    out.sDen += p.sDen;
    out.sNum += p.sNum;
    out.durationSum += p.durationSum;
    for (const x of p.people) out.people.push(x);
    for (const r of p.durations) out.durations.push(r);
  }
  return out;
}

/** Beyond this many runs (a window of many days), picking out of each costs more than one sort. */
const MAX_RUNS = 16;

function mergeRuns(runs: readonly Float64Array[]): Float64Array {
  const out = new Float64Array(runs.reduce((a, r) => a + r.length, 0));
  let at = 0;
  for (const r of runs) {
    out.set(r, at);
    at += r.length;
  }
  return out.sort();
}

export function finishIndicators(p: KpiParts): Indicators {
  return {
    leads: p.n,
    faceToFace: ratio(p.met, p.n),
    victimisation: ratio(p.victims, p.n),
    overdue: ratio(p.dueNum, p.dueDen),
    peopleDefrauded: new Set(p.people).size,
    amountDefrauded: p.amountDefrauded,
    timeToMeet: timeToMeetOfRuns(p.durations.length > MAX_RUNS ? [mergeRuns(p.durations)] : p.durations, p.durationSum),
    stopPayment30: ratio(p.sNum, p.sDen),
    amountKept: p.amountKept,
  };
}

/**
 * Open leads at T: issued by T, not voided, no feedback by T (any issue date). The one open rule:
 * the tiles, the map and the open count call it (the core's SQL only pre-selects the rows with no
 * feedback yet, through an index, and leaves the rule to this).
 */
export function isOpen(l: Pick<KpiLead, 'voided' | 'issuedAt' | 'feedbackAt'>, t: number): boolean {
  return !l.voided && l.issuedAt <= t && !(l.feedbackAt !== null && l.feedbackAt <= t);
}

// ---- Windows in the command post's time zone ----------------------------------------------

export type Calendar = { tzOffsetMs: number; weekStartsOn: 0 | 1 | 2 | 3 | 4 | 5 | 6 };
/** Asia/Shanghai (no daylight saving), weeks from Monday. */
export const DEFAULT_CALENDAR: Calendar = { tzOffsetMs: 8 * HOUR, weekStartsOn: 1 };

export function dayWindow(t: number, cal: Calendar = DEFAULT_CALENDAR): Window {
  const start = Math.floor((t + cal.tzOffsetMs) / DAY) * DAY - cal.tzOffsetMs;
  return { start, end: start + DAY };
}

export function weekWindow(t: number, cal: Calendar = DEFAULT_CALENDAR): Window {
  const day = dayWindow(t, cal);
  const weekday = new Date(day.start + cal.tzOffsetMs).getUTCDay();
  const back = (weekday - cal.weekStartsOn + 7) % 7;
  const start = day.start - back * DAY;
  return { start, end: start + 7 * DAY };
}

/** The window of the same length just before. */
export function previousWindow(w: Window): Window {
  return { start: 2 * w.start - w.end, end: w.start };
}

/** A local date (YYYY-MM-DD) to its day window. */
export function dateWindow(date: string, cal: Calendar = DEFAULT_CALENDAR): Window {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) throw new RangeError(`not a date: ${JSON.stringify(date)}`);
  const start = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) - cal.tzOffsetMs;
  return { start, end: start + DAY };
}

// ---- Rankings -------------------------------------------------------------------------------

export type RankingKind = 'daily' | 'weekly';

/** What a ranking may sort by, each in its better direction; a missing value sorts last. */
export const rankSortKeys = ['faceToFace', 'victimisation', 'overdue', 'amountDefrauded', 'peopleDefrauded', 'timeToMeet', 'stopPayment30', 'amountKept'] as const;
export type RankSortKey = (typeof rankSortKeys)[number];

/**
 * Minimum volume and the sort keys of each ranking (kpis.md: configuration, documented beside
 * the defaults). The unit code always breaks the last tie, so equal inputs give one order.
 */
export type RankingConfig = { minVolume: number; keys: Record<RankingKind, readonly RankSortKey[]> };

type Key = (r: RankInput) => number | null;
// A missing value (an empty denominator) sorts after every present one.
const asc = (k: Key) => (a: RankInput, b: RankInput) => cmpNullable(k(a), k(b));
const desc = (k: Key) => (a: RankInput, b: RankInput) => cmpNullable(k(b), k(a), true);
function cmpNullable(x: number | null, y: number | null, nullsLastDesc = false): number {
  if (x === null && y === null) return 0;
  if (x === null) return nullsLastDesc ? -1 : 1;
  if (y === null) return nullsLastDesc ? 1 : -1;
  return x - y;
}

/** Each sort key's comparison: better first. */
export const SORT_KEYS: Record<RankSortKey, (a: RankInput, b: RankInput) => number> = {
  faceToFace: desc((r) => r.indicators.faceToFace.value),
  victimisation: asc((r) => r.indicators.victimisation.value),
  overdue: asc((r) => r.indicators.overdue.value),
  amountDefrauded: asc((r) => r.indicators.amountDefrauded),
  peopleDefrauded: asc((r) => r.indicators.peopleDefrauded),
  timeToMeet: asc((r) => r.indicators.timeToMeet.medianMs),
  stopPayment30: desc((r) => r.indicators.stopPayment30.value),
  amountKept: desc((r) => r.indicators.amountKept),
};

/** The default sort keys, in order, of each ranking (kpis.md); a display's configuration may choose others. */
export const RANKING_KEYS: Record<RankingKind, readonly RankSortKey[]> = {
  // 每日进度排名: face-to-face ↓, overdue ↑, median time to meet ↑, code ↑
  daily: ['faceToFace', 'overdue', 'timeToMeet'],
  // 每周成效评估: victimisation ↑, amount defrauded ↑, face-to-face ↓, code ↑
  weekly: ['victimisation', 'amountDefrauded', 'faceToFace'],
};
export const DEFAULT_RANKING: RankingConfig = { minVolume: 5, keys: RANKING_KEYS };

export type RankInput = { unitId: string; code: string; indicators: Indicators };
export type RankRow = RankInput & { rank: number | null; tooLow: boolean; previousRank: number | null; change: number | null };

function order(rows: RankInput[], keys: readonly RankSortKey[]): RankInput[] {
  const cmps = keys.map((k) => SORT_KEYS[k]);
  return [...rows].sort((a, b) => {
    for (const k of cmps) {
      const c = k(a, b);
      if (c !== 0) return c;
    }
    return a.code < b.code ? -1 : a.code > b.code ? 1 : 0;
  });
}

/**
 * Ranks units: those under the minimum volume are listed after the ranked ones, unranked and
 * marked; ranks are 1..n in the ranking's order, and change = previous rank − rank (positive
 * means the unit moved up), null where either is unranked.
 */
export function rank(current: RankInput[], previous: RankInput[], kind: RankingKind, cfg: RankingConfig = DEFAULT_RANKING): RankRow[] {
  const keys = cfg.keys[kind];
  const ranksOf = (rows: RankInput[]) => {
    const ranked = order(rows.filter((r) => r.indicators.leads >= cfg.minVolume), keys);
    return new Map(ranked.map((r, i) => [r.unitId, i + 1]));
  };
  const now = ranksOf(current);
  const before = ranksOf(previous);
  const sorted = [...order(current.filter((r) => now.has(r.unitId)), keys), ...order(current.filter((r) => !now.has(r.unitId)), keys)];
  return sorted.map((r) => {
    const rankNow = now.get(r.unitId) ?? null;
    const prev = before.get(r.unitId) ?? null;
    return { ...r, rank: rankNow, tooLow: rankNow === null, previousRank: prev, change: rankNow !== null && prev !== null ? prev - rankNow : null };
  });
}

// ---- Countdown and escalation ---------------------------------------------------------------

export type EscalationRole = 'station_chief' | 'branch_deputy' | 'branch_chief';
/**
 * The countdown policy: the feedback deadline of each risk level, and the reminder tiers on the
 * time left to it. The centre publishes it in the feed (entity `policy`); this is kpis.md's
 * default, the one definition the reference centre publishes and its scenario plans with, and
 * what a display uses (saying so) when its centre sends none.
 */
export type EscalationPolicy = { deadlineMs: Record<RiskLevel, number>; tiers: { leftMs: number; role: EscalationRole }[] };
export const DEFAULT_ESCALATION: EscalationPolicy = {
  deadlineMs: { urgent: 6 * HOUR, high: 6 * HOUR, medium: 6 * HOUR, low: 6 * HOUR },
  tiers: [
    { leftMs: 3 * HOUR, role: 'station_chief' },
    { leftMs: 2 * HOUR, role: 'branch_deputy' },
    { leftMs: 1 * HOUR, role: 'branch_chief' },
  ],
};
/** kpis.md: `phoneDueAt = issuedAt + 30 min`. */
export const PHONE_WINDOW_MS = 30 * MINUTE;

export type CountdownStep = 'calm' | 'warn' | 'alert' | 'overdue';

/** The colour step of a countdown (screens.md): more than 3 h left, 3–1 h, under 1 h, overdue. */
export function countdownStep(msLeft: number): CountdownStep {
  if (msLeft <= 0) return 'overdue';
  if (msLeft <= HOUR) return 'alert';
  if (msLeft <= 3 * HOUR) return 'warn';
  return 'calm';
}

export type LadderStep = { tier: number; role: string; dueAt: number; firedAt: number | null };

/** Each tier's time from the policy, and when it actually fired (from escalation events). */
export function escalationLadder(feedbackDueAt: number, fired: readonly { tier: number; at: number }[], policy: EscalationPolicy = DEFAULT_ESCALATION): LadderStep[] {
  return policy.tiers.map((t, i) => ({
    tier: i + 1,
    role: t.role,
    dueAt: feedbackDueAt - t.leftMs,
    firedAt: fired.filter((f) => f.tier === i + 1).reduce<number | null>((m, f) => (m === null || f.at < m ? f.at : m), null),
  }));
}

/** The next tier to fire after `now`, or null when none is left. */
export function nextTier(ladder: readonly LadderStep[], now: number): LadderStep | null {
  return ladder.find((s) => s.firedAt === null && s.dueAt > now) ?? null;
}

// ---- What needs a person now: the tile wall's order ----------------------------------------

/** The fields of an open lead the wall's order reads (times ms; null = not happened). */
export type UrgencyLead = {
  id: string;
  riskLevel: RiskLevel;
  issuedAt: number;
  feedbackDueAt: number;
  phonedAt: number | null;
  dispatchedAt: number | null;
  metAt: number | null;
  /** The next reminder tier to fire ({@link nextTier}), or null when none is left. */
  next: { dueAt: number } | null;
};

/**
 * Acknowledged: a person has acted on the lead by T — phoned the person, dispatched a patrol,
 * or met them (phonedAt, dispatchedAt or metAt known by T). The SMS warning does not count: it
 * goes out automatically within seconds of issue, so it says nothing about whether anyone on
 * duty has picked the lead up.
 */
export function isAcknowledged(l: Pick<UrgencyLead, 'phonedAt' | 'dispatchedAt' | 'metAt'>, t: number): boolean {
  return knownBy(l.phonedAt, t) !== null || knownBy(l.dispatchedAt, t) !== null || knownBy(l.metAt, t) !== null;
}

/** Pinned to the front of the wall: an urgent or high-risk lead nobody has acknowledged yet. */
export function isPinned(l: Pick<UrgencyLead, 'riskLevel' | 'phonedAt' | 'dispatchedAt' | 'metAt'>, t: number): boolean {
  return (l.riskLevel === 'urgent' || l.riskLevel === 'high') && !isAcknowledged(l, t);
}

const RISK_RANK: Record<RiskLevel, number> = { urgent: 0, high: 1, medium: 2, low: 3 };

/**
 * The wall's one order of open leads at T, by what needs a person now:
 * 1. pinned leads (urgent before high, then newest first: the one nobody has seen yet leads);
 * 2. overdue leads, longest overdue first;
 * 3. the rest by the time the next reminder tier fires (the deadline when none is left);
 * then risk level, then id, so equal inputs always give the same order.
 */
export function compareUrgency(t: number): (a: UrgencyLead, b: UrgencyLead) => number {
  const group = (l: UrgencyLead) => (isPinned(l, t) ? 0 : l.feedbackDueAt <= t ? 1 : 2);
  return (a, b) => {
    const ga = group(a);
    const gb = group(b);
    if (ga !== gb) return ga - gb;
    const c =
      ga === 0
        ? RISK_RANK[a.riskLevel] - RISK_RANK[b.riskLevel] || b.issuedAt - a.issuedAt
        : ga === 1
          ? a.feedbackDueAt - b.feedbackDueAt
          : (a.next?.dueAt ?? a.feedbackDueAt) - (b.next?.dueAt ?? b.feedbackDueAt);
    return c || RISK_RANK[a.riskLevel] - RISK_RANK[b.riskLevel] || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  };
}

/**
 * The wall's pages of tiles, `fit` a screen in `cols` columns: the pinned leads first on every
 * page (up to all rows but one; any beyond join the front of the rotation, so none is left out),
 * then the rest in order. Every lead is on every page (pinned) or on exactly one page, so all are
 * on screen once per cycle of pages × the page time.
 */
export function wallPages<L extends { pinned: boolean }>(leads: readonly L[], fit: number, cols: number): { pinned: L[]; pages: L[][] } {
  const rows = Math.max(1, Math.floor(fit / Math.max(1, cols)));
  const cap = Math.max(0, rows > 1 ? fit - cols : fit - 1);
  const pinned: L[] = [];
  const rest: L[] = [];
  for (const l of leads) (l.pinned && pinned.length < cap ? pinned : rest).push(l);
  const per = Math.max(1, fit - pinned.length);
  const pages: L[][] = [];
  for (let i = 0; i < rest.length; i += per) pages.push(rest.slice(i, i + per));
  return { pinned, pages: pages.length ? pages : [[]] };
}

/**
 * The review meeting's cut-off for a window: a fixed time after it ends (default 08:00 the next
 * morning, when the meeting sits), or now if that has not come yet. Every display computes the
 * same cut-off, so every screen in the room shows the same numbers.
 */
export function reviewCutoff(w: Window, now: number, afterEndMs = REVIEW_AFTER_END_MS): number {
  return Math.min(now, w.end + afterEndMs);
}

/** The window a review of a date shows: that day, or the week it falls in. */
export function reviewWindow(date: string, weekly: boolean, cal: Calendar = DEFAULT_CALENDAR): Window {
  const day = dateWindow(date, cal);
  return weekly ? weekWindow(day.start, cal) : day;
}

/** The meeting sits this long after its window ends (08:00 the next morning). */
export const REVIEW_AFTER_END_MS = 8 * HOUR;

/** Where a review stands: before its cut-off it is provisional; after, frozen at the cut-off. */
export type ReviewFreeze = 'provisional' | 'frozen' | 'unverifiable';

/**
 * Whether T is a review's cut-off (a day's, and so also a week's: a week ends at a day's end).
 * Figures as of such a T are those of the centre's state at T (kpis.md), not today's data
 * filtered by timestamps.
 */
export function isReviewCutoff(t: number, cal: Calendar = DEFAULT_CALENDAR, afterEndMs = REVIEW_AFTER_END_MS): boolean {
  return dayWindow(t - afterEndMs, cal).start === t - afterEndMs;
}

/** In the overdue rate's denominator as of T (kpis.md): due by T, or fed back by T. */
export function isDue(l: KpiLead, t: number): boolean {
  return l.feedbackDueAt <= t || knownBy(l.feedbackAt, t) !== null;
}

/** Overdue as of T (kpis.md): due or fed back by T, and fed back late or not at all by T. */
export function isOverdue(l: KpiLead, t: number): boolean {
  if (!isDue(l, t)) return false;
  const fedBack = knownBy(l.feedbackAt, t);
  return fedBack === null || fedBack > l.feedbackDueAt;
}

/** Defrauded after the warning, and known to be by T. */
export function isVictimised(l: KpiLead, t: number): boolean {
  return l.outcome === 'defrauded_after_warning' && knownBy(l.feedbackAt, t) !== null;
}

export type ReplayState = 'hidden' | 'open' | 'met' | 'overdue' | 'dissuaded' | 'defrauded' | 'closed';

/**
 * A lead's state at minute m of a replay: not yet raised (hidden); open — waiting, met (green)
 * or past its deadline (red); or closed by feedback — dissuaded, defrauded (black) or otherwise.
 */
export function replayState(l: { issuedAt: number; metAt: number | null; feedbackAt: number | null; feedbackDueAt: number; outcome: string | null }, m: number): ReplayState {
  if (l.issuedAt > m) return 'hidden';
  if (l.feedbackAt !== null && l.feedbackAt <= m) return l.outcome === 'defrauded_after_warning' ? 'defrauded' : l.outcome === 'dissuaded' ? 'dissuaded' : 'closed';
  if (l.feedbackDueAt <= m) return 'overdue';
  if (l.metAt !== null && l.metAt <= m) return 'met';
  return 'open';
}
