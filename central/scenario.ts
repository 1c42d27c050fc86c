// A realistic, seeded scenario of Shenzhen's funds early-warning work, timed to the figures in
// ../shared/design/domain.md and kpis.md. Each lead's whole lifecycle is planned when it is
// raised; the centre publishes each step when its time comes (or at once, for the backfill).
import { crc32 } from '../shared/crc32.js';
import { DAY, HOUR, MINUTE, type FraudType } from '../shared/domain.js';
import { gradeLead, methodFor } from '../shared/grade.js';
import { DEFAULT_ESCALATION, PHONE_WINDOW_MS, type EscalationPolicy } from '../shared/kpi.js';
import { encodeCaseReview, occupationFromText, reviewAgeBand, type CaseReview, type FailedCode, type MissedCode, type PsychologyCode } from '../shared/caseReview.js';
import type { Lead, LeadEvent, Note, StopPayment, Unit } from '../shared/protocol.js';
import { BANK_NAMES_EN } from '../shared/vocabulary.js';
import { createRng, type Rng } from './rng.js';
import type { WriteOp } from './store.js';

export const TZ_OFFSET = 8 * HOUR; // Asia/Shanghai, no daylight saving

type BranchSeed = { code: string; name: string; nameEn: string; lat: number; lng: number; radius: number; weight: number; stations: [string, string][] };

/** The ten branches, with rough district centres, and the stations the seed names. */
export const SHENZHEN_BRANCHES: BranchSeed[] = [
  { code: 'FT', name: '福田分局', nameEn: 'Futian', lat: 22.541, lng: 114.055, radius: 0.03, weight: 10, stations: [['福保派出所', 'Fubao'], ['南园派出所', 'Nanyuan']] },
  { code: 'LH', name: '罗湖分局', nameEn: 'Luohu', lat: 22.558, lng: 114.131, radius: 0.03, weight: 7, stations: [] },
  { code: 'NS', name: '南山分局', nameEn: 'Nanshan', lat: 22.533, lng: 113.93, radius: 0.04, weight: 11, stations: [] },
  { code: 'YT', name: '盐田分局', nameEn: 'Yantian', lat: 22.577, lng: 114.237, radius: 0.03, weight: 2, stations: [] },
  { code: 'BA', name: '宝安分局', nameEn: "Bao'an", lat: 22.655, lng: 113.883, radius: 0.05, weight: 20, stations: [] },
  { code: 'LG', name: '龙岗分局', nameEn: 'Longgang', lat: 22.7, lng: 114.22, radius: 0.06, weight: 18, stations: [] },
  { code: 'LHU', name: '龙华分局', nameEn: 'Longhua', lat: 22.697, lng: 114.035, radius: 0.04, weight: 12, stations: [['大浪派出所', 'Dalang']] },
  { code: 'PS', name: '坪山分局', nameEn: 'Pingshan', lat: 22.703, lng: 114.35, radius: 0.03, weight: 4, stations: [['石井派出所', 'Shijing']] },
  { code: 'GM', name: '光明分局', nameEn: 'Guangming', lat: 22.76, lng: 113.93, radius: 0.03, weight: 6, stations: [] },
  { code: 'DP', name: '大鹏分局', nameEn: 'Dapeng', lat: 22.59, lng: 114.47, radius: 0.04, weight: 1.5, stations: [] },
];

const STATION_WORDS: [string, string][] = [
  ['新安', 'Xin’an'], ['西乡', 'Xixiang'], ['沙井', 'Shajing'], ['松岗', 'Songgang'], ['布吉', 'Buji'], ['横岗', 'Henggang'],
  ['园岭', 'Yuanling'], ['梅林', 'Meilin'], ['东门', 'Dongmen'], ['翠竹', 'Cuizhu'], ['粤海', 'Yuehai'], ['蛇口', 'Shekou'],
  ['沙头角', 'Shatoujiao'], ['观澜', 'Guanlan'], ['民治', 'Minzhi'], ['公明', 'Gongming'], ['葵涌', 'Kuichong'], ['坑梓', 'Kengzi'],
  ['平湖', 'Pinghu'], ['坂田', 'Bantian'], ['航城', 'Hangcheng'], ['福永', 'Fuyong'], ['南湾', 'Nanwan'], ['龙城', 'Longcheng'],
];
const SURNAMES = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蔡蒋余杜叶程魏苏吕丁任沈姚卢';
const GIVEN = '伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建文辉力梅鑫宇浩晨欣怡子涵佳琪雨轩';
const OCCUPATIONS = ['学生', '企业职员', '个体经营', '无业', '退休', '外卖骑手', '教师', '工厂工人', '自由职业', '财务人员'];
// The banks the vocabulary names (in both languages), so every bank the demo sends reads as words.
const BANKS = Object.keys(BANK_NAMES_EN);
const SOURCES = ['bank', 'telecom', 'platform', '96110', 'family'];

