// What a duty officer must be able to trust (issue 13), against the real reference centre and
// real SQLite files: one bad record never stalls the wall; Retry-After is the wait and success
// forgives; a repair works against a centre that ignores `entity=`; the data's age is the time
// the centre last confirmed it; a fault of this machine is named, and nothing unknown is shown.
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Centre } from '../../central/centre.js';
import { createCore, type Core, type CoreOptions } from '../../electron/core/core.js';
import type { SyncStatus } from '../../shared/contract.js';
import { startAdversary } from '../support/adversary.js';
import { centreForTest, centreRows, checkInvariants, converged, FIXED_NOW, replicaRows, tempDir, waitForStatus } from '../support/harness.js';
import { makeLead } from '../support/records.js';

let cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanup.reverse()) await f();
  cleanup = [];
});

const UNIT = 'SZ-FT-S01-B1';
let n = 0;
const leads = (centre: Centre, count: number) =>
  centre.store.write(Array.from({ length: count }, () => ({ t: 'put' as const, e: 'lead' as const, d: makeLead(`L-T-${n++}`, UNIT, FIXED_NOW) })));

function core(url: string, dataDir: string, extra: Partial<CoreOptions> = {}): Core & { logs: string[] } {
  const logs: string[] = [];
  const c = createCore({ dataDir, central: { url, token: 'test-token' }, backoffMinMs: 50, backoffMaxMs: 400, heartbeatMs: 200, log: (m) => logs.push(m), ...extra });
  cleanup.push(() => c.close());
  return Object.assign(c, { logs });
}

const atHead = async (c: Core, centre: Centre, extra: (s: SyncStatus) => boolean = () => true, timeoutMs = 20_000) => {
  const head = await centre.store.headSeq();
  return waitForStatus(c, (s) => s.state === 'live' && s.seq === head && extra(s), timeoutMs);
};

/**
 * The replica's rows plus what it holds back must be exactly the centre's (checksums agree):
 * a shown row matches the centre's id, version and data; a held row (whose data the replica
 * does not keep) matches the centre's id and version.
 */
function heldAndShown(c: Core, centre: Record<string, string[]>): Record<string, string[]> {
  const rows: Record<string, string[]> = { ...replicaRows(c) };
  for (const r of c.replica.db.prepare('SELECT entity, id, v FROM quarantine').all() as { entity: string; id: string; v: number }[]) {
    const match = (centre[r.entity] ?? []).find((d) => d.startsWith(`${r.id}:${r.v}:`));
    rows[r.entity]!.push(match ?? `${r.id}:${r.v}:held-but-not-at-the-centre`);
  }
  for (const k of Object.keys(rows)) rows[k]!.sort();
  return rows;
}
const sorted = (r: Record<string, string[]>) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, [...v].sort()]));

const HOSTILE_ID = 'L-HOSTILE';
const hostileName = '\u0000\u202E<img src=x onerror=alert(1)>' + '名'.repeat(100_000);

