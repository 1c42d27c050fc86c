// bench:soak — a day of warm-up, then 24 hours of centre traffic, accelerated, at the generator's
// realistic rates (with the day's peaks), driven through the browser host into a wall in
// Chromium. The centre starts with 35 days of history, as a real one has. The centre and the app
// (core + browser host, as `npm start -- --browser` runs it) are separate processes, so the
// core's RSS is its own, not this driver's. Three times every simulated hour, after a full GC in
// the page and in the core (through its inspector), it samples the page's JS heap, DOM nodes and
// event listeners, the core's RSS (and heap) and the replica's WAL size; an hour's figure is the
// median of its three. Goal: after warm-up, no figure grows by more than 5 % from the first
// simulated hour to the last.
// Why a day of warm-up: every daily path (the night lull, the morning peak, the turn of the day
// with its cache sweep) must have run once, and the JIT must have compiled what it will.
// SOAK_MINUTES sets the real duration (default 8); SOAK_WARMUP_HOURS the warm-up (default 24);
// SOAK_SNAPSHOTS=dir writes heap snapshots of the page and the core at the first counted hour
// and the last (compare them with `node scripts/heapdiff.mjs a b`; writing one raises the
// core's RSS, so a run with snapshots does not measure RSS).
import { chromium } from '@playwright/test';
import { finishBench, type Goal } from '../support/bench-goals.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { WebSocket } from 'ws';

const MINUTES = Number(process.env['SOAK_MINUTES'] ?? 8);
/** Simulated hours of warm-up before the first sample that counts (JIT, caches, first data). */
const WARMUP = Number(process.env['SOAK_WARMUP_HOURS'] ?? 24);
/** The centre starts with this much history, as a real one has: the trend's 30 days are full from the start. */
const HISTORY_DAYS = 35;
const SNAPSHOTS = process.env['SOAK_SNAPSHOTS'] ? resolve(process.env['SOAK_SNAPSHOTS']) : null;
const HOURS = WARMUP + 24;
const SPEED = Math.round((HOURS * 60) / MINUTES);
const HOUR_MS = 3_600_000 / SPEED;
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
const { child: centre, match: cm } = await launch([join(dist, 'central.js'), '--port', '0', '--speed', String(SPEED), '--history-days', String(HISTORY_DAYS), '--token', 'soak', '--seed', '3'], /centre listening on (\S+)[\s\S]*token:/);
const dir = mkdtempSync(join(tmpdir(), 'guardpost-soak-'));
if (SNAPSHOTS) mkdirSync(SNAPSHOTS, { recursive: true });
// --heapsnapshot-signal: SIGUSR2 makes the core write a heap snapshot into its working folder.
const { child: app, match: am, err: appErr } = await launch(['--inspect=127.0.0.1:0', '--heapsnapshot-signal=SIGUSR2', join(dist, 'start.js'), '--browser', '--central', cm[1]!, '--token', 'soak', '--data-dir', dir, '--port', '0'], /Open (\S+)#\/wall/, dir);
const appUrl = am[1]!;
const coreInspector = await inspector(/Debugger listening on (ws:\S+)/.exec(appErr())![1]!);

const browser = await chromium.launch({ executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] });
const page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
const cdp = await page.context().newCDPSession(page);
await cdp.send('Performance.enable');
await page.goto(`${appUrl}#/wall`);
await page.waitForSelector('[data-sync-state="live"]', { timeout: 60_000 });
console.log(`soak: ${HOURS} h at ×${SPEED} (${MINUTES} min), figures every simulated hour; hours 1–${WARMUP} are warm-up`);

