// The reference centre's feed against its own promises: commit order under concurrent writers,
// convergence of snapshot + changes, scopes, resets, gzip and heartbeats. One suite, run on each
// store: SQLite (a file) and PostgreSQL (a database in the run's throwaway cluster).
import { build } from 'esbuild';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { gunzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FeedState, pull } from '../tests/support/feed-client.js';
import { centreForTest, FIXED_NOW, tempDir } from '../tests/support/harness.js';
import { countRows, storeOptions, STORE_KINDS, type StoreKind } from '../tests/support/stores.js';
import { centreDigests, rowDifferences } from '../tests/support/rows.js';
import { makeLead } from '../tests/support/records.js';
import type { Centre } from './centre.js';
import { openPgStore } from './pgStore.js';
import { addCrc, recordCrc } from '../shared/crc32.js';
import { createRng } from './rng.js';
import { visibleIn, type PutGroup, type StoredRow, type StoreReader, type WriteOp } from './store.js';
import { feedLine } from './tail.js';
import { SnapshotGroups } from './server.js';

/** Rows in seq order as runs of one transaction: [tx, last seq, rows]. */
function runsOf(rows: readonly StoredRow[]): [number, number, number][] {
  const runs: [number, number, number][] = [];
  for (const r of rows) {
    const run = runs.at(-1);
    if (run && run[0] === r.tx) {
      run[1] = r.seq;
      run[2]++;
    } else runs.push([r.tx, r.seq, 1]);
  }
  return runs;
}

let cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanup.reverse()) await f();
  cleanup = [];
});
/** The store the current suite runs on (set by each describe.each block). */
let kind: StoreKind = 'sqlite';
async function centre(opts: Parameters<typeof centreForTest>[0] = {}): Promise<Centre> {
  const store = opts.db === undefined && opts.store === undefined ? await storeOptions(kind, (f) => cleanup.unshift(f)) : {};
  const c = await centreForTest({ rateLimit: { perSecond: 10_000, burst: 10_000 }, ...store, ...opts });
  cleanup.push(() => c.close());
  return c;
}
const TOKEN = 'test-token';

/** Follows a live stream, calling `onLine` for each line, until `done` says so. */
function follow(url: string, path: string, onLine: (line: Record<string, unknown>) => boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = http.get(url + path, { headers: { Authorization: `Bearer ${TOKEN}` } }, (res) => {
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buf += chunk;
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = JSON.parse(buf.slice(0, nl)) as Record<string, unknown>;
          buf = buf.slice(nl + 1);
          let done: boolean;
          try {
            done = onLine(line);
          } catch (err) {
            req.destroy();
            return reject(err as Error);
          }
          if (done) {
            req.destroy();
            return resolve();
          }
        }
      });
    });
    req.on('error', (err) => (err.message === 'socket hang up' ? resolve() : reject(err)));
  });
}

