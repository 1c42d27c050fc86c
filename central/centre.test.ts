// The centre as a program: fixtures, the CLI, the history backfill and the running clock.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DAY, HOUR } from '../shared/domain.js';
import { DEFAULT_ESCALATION } from '../shared/kpi.js';
import { FeedState, pull } from '../tests/support/feed-client.js';
import { FIXED_NOW, sqliteDb, tempDir } from '../tests/support/harness.js';
import { makeLead } from '../tests/support/records.js';
import { FixtureError, startCentre, type Centre } from './centre.js';
import { StoreError } from './store.js';

let cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanup.reverse()) await f();
  cleanup = [];
});
function tmp() {
  const t = tempDir();
  cleanup.push(() => t.remove());
  return t.dir;
}
async function started(c: Promise<Centre>): Promise<Centre> {
  const centre = await c;
  cleanup.push(() => centre.close());
  return centre;
}

const city = [
  { t: 'put', e: 'unit', id: 'C', d: { id: 'C', parentId: null, level: 'city', code: 'C', name: '测试市公安局' } },
  { t: 'put', e: 'unit', id: 'C-B1', d: { id: 'C-B1', parentId: 'C', level: 'branch', code: 'B1', name: '一分局' } },
  { t: 'put', e: 'lead', id: 'L-1', d: makeLead('L-1', 'C-B1', FIXED_NOW) },
];
const lines = (rows: unknown[]) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';

describe('the countdown policy as data in the feed', () => {
  it('is published once from shared/kpi.ts, reaches a station-scoped display with checksums that agree, and can be left out', async () => {
    const c = await started(startCentre({ historyDays: 0, speed: 0, now: FIXED_NOW, token: 't', scopedTokens: { st: 'SZ-FT-S01' } }));
    const city = new FeedState();
    await pull(city, c.url, 't', { since: 0 });
    const station = new FeedState();
    const cp = await pull(station, c.url, 'st', { since: 0 });
    // The city's policy governs the station below it: it is in the station's feed and sums.
    expect(station.records.has('policy\u0000escalation')).toBe(true);
    expect(cp.counts.policy).toBe(1);
    expect(station.stats().sums.policy).toBe(cp.sums.policy);
    const res = await fetch(`${c.url}/v1/changes?since=0&entity=policy`, { headers: { Authorization: 'Bearer st' } });
    const put = (await res.text()).split('\n').map((l) => (l ? (JSON.parse(l) as { t: string; e?: string; d?: unknown }) : null)).find((l) => l?.e === 'policy');
    expect(put!.d).toEqual({ id: 'escalation', unitId: 'SZ', ...DEFAULT_ESCALATION });
    expect(city.records.has('policy\u0000escalation')).toBe(true);

    const none = await started(startCentre({ historyDays: 0, speed: 0, now: FIXED_NOW, token: 't', policy: null }));
    const s2 = new FeedState();
    const cp2 = await pull(s2, none.url, 't', { since: 0 });
    expect([...s2.records.keys()].some((k) => k.startsWith('policy'))).toBe(false);
    expect(cp2.counts.policy).toBeUndefined();
  });
});

