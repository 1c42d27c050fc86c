// The live feed's fan-out (central/tail.ts): displays of one scope share one read of the log per
// commit, every one of them converges, and a display that stops reading is cut off with bounded
// memory at the centre, then resumes from its seq.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { FeedState, pull } from '../tests/support/feed-client.js';
import { centreForTest, FIXED_NOW } from '../tests/support/harness.js';
import { makeLead } from '../tests/support/records.js';
import { centreDigests, rowDifferences } from '../tests/support/rows.js';
import type { Centre } from './centre.js';
import { createRng } from './rng.js';
import { createCentralServer, type CentralServer, type CentralServerOptions } from './server.js';
import type { CentralStore, StoreReader, WriteOp } from './store.js';
import { createTokenRegistry } from './tokens.js';

const TOKEN = 'test-token';
let cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanup.reverse()) await f();
  cleanup = [];
});

/** The store as the server sees it, counting each read of the log (rows after a seq) and of scope statistics, on the store or a snapshot's reader. */
function countingStore(store: CentralStore): { store: CentralStore; reads: { rowsAfter: number; stats: number } } {
  const reads = { rowsAfter: 0, stats: 0 };
  const counting = <T extends object>(target: T): T =>
    new Proxy(target, {
      get(t, prop) {
        // Bound to the real object: its private fields do not exist on the proxy.
        const value = Reflect.get(t, prop, t) as unknown;
        if (typeof value !== 'function') return value;
        const fn = (value as (...a: unknown[]) => unknown).bind(t);
        if (prop === 'rowsAfter' || prop === 'stats') {
          return (...args: unknown[]) => {
            reads[prop]++;
            return fn(...args);
          };
        }
        if (prop === 'snapshot') return (read: (reader: StoreReader) => Promise<unknown>) => fn((reader: StoreReader) => read(counting(reader)));
        return fn;
      },
    });
  return { store: counting(store), reads };
}

