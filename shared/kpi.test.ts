// Indicator and ranking definitions (kpis.md) on a hand-built dataset. Every expected value
// below was worked out by hand from the definitions, with the reasoning beside it.
import { describe, expect, it } from 'vitest';
import { HOUR, MINUTE } from './domain.js';
import {
  compareUrgency,
  computeIndicators,
  dateWindow,
  isAcknowledged,
  isPinned,
  type UrgencyLead,
  dayWindow,
  escalationLadder,
  nextTier,
  previousWindow,
  rank,
  stopStatusAt,
  stopWithin30,
  summariseStops,
  weekWindow,
  type Indicators,
  type KpiLead,
  type KpiStop,
  type RankInput,
} from './kpi.js';

const W = dateWindow('2026-11-20'); // 2026-11-20 00:00 Shanghai
const B = W.start;
const h = (x: number) => B + x * HOUR;
const T = h(20);

function lead(id: string, p: Partial<KpiLead> & { issuedAt: number }): KpiLead {
  return { id, personId: `P-${id}`, unitId: 's1', metAt: null, feedbackAt: null, feedbackDueAt: p.issuedAt + 6 * HOUR, outcome: null, lossAmount: 0, preventedAmount: 0, voided: false, ...p };
}

const leads: KpiLead[] = [
  lead('A', { issuedAt: h(1), metAt: h(3), feedbackAt: h(3.5), outcome: 'dissuaded', preventedAmount: 1000, personId: 'P1' }),
  lead('B', { issuedAt: h(2), metAt: h(5), feedbackAt: h(9), feedbackDueAt: h(8), outcome: 'defrauded_after_warning', lossAmount: 500, personId: 'P2' }),
  lead('C', { issuedAt: h(10), feedbackDueAt: h(16), personId: 'P3', unitId: 's2' }),
  lead('D', { issuedAt: h(18), feedbackDueAt: h(24), personId: 'P2', unitId: 's2' }),
  lead('E', { issuedAt: h(5), metAt: h(21), feedbackAt: h(22), feedbackDueAt: h(11), outcome: 'defrauded_after_warning', lossAmount: 900, personId: 'P4' }),
  lead('F', { issuedAt: h(3), voided: true, metAt: h(4) }),
  lead('G', { issuedAt: h(24) + 1, metAt: h(24.5) }),
  lead('H', { issuedAt: h(-1), metAt: h(0.5) }),
  lead('I', { issuedAt: h(6), metAt: h(8), feedbackAt: h(9), feedbackDueAt: h(12), outcome: 'defrauded_after_warning', lossAmount: 700, personId: 'P2' }),
];

const stops: KpiStop[] = [
  { requestedAt: h(1), frozenAt: h(1) + 20 * MINUTE, status: 'frozen' }, // in S, fast
  { requestedAt: h(2), frozenAt: h(3), status: 'returned' }, // in S, 60 min: slow
  { requestedAt: T - 10 * MINUTE, frozenAt: null, status: 'requested' }, // younger than 30 min: not yet in S
  { requestedAt: h(10), frozenAt: null, status: 'failed' }, // in S, not fast
  { requestedAt: h(12), frozenAt: null, status: 'requested' }, // 8 h old, never frozen: in S, not fast
  { requestedAt: h(-2), frozenAt: h(-1.9), status: 'frozen' }, // the day before: outside W
  { requestedAt: T - 15 * MINUTE, frozenAt: T - 5 * MINUTE, status: 'frozen' }, // in S, fast
];

