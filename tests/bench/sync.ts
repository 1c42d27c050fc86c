// bench:sync — in one run, on the same data:
//   (a) initial sync of N leads (default 1,000,000) from the reference centre over loopback into
//       the replica: time and peak RSS of the syncing process;
//   (b) the floor: the same NDJSON parsed and inserted into the same schema in one process, no
//       sync logic; the ratio a/b (goal ≤ 1.3; RSS goal ≤ 600 MB);
//   (c) centre commit → replica commit at 100 events/s: p50/p99 (goal p99 ≤ 100 ms);
//   (d) catch-up of 20,000 changes after an outage (goal ≤ 2 s);
//   (e) p50/p99 of each screen query on the synced replica (goal p99 ≤ 5 ms).
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { createInterface } from 'node:readline';
import { finishBench, type Goal } from '../support/bench-goals.js';

const LEADS = Number(process.env['BENCH_LEADS'] ?? 1_000_000);
const NOW = Date.UTC(2026, 10, 20, 4);
const here = (f: string) => fileURLToPath(new URL(f, import.meta.url));
const worker = new Worker(here('./central.worker.js'), { workerData: { leads: LEADS, now: NOW, spreadDays: 365 } });
const fromWorker = <T>(type: string) =>
  new Promise<T>((resolve) => {
    const on = (m: { type: string }) => {
      if (m.type === type) {
        worker.off('message', on);
        resolve(m as T);
      }
    };
    worker.on('message', on);
  });

const { url, seq: head } = await fromWorker<{ url: string; seq: number }>('ready');
console.log(`centre ready with ${LEADS} leads (seq ${head})`);

// The NDJSON the floor parses: the same snapshot the sync receives.
const file = join(mkdtempSync(join(tmpdir(), 'bench-ndjson-')), 'snapshot.ndjson');
{
  const res = await fetch(`${url}/v1/changes?since=0&limit=10000`, { headers: { Authorization: 'Bearer bench' } });
  const out = createWriteStream(file);
  for await (const chunk of res.body as AsyncIterable<Uint8Array>) if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
  await new Promise<void>((r) => out.end(() => r()));
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- messages from our own child, typed at each use
type Msg = any;
function child(mode: 'sync' | 'floor', arg: string): { proc: ChildProcess; next(type: string): Promise<Msg>; send(o: object): void; all: Msg[] } {
  const prof = process.env['BENCH_PROF'] ? ['--cpu-prof', `--cpu-prof-dir=${process.env['BENCH_PROF']}`] : [];
  const proc = spawn(process.execPath, [...prof, here('./sync.child.js'), mode, arg], { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, BENCH_HEAD: String(head) } });
  const all: Msg[] = [];
  const waiters: { type: string; resolve: (m: Msg) => void }[] = [];
  createInterface({ input: proc.stdout! }).on('line', (line) => {
    const m = JSON.parse(line) as Msg;
    all.push(m);
    const i = waiters.findIndex((w) => w.type === m.type);
    if (i >= 0) waiters.splice(i, 1)[0]!.resolve(m);
  });
  return {
    proc,
    all,
    next: (type) => new Promise((resolve) => waiters.push({ type, resolve })),
    send: (o) => proc.stdin!.write(JSON.stringify(o) + '\n'),
  };
}

// (b) the floor first, alone on the machine.
const floorProc = child('floor', file);
const floor = (await floorProc.next('floor')) as { ms: number; rssMB: number };
console.log(`(b) floor: ${(floor.ms / 1000).toFixed(2)} s, peak RSS ${floor.rssMB} MB`);

// (a) the real sync.
const sync = child('sync', url);
const synced = (await sync.next('synced')) as { ms: number; rssMB: number };
console.log(`(a) initial sync: ${(synced.ms / 1000).toFixed(2)} s, peak RSS ${synced.rssMB} MB; a/b = ${(synced.ms / floor.ms).toFixed(2)}`);

// (e) screen queries on the synced replica.
sync.send({ type: 'queries', asOf: NOW });
const queries = ((await sync.next('queries')) as { results: Record<string, { p50: number; p99: number }> }).results;
for (const [k, v] of Object.entries(queries)) console.log(`(e) ${k}: p50 ${v.p50} ms, p99 ${v.p99} ms`);

// (c) commit → replica commit at 100/s.
const COMMITS = 1000;
worker.postMessage({ type: 'commit', count: COMMITS, perSecond: 100 });
const { stamps } = await fromWorker<{ stamps: [string, number][] }>('committed');
while (sync.all.filter((m) => m.type === 'applied').length < COMMITS) await sync.next('applied');
const applied = new Map(sync.all.filter((m) => m.type === 'applied').map((m) => [m['id'] as string, m['at'] as number]));
const lat = stamps.map(([id, t]) => applied.get(id)! - t).sort((a, b) => a - b);
const pct = (p: number) => Number(lat[Math.min(lat.length - 1, Math.floor(lat.length * p))]!.toFixed(2));
console.log(`(c) commit → replica commit at 100/s: p50 ${pct(0.5)} ms, p99 ${pct(0.99)} ms`);

// (d) an outage: the display stops syncing while 20,000 changes land, then resumes.
sync.send({ type: 'pause' });
await sync.next('paused');
worker.postMessage({ type: 'burst', count: 20_000 });
const burst = await fromWorker<{ seq: number }>('burst-done');
sync.send({ type: 'resume', head: burst.seq });
const caught = (await sync.next('caught-up')) as { ms: number };
console.log(`(d) catch-up of 20,000 changes: ${(caught.ms / 1000).toFixed(2)} s`);
sync.send({ type: 'exit' });
worker.postMessage({ type: 'close' });

const result = {
  bench: 'sync',
  at: new Date().toISOString(),
  machine: { node: process.version, cpus: cpus().length },
  leads: LEADS,
  initialSync: { seconds: synced.ms / 1000, peakRssMB: synced.rssMB, goalRssMB: 600 },
  floor: { seconds: floor.ms / 1000, peakRssMB: floor.rssMB },
  ratio: { value: Number((synced.ms / floor.ms).toFixed(3)), goal: 1.3 },
  liveLatencyMs: { perSecond: 100, commits: COMMITS, p50: pct(0.5), p99: pct(0.99), goalP99: 100 },
  catchUp: { changes: 20_000, seconds: caught.ms / 1000, goalSeconds: 2 },
  queriesMs: { goalP99: 5, results: queries },
};
const goals: Goal[] = [
  { name: 'initial sync peak RSS', value: synced.rssMB, kind: 'max', limit: result.initialSync.goalRssMB, unit: 'MB' },
  { name: 'sync/floor ratio', value: result.ratio.value, kind: 'max', limit: result.ratio.goal, unit: '×' },
  { name: 'live latency p99', value: result.liveLatencyMs.p99, kind: 'max', limit: result.liveLatencyMs.goalP99, unit: 'ms' },
  { name: 'catch-up seconds', value: result.catchUp.seconds, kind: 'max', limit: result.catchUp.goalSeconds, unit: 's' },
  ...Object.entries(queries).map(([k, v]): Goal => ({ name: `query ${k} p99`, value: v.p99, kind: 'max', limit: result.queriesMs.goalP99, unit: 'ms' })),
];
process.exitCode = finishBench('sync', 'bench-results/sync.json', result, goals);
console.log('wrote bench-results/sync.json');
