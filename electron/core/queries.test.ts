import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOUR } from '../../shared/domain.js';
import { computeIndicators, dateWindow } from '../../shared/kpi.js';
import type { DelLine, HeldLine, Lead, PutLine } from '../../shared/protocol.js';
import { createRng } from '../../central/rng.js';
import { tempDir } from '../../tests/support/harness.js';
import { makeLead } from '../../tests/support/records.js';
import { Queries } from './queries.js';
import { Replica } from './replica.js';

const W = dateWindow('2026-11-20');
const h = (x: number) => W.start + x * HOUR;
const T = h(20);
const tmp = tempDir();
let replica: Replica;
let q: Queries;

const unit = (id: string, parentId: string | null, level: string, code: string) => ({ id, parentId, level, code, name: `${id}名`, lat: 22.5, lng: 114 });
beforeAll(() => {
  replica = new Replica(join(tmp.dir, 'r.db'));
  let seq = 0;
  const lines: PutLine[] = [];
  const add = (e: PutLine['e'], d: { id: string }) => lines.push({ t: 'put', e, id: d.id, v: 1, seq: ++seq, d: d as Record<string, unknown> });
  add('unit', unit('C', null, 'city', 'C'));
  for (const b of ['B1', 'B2']) {
    add('unit', unit(b, 'C', 'branch', b));
    for (const s of ['S1', 'S2']) add('unit', unit(`${b}${s}`, b, 'station', `${b}${s}`));
  }
  // Branch B1: 6 leads (5 met) — ranked; branch B2: 3 leads — below the minimum volume.
  for (let i = 0; i < 6; i++) add('lead', makeLead(`L1-${i}`, i % 2 ? 'B1S1' : 'B1S2', h(1 + i), i < 5 ? { metAt: h(2 + i), feedbackAt: h(2.5 + i), outcome: 'dissuaded' } : {}));
  for (let i = 0; i < 3; i++) add('lead', makeLead(`L2-${i}`, 'B2S1', h(10 + i), { metAt: h(11 + i) }));
  add('lead', makeLead('L-VOID', 'B2S2', h(3), { voided: true }));
  add('event', { id: 'E1', leadId: 'L1-5', at: h(6) + 3 * HOUR, kind: 'escalation', unitId: 'B1S1', tier: 1 } as never);
  replica.applyPage(lines, { t: 'checkpoint', seq, epoch: 'e', serverTime: T, more: false, counts: {}, sums: {} });
  q = new Queries(replica.db);
});
afterAll(() => {
  replica.close();
  tmp.remove();
});