export const FRAUD_MIX: readonly (readonly [FraudType, number])[] = [
  ['rebate_task', 30], ['investment', 14], ['fake_shopping', 10], ['fake_refund', 9], ['loan', 8], ['fake_credit', 6],
  ['impersonation_authority', 6], ['impersonation_acquaintance', 5], ['romance_investment', 5], ['game_trade', 4], ['deposit', 2], ['other', 1],
];

/** Relative rate of new leads by hour of day (Shanghai time): quiet before dawn, peaks late morning and evening. */
const RAW_CURVE = [0.35, 0.25, 0.18, 0.15, 0.15, 0.2, 0.35, 0.6, 0.9, 1.15, 1.3, 1.3, 1.15, 1.1, 1.2, 1.25, 1.25, 1.2, 1.2, 1.35, 1.45, 1.45, 1.1, 0.7];
/** Normalised to a mean of 1, so leadsPerDay is the daily mean. */
export const HOURLY_CURVE = RAW_CURVE.map((x) => (x * RAW_CURVE.length) / RAW_CURVE.reduce((a, b) => a + b, 0));

/** The share of instructions no supervision group revisits. */
export const REVISIT_NEVER = 0.05;

export type ScenarioOptions = { seed: number; leadsPerDay?: number; policy?: EscalationPolicy };

/** The share of post-warning victimisation cases the meeting has not reviewed (yet). */
export const CASE_REVIEW_NEVER = 0.15;

/**
 * `hops`: where the lead stood from when, city → branch → station → beat (the last is `lead.unitId`).
 * `notes`: what the command post wrote about it, as the centre holds it once a display's outbox
 * has sent it (a case review of a victimisation case).
 */
export type LeadPlan = { lead: Lead; events: LeadEvent[]; stops: StopPayment[]; notes: Note[]; times: number[]; hops: { at: number; unitId: string }[] };

function fakePhone(rng: Rng): string {
  return `1${rng.pick(['38', '39', '35', '36', '58', '59', '86', '87', '77', '99'])}${String(rng.int(0, 99999999)).padStart(8, '0')}`;
}
function fakeName(rng: Rng): string {
  return rng.pick(Array.from(SURNAMES)) + rng.pick(Array.from(GIVEN)) + (rng.next() < 0.6 ? rng.pick(Array.from(GIVEN)) : '');
}

export function buildUnits(seed: number): Unit[] {
  const rng = createRng(seed ^ 0x5eed);
  const units: Unit[] = [{ id: 'SZ', parentId: null, level: 'city', code: 'SZ', name: '深圳市公安局', nameEn: 'Shenzhen PSB', lat: 22.6, lng: 114.1, geoKey: 'shenzhen' }];
  let word = 0;
  for (const b of SHENZHEN_BRANCHES) {
    const bid = `SZ-${b.code}`;
    units.push({
      id: bid, parentId: 'SZ', level: 'branch', code: b.code, name: b.name, nameEn: `${b.nameEn} Branch`, lat: b.lat, lng: b.lng, geoKey: b.nameEn.toLowerCase().replace(/\W/g, ''),
      leaders: { branchDeputy: { name: fakeName(rng), phone: fakePhone(rng) }, branchChief: { name: fakeName(rng), phone: fakePhone(rng) } },
    });
    const stationCount = Math.max(3, Math.round(b.weight / 2.5));
    const names: [string, string][] = [...b.stations];
    while (names.length < stationCount) {
      const [zh, en] = STATION_WORDS[word++ % STATION_WORDS.length]!;
      const suffix = word > STATION_WORDS.length ? String(Math.floor(word / STATION_WORDS.length) + 1) : '';
      names.push([`${zh}${suffix}派出所`, `${en}${suffix}`]);
    }
    names.forEach(([zh, en], i) => {
      const sid = `${bid}-S${String(i + 1).padStart(2, '0')}`;
      const lat = b.lat + (rng.next() - 0.5) * b.radius * 1.4;
      const lng = b.lng + (rng.next() - 0.5) * b.radius * 1.4;
      units.push({ id: sid, parentId: bid, level: 'station', code: `${b.code}${String(i + 1).padStart(2, '0')}`, name: zh, nameEn: `${en} Station`, lat, lng,
        leaders: { stationChief: { name: fakeName(rng), phone: fakePhone(rng) } } });
      for (let k = 1; k <= 3; k++) {
        units.push({ id: `${sid}-B${k}`, parentId: sid, level: 'beat', code: `${b.code}${String(i + 1).padStart(2, '0')}${k}`, name: `${zh.replace('派出所', '')}第${k}警区`, nameEn: `${en} Beat ${k}`,
          lat: lat + (rng.next() - 0.5) * 0.01, lng: lng + (rng.next() - 0.5) * 0.01 });
      }
    });
  }
  return units;
}

