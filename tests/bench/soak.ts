// bench:soak — the page's own timers for over an hour of real time, and a day of centre traffic,
// accelerated, at the generator's realistic rates (with the day's peaks), driven through the
// browser host into a wall in Chromium. The centre starts with 35 days of history, as a real one
// has. The centre and the app (core + browser host, as `npm start -- --browser` runs it) are
// separate processes, so the core's RSS is its own, not this driver's.
// Why real time matters: the page runs on real-time timers (the one-second clock, the frame
// counter, heartbeats, the tile pager, CSS animations), and what they make grows with real
// minutes, not simulated hours; an 8-minute run at ×360 saw a day of data but only 8 minutes of
// them. So the two windows it compares are a simulated day and over an hour of real time apart
// (about ×23).
// Why a whole day of warm-up, run fast (×240 by default, 6 real minutes): every path of a day's work
// (night mode, the day's roll-over, the morning peak) has then run. The centre's clock runs the
// lead at the faster speed, then the rest at the slower one (`--lead-hours`).
// Why 12 more hours at the counted speed before the first window (SOAK_SETTLE_HOURS): V8 tiers
// the page's functions up (bytecode, baseline, optimised code) by how often they run, and the
// page's timers run per real second, so what the busy hours make them run (a tile pager with
// several pages, a hundred countdowns a second) only reaches its steady state after busy hours at
// wall speed. With the first window right after the fast day, the compiled code grew by 11.5 %
// (4.36 → 4.86 MB) from hour 25 to hour 50 while the page's own objects grew 0.8 % and native
// objects 0.5 %; the whole JS heap rose through hours 25–36 (the first busy day at ×23) and was
// flat from hour 36 to 50 (10.06 → 10.15 MB). The page is snapshotted every SNAPSHOT_EVERY hours
// from the end of the fast day, so the log shows the compiled code levelling off, not assumed.
// Every SAMPLE seconds of real time (≥ 6 per window), after a full GC in the page and in the core
// (through its inspector), it samples the page's JS heap, DOM nodes and event listeners, the
// core's RSS (and heap) and the replica's WAL size. Goal: after warm-up, no figure's median over
// the last window (simulated hours HOURS−1…HOURS) exceeds its median over the first window
// (hours FIRST+1…FIRST+2, the same time of day a day earlier; FIRST = WARMUP + SETTLE) by more than 5 % (the page's heap
// and DOM at equal numbers of open leads: see atEqualLoad); and the two
// windows are at least 60 real minutes apart (a shorter run cannot show real-time growth, so it
// misses that goal: BENCH_GOAL_COUNTED_REAL_MINUTES=0 accepts it for a try-out). A Theil–Sen slope
// over every counted sample is reported beside it, to tell a trend from noise.
// SOAK_MINUTES sets the real duration, warm-up and settling included (default 105);
// SOAK_WARMUP_HOURS the fast warm-up (default 24), SOAK_WARMUP_SPEED its clock speed (default 240),
// SOAK_SETTLE_HOURS the hours at the counted speed before the first window (default 12).
// At the end of each hour of both windows (and every SNAPSHOT_EVERY hours from the end of the fast
// warm-up) it takes a heap snapshot of the page and reports the heap by part (scripts/heapsnapshot.mjs): the page's own objects, the code V8 compiled for it,
// native objects. SOAK_SNAPSHOTS=dir keeps those snapshots and writes the core's at the end of
// each window (compare two with `node scripts/heapdiff.mjs a b`; writing one raises the core's
// RSS, so a run with SOAK_SNAPSHOTS does not measure RSS).
import { chromium } from '@playwright/test';
import { finishBench, type Goal } from '../support/bench-goals.js';
import { summariseSnapshot } from '../../scripts/heapsnapshot.mjs';
import { createClock } from '../../central/clock.js';
import { median, theilSen } from '../support/trend.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { WebSocket } from 'ws';