describe('screen queries', () => {
  it('counts a lead for its unit and every ancestor', () => {
    expect(q.indicators('C', W, T).leads).toBe(9);
    expect(q.indicators('B1', W, T).leads).toBe(6);
    expect(q.indicators('B1S1', W, T).leads).toBe(3);
    expect(q.indicators('B2', W, T).faceToFace).toEqual({ num: 3, den: 3, value: 1 });
    expect(() => q.indicators('NOPE', W, T)).toThrow('unknown unit NOPE');
  });

  it('ranks branches with the minimum volume and names them', () => {
    const rows = q.ranking('daily', 'branch', 'C', T, W);
    expect(rows.map((r) => [r.unitId, r.rank, r.tooLow, r.name])).toEqual([
      ['B1', 1, false, 'B1名'],
      ['B2', null, true, 'B2名'],
    ]);
  });

  it('lists open leads, an unacknowledged high-risk one pinned first, with their escalation ladder', () => {
    const tiles = q.countdowns('C', T, 100);
    expect(tiles.map((t) => t.id)).toEqual(['L1-5', 'L2-0', 'L2-1', 'L2-2']);
    const first = tiles[0]!;
    expect(first.ladder.map((s) => [s.tier, s.firedAt])).toEqual([
      [1, h(9)],
      [2, null],
      [3, null],
    ]);
    expect(first.personName).toBe('测**');
    expect(tiles.map((t) => t.pinned)).toEqual([true, false, false, false]);
    expect(q.countdowns('B1', T, 100).map((t) => t.id)).toEqual(['L1-5']);
  });

  it('gives daily trends that agree with the indicators of each day', () => {
    const trend = q.trends('C', 3, T);
    expect(trend.map((p) => p.day)).toEqual([W.start - 2 * 24 * HOUR, W.start - 24 * HOUR, W.start]);
    // Worked by hand: B1 met 5 of 6, B2 3 of 3 (the voided lead does not count) → 8/9.
    expect(trend[2]!.faceToFace).toEqual({ num: 8, den: 9, value: 8 / 9 });
    expect(trend[2]!.faceToFace).toEqual(q.indicators('C', W, T).faceToFace);
    expect(trend[0]!.faceToFace.value).toBeNull();
  });

  it('returns a lead timeline, masked', () => {
    const t = q.leadTimeline('L1-5')!;
    expect(t.lead.personPhone).toBe('138****1234');
    expect(t.events.map((e) => e.kind)).toEqual(['escalation']);
    expect(q.leadTimeline('nope')).toBeNull();
  });

  it('reads every screen statement through an index (EXPLAIN QUERY PLAN)', () => {
    const plans = q.plans();
    expect(plans['leadsIssued']!.join(' ')).toMatch(/USING INDEX lead_issued/);
    expect(plans['stopsRequested']!.join(' ')).toMatch(/USING INDEX stop_payment_requested/);
    expect(plans['open']!.join(' ')).toMatch(/USING INDEX lead_open/);
    expect(plans['events']!.join(' ')).toMatch(/USING INDEX event_lead/);
    expect(plans['stops']!.join(' ')).toMatch(/USING INDEX stop_payment_lead/);
    expect(plans['notes']!.join(' ')).toMatch(/USING INDEX note_lead/);
    expect(plans['escalations']!.join(' ')).toMatch(/USING (COVERING )?INDEX (lead_open|event_lead)/);
    // Full scans only where the whole table is the answer (units, all notes, the open-lead count by its partial index).
    for (const [name, plan] of Object.entries(plans)) {
      if (name === 'units' || name === 'allNotes') continue;
      expect(plan.join(' '), name).not.toMatch(/SCAN (lead|event|stop_payment|s|l|e)(?! USING)\b/);
    }
  });

  it('forgets at the day’s turn what was not read during the day before, and keeps what was', () => {
    const fresh = new Queries(replica.db);
    const DAY = 24 * HOUR;
    const day = (n: number) => ({ start: W.start + n * DAY, end: W.start + (n + 1) * DAY });
    // Day 0 (the fixture's) and day −1 are read on the 21st; then only day 0 on the 22nd.
    const on21 = W.start + DAY + 12 * HOUR;
    fresh.indicators('C', day(0), on21);
    fresh.indicators('C', day(-1), on21);
    expect(fresh.cacheSize()).toEqual({ days: 2, results: 2 });
    fresh.indicators('C', day(0), on21 + DAY);
    // The turn into the 22nd keeps both: each was read during the 21st.
    expect(fresh.cacheSize()).toEqual({ days: 2, results: 2 });
    fresh.indicators('C', day(0), on21 + 2 * DAY);
    // Into the 23rd: day −1 was not read during the 22nd and is gone; day 0 stays, same answer.
    expect(fresh.cacheSize()).toEqual({ days: 1, results: 1 });
    expect(fresh.indicators('C', day(0), on21 + 2 * DAY)).toEqual(q.indicators('C', W, T));
    // A query as of an earlier time (a replay) does not turn the day back.
    fresh.indicators('C', day(-1), W.start + 12 * HOUR);
    expect(fresh.cacheSize().days).toBe(2);
  });
});