describe('indicators (kpis.md) on a hand-built day', () => {
  const k = computeIndicators(leads, stops, W, T);

  it('L(W) holds A B C D E I: F is voided, G is next day, H the day before', () => {
    expect(k.leads).toBe(6);
  });
  it('face-to-face: met by T are A, B, I (E met after T) → 3/6', () => {
    expect(k.faceToFace).toEqual({ num: 3, den: 6, value: 0.5 });
  });
  it('victimisation: defrauded and known by T are B and I (E’s feedback is after T) → 2/6', () => {
    expect(k.victimisation).toEqual({ num: 2, den: 6, value: 2 / 6 });
  });
  it('overdue: D = A B C E I (D’s deadline is after T); late or missing feedback: B, C, E → 3/5', () => {
    expect(k.overdue).toEqual({ num: 3, den: 5, value: 0.6 });
  });
  it('people defrauded counts P2 once (B and I); amount = 500 + 700', () => {
    expect(k.peopleDefrauded).toBe(1);
    expect(k.amountDefrauded).toBe(1200);
  });
  it('time to meet over A 2 h, B 3 h, I 2 h: mean 7/3 h, median 2 h, p90 (3rd of 3) 3 h', () => {
    expect(k.timeToMeet).toEqual({ n: 3, meanMs: (7 / 3) * HOUR, medianMs: 2 * HOUR, p90Ms: 3 * HOUR });
  });
  it('30-min stop-payment: S has 5 (not the one under 30 min old, not the previous day’s), 2 fast → 2/5', () => {
    expect(k.stopPayment30).toEqual({ num: 2, den: 5, value: 0.4 });
  });
  it('amount kept from transfer: A’s prevented amount, dissuaded and known', () => {
    expect(k.amountKept).toBe(1000);
  });
  it('shows an empty denominator as no value, never 0 % or 100 %', () => {
    const empty = computeIndicators([], [], W, T);
    for (const r of [empty.faceToFace, empty.victimisation, empty.overdue, empty.stopPayment30]) expect(r).toEqual({ num: 0, den: 0, value: null });
    expect(empty.timeToMeet).toEqual({ n: 0, meanMs: null, medianMs: null, p90Ms: null });
  });
  it('is as of T: at 04:00 only A and B exist (F is voided), A met, nothing due yet', () => {
    const early = computeIndicators(leads, stops, W, h(4));
    expect(early.leads).toBe(2);
    expect(early.faceToFace).toEqual({ num: 1, den: 2, value: 0.5 });
    expect(early.overdue).toEqual({ num: 0, den: 1, value: 0 }); // D = {A} (feedback at 3.5 h)
  });
});

describe('windows in Asia/Shanghai', () => {
  it('starts a day at 00:00 Shanghai and a week on Monday', () => {
    expect(new Date(W.start).toISOString()).toBe('2026-11-19T16:00:00.000Z');
    expect(dayWindow(h(23.99))).toEqual(W);
    expect(dayWindow(h(24))).toEqual({ start: W.end, end: W.end + 24 * HOUR });
    const week = weekWindow(T); // 2026-11-20 is a Friday
    expect(new Date(week.start + 8 * HOUR).toISOString()).toBe('2026-11-16T00:00:00.000Z');
    expect(previousWindow(W)).toEqual({ start: W.start - 24 * HOUR, end: W.start });
    expect(() => dateWindow('20-11-2026')).toThrow(/not a date/);
  });
});

function ind(leadsN: number, f2f: [number, number], overdue: [number, number], medianMs: number | null, extra: Partial<Indicators> = {}): Indicators {
  const r = ([n, d]: [number, number]) => ({ num: n, den: d, value: d ? n / d : null });
  return {
    leads: leadsN,
    faceToFace: r(f2f),
    victimisation: r([0, leadsN]),
    overdue: r(overdue),
    peopleDefrauded: 0,
    amountDefrauded: 0,
    timeToMeet: { n: f2f[0], meanMs: medianMs, medianMs, p90Ms: medianMs },
    stopPayment30: r([0, 0]),
    amountKept: 0,
    ...extra,
  };
}

