// bench:fanout — many live displays on one centre, over loopback:
//   (a) the centre's memory per live display: RSS and JS heap (after a GC) with N displays
//       following minus with none, over N (default 500, spread over the branch and station scopes);
//   (b) commit → every display that should see it, at a steady commit rate (default 100 a second,
//       one lead each): p50 / p99 over every (commit, display) pair, and any pair never delivered;
//   (c) what the centre spent: CPU over the commits, reads of the log per commit (one, shared by
//       every display) and scope statistics read per commit (one per scope the commit touches).
// The centre runs in its own process, so its RSS and CPU are its own; the displays are streams in
// this process that parse every line, as a display's sync does.
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { finishBench, type Goal } from '../support/bench-goals.js';
import { connectMeasured, delivered, deliveryLatencies, Displays, expectedDeliveries, forkCentre, quantile, until, type Mem, type Ready, type Stamp } from '../support/bench-displays.js';

const DISPLAYS = Number(process.env['BENCH_DISPLAYS'] ?? 500);
const COMMITS = Number(process.env['BENCH_COMMITS'] ?? 1000);
const RATE = Number(process.env['BENCH_RATE'] ?? 100);
const NOW = Date.UTC(2026, 10, 20, 4);

const centre = forkCentre(fileURLToPath(new URL('./fanout.child.js', import.meta.url)), { BENCH_NOW: String(NOW) });
const ready = await centre.next<Ready>('ready');
const scopes = [...ready.branches, ...ready.stations];
console.log(`centre ready (seq ${ready.seq}); ${DISPLAYS} displays over ${ready.branches.length} branch and ${ready.stations.length} station scopes`);
const health = (await (await fetch(`${ready.url}/v1/health`)).json()) as { seq: number; epoch: string };
const displays = new Displays(ready.url, 'bench', health.seq, health.epoch);
const { idle, half, following, perDisplay, halfCount: HALF } = await connectMeasured(centre, displays, scopes, DISPLAYS);

const load1 = loadavg()[0]!;
centre.send({ type: 'commit', count: COMMITS, perSecond: RATE });
const done = await centre.next<{ stamps: Stamp[]; cpuMs: number; wallMs: number; reads: number; statsReads: number; mem: Mem }>('committed');
const expected = expectedDeliveries(done.stamps, displays.list);
await until('every commit at every display of its scope', () => delivered(displays.list) >= expected, 60_000);
const { latencies, missing } = deliveryLatencies(done.stamps, displays.list);
const pct = (p: number) => quantile(latencies, p);
const after = await centre.memory();
const cutOff = after.fanout.cutOff;
const ended = displays.ended;
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
displays.close();
centre.send({ type: 'close' });