describe('a day time can still change (today), asked again and again as the clock moves', () => {
  it('gives the figures of every lead worked out afresh, at each time, forwards and back', () => {
    const fresh = new Queries(replica.db);
    // Straight from the rows, by the definition: each branch's leads, no cache, no parts.
    const rows = (replica.db.prepare('SELECT data FROM lead').all() as { data: string }[]).map((r) => JSON.parse(r.data) as Lead);
    const direct = (branch: string, t: number) =>
      computeIndicators(
        rows.filter((l) => l.unitId.startsWith(branch)).map((l) => ({ ...l, metAt: l.metAt ?? null, feedbackAt: l.feedbackAt ?? null, outcome: l.outcome ?? null, voided: l.voided ?? false })),
        [],
        W,
        t,
      );
    // Every 7 minutes through the day (splits kept, then split again), then back to earlier hours.
    const times = [...Array.from({ length: 200 }, (_, i) => h(0.5) + i * 7 * 60_000), h(3), h(9.5), h(23.9)];
    for (const t of times) {
      const got = fresh.indicatorsByUnit('branch', 'C', W, t);
      for (const b of ['B1', 'B2']) expect(got.get(b), `${b} at ${(t - W.start) / HOUR} h`).toEqual(direct(b, t));
      // One unit's figures (the strip, kpi:get): a branch, a station, the whole city; a day and two.
      expect(fresh.indicators('B1', W, t), `B1 at ${(t - W.start) / HOUR} h`).toEqual(direct('B1', t));
      expect(fresh.indicators('B2S1', W, t)).toEqual(direct('B2S1', t));
      expect(fresh.indicators('C', W, t)).toEqual(direct('', t));
      // Two days, the first holding none: the same figures.
      expect(fresh.indicators('C', { start: W.start - 24 * HOUR, end: W.end }, t)).toEqual(direct('', t));
    }
  });
});

