// A wall key never receives an address, a person id or a lead's exact position from any entry
// of the contract; an unmask key sees the whole record of one lead, and that view is recorded
// here and at the centre. Against the real reference centre, core and browser host, with leads
// that carry addresses and positions no rounding produces.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startCentre, type Centre } from '../../central/centre.js';
import { requests, type RequestArgs, type RequestName } from '../../shared/contract.js';
import { DEFAULT_CALENDAR, dayWindow } from '../../shared/kpi.js';
import { createCore, type Core } from '../../electron/core/core.js';
import { StaticKeys } from '../../electron/host/auth.js';
import { startHost, type Host } from '../../electron/host/host.js';
import { writeFixtureDay } from '../support/fixture-day.js';
import { FIXED_NOW, tempDir, waitForStatus } from '../support/harness.js';
import { writeFileSync } from 'node:fs';
import { call } from '../support/ws-call.js';

const tmp = tempDir('guardpost-privacy-');
const WALL = 'w'.repeat(32);
const DESK = 'd'.repeat(32);
let centre: Centre;
let core: Core;
let host: Host;
const addresses: string[] = [];
const exact = new Set<number>();
let someLead = '';

beforeAll(async () => {
  const day = dayWindow(FIXED_NOW, DEFAULT_CALENDAR);
  const file = join(tmp.dir, 'day.ndjson');
  const lines = writeFixtureDay(file, day.start, FIXED_NOW, 21, 120);
  let i = 0;
  for (const l of lines) {
    if (l.e !== 'lead') continue;
    i++;
    // Positions no 0.005° grid holds, and an address on every lead.
    l.d['lat'] = 22.5 + i * 0.000731 + 0.0001;
    l.d['lng'] = 114.0 + i * 0.000917 + 0.0001;
    l.d['address'] = `深圳市福田区保密路${i}号${i}栋`;
    l.d['personAge'] = 60 + (i % 30);
    exact.add(l.d['lat'] as number).add(l.d['lng'] as number);
    addresses.push(l.d['address'] as string);
    if (!someLead && (l.d['issuedAt'] as number) <= FIXED_NOW) someLead = l.id;
  }
  writeFileSync(file, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
  centre = await startCentre({ fixture: file, historyDays: 0, speed: 0, now: FIXED_NOW, token: 'priv-token' });
  core = createCore({ dataDir: join(tmp.dir, 'app'), central: { url: centre.url, token: centre.token }, outboxRetryMs: 200 });
  core.start();
  const head = await centre.store.headSeq();
  await waitForStatus(core, (s) => s.state === 'live' && s.seq === head);
  host = await startHost({
    core,
    rendererDir: join('dist', 'renderer'),
    keys: new StaticKeys([
      { name: 'wall-1', role: 'wall', secret: WALL },
      { name: 'duty-desk', role: 'unmask', secret: DESK },
    ]),
  });
}, 60_000);

afterAll(async () => {
  await host?.close();
  await core?.close();
  await centre?.close();
  tmp.remove();
});

function socket(secret: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${host.origin.replace('http', 'ws')}/ws`, { headers: { Authorization: `Bearer ${secret}` } });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}


/** Valid arguments for every entry; typed over the contract, so a new entry must be added here. */
function everyEntry(): { [K in RequestName]: RequestArgs<K> } {
  const day = dayWindow(FIXED_NOW, DEFAULT_CALENDAR);
  return {
    'countdowns:list': { limit: 5000 },
    'countdowns:wall': { fit: 8, cols: 4, page: 0 },
    'kpi:strip': {},
    'kpi:get': { window: day, asOf: FIXED_NOW },
    'ranking:get': { kind: 'daily', level: 'station' },
    'trends:get': { days: 3 },
    'map:features': {},
    'lead:timeline': { leadId: someLead },
    'units:list': {},
    'review:leads': { window: day, asOf: FIXED_NOW, which: 'all', limit: 5000 },
    'stops:list': { window: day, asOf: FIXED_NOW },
    'review:export': { date: '2026-11-20', format: 'csv', table: 'cases' },
    'replay:leads': { window: day, asOf: FIXED_NOW },
    'review:state': { window: day },
    'review:plan': { date: '2026-11-20' },
    'notes:list': {},
    'notes:add': { leadId: someLead, kind: 'review', body: 'checked', author: 'tester' },
    'review:add': { leadId: someLead, review: { occupation: null, ageBand: null, missed: ['none'], failed: ['other'], text: '' }, author: 'tester' },
    'events:recent': { limit: 200 },
    'display:config': {},
    'sync:status': {},
    'health:get': {},
    'clock:now': {},
    'audit:list': { limit: 100 },
    'handling:summary': { window: day, asOf: FIXED_NOW },
    'viewer:get': {},
  };
}

/** Every lat/lng in a result, with the path it was found at. */
function coords(value: unknown, path = ''): { path: string; v: number }[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => coords(v, `${path}[${i}]`));
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([k, v]) => ((k === 'lat' || k === 'lng') && typeof v === 'number' ? [{ path: `${path}.${k}`, v }] : coords(v, `${path}.${k}`)));
}

describe('the wall role', () => {
  it('receives no address, person id, exact age or exact lead position from any contract entry', async () => {
    const ws = await socket(WALL);
    const args = everyEntry();
    expect(Object.keys(args).sort()).toEqual(Object.keys(requests).sort());
    let checked = 0;
    for (const channel of Object.keys(args) as RequestName[]) {
      const r = await call(ws, channel, args[channel]);
      if (channel === 'audit:list' || channel === 'review:add') {
        expect(r, channel).toMatchObject({ ok: false, error: expect.stringMatching(/not for the wall role/) });
        continue;
      }
      expect(r.ok, `${channel}: ${r.error}`).toBe(true);
      if (channel === 'viewer:get') expect(r.value).toEqual({ role: 'wall' });
      let text = JSON.stringify(r.value);
      if (channel === 'review:export') text = Buffer.from((r.value as { base64: string }).base64, 'base64').toString('utf8');
      for (const a of addresses) expect(text, channel).not.toContain(a);
      expect(text, channel).not.toMatch(/"personId"|"address"|"personAge"\s*:\s*\d/);
      for (const { path, v } of coords(r.value)) {
        expect(exact.has(v), `${channel} ${path} = ${v} is a lead's exact position`).toBe(false);
        // Units (stations, branches) are public places and keep their positions.
        if (channel === 'units:list' || /^\.(branches|stations)/.test(path)) continue;
        expect(Math.abs(v * 200 - Math.round(v * 200)), `${channel} ${path} = ${v} is not rounded to 0.005°`).toBeLessThan(1e-6);
        checked++;
      }
    }
    // The fixture's leads did reach the wall (so the checks above looked at real positions).
    expect(checked).toBeGreaterThan(100);
    const t = (await call(ws, 'lead:timeline', { leadId: someLead })).value as { lead: Record<string, unknown> };
    expect(t.lead['personName']).toMatch(/^.\*+$/);
    expect(t.lead['personAgeBand']).toMatch(/^\d0–\d9$/);
    ws.close();
  });
});