/** A second server over the centre's store (wrapped), so the test sees every read the feed makes. */
async function serverOver(c: Centre, store: CentralStore, extra: Partial<CentralServerOptions> = {}): Promise<{ url: string; server: CentralServer }> {
  const server = createCentralServer({
    store,
    clock: c.clock,
    tokens: createTokenRegistry(new Map([[TOKEN, 'SZ']]), null),
    rateLimit: { perSecond: 10_000, burst: 10_000 },
    maxStreams: 1_000,
    ...extra,
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  cleanup.push(
    () =>
      new Promise<void>((resolve) => {
        server.endStreams();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

/**
 * A live display: applies each page whole when its checkpoint arrives (as the app does), so what
 * it holds is always a state the centre had. `ended` resolves when the centre ends the stream.
 */
function liveDisplay(url: string, params: Record<string, string | number>) {
  const state = new FeedState();
  let pageBytes = 0;
  let largestPage = 0;
  let pages = 0;
  let pending: Record<string, unknown>[] = [];
  let res: http.IncomingMessage | null = null;
  const q = new URLSearchParams(Object.entries({ ...params, live: 1 }).map(([k, v]): [string, string] => [k, String(v)]));
  let ended!: () => void;
  const end = new Promise<void>((r) => (ended = r));
  const req = http.get(`${url}/v1/changes?${q}`, { headers: { Authorization: `Bearer ${TOKEN}` } }, (r) => {
    res = r;
    let buf = '';
    r.setEncoding('utf8');
    r.on('data', (chunk: string) => {
      buf += chunk;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const text = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        pageBytes += text.length + 1;
        const line = JSON.parse(text) as Record<string, unknown>;
        if (line['t'] === 'heartbeat') continue;
        pending.push(line);
        if (line['t'] === 'checkpoint') {
          for (const l of pending) state.apply(l as never);
          pending = [];
          largestPage = Math.max(largestPage, pageBytes);
          pageBytes = 0;
          pages++;
        }
      }
    });
    r.on('close', () => ended());
  });
  req.on('error', () => ended());
  cleanup.push(() => void req.destroy());
  return {
    state,
    ended: end,
    get largestPage() {
      return largestPage;
    },
    /** Pages applied (each ends with a checkpoint). */
    get pages() {
      return pages;
    },
    pause: () => res?.pause(),
    resume: () => res?.resume(),
    close: () => req.destroy(),
  };
}

/** Random leads put, updated, moved between branches and deleted: rows in and out of a branch's scope. */
function writer(c: Centre, seed: number) {
  const rng = createRng(seed);
  const branches = ['SZ-FT', 'SZ-NS', 'SZ-BA'];
  const live: string[] = [];
  let n = 0;
  return async (): Promise<void> => {
    const ops: WriteOp[] = [];
    for (let i = rng.int(1, 4); i > 0; i--) {
      const r = rng.next();
      if (r < 0.5 || live.length < 4) {
        const id = `L-T${seed}-${n++}`;
        live.push(id);
        ops.push({ t: 'put', e: 'lead', d: makeLead(id, `${rng.pick(branches)}-S01-B${rng.int(1, 3)}`, FIXED_NOW) });
      } else {
        const id = live.splice(rng.int(0, live.length - 1), 1)[0]!;
        if (ops.some((o) => (o.t === 'put' ? o.d.id : o.id) === id)) continue;
        if (r < 0.8) {
          live.push(id);
          ops.push({ t: 'put', e: 'lead', d: makeLead(id, `${rng.pick(branches)}-S01-B1`, FIXED_NOW, { riskScore: rng.int(1, 99) }) });
        } else ops.push({ t: 'del', e: 'lead', id });
      }
    }
    if (ops.length) await c.store.write(ops);
  };
}

async function expectConverged(c: Centre, scope: string, state: FeedState, who: string): Promise<void> {
  const truth = await c.store.stats((await c.store.unitPath(scope))!);
  expect({ who, ...state.stats() }).toEqual({ who, counts: truth.counts, sums: truth.sums });
  expect({ who, diff: rowDifferences(state.digests(), await centreDigests(c, scope)) }).toEqual({ who, diff: [] });
}

describe('the live feed fan-out', () => {
  it('50 live displays of one branch share one read of the log per commit, and all converge', async () => {
    const c = await centreForTest({ historyDays: 0 });
    cleanup.push(() => c.close());
    const counted = countingStore(c.store);
    // Commits that touch other branches reach these displays as a coalesced checkpoint: soon, here.
    const { url, server } = await serverOver(c, counted.store, { checkpointEveryMs: 50 });
    const write = writer(c, 3);
    for (let i = 0; i < 10; i++) await write();
    const displays = Array.from({ length: 50 }, () => liveDisplay(url, { since: 0, scope: 'SZ-FT', limit: 50 }));
    const start = await c.store.headSeq();
    await expect.poll(() => displays.every((d) => d.state.seq === start), { timeout: 30_000 }).toBe(true);

    const before = { ...counted.reads };
    const COMMITS = 30;
    for (let i = 0; i < COMMITS; i++) {
      await write();
      const head = await c.store.headSeq();
      // One commit at a time, so none is folded into another's read.
      await expect.poll(() => displays.every((d) => d.state.seq === head), { timeout: 20_000 }).toBe(true);
    }
    // One page per commit for the whole scope: without the shared tail this is 50 per commit.
    expect(counted.reads.rowsAfter - before.rowsAfter).toBeLessThanOrEqual(COMMITS);
    expect(counted.reads.stats - before.stats).toBeLessThanOrEqual(COMMITS);
    for (const [i, d] of displays.entries()) await expectConverged(c, 'SZ-FT', d.state, `display ${i}`);
    expect(server.fanout()).toMatchObject({ members: 50, tails: 1 });
  }, 90_000);

  it('displays that connect while writers commit catch up on their own, join the tail and converge, whatever their scope and page size', async () => {
    const c = await centreForTest({ historyDays: 0 });
    cleanup.push(() => c.close());
    const { url, server } = await serverOver(c, c.store);
    const write = writer(c, 5);
    for (let i = 0; i < 40; i++) await write();
    const kinds = [
      { scope: 'SZ-FT', limit: 3 },
      { scope: 'SZ-FT', limit: 50 },
      { scope: 'SZ', limit: 7 },
      { scope: 'SZ-NS-S01', limit: 5 },
    ];
    const displays: { scope: string; d: ReturnType<typeof liveDisplay> }[] = [];
    // Each display connects between commits, so most of them start behind a moving tail.
    for (let i = 0; i < 24; i++) {
      const k = kinds[i % kinds.length]!;
      displays.push({ scope: k.scope, d: liveDisplay(url, { since: 0, scope: k.scope, limit: k.limit }) });
      for (let j = 0; j < 3; j++) {
        await write();
        await new Promise<void>((r) => setImmediate(r));
      }
    }
    await write();
    const head = await c.store.headSeq();
    await expect.poll(() => displays.every(({ d }) => d.state.seq === head), { timeout: 30_000 }).toBe(true);
    expect(server.fanout()).toMatchObject({ members: 24, tails: kinds.length });
    for (const [i, { scope, d }] of displays.entries()) await expectConverged(c, scope, d.state, `display ${i} of ${scope}`);
  }, 90_000);

  it('a commit that puts nothing in a scope sends its displays no page of its own: they get its seq with the next page for the scope', async () => {
    const c = await centreForTest({ historyDays: 0 });
    cleanup.push(() => c.close());
    // A flush interval no test run reaches: only a page for the scope can move its displays on.
    const { url } = await serverOver(c, c.store, { checkpointEveryMs: 3_600_000 });
    const ft = liveDisplay(url, { since: 0, scope: 'SZ-FT' });
    const ns = liveDisplay(url, { since: 0, scope: 'SZ-NS' });
    const start = await c.store.headSeq();
    await expect.poll(() => ft.state.seq === start && ns.state.seq === start, { timeout: 20_000 }).toBe(true);
    const nsPages = ns.pages;
    const COMMITS = 10;
    for (let i = 0; i < COMMITS; i++) {
      await c.store.write([{ t: 'put', e: 'lead', d: makeLead(`L-FT-${i}`, 'SZ-FT-S01-B1', FIXED_NOW) }]);
      const head = await c.store.headSeq();
      await expect.poll(() => ft.state.seq, { timeout: 20_000 }).toBe(head);
    }
    // Every Futian commit reached the Futian display; the Nanshan display got none of them.
    expect(ns.pages).toBe(nsPages);
    expect(ns.state.seq).toBe(start);
    await c.store.write([{ t: 'put', e: 'lead', d: makeLead('L-NS-1', 'SZ-NS-S01-B1', FIXED_NOW) }]);
    const head = await c.store.headSeq();
    await expect.poll(() => ns.state.seq, { timeout: 20_000 }).toBe(head);
    expect(ns.pages).toBe(nsPages + 1);
    await expectConverged(c, 'SZ-NS', ns.state, 'the Nanshan display');
    await expectConverged(c, 'SZ-FT', ft.state, 'the Futian display');
  }, 90_000);

  it('a display whose scope no commit touches still reaches the head: the pending checkpoint goes out by itself', async () => {
    const c = await centreForTest({ historyDays: 0 });
    cleanup.push(() => c.close());
    const { url } = await serverOver(c, c.store, { checkpointEveryMs: 50 });
    const ns = liveDisplay(url, { since: 0, scope: 'SZ-NS' });
    const start = await c.store.headSeq();
    await expect.poll(() => ns.state.seq, { timeout: 20_000 }).toBe(start);
    const nsPages = ns.pages;
    for (let i = 0; i < 5; i++) await c.store.write([{ t: 'put', e: 'lead', d: makeLead(`L-FT-${i}`, 'SZ-FT-S01-B1', FIXED_NOW) }]);
    const head = await c.store.headSeq();
    expect(head).toBeGreaterThan(start);
    await expect.poll(() => ns.state.seq, { timeout: 20_000 }).toBe(head);
    // It got there by checkpoints alone (no rows were for its scope).
    expect(ns.pages - nsPages).toBeGreaterThan(0);
    expect(ns.state.stats().counts).toEqual((await c.store.stats((await c.store.unitPath('SZ-NS'))!)).counts);
    await expectConverged(c, 'SZ-NS', ns.state, 'the Nanshan display');
  }, 90_000);

  it('a restore (new epoch) ends every live display; each reconnects from its seq and gets 409 epoch_changed', async () => {
    const c = await centreForTest({ historyDays: 0 });
    cleanup.push(() => c.close());
    const { url, server } = await serverOver(c, c.store);
    const displays = ['SZ', 'SZ-FT', 'SZ-FT'].map((scope) => liveDisplay(url, { since: 0, scope }));
    const head = await c.store.headSeq();
    await expect.poll(() => displays.every((d) => d.state.seq === head), { timeout: 20_000 }).toBe(true);
    await c.store.resetEpoch();
    await Promise.all(displays.map((d) => d.ended));
    expect(server.fanout().members).toBe(0);
    const res = await fetch(`${url}/v1/changes?since=${displays[0]!.state.seq}&epoch=${displays[0]!.state.epoch}&live=1`, { headers: { Authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(409);
    expect(await res.json()).toMatchObject({ reset: 'epoch_changed', epoch: c.store.epoch });
  });

  it('cuts off a display that stops reading, keeping what is queued for it bounded; it resumes from its seq and converges', async () => {
    const c = await centreForTest({ historyDays: 0 });
    cleanup.push(() => c.close());
    const maxQueuedBytes = 64 * 1024;
    const { url, server } = await serverOver(c, c.store, { maxQueuedBytes });
    const slow = liveDisplay(url, { since: 0, scope: 'SZ' });
    const fast = liveDisplay(url, { since: 0, scope: 'SZ' });
    await expect.poll(() => slow.state.seq > 0 && fast.state.seq > 0, { timeout: 20_000 }).toBe(true);
    slow.pause();
    // Commits of 50 leads each go on until the centre gives up on the display that is not
    // reading (the loopback socket's own buffers take a few MB first).
    let commits = 0;
    while (server.fanout().cutOff === 0 && commits < 2_000) {
      await c.store.write(Array.from({ length: 50 }, (_, k): WriteOp => ({ t: 'put', e: 'lead', d: makeLead(`L-S-${commits}-${k}`, 'SZ-FT-S01-B1', FIXED_NOW) })));
      commits++;
      await new Promise<void>((r) => setImmediate(r));
    }
    expect(server.fanout().cutOff).toBe(1);
    expect(server.fanout().members).toBe(1);
    // What the centre held for it never went beyond the bound plus the one page that crossed it.
    expect(fast.largestPage).toBeGreaterThan(0);
    expect(server.fanout().peakQueued).toBeLessThanOrEqual(maxQueuedBytes + fast.largestPage);

    // It reads what reached it and finds its stream ended, then reconnects from the seq of its
    // last whole page.
    slow.resume();
    await slow.ended;
    const resumedFrom = slow.state.seq;
    expect(resumedFrom).toBeGreaterThan(0);
    expect(resumedFrom).toBeLessThan(await c.store.headSeq());
    let cp;
    do cp = await pull(slow.state, url, TOKEN, { since: slow.state.seq, epoch: slow.state.epoch!, scope: 'SZ' });
    while (cp.more);
    await expectConverged(c, 'SZ', slow.state, 'the slow display');
    await expect.poll(() => fast.state.seq, { timeout: 20_000 }).toBe(await c.store.headSeq());
    await expectConverged(c, 'SZ', fast.state, 'the fast display');
  }, 120_000);
});