describe('rankings', () => {
  const units: RankInput[] = [
    { unitId: 'u1', code: 'A1', indicators: ind(10, [9, 10], [1, 10], 100) },
    { unitId: 'u2', code: 'A2', indicators: ind(10, [9, 10], [1, 10], 90) },
    { unitId: 'u3', code: 'A0', indicators: ind(10, [9, 10], [1, 10], 100) },
    { unitId: 'u4', code: 'B1', indicators: ind(4, [4, 4], [0, 4], 10) },
    { unitId: 'u5', code: 'B2', indicators: ind(8, [1, 8], [0, 8], 10) },
    { unitId: 'u6', code: 'B3', indicators: ind(6, [6, 6], [0, 0], 50) },
  ];

  it('daily progress: face-to-face ↓, overdue ↑, median time ↑, code ↑; under 5 leads unranked and last', () => {
    const rows = rank(units, [], 'daily');
    // u6 (100 %) first; u2 u3 u1 tie on 90 % and 10 % overdue: u2 has the shorter median;
    // u3 and u1 tie on everything but code (A0 < A1); u5 (12.5 %); u4 has only 4 leads.
    expect(rows.map((r) => [r.unitId, r.rank, r.tooLow])).toEqual([
      ['u6', 1, false],
      ['u2', 2, false],
      ['u3', 3, false],
      ['u1', 4, false],
      ['u5', 5, false],
      ['u4', null, true],
    ]);
  });

  it('is stable: any input order gives the same order', () => {
    const expected = ['u6', 'u2', 'u3', 'u1', 'u5', 'u4']; // worked out in the test above
    for (const shuffled of [[...units].reverse(), [units[3]!, units[0]!, units[5]!, units[1]!, units[4]!, units[2]!]]) {
      expect(rank(shuffled, [], 'daily').map((r) => r.unitId)).toEqual(expected);
    }
  });

  it('shows rank change against the previous window, none for unranked', () => {
    const previous: RankInput[] = [
      { unitId: 'u1', code: 'A1', indicators: ind(10, [10, 10], [0, 10], 10) }, // was 1st, now 4th: −3
      { unitId: 'u6', code: 'B3', indicators: ind(6, [3, 6], [0, 6], 50) }, // was 2nd, now 1st: +1
      { unitId: 'u5', code: 'B2', indicators: ind(2, [2, 2], [0, 2], 10) }, // was too low: no change shown
    ];
    const rows = new Map(rank(units, previous, 'daily').map((r) => [r.unitId, r]));
    expect(rows.get('u1')).toMatchObject({ rank: 4, previousRank: 1, change: -3 });
    expect(rows.get('u6')).toMatchObject({ rank: 1, previousRank: 2, change: 1 });
    expect(rows.get('u5')).toMatchObject({ rank: 5, previousRank: null, change: null });
    expect(rows.get('u4')).toMatchObject({ rank: null, change: null });
  });

  it('weekly effectiveness: victimisation ↑, amount defrauded ↑, face-to-face ↓, code ↑', () => {
    const r = (n: number, d: number) => ({ num: n, den: d, value: n / d });
    const week: RankInput[] = [
      { unitId: 'x', code: 'X', indicators: ind(20, [19, 20], [0, 20], 1, { victimisation: r(1, 20), amountDefrauded: 5000 }) },
      { unitId: 'y', code: 'Y', indicators: ind(20, [18, 20], [0, 20], 1, { victimisation: r(1, 20), amountDefrauded: 3000 }) },
      { unitId: 'z', code: 'Z', indicators: ind(20, [15, 20], [0, 20], 1, { victimisation: r(0, 20), amountDefrauded: 0 }) },
      { unitId: 'w', code: 'W', indicators: ind(20, [19, 20], [0, 20], 1, { victimisation: r(1, 20), amountDefrauded: 5000 }) },
    ];
    expect(rank(week, [], 'weekly').map((x) => x.unitId)).toEqual(['z', 'y', 'w', 'x']);
  });
});

describe('escalation ladder', () => {
  const due = h(12);
  it('takes tier times from the policy and fired times from events; the next is the first unfired still ahead', () => {
    const ladder = escalationLadder(due, [{ tier: 1, at: h(9) + 5_000 }]);
    expect(ladder).toEqual([
      { tier: 1, role: 'station_chief', dueAt: h(9), firedAt: h(9) + 5_000 },
      { tier: 2, role: 'branch_deputy', dueAt: h(10), firedAt: null },
      { tier: 3, role: 'branch_chief', dueAt: h(11), firedAt: null },
    ]);
    expect(nextTier(ladder, h(9.5))?.tier).toBe(2);
    expect(nextTier(ladder, h(11.5))).toBeNull();
  });
});

describe('parts of disjoint windows', () => {
  it('merge to the same indicators as the whole window', async () => {
    const { aggregate, finishIndicators, mergeParts } = await import('./kpi.js');
    const day2 = { start: W.end, end: W.end + 24 * HOUR };
    const week = { start: W.start, end: day2.end };
    const more = leads.map((l) => ({ ...l, id: `${l.id}2`, issuedAt: l.issuedAt + 24 * HOUR, metAt: l.metAt && l.metAt + 24 * HOUR, feedbackAt: l.feedbackAt && l.feedbackAt + 24 * HOUR, feedbackDueAt: l.feedbackDueAt + 24 * HOUR }));
    const all = [...leads, ...more];
    const t2 = T + 24 * HOUR;
    const whole = computeIndicators(all, stops, week, t2);
    const merged = finishIndicators(mergeParts([aggregate(all, stops, W, t2), aggregate(all, stops, day2, t2)]));
    expect(merged).toEqual(whole);
    expect(whole.leads).toBe(14); // A–E, I and the shifted H on day one; G and the shifted A–E, I on day two
    expect(whole.peopleDefrauded).toBe(2); // P2 (B, I) and P4 (E, known by the later T)
  });
});