/** Real minutes of the whole run, warm-up included. */
const MINUTES = Number(process.env['SOAK_MINUTES'] ?? 105);
/** Simulated hours of warm-up before the first sample that counts (JIT, caches, first data). */
const WARMUP = Number(process.env['SOAK_WARMUP_HOURS'] ?? 24);
/** The clock's speed during the warm-up. */
const WARMUP_SPEED = Number(process.env['SOAK_WARMUP_SPEED'] ?? 240);
const WARMUP_REAL_MINUTES = (WARMUP * 60) / WARMUP_SPEED;
/** Simulated hours at the counted speed after the fast warm-up and before the first window. */
const SETTLE = Number(process.env['SOAK_SETTLE_HOURS'] ?? 12);
/** The first counted hour is FIRST + 1. */
const FIRST = WARMUP + SETTLE;
/** Simulated hours between heap snapshots of the page outside the windows. */
const SNAPSHOT_EVERY = 3;
/** Simulated hours in each compared window: enough samples that one mid-update sample cannot decide. */
const WINDOW = 2;
/** The centre starts with this much history, as a real one has: the trend's 30 days are full from the start. */
const HISTORY_DAYS = 35;
const SNAPSHOTS = process.env['SOAK_SNAPSHOTS'] ? resolve(process.env['SOAK_SNAPSHOTS']) : null;
// The last window ends a simulated day after the first: the same time of day, the same load.
const HOURS = FIRST + WINDOW + 24;
if (MINUTES <= WARMUP_REAL_MINUTES) throw new Error(`SOAK_MINUTES (${MINUTES}) leaves no time after a warm-up of ${WARMUP_REAL_MINUTES.toFixed(1)} real minutes`);
const SPEED = Math.max(1, Math.round(((HOURS - WARMUP) * 60) / (MINUTES - WARMUP_REAL_MINUTES)));
const HOUR_MS = 3_600_000 / SPEED;
/** Real seconds between samples: every 10 s (about 30 in each window of the default run, so one
 *  sample taken mid-update cannot move a window's median), closer on a short run so each window
 *  holds six or more (eight slots: a slow sample may skip one). */
const SAMPLE_MS = Math.min(10_000, (WINDOW * HOUR_MS) / 8);
/** Real minutes between the two windows' centres: how long the page's own timers ran between them. */
const COUNTED_REAL_MINUTES = (24 * HOUR_MS) / 60_000;
if (process.platform !== 'linux') throw new Error('bench:soak reads the core’s RSS from /proc: run it on Linux');

/** Starts a process and resolves with the first match of `pattern` in its stdout. */
function launch(args: string[], pattern: RegExp, cwd?: string): Promise<{ child: ChildProcess; match: RegExpExecArray; err: () => string }> {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], ...(cwd ? { cwd } : {}) });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
    process.stderr.write(d.toString().replace(/^Debugger (listening|attached).*\n|^For help, see.*\n/gm, ''));
  });
  return new Promise((ok, fail) => {
    let out = '';
    child.once('exit', (code) => fail(new Error(`${args[0]} exited (${code}) before it was ready:\n${out}${err}`)));
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = pattern.exec(out);
      if (m) ok({ child, match: m, err: () => err });
    });
  });
}

/** The core's V8 inspector: a full GC before each sample, and its heap figures beside the RSS. */
async function inspector(url: string): Promise<(method: string, params?: object) => Promise<Record<string, unknown>>> {
  const ws = new WebSocket(url);
  await new Promise((ok, fail) => ws.once('open', ok).once('error', fail));
  let id = 0;
  const waiting = new Map<number, (r: Record<string, unknown>) => void>();
  ws.on('message', (data: Buffer) => {
    const msg = JSON.parse(data.toString()) as { id?: number; result?: Record<string, unknown>; error?: { message: string } };
    if (msg.id !== undefined) waiting.get(msg.id)?.(msg.error ? { error: msg.error.message } : (msg.result ?? {}));
  });
  return (method, params = {}) =>
    new Promise((ok) => {
      const n = ++id;
      waiting.set(n, ok);
      ws.send(JSON.stringify({ id: n, method, params }));
    });
}

