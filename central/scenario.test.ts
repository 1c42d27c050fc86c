// The generator's statistics over a simulated week fall inside stated bands around the seed
// article's figures (../shared/design/domain.md), and a seed always gives the same scenario.
import { describe, expect, it } from 'vitest';
import { DAY, HOUR, MINUTE } from '../shared/domain.js';
import { FIXED_NOW } from '../tests/support/harness.js';
import { CASE_REVIEW_NEVER, Scenario, SHENZHEN_BRANCHES, TZ_OFFSET, leadAsOf, stepOps, type LeadPlan } from './scenario.js';
import { casePatterns, latestReviews, NOT_REVIEWED, occupationFromText, parseReviewBody, reviewAgeBand } from '../shared/caseReview.js';
import { noteSchema } from '../shared/protocol.js';
import { DEFAULT_ESCALATION, dateWindow, reviewCutoff } from '../shared/kpi.js';
import { revisitCoverage } from '../shared/revisit.js';
import { dateText } from '../shared/time.js';
import { gradeLead, riskDimensions } from '../shared/grade.js';
import { bankName, describeDetail, VOCABULARY } from '../shared/vocabulary.js';

const week = (seed: number) => new Scenario({ seed }).leadsBetween(FIXED_NOW - 7 * DAY, FIXED_NOW);
const share = (plans: LeadPlan[], f: (p: LeadPlan) => boolean) => plans.filter(f).length / plans.length;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe.each([7, 11, 2026])('a simulated week from seed %i', (seed) => {
  const plans = week(seed);
  const leads = plans.map((p) => p.lead);

  it('has the volume and day-night curve of a city command post', () => {
    expect(plans.length).toBeGreaterThan(7 * 700 * 0.92);
    expect(plans.length).toBeLessThan(7 * 700 * 1.08);
    const byHour = new Array(24).fill(0) as number[];
    for (const l of leads) byHour[new Date(l.issuedAt + TZ_OFFSET).getUTCHours()]!++;
    expect(mean(byHour.slice(2, 6))).toBeLessThan(mean(byHour.slice(19, 22)) / 4);
  });

  it('meets face to face about 98 % of people, in about 2 h on average', () => {
    expect(share(plans, (p) => p.lead.metAt !== undefined)).toBeGreaterThan(0.965);
    expect(share(plans, (p) => p.lead.metAt !== undefined)).toBeLessThan(0.995);
    const toMeet = leads.filter((l) => l.metAt !== undefined).map((l) => l.metAt! - l.issuedAt);
    expect(mean(toMeet) / HOUR).toBeGreaterThan(1.6);
    expect(mean(toMeet) / HOUR).toBeLessThan(2.4);
  });

  it('texts at once and phones within 30 minutes for most', () => {
    expect(leads.every((l) => l.smsAt! - l.issuedAt <= MINUTE)).toBe(true);
    const phoned30 = share(plans, (p) => p.lead.phonedAt! - p.lead.issuedAt <= 30 * MINUTE);
    expect(phoned30).toBeGreaterThan(0.9);
    expect(phoned30).toBeLessThan(0.99);
  });

  it('has 1–2 % post-warning victimisation and some overdue feedback', () => {
    const victimised = share(plans, (p) => p.lead.outcome === 'defrauded_after_warning');
    expect(victimised).toBeGreaterThan(0.007);
    expect(victimised).toBeLessThan(0.025);
    const overdue = share(plans, (p) => p.lead.feedbackAt! > p.lead.feedbackDueAt);
    expect(overdue).toBeGreaterThan(0.01);
    expect(overdue).toBeLessThan(0.06);
    for (const l of leads.filter((x) => x.outcome === 'defrauded_after_warning')) expect(l.lossAmount).toBeGreaterThan(0);
  });

  it('freezes about 99 % of stop-payments within 30 minutes', () => {
    const stops = plans.flatMap((p) => p.stops).filter((s) => s.status !== 'failed');
    expect(stops.length).toBeGreaterThan(plans.length * 0.25);
    const fast = stops.filter((s) => s.frozenAt! - s.requestedAt <= 30 * MINUTE).length / stops.length;
    expect(fast).toBeGreaterThan(0.975);
  });

  it('mixes fraud types, repeats people and has heavy-tailed amounts', () => {
    const rebate = share(plans, (p) => p.lead.fraudType === 'rebate_task');
    expect(rebate).toBeGreaterThan(0.25);
    expect(rebate).toBeLessThan(0.35);
    expect(new Set(leads.map((l) => l.fraudType)).size).toBe(12);
    const repeats = share(plans, (p) => p.lead.warningCount > 1);
    expect(repeats).toBeGreaterThan(0.03);
    expect(repeats).toBeLessThan(0.15);
    const amounts = leads.map((l) => l.amountAtRisk).sort((a, b) => a - b);
    expect(amounts[Math.floor(amounts.length * 0.99)]! / amounts[Math.floor(amounts.length / 2)]!).toBeGreaterThan(10);
  });

  it('places each lead inside its branch’s district', () => {
    for (const l of leads) {
      const code = l.unitId.split('-')[1]!;
      const b = SHENZHEN_BRANCHES.find((x) => x.code === code)!;
      expect(Math.hypot(l.lat - b.lat, l.lng - b.lng)).toBeLessThan(b.radius * 1.5);
    }
  });

  it('grades every lead on the 8 dimensions by the one grading rule, with all four levels', () => {
    for (const l of leads) {
      expect(Object.keys(l.riskDims ?? {}).sort()).toEqual([...riskDimensions].sort());
      expect(l.riskScore).toBe(Object.values(l.riskDims!).reduce((a, b) => a + b, 0));
    }
    // Every dimension varies across the week (none is a constant), and the levels are a pyramid
    // of screened high-risk leads: urgent rare, high and medium the bulk, some low.
    for (const d of riskDimensions) expect(new Set(leads.map((l) => l.riskDims![d])).size).toBeGreaterThan(1);
    const lv = (r: string) => share(plans, (p) => p.lead.riskLevel === r);
    expect(lv('urgent')).toBeGreaterThan(0.03);
    expect(lv('urgent')).toBeLessThan(0.2);
    expect(lv('high')).toBeGreaterThan(0.25);
    expect(lv('medium')).toBeGreaterThan(0.2);
    expect(lv('low')).toBeGreaterThan(0.05);
    // Repeat warnings and earlier victimisation raise the grade, as the seed ranks them first.
    const rep = leads.filter((l) => l.warningCount >= 3);
    expect(mean(rep.map((l) => l.riskScore))).toBeGreaterThan(mean(leads.map((l) => l.riskScore)) + 8);
  });

  it('handles by class: a visit for urgent and high (dispatched, arrived), phone for medium, SMS or publicity for low', () => {
    for (const p of plans) {
      const l = p.lead;
      const want = l.riskLevel === 'urgent' || l.riskLevel === 'high' ? ['visit'] : l.riskLevel === 'medium' ? ['phone'] : ['sms', 'publicity'];
      expect(want).toContain(l.method);
      const kinds = p.events.map((e) => e.kind);
      if (l.method === 'visit') {
        expect(l.dispatchedAt).toBeDefined();
        expect(p.events.find((e) => e.kind === 'dispatch')?.at).toBe(l.dispatchedAt);
        if (l.metAt !== undefined) expect(p.events.find((e) => e.kind === 'arrive')!.at).toBeLessThanOrEqual(l.metAt);
      } else {
        expect(l.dispatchedAt).toBeUndefined();
        expect(kinds).not.toContain('dispatch');
        expect(kinds).not.toContain('arrive');
      }
    }
    // The nearest patrol reaches an urgent lead fast: median dispatch → arrive under 20 minutes.
    const urgent = plans.filter((p) => p.lead.riskLevel === 'urgent' && p.lead.metAt !== undefined);
    const toArrive = urgent.map((p) => p.events.find((e) => e.kind === 'arrive')!.at - p.lead.dispatchedAt!).sort((a, b) => a - b);
    expect(toArrive[Math.floor(toArrive.length / 2)]! / MINUTE).toBeLessThan(20);
    expect(urgent.every((p) => p.events.find((e) => e.kind === 'dispatch')!.detail === 'patrol')).toBe(true);
  });

  it('passes each lead down the four levels with reassign events, the unit changing at each hop', () => {
    for (const p of plans) {
      expect(p.hops.map((h) => h.unitId.split('-').length)).toEqual([1, 2, 3, 4]);
      expect(p.hops.at(-1)!.unitId).toBe(p.lead.unitId);
      const re = p.events.filter((e) => e.kind === 'reassign');
      expect(re.map((e) => [e.at, e.unitId, e.detail])).toEqual(p.hops.slice(1).map((h, i) => [h.at, h.unitId, p.hops[i]!.unitId]));
      for (const [i, h] of p.hops.entries()) {
        expect(leadAsOf(p.lead, h.at, p.hops).unitId).toBe(h.unitId);
        if (i > 0) expect(leadAsOf(p.lead, h.at - 1, p.hops).unitId).toBe(p.hops[i - 1]!.unitId);
      }
    }
    // Urgent leads are pushed down at once; the others take minutes per hop.
    const total = (p: LeadPlan) => p.hops.at(-1)!.at - p.hops[0]!.at;
    expect(Math.max(...plans.filter((p) => p.lead.riskLevel === 'urgent').map(total))).toBeLessThanOrEqual(5 * MINUTE);
    expect(mean(plans.filter((p) => p.lead.riskLevel !== 'urgent').map(total)) / MINUTE).toBeGreaterThan(10);
  });

  it('revisits most instructions hours after feedback by a supervision group, some the next morning, a few never', () => {
    const revisitOf = (p: LeadPlan) => p.events.filter((e) => e.kind === 'revisit');
    for (const p of plans) {
      const r = revisitOf(p);
      expect(r.length).toBeLessThanOrEqual(1);
      if (r.length === 0) continue;
      // After the feedback, by the branch's group or the city's, never between midnight and 08:00.
      expect(r[0]!.at).toBeGreaterThan(p.lead.feedbackAt!);
      expect(['SZ', p.hops[1]!.unitId]).toContain(r[0]!.unitId);
      expect(new Date(r[0]!.at + TZ_OFFSET).getUTCHours()).toBeGreaterThanOrEqual(8);
    }
    // Coverage by the one rule, for each whole day of the week: at the next morning's 08:00 cut-off
    // most are revisited; two days on, all but the few never revisited.
    const leadsOf = plans.map((p) => ({ id: p.lead.id, unitId: p.lead.unitId, issuedAt: p.lead.issuedAt, voided: false, eventAt: revisitOf(p)[0]?.at ?? null, noteAt: null }));
    const firstDay = dateWindow(dateText(FIXED_NOW - 6 * DAY));
    for (let d = 0; d < 5; d++) {
      const w = { start: firstDay.start + d * DAY, end: firstDay.end + d * DAY };
      const atCutoff = revisitCoverage(leadsOf, w, reviewCutoff(w, Infinity)).value!;
      const later = revisitCoverage(leadsOf, w, w.end + 2 * DAY).value!;
      expect(atCutoff).toBeGreaterThan(0.65);
      expect(atCutoff).toBeLessThan(0.9);
      expect(later).toBeGreaterThan(0.9);
      expect(later).toBeLessThan(0.99);
    }
    // The city's group takes the urgent leads and some others; the branches' groups the rest.
    const byCity = share(plans, (p) => revisitOf(p).some((e) => e.unitId === 'SZ'));
    expect(byCity).toBeGreaterThan(0.1);
    expect(byCity).toBeLessThan(0.3);
  });

  it('writes event details the vocabulary knows: no raw code reaches a screen', () => {
        const seen = new Map<string, string>();
    for (const p of plans) for (const e of p.events) {
      const d = describeDetail(e);
      if (e.detail !== undefined) seen.set(`${e.kind}:${d.kind}`, e.detail);
      // A code the scenario writes is never left as text for the screen to print raw.
      expect(d.kind, `${e.kind} ${e.detail}`).not.toBe('text');
      if (d.kind === 'word') expect(VOCABULARY.zh[d.key]).toBeTruthy();
      if (d.kind === 'bank') expect(bankName(d.name, 'en')).not.toBe(d.name);
    }
    for (const k of ['feedback', 'dispatch', 'revisit', 'escalation', 'reassign', 'stop_payment']) expect([...seen.keys()].some((s) => s.startsWith(`${k}:`)), k).toBe(true);
  });

  it('fires escalations by the policy: tier k at its time when no feedback has come', () => {
    // Not vacuous: the week has late leads, and every tier of the ladder fires somewhere.
    const tiers = new Set(plans.flatMap((p) => p.events.filter((e) => e.kind === 'escalation').map((e) => e.tier)));
    expect([...tiers].sort()).toEqual(DEFAULT_ESCALATION.tiers.map((_, i) => i + 1));
    for (const p of plans) {
      const fired = p.events.filter((e) => e.kind === 'escalation');
      const due = DEFAULT_ESCALATION.tiers.map(({ leftMs }, i) => ({ tier: i + 1, at: p.lead.feedbackDueAt - leftMs })).filter((t) => p.lead.feedbackAt! > t.at);
      expect(fired.map((e) => [e.tier, e.at])).toEqual(due.map((t) => [t.tier, t.at]));
    }
  });
});