describe('the wall\'s order: what needs a person now', () => {
  const T = h(12);
  const lead = (id: string, riskLevel: UrgencyLead['riskLevel'], issuedAt: number, extra: Partial<UrgencyLead> = {}): UrgencyLead => ({
    id, riskLevel, issuedAt, feedbackDueAt: issuedAt + 6 * HOUR, phonedAt: null, dispatchedAt: null, metAt: null, next: { dueAt: issuedAt + 3 * HOUR }, ...extra,
  });

  it('acknowledged means phoned, dispatched or met by T — not the automatic SMS, not a future time', () => {
    expect(isAcknowledged({ phonedAt: null, dispatchedAt: null, metAt: null }, T)).toBe(false);
    expect(isAcknowledged({ phonedAt: T, dispatchedAt: null, metAt: null }, T)).toBe(true);
    expect(isAcknowledged({ phonedAt: null, dispatchedAt: T - 1, metAt: null }, T)).toBe(true);
    expect(isAcknowledged({ phonedAt: null, dispatchedAt: null, metAt: T - 1 }, T)).toBe(true);
    expect(isAcknowledged({ phonedAt: T + 1, dispatchedAt: null, metAt: null }, T)).toBe(false);
    expect(isPinned(lead('a', 'urgent', T), T)).toBe(true);
    expect(isPinned(lead('a', 'high', T), T)).toBe(true);
    expect(isPinned(lead('a', 'medium', T), T)).toBe(false);
    expect(isPinned(lead('a', 'urgent', T, { phonedAt: T }), T)).toBe(false);
  });

  it('puts a new unacknowledged urgent lead first though every level has the same deadline, then overdue, then by the next tier', () => {
    const leads = [
      lead('calm-late', 'medium', h(11)), // next tier at 14:00
      lead('calm-soon', 'low', h(10), { next: { dueAt: h(12.5) } }),
      lead('no-tier-left', 'medium', h(7), { next: null }), // deadline 13:00 (tiers done)
      lead('overdue-2h', 'medium', h(4), { next: null }), // due 10:00
      lead('overdue-1h', 'high', h(5), { phonedAt: h(5.1), next: null }), // due 11:00, acknowledged
      lead('high-old', 'high', h(9)), // pinned, older
      lead('urgent-old', 'urgent', h(8)), // pinned
      lead('urgent-new', 'urgent', h(11.99)), // pinned, newest
      lead('urgent-acked', 'urgent', h(11.5), { phonedAt: h(11.6) }), // next tier 14:30
      lead('urgent-met', 'urgent', h(11.9), { metAt: h(11.95), next: { dueAt: h(14.9) } }),
    ];
    expect([...leads].sort(compareUrgency(T)).map((l) => l.id)).toEqual([
      'urgent-new', 'urgent-old', 'high-old',
      'overdue-2h', 'overdue-1h',
      'calm-soon', 'no-tier-left', 'calm-late', 'urgent-acked', 'urgent-met',
    ]);
    // The same inputs in any order give the same order.
    expect([...leads].reverse().sort(compareUrgency(T)).map((l) => l.id)).toEqual([...leads].sort(compareUrgency(T)).map((l) => l.id));
  });
});

describe('stop-payment status at the cut-off (issue 15 item 6)', () => {
  const req = h(10);
  it('is the state at T from the times, not the status now', () => {
    const returned: KpiStop = { requestedAt: req, frozenAt: req + 10 * MINUTE, status: 'returned', returnedAt: h(30) };
    expect(stopStatusAt(returned, req - 1)).toBeNull();
    expect(stopStatusAt(returned, req + 5 * MINUTE)).toBe('requested');
    expect(stopStatusAt(returned, h(20))).toBe('frozen'); // returned after T: frozen at T
    expect(stopStatusAt(returned, h(30))).toBe('returned');
  });
  it('counts a failure only once it was known: its commit time, else when the 30 minutes ran out', () => {
    const failed: KpiStop = { requestedAt: req, frozenAt: null, status: 'failed' };
    expect(stopStatusAt(failed, req + 29 * MINUTE)).toBe('requested');
    expect(stopWithin30(failed, req + 29 * MINUTE)).toBeNull();
    expect(stopStatusAt(failed, req + 30 * MINUTE)).toBe('failed');
    // Reported failed after the cut-off (committed at h(20)): still requested at h(12), though the verdict (not within 30 min) is decided.
    const late: KpiStop = { ...failed, failedKnownAt: h(20) };
    expect(stopStatusAt(late, h(12))).toBe('requested');
    expect(stopWithin30(late, h(12))).toBe(false);
    expect(stopStatusAt(late, h(20))).toBe('failed');
    // Reported within minutes: failed from then, and decided.
    expect(stopStatusAt({ ...failed, failedKnownAt: req + 5 * MINUTE }, req + 6 * MINUTE)).toBe('failed');
    expect(stopWithin30({ ...failed, failedKnownAt: req + 5 * MINUTE }, req + 6 * MINUTE)).toBe(false);
  });
  it('sums the frozen and returned money and the 30-minute rate of decided stops', () => {
    const sum = summariseStops([
      { amount: 1000, status: 'frozen', within30: true, returnedAmount: null },
      { amount: 500, status: 'returned', within30: false, returnedAmount: 450 },
      { amount: 300, status: 'requested', within30: null, returnedAmount: null },
      { amount: 200, status: 'failed', within30: false, returnedAmount: null },
    ]);
    expect(sum).toEqual({ count: 4, rate30: { num: 1, den: 3, value: 1 / 3 }, frozen: 2, frozenAmount: 1500, returned: 1, returnedAmount: 450, failed: 1 });
  });
});

