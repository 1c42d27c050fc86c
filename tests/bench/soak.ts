// bench:soak — 24 hours (after a warm-up) of centre traffic, accelerated, at the generator's realistic rates (with
// the day's peaks), driven through the browser host into a wall in Chromium. Every simulated
// hour it samples the page's JS heap, DOM nodes and event listeners (after a GC), the core's
// RSS and the replica's WAL size. Goal: after warm-up, no figure grows by more than 5 % from
// the first simulated hour to the last. SOAK_MINUTES sets the real duration (default 8).
import { chromium } from '@playwright/test';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCore } from '../../electron/core/core.js';
import { startHost } from '../../electron/host/host.js';

const MINUTES = Number(process.env['SOAK_MINUTES'] ?? 8);
/** Simulated hours of warm-up before the first sample that counts (JIT, caches, first data). */
const WARMUP = Number(process.env['SOAK_WARMUP_HOURS'] ?? 5);
const HOURS = WARMUP + 24;
const SPEED = Math.round((HOURS * 60) / MINUTES);
const HOUR_MS = 3_600_000 / SPEED;

const centre = spawn(process.execPath, ['dist/node/central.js', '--port', '0', '--speed', String(SPEED), '--history-days', '1', '--token', 'soak', '--seed', '3'], { stdio: ['ignore', 'pipe', 'inherit'] });
const url = await new Promise<string>((resolve) => {
  let out = '';
  centre.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
    const m = /centre listening on (\S+)/.exec(out);
    if (m && out.includes('token:')) resolve(m[1]!);
  });
});
const dir = mkdtempSync(join(tmpdir(), 'guardpost-soak-'));
const core = createCore({ dataDir: dir, central: { url, token: 'soak' } });
core.start();
const host = await startHost({ core, rendererDir: join('dist', 'renderer') });
const browser = await chromium.launch({ executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] });
const page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
const cdp = await page.context().newCDPSession(page);
await cdp.send('Performance.enable');
await page.goto(`${host.url}#/wall`);
await page.waitForSelector('[data-sync-state="live"]', { timeout: 60_000 });
console.log(`soak: ${HOURS} h at ×${SPEED} (${MINUTES} min), sampling every simulated hour; hours 0–${WARMUP} are warm-up`);

type Sample = { hour: number; jsHeapMB: number; domNodes: number; listeners: number; coreRssMB: number; walMB: number; leadsOpen: number };
const samples: Sample[] = [];
const wal = join(dir, 'replica.db-wal');
for (let hour = 0; hour <= HOURS; hour++) {
  if (hour > 0) await new Promise((r) => setTimeout(r, HOUR_MS));
  await cdp.send('HeapProfiler.collectGarbage');
  (globalThis as { gc?: () => void }).gc?.();
  const { metrics } = (await cdp.send('Performance.getMetrics')) as { metrics: { name: string; value: number }[] };
  const m = (name: string) => metrics.find((x) => x.name === name)?.value ?? NaN;
  const s: Sample = {
    hour,
    jsHeapMB: m('JSHeapUsedSize') / 1_048_576,
    domNodes: m('Nodes'),
    listeners: m('JSEventListeners'),
    coreRssMB: process.memoryUsage().rss / 1_048_576,
    walMB: existsSync(wal) ? statSync(wal).size / 1_048_576 : 0,
    leadsOpen: Number(await page.locator('[data-open-count]').getAttribute('data-open-count').catch(() => NaN)),
  };
  samples.push(s);
  console.log(`hour ${String(hour).padStart(2)}: heap ${s.jsHeapMB.toFixed(1)} MB, DOM ${s.domNodes}, listeners ${s.listeners}, core RSS ${s.coreRssMB.toFixed(0)} MB, WAL ${s.walMB.toFixed(1)} MB, open leads ${s.leadsOpen}`);
}

// The first hour after warm-up and the last are 24 h apart, the same time of day, so the day's
// load is alike and what grows between them is what accumulates.
const first = samples[WARMUP]!;
const last = samples[HOURS]!;
const growth = (k: keyof Sample) => Number(((last[k] - first[k]) / Math.max(1e-9, first[k])).toFixed(4));
const figures = { jsHeapMB: growth('jsHeapMB'), domNodes: growth('domNodes'), listeners: growth('listeners'), coreRssMB: growth('coreRssMB'), walMB: growth('walMB') };
const result = {
  bench: 'soak',
  at: new Date().toISOString(),
  machine: { node: process.version, cpus: cpus().length },
  simulated: { hours: HOURS, warmupHours: WARMUP, speed: SPEED, realMinutes: MINUTES },
  goal: `after warm-up, no figure grows by more than 5 % from the first simulated hour (${WARMUP}) to the last (${HOURS}), the same time of day`,
  growth: figures,
  pass: Object.fromEntries(Object.entries(figures).map(([k, v]) => [k, v <= 0.05])),
  samples,
};
writeFileSync('bench-results/soak.json', JSON.stringify(result, null, 2) + '\n');
console.log(`growth hour ${WARMUP} → ${HOURS}:`, JSON.stringify(figures));
console.log('wrote bench-results/soak.json');
await browser.close();
await host.close();
await core.close();
centre.kill('SIGTERM');
process.exit(0);