describe('the scenario’s case reviews', () => {
  // A month, so the victimisation cases (1–2 % of leads) are many enough to measure.
  const month = new Scenario({ seed: 7, leadsPerDay: 700 }).leadsBetween(FIXED_NOW - 28 * DAY, FIXED_NOW);
  const cases = month.filter((p) => p.lead.outcome === 'defrauded_after_warning');
  const reviewed = cases.filter((p) => p.notes.length > 0);

  it('reviews most post-warning victimisation cases, and nothing else, as review notes in the case-review format', () => {
    expect(cases.length).toBeGreaterThan(100);
    expect(month.filter((p) => p.lead.outcome !== 'defrauded_after_warning').every((p) => p.notes.length === 0)).toBe(true);
    // About 1 − CASE_REVIEW_NEVER of them, the rest not (yet) reviewed.
    expect(reviewed.length / cases.length).toBeGreaterThan(1 - CASE_REVIEW_NEVER - 0.07);
    expect(reviewed.length / cases.length).toBeLessThan(1 - CASE_REVIEW_NEVER + 0.07);
    for (const p of reviewed) {
      const [n] = p.notes;
      // The very record a display's outbox would have the centre hold: a valid note about the lead.
      expect(noteSchema.strict().parse(n)).toEqual(n);
      expect(n).toMatchObject({ kind: 'review', leadId: p.lead.id, unitId: p.lead.unitId });
      const body = parseReviewBody(n!.body);
      expect(body.kind, n!.body).toBe('structured');
      if (body.kind !== 'structured') continue;
      // The person's own occupation and age band, and what missed read from the lead's history.
      expect(body.review.occupation).toBe(occupationFromText(p.lead.personOccupation));
      expect(body.review.ageBand).toBe(reviewAgeBand(p.lead.personAge));
      expect(body.review.missed.includes('late_call')).toBe(p.lead.phonedAt! > p.lead.phoneDueAt);
      expect(body.review.missed.includes('no_visit')).toBe(p.lead.metAt === undefined);
      if (p.lead.fraudType === 'romance_investment') expect(body.review.psychology).toBe('emotional_dependence');
      // Written at a meeting after the feedback, in the morning (Shanghai time).
      expect(n!.createdAt).toBeGreaterThan(p.lead.feedbackAt!);
      const hour = new Date(n!.createdAt + TZ_OFFSET).getUTCHours();
      expect(hour).toBeGreaterThanOrEqual(8);
      expect(hour).toBeLessThan(12);
    }
  });

  it('varies like real reviews: every occupation code, several failures and states of mind, "nothing missed" for some', () => {
    const reviews = reviewed.map((p) => parseReviewBody(p.notes[0]!.body)).flatMap((b) => (b.kind === 'structured' ? [b.review] : []));
    expect(new Set(reviews.map((r) => r.occupation)).size).toBeGreaterThan(6);
    expect(new Set(reviews.flatMap((r) => r.failed)).size).toBeGreaterThan(4);
    expect(new Set(reviews.map((r) => r.psychology)).size).toBeGreaterThan(3);
    expect(reviews.some((r) => r.missed.length === 1 && r.missed[0] === 'none')).toBe(true);
    expect(reviews.some((r) => r.missed.length > 1)).toBe(true);
    // The weekly pattern table of the last week has rows beyond "not reviewed".
    const week = cases.filter((p) => p.lead.issuedAt >= FIXED_NOW - 7 * DAY);
    const patterns = casePatterns(week.map((p) => p.lead), latestReviews(week.flatMap((p) => p.notes)));
    expect(patterns.reviewed).toBeGreaterThan(0);
    expect(patterns.rows.filter((r) => r.dimension === 'failed' && r.value !== NOT_REVIEWED).length).toBeGreaterThan(1);
  });

  it('is the same for a seed, and publishes a review only when it is written', () => {
    const again = new Scenario({ seed: 7, leadsPerDay: 700 }).leadsBetween(FIXED_NOW - 28 * DAY, FIXED_NOW);
    expect(JSON.stringify(again.flatMap((p) => p.notes))).toBe(JSON.stringify(month.flatMap((p) => p.notes)));
    const p = reviewed[0]!;
    const at = p.notes[0]!.createdAt;
    const notesIn = (ops: ReturnType<typeof stepOps>) => ops.filter((o) => o.t === 'put' && o.e === 'note');
    expect(notesIn(stepOps(p, -Infinity, at - 1))).toEqual([]);
    expect(notesIn(stepOps(p, at - 1, at))).toEqual([{ t: 'put', e: 'note', d: p.notes[0] }]);
    expect(p.times).toContain(at);
  });
});