function shanghaiDate(t: number): string {
  const d = new Date(t + TZ_OFFSET);
  return `${d.getUTCFullYear()}${String(d.getUTCMonth() + 1).padStart(2, '0')}${String(d.getUTCDate()).padStart(2, '0')}`;
}

/** Draws lognormal minutes with a given mean and shape. */
function lognormalMs(rng: Rng, meanMs: number, sigma: number): number {
  const mu = Math.log(meanMs) - (sigma * sigma) / 2;
  return Math.exp(rng.normal(mu, sigma));
}

export class Scenario {
  readonly units: Unit[];
  readonly #rng: Rng;
  readonly #seed: number;
  readonly #policy: EscalationPolicy;
  readonly #perDay: number;
  readonly #beats: { beat: Unit; station: Unit; branch: BranchSeed; weight: number }[];
  readonly #people: { id: string; name: string; phone: string; age: number; occupation: string; count: number; lastAt: number; priorVictim: number }[] = [];
  readonly #dayCounters = new Map<string, number>();
  #personSeq = 0;
  #eventSeq = 0;

  constructor(opts: ScenarioOptions) {
    this.#rng = createRng(opts.seed);
    this.#seed = opts.seed;
    this.#policy = opts.policy ?? DEFAULT_ESCALATION;
    this.#perDay = opts.leadsPerDay ?? 700;
    this.units = buildUnits(opts.seed);
    const byId = new Map(this.units.map((u) => [u.id, u]));
    this.#beats = this.units
      .filter((u) => u.level === 'beat')
      .map((beat) => {
        const station = byId.get(beat.parentId!)!;
        const branchUnit = byId.get(station.parentId!)!;
        const branch = SHENZHEN_BRANCHES.find((b) => `SZ-${b.code}` === branchUnit.id)!;
        const beatsInBranch = this.units.filter((u) => u.level === 'beat' && u.id.startsWith(branchUnit.id + '-')).length;
        return { beat, station, branch, weight: branch.weight / beatsInBranch };
      });
  }