const dist = resolve('dist', 'node');
// The centre's clock runs the warm-up at WARMUP_SPEED, then SPEED; this driver keeps the same clock
// (one definition, central/clock.ts) from the centre's launch to tell which simulated hour it is.
const centreClock = createClock({ start: 0, speed: SPEED, lead: { ms: WARMUP * 3_600_000, speed: WARMUP_SPEED } });
const { child: centre, match: cm } = await launch([join(dist, 'central.js'), '--port', '0', '--speed', String(SPEED), '--lead-hours', String(WARMUP), '--lead-speed', String(WARMUP_SPEED), '--history-days', String(HISTORY_DAYS), '--token', 'soak', '--seed', '3'], /centre listening on (\S+)[\s\S]*token:/);
const dir = mkdtempSync(join(tmpdir(), 'guardpost-soak-'));
if (SNAPSHOTS) mkdirSync(SNAPSHOTS, { recursive: true });
// --heapsnapshot-signal: SIGUSR2 makes the core write a heap snapshot into its working folder.
const { child: app, match: am, err: appErr } = await launch(['--inspect=127.0.0.1:0', '--heapsnapshot-signal=SIGUSR2', join(dist, 'start.js'), '--browser', '--central', cm[1]!, '--token', 'soak', '--data-dir', dir, '--port', '0'], /Open (\S+)#\/wall/, dir);
const appUrl = am[1]!;
// A run that throws (too few samples) must not leave the centre and the app running.
process.on('exit', () => {
  app.kill('SIGTERM');
  centre.kill('SIGTERM');
});
const coreInspector = await inspector(/Debugger listening on (ws:\S+)/.exec(appErr())![1]!);

const browser = await chromium.launch({ executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] });
const page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
const cdp = await page.context().newCDPSession(page);
await cdp.send('Performance.enable');
await page.goto(`${appUrl}#/wall`);
await page.waitForSelector('[data-sync-state="live"]', { timeout: 60_000 });
console.log(
  `soak: ${WARMUP} h of warm-up at ×${WARMUP_SPEED} (${WARMUP_REAL_MINUTES.toFixed(1)} min), then ${HOURS - WARMUP} h at ×${SPEED} (${MINUTES} min in all), a sample every ${(SAMPLE_MS / 1000).toFixed(1)} s; hours 1–${FIRST} are warm-up (${SETTLE} h of them at ×${SPEED}); compared: hours ${FIRST + 1}–${FIRST + WINDOW} with ${HOURS - WINDOW + 1}–${HOURS}, ${COUNTED_REAL_MINUTES.toFixed(1)} real minutes apart`,
);