describe('a bad record is held back, not fatal', () => {
  it('a hostile lead and then 100 ordinary ones: all 100 reach the wall, the hostile one is held back and reported, across a restart and a 409 rebuild', async () => {
    const tmp = tempDir();
    cleanup.push(() => tmp.remove());
    const centre = await centreForTest({ heartbeatMs: 250, rateLimit: { perSecond: 10_000, burst: 10_000 } });
    cleanup.push(() => centre.close());
    let c = core(centre.url, `${tmp.dir}/app`);
    c.start();
    await converged(c, centre);

    await centre.store.writeUnchecked([{ t: 'put', e: 'lead', d: { ...makeLead(HOSTILE_ID, UNIT, FIXED_NOW), personName: hostileName } }]);
    const ordinary = Array.from({ length: 100 }, (_, i) => `L-T-${n + i}`);
    for (let i = 0; i < 10; i++) await leads(centre, 10);

    const s = await atHead(c, centre);
    expect(s.heldBack).toBe(1);
    const shown = () => new Set((c.handlers['countdowns:list']({ limit: 5000 }) as { id: string }[]).map((t) => t.id));
    expect(ordinary.filter((id) => !shown().has(id))).toEqual([]);
    expect(shown().has(HOSTILE_ID)).toBe(false);
    expect(c.replica.db.prepare('SELECT COUNT(*) AS n FROM lead WHERE id = ?').get(HOSTILE_ID)).toEqual({ n: 0 });
    const atCentre = sorted((await centreRows(centre)));
    expect(heldAndShown(c, atCentre)).toEqual(atCentre);
    await checkInvariants(c, centre);

    // Reported: the health report (and the centre's list of displays) names it and why; the log says why.
    const health = c.handlers['health:get']({}) as { heldBack: { count: number; records: { entity: string; id: string; reason: string }[] } };
    expect(health.heldBack).toEqual({ count: 1, records: [{ entity: 'lead', id: HOSTILE_ID, reason: expect.stringMatching(/^personName: must NOT have more than 200 characters/) }] });
    await vi.waitFor(
      async () => {
        const res = await fetch(`${centre.url}/v1/displays`, { headers: { Authorization: 'Bearer test-token' } });
        const { displays } = (await res.json()) as { displays: { heldBack?: { count: number; records: { id: string }[] } }[] };
        expect(displays[0]?.heldBack).toMatchObject({ count: 1, records: [{ id: HOSTILE_ID }] });
      },
      { timeout: 10_000, interval: 100 },
    );
    expect(c.logs.some((l) => l.includes(`held back lead "${HOSTILE_ID}"`) && l.includes('personName: must NOT have more than 200 characters'))).toBe(true);
    // The log gives the reason, never the hostile content.
    expect(c.logs.some((l) => l.includes('onerror'))).toBe(false);

    // A restart does not stall on it.
    await c.close();
    cleanup.pop();
    c = core(centre.url, `${tmp.dir}/app`);
    expect(c.sync.status.heldBack).toBe(1);
    c.start();
    await leads(centre, 5);
    expect((await atHead(c, centre)).heldBack).toBe(1);

    // Nor does a 409 rebuild from since=0.
    await centre.store.resetEpoch();
    await leads(centre, 5);
    await waitForStatus(c, (x) => x.state === 'stale');
    const rebuilt = await atHead(c, centre, (x) => x.epoch === centre.store.epoch);
    expect(rebuilt.heldBack).toBe(1);
    expect(ordinary.filter((id) => !shown().has(id))).toEqual([]);
    const afterRebuild = sorted((await centreRows(centre)));
    expect(heldAndShown(c, afterRebuild)).toEqual(afterRebuild);
    await checkInvariants(c, centre);

    // A valid newer version replaces it, and it reaches the wall.
    await centre.store.write([{ t: 'put', e: 'lead', d: makeLead(HOSTILE_ID, UNIT, FIXED_NOW, { personName: '改正后' }) }]);
    const fixed = await atHead(c, centre, (x) => x.heldBack === 0);
    expect(fixed.heldBack).toBe(0);
    expect(shown().has(HOSTILE_ID)).toBe(true);
    await converged(c, centre);
    await checkInvariants(c, centre);
  });

  it('a structural fault still rejects the page whole and keeps the replica as it was', async () => {
    const tmp = tempDir();
    cleanup.push(() => tmp.remove());
    const centre = await centreForTest({ heartbeatMs: 250 });
    cleanup.push(() => centre.close());
    const adv = await startAdversary(centre.url);
    cleanup.push(() => adv.close());
    const c = core(adv.url, `${tmp.dir}/app`);
    c.start();
    await converged(c, centre);
    const before = replicaRows(c);
    const seq = c.replica.position.seq;
    adv.inject({ kind: 'replace-next-put', text: '{"t":"put","e":"lead","id":"X","v":1,"seq":"nine","d":{}}' });
    await leads(centre, 3);
    const bad = await waitForStatus(c, (x) => x.state === 'error');
    expect(bad.reason).toMatch(/rejected page: line \d+: seq/);
    expect(c.replica.position.seq).toBe(seq);
    expect(replicaRows(c)).toEqual(before);
    expect(c.sync.status.heldBack).toBe(0);
    await converged(c, centre);
  });
});

