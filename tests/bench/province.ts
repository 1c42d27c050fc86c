// bench:province — the centre at a province's scale, on PostgreSQL, in one run:
//   (a) a throwaway PostgreSQL cluster (tests/support/pg-cluster.ts) loaded with PROVINCE_LEADS
//       leads (default 1,000,000) through the store's batched write, spread over the city's beats
//       (so its stations and branches) and over PROVINCE_DAYS days (default 45): the load's time;
//   (b) initial sync of the largest branch scope: a display's snapshot (`since=0&scope=<branch>`)
//       read to its end over loopback and every line parsed, against a same-run floor: the same
//       rows read straight from PostgreSQL with one SELECT and a JSON.parse per row; the ratio
//       (goal ≤ 2) and that the sync carried every row the floor read;
//   (b') the province-level display: the city scope (the largest: every lead) synced by a display's
//       own core into its replica (tests/bench/province.child-display.ts, bench:sync's measured
//       process), its time and peak RSS, then the p50/p99 of each screen query on that replica;
//   (c) the centre in its own process on that store, 500 live displays (PROVINCE_DISPLAYS) in this
//       process over the branch and station scopes, and a feeder posting one lead a request to
//       POST /v1/ingest with an ingest token at 100 a second (PROVINCE_RATE, PROVINCE_INGESTS in
//       all): ingest → every display of the lead's scope p50/p99 (goal p99 ≤ 250 ms, none
//       missing), the centre's CPU share and RSS and PostgreSQL's CPU share over the ingest, the
//       centre's memory per display, log reads and scope statistics per commit.
import { spawn } from 'node:child_process';
import http from 'node:http';
import { createInterface } from 'node:readline';
import { readdirSync, readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { finishBench, type Goal } from '../support/bench-goals.js';
import { connectMeasured, delivered, deliveryLatencies, Displays, expectedDeliveries, forkCentre, quantile, until, type Ready, type Stamp } from '../support/bench-displays.js';
import type { BenchUnit } from '../support/bench-centre.js';
import { startCluster, type Cluster } from '../support/pg-cluster.js';
import { makeLead } from '../support/records.js';

const LEADS = Number(process.env['PROVINCE_LEADS'] ?? 1_000_000);
const DAYS = Number(process.env['PROVINCE_DAYS'] ?? 45);
const DISPLAYS = Number(process.env['PROVINCE_DISPLAYS'] ?? 500);
const INGESTS = Number(process.env['PROVINCE_INGESTS'] ?? 2000);
const RATE = Number(process.env['PROVINCE_RATE'] ?? 100);
const NOW = Date.UTC(2026, 10, 20, 4);
/** Goals of issue 17 (ingest → display) and of this bench (the sync's ratio: see the README). */
const GOAL_P99_MS = 250;
const GOAL_SYNC_RATIO = 2;
/** bench:sync's goal for a screen query on a synced replica, here on the province's whole city. */
const GOAL_QUERY_P99_MS = 5;

const cluster: Cluster = await startCluster();
let exitCode: number;
try {
  exitCode = await run(cluster);
} finally {
  cluster.stop();
}
process.exit(exitCode);

/** PostgreSQL's CPU time (ms) so far: the postmaster and every process it started (its backends), live or ended. */
function pgCpuMs(c: Cluster): number {
  const postmaster = Number(readFileSync(join(c.dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
  let ticks = 0;
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      continue; // it ended meanwhile
    }
    // After the command's closing parenthesis: state, ppid, …; utime and stime are fields 14 and 15.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // The postmaster's own time and its exited children's (cutime, cstime: a backend that ended
    // was reaped by it), and each live child's own.
    if (Number(pid) === postmaster) ticks += Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
    else if (Number(f[1]) === postmaster) ticks += Number(f[11]) + Number(f[12]);
  }
  return ticks * 10; // Linux's USER_HZ is 100
}

/** A display's initial sync of a scope: the snapshot read to its end, every line parsed. */
function initialSync(url: string, scope: string): Promise<{ ms: number; puts: number; lines: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    let buf = '';
    let puts = 0;
    let lines = 0;
    let bytes = 0;
    http
      .get(`${url}/v1/changes?since=0&scope=${encodeURIComponent(scope)}`, { headers: { Authorization: 'Bearer bench' } }, (res) => {
        if (res.statusCode !== 200) return reject(new Error(`initial sync: changes answered ${res.statusCode}`));
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          bytes += Buffer.byteLength(chunk);
          buf += chunk;
          let nl: number;
          while ((nl = buf.indexOf('\n')) >= 0) {
            const line = JSON.parse(buf.slice(0, nl)) as { t: string };
            buf = buf.slice(nl + 1);
            lines++;
            if (line.t === 'put') puts++;
          }
        });
        res.on('end', () => (buf === '' ? resolve({ ms: performance.now() - t0, puts, lines, bytes }) : reject(new Error('initial sync: the stream ended mid-line'))));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

/** The province-level display (province.child-display.ts): its messages, one JSON object a line. */
function cityDisplay(url: string, head: number): { next<T>(type: string): Promise<T>; send(o: object): void; exited: Promise<void> } {
  const file = fileURLToPath(new URL('./province.child-display.js', import.meta.url));
  const proc = spawn(process.execPath, [file, 'sync', url], { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, BENCH_HEAD: String(head) } });
  const waiters: { type: string; resolve: (m: unknown) => void }[] = [];
  createInterface({ input: proc.stdout }).on('line', (line) => {
    const m = JSON.parse(line) as { type: string };
    const i = waiters.findIndex((w) => w.type === m.type);
    if (i >= 0) waiters.splice(i, 1)[0]!.resolve(m);
  });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  return {
    next: <T>(type: string) => Promise.race([new Promise<T>((resolve) => waiters.push({ type, resolve: resolve as (m: unknown) => void })), exited.then(() => Promise.reject(new Error(`the city display exited before '${type}'`)))]),
    send: (o) => proc.stdin.write(JSON.stringify(o) + '\n'),
    exited,
  };
}

/** The floor: the scope's live rows (the feed's visibleIn: in the scope, or a policy above it) in one SELECT, each parsed. */
async function floorRead(db: pg.Client, scopePath: string): Promise<{ ms: number; rows: number }> {
  const t0 = performance.now();
  const { rows } = await db.query<{ data: string }>(
    `SELECT data FROM records WHERE deleted = 0
       AND (substr(path, 1, char_length($1)) = $1 OR (entity = 'policy' AND substr($1, 1, char_length(path)) = path))`,
    [scopePath],
  );
  for (const r of rows) JSON.parse(r.data);
  return { ms: performance.now() - t0, rows: rows.length };
}

async function run(c: Cluster): Promise<number> {
  console.log(`PostgreSQL cluster on 127.0.0.1:${c.port}; loading ${LEADS.toLocaleString('en')} leads over ${DAYS} days`);
  const centre = forkCentre(fileURLToPath(new URL('./province.child.js', import.meta.url)), {
    BENCH_NOW: String(NOW),
    BENCH_STORE: c.url,
    PROVINCE_LEADS: String(LEADS),
    PROVINCE_DAYS: String(DAYS),
  });
  const ready = await centre.next<Ready & { loadMs: number; ingestToken: string; root: string }>('ready');
  console.log(`(a) loaded ${LEADS.toLocaleString('en')} leads in ${(ready.loadMs / 1000).toFixed(1)} s (${Math.round(LEADS / (ready.loadMs / 1000)).toLocaleString('en')}/s); head seq ${ready.seq}`);

  const db = new pg.Client({ connectionString: c.url });
  await db.connect();
  try {
    // What an operator does after a bulk load (and autovacuum soon does by itself): the planner's
    // statistics, and the visibility map that lets an index answer without visiting the table.
    await db.query('VACUUM ANALYZE');
    const sizes = (await db.query<{ records: string; history: string; leads: string }>("SELECT pg_total_relation_size('records') AS records, pg_total_relation_size('history') AS history, (SELECT COUNT(*) FROM records WHERE entity = 'lead' AND deleted = 0) AS leads")).rows[0]!;
    const storedLeads = Number(sizes.leads);
    console.log(`    ${storedLeads.toLocaleString('en')} leads stored; records ${(Number(sizes.records) / 1e9).toFixed(2)} GB, history ${(Number(sizes.history) / 1e9).toFixed(2)} GB with their indexes`);

    // (b) The branch holding the most beats holds the most leads (they go to the beats in turn).
    const beatsOf = (b: BenchUnit) => ready.beats.filter((x) => x.path.startsWith(b.path)).length;
    const branch = [...ready.branches].sort((a, b) => beatsOf(b) - beatsOf(a))[0]!;
    // Each measured twice, alternately, and the faster kept: the first read of a table after the
    // load may still fault pages in, and either could meet a burst of the machine's other load.
    const floors = [];
    const syncs = [];
    for (let round = 0; round < 2; round++) {
      floors.push(await floorRead(db, branch.path));
      syncs.push(await initialSync(ready.url, branch.id));
    }
    const floor = floors.reduce((a, b) => (b.ms < a.ms ? b : a));
    const sync = syncs.reduce((a, b) => (b.ms < a.ms ? b : a));
    const ratio = sync.ms / floor.ms;
    const counts = [...floors.map((f) => f.rows), ...syncs.map((s) => s.puts)];
    const rowsDiffer = Math.max(...counts) - Math.min(...counts);
    console.log(`(b) initial sync of ${branch.id} (${sync.puts.toLocaleString('en')} records, ${(sync.bytes / 1e6).toFixed(0)} MB): ${(sync.ms / 1000).toFixed(2)} s; floor (one SELECT, JSON.parse a row) ${(floor.ms / 1000).toFixed(2)} s for ${floor.rows.toLocaleString('en')} rows; ratio ${ratio.toFixed(2)} (runs ${syncs.map((s) => (s.ms / 1000).toFixed(2)).join(', ')} s / ${floors.map((f) => (f.ms / 1000).toFixed(2)).join(', ')} s)`);

    // (b') The province-level display: the whole city synced into a display's replica, then its screen queries.
    const headNow = ((await (await fetch(`${ready.url}/v1/health`)).json()) as { seq: number }).seq;
    const city = cityDisplay(ready.url, headNow);
    const citySync = await city.next<{ ms: number; rssMB: number; seq: number }>('synced');
    city.send({ type: 'queries', asOf: NOW });
    const cityQueries = (await city.next<{ results: Record<string, { p50: number; p99: number }> }>('queries')).results;
    city.send({ type: 'exit' });
    await city.exited;
    console.log(`(b') the city (${ready.root}) synced into a display's replica: ${(citySync.ms / 1000).toFixed(1)} s, its peak RSS ${citySync.rssMB} MB; screen queries on it:`);
    for (const [k, v] of Object.entries(cityQueries)) console.log(`     ${k}: p50 ${v.p50} ms, p99 ${v.p99} ms`);

    // (c) Live displays, from the head.
    const scopes = [...ready.branches, ...ready.stations];
    const health = (await (await fetch(`${ready.url}/v1/health`)).json()) as { seq: number; epoch: string };
    const displays = new Displays(ready.url, 'bench', health.seq, health.epoch);
    console.log(`(c) ${DISPLAYS} displays over ${ready.branches.length} branch and ${ready.stations.length} station scopes`);
    const mem = await connectMeasured(centre, displays, scopes, DISPLAYS);

    const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
    const refused: string[] = [];
    const post = (id: string, beat: BenchUnit): Promise<number> =>
      new Promise((resolve) => {
        const t0 = performance.now();
        const body = JSON.stringify({ t: 'put', e: 'lead', id, d: makeLead(id, beat.id, NOW) }) + '\n';
        const req = http.request(`${ready.url}/v1/ingest`, { method: 'POST', agent, headers: { Authorization: `Bearer ${ready.ingestToken}`, 'Content-Type': 'application/x-ndjson', 'Content-Length': Buffer.byteLength(body) } }, (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => {
            if (res.statusCode !== 200) refused.push(`${id}: ${res.statusCode} ${text.slice(0, 300)}`);
            resolve(performance.now() - t0);
          });
        });
        req.on('error', (err) => {
          refused.push(`${id}: ${err.message}`);
          resolve(performance.now() - t0);
        });
        req.end(body);
      });

    // One ingest first, so every tail has read its scope's figures once (a tail that joined reads
    // them on its first commit) and the counts below are the steady state's.
    const warmReads = (await centre.cpu()).fanout.reads;
    await post('L-WARM', ready.beats[0]!);
    const warm0 = performance.now();
    while ((await centre.cpu()).fanout.reads === warmReads) {
      if (performance.now() - warm0 > 30_000) throw new Error('the warm-up ingest never reached the tails');
      await new Promise((r) => setTimeout(r, 50));
    }

    const load1 = loadavg()[0]!;
    const before = await centre.cpu();
    const pg0 = pgCpuMs(c);
    const stamps: Stamp[] = [];
    const posts: Promise<number>[] = [];
    // The feeder keeps to its schedule (lead i due at i / RATE s) by the clock, not by one lead a
    // timer tick: a tick that comes late (this process also reads 500 displays) sends every lead
    // that fell due meanwhile, so the centre is offered RATE leads a second, not fewer.
    await new Promise<void>((resolve) => {
      let i = 0;
      const t0 = performance.now();
      const timer = setInterval(() => {
        const due = Math.min(INGESTS, Math.floor(((performance.now() - t0) * RATE) / 1000) + 1);
        for (; i < due; i++) {
          const beat = ready.beats[(i * 7) % ready.beats.length]!;
          const id = `L-LIVE-${i}`;
          stamps.push([id, performance.timeOrigin + performance.now(), beat.path]);
          posts.push(post(id, beat));
        }
        if (i >= INGESTS) {
          clearInterval(timer);
          resolve();
        }
      }, 1000 / RATE);
    });
    const roundTrips = (await Promise.all(posts)).sort((a, b) => a - b);
    const after = await centre.cpu();
    const pgMs = pgCpuMs(c) - pg0;
    const wallMs = after.at - before.at;
    const expected = expectedDeliveries(stamps, displays.list);
    await until('every ingested lead at every display of its scope', () => delivered(displays.list) >= expected, 60_000);
    const { latencies, missing } = deliveryLatencies(stamps, displays.list);
    const pct = (p: number) => quantile(latencies, p);
    const afterMem = await centre.memory();
    const commits = after.fanout.reads - before.fanout.reads;
    const reads = commits / INGESTS;
    const statsReads = (after.fanout.statsReads - before.fanout.statsReads) / INGESTS;
    const rate = INGESTS / ((stamps.at(-1)![1] - stamps[0]![1]) / 1000);
    for (const line of refused.slice(0, 5)) console.error(`ingest refused: ${line}`);
    console.log(`    ingest at ${rate.toFixed(0)}/s (${INGESTS} requests, round trip p50 ${quantile(roundTrips, 0.5).toFixed(1)} ms, p99 ${quantile(roundTrips, 0.99).toFixed(1)} ms; ${refused.length} refused)`);
    console.log(`    ingest → display over ${latencies.length} deliveries: p50 ${pct(0.5).toFixed(1)} ms, p99 ${pct(0.99).toFixed(1)} ms, max ${latencies.at(-1)?.toFixed(1)} ms; missing ${missing}; cut off ${afterMem.fanout.cutOff}`);
    console.log(`    centre CPU ${(((after.cpuMs - before.cpuMs) / wallMs) * 100).toFixed(0)} % of a core, RSS ${(after.rss / 1e6).toFixed(0)} MB; PostgreSQL CPU ${((pgMs / wallMs) * 100).toFixed(0)} %; ${reads.toFixed(2)} log reads and ${statsReads.toFixed(2)} scope statistics per ingest for ${(expected / INGESTS).toFixed(1)} displays reached; load average ${load1.toFixed(2)} at start, ${loadavg()[0]!.toFixed(2)} at end`);

    const mb = (n: number) => Number((n / 1e6).toFixed(1));
    const s3 = (n: number) => Number(n.toFixed(3));
    const result = {
      bench: 'province',
      at: new Date().toISOString(),
      machine: { node: process.version, cpus: cpus().length, loadAverage1mAtIngest: Number(load1.toFixed(2)), loadAverage1mAtEnd: Number(loadavg()[0]!.toFixed(2)) },
      store: { leads: LEADS, storedLeads, days: DAYS, loadSeconds: s3(ready.loadMs / 1000), leadsPerSecond: Math.round(LEADS / (ready.loadMs / 1000)), recordsGB: s3(Number(sizes.records) / 1e9), historyGB: s3(Number(sizes.history) / 1e9) },
      initialSync: {
        scope: branch.id,
        records: sync.puts,
        lines: sync.lines,
        mb: mb(sync.bytes),
        seconds: s3(sync.ms / 1000),
        runsSeconds: syncs.map((s) => s3(s.ms / 1000)),
        floor: { rows: floor.rows, seconds: s3(floor.ms / 1000), runsSeconds: floors.map((f) => s3(f.ms / 1000)) },
        ratio: s3(ratio),
        rowsDiffer,
      },
      cityDisplay: { scope: ready.root, leads: storedLeads, syncSeconds: s3(citySync.ms / 1000), peakRssMB: citySync.rssMB, queriesMs: { goalP99: GOAL_QUERY_P99_MS, results: cityQueries } },
      displays: { count: DISPLAYS, branchScopes: ready.branches.length, stationScopes: ready.stations.length, tails: mem.following.fanout.tails },
      centreMemory: {
        idle: { rssMB: mb(mem.idle.mem.rss), heapMB: mb(mem.idle.mem.heapUsed) },
        half: { displays: mem.halfCount, rssMB: mb(mem.half.mem.rss), heapMB: mb(mem.half.mem.heapUsed) },
        following: { rssMB: mb(mem.following.mem.rss), heapMB: mb(mem.following.mem.heapUsed) },
        afterIngest: { rssMB: mb(afterMem.mem.rss), heapMB: mb(afterMem.mem.heapUsed) },
        perDisplay: mem.perDisplay,
      },
      ingest: {
        requests: INGESTS,
        perSecondAsked: RATE,
        perSecondSent: Number(rate.toFixed(1)),
        refused: refused.length,
        roundTripMs: { p50: s3(quantile(roundTrips, 0.5)), p99: s3(quantile(roundTrips, 0.99)) },
        deliveries: latencies.length,
        expected,
        missing,
        displaysReachedPerIngest: Number((expected / INGESTS).toFixed(2)),
        logReadsPerIngest: s3(reads),
        scopeStatsPerIngest: s3(statsReads),
      },
      latencyMs: { p50: s3(pct(0.5)), p99: s3(pct(0.99)), max: s3(latencies.at(-1) ?? NaN) },
      cpu: { centreCoreShare: s3((after.cpuMs - before.cpuMs) / wallMs), postgresCoreShare: s3(pgMs / wallMs), centreRssMB: mb(after.rss) },
      cutOff: afterMem.fanout.cutOff,
      streamsEnded: displays.ended,
    };
    const goals: Goal[] = [
      { name: 'leads stored', value: storedLeads, kind: 'min', limit: LEADS, unit: 'leads' },
      { name: 'ingest to every display p99', value: result.latencyMs.p99, kind: 'max', limit: GOAL_P99_MS, unit: 'ms' },
      { name: 'deliveries missing', value: missing, kind: 'max', limit: 0, unit: 'deliveries' },
      { name: 'ingests refused', value: refused.length, kind: 'max', limit: 0, unit: 'requests' },
      { name: 'displays cut off', value: result.cutOff + result.streamsEnded, kind: 'max', limit: 0, unit: 'displays' },
      // One shared read of the log per commit; a lead at a beat changes its branch's and its station's figures.
      { name: 'log reads per ingest', value: result.ingest.logReadsPerIngest, kind: 'max', limit: 1, unit: 'reads' },
      { name: 'scope statistics per ingest', value: result.ingest.scopeStatsPerIngest, kind: 'max', limit: 2, unit: 'reads' },
      { name: 'centre heap per display', value: mem.perDisplay.heapBytes, kind: 'max', limit: 64 * 1024, unit: 'bytes' },
      { name: 'centre RSS per display', value: mem.perDisplay.rssBytes, kind: 'max', limit: 256 * 1024, unit: 'bytes' },
      { name: 'initial sync rows differing from the floor', value: rowsDiffer, kind: 'max', limit: 0, unit: 'rows' },
      { name: 'initial sync to floor ratio', value: result.initialSync.ratio, kind: 'max', limit: GOAL_SYNC_RATIO, unit: '×' },
      ...Object.entries(cityQueries).map(([k, v]): Goal => ({ name: `city display query ${k} p99`, value: v.p99, kind: 'max', limit: GOAL_QUERY_P99_MS, unit: 'ms' })),
    ];
    const code = finishBench('province', 'bench-results/province.json', result, goals);
    console.log('wrote bench-results/province.json');
    displays.close();
    agent.destroy();
    centre.send({ type: 'close' });
    await new Promise((r) => centre.child.once('exit', r));
    return code;
  } finally {
    await db.end();
    if (centre.child.exitCode === null) centre.child.kill();
  }
}