const rssMB = () => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${app.pid}/status`, 'utf8'))![1]) / 1024;

async function snapshot(name: string): Promise<void> {
  if (!SNAPSHOTS) return;
  const chunks: string[] = [];
  const onChunk = (e: { chunk: string }) => chunks.push(e.chunk);
  cdp.on('HeapProfiler.addHeapSnapshotChunk', onChunk);
  await cdp.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
  cdp.off('HeapProfiler.addHeapSnapshotChunk', onChunk);
  writeFileSync(join(SNAPSHOTS, `page-${name}.heapsnapshot`), chunks.join(''));
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

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

// Each simulated hour's figure is the median of the samples taken during it (about
// SAMPLES_PER_HOUR, spread over it), so a sample that lands mid-update (an urgent lead flashing,
// a refresh in flight) does not stand for the hour. Samples are placed on the centre's clock
// from the start, not after the previous sample's work, so hour 24 and hour 48 are the same
// time of day.
const SAMPLES_PER_HOUR = 3;
const hours: Hour[] = [];
const all: Sample[] = [];
const started = Date.now();
const elapsedHours = () => (Date.now() - started) / HOUR_MS;
for (let hour = 1; hour <= HOURS; hour++) {
  const taken: Sample[] = [];
  for (let k = 1; k <= SAMPLES_PER_HOUR; k++) {
    const due = hour - 1 + k / SAMPLES_PER_HOUR;
    if (elapsedHours() < due) await new Promise((r) => setTimeout(r, (due - elapsedHours()) * HOUR_MS));
    // Behind the clock (a slow GC): skip to the next hour's samples rather than drift.
    else if (elapsedHours() > hour) break;
    const s = await sample(elapsedHours());
    if (s.at <= hour) taken.push(s);
  }
  if (taken.length === 0) throw new Error(`no sample fell inside simulated hour ${hour}: sampling is slower than ${Math.round(HOUR_MS)} ms per hour; raise SOAK_MINUTES`);
  all.push(...taken);
  const h = { hour, samples: taken.length } as Hour;
  for (const f of FIGURES) h[f] = median(taken.map((t) => t[f]));
  hours.push(h);
  const interrupts = taken.filter((t) => t.interrupted).length;
  console.log(
    `hour ${String(h.hour).padStart(2)}: heap ${h.jsHeapMB.toFixed(2)} MB, DOM ${h.domNodes}, listeners ${h.listeners}, core RSS ${h.coreRssMB.toFixed(1)} MB (heap ${h.coreHeapMB.toFixed(2)}, external ${h.coreExternalMB.toFixed(1)}), WAL ${h.walMB.toFixed(2)} MB, open leads ${h.leadsOpen}, ${taken.length} sample(s) of ~${Math.round(median(taken.map((t) => t.tookMs)))} ms${interrupts ? `, ${interrupts} during an urgent interrupt` : ''}`,
  );
  if (h.hour === WARMUP || h.hour === HOURS) await snapshot(`h${h.hour}`);
}

// The first hour after warm-up and the last are 24 h apart, the same time of day, so the day's
// load is alike and what grows between them is what accumulates.
const first = hours.find((h) => h.hour === WARMUP)!;
const last = hours.find((h) => h.hour === HOURS)!;
const growth = (k: (typeof FIGURES)[number]) => Number(((last[k] - first[k]) / Math.max(1e-9, first[k])).toFixed(4));
// The goal's figures; the core's heap and external memory are reported to explain its RSS.
const figures = { jsHeapMB: growth('jsHeapMB'), domNodes: growth('domNodes'), listeners: growth('listeners'), coreRssMB: growth('coreRssMB'), walMB: growth('walMB') };
const result = {
  bench: 'soak',
  at: new Date().toISOString(),
  machine: { node: process.version, cpus: cpus().length },
  simulated: { hours: HOURS, warmupHours: WARMUP, speed: SPEED, realMinutes: MINUTES, historyDays: HISTORY_DAYS, samplesPerHour: SAMPLES_PER_HOUR },
  goal: `after warm-up, no figure grows by more than 5 % from the first simulated hour (${WARMUP}) to the last (${HOURS}), the same time of day`,
  growth: figures,
  also: { coreHeapMB: growth('coreHeapMB'), coreExternalMB: growth('coreExternalMB'), leadsOpen: growth('leadsOpen') },
  hours,
  samples: all,
};
const goals = Object.entries(figures).map(([k, v]): Goal => ({ name: `${k} growth`, value: v, kind: 'max', limit: 0.05, unit: '(fraction)' }));
console.log(`growth hour ${WARMUP} → ${HOURS}:`, JSON.stringify(figures));
const code = finishBench('soak', 'bench-results/soak.json', result, goals);
console.log('wrote bench-results/soak.json');
await browser.close();
app.kill('SIGTERM');
centre.kill('SIGTERM');
process.exit(code);