describe('Retry-After is the wait, and success forgives', () => {
  async function setup() {
    const tmp = tempDir();
    cleanup.push(() => tmp.remove());
    const centre = await centreForTest({ heartbeatMs: 250, rateLimit: { perSecond: 10_000, burst: 10_000 } });
    cleanup.push(() => centre.close());
    const adv = await startAdversary(centre.url);
    cleanup.push(() => adv.close());
    // The shipped backoff (0.5 s doubling to 10 s): the one a wall runs with.
    const c = core(adv.url, `${tmp.dir}/app`, { backoffMinMs: 500, backoffMaxMs: 10_000 });
    c.start();
    await converged(c, centre);
    return { centre, adv, c };
  }

  it('six 503s with Retry-After: 1 are recovered from within 10 s of the last one, with no backoff on top', async () => {
    const { centre, adv, c } = await setup();
    adv.inject({ kind: 'status', status: 503, times: 6, retryAfter: 1 });
    adv.cutAll();
    await leads(centre, 2);
    await atHead(c, centre, () => adv.statusAt.length === 6, 60_000);
    const done = Date.now();
    const [first, last] = [adv.statusAt[0]!, adv.statusAt[5]!];
    expect(done - last).toBeLessThan(10_000);
    // Five waits of one second between six answers: not 1 s plus 0.5, 1, 2, 4, 8 s of backoff.
    expect(last - first).toBeGreaterThanOrEqual(4_900);
    expect(last - first).toBeLessThan(8_000);
  });

  it('ten link cuts in ten seconds are recovered from within 5 s of the last', async () => {
    const { centre, adv, c } = await setup();
    for (let i = 0; i < 10; i++) {
      adv.cutAll();
      // The next cut comes a second later, whatever the display is doing.
      await new Promise((r) => setTimeout(r, 1_000));
    }
    adv.cutAll();
    const last = Date.now();
    await leads(centre, 2);
    await atHead(c, centre, () => true, 30_000);
    expect(Date.now() - last).toBeLessThan(5_000);
  });
});

describe('repair against any centre that follows the protocol', () => {
  it('filters the repair by entity itself when the centre ignores entity=', async () => {
    const tmp = tempDir();
    cleanup.push(() => tmp.remove());
    const centre = await centreForTest({ heartbeatMs: 250 });
    cleanup.push(() => centre.close());
    const adv = await startAdversary(centre.url);
    cleanup.push(() => adv.close());
    const c = core(adv.url, `${tmp.dir}/app`);
    c.start();
    await converged(c, centre);
    adv.inject({ kind: 'ignore-entity' });
    adv.inject({ kind: 'wrong-sums', times: 1 });
    const repaired = new Promise<{ entity: string }>((r) => c.sync.once('repaired', r));
    await leads(centre, 1);
    expect(await repaired).toMatchObject({ entity: 'unit' });
    expect(adv.requests.filter((r) => r.includes('entity=unit'))).toHaveLength(1);
    await leads(centre, 1);
    await converged(c, centre);
    await checkInvariants(c, centre);
    expect(c.sync.status.state).toBe('live');
  });
});

describe('the data age is the time the centre last confirmed the replica', () => {
  it('heartbeats advance it while live; offline it stays where the link went and survives a restart', async () => {
    const tmp = tempDir();
    cleanup.push(() => tmp.remove());
    const db = `${tmp.dir}/centre.db`;
    // A running clock (×60) with no scenario ticks: only heartbeats move the confirmation.
    const centre = await centreForTest({ db, speed: 60, tickMs: 3_600_000, heartbeatMs: 200 });
    let c = core(centre.url, `${tmp.dir}/app`);
    c.start();
    await converged(c, centre);
    const first = c.sync.status.confirmedAt!;
    const seq = c.sync.status.seq;
    const later = await waitForStatus(c, (s) => s.confirmedAt !== null && s.confirmedAt > first + 30_000);
    expect(later.seq).toBe(seq); // no data moved: heartbeats confirmed it
    await centre.close();
    const off = await waitForStatus(c, (s) => s.state === 'offline');
    const confirmed = off.confirmedAt!;
    expect(confirmed).toBeGreaterThanOrEqual(later.confirmedAt!);
    // Panels refetch offline: the confirmation does not move, so the age grows.
    const age1 = (c.handlers['health:get']({}) as { dataAgeMs: number }).dataAgeMs;
    c.handlers['kpi:strip']({});
    c.handlers['countdowns:list']({ limit: 10 });
    await vi.waitFor(() => expect((c.handlers['health:get']({}) as { dataAgeMs: number }).dataAgeMs).toBeGreaterThan(age1 + 100), { timeout: 5_000, interval: 50 });
    expect(c.sync.status.confirmedAt).toBe(confirmed);
    // A restart while the centre is down keeps the last confirmation it stored, and knows the data is complete.
    await c.close();
    cleanup.pop();
    c = core(centre.url, `${tmp.dir}/app`);
    expect(c.sync.status.complete).toBe(true);
    expect(c.sync.status.confirmedAt).not.toBeNull();
    expect(c.sync.status.confirmedAt!).toBeLessThanOrEqual(confirmed);
  });
});

