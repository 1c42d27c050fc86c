// bench:sync's measured process: either the real core syncing from the centre ("sync"), or the
// floor ("floor"): the same NDJSON parsed and inserted into the same schema, no sync logic.
// Talks to the bench over stdin/stdout, one JSON object a line.
import { createInterface } from 'node:readline';
import { createReadStream, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCore, type Core } from '../../electron/core/core.js';
import { Replica } from '../../electron/core/replica.js';
import { dayWindow } from '../../shared/kpi.js';
import { entityNames } from '../../shared/protocol.js';

const [mode, arg] = process.argv.slice(2) as ['sync' | 'floor', string];
const say = (o: object) => process.stdout.write(JSON.stringify(o) + '\n');
const now = () => performance.timeOrigin + performance.now();
const rssMB = () => Math.round(process.resourceUsage().maxRSS / 1024);

if (mode === 'floor') {
  const r = new Replica(join(mkdtempSync(join(tmpdir(), 'bench-floor-')), 'replica.db'));
  const ins = Object.fromEntries(entityNames.map((e) => [e, r.db.prepare(`INSERT OR REPLACE INTO ${e} (id, v, data) VALUES (?, ?, ?)`)]));
  const t0 = performance.now();
  let batch: { e: string; id: string; v: number; d: unknown }[] = [];
  const flush = r.db.transaction((rows: typeof batch) => {
    for (const x of rows) ins[x.e]!.run(x.id, x.v, JSON.stringify(x.d));
  });
  for await (const line of createInterface({ input: createReadStream(arg) })) {
    const o = JSON.parse(line) as { t: string; e: string; id: string; v: number; d: unknown };
    if (o.t !== 'put') continue;
    batch.push(o);
    if (batch.length === 10_000) {
      flush(batch);
      batch = [];
    }
  }
  flush(batch);
  say({ type: 'floor', ms: performance.now() - t0, rssMB: rssMB() });
  process.exit(0);
}

const dir = mkdtempSync(join(tmpdir(), 'bench-sync-'));
const core: Core = createCore({ dataDir: dir, central: { url: arg, token: 'bench' } });
const t0 = performance.now();
let head = Number(process.env['BENCH_HEAD']);
let phase: 'initial' | 'live' | 'catchup' = 'initial';
let catchupT0 = 0;
const seen = new Set<string>();

function watch(c: Core): void {
  c.on('sync:status', (s) => {
    if (s.state !== 'live' || s.seq < head) return;
    if (phase === 'initial') {
      phase = 'live';
      say({ type: 'synced', ms: performance.now() - t0, rssMB: rssMB(), seq: s.seq });
    } else if (phase === 'catchup') {
      phase = 'live';
      say({ type: 'caught-up', ms: performance.now() - catchupT0, seq: s.seq });
    }
  });
  c.on('db:changed', () => {
    if (phase !== 'live') return;
    const stamp = now();
    for (const { id } of c.replica.db.prepare("SELECT id FROM lead WHERE id >= 'L-LIVE-' AND id < 'L-LIVE.'").all() as { id: string }[]) {
      if (!seen.has(id)) {
        seen.add(id);
        say({ type: 'applied', id, at: stamp });
      }
    }
  });
}
watch(core);
core.start();

function p99(fn: () => unknown, runs = 500): { p50: number; p99: number } {
  for (let i = 0; i < 10; i++) fn();
  const t: number[] = [];
  for (let i = 0; i < runs; i++) {
    const a = performance.now();
    fn();
    t.push(performance.now() - a);
  }
  t.sort((x, y) => x - y);
  return { p50: Number(t[Math.floor(runs / 2)]!.toFixed(3)), p99: Number(t[Math.floor(runs * 0.99)]!.toFixed(3)) };
}

for await (const line of createInterface({ input: process.stdin })) {
  const msg = JSON.parse(line) as { type: string; head?: number; asOf?: number };
  if (msg.type === 'queries') {
    const h = core.handlers;
    const asOf = msg.asOf!;
    const out: Record<string, { p50: number; p99: number }> = {
      'countdowns:list': p99(() => h['countdowns:list']({ limit: 200 })),
      'countdowns:wall (8 a screen)': p99(() => h['countdowns:wall']({ fit: 8, cols: 4, page: 3 })),
      'kpi:strip': p99(() => h['kpi:strip']({ asOf })),
      'kpi:get (branch, today)': p99(() => h['kpi:get']({ unitId: 'SZ-BA', window: dayWindow(asOf), asOf })),
      'ranking:get (branches, daily)': p99(() => h['ranking:get']({ kind: 'daily', level: 'branch', asOf })),
      'ranking:get (stations, weekly)': p99(() => h['ranking:get']({ kind: 'weekly', level: 'station', asOf })),
      'trends:get (30 days)': p99(() => h['trends:get']({ days: 30, asOf })),
      'map:features': p99(() => h['map:features']({})),
      'lead:timeline': p99(() => h['lead:timeline']({ leadId: 'L-B-12345' })),
    };
    say({ type: 'queries', results: out });
  } else if (msg.type === 'pause') {
    await core.sync.stop();
    say({ type: 'paused' });
  } else if (msg.type === 'resume') {
    head = msg.head!;
    phase = 'catchup';
    catchupT0 = performance.now();
    core.sync.start();
  } else if (msg.type === 'exit') {
    await core.close();
    process.exit(0);
  }
}
