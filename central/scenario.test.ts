// The generator's statistics over a simulated week fall inside stated bands around the seed
// article's figures (../shared/design/domain.md), and a seed always gives the same scenario.
import { describe, expect, it } from 'vitest';
import { DAY, HOUR, MINUTE } from '../shared/domain.js';
import { FIXED_NOW } from '../tests/support/harness.js';
import { Scenario, SHENZHEN_BRANCHES, TZ_OFFSET, leadAsOf, stepOps, type LeadPlan } from './scenario.js';
import { DEFAULT_ESCALATION } from '../shared/kpi.js';

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