  /** Mean leads per ms at time t (day-night curve). */
  rateAt(t: number): number {
    const hour = new Date(t + TZ_OFFSET).getUTCHours();
    return (this.#perDay / DAY) * HOURLY_CURVE[hour]!;
  }

  /** Plans every lead raised in [from, to), in time order (thinning of a Poisson process). */
  leadsBetween(from: number, to: number): LeadPlan[] {
    const maxRate = (this.#perDay / DAY) * Math.max(...HOURLY_CURVE);
    const plans: LeadPlan[] = [];
    let t = from;
    for (;;) {
      t += -Math.log(Math.max(this.#rng.next(), 1e-12)) / maxRate;
      if (t >= to) break;
      if (this.#rng.next() * maxRate <= this.rateAt(t)) plans.push(this.#plan(Math.floor(t)));
    }
    return plans;
  }

  #person(t: number) {
    const rng = this.#rng;
    const recent = this.#people.filter((p) => t - p.lastAt < 7 * DAY);
    if (recent.length > 20 && rng.next() < 0.08) {
      const p = rng.pick(recent);
      p.count += 1;
      p.lastAt = t;
      return p;
    }
    const age = Math.max(16, Math.min(85, Math.round(rng.normal(37, 12))));
    // About one in ten people warned was defrauded before (the seed's first dimension).
    const r = rng.next();
    const priorVictim = r < 0.02 ? 2 : r < 0.1 ? 1 : 0;
    const p = { id: `P${String(++this.#personSeq).padStart(7, '0')}`, name: fakeName(rng), phone: fakePhone(rng), age, occupation: rng.pick(OCCUPATIONS), count: 1, lastAt: t, priorVictim };
    this.#people.push(p);
    if (this.#people.length > 5000) this.#people.splice(0, 1000);
    return p;
  }

  /**
   * Supervision revisit (回访) of an instruction: the branch's supervision group (the city's for
   * urgent leads and some others) calls back most leads about an hour after their feedback,
   * between 08:00 and midnight, so those fed back late wait for the next morning; a few are never
   * revisited. Drawn from the lead's own generator, so the rest of a seed's scenario (and the
   * seed article's figures it reproduces) stays what it was.
   */
  #revisit(leadId: string, feedbackAt: number, urgent: boolean): { at: number; byCity: boolean; how: 'phone' | 'visit' } | null {
    const rng = createRng((Math.imul(this.#seed, 0x9e3779b1) ^ crc32(leadId)) >>> 0);
    if (rng.next() < REVISIT_NEVER) return null;
    let at = feedbackAt + Math.round(Math.min(lognormalMs(rng, 70 * MINUTE, 0.7), 8 * HOUR));
    // Nobody is called back between midnight and 08:00: those wait for the morning.
    if (new Date(at + TZ_OFFSET).getUTCHours() < 8) at = Math.floor((at + TZ_OFFSET) / DAY) * DAY - TZ_OFFSET + 8 * HOUR + rng.int(20, 180) * MINUTE;
    return { at, byCity: urgent || rng.next() < 0.1, how: rng.next() < 0.85 ? 'phone' : 'visit' };
  }

  /**
   * The case review (复盘) of a post-warning victimisation case, as the duty desk writes it at the
   * next morning's meeting (a few days later for some; some not yet): the person's occupation and
   * age band, what the warning work missed — read from the lead's own history (a call after the
   * 30 minutes, no visit, a grade below high, a repeat warning) — what failed and the state of
   * mind the seed article's reviews name for its fraud type. Drawn from the lead's own generator,
   * so the rest of a seed's scenario stays what it was. Written through the same entity a
   * display's outbox writes (a `review` note whose body is shared/caseReview.ts's format).
   */
  #caseReview(lead: Lead, stops: readonly StopPayment[], branchName: string): Note | null {
    const rng = createRng((Math.imul(this.#seed, 0x85ebca6b) ^ crc32(`${lead.id}:review`)) >>> 0);
    if (lead.outcome !== 'defrauded_after_warning' || lead.feedbackAt === undefined || rng.next() < CASE_REVIEW_NEVER) return null;
    const missed: MissedCode[] = [];
    if (lead.phonedAt !== undefined && lead.phonedAt > lead.phoneDueAt) missed.push('late_call');
    if (lead.metAt === undefined) missed.push('no_visit');
    if ((lead.riskLevel === 'medium' || lead.riskLevel === 'low') && rng.next() < 0.6) missed.push('underrated');
    if (lead.warningCount > 1 && rng.next() < 0.7) missed.push('repeat_ignored');
    // Family told too late or not at all: the older the person, the more often the review says so.
    if (rng.next() < ((lead.personAge ?? 0) >= 60 ? 0.5 : 0.2)) missed.push('family_not_told');
    const failed = new Set<FailedCode>();
    if (lead.metAt === undefined) failed.add('contact');
    else failed.add(rng.weighted<FailedCode>([['persuasion', 4], ['denial', 3], ['coached', 3]]));
    const stop = stops[0];
    if (stop && (stop.status === 'failed' || (stop.frozenAt ?? Infinity) - stop.requestedAt > 30 * MINUTE)) failed.add('stop_payment');
    if (rng.next() < 0.2) failed.add('new_channel');
    if (rng.next() < 0.15) failed.add('follow_up');
    const psychology: PsychologyCode | undefined =
      lead.fraudType === 'romance_investment' ? 'emotional_dependence'
      : lead.fraudType === 'impersonation_authority' ? 'fear'
      : lead.fraudType === 'investment' || lead.fraudType === 'rebate_task' ? rng.pick(['greed', 'brainwashed'] as const)
      : rng.next() < 0.5 ? 'overconfident' : undefined;
    const review: CaseReview = {
      occupation: occupationFromText(lead.personOccupation),
      ageBand: reviewAgeBand(lead.personAge),
      missed: missed.length ? missed : ['none'],
      failed: [...failed],
      ...(psychology ? { psychology } : {}),
      text: '',
    };
    // The meeting after the day of the feedback (08:00 onwards), or a few days later.
    const day = Math.floor((lead.feedbackAt + TZ_OFFSET) / DAY) * DAY - TZ_OFFSET;
    const createdAt = day + DAY + 8 * HOUR + rng.int(20, 180) * MINUTE + (rng.next() < 0.2 ? rng.int(1, 3) * DAY : 0);
    return { id: `RV-${lead.id.slice(2)}`, leadId: lead.id, unitId: lead.unitId, kind: 'review', body: encodeCaseReview(review), author: `${branchName}研判室`, createdAt };
  }

  #plan(issuedAt: number): LeadPlan {
    const rng = this.#rng;
    const place = rng.weighted(this.#beats.map((b) => [b, b.weight] as const));
    const person = this.#person(issuedAt);
    const fraudType = rng.weighted(FRAUD_MIX);
    // Heavy tail: lognormal with a median near ¥20,000.
    const amountAtRisk = Math.round(Math.exp(rng.normal(Math.log(20_000), 1.2))) * 100;
    const date = shanghaiDate(issuedAt);
    const n = (this.#dayCounters.get(date) ?? 0) + 1;
    this.#dayCounters.set(date, n);
    const id = `L-${date}-${String(n).padStart(4, '0')}`;
    const unitId = place.beat.id;
    const source = rng.pick(SOURCES);
    const fraudCallMinutes = Math.min(180, Math.round(lognormalMs(rng, 12, 1.1)));
    const { riskScore, riskLevel, riskDims } = gradeLead({
      priorVictimCount: person.priorVictim, warningCount: person.count, source, amountAtRisk, age: person.age, fraudType,
      hour: new Date(issuedAt + TZ_OFFSET).getUTCHours(), fraudCallMinutes,
    });
    const method = methodFor(riskLevel, fraudType);
    const urgent = riskLevel === 'urgent';
    const feedbackDueAt = issuedAt + this.#policy.deadlineMs[riskLevel];
    // Four levels: the city's system issues the lead and it is passed down hop by hop; urgent
    // leads are pushed down at once (立即下发), the others within minutes at each level.
    const hopMs = (lo: number, hi: number) => (urgent ? rng.int(20, 90) * 1000 : rng.int(lo, hi) * MINUTE);
    const branchAt = issuedAt + hopMs(2, 10);
    const stationAt = branchAt + hopMs(3, 15);
    const beatAt = stationAt + hopMs(3, 20);
    const hops = [
      { at: issuedAt, unitId: 'SZ' },
      { at: branchAt, unitId: place.station.parentId! },
      { at: stationAt, unitId: place.station.id },
      { at: beatAt, unitId },
    ];

    const smsAt = issuedAt + rng.int(5, 60) * 1000;
    const phonedAt = issuedAt + Math.round(rng.next() < 0.95 ? lognormalMs(rng, 7 * MINUTE, 0.8) % (29 * MINUTE) + MINUTE : rng.int(31, 90) * MINUTE);
    // Classified handling: a visit for urgent (the nearest patrol, dispatched from the station at
    // once) and high (the beat's officer); phone, SMS or publicity first for the others, with the
    // community officer's face-to-face visit later (the seed's 98 % are met, in 2 h on average).
    const dispatchedAt = method !== 'visit' ? undefined : urgent ? stationAt + rng.int(1, 4) * MINUTE : beatAt + rng.int(2, 15) * MINUTE;
    const arriveAt = dispatchedAt === undefined ? undefined : dispatchedAt + Math.round(Math.min(lognormalMs(rng, (urgent ? 14 : 35) * MINUTE, 0.5), 3 * HOUR));
    const met = rng.next() < 0.98;
    const meanToMeet = riskLevel === 'medium' ? 125 * MINUTE : 155 * MINUTE;
    const metAt = !met ? undefined : arriveAt !== undefined ? arriveAt + rng.int(1, 10) * MINUTE : beatAt + Math.round(Math.min(lognormalMs(rng, meanToMeet, 0.6), 20 * HOUR));
    const overdue = rng.next() < 0.03;
    const feedbackAt = overdue
      ? feedbackDueAt + rng.int(5, 180) * MINUTE
      : Math.min((metAt ?? issuedAt + rng.int(120, 300) * MINUTE) + rng.int(5, 40) * MINUTE, feedbackDueAt - rng.int(1, 20) * MINUTE);
    const r = rng.next();
    const outcome: NonNullable<Lead['outcome']> = !met
      ? rng.pick(['unreachable', 'refused'] as const)
      : r < 0.015 ? 'defrauded_after_warning' : r < 0.045 ? 'already_defrauded' : r < 0.065 ? 'false_alarm' : 'dissuaded';
    if (outcome === 'defrauded_after_warning' || outcome === 'already_defrauded') person.priorVictim += 1;
    const lossAmount = outcome === 'defrauded_after_warning' || outcome === 'already_defrauded' ? Math.round(amountAtRisk * (0.2 + rng.next() * 0.8)) : 0;
    const preventedAmount = outcome === 'dissuaded' ? amountAtRisk : 0;

    const lead: Lead = {
      id, personId: person.id, personName: person.name, personPhone: person.phone, personAge: person.age, personOccupation: person.occupation,
      unitId, fraudType, riskLevel, riskScore, riskDims,
      warningCount: person.count, source, amountAtRisk,
      lat: place.beat.lat! + (rng.next() - 0.5) * 0.012, lng: place.beat.lng! + (rng.next() - 0.5) * 0.012,
      issuedAt, phoneDueAt: issuedAt + PHONE_WINDOW_MS, feedbackDueAt, smsAt, phonedAt, ...(dispatchedAt !== undefined ? { dispatchedAt } : {}),
      ...(metAt !== undefined ? { metAt } : {}), feedbackAt, closedAt: feedbackAt + rng.int(1, 30) * MINUTE,
      method, outcome, lossAmount, preventedAmount, voided: false,
    };
    const ev = (at: number, kind: LeadEvent['kind'], extra: Partial<LeadEvent> = {}): LeadEvent => ({
      id: `E${String(++this.#eventSeq).padStart(9, '0')}`, leadId: id, at, kind, unitId, ...extra,
    });
    // Each step is recorded by the unit that holds the lead at that moment.
    const holder = (at: number) => hops.reduce((u, h) => (h.at <= at ? h.unitId : u), 'SZ');
    const events: LeadEvent[] = [ev(issuedAt, 'issued', { unitId: 'SZ' }), ev(smsAt, 'sms', { unitId: holder(smsAt) }), ev(phonedAt, 'call', { unitId: holder(phonedAt) })];
    for (let k = 1; k < hops.length; k++) events.push(ev(hops[k]!.at, 'reassign', { unitId: hops[k]!.unitId, detail: hops[k - 1]!.unitId }));
    if (dispatchedAt !== undefined) events.push(ev(dispatchedAt, 'dispatch', { unitId: holder(dispatchedAt), detail: urgent ? 'patrol' : 'beat' }));
    if (arriveAt !== undefined && metAt !== undefined) events.push(ev(arriveAt, 'arrive', { unitId: holder(arriveAt) }));
    if (metAt !== undefined) events.push(ev(metAt, 'met', { unitId: holder(metAt) }));
    this.#policy.tiers.forEach(({ leftMs, role }, i) => {
      const at = feedbackDueAt - leftMs;
      if (at > issuedAt && feedbackAt > at) {
        events.push(ev(at, 'escalation', { tier: i + 1, role, unitId: role === 'station_chief' ? place.station.id : place.station.parentId!, detail: `${Math.round(leftMs / HOUR)}h` }));
      }
    });
    events.push(ev(feedbackAt, 'feedback', { detail: outcome }));
    const revisit = this.#revisit(id, feedbackAt, urgent);
    if (revisit) events.push(ev(revisit.at, 'revisit', { unitId: revisit.byCity ? 'SZ' : place.station.parentId!, detail: revisit.how }));
    const stops: StopPayment[] = [];
    if (rng.next() < 0.35 || outcome === 'defrauded_after_warning') {
      const requestedAt = issuedAt + rng.int(1, 8) * MINUTE;
      const failed = rng.next() < 0.01;
      const frozenAt = failed ? undefined : requestedAt + (rng.next() < 0.99 ? rng.int(2, 29) * MINUTE : rng.int(31, 120) * MINUTE);
      const returned = frozenAt !== undefined && rng.next() < 0.3;
      stops.push({
        id: `SP-${id.slice(2)}`, leadId: id, bank: rng.pick(BANKS), accountMasked: `6222****${String(rng.int(0, 9999)).padStart(4, '0')}`,
        amount: Math.max(100, lossAmount || Math.round(amountAtRisk * 0.5)), requestedAt,
        status: failed ? 'failed' : returned ? 'returned' : 'frozen',
        ...(frozenAt !== undefined ? { frozenAt } : {}),
        ...(returned ? { returnedAt: frozenAt + rng.int(2, 10) * DAY, returnedAmount: Math.round(Math.max(100, lossAmount || amountAtRisk * 0.5) * 0.9) } : {}),
      });
      events.push(ev(requestedAt, 'stop_payment', { detail: stops[0]!.bank }));
    }
    events.sort((a, b) => a.at - b.at);
    const review = this.#caseReview(lead, stops, place.branch.name);
    const notes = review ? [review] : [];
    const times = new Set<number>([issuedAt, smsAt, phonedAt, feedbackAt, ...hops.map((h) => h.at), ...events.map((e) => e.at), ...notes.map((n) => n.createdAt)]);
    if (dispatchedAt !== undefined) times.add(dispatchedAt);
    if (metAt !== undefined) times.add(metAt);
    for (const s of stops) {
      times.add(s.requestedAt);
      if (s.status === 'failed') times.add(s.requestedAt + 30 * MINUTE);
      if (s.frozenAt !== undefined) times.add(s.frozenAt);
      if (s.returnedAt !== undefined) times.add(s.returnedAt);
    }
    return { lead, events, stops, notes, times: [...times].sort((a, b) => a - b), hops };
  }
}

/** The lead as the centre knows it at time t: later steps are not yet known, and it stands where its hops had brought it. */
export function leadAsOf(lead: Lead, t: number, hops: readonly { at: number; unitId: string }[] = []): Lead {
  const out: Lead = { ...lead };
  for (const h of hops) if (h.at <= t) out.unitId = h.unitId;
  for (const k of ['smsAt', 'phonedAt', 'dispatchedAt', 'metAt', 'closedAt'] as const) if (out[k] !== undefined && out[k] > t) delete out[k];
  if (lead.feedbackAt === undefined || lead.feedbackAt > t) {
    delete out.feedbackAt;
    delete out.outcome;
    out.lossAmount = 0;
    out.preventedAmount = 0;
  }
  return out;
}

export function stopAsOf(s: StopPayment, t: number): StopPayment | null {
  if (s.requestedAt > t) return null;
  const out: StopPayment = { ...s, status: 'requested' };
  delete out.frozenAt;
  delete out.returnedAt;
  delete out.returnedAmount;
  if (s.status === 'failed') out.status = t >= s.requestedAt + 30 * MINUTE ? 'failed' : 'requested';
  if (s.frozenAt !== undefined && s.frozenAt <= t) Object.assign(out, { status: 'frozen', frozenAt: s.frozenAt });
  if (s.returnedAt !== undefined && s.returnedAt <= t) Object.assign(out, { status: 'returned', returnedAt: s.returnedAt, returnedAmount: s.returnedAmount });
  return out;
}

/** The writes that bring a lead from what was published at `prev` to what is known at `t`. */
export function stepOps(plan: LeadPlan, prev: number, t: number): WriteOp[] {
  const ops: WriteOp[] = [];
  if (plan.lead.issuedAt > t) return ops;
  ops.push({ t: 'put', e: 'lead', d: leadAsOf(plan.lead, t, plan.hops) });
  for (const s of plan.stops) {
    const now = stopAsOf(s, t);
    const before = stopAsOf(s, prev);
    if (now && JSON.stringify(now) !== JSON.stringify(before)) ops.push({ t: 'put', e: 'stop_payment', d: now });
  }
  for (const e of plan.events) if (e.at > prev && e.at <= t) ops.push({ t: 'put', e: 'event', d: e });
  for (const n of plan.notes) if (n.createdAt > prev && n.createdAt <= t) ops.push({ t: 'put', e: 'note', d: n });
  return ops;
}