describe.each(STORE_KINDS)('on %s', (storeKind) => {
beforeEach(() => {
  kind = storeKind;
});

describe('the change feed', () => {
  it('a live-tailing client misses no row while writers on other connections commit concurrently, one of them late', async () => {
    const tmp = tempDir();
    cleanup.push(() => tmp.remove());
    const file = join(tmp.dir, 'centre.db');
    const db: { db?: string; store?: string } = kind === 'postgres' ? await storeOptions(kind, (f) => cleanup.unshift(f)) : { db: file };
    const c = await centre({ ...db, historyDays: 0 });

    const state = new FeedState();
    const seen = new Set<string>();
    let expected: Set<string> | null = null;
    const tail = follow(c.url, '/v1/changes?since=0&live=1&limit=100', (line) => {
      state.apply(line as never);
      if (line['t'] === 'put' && line['e'] === 'lead') seen.add(line['id'] as string);
      return expected !== null && [...expected].every((id) => seen.has(id)) && line['t'] === 'checkpoint';
    });
    const jobs = [
      { name: 'A', txs: 60, perTx: 2, holdMs: 0 },
      { name: 'B', txs: 60, perTx: 3, holdMs: 0 },
      { name: 'C', txs: 40, perTx: 1, holdMs: 0 },
      { name: 'LONG', txs: 1, perTx: 50, holdMs: 1500 },
    ];
    let written: string[][];
    if (kind === 'sqlite') {
      // Inside the project, so the bundle resolves better-sqlite3 from node_modules.
      const bundle = join('node_modules', '.cache', 'guardpost', `writer-${process.pid}.mjs`);
      await build({ entryPoints: ['tests/support/writer-worker.ts'], bundle: true, platform: 'node', format: 'esm', packages: 'external', outfile: bundle, logLevel: 'error' });
      written = await Promise.all(
        jobs.map(
          (j) =>
            new Promise<string[]>((resolve, reject) => {
              const w = new Worker(join(process.cwd(), bundle), { workerData: { ...j, file, now: FIXED_NOW } });
              w.once('message', resolve);
              w.once('error', reject);
            }),
        ),
      );
    } else {
      // Real concurrent PostgreSQL transactions: each writer a store with its own connections.
      // LONG starts once A is under way, takes its seqs, and holds its transaction open before
      // committing while the others queue behind it.
      let aStarted: () => void = () => undefined;
      const aUnderWay = new Promise<void>((r) => (aStarted = r));
      written = await Promise.all(
        jobs.map(async (j) => {
          const w = await openPgStore(db.store!, () => FIXED_NOW);
          try {
            if (j.name === 'LONG') await aUnderWay;
            const ids: string[] = [];
            const units = ['SZ-FT-S01-B1', 'SZ-NS-S01-B1', 'SZ-BA-S01-B1', 'SZ-LG-S01-B1'];
            for (let t = 0; t < j.txs; t++) {
              const ops = Array.from({ length: j.perTx }, (_, i) => {
                const id = `L-${j.name}-${t}-${i}`;
                ids.push(id);
                return { t: 'put' as const, e: 'lead' as const, d: makeLead(id, units[(t + i) % units.length]!, FIXED_NOW) };
              });
              await w.write(ops, j.holdMs > 0 ? { beforeCommit: () => new Promise((r) => setTimeout(r, j.holdMs)) } : {});
              if (j.name === 'A' && t === 10) aStarted();
            }
            return ids;
          } finally {
            await w.close();
          }
        }),
      );
    }
    expect(new Set(written.flat()).size).toBe(60 * 2 + 60 * 3 + 40 + 50);
    // A checkpoint after the last commit ends the tail once every row has been seen (expected
    // holds it before it is written, so the tail cannot end on an earlier checkpoint).
    expected = new Set([...written.flat(), 'L-LAST']);
    await c.store.write([{ t: 'put', e: 'lead', d: makeLead('L-LAST', 'SZ-FT-S01-B1', FIXED_NOW) }]);
    await tail;
    expect([...expected].filter((id) => !seen.has(id))).toEqual([]);
    const root = (await c.store.unitPath('SZ'))!;
    expect(state.stats().counts['lead']).toBe((await c.store.stats(root)).counts.lead);
    expect(state.stats().sums['lead']).toBe((await c.store.stats(root)).sums.lead);
    expect(rowDifferences(state.digests(), (await centreDigests(c)))).toEqual([]);
  }, 60_000);

  it('snapshot then changes converges to the store (count, sum and every row\'s data), for many random seeds, whole city and one branch', async () => {
    const c = await centre({ historyDays: 0 });
    const branches = ['SZ-FT', 'SZ-NS', 'SZ-BA', 'SZ-LG'];
    let n = 0;
    for (let seed = 1; seed <= 25; seed++) {
      const rng = createRng(seed);
      const live: string[] = [];
      const writeRandom = async () => {
        const ops: WriteOp[] = [];
        const count = rng.int(1, 4);
        for (let i = 0; i < count; i++) {
          const r = rng.next();
          if (r < 0.5 || live.length < 3) {
            const id = `L-R${seed}-${n++}`;
            live.push(id);
            ops.push({ t: 'put', e: 'lead', d: makeLead(id, `${rng.pick(branches)}-S01-B${rng.int(1, 3)}`, FIXED_NOW) });
          } else if (r < 0.75) {
            const id = rng.pick(live);
            if (ops.some((o) => (o.t === 'put' ? o.d.id : o.id) === id)) continue;
            // An update, sometimes a move to another branch.
            ops.push({ t: 'put', e: 'lead', d: makeLead(id, `${rng.pick(branches)}-S01-B1`, FIXED_NOW, { riskScore: rng.int(1, 99) }) });
          } else {
            const id = live.splice(rng.int(0, live.length - 1), 1)[0]!;
            if (ops.some((o) => (o.t === 'put' ? o.d.id : o.id) === id)) continue;
            ops.push({ t: 'del', e: 'lead', id });
          }
        }
        if (ops.length) (await c.store.write(ops));
      };
      for (let i = 0; i < 20; i++) await writeRandom();
      for (const scope of ['SZ', 'SZ-FT']) {
        const state = new FeedState();
        let cp = await pull(state, c.url, TOKEN, { since: 0, limit: rng.int(3, 9), scope });
        while (cp.more) {
          await writeRandom(); // the centre moves on between pages
          cp = await pull(state, c.url, TOKEN, { since: state.seq, epoch: state.epoch!, limit: rng.int(3, 9), scope });
        }
        await writeRandom();
        do cp = await pull(state, c.url, TOKEN, { since: state.seq, epoch: state.epoch!, limit: 5, scope });
        while (cp.more);
        const truth = await c.store.stats((await c.store.unitPath(scope))!);
        const mine = state.stats();
        expect({ seed, scope, counts: mine.counts, sums: mine.sums }).toEqual({ seed, scope, counts: truth.counts, sums: truth.sums });
        expect(cp.counts).toEqual(truth.counts);
        // Counts and sums cover ids and versions: every record's data must be the store's too.
        expect({ seed, scope, diff: rowDifferences(state.digests(), (await centreDigests(c, scope))) }).toEqual({ seed, scope, diff: [] });
      }
    }
  }, 60_000);

  it("a scope's snapshot rows, read by the scope a keyset at a time, are the whole log's filtered by visibleIn, in seq order", async () => {
    const c = await centre({ historyDays: 0 });
    const rng = createRng(17);
    const beats = ['SZ-FT-S01-B1', 'SZ-FT-S01-B2', 'SZ-FT-S02-B1', 'SZ-NS-S01-B1', 'SZ-BA-S01-B1'];
    const live = new Set<string>();
    const writeSome = async (round: number) => {
      const ops: WriteOp[] = [];
      for (let i = 0; i < 6; i++) {
        const id = `L-K${round}-${i}`;
        live.add(id);
        ops.push({ t: 'put', e: 'lead', d: makeLead(id, rng.pick(beats), FIXED_NOW) });
      }
      const old = [...live].filter((id) => !ops.some((o) => o.t === 'put' && o.d.id === id));
      if (old.length > 2) {
        // An update that may move it, and a deletion.
        ops.push({ t: 'put', e: 'lead', d: makeLead(old[0]!, rng.pick(beats), FIXED_NOW, { riskScore: rng.int(1, 99) }) });
        live.delete(old[1]!);
        ops.push({ t: 'del', e: 'lead', id: old[1]! });
      }
      await c.store.write(ops);
    };
    for (let round = 0; round < 10; round++) await writeSome(round);
    // An id that JSON must escape (a quote, a backslash, a control character) and is not ASCII.
    await c.store.write([{ t: 'put', e: 'lead', d: makeLead('L-"福田\\\u0007', 'SZ-FT-S01-B2', FIXED_NOW) }]);
    // A policy set at a branch between the leads governs its stations too.
    const unitId = 'SZ-FT';
    await c.store.write([{ t: 'put', e: 'policy', d: { id: 'ft-policy', unitId, deadlineMs: { urgent: 60_000, high: 120_000, medium: 180_000, low: 240_000 }, tiers: [] } }]);
    for (let round = 10; round < 20; round++) await writeSome(round);
    const through = await c.store.headSeq();
    // Written after the snapshot's head: none of it may come back.
    for (let round = 20; round < 24; round++) await writeSome(round);
    const log = await c.store.rowsAfter(0, 1_000_000);
    for (const scope of ['SZ', 'SZ-FT', 'SZ-FT-S01', 'SZ-FT-S01-B2', 'SZ-NS']) {
      const path = (await c.store.unitPath(scope))!;
      const expected = log.filter((r) => r.seq <= through && !r.deleted && visibleIn(r.entity, r.path, path));
      for (const limit of [1, 7, 10_000]) {
        const got: StoredRow[] = [];
        let after = 0;
        for (;;) {
          const rows = await c.store.scopeRowsAfter(after, through, path, limit);
          got.push(...rows);
          if (rows.length < limit) break;
          after = rows.at(-1)!.seq;
        }
        expect({ scope, limit, rows: got }).toEqual({ scope, limit, rows: expected });
        // A store that builds the put lines itself builds feedLine's, byte for byte, grouped by
        // transaction: the same rows, keyset by keyset.
        const lines: string[] = [];
        const groups: PutGroup[] = [];
        after = 0;
        await c.store.snapshot(async (r) => {
          if (!r.scopePutGroupsAfter) return;
          for (;;) {
            const batch = await r.scopePutGroupsAfter(after, through, path, limit);
            groups.push(...batch);
            lines.push(...batch.map((g) => g.text.toString('utf8')));
            const n = batch.reduce((a, g) => a + g.n, 0);
            if (n < limit) break;
            after = batch.at(-1)!.lastSeq;
          }
        });
        if (kind === 'postgres') {
          expect({ scope, limit, text: lines.join('\n') }).toEqual({ scope, limit, text: expected.map((r) => feedLine(r, path, through)).join('\n') });
          // Each group is one transaction's run, ending at its last row.
          const merged: [number, number, number][] = [];
          for (const g of groups) {
            const run = merged.at(-1);
            if (run && run[0] === g.tx) [run[1], run[2]] = [g.lastSeq, run[2] + g.n];
            else merged.push([g.tx, g.lastSeq, g.n]);
          }
          expect(merged).toEqual(runsOf(expected));
        } else {
          expect(groups).toEqual([]);
        }
      }
      // In the scopes it lies in, and in those below it, which it governs.
      expect({ scope, policy: expected.some((r) => r.entity === 'policy' && r.id === 'ft-policy') }).toEqual({ scope, policy: scope !== 'SZ-NS' });
    }
  });

  it("a scope's snapshot read ahead in batches cut from the scope's index sends each row once, in seq order, whatever changes meanwhile", async () => {
    const c = await centre({ historyDays: 0 });
    if (!SnapshotGroups.offered(c.store)) {
      expect(kind).toBe('sqlite');
      return;
    }
    const rng = createRng(23);
    const beats = ['SZ-FT-S01-B1', 'SZ-FT-S02-B1', 'SZ-NS-S01-B1'];
    for (let tx = 0; tx < 12; tx++) {
      await c.store.write(Array.from({ length: rng.int(1, 7) }, (_, i) => ({ t: 'put' as const, e: 'lead' as const, d: makeLead(`L-R${tx}-${i}`, rng.pick(beats), FIXED_NOW) })));
    }
    const path = (await c.store.unitPath('SZ-FT'))!;
    const through = await c.store.headSeq();
    const log = await c.store.rowsAfter(0, 1_000_000);
    const expected = log.filter((r) => r.seq <= through && !r.deleted && visibleIn(r.entity, r.path, path));
    expect(expected.filter((r) => r.entity === 'lead').length).toBeGreaterThan(20);
    /** Reads the snapshot; `meanwhile` runs after each batch's end is read and before its rows are. */
    const read = async (batch: number, meanwhile: (from: number, to: number) => Promise<void>) => {
      const reader = {
        scopeSeqAt: async (...args: Parameters<NonNullable<typeof c.store.scopeSeqAt>>) => {
          const to = await c.store.scopeSeqAt!(...args);
          await meanwhile(args[0], to);
          return to;
        },
        scopePutGroupsAfter: c.store.scopePutGroupsAfter,
      } as unknown as StoreReader;
      const groups = new SnapshotGroups(reader, through, path, batch);
      const lines: string[] = [];
      let last = 0;
      for (let g = await groups.peek(last); g !== null; g = await groups.peek(last)) {
        groups.take();
        expect(g.lastSeq).toBeGreaterThan(last);
        last = g.lastSeq;
        lines.push(...g.text.toString('utf8').split('\n'));
      }
      return lines.map((l) => JSON.parse(l) as { id: string; seq: number; v: number });
    };
    // Unchanged: every row, once, as the whole log's filtered rows, for batches of 1, 3 and more than all.
    for (const batch of [1, 3, 1000]) expect((await read(batch, async () => undefined)).map((l) => [l.id, l.seq])).toEqual(expected.map((r) => [r.id, r.seq]));
    // Leads moved out, deleted and updated between a batch's end being read and its rows: each
    // row at most once, in seq order, none past the snapshot's head, and every row nobody touched.
    const touched = new Set<string>();
    const deleted = new Set<string>();
    let round = 0;
    const got = await read(3, async (from, to) => {
      // A lead of the batch about to be read.
      const batchLeads = expected.filter((r) => r.entity === 'lead' && r.seq > from && r.seq <= to && !touched.has(r.id));
      if (batchLeads.length === 0) return;
      round++;
      const victim = rng.pick(batchLeads).id;
      touched.add(victim);
      const x = rng.next();
      if (x < 0.4) deleted.add(victim);
      await c.store.write([x < 0.4 ? { t: 'del', e: 'lead', id: victim } : { t: 'put', e: 'lead', d: makeLead(victim, x < 0.7 ? 'SZ-NS-S01-B1' : 'SZ-FT-S02-B1', FIXED_NOW, { riskScore: rng.int(1, 99) }) }]);
    });
    expect(round).toBeGreaterThan(3);
    expect(new Set(got.map((l) => l.id)).size).toBe(got.length);
    expect(got.map((l) => l.seq)).toEqual([...got.map((l) => l.seq)].sort((a, b) => a - b));
    expect(got.filter((l) => l.seq > through)).toEqual([]);
    const gotIds = new Set(got.map((l) => l.id));
    expect(expected.filter((r) => !touched.has(r.id) && !gotIds.has(r.id)).map((r) => r.id)).toEqual([]);
  });

  it('sends del to a branch display when a lead moves to another branch, put to the new one', async () => {
    const c = await centre({ historyDays: 0 });
    await c.store.write([{ t: 'put', e: 'lead', d: makeLead('L-MOVE', 'SZ-FT-S01-B1', FIXED_NOW) }]);
    const ft = new FeedState();
    const ns = new FeedState();
    await pull(ft, c.url, TOKEN, { since: 0, scope: 'SZ-FT' });
    await pull(ns, c.url, TOKEN, { since: 0, scope: 'SZ-NS' });
    expect(ft.records.has('lead\u0000L-MOVE')).toBe(true);
    await c.store.write([{ t: 'put', e: 'lead', d: makeLead('L-MOVE', 'SZ-NS-S01-B1', FIXED_NOW) }]);
    await pull(ft, c.url, TOKEN, { since: ft.seq, epoch: ft.epoch!, scope: 'SZ-FT' });
    await pull(ns, c.url, TOKEN, { since: ns.seq, epoch: ns.epoch!, scope: 'SZ-NS' });
    expect(ft.records.has('lead\u0000L-MOVE')).toBe(false);
    expect(ns.records.get('lead\u0000L-MOVE')).toBe(2);
    // Its timeline moves with it.
    expect([...ft.records.keys()].filter((k) => k.includes('L-MOVE'))).toEqual([]);
  });

  describe('409 resets', () => {
    it('epoch_changed after a restore', async () => {
      const c = await centre();
      const s = new FeedState();
      await pull(s, c.url, TOKEN, { since: 0 });
      await c.store.resetEpoch();
      const res = await fetch(`${c.url}/v1/changes?since=${s.seq}&epoch=${s.epoch}`, { headers: { Authorization: `Bearer ${TOKEN}` } });
      expect(res.status).toBe(409);
      expect(await res.json()).toMatchObject({ reset: 'epoch_changed', epoch: c.store.epoch });
    });
    it('since_too_old after tombstones are purged', async () => {
      const c = await centre({ historyDays: 0 });
      await c.store.write([{ t: 'put', e: 'lead', d: makeLead('L-GONE', 'SZ-FT-S01-B1', FIXED_NOW) }]);
      const s = new FeedState();
      await pull(s, c.url, TOKEN, { since: 0 });
      await c.store.write([{ t: 'del', e: 'lead', id: 'L-GONE' }]);
      expect((await c.store.purgeTombstones(FIXED_NOW + 1))).toBe(1);
      const res = await fetch(`${c.url}/v1/changes?since=${s.seq}&epoch=${s.epoch}`, { headers: { Authorization: `Bearer ${TOKEN}` } });
      expect(res.status).toBe(409);
      expect(await res.json()).toMatchObject({ reset: 'since_too_old' });
      // A position at or after the purge is still served.
      expect((await fetch(`${c.url}/v1/changes?since=${(await c.store.headSeq())}&epoch=${s.epoch}`, { headers: { Authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
    });
    it('schema_incompatible for a client holding another record schema', async () => {
      const c = await centre();
      const res = await fetch(`${c.url}/v1/changes?since=0&schema=99`, { headers: { Authorization: `Bearer ${TOKEN}` } });
      expect(res.status).toBe(409);
      expect(await res.json()).toMatchObject({ reset: 'schema_incompatible' });
    });
  });

  it('gzips the feed when asked, with the same lines', async () => {
    const c = await centre();
    const plain = await (await fetch(`${c.url}/v1/changes?since=0`, { headers: { Authorization: `Bearer ${TOKEN}`, 'Accept-Encoding': 'identity' } })).text();
    const raw = await new Promise<{ encoding: string | undefined; body: Buffer }>((resolve) =>
      http.get(`${c.url}/v1/changes?since=0`, { headers: { Authorization: `Bearer ${TOKEN}`, 'Accept-Encoding': 'gzip' } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () => resolve({ encoding: res.headers['content-encoding'], body: Buffer.concat(chunks) }));
      }),
    );
    expect(raw.encoding).toBe('gzip');
    const unzipped = gunzipSync(raw.body).toString('utf8');
    const strip = (t: string) => t.replace(/"serverTime":\d+/g, '');
    expect(strip(unzipped)).toBe(strip(plain));
    expect(raw.body.length).toBeLessThan(plain.length / 3);
  });

  it('sends heartbeats on a quiet live stream, with serverTime', async () => {
    const c = await centre({ heartbeatMs: 100 });
    const beats: Record<string, unknown>[] = [];
    await follow(c.url, '/v1/changes?since=0&live=1', (line) => {
      if (line['t'] === 'heartbeat') beats.push(line);
      return beats.length === 2;
    });
    expect(beats[0]).toEqual({ t: 'heartbeat', seq: (await c.store.headSeq()), serverTime: FIXED_NOW });
  });
});

describe('mutations', () => {
  it('a mutation retried after its response was lost applies once', async () => {
    const c = await centre({ historyDays: 0 });
    // A link that forwards the request and then drops the connection before the answer.
    const dropper = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (d: Buffer) => chunks.push(d));
      req.on('end', () => {
        void fetch(c.url + req.url, { method: 'POST', headers: { Authorization: req.headers.authorization!, 'Content-Type': 'application/json' }, body: Buffer.concat(chunks) }).then(() =>
          res.destroy(),
        );
      });
    });
    await new Promise<void>((r) => dropper.listen(0, '127.0.0.1', () => r()));
    cleanup.push(() => new Promise<void>((r) => dropper.close(() => r())));
    const body = JSON.stringify({
      clientId: 'wall-7',
      mutations: [
        { id: 1, name: 'note.add', args: { id: 'N-A', unitId: 'SZ-FT', kind: 'meeting', body: '纪要一', author: '值班长', createdAt: FIXED_NOW } },
        { id: 2, name: 'note.add', args: { id: 'N-B', unitId: 'SZ-FT', kind: 'review', body: '复盘', author: '值班长', createdAt: FIXED_NOW } },
      ],
    });
    const headers = { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' };
    await expect(fetch(`http://127.0.0.1:${(dropper.address() as AddressInfo).port}/v1/mutations`, { method: 'POST', headers, body })).rejects.toThrow();
    const seqAfterFirst = (await c.store.headSeq());
    const retry = await fetch(`${c.url}/v1/mutations`, { method: 'POST', headers, body });
    expect(await retry.json()).toMatchObject({ lastMutationId: 2 });
    expect((await c.store.headSeq())).toBe(seqAfterFirst);
    const notes = (await c.store.live('note')).map((r) => ({ id: r.id, v: r.v }));
    expect(notes).toEqual([{ id: 'N-A', v: 1 }, { id: 'N-B', v: 1 }]);
  });

  it('rejects a bad mutation clearly and applies nothing of its request', async () => {
    const c = await centre({ historyDays: 0 });
    const seq = (await c.store.headSeq());
    const res = await fetch(`${c.url}/v1/mutations`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        clientId: 'wall-8',
        mutations: [
          { id: 1, name: 'note.add', args: { id: 'N-OK', unitId: 'SZ-FT', kind: 'meeting', body: 'ok', author: 'a', createdAt: FIXED_NOW } },
          { id: 2, name: 'note.add', args: { id: 'N-BAD', leadId: 'L-NOPE', kind: 'review', body: 'x', author: 'a', createdAt: FIXED_NOW } },
        ],
      }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'note N-BAD: lead L-NOPE does not exist' });
    expect((await c.store.headSeq())).toBe(seq);
    expect((await c.store.lastMutationId('wall-8'))).toBe(0);
  });
});

describe('as-of snapshots (since=0&asOf=T)', () => {
  type Line = Record<string, unknown>;
  async function lines(url: string, params: string): Promise<{ status: number; body: Line[] | { error: string } }> {
    const res = await fetch(`${url}/v1/changes?${params}`, { headers: { Authorization: `Bearer ${TOKEN}` } });
    const text = await res.text();
    if (res.status !== 200) return { status: res.status, body: JSON.parse(text) as { error: string } };
    return { status: 200, body: text.trim().split('\n').map((l) => JSON.parse(l) as Line) };
  }
  /** What a snapshot says the state is: each put's (e, id, v, d), and the final checkpoint's counts and sums. */
  function state(ls: Line[]) {
    const puts = ls.filter((l) => l['t'] === 'put').map((l) => `${String(l['e'])}|${String(l['id'])}|${String(l['v'])}|${JSON.stringify(l['d'])}`).sort();
    const cps = ls.filter((l) => l['t'] === 'checkpoint');
    const last = cps[cps.length - 1]!;
    return { puts, counts: last['counts'], sums: last['sums'], pages: cps.length };
  }
  /** Independent: counts and sums recomputed from the lines themselves. */
  function recount(ls: Line[]) {
    const counts: Record<string, number> = {};
    const sums: Record<string, number> = {};
    for (const l of ls) {
      if (l['t'] !== 'put') continue;
      const e = l['e'] as string;
      counts[e] = (counts[e] ?? 0) + 1;
      sums[e] = addCrc(sums[e] ?? 0, recordCrc(l['id'] as string, l['v'] as number));
    }
    return { counts, sums };
  }

  it('answers the state as it stood at T, whatever was corrected, voided, deleted, moved or added after T, paged', async () => {
    let t = FIXED_NOW;
    const c = await centre({ historyDays: 0, clock: () => t });
    const unit = 'SZ-FT-S01-B1';
    const t0 = FIXED_NOW - 10 * 60_000;
    t = FIXED_NOW + 1_000;
    await c.store.write([
      { t: 'put', e: 'lead', d: makeLead('L-A', unit, t0) },
      { t: 'put', e: 'lead', d: makeLead('L-B', unit, t0) },
      { t: 'put', e: 'lead', d: makeLead('L-C', unit, t0) },
      { t: 'put', e: 'lead', d: makeLead('L-D', unit, t0) },
    ]);
    t = FIXED_NOW + 2_000;
    await c.store.write([{ t: 'put', e: 'lead', d: makeLead('L-A', unit, t0, { metAt: t0 + 60_000 }) }]); // v2, before T
    const T = FIXED_NOW + 5_000;
    t = T;
    const atT = await lines(c.url, 'since=0');
    const atTBranch = await lines(c.url, 'since=0&scope=SZ-FT');
    // After the cut-off: an outcome corrected, a lead voided, one deleted, one moved to another branch, one added.
    t = FIXED_NOW + 60_000;
    await c.store.write([{ t: 'put', e: 'lead', d: makeLead('L-A', unit, t0, { metAt: t0 + 60_000, feedbackAt: t0 + 30 * 60_000, outcome: 'defrauded_after_warning', lossAmount: 900 }) }]);
    await c.store.write([{ t: 'put', e: 'lead', d: makeLead('L-B', unit, t0, { voided: true }) }]);
    await c.store.write([{ t: 'del', e: 'lead', id: 'L-C' }]);
    await c.store.write([{ t: 'put', e: 'lead', d: makeLead('L-D', 'SZ-LH-S01-B1', t0) }]);
    await c.store.write([{ t: 'put', e: 'lead', d: makeLead('L-E', unit, t0) }]);

    const now = await lines(c.url, 'since=0');
    expect(state(now.body as Line[]).puts).not.toEqual(state(atT.body as Line[]).puts);
    for (const [params, before] of [
      [`since=0&asOf=${T}`, atT],
      [`since=0&asOf=${T}&limit=7`, atT],
      [`since=0&asOf=${T}&scope=SZ-FT`, atTBranch],
    ] as const) {
      const asOf = await lines(c.url, params);
      expect(asOf.status, params).toBe(200);
      const got = state(asOf.body as Line[]);
      const want = state(before.body as Line[]);
      expect(got.puts, params).toEqual(want.puts);
      expect(got.counts, params).toEqual(want.counts);
      expect(got.sums, params).toEqual(want.sums);
      expect(recount(asOf.body as Line[]), params).toEqual({ counts: got.counts, sums: got.sums });
      if (params.includes('limit=7')) expect(got.pages).toBeGreaterThan(2);
      for (const l of asOf.body as Line[]) if (l['t'] === 'put') expect(l['ts'] as number).toBeLessThanOrEqual(T);
    }
    // Every put and del line carries its commit time.
    const tail = (await lines(c.url, `since=${(atT.body as Line[]).at(-1)!['seq'] as number}&epoch=${c.store.epoch}`)).body as Line[];
    const changes = tail.filter((l) => l['t'] !== 'checkpoint');
    expect(changes.length).toBeGreaterThanOrEqual(5);
    for (const l of changes) expect(l['ts']).toBe(FIXED_NOW + 60_000);
    expect(changes.some((l) => l['t'] === 'del' && l['id'] === 'L-C')).toBe(true);
  });

  it('keeps history for the retention asked, refuses times before it, after now, or with other parameters', async () => {
    let t = FIXED_NOW;
    const c = await centre({ historyDays: 0, clock: () => t });
    const unit = 'SZ-FT-S01-B1';
    t = FIXED_NOW + 1_000;
    await c.store.write([{ t: 'put', e: 'lead', d: makeLead('L-A', unit, FIXED_NOW) }]);
    t = FIXED_NOW + 2_000;
    await c.store.write([{ t: 'put', e: 'lead', d: makeLead('L-A', unit, FIXED_NOW, { metAt: FIXED_NOW + 1 }) }]);
    t = FIXED_NOW + 3_000;
    await c.store.write([{ t: 'del', e: 'lead', id: 'L-A' }]);
    t = FIXED_NOW + 10_000;
    const leadAt = async (T: number) => ((await lines(c.url, `since=0&asOf=${T}`)).body as Line[]).filter((l) => l['e'] === 'lead').map((l) => `${String(l['id'])}:${String(l['v'])}`);
    expect(await leadAt(FIXED_NOW + 1_500)).toEqual(['L-A:1']);
    expect(await leadAt(FIXED_NOW + 2_500)).toEqual(['L-A:2']);
    expect(await leadAt(FIXED_NOW + 3_500)).toEqual([]);
    expect((await c.store.purgeHistory(FIXED_NOW + 2_500))).toBe(1); // v1, superseded by v2 before then
    expect(await leadAt(FIXED_NOW + 2_500)).toEqual(['L-A:2']);
    const old = await lines(c.url, `since=0&asOf=${FIXED_NOW + 1_500}`);
    expect(old.status).toBe(400);
    expect((old.body as { error: string }).error).toMatch(/before the history/);
    expect((await lines(c.url, `since=0&asOf=${t + 60_000}`)).status).toBe(400);
    expect((await lines(c.url, `since=5&epoch=${c.store.epoch}&asOf=${t}`)).status).toBe(400);
    expect((await lines(c.url, `since=0&live=1&asOf=${t}`)).status).toBe(400);
  });

  it('a centre that keeps no history answers 400 asOf not supported, and still serves the feed', async () => {
    const c = await centre({ historyDays: 0, keepHistory: false });
    const res = await lines(c.url, `since=0&asOf=${FIXED_NOW}`);
    expect(res).toMatchObject({ status: 400, body: { error: 'asOf not supported' } });
    expect((await lines(c.url, 'since=0')).status).toBe(200);
    expect(await countRows(c.store, 'history')).toBe(0);
  });
});
});
