// The screen queries of bench:sync / bench:province over a replica already synced (a copy of
// the folder a bench run kept), without a centre: iterate on query speed in seconds.
//   node dist/bench/screens.child.js DATADIR [ASOF_MS] [RUNS]
// Same queries, same asOf and same p99 helper as sync.child.ts.
import { readFileSync } from 'node:fs';
import { PerformanceObserver } from 'node:perf_hooks';
import { createCore } from '../../electron/core/core.js';
import { dayWindow } from '../../shared/kpi.js';

const [dir, asOfArg, runsArg] = process.argv.slice(2);
if (!dir) throw new Error('usage: screens.child.js DATADIR [ASOF_MS] [RUNS]');
const asOf = asOfArg ? Number(asOfArg) : Date.UTC(2026, 10, 20, 4);
const runs = runsArg ? Number(runsArg) : 500;
// Nothing listens there: the core is never started, so it makes no request.
const core = createCore({ dataDir: dir, central: { url: 'http://127.0.0.1:9', token: 'bench' } });
// The centre of bench:province starts its clock at asOf and runs at real speed; the live views
// (tiles, map) ask at the display's estimate of that clock, which the offset would have given.
const t0 = Date.now();
Object.defineProperty(core.sync, 'serverNow', { value: () => asOf + (Date.now() - t0) });

// With GC=1: which of the slowest 1 % of runs had a garbage collection inside them (and for how long).
const gcs: { start: number; end: number; kind: number }[] = [];
const diag = Boolean(process.env['GC']);
if (diag) new PerformanceObserver((l) => gcs.push(...l.getEntries().map((e) => ({ start: e.startTime, end: e.startTime + e.duration, kind: (e as unknown as { detail: { kind: number } }).detail.kind })))).observe({ entryTypes: ['gc'] });
// And the kernel's account of the main thread (/proc/thread-self/schedstat: ns on a CPU, ns
// waiting for one): a slow run that waited was descheduled, not working.
const spans: { a: number; b: number; cpu: number; wait: number }[] = [];
const sched = () => readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ').map(Number) as [number, number];

/** The process's CPU time per run over the last p99() (all its threads: GC's helpers too). */
let cpuMean = 0;

function p99(fn: () => unknown): { p50: number; p99: number } {
  for (let i = 0; i < 10; i++) fn();
  const t: number[] = [];
  spans.length = 0;
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < runs; i++) {
    const c = diag ? sched() : null;
    const a = performance.now();
    fn();
    const b = performance.now();
    t.push(b - a);
    if (c) {
      const d = sched();
      spans.push({ a, b, cpu: (d[0] - c[0]) / 1e6, wait: (d[1] - c[1]) / 1e6 });
    }
  }
  const cpu = process.cpuUsage(cpu0);
  cpuMean = (cpu.user + cpu.system) / 1000 / runs;
  t.sort((x, y) => x - y);
  return { p50: Number(t[Math.floor(runs / 2)]!.toFixed(3)), p99: Number(t[Math.floor(runs * 0.99)]!.toFixed(3)) };
}

const h = core.handlers;
const only = process.env['ONLY'];
const qs: [string, () => unknown][] = [
  ['countdowns:list', () => h['countdowns:list']({ limit: 200 })],
  ['countdowns:wall (8 a screen)', () => h['countdowns:wall']({ fit: 8, cols: 4, page: 3 })],
  ['kpi:strip', () => h['kpi:strip']({ asOf })],
  ['kpi:get (branch, today)', () => h['kpi:get']({ unitId: 'SZ-BA', window: dayWindow(asOf), asOf })],
  ['ranking:get (branches, daily)', () => h['ranking:get']({ kind: 'daily', level: 'branch', asOf })],
  ['ranking:get (stations, weekly)', () => h['ranking:get']({ kind: 'weekly', level: 'station', asOf })],
  ['trends:get (30 days)', () => h['trends:get']({ days: 30, asOf })],
  ['map:features', () => h['map:features']({})],
  ['lead:timeline', () => h['lead:timeline']({ leadId: 'L-B-12345' })],
];
const out: Record<string, { p50: number; p99: number }> = {};
for (const [name, fn] of qs) {
  if (only && !name.startsWith(only)) continue;
  out[name] = p99(fn);
  if (!process.env['GC']) continue;
  await new Promise((r) => setTimeout(r, 50)); // the observer reports asynchronously
  const slow = [...spans].sort((x, y) => y.b - y.a - (x.b - x.a)).slice(0, Math.ceil(runs / 100) + 1);
  const gcIn = (s: { a: number; b: number }) => gcs.filter((g) => g.start < s.b && g.end > s.a).reduce((a, g) => a + Math.min(g.end, s.b) - Math.max(g.start, s.a), 0);
  // perf_hooks constants: 1 minor (scavenge), 2 major (mark-compact), 4 incremental marking, 8 weak callbacks.
  const kinds = (s: { a: number; b: number }) => [...new Set(gcs.filter((g) => g.start < s.b && g.end > s.a).map((g) => g.kind))].join('+');
  const waited = spans.filter((s) => s.wait > 0.5).length;
  console.log(`  ${name}: CPU per run ${cpuMean.toFixed(3)} ms; runs that waited > 0.5 ms for a CPU: ${waited}/${runs}`);
  console.log(`  ${name}: slowest ${slow.map((s) => `${(s.b - s.a).toFixed(2)}(cpu ${s.cpu.toFixed(2)} wait ${s.wait.toFixed(2)} gc ${gcIn(s).toFixed(2)}${kinds(s) ? ` k${kinds(s)}` : ''})`).join(' ')}; runs with a GC: ${spans.filter((s) => gcIn(s) > 0).length}/${runs}, of them major: ${spans.filter((s) => kinds(s).includes('2')).length}`);
}
for (const [k, v] of Object.entries(out)) console.log(`${k}: p50 ${v.p50} ms, p99 ${v.p99} ms`);
if (process.env['JSON']) console.log(JSON.stringify(out));
await core.close();
