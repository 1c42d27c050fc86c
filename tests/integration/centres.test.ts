// Many centre processes on one PostgreSQL database (#17): each a real `central` child process.
// A display following one process is woken by a write through another (LISTEN/NOTIFY, no
// polling), and when a process is killed its displays resume from another at their own seq,
// because the seqs live in the database.
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openPgStore } from '../../central/pgStore.js';
import { FeedState, pull } from '../support/feed-client.js';
import { FIXED_NOW } from '../support/harness.js';
import { freshDatabase } from '../support/pg.js';
import { centreDigests, rowDifferences } from '../support/rows.js';

const TOKEN = 'multi-token';
let cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanup.reverse()) await f();
  cleanup = [];
});

/** Starts `central` on the database; resolves with its URL once it listens. */
function startProcess(store: string): Promise<{ url: string; child: ChildProcess }> {
  const args = ['--port', '0', '--store', store, '--seed', '11', '--speed', '0', '--now', String(FIXED_NOW), '--history-days', '0', '--leads-per-day', '200', '--token', TOKEN, '--heartbeat-ms', '1000'];
  const child = spawn(process.execPath, [join('dist', 'node', 'central.js'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  cleanup.push(() => {
    if (child.exitCode === null && child.signalCode === null) {
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      return gone.then(() => undefined);
    }
  });
  let out = '';
  return new Promise((resolve, reject) => {
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /centre listening on (\S+)/.exec(out);
      if (m) resolve({ url: m[1]!, child });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`central exited ${code} before listening:\n${out}`)));
  });
}

/** A live follower of one centre: applies every line to a FeedState and wakes waiters. */
function followLive(url: string, params: string) {
  const state = new FeedState();
  const arrivals = new Map<string, number>();
  const waiters = new Set<() => void>();
  let ended = false;
  const req = http.get(`${url}/v1/changes?${params}&live=1`, { headers: { Authorization: `Bearer ${TOKEN}` } }, (res) => {
    let buf = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      buf += chunk;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = JSON.parse(buf.slice(0, nl)) as { t: string; id?: string; seq: number };
        buf = buf.slice(nl + 1);
        state.apply(line);
        if (line.t === 'put' && line.id) arrivals.set(line.id, performance.now());
      }
      for (const w of waiters) w();
    });
    res.on('close', () => {
      ended = true;
      for (const w of waiters) w();
    });
  });
  req.on('error', () => {
    ended = true;
    for (const w of waiters) w();
  });
  cleanup.push(() => void req.destroy());
  return {
    state,
    arrivals,
    get ended() {
      return ended;
    },
    /** Resolves when `pred` holds (checked on every chunk), or rejects after timeoutMs. */
    until(pred: () => boolean, timeoutMs = 20_000): Promise<void> {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!pred()) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timed out; seq ${state.seq}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
  };
}

async function note(url: string, clientId: string, id: number, noteId: string): Promise<number> {
  const res = await fetch(`${url}/v1/mutations`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ clientId, mutations: [{ id, name: 'note.add', args: { id: noteId, unitId: 'SZ-FT', kind: 'meeting', body: `纪要 ${noteId}`, author: '值班长', createdAt: FIXED_NOW } }] }),
  });
  expect(res.status).toBe(200);
  return performance.now();
}

describe('many centre processes on one PostgreSQL database', () => {
  it('a display following B sees at once what was written through A, and the other way round', async () => {
    const db = await freshDatabase();
    cleanup.push(() => db.drop());
    // The first process seeds the new database; the second finds it seeded.
    const a = await startProcess(db.url);
    const b = await startProcess(db.url);
    const onB = followLive(b.url, 'since=0');
    const onA = followLive(a.url, 'since=0');
    await onB.until(() => onB.state.lastCheckpoint !== null);
    await onA.until(() => onA.state.lastCheckpoint !== null);
    expect(onB.state.stats()).toEqual(onA.state.stats());

    const latencies: number[] = [];
    for (let i = 1; i <= 10; i++) {
      const [via, other] = i % 2 ? [a, onB] : [b, onA];
      const id = `N-MULTI-${i}`;
      const answered = await note(via.url, 'wall-multi', i, id);
      await other.until(() => other.arrivals.has(id), 10_000);
      latencies.push(Math.max(0, other.arrivals.get(id)! - answered));
    }
    // Woken across processes by NOTIFY: nothing in the PostgreSQL store polls, so a missing
    // wake-up would never arrive within the wait at all. The bound is loose for a loaded machine.
    console.log(`cross-process write → other process's display, ms: ${latencies.map((l) => l.toFixed(1)).join(' ')}`);
    expect(Math.max(...latencies)).toBeLessThan(1_000);
    const all = Array.from({ length: 10 }, (_, i) => `N-MULTI-${i + 1}`);
    for (const f of [onA, onB]) await f.until(() => all.every((id) => f.arrivals.has(id)) && f.state.lastCheckpoint!.seq === f.state.seq);
    expect(onA.state.stats()).toEqual(onB.state.stats());
  }, 120_000);

  it('kill the process a display follows: it resumes from another at its own seq, missing nothing', async () => {
    const db = await freshDatabase();
    cleanup.push(() => db.drop());
    const a = await startProcess(db.url);
    const b = await startProcess(db.url);
    const onA = followLive(a.url, 'since=0');
    await onA.until(() => onA.state.lastCheckpoint !== null);
    await note(a.url, 'wall-kill', 1, 'N-BEFORE');
    await onA.until(() => onA.arrivals.has('N-BEFORE'));
    const { seq, epoch } = { seq: onA.state.seq, epoch: onA.state.epoch! };

    a.child.kill('SIGKILL');
    await onA.until(() => onA.ended);
    // Written while the display is away, through the surviving process.
    await note(b.url, 'wall-kill', 2, 'N-AFTER-1');
    await note(b.url, 'wall-kill', 3, 'N-AFTER-2');

    // The display's own position and epoch are good at B: no reset, only what it missed.
    const cp = await pull(onA.state, b.url, TOKEN, { since: seq, epoch });
    expect(cp.epoch).toBe(epoch);
    expect(onA.state.records.has('note\u0000N-AFTER-1')).toBe(true);
    expect(onA.state.records.has('note\u0000N-AFTER-2')).toBe(true);
    const store = await openPgStore(db.url);
    cleanup.push(() => store.close());
    expect(cp.seq).toBe(await store.headSeq());
    expect(onA.state.stats()).toEqual({ counts: cp.counts, sums: cp.sums });
    expect(rowDifferences(onA.state.digests(), await centreDigests({ store }))).toEqual([]);
    // The note written through A before the kill is applied once, as B knows.
    expect(await store.lastMutationId('wall-kill')).toBe(3);
  }, 120_000);
});