describe('countdowns with 1,000 open leads and the centre\'s policy', () => {
  const tmp2 = tempDir();
  let r: Replica;
  let seq = 0;
  const put = (e: PutLine['e'], d: { id: string }): PutLine => ({ t: 'put', e, id: d.id, v: 1, seq: ++seq, d: d as Record<string, unknown> });
  const apply = (lines: PutLine[]) => r.applyPage(lines, { t: 'checkpoint', seq, epoch: 'e', serverTime: T, more: false, counts: {}, sums: {} });
  beforeAll(() => {
    r = new Replica(join(tmp2.dir, 'r.db'));
    const lines = [put('unit', unit('C', null, 'city', 'C')), put('unit', unit('B', 'C', 'branch', 'B')), put('unit', unit('S', 'B', 'station', 'S'))];
    // 1,000 open, acknowledged leads, the oldest first: before the change the newest were cut.
    for (let i = 0; i < 1000; i++) lines.push(put('lead', makeLead(`L${String(i).padStart(4, '0')}`, 'S', T - 5 * HOUR + i * 1000, { riskLevel: 'medium', phonedAt: T - 5 * HOUR + i * 1000 + 60_000 })));
    apply(lines);
  });
  afterAll(() => {
    r.close();
    tmp2.remove();
  });

  it('returns every open lead (no cap) and a new urgent lead first, whatever its deadline', () => {
    const q2 = new Queries(r.db);
    apply([put('lead', makeLead('L-NEW-URGENT', 'S', T, { riskLevel: 'urgent' }))]);
    const tiles = q2.countdowns(undefined, T);
    expect(tiles).toHaveLength(1001);
    expect(tiles[0]!.id).toBe('L-NEW-URGENT');
    expect(tiles[0]!.pinned).toBe(true);
    expect(new Set(tiles.map((t) => t.id)).size).toBe(1001);
    expect(q2.openCount(undefined, T)).toBe(1001);
    // Once someone phones, it is no longer pinned and takes its place by its next tier.
    apply([{ ...put('lead', makeLead('L-NEW-URGENT', 'S', T, { riskLevel: 'urgent', phonedAt: T })), v: 2 }]);
    const after = q2.countdowns(undefined, T);
    expect(after[0]!.id).not.toBe('L-NEW-URGENT');
    expect(after.at(-1)!.id).toBe('L-NEW-URGENT');
  });

  it('serves the wall one screen at a time: the pinned tiles on every page, each open lead on exactly one page, the true count', () => {
    const q2 = new Queries(r.db);
    const first = q2.countdownWall(undefined, T, 8, 4, 0);
    expect(first.total).toBe(1001);
    expect(first.openIds).toHaveLength(1001);
    const seen: string[] = [];
    for (let p = 0; p < first.pages; p++) {
      const w = q2.countdownWall(undefined, T, 8, 4, p);
      expect(w.page).toBe(p);
      expect(w.pinned.length + w.tiles.length).toBeLessThanOrEqual(8);
      seen.push(...w.tiles.map((t) => t.id));
    }
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toHaveLength(1001);
    expect(q2.countdownWall(undefined, T, 8, 4, first.pages).page).toBe(0); // the page wraps round
  });

  it('takes the escalation tiers from the centre\'s policy in the replica, else the documented defaults, and says which', () => {
    const q2 = new Queries(r.db);
    expect(q2.policy().from).toEqual({ source: 'default' });
    expect(q2.countdowns(undefined, T, 1)[0]!.ladder.map((s) => s.dueAt - q2.countdowns(undefined, T, 1)[0]!.feedbackDueAt)).toEqual([-3 * HOUR, -2 * HOUR, -HOUR]);
    // A policy set above this display's scope (its unit is not in the replica) still governs it.
    apply([put('policy', { id: 'P-CITY', unitId: 'SZ', deadlineMs: { urgent: 2 * HOUR, high: 4 * HOUR, medium: 6 * HOUR, low: 8 * HOUR }, tiers: [{ leftMs: 90 * 60_000, role: 'station_chief' }, { leftMs: 30 * 60_000, role: 'branch_chief' }] } as never)]);
    expect(q2.policy().from).toEqual({ source: 'centre', id: 'P-CITY', unitId: 'SZ' });
    const first = q2.countdowns(undefined, T, 1)[0]!;
    expect(first.ladder.map((s) => [s.tier, s.role, first.feedbackDueAt - s.dueAt])).toEqual([[1, 'station_chief', 90 * 60_000], [2, 'branch_chief', 30 * 60_000]]);
    // The nearest wins: the branch's own policy over the city's, and only for the branch.
    apply([put('policy', { id: 'P-B', unitId: 'B', deadlineMs: { urgent: HOUR, high: HOUR, medium: HOUR, low: HOUR }, tiers: [{ leftMs: 20 * 60_000, role: 'branch_deputy' }] } as never)]);
    expect(q2.policy('S').from).toEqual({ source: 'centre', id: 'P-B', unitId: 'B' });
    expect(q2.policy('C').from).toEqual({ source: 'centre', id: 'P-CITY', unitId: 'SZ' });
  });
});