describe('local faults are named, and nothing unknown is shown', () => {
  it('a full disk during the first sync: named (not offline), no figures claimed, and the sync resumes when space is freed', async () => {
    const tmp = tempDir();
    cleanup.push(() => tmp.remove());
    const centre = await centreForTest({ heartbeatMs: 250 });
    cleanup.push(() => centre.close());
    const c = core(centre.url, `${tmp.dir}/app`);
    // A real SQLITE_FULL: the replica may not grow beyond the pages it has now.
    c.replica.db.pragma(`max_page_count = ${c.replica.db.pragma('page_count', { simple: true }) as number}`);
    c.start();
    const full = await waitForStatus(c, (s) => s.localFault?.kind === 'disk_full');
    expect(full.state).toBe('error');
    expect(full.complete).toBe(false);
    expect(full.reason).toMatch(/disk .* is full.*free space/);
    const health = c.handlers['health:get']({}) as { complete: boolean; localFault: { kind: string; action: string } | null };
    expect(health).toMatchObject({ complete: false, localFault: { kind: 'disk_full', action: expect.stringMatching(/free space/) } });
    c.replica.db.pragma('max_page_count = 1073741823');
    const ok = await atHead(c, centre);
    expect(ok).toMatchObject({ complete: true, localFault: null });
    await converged(c, centre);
  });

  it('a read-only replica while live is named and the sync resumes when it is writable again', async () => {
    const tmp = tempDir();
    cleanup.push(() => tmp.remove());
    const centre = await centreForTest({ heartbeatMs: 250 });
    cleanup.push(() => centre.close());
    const c = core(centre.url, `${tmp.dir}/app`);
    c.start();
    await converged(c, centre);
    // Tests run as root, where chmod does not stop writes: SQLite's own query_only gives the real SQLITE_READONLY.
    c.replica.db.pragma('query_only = 1');
    await leads(centre, 2);
    const ro = await waitForStatus(c, (s) => s.localFault?.kind === 'read_only');
    expect(ro.state).toBe('error');
    expect(ro.complete).toBe(true);
    c.replica.db.pragma('query_only = 0');
    expect(await atHead(c, centre)).toMatchObject({ localFault: null });
    await converged(c, centre);
  });

  it('a data folder that cannot be made at launch is named, the display starts with no data yet, and follows into it once it can', async () => {
    const tmp = tempDir();
    cleanup.push(() => tmp.remove());
    const centre = await centreForTest({ heartbeatMs: 250 });
    cleanup.push(() => centre.close());
    // A file where the folder's parent should be: the folder can be neither found nor made.
    const blocker = `${tmp.dir}/mnt`;
    writeFileSync(blocker, 'not a folder');
    const dir = `${blocker}/app`;
    const c = core(centre.url, dir);
    c.start();
    const missing = await waitForStatus(c, (s) => s.localFault?.kind === 'missing_dir' && s.state === 'error');
    expect(missing.complete).toBe(false);
    expect(missing.reason).toMatch(/data folder .* is missing.*restore/);
    const health = c.handlers['health:get']({}) as { complete: boolean; localFault: { kind: string } | null };
    expect(health).toMatchObject({ complete: false, localFault: { kind: 'missing_dir' } });
    expect(c.logs.join('\n')).toMatch(/is missing/);
    // Mounted again: the sync opens the replica in the folder and follows the centre into it.
    rmSync(blocker);
    mkdirSync(blocker);
    leads(centre, 2);
    expect(await atHead(c, centre, (s) => s.localFault === null && s.complete)).toMatchObject({ localFault: null, complete: true });
    await converged(c, centre);
    expect(existsSync(`${dir}/replica.db`)).toBe(true);
    checkInvariants(c, centre);
  });

  it('a data folder gone while live is named, and the sync rebuilds into it when it is back', async () => {
    const tmp = tempDir();
    cleanup.push(() => tmp.remove());
    const centre = await centreForTest({ heartbeatMs: 250 });
    cleanup.push(() => centre.close());
    const dir = `${tmp.dir}/app`;
    const c = core(centre.url, dir);
    c.start();
    await converged(c, centre);
    rmSync(dir, { recursive: true, force: true });
    await leads(centre, 2);
    const gone = await waitForStatus(c, (s) => s.localFault?.kind === 'missing_dir');
    expect(gone.state).not.toBe('offline');
    expect(gone.reason).toMatch(/data folder .* is missing.*restore/);
    mkdirSync(dir);
    await leads(centre, 2);
    await atHead(c, centre, (s) => s.localFault === null);
    await converged(c, centre);
    await checkInvariants(c, centre);
  });
});