describe('fixtures', () => {
  it('a fixture that brings a city replaces the Shenzhen structure and is served alone', async () => {
    const file = join(tmp(), 'day.ndjson');
    writeFileSync(file, lines(city));
    const c = await started(startCentre({ fixture: file, historyDays: 0, speed: 0, now: FIXED_NOW, token: 't' }));
    const s = new FeedState();
    await pull(s, c.url, 't', { since: 0 });
    // Its own city, and the countdown policy the centre publishes for it (kpis.md's default).
    expect([...s.records.keys()].sort()).toEqual(['lead\u0000L-1', 'policy\u0000escalation', 'unit\u0000C', 'unit\u0000C-B1']);
    expect(s.records.get('lead\u0000L-1')).toBe(1); // version assigned on load
    expect((await c.tick())).toBe(0); // nothing is generated
  });

  it('a fixture without units plays on the Shenzhen structure', async () => {
    const file = join(tmp(), 'leads.ndjson');
    writeFileSync(file, lines([{ t: 'put', e: 'lead', id: 'L-9', d: makeLead('L-9', 'SZ-FT-S01-B1', FIXED_NOW) }]));
    const c = await started(startCentre({ fixture: file, historyDays: 0, speed: 0, now: FIXED_NOW, token: 't' }));
    expect((await c.store.unitPath('SZ-FT'))).toBe('/SZ/SZ-FT/');
    expect((await c.store.stats('/SZ/')).counts.lead).toBe(1);
  });

  it.each([
    ['not JSON', '{"t":"put"', /day\.ndjson:3: not JSON/],
    ['a bad record', JSON.stringify({ t: 'put', e: 'lead', id: 'L-2', d: { id: 'L-2' } }), /day\.ndjson:3: lead L-2: personId/],
    ['a stray field', JSON.stringify({ t: 'put', e: 'lead', id: 'L-2', d: makeLead('L-2', 'C-B1', 0), seq: 5 }), /day\.ndjson:3: \(root\): Unrecognized key/],
    ['an id that differs', JSON.stringify({ t: 'put', e: 'lead', id: 'L-X', d: makeLead('L-2', 'C-B1', 0) }), /day\.ndjson:3: d\.id L-2 differs from id L-X/],
  ])('rejects a fixture with %s, naming the line, and stores nothing', async (_what, bad, message) => {
    const dir = tmp();
    const file = join(dir, 'day.ndjson');
    writeFileSync(file, [JSON.stringify(city[0]), JSON.stringify(city[1]), bad].join('\n'));
    const db = join(dir, 'centre.db');
    await expect(startCentre({ fixture: file, db, historyDays: 0, speed: 0 })).rejects.toThrow(FixtureError);
    await expect(startCentre({ fixture: file, db, historyDays: 0, speed: 0 })).rejects.toThrow(message);
  });

  it('rejects a fixture whose lead names a unit that does not exist, applying none of it', async () => {
    const file = join(tmp(), 'day.ndjson');
    writeFileSync(file, lines([city[0], city[1], { t: 'put', e: 'lead', id: 'L-5', d: makeLead('L-5', 'C-NOPE', FIXED_NOW) }]));
    await expect(startCentre({ fixture: file, historyDays: 0, speed: 0 })).rejects.toThrow(StoreError);
    await expect(startCentre({ fixture: file, historyDays: 0, speed: 0 })).rejects.toThrow('lead L-5: unit C-NOPE does not exist');
  });
});

describe('scenario in the centre', () => {
  it('backfills history so trends are full from the first start', async () => {
    const c = await started(startCentre({ historyDays: 35, leadsPerDay: 60, speed: 0, now: FIXED_NOW, token: 't' }));
    const span = sqliteDb(c).prepare("SELECT MIN(json_extract(data, '$.issuedAt')) AS lo, MAX(json_extract(data, '$.issuedAt')) AS hi, COUNT(*) AS n FROM records WHERE entity = 'lead'").get() as { lo: number; hi: number; n: number };
    expect(span.lo).toBeLessThan(FIXED_NOW - 34 * DAY);
    expect(span.hi).toBeLessThanOrEqual(FIXED_NOW);
    expect(span.n).toBeGreaterThan(35 * 60 * 0.8);
    // Nothing from the future is published.
    const future = sqliteDb(c).prepare("SELECT COUNT(*) AS n FROM records WHERE entity = 'event' AND json_extract(data, '$.at') > ?").get(FIXED_NOW) as { n: number };
    expect(future.n).toBe(0);
  });

  it('runs an accelerated clock and publishes new steps as their time comes', async () => {
    const c = await started(startCentre({ historyDays: 0, speed: 3600, now: FIXED_NOW, tickMs: 20, token: 't' }));
    const seq = await c.store.headSeq();
    await new Promise<void>((resolve) => {
      const off = c.store.onCommit(() => {
        void c.store.headSeq().then((head) => {
          if (head <= seq + 20) return;
          off();
          resolve();
        });
      });
    });
    expect(c.clock() - FIXED_NOW).toBeGreaterThan(HOUR / 3600); // the clock runs an hour a second
  });
});

describe('the CLI', () => {
  const run = (args: string[]) =>
    new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn(process.execPath, ['dist/node/central.js', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('token: ')) child.kill('SIGTERM');
      });
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      child.on('exit', (code) => resolve({ code, out }));
    });

  it.each([
    [['--port', 'eighty'], 'central: --port must be an integer, got "eighty"'],
    [['--speed', '-2'], 'central: --speed must be ≥ 0, got -2'],
    [['--colour', 'red'], 'central: unknown flag --colour'],
    [['--now', 'yesterday'], 'central: --now must be ISO 8601 or ms since the epoch, got "yesterday"'],
  ])('%j fails with a clear message and exit 2', async (args, message) => {
    const r = await run(args);
    expect(r.code).toBe(2);
    expect(r.out).toContain(message);
  });

  it('starts with every flag and prints where it listens and its token', async () => {
    const r = await run(['--port', '0', '--seed', '7', '--speed', '0', '--history-days', '0', '--token', 'T0K', '--now', '2026-11-20T04:00:00Z']);
    expect(r.out).toMatch(/centre listening on http:\/\/127\.0\.0\.1:\d+/);
    expect(r.out).toContain('token: T0K');
    expect(r.out).toContain('server time 2026-11-20T04:00:00.000Z');
    expect(r.code).toBe(0);
  });
});
