// Classified handling (Queries.handlingSummary) and the revisit rows (Queries.revisitLeads) over
// hand-made leads and events in a real SQLite replica. Every expected figure is worked out by
// hand beside the records.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOUR, MINUTE } from '../../shared/domain.js';
import { dateWindow } from '../../shared/kpi.js';
import type { Lead, LeadEvent, PutLine } from '../../shared/protocol.js';
import { revisitCoverage } from '../../shared/revisit.js';
import { tempDir } from '../../tests/support/harness.js';
import { makeLead } from '../../tests/support/records.js';
import { Queries } from './queries.js';
import { Replica } from './replica.js';

const W = dateWindow('2026-11-20');
const h = (x: number) => W.start + x * HOUR;
const m = (x: number) => x * MINUTE;
const T = h(21);
const tmp = tempDir();
let replica: Replica;
let q: Queries;

const unit = (id: string, parentId: string | null, level: string) => ({ id, parentId, level, code: id, name: `${id}名` });
beforeAll(() => {
  replica = new Replica(join(tmp.dir, 'r.db'));
  let seq = 0;
  let ev = 0;
  const lines: PutLine[] = [];
  const add = (e: PutLine['e'], d: { id: string }) => lines.push({ t: 'put', e, id: d.id, v: 1, seq: ++seq, d: d as Record<string, unknown> });
  add('unit', unit('C', null, 'city'));
  add('unit', unit('B1', 'C', 'branch'));
  add('unit', unit('S1', 'B1', 'station'));
  add('unit', unit('K1', 'S1', 'beat'));
  add('unit', unit('B2', 'C', 'branch'));
  add('unit', unit('S2', 'B2', 'station'));
  add('unit', unit('K2', 'S2', 'beat'));
  const lead = (id: string, unitId: string, at: number, extra: Partial<Lead>) => add('lead', makeLead(id, unitId, at, extra));
  const event = (leadId: string, at: number, kind: LeadEvent['kind'], unitId: string) => add('event', { id: `E${++ev}`, leadId, at, kind, unitId } as LeadEvent);
  /** Issued at the city, then passed down after the given minutes at the city, branch and station. */
  const down = (leadId: string, at: number, path: [string, string, string], [c, b, s]: [number, number, number]) => {
    event(leadId, at, 'issued', 'C');
    event(leadId, at + m(c), 'reassign', path[0]);
    event(leadId, at + m(c + b), 'reassign', path[1]);
    event(leadId, at + m(c + b + s), 'reassign', path[2]);
  };
  // L1, a visit: city 5 min, branch 15, station 10; dispatched at +40, arrived at +60 → 20 min.
  lead('L1', 'K1', h(1), { method: 'visit' });
  down('L1', h(1), ['B1', 'S1', 'K1'], [5, 15, 10]);
  event('L1', h(1) + m(40), 'dispatch', 'K1');
  event('L1', h(1) + m(60), 'arrive', 'K1');
  event('L1', h(3), 'revisit', 'B1');
  // L2, a visit: city 10, branch 10, station 30; dispatched at +55, arrived at +95 → 40 min.
  lead('L2', 'K1', h(2), { method: 'visit' });
  down('L2', h(2), ['B1', 'S1', 'K1'], [10, 10, 30]);
  event('L2', h(2) + m(55), 'dispatch', 'K1');
  event('L2', h(2) + m(95), 'arrive', 'K1');
  // L3, by phone, in the other branch: city 3, branch 2, station 6; no visit.
  lead('L3', 'K2', h(3), { method: 'phone' });
  down('L3', h(3), ['B2', 'S2', 'K2'], [3, 2, 6]);
  // L4 by SMS, still at the city (never passed down); L5 with no method yet.
  lead('L4', 'C', h(4), { method: 'sms' });
  event('L4', h(4), 'issued', 'C');
  lead('L5', 'K2', h(5), {});
  // L6 voided: counts nowhere, its events neither.
  lead('L6', 'K1', h(6), { method: 'publicity', voided: true });
  down('L6', h(6), ['B1', 'S1', 'K1'], [60, 60, 60]);
  // L7, a visit dispatched at 20:00 that arrives at 22:00, after T: no arrival yet as of T.
  lead('L7', 'K1', h(19), { method: 'visit' });
  down('L7', h(19), ['B1', 'S1', 'K1'], [10, 20, 30]);
  event('L7', h(20), 'dispatch', 'K1');
  event('L7', h(22), 'arrive', 'K1');
  // L8 issued at 22:00, after T: not in the figure as of T. L9 issued the day before: not in W.
  lead('L8', 'K1', h(22), { method: 'phone' });
  lead('L9', 'K1', h(-3), { method: 'visit' });
  down('L9', h(-3), ['B1', 'S1', 'K1'], [1, 1, 1]);
  // Revisit notes from a display: L2's at 20:00, L3's after T.
  add('note', { id: 'N1', leadId: 'L2', kind: 'revisit', body: '已回访', author: '督导', createdAt: h(20) } as never);
  add('note', { id: 'N2', leadId: 'L3', kind: 'revisit', body: '已回访', author: '督导', createdAt: h(23) } as never);
  add('note', { id: 'N3', leadId: 'L4', kind: 'meeting', body: '不是回访', author: '值班长', createdAt: h(10) } as never);
  replica.applyPage(lines, { t: 'checkpoint', seq, epoch: 'e', serverTime: T, more: false, counts: {}, sums: {} });
  q = new Queries(replica.db);
});
afterAll(() => {
  replica.close();
  tmp.remove();
});