const rssMB = () => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${app.pid}/status`, 'utf8'))![1]) / 1024;

type Parts = { objectsMB: number; codeMB: number; nativeMB: number };
/** The page's heap by part at the end of each hour of the two windows, from a heap snapshot. */
const parts: { hour: number; parts: Parts }[] = [];

/** A heap snapshot of the page, summarised by part (kept on disk with SOAK_SNAPSHOTS). */
async function pageSnapshot(hour: number): Promise<void> {
  const chunks: string[] = [];
  const onChunk = (e: { chunk: string }) => chunks.push(e.chunk);
  cdp.on('HeapProfiler.addHeapSnapshotChunk', onChunk);
  await cdp.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
  cdp.off('HeapProfiler.addHeapSnapshotChunk', onChunk);
  const text = chunks.join('');
  const p = summariseSnapshot(text).parts;
  parts.push({ hour, parts: { objectsMB: p.objects / 1_048_576, codeMB: p.code / 1_048_576, nativeMB: p.native / 1_048_576 } });
  console.log(`  snapshot at hour ${hour}: objects ${(p.objects / 1_048_576).toFixed(2)} MB, compiled code ${(p.code / 1_048_576).toFixed(2)} MB, native ${(p.native / 1_048_576).toFixed(2)} MB`);
  if (SNAPSHOTS) writeFileSync(join(SNAPSHOTS, `page-h${hour}.heapsnapshot`), text);
}

/** A heap snapshot of the core, with SOAK_SNAPSHOTS (writing one raises its RSS). */
async function coreSnapshot(name: string): Promise<void> {
  if (!SNAPSHOTS) return;
  const before = new Set(readdirSync(dir));
  app.kill('SIGUSR2');
  for (let i = 0; i < 600; i++) {
    await new Promise((r) => setTimeout(r, 100));
    const made = readdirSync(dir).find((f) => f.endsWith('.heapsnapshot') && !before.has(f));
    // Node writes the file in one go; wait until its size stops changing.
    if (made) {
      let size = -1;
      while (statSync(join(dir, made)).size !== size) {
        size = statSync(join(dir, made)).size;
        await new Promise((r) => setTimeout(r, 500));
      }
      renameSync(join(dir, made), join(SNAPSHOTS, `core-${name}.heapsnapshot`));
      return;
    }
  }
  throw new Error('the core wrote no heap snapshot within 60 s');
}

type Sample = { at: number; jsHeapMB: number; domNodes: number; listeners: number; coreRssMB: number; coreHeapMB: number; coreExternalMB: number; walMB: number; leadsOpen: number; interrupted: boolean; tookMs: number };
type Hour = Omit<Sample, 'at' | 'interrupted' | 'tookMs'> & { hour: number; samples: number };
const FIGURES = ['jsHeapMB', 'domNodes', 'listeners', 'coreRssMB', 'coreHeapMB', 'coreExternalMB', 'walMB', 'leadsOpen'] as const;
const wal = join(dir, 'replica.db-wal');

/** One sample, after a full GC in the page and in the core. */
async function sample(at: number): Promise<Sample> {
  const t0 = Date.now();
  await cdp.send('HeapProfiler.collectGarbage');
  await coreInspector('HeapProfiler.collectGarbage');
  const mem = (await coreInspector('Runtime.evaluate', { expression: 'JSON.stringify(process.memoryUsage())', returnByValue: true })) as { result: { value: string } };
  const coreMem = JSON.parse(mem.result.value) as NodeJS.MemoryUsage;
  const { metrics } = (await cdp.send('Performance.getMetrics')) as { metrics: { name: string; value: number }[] };
  const m = (name: string) => metrics.find((x) => x.name === name)?.value ?? NaN;
  const wall = page.locator('.unattended');
  return {
    at,
    jsHeapMB: m('JSHeapUsedSize') / 1_048_576,
    domNodes: m('Nodes'),
    listeners: m('JSEventListeners'),
    coreRssMB: rssMB(),
    coreHeapMB: coreMem.heapUsed / 1_048_576,
    coreExternalMB: coreMem.external / 1_048_576,
    walMB: existsSync(wal) ? statSync(wal).size / 1_048_576 : 0,
    leadsOpen: Number(await page.locator('[data-open-count]').getAttribute('data-open-count')),
    interrupted: (await wall.getAttribute('data-interrupt')) === 'true',
    tookMs: Date.now() - t0,
  };
}


// Samples sit on a real-time grid from the start, not after the previous sample's work, so the
// two windows hold alike numbers of samples at the same times of day. Each simulated hour's line
// in the log is the median of its samples.
const hours: Hour[] = [];
const all: Sample[] = [];
const started = Date.now();
const elapsedHours = () => centreClock() / 3_600_000;
let pending: Sample[] = [];
const closeHour = async (hour: number) => {
  const taken = pending.filter((t) => t.at > hour - 1 && t.at <= hour);
  pending = pending.filter((t) => t.at > hour);
  if (taken.length === 0) return;
  const h = { hour, samples: taken.length } as Hour;
  for (const f of FIGURES) h[f] = median(taken.map((t) => t[f]));
  hours.push(h);
  const interrupts = taken.filter((t) => t.interrupted).length;
  console.log(
    `hour ${String(h.hour).padStart(2)}: heap ${h.jsHeapMB.toFixed(2)} MB, DOM ${h.domNodes}, listeners ${h.listeners}, core RSS ${h.coreRssMB.toFixed(1)} MB (heap ${h.coreHeapMB.toFixed(2)}, external ${h.coreExternalMB.toFixed(1)}), WAL ${h.walMB.toFixed(2)} MB, open leads ${h.leadsOpen}, ${taken.length} sample(s) of ~${Math.round(median(taken.map((t) => t.tookMs)))} ms${interrupts ? `, ${interrupts} during an urgent interrupt` : ''}`,
  );
  // The page's heap by part at the end of each hour of the two windows; the core's at each window's end.
  if ((hour > FIRST && hour <= FIRST + WINDOW) || hour > HOURS - WINDOW || (hour >= WARMUP && (hour - WARMUP) % SNAPSHOT_EVERY === 0)) await pageSnapshot(hour);
  if (hour === FIRST + WINDOW || hour === HOURS) await coreSnapshot(`h${hour}`);
};
let closed = 0;
for (let k = 1; ; k++) {
  const wait = started + k * SAMPLE_MS - Date.now();
  // Behind the grid by over half a slot (a slow GC, a snapshot): skip the slot rather than drift.
  if (wait < -SAMPLE_MS / 2) continue;
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  if (elapsedHours() > HOURS) break;
  const s = await sample(elapsedHours());
  all.push(s);
  pending.push(s);
  // Hour h spans (h − 1, h]: every hour that ended by this sample is complete.
  while (closed + 1 <= Math.min(HOURS, Math.floor(s.at))) await closeHour(++closed);
}
while (closed < HOURS) await closeHour(++closed);

const inWindow = (from: number) => all.filter((s) => s.at > from && s.at <= from + WINDOW);
const firstWindow = inWindow(FIRST);
const lastWindow = inWindow(HOURS - WINDOW);
for (const [name, w] of [['first', firstWindow], ['last', lastWindow]] as const)
  if (w.length < 6) throw new Error(`only ${w.length} sample(s) fell in the ${name} window (6 needed to tell a trend from noise): sampling is slower than ${Math.round(SAMPLE_MS)} ms; raise SOAK_MINUTES`);
const windowMedian = (w: Sample[], k: (typeof FIGURES)[number]) => median(w.map((s) => s[k]));
const growth = (k: (typeof FIGURES)[number]) => Number(((windowMedian(lastWindow, k) - windowMedian(firstWindow, k)) / Math.max(1e-9, windowMedian(firstWindow, k))).toFixed(4));
// The trend across every counted sample, as growth per real hour relative to the first window.
// The day's load swings the figures, so this is context; the goal is the same-time-of-day pair.
const counted = all.filter((s) => s.at > FIRST);
const trendPerRealHour = (k: (typeof FIGURES)[number]) =>
  Number(((theilSen(counted.map((s) => s.at * HOUR_MS / 3_600_000), counted.map((s) => s[k])) / Math.max(1e-9, windowMedian(firstWindow, k)))).toFixed(4));
// The page draws every open lead (a map marker, a tile in the rotation), so its DOM and heap
// follow the number of open leads, and the same hour a day later need not have as many (a 15-min
// try-out had 46 then 66). So the page's figures are compared at equal load: the per-lead cost is
// the Theil–Sen slope over every counted sample, and each sample is moved to the first window's
// median load before the windows' medians are compared. The raw growth is reported beside it.
const atEqualLoad = (k: 'jsHeapMB' | 'domNodes') => {
  const perLead = theilSen(counted.map((s) => s.leadsOpen), counted.map((s) => s[k]));
  const load = windowMedian(firstWindow, 'leadsOpen');
  const adjusted = (w: Sample[]) => median(w.map((s) => s[k] - perLead * (s.leadsOpen - load)));
  return { perLead: Number(perLead.toFixed(4)), growth: Number(((adjusted(lastWindow) - adjusted(firstWindow)) / Math.max(1e-9, adjusted(firstWindow))).toFixed(4)) };
};
const pageAtEqualLoad = { jsHeapMB: atEqualLoad('jsHeapMB'), domNodes: atEqualLoad('domNodes') };
// What the page's heap is made of in each window (the mean of its hourly snapshots): its own
// objects, the code V8 compiled for it, and native objects. Explains a growth of the JS heap: the
// optimising compiler tiers up more of the page's functions over real hours, which the page's
// objects do not show.
const partsOf = (from: number, to: number) => {
  const taken = parts.filter((p) => p.hour > from && p.hour <= to);
  const mean = (k: keyof Parts) => Number((taken.reduce((a, p) => a + p.parts[k], 0) / Math.max(1, taken.length)).toFixed(3));
  return { snapshots: taken.length, objectsMB: mean('objectsMB'), codeMB: mean('codeMB'), nativeMB: mean('nativeMB') };
};
const firstParts = partsOf(FIRST, FIRST + WINDOW);
const lastParts = partsOf(HOURS - WINDOW, HOURS);
const partGrowth = (k: keyof Parts) => Number(((lastParts[k] - firstParts[k]) / Math.max(1e-9, firstParts[k])).toFixed(4));
const pageHeapParts = { first: firstParts, last: lastParts, growth: { objectsMB: partGrowth('objectsMB'), codeMB: partGrowth('codeMB'), nativeMB: partGrowth('nativeMB') } };
// The goal's figures; the core's heap and external memory are reported to explain its RSS.
const figures = { jsHeapMB: pageAtEqualLoad.jsHeapMB.growth, domNodes: pageAtEqualLoad.domNodes.growth, listeners: growth('listeners'), coreRssMB: growth('coreRssMB'), walMB: growth('walMB') };
const result = {
  bench: 'soak',
  at: new Date().toISOString(),
  machine: { node: process.version, cpus: cpus().length },
  simulated: { hours: HOURS, warmupHours: WARMUP, warmupSpeed: WARMUP_SPEED, settleHours: SETTLE, firstCountedHour: FIRST + 1, windowHours: WINDOW, speed: SPEED, realMinutes: MINUTES, historyDays: HISTORY_DAYS, sampleSeconds: SAMPLE_MS / 1000, countedRealMinutes: Number(COUNTED_REAL_MINUTES.toFixed(1)) },
  goal: `after warm-up, no figure's median over simulated hours ${HOURS - WINDOW + 1}–${HOURS} exceeds its median over hours ${FIRST + 1}–${FIRST + WINDOW} (the same time of day, ${COUNTED_REAL_MINUTES.toFixed(1)} real minutes earlier) by more than 5 %; the windows at least 60 real minutes apart`,
  windows: {
    first: { hours: [FIRST + 1, FIRST + WINDOW], samples: firstWindow.length, ...Object.fromEntries(FIGURES.map((k) => [k, windowMedian(firstWindow, k)])) },
    last: { hours: [HOURS - WINDOW + 1, HOURS], samples: lastWindow.length, ...Object.fromEntries(FIGURES.map((k) => [k, windowMedian(lastWindow, k)])) },
  },
  growth: figures,
  pageAtEqualLoad,
  pageHeapParts,
  pageHeapBySnapshot: parts,
  rawGrowth: { jsHeapMB: growth('jsHeapMB'), domNodes: growth('domNodes') },
  also: { coreHeapMB: growth('coreHeapMB'), coreExternalMB: growth('coreExternalMB'), leadsOpen: growth('leadsOpen') },
  trendPerRealHour: { jsHeapMB: trendPerRealHour('jsHeapMB'), domNodes: trendPerRealHour('domNodes'), listeners: trendPerRealHour('listeners'), coreRssMB: trendPerRealHour('coreRssMB') },
  hours,
  samples: all,
};
const goals = [
  ...Object.entries(figures).map(([k, v]): Goal => ({ name: `${k} growth`, value: v, kind: 'max', limit: 0.05, unit: '(fraction)' })),
  { name: 'page JS objects growth (snapshots)', value: pageHeapParts.growth.objectsMB, kind: 'max', limit: 0.05, unit: '(fraction)' } satisfies Goal,
  { name: 'counted real minutes', value: Number(COUNTED_REAL_MINUTES.toFixed(1)), kind: 'min', limit: 60, unit: 'min' } satisfies Goal,
];
console.log(`growth, hours ${FIRST + 1}–${FIRST + WINDOW} → ${HOURS - WINDOW + 1}–${HOURS} (${firstWindow.length} and ${lastWindow.length} samples):`, JSON.stringify(figures));
console.log('page at equal open leads:', JSON.stringify(pageAtEqualLoad), 'raw:', JSON.stringify(result.rawGrowth));
console.log('page heap by part (snapshots):', JSON.stringify(pageHeapParts));
console.log('Theil–Sen trend per real hour:', JSON.stringify(result.trendPerRealHour));
const code = finishBench('soak', 'bench-results/soak.json', result, goals);
console.log('wrote bench-results/soak.json');
await browser.close();
app.kill('SIGTERM');
centre.kill('SIGTERM');
process.exit(code);