describe('rows kept per data version', () => {
  const tmp2 = tempDir();
  let r: Replica;
  let seq = 0;
  const put = (e: PutLine['e'], d: { id: string }): PutLine => ({ t: 'put', e, id: d.id, v: 1, seq: ++seq, d: d as Record<string, unknown> });
  const apply = (lines: PutLine[]) => r.applyPage(lines, { t: 'checkpoint', seq, epoch: 'e', serverTime: T, more: false, counts: {}, sums: {} });
  beforeAll(() => {
    r = new Replica(join(tmp2.dir, 'r.db'));
    const lines = [put('unit', unit('C', null, 'city', 'C')), put('unit', unit('B', 'C', 'branch', 'B')), put('unit', unit('S', 'B', 'station', 'S'))];
    for (let i = 0; i < 50; i++) lines.push(put('lead', makeLead(`L${String(i).padStart(4, '0')}`, 'S', T - 5 * HOUR + i * 1000, { riskLevel: 'medium', phonedAt: T - 5 * HOUR + i * 1000 + 60_000 })));
    apply(lines);
  });
  afterAll(() => {
    r.close();
    tmp2.remove();
  });

  it('reads rows again when anything writes to the file, this connection or another, and not otherwise', () => {
    const q2 = new Queries(r.db);
    const first = q2.countdowns(undefined, T);
    // Asked again with nothing written: the same leads (the rows kept for this data version).
    expect(q2.countdowns(undefined, T).map((t) => t.id)).toEqual(first.map((t) => t.id));
    // Another connection to the same file (no sync event tells these queries): a lead closes.
    const other = new Database(join(tmp2.dir, 'r.db'));
    const closing = first.at(-1)!.id;
    const row = other.prepare('SELECT data FROM lead WHERE id = ?').get(closing) as { data: string };
    other.prepare('UPDATE lead SET v = v + 1, data = ? WHERE id = ?').run(JSON.stringify({ ...JSON.parse(row.data), feedbackAt: T - 1000, outcome: 'dissuaded' }), closing);
    other.close();
    const after = q2.countdowns(undefined, T);
    expect(after).toHaveLength(first.length - 1);
    expect(after.map((t) => t.id)).not.toContain(closing);
    expect(q2.openCount(undefined, T)).toBe(first.length - 1);
  });

  it("today's handling follows the clock past an event with no data change, and a new event at once", () => {
    const q2 = new Queries(r.db);
    const w = { start: T - 6 * HOUR, end: T + 18 * HOUR };
    apply([put('unit', unit('S-B1', 'S', 'beat', 'S-B1')), put('lead', makeLead('L-VISIT', 'S-B1', T - HOUR, { riskLevel: 'urgent', method: 'visit', phonedAt: T - HOUR })), put('event', { id: 'EV-D', leadId: 'L-VISIT', at: T - 30 * 60_000, kind: 'dispatch', unitId: 'S-B1' } as never), put('event', { id: 'EV-A', leadId: 'L-VISIT', at: T + 10 * 60_000, kind: 'arrive', unitId: 'S-B1' } as never)]);
    q2.unitsChanged();
    // Before the arrival's time it has not happened; after it, 40 minutes from dispatch.
    expect(q2.handlingSummary(undefined, w, T).toArrive.n).toBe(0);
    expect(q2.handlingSummary(undefined, w, T + 5 * 60_000).toArrive.n).toBe(0);
    const later = q2.handlingSummary(undefined, w, T + 10 * 60_000);
    expect(later.toArrive).toMatchObject({ n: 1, medianMs: 40 * 60_000 });
    expect(later.byMethod.visit).toBeGreaterThanOrEqual(1);
    const visits = later.byMethod.visit;
    // A second visit arrives: seen at once, at the same time asked.
    apply([put('lead', makeLead('L-VISIT-2', 'S-B1', T - HOUR, { riskLevel: 'high', method: 'visit', phonedAt: T - HOUR }))]);
    expect(q2.handlingSummary(undefined, w, T + 10 * 60_000).byMethod.visit).toBe(visits + 1);
  });
});