describe('the unmask role', () => {
  it('sees the whole record of a lead, and each view is recorded with the key name and time, here and at the centre', async () => {
    const ws = await socket(DESK);
    // The page learns its key's role from the dispatcher, to offer only what the role may do.
    expect(await call(ws, 'viewer:get', {})).toMatchObject({ ok: true, value: { role: 'unmask' } });
    const before = core.local.auditList(1000).length;
    const r = (await call(ws, 'lead:timeline', { leadId: someLead })) as { ok: true; value: { lead: Record<string, unknown> } };
    expect(r.ok).toBe(true);
    expect(r.value.lead['address']).toMatch(/^深圳市福田区保密路/);
    expect(exact.has(r.value.lead['lat'] as number)).toBe(true);
    expect(r.value.lead['personId']).toBeTruthy();
    await call(ws, 'lead:timeline', { leadId: someLead });
    const listed = (await call(ws, 'audit:list', { limit: 10 })).value as { leadId: string; keyName: string; role: string; at: number }[];
    expect(listed.length - before).toBeGreaterThanOrEqual(2);
    expect(listed[0]).toMatchObject({ leadId: someLead, keyName: 'duty-desk', role: 'unmask' });
    // On the centre's clock (stopped at FIXED_NOW here), as the core estimates it.
    expect(Math.abs(listed[0]!.at - FIXED_NOW)).toBeLessThan(60_000);
    // Lists stay the wall view for every role: an unmasked view is one lead at a time.
    const tiles = (await call(ws, 'countdowns:list', { limit: 5 })).value as { personName: string }[];
    for (const tile of tiles) expect(tile.personName).toMatch(/^.\*+$/);
    // The centre keeps what the display reported.
    await expect
      .poll(
        async () => {
          const res = await fetch(`${centre.url}/v1/audit`, { headers: { Authorization: `Bearer ${centre.token}` } });
          const body = (await res.json()) as { views: { leadId: string; keyName: string; role: string }[] };
          return body.views.filter((v) => v.leadId === someLead && v.keyName === 'duty-desk').length;
        },
        { timeout: 20_000 },
      )
      .toBeGreaterThanOrEqual(2);
    expect(core.local.auditList(2).every((a) => a.sentAt !== null)).toBe(true);
    ws.close();
  });
});
