// bench:central — the reference centre's feed over loopback:
//   (a) a 1,000,000-lead snapshot: rows per second and MB per second to a client that parses
//       every line;
//   (b) commit → line at a live client, at 100 commits a second: p50 / p99 (goal p99 ≤ 100 ms,
//       the whole of bench:sync's commit → replica budget).
import http from 'node:http';
import { finishBench, type Goal } from '../support/bench-goals.js';
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';

const LEADS = Number(process.env['BENCH_LEADS'] ?? 1_000_000);
const NOW = Date.UTC(2026, 10, 20, 4);
const worker = new Worker(fileURLToPath(new URL('./central.worker.js', import.meta.url)), { workerData: { leads: LEADS, now: NOW } });
const next = <T>(type: string) => new Promise<T>((resolve) => {
  const on = (m: { type: string }) => {
    if (m.type === type) {
      worker.off('message', on);
      resolve(m as T);
    }
  };
  worker.on('message', on);
});

const { url, loadMs } = await next<{ url: string; loadMs: number }>('ready');
console.log(`loaded ${LEADS} leads into the centre in ${(loadMs / 1000).toFixed(1)} s`);

function stream(path: string, onLine: (line: string) => boolean | void): Promise<{ bytes: number; lines: number; ms: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    let bytes = 0;
    let lines = 0;
    let buf = '';
    const req = http.get(url + path, { headers: { Authorization: 'Bearer bench' } }, (res) => {
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        bytes += Buffer.byteLength(chunk);
        buf += chunk;
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          lines++;
          JSON.parse(line);
          if (onLine(line) === true) {
            req.destroy();
            return resolve({ bytes, lines, ms: performance.now() - t0 });
          }
        }
      });
      res.on('end', () => resolve({ bytes, lines, ms: performance.now() - t0 }));
    });
    req.on('error', reject);
  });
}

const snap = await stream('/v1/changes?since=0&limit=10000', () => {});
const rowsPerSecond = snap.lines / (snap.ms / 1000);
const mbPerSecond = snap.bytes / 1e6 / (snap.ms / 1000);
console.log(`snapshot: ${snap.lines} lines, ${(snap.bytes / 1e6).toFixed(0)} MB in ${(snap.ms / 1000).toFixed(2)} s: ${Math.round(rowsPerSecond)} rows/s, ${mbPerSecond.toFixed(1)} MB/s`);

const COMMITS = 1000;
const received = new Map<string, number>();
const head = await (await fetch(`${url}/v1/health`)).json() as { seq: number; epoch: string };
const live = stream(`/v1/changes?since=${head.seq}&epoch=${head.epoch}&live=1`, (line) => {
  const m = /"id":"(L-LIVE-\d+)"/.exec(line);
  if (m && line.startsWith('{"t":"put"')) received.set(m[1]!, performance.timeOrigin + performance.now());
  return received.size >= COMMITS;
});
await new Promise((r) => setTimeout(r, 200));
worker.postMessage({ type: 'commit', count: COMMITS, perSecond: 100 });
const { stamps } = await next<{ stamps: [string, number][] }>('committed');
await live;
const latencies = stamps.map(([id, t]) => received.get(id)! - t).sort((a, b) => a - b);
const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))]!;
console.log(`commit → live client at 100/s: p50 ${pct(0.5).toFixed(2)} ms, p99 ${pct(0.99).toFixed(2)} ms`);

const result = {
  bench: 'central',
  at: new Date().toISOString(),
  machine: { node: process.version, cpus: (await import('node:os')).cpus().length },
  snapshot: { leads: LEADS, lines: snap.lines, bytes: snap.bytes, seconds: snap.ms / 1000, rowsPerSecond: Math.round(rowsPerSecond), mbPerSecond: Number(mbPerSecond.toFixed(2)) },
  liveLatencyMs: { commits: COMMITS, perSecond: 100, p50: Number(pct(0.5).toFixed(3)), p99: Number(pct(0.99).toFixed(3)), max: Number(latencies[latencies.length - 1]!.toFixed(3)) },
  loadSeconds: loadMs / 1000,
};
// The centre has no throughput goal of its own; its live latency is part of bench:sync's
// commit → replica goal (p99 ≤ 100 ms), so the centre alone must not spend all of it.
const goals: Goal[] = [{ name: 'live latency p99', value: result.liveLatencyMs.p99, kind: 'max', limit: 100, unit: 'ms' }];
process.exitCode = finishBench('central', 'bench-results/central.json', result, goals);
console.log('wrote bench-results/central.json');
worker.postMessage({ type: 'close' });