describe('the map\'s open leads', () => {
  const tmp3 = tempDir();
  let r: Replica;
  let seq = 0;
  const put = (d: { id: string }, v = 1): PutLine => ({ t: 'put', e: 'lead', id: d.id, v, seq: ++seq, d: d as Record<string, unknown> });
  const apply = (lines: PutLine[]) => r.applyPage(lines, { t: 'checkpoint', seq, epoch: 'e', serverTime: T, more: false, counts: {}, sums: {} });
  afterAll(() => {
    r.close();
    tmp3.remove();
  });

  it('are those open at the time asked, in scope, and follow a data change at once', () => {
    r = new Replica(join(tmp3.dir, 'r.db'));
    const units = [unit('C', null, 'city', 'C'), unit('B1', 'C', 'branch', 'B1'), unit('B2', 'C', 'branch', 'B2'), unit('B1S', 'B1', 'station', 'B1S'), unit('B2S', 'B2', 'station', 'B2S')];
    apply([
      ...units.map((u) => ({ t: 'put', e: 'unit', id: u.id, v: 1, seq: ++seq, d: u }) as PutLine),
      put(makeLead('M-1', 'B1S', h(8))),
      put(makeLead('M-2', 'B2S', h(9), { lat: 22.6, lng: 114.1 })),
      put(makeLead('M-LATER', 'B1S', h(12))),
      put(makeLead('M-DONE', 'B1S', h(7), { metAt: h(8), feedbackAt: h(9), outcome: 'dissuaded' })),
      put(makeLead('M-VOID', 'B2S', h(7), { voided: true })),
    ]);
    const mq = new Queries(r.db);
    const ids = (unitId: string | undefined, at: number) => mq.mapFeatures(unitId, at).leads.map((l) => l.id).sort();
    expect(ids(undefined, h(10))).toEqual(['M-1', 'M-2']);
    expect(ids('B1', h(10))).toEqual(['M-1']);
    // Same data version, later time: the lead issued at noon is on the map from noon (a minute's slack for the clock).
    expect(ids(undefined, h(12) - 61_000)).toEqual(['M-1', 'M-2']);
    expect(ids(undefined, h(12) - 60_000)).toEqual(['M-1', 'M-2', 'M-LATER']);
    expect(mq.mapFeatures(undefined, h(13)).leads.find((l) => l.id === 'M-2')).toEqual({ id: 'M-2', lat: 22.6, lng: 114.1, riskLevel: makeLead('M-2', 'B2S', h(9)).riskLevel, feedbackDueAt: makeLead('M-2', 'B2S', h(9)).feedbackDueAt, issuedAt: h(9) });
    // Feedback arrives for M-1 and a lead moves: the next call shows it, at the same time asked.
    apply([put(makeLead('M-1', 'B1S', h(8), { metAt: h(10), feedbackAt: h(11), outcome: 'dissuaded' }), 2), put(makeLead('M-2', 'B1S', h(9), { lat: 22.7, lng: 114.2 }), 2)]);
    expect(ids(undefined, h(13))).toEqual(['M-2', 'M-LATER']);
    expect(mq.mapFeatures('B1', h(13)).leads.find((l) => l.id === 'M-2')).toMatchObject({ lat: 22.7, lng: 114.2 });
    expect(ids('B2', h(13))).toEqual([]);
  });
});

