// bench:fanout — many live displays on one centre, over loopback:
//   (a) the centre's memory per live display: RSS and JS heap (after a GC) with N displays
//       following minus with none, over N (default 500, spread over the branch and station scopes);
//   (b) commit → every display that should see it, at a steady commit rate (default 100 a second,
//       one lead each): p50 / p99 over every (commit, display) pair, and any pair never delivered;
//   (c) what the centre spent: CPU over the commits, reads of the log per commit (one, shared by
//       every display) and scope statistics read per commit (one per scope the commit touches).
// The centre runs in its own process, so its RSS and CPU are its own; the displays are streams in
// this process that parse every line, as a display's sync does.
import { fork, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { finishBench, type Goal } from '../support/bench-goals.js';

const DISPLAYS = Number(process.env['BENCH_DISPLAYS'] ?? 500);
const COMMITS = Number(process.env['BENCH_COMMITS'] ?? 1000);
const RATE = Number(process.env['BENCH_RATE'] ?? 100);
const NOW = Date.UTC(2026, 10, 20, 4);
type Unit = { id: string; path: string };
type Mem = { rss: number; heapUsed: number; external: number; arrayBuffers: number };

const child: ChildProcess = fork(fileURLToPath(new URL('./fanout.child.js', import.meta.url)), [], { execArgv: ['--expose-gc'], env: { ...process.env, BENCH_NOW: String(NOW) } });
const fromChild = <T>(type: string) =>
  new Promise<T>((resolve, reject) => {
    const on = (m: { type: string }) => {
      if (m.type === type) {
        child.off('message', on);
        child.off('exit', gone);
        resolve(m as T);
      }
    };
    const gone = (code: number | null) => reject(new Error(`the centre exited (${code}) before '${type}'`));
    child.on('message', on);
    child.once('exit', gone);
  });
const memory = async () => {
  child.send({ type: 'mem' });
  return fromChild<{ mem: Mem; fanout: { tails: number; members: number; cutOff: number }; gc: boolean }>('mem');
};

const ready = await fromChild<{ url: string; branches: Unit[]; stations: Unit[]; beats: Unit[]; seq: number }>('ready');
const scopes = [...ready.branches, ...ready.stations];
console.log(`centre ready (seq ${ready.seq}); ${DISPLAYS} displays over ${ready.branches.length} branch and ${ready.stations.length} station scopes`);
const health = (await (await fetch(`${ready.url}/v1/health`)).json()) as { seq: number; epoch: string };
const idle = await memory();
if (!idle.gc) throw new Error('the centre has no gc(): run it with --expose-gc');

type Display = { scope: Unit; received: Map<string, number>; caughtUp: boolean; lines: number; ended: boolean };
const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
const displays: Display[] = [];
const requests: http.ClientRequest[] = [];
function connect(i: number): void {
  const d: Display = { scope: scopes[i % scopes.length]!, received: new Map(), caughtUp: false, lines: 0, ended: false };
  displays.push(d);
  // From the head, not a snapshot: this measures following, not the initial sync (bench:sync).
  const req = http.get(`${ready.url}/v1/changes?since=${health.seq}&epoch=${health.epoch}&live=1&scope=${encodeURIComponent(d.scope.id)}`, { agent, headers: { Authorization: 'Bearer bench' } }, (res) => {
    if (res.statusCode !== 200) throw new Error(`display ${i}: changes answered ${res.statusCode}`);
    let buf = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      const t = performance.timeOrigin + performance.now();
      buf += chunk;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = JSON.parse(buf.slice(0, nl)) as { t: string; id?: string };
        buf = buf.slice(nl + 1);
        d.lines++;
        if (line.t === 'checkpoint') d.caughtUp = true;
        else if (line.t === 'put' && line.id!.startsWith('L-LIVE-')) d.received.set(line.id!, t);
      }
    });
    res.on('close', () => (d.ended = true));
  });
  req.on('error', () => (d.ended = true));
  requests.push(req);
}
const until = async (what: string, ok: () => boolean, timeoutMs: number) => {
  const t0 = performance.now();
  while (!ok()) {
    if (performance.now() - t0 > timeoutMs) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  console.log(`${what} after ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return true;
};
const caughtUp = async () => {
  if (!(await until(`${displays.length} displays caught up`, () => displays.every((d) => d.caughtUp), 120_000))) throw new Error(`${displays.filter((d) => !d.caughtUp).length} displays never caught up`);
};
// RSS moves in pages and keeps what a GC freed, so its cost per display is the slope from half
// the displays to all of them (the first half takes the process's warm-up); the heap's, after a
// GC, is counted from none.
const HALF = Math.floor(DISPLAYS / 2);
for (let i = 0; i < HALF; i++) connect(i);
await caughtUp();
const half = await memory();
for (let i = HALF; i < DISPLAYS; i++) connect(i);
await caughtUp();
const following = await memory();
const perDisplay = {
  rssBytes: Math.round((following.mem.rss - half.mem.rss) / (DISPLAYS - HALF)),
  heapBytes: Math.round((following.mem.heapUsed - idle.mem.heapUsed) / DISPLAYS),
  externalBytes: Math.round((following.mem.external - idle.mem.external) / DISPLAYS),
};
console.log(`centre memory per display: RSS ${(perDisplay.rssBytes / 1024).toFixed(1)} KiB, heap ${(perDisplay.heapBytes / 1024).toFixed(1)} KiB (tails ${following.fanout.tails}, members ${following.fanout.members})`);

const load1 = loadavg()[0]!;
child.send({ type: 'commit', count: COMMITS, perSecond: RATE });
const done = await fromChild<{ stamps: [string, number, string][]; cpuMs: number; wallMs: number; reads: number; statsReads: number; mem: Mem }>('committed');
const expected = done.stamps.reduce((n, [, , path]) => n + displays.filter((d) => path.startsWith(d.scope.path)).length, 0);
const delivered = () => displays.reduce((n, d) => n + d.received.size, 0);
await until('every commit at every display of its scope', () => delivered() >= expected, 60_000);
const latencies: number[] = [];
let missing = 0;
for (const [id, at, path] of done.stamps) {
  for (const d of displays) {
    if (!path.startsWith(d.scope.path)) continue;
    const t = d.received.get(id);
    if (t === undefined) missing++;
    else latencies.push(t - at);
  }
}
latencies.sort((a, b) => a - b);
const pct = (p: number) => (latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))]! : NaN);
const after = await memory();
const cutOff = after.fanout.cutOff;
const ended = displays.filter((d) => d.ended).length;
console.log(`commit → display at ${RATE}/s over ${latencies.length} deliveries: p50 ${pct(0.5).toFixed(1)} ms, p99 ${pct(0.99).toFixed(1)} ms, max ${latencies.at(-1)?.toFixed(1)} ms; missing ${missing}; cut off ${cutOff}`);
console.log(`centre CPU ${((done.cpuMs / done.wallMs) * 100).toFixed(0)} % of a core over the commits; ${(done.reads / COMMITS).toFixed(2)} log reads and ${(done.statsReads / COMMITS).toFixed(2)} scope statistics per commit for ${(expected / COMMITS).toFixed(1)} displays reached per commit; RSS ${(after.mem.rss / 1e6).toFixed(0)} MB; load average ${load1.toFixed(2)}`);

const mb = (n: number) => Number((n / 1e6).toFixed(1));
const result = {
  bench: 'fanout',
  at: new Date().toISOString(),
  machine: { node: process.version, cpus: cpus().length, loadAverage1mAtStart: Number(load1.toFixed(2)) },
  displays: { count: DISPLAYS, branchScopes: ready.branches.length, stationScopes: ready.stations.length, tails: following.fanout.tails },
  centreMemory: {
    idle: { rssMB: mb(idle.mem.rss), heapMB: mb(idle.mem.heapUsed) },
    half: { displays: HALF, rssMB: mb(half.mem.rss), heapMB: mb(half.mem.heapUsed) },
    following: { rssMB: mb(following.mem.rss), heapMB: mb(following.mem.heapUsed) },
    afterCommits: { rssMB: mb(after.mem.rss), heapMB: mb(after.mem.heapUsed) },
    perDisplay,
  },
  commits: { count: COMMITS, perSecond: RATE, deliveries: latencies.length, expected, missing, displaysReachedPerCommit: Number((expected / COMMITS).toFixed(2)), logReadsPerCommit: Number((done.reads / COMMITS).toFixed(3)), scopeStatsPerCommit: Number((done.statsReads / COMMITS).toFixed(3)) },
  latencyMs: { p50: Number(pct(0.5).toFixed(3)), p99: Number(pct(0.99).toFixed(3)), max: Number((latencies.at(-1) ?? NaN).toFixed(3)) },
  centreCpu: { coreShare: Number((done.cpuMs / done.wallMs).toFixed(3)) },
  cutOff,
  streamsEnded: ended,
};
const goals: Goal[] = [
  // Issue 17's province goal for ingest → every display.
  { name: 'commit to every display p99', value: result.latencyMs.p99, kind: 'max', limit: 250, unit: 'ms' },
  { name: 'deliveries missing', value: missing, kind: 'max', limit: 0, unit: 'deliveries' },
  { name: 'displays cut off', value: cutOff + ended, kind: 'max', limit: 0, unit: 'displays' },
  // Every display shares one read of the log; a commit to one beat changes the figures of its
  // branch and its station only.
  { name: 'log reads per commit', value: result.commits.logReadsPerCommit, kind: 'max', limit: 1, unit: 'reads' },
  { name: 'scope statistics per commit', value: result.commits.scopeStatsPerCommit, kind: 'max', limit: 2, unit: 'reads' },
  // What a following display costs the centre: its socket, stream and tail membership.
  { name: 'centre heap per display', value: perDisplay.heapBytes, kind: 'max', limit: 64 * 1024, unit: 'bytes' },
  { name: 'centre RSS per display', value: perDisplay.rssBytes, kind: 'max', limit: 256 * 1024, unit: 'bytes' },
];
process.exitCode = finishBench('fanout', 'bench-results/fanout.json', result, goals);
console.log('wrote bench-results/fanout.json');
for (const r of requests) r.destroy();
child.send({ type: 'close' });