describe('time to meet over sorted runs (a week merged from its days)', () => {
  // Worked out directly from the definition (sorted copy, middle pair, ⌈0.9·n⌉-th), independent of kpi.ts.
  const direct = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    const n = s.length;
    return n === 0 ? { n, meanMs: null, medianMs: null, p90Ms: null } : { n, meanMs: xs.reduce((a, b) => a + b, 0) / n, medianMs: n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1]! + s[n / 2]!) / 2, p90Ms: s[Math.ceil(0.9 * n) - 1] };
  };
  const rng = (seed: number) => () => ((seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0) / 2 ** 32);

  it('equals the whole list, for any split into runs, with ties and empty runs', async () => {
    const { timeToMeetOfRuns } = await import('./kpi.js');
    for (let seed = 1; seed <= 300; seed++) {
      const r = rng(seed);
      const runs: number[][] = Array.from({ length: 1 + Math.floor(r() * 9) }, () =>
        // Few distinct values in some runs, so equal durations straddle runs.
        Array.from({ length: Math.floor(r() * (seed % 3 === 0 ? 4 : 40)) }, () => Math.floor(r() * (seed % 2 ? 10 : 1e7)) * MINUTE),
      );
      const all = runs.flat();
      const got = timeToMeetOfRuns(runs.map((x) => Float64Array.from(x).sort()), all.reduce((a, b) => a + b, 0));
      expect(got, `seed ${seed}: ${JSON.stringify(runs)}`).toEqual(direct(all));
    }
  });

  it('merged parts of many days give the whole window\'s figure', async () => {
    const { aggregate, finishIndicators, mergeParts } = await import('./kpi.js');
    const r = rng(7);
    // 40 days (more runs than are picked from one by one), 0–12 met leads a day.
    const days = Array.from({ length: 40 }, (_, d) => ({ start: W.start + d * 24 * HOUR, end: W.start + (d + 1) * 24 * HOUR }));
    const all: KpiLead[] = days.flatMap((w, d) =>
      Array.from({ length: Math.floor(r() * 13) }, (_, i) => {
        const issuedAt = w.start + Math.floor(r() * 20) * HOUR;
        const metAt = r() < 0.8 ? issuedAt + Math.floor(r() * 50) * 5 * MINUTE : null;
        return { id: `L${d}-${i}`, personId: `P${i}`, unitId: 'U', issuedAt, metAt, feedbackAt: metAt, feedbackDueAt: issuedAt + 6 * HOUR, outcome: null, lossAmount: 0, preventedAmount: 0, voided: false };
      }),
    );
    const t = days.at(-1)!.end + 24 * HOUR;
    const whole = { start: days[0]!.start, end: days.at(-1)!.end };
    const merged = finishIndicators(mergeParts(days.map((w) => aggregate(all, [], w, t))));
    expect(merged).toEqual(computeIndicators(all, [], whole, t));
    const met = all.flatMap((l) => (l.metAt === null ? [] : [l.metAt - l.issuedAt]));
    expect(merged.timeToMeet).toEqual(direct(met));
    // Over a week: fewer runs than the merge threshold, so picked out of each run.
    const week = finishIndicators(mergeParts(days.slice(0, 7).map((w) => aggregate(all, [], w, t))));
    expect(week.timeToMeet).toEqual(direct(all.filter((l) => l.issuedAt < days[7]!.start && l.metAt !== null).map((l) => l.metAt! - l.issuedAt)));
  });
});