describe('cached days kept up to date by id as live pages arrive', () => {
  it('give the figures a cold cache gives, page after page, whatever the pages put, move, delete or hold back (many seeds)', () => {
    const dir = tempDir();
    try {
      for (let seed = 1; seed <= 12; seed++) {
        const r = new Replica(join(dir.dir, `p${seed}.db`));
        const rng = createRng(seed);
        let seq = 0;
        const versions = new Map<string, number>();
        const put = (e: PutLine['e'], d: { id: string }): PutLine => {
          const v = (versions.get(`${e}:${d.id}`) ?? 0) + 1;
          versions.set(`${e}:${d.id}`, v);
          return { t: 'put', e, id: d.id, v, seq: ++seq, ts: T, d: d as Record<string, unknown> };
        };
        const page = (lines: (PutLine | DelLine | HeldLine)[]) => r.applyPage(lines, { t: 'checkpoint', seq, epoch: 'e', serverTime: T, more: true, counts: {}, sums: {} });
        const first: PutLine[] = [put('unit', unit('C', null, 'city', 'C'))];
        for (const b of ['B1', 'B2']) {
          first.push(put('unit', unit(b, 'C', 'branch', b)));
          for (const s of ['S1', 'S2']) first.push(put('unit', unit(`${b}${s}`, b, 'station', `${b}${s}`)));
        }
        const stations = ['B1S1', 'B1S2', 'B2S1', 'B2S2'];
        // Three days: the day before, today and the day after (a lead issued late, moved across midnight).
        const when = () => W.start - 24 * HOUR + rng.int(0, 71) * HOUR + rng.int(0, 59) * 60_000;
        const leadIds: string[] = [];
        const stopIds: string[] = [];
        const lead = (id: string) => {
          const at = when();
          const met = rng.next() < 0.6;
          return makeLead(id, rng.pick(stations), at, met ? { metAt: at + rng.int(5, 200) * 60_000, feedbackAt: at + rng.int(201, 400) * 60_000, outcome: 'dissuaded' } : { voided: rng.next() < 0.1 });
        };
        const stop = (id: string) => {
          const requestedAt = when();
          const frozen = rng.next() < 0.7;
          return { id, leadId: rng.pick(leadIds), bank: 'B', accountMasked: '6222****1234', amount: rng.int(100, 100_000), requestedAt, status: frozen ? 'frozen' : 'requested', ...(frozen ? { frozenAt: requestedAt + rng.int(1, 60) * 60_000 } : {}) };
        };
        for (let i = 0; i < 60; i++) {
          leadIds.push(`L${i}`);
          first.push(put('lead', lead(`L${i}`)));
        }
        for (let i = 0; i < 20; i++) {
          stopIds.push(`S${i}`);
          first.push(put('stop_payment', stop(`S${i}`)));
        }
        page(first);
        const live = new Queries(r.db);
        const asOfs = [h(-2), h(9), h(15.5), h(20), h(47)];
        const windows = [{ start: W.start - 24 * HOUR, end: W.start }, W, { start: W.end, end: W.end + 24 * HOUR }, { start: W.start - 24 * HOUR, end: W.end + 24 * HOUR }];
        const figures = (q: Queries) =>
          asOfs.flatMap((t) =>
            windows.flatMap((w) => [
              ...['C', 'B1', 'B2S1'].map((u) => q.indicators(u, w, t)),
              [...q.indicatorsByUnit('branch', 'C', w, t)],
              [...q.indicatorsByUnit('station', 'C', w, t)],
            ]),
          );
        expect(figures(live)).toEqual(figures(new Queries(r.db)));
        for (let round = 0; round < 25; round++) {
          const lines: (PutLine | DelLine | HeldLine)[] = [];
          // Mostly a live page (a few changes); now and then a snapshot-sized one.
          const n = round === 12 ? 1_100 : rng.int(1, 6);
          for (let k = 0; k < n; k++) {
            const x = rng.next();
            if (x < 0.25 || round === 12) {
              const id = `L${leadIds.length}`;
              leadIds.push(id);
              lines.push(put('lead', lead(id)));
            } else if (x < 0.45) {
              // An update: met, reassigned, moved in time or voided.
              const id = rng.pick(leadIds);
              lines.push(put('lead', { ...lead(id), id }));
            } else if (x < 0.6) {
              const id = rng.next() < 0.5 ? rng.pick(stopIds) : `S${stopIds.length}`;
              if (!stopIds.includes(id)) stopIds.push(id);
              lines.push(put('stop_payment', stop(id)));
            } else if (x < 0.75) {
              const id = rng.pick(leadIds);
              if (versions.has(`lead:${id}`)) lines.push({ t: 'del', e: 'lead', id, seq: ++seq, ts: T });
            } else if (x < 0.85) {
              const id = rng.pick(stopIds);
              if (versions.has(`stop_payment:${id}`)) lines.push({ t: 'del', e: 'stop_payment', id, seq: ++seq, ts: T });
            } else {
              // A record that failed validation replaces its older version (which leaves the screens).
              const id = rng.pick(leadIds);
              const v = (versions.get(`lead:${id}`) ?? 0) + 1;
              versions.set(`lead:${id}`, v);
              lines.push({ t: 'held', e: 'lead', id, v, seq: ++seq, reason: 'bad record', excerpt: '{}' });
            }
          }
          // Deduplicate ids within the page as the centre sends them (one line a record).
          const seen = new Set<string>();
          const unique = lines.reverse().filter((l) => !seen.has(`${l.e}:${l.id}`) && seen.add(`${l.e}:${l.id}`)).reverse();
          const effect = page(unique);
          live.invalidate(effect.times, effect);
          expect({ seed, round, figures: figures(live) }).toEqual({ seed, round, figures: figures(new Queries(r.db)) });
        }
        r.close();
      }
    } finally {
      dir.remove();
    }
  });
});