describe('handling summary', () => {
  it('splits the window’s leads by method, as of T, the voided and the later ones left out', () => {
    const s = q.handlingSummary('C', W, T);
    // L1 L2 L3 L4 L5 L7 (L6 voided, L8 after T, L9 the day before).
    expect(s.leads).toBe(6);
    expect(s.byMethod).toEqual({ visit: 3, phone: 1, sms: 1, publicity: 0 });
    expect(s.noMethod).toBe(1);
    // Later, L8 counts too.
    expect(q.handlingSummary('C', W, h(23)).byMethod.phone).toBe(2);
  });

  it('times dispatch → arrival over the visits arrived by T', () => {
    // L1 20 min, L2 40 min; L7 arrives after T. Mean 30, median (20+40)/2 = 30, p90 the 2nd = 40.
    expect(q.handlingSummary('C', W, T).toArrive).toEqual({ n: 2, meanMs: m(30), medianMs: m(30), p90Ms: m(40) });
    // At 23:00 L7's 2 h counts: 20, 40, 120 → mean 60, median 40, p90 the 3rd = 120.
    expect(q.handlingSummary('C', W, h(23)).toArrive).toEqual({ n: 3, meanMs: m(60), medianMs: m(40), p90Ms: m(120) });
  });

  it('times each level of the four from the events that passed the lead down', () => {
    const hops = q.handlingSummary('C', W, T).hops.map((x) => [`${x.from}>${x.to}`, x.n, x.meanMs, x.medianMs, x.p90Ms]);
    // city: L1 5, L2 10, L3 3, L7 10 → mean 7, median (5+10)/2 = 7.5, p90 the 4th = 10.
    // branch: 15, 10, 2, 20 → mean 11.75, median (10+15)/2 = 12.5, p90 20.
    // station: 10, 30, 6, 30 → mean 19, median (10+30)/2 = 20, p90 30.
    expect(hops).toEqual([
      ['city>branch', 4, m(7), m(7.5), m(10)],
      ['branch>station', 4, m(11.75), m(12.5), m(20)],
      ['station>beat', 4, m(19), m(20), m(30)],
    ]);
  });

  it('counts a lead for the unit holding it now and its ancestors', () => {
    const b1 = q.handlingSummary('B1', W, T);
    // L1 L2 L7: three visits; L3 L5 are B2's, L4 stands at the city.
    expect([b1.leads, b1.byMethod.visit, b1.byMethod.phone, b1.toArrive.n]).toEqual([3, 3, 0, 2]);
    expect(b1.hops.map((x) => x.n)).toEqual([3, 3, 3]);
    const b2 = q.handlingSummary('B2', W, T);
    expect([b2.leads, b2.byMethod.phone, b2.noMethod, b2.toArrive.n]).toEqual([2, 1, 1, 0]);
    expect(b2.hops.map((x) => [x.from, x.meanMs])).toEqual([['city', m(3)], ['branch', m(2)], ['station', m(6)]]);
  });
});

describe('revisit rows', () => {
  it('carries each lead’s earliest revisit event and revisit note, for the rule to count as of T', () => {
    const rows = q.revisitLeads('C', W);
    const byId = new Map(rows.map((r) => [r.id, r]));
    expect(byId.get('L1')).toMatchObject({ eventAt: h(3), noteAt: null, voided: false });
    expect(byId.get('L2')).toMatchObject({ eventAt: null, noteAt: h(20) });
    expect(byId.get('L3')).toMatchObject({ eventAt: null, noteAt: h(23) });
    // A meeting note is not a revisit.
    expect(byId.get('L4')).toMatchObject({ eventAt: null, noteAt: null });
    expect(byId.get('L6')!.voided).toBe(true);
    expect(byId.has('L9')).toBe(false);
    // As of T: L1 (event), L2 (note) of L1 L2 L3 L4 L5 L7 → 2/6; at 23:00 L3's note and L8 count: 3/7.
    expect(revisitCoverage(rows, W, T)).toEqual({ num: 2, den: 6, value: 2 / 6 });
    expect(revisitCoverage(rows, W, h(23))).toEqual({ num: 3, den: 7, value: 3 / 7 });
    expect(q.revisitLeads('B2', W).map((r) => r.id).sort()).toEqual(['L3', 'L5']);
  });
});