describe('the scenario', () => {
  it('is deterministic from its seed', () => {
    const a = new Scenario({ seed: 3 }).leadsBetween(FIXED_NOW - DAY, FIXED_NOW);
    const b = new Scenario({ seed: 3 }).leadsBetween(FIXED_NOW - DAY, FIXED_NOW);
    const c = new Scenario({ seed: 4 }).leadsBetween(FIXED_NOW - DAY, FIXED_NOW);
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(JSON.stringify(a)).not.toBe(JSON.stringify(c));
  });

  it('has the ten branches by name and the stations the seed names', () => {
    const units = new Scenario({ seed: 1 }).units;
    expect(units.filter((u) => u.level === 'branch').map((u) => u.name)).toEqual(['福田分局', '罗湖分局', '南山分局', '盐田分局', '宝安分局', '龙岗分局', '龙华分局', '坪山分局', '光明分局', '大鹏分局']);
    const stations = units.filter((u) => u.level === 'station');
    for (const [name, branch] of [['福保派出所', 'SZ-FT'], ['南园派出所', 'SZ-FT'], ['大浪派出所', 'SZ-LHU'], ['石井派出所', 'SZ-PS']]) {
      expect(stations.find((s) => s.name === name)?.parentId).toBe(branch);
    }
    expect(stations.length).toBeGreaterThan(30);
    expect(units.filter((u) => u.level === 'beat').length).toBe(stations.length * 3);
    expect(units.every((u) => u.level !== 'branch' || (u.leaders?.branchChief?.phone ?? '').length === 11)).toBe(true);
  });

  it('grades by the rule: more dimensions lit, a higher grade', () => {
    const base = { priorVictimCount: 0, warningCount: 1, source: 'platform', amountAtRisk: 100_000, age: 35, fraudType: 'other' as const, hour: 14, fraudCallMinutes: 0 };
    const low = gradeLead(base);
    const hot = gradeLead({ ...base, priorVictimCount: 2, warningCount: 3, source: 'family', amountAtRisk: 50_000_000, age: 70, fraudType: 'romance_investment', hour: 1, fraudCallMinutes: 90 });
    expect(low.riskLevel).toBe('low');
    expect(hot.riskLevel).toBe('urgent');
    expect(hot.riskScore).toBeGreaterThanOrEqual(95);
    expect(gradeLead({ ...base, priorVictimCount: 1 }).riskScore).toBeGreaterThan(low.riskScore);
  });

  it('publishes each step only when its time comes', () => {
    const [plan] = new Scenario({ seed: 9 }).leadsBetween(FIXED_NOW, FIXED_NOW + HOUR);
    const issued = plan!.lead.issuedAt;
    expect(leadAsOf(plan!.lead, issued).metAt).toBeUndefined();
    expect(leadAsOf(plan!.lead, issued).outcome).toBeUndefined();
    expect(leadAsOf(plan!.lead, plan!.lead.feedbackAt!).outcome).toBe(plan!.lead.outcome);
    const first = stepOps(plan!, -Infinity, issued);
    expect(first.filter((o) => o.t === 'put' && o.e === 'event').map((o) => (o as { d: { kind: string } }).d.kind)).toEqual(['issued']);
  });
});
