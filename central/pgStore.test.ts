// The PostgreSQL store's own promises: numbered migrations (each from a fresh database and as an
// upgrade from the one before), refusing a newer schema, and feed order under late commits.
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { freshDatabase } from '../tests/support/pg.js';
import { makeLead } from '../tests/support/records.js';
import { FIXED_NOW } from '../tests/support/harness.js';
import { spawnSync } from 'node:child_process';
import { startCentre } from './centre.js';
import { FEED_LOCK, migrate, openPgStore, PG_MIGRATIONS, SCOPE_ROWS_SQL, schemaVersion, type PgStore } from './pgStore.js';
import { IngestRefused, ingestText } from './ingest.js';

type PlanNode = { 'Node Type': string; 'Relation Name'?: string; 'Actual Rows': number; 'Actual Loops': number; 'Rows Removed by Filter'?: number; Plans?: PlanNode[] };
import type { WriteOp } from './store.js';
import { recordCrc } from '../shared/crc32.js';

let cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanup.reverse()) await f();
  cleanup = [];
});

async function database(): Promise<string> {
  const db = await freshDatabase();
  cleanup.push(() => db.drop());
  return db.url;
}

async function store(url: string): Promise<PgStore> {
  const s = await openPgStore(url, () => FIXED_NOW);
  cleanup.push(() => s.close());
  return s;
}

const city: WriteOp[] = [
  { t: 'put', e: 'unit', d: { id: 'C', parentId: null, level: 'city', code: 'C', name: '市局' } },
  { t: 'put', e: 'unit', d: { id: 'C-B1', parentId: 'C', level: 'branch', code: 'B1', name: '一分局' } },
];

/** A pool on a database whose schema is brought to `version` only. */
async function atVersion(url: string, version: number): Promise<pg.Pool> {
  const pool = new pg.Pool({ connectionString: url });
  cleanup.push(() => pool.end());
  expect(await migrate(pool, version)).toBe(version);
  return pool;
}

/** A unit row written as a centre at schema `version` would have (its history from migration 3 on). */
async function oldUnit(pool: pg.Pool, at: number, version: number): Promise<void> {
  const d = JSON.stringify({ id: 'C', parentId: null, level: 'city', code: 'C', name: '市局' });
  await pool.query("INSERT INTO records (entity, id, v, seq, tx, deleted, path, paths, data, crc, at, lead_id) VALUES ('unit', 'C', 1, 1, 1, 0, '/C/', '[\"/C/\"]', $1, $2, $3, NULL)", [d, recordCrc('C', 1), at]);
  if (version >= 3) {
    await pool.query("INSERT INTO history (entity, id, seq, v, ts, deleted, path, data, crc) VALUES ('unit', 'C', 1, 1, $2, 0, '/C/', $1, $3)", [d, at, recordCrc('C', 1)]);
    await pool.query('UPDATE feed_head SET history_from = $1', [at]);
  }
  await pool.query("INSERT INTO unit_agg (path, entity, count, sum) VALUES ('/C/', 'unit', 1, $1)", [recordCrc('C', 1)]);
  await pool.query("SELECT setval('feed_seq', 1)");
  await pool.query("UPDATE feed_head SET seq = 1, tx = 1, epoch = 'e-old'");
}

describe('the PostgreSQL store', () => {
  it('opens a fresh database at the newest schema, and a second open changes nothing', async () => {
    const url = await database();
    const s = await store(url);
    expect(await schemaVersion(s.pool)).toBe(PG_MIGRATIONS.length);
    await s.write(city);
    const again = await store(url);
    expect(again.epoch).toBe(s.epoch);
    expect(await again.headSeq()).toBe(2);
    expect((await s.pool.query('SELECT version FROM schema_migrations ORDER BY version')).rows.map((r: { version: number }) => r.version)).toEqual(PG_MIGRATIONS.map((_, i) => i + 1));
  });

  it.each(PG_MIGRATIONS.map((_, i) => i + 1).filter((n) => n > 1))('migration %i upgrades a database at the one before, keeping its feed', async (n) => {
    const url = await database();
    const pool = await atVersion(url, n - 1);
    const at = FIXED_NOW - 3_600_000;
    await oldUnit(pool, at, n - 1);
    await pool.end();
    cleanup.pop();
    const s = await store(url);
    expect(await schemaVersion(s.pool)).toBe(PG_MIGRATIONS.length);
    // The feed goes on from where it was, in the same epoch.
    expect(s.epoch).toBe('e-old');
    expect(await s.headSeq()).toBe(1);
    expect(await s.unitPath('C')).toBe('/C/');
    expect((await s.stats('/C/')).counts).toEqual({ unit: 1 });
    const { firstSeq } = await s.write([city[1]!]);
    expect(firstSeq).toBe(2);
    // What migrations 2 and 3 brought works on the upgraded database: tokens and as-of history.
    expect(await s.insertToken({ id: 'tk-1', name: 'wall', scope: 'C', role: 'display', hash: 'h', createdAt: at, revokedAt: null })).toBeNull();
    expect((await s.rowsAsOf(at, '/C/', 0, 10)).map((r) => r.id)).toEqual(['C']);
    // Migration 3 (history) starts the history at the newest version the store held.
    expect(await s.historyFrom()).toBe(at);
    // Migration 4 files the rows it found under their scopes: a snapshot by scope finds them.
    expect((await s.scopeRowsAfter(0, 1, '/C/', 10)).map((r) => r.id)).toEqual(['C']);
    expect((await s.scopeRowsAfter(0, 2, '/C/C-B1/', 10)).map((r) => r.id)).toEqual(['C-B1']);
  });

  it("a scope's snapshot rows are read by the scope's index, not by scanning the log", async () => {
    const s = await store(await database());
    await s.write([...city, { t: 'put', e: 'unit', d: { id: 'C-B2', parentId: 'C', level: 'branch', code: 'B2', name: '二分局' } }]);
    const big: WriteOp[] = [];
    for (let i = 0; i < 4000; i++) big.push({ t: 'put', e: 'lead', d: makeLead(`L-B2-${i}`, 'C-B2', FIXED_NOW) });
    await s.write(big);
    await s.write(Array.from({ length: 30 }, (_, i): WriteOp => ({ t: 'put', e: 'lead', d: makeLead(`L-B1-${i}`, 'C-B1', FIXED_NOW) })));
    await s.write(big.slice(0, 2000)); // a second version of half of B2's: their first versions' entries must be gone
    await s.pool.query('ANALYZE');
    const head = await s.headSeq();
    const plan = (await s.pool.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(`EXPLAIN (ANALYZE, FORMAT JSON) ${SCOPE_ROWS_SQL}`, [0, head, '/C/C-B1/', 2000])).rows[0]!['QUERY PLAN'][0].Plan;
    // Rows each scan of the two tables produced or threw away, over all its loops.
    const touched: { node: string; relation: string; rows: number }[] = [];
    const walk = (n: PlanNode) => {
      if (n['Relation Name']) touched.push({ node: n['Node Type'], relation: n['Relation Name'], rows: (n['Actual Rows'] + (n['Rows Removed by Filter'] ?? 0)) * n['Actual Loops'] });
      for (const c of n.Plans ?? []) walk(c);
    };
    walk(plan);
    expect(touched.filter((t) => t.node === 'Seq Scan')).toEqual([]);
    // B1's 30 leads and its unit (and the few units and policies looked at for the policies above): not B2's 6,000 rows.
    expect(touched.reduce((a, t) => a + t.rows, 0)).toBeLessThan(100);
    expect((await s.scopeRowsAfter(0, head, '/C/C-B1/', 2000)).map((r) => r.id)).toEqual(['C-B1', ...Array.from({ length: 30 }, (_, i) => `L-B1-${i}`)]);
    expect((await s.scopeRowsAfter(0, head, '/C/C-B2/', 10_000)).length).toBe(4001);
    expect(Number((await s.pool.query<{ n: number }>("SELECT COUNT(*) AS n FROM record_scopes WHERE prefix = '/C/'")).rows[0]!.n)).toBe(3 + 4030);
  });

  it("ingest checks a batch inside its write transaction: another process's write in flight is waited for, not decided around", async () => {
    const url = await database();
    const a = await store(url);
    const b = await store(url);
    const v1 = makeLead('L-1', 'C-B1', FIXED_NOW);
    await a.write([...city, { t: 'put', e: 'unit', d: { id: 'C-B2', parentId: 'C', level: 'branch', code: 'B2', name: '二分局' } }, { t: 'put', e: 'lead', d: v1 }]);
    const admin = new pg.Pool({ connectionString: url });
    cleanup.push(() => admin.end());
    const waitingForFeedLock = async () =>
      Number((await admin.query<{ n: number }>("SELECT COUNT(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND objid = $1 AND database = (SELECT oid FROM pg_database WHERE datname = current_database())", [FEED_LOCK])).rows[0]!.n);
    /** B writes `ops` and holds its transaction open, written, until `release`. */
    const inFlight = async (ops: WriteOp[]) => {
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      let holding!: () => void;
      const held = new Promise<void>((r) => (holding = r));
      const done = b.write(ops, { beforeCommit: async () => { holding(); await gate; } });
      await held;
      return { release, done };
    };
    const line = (l: object) => JSON.stringify(l) + '\n';

    // A feeder's retry of v1 reaches A while B's update of the lead is in flight: once B commits,
    // v1 is no longer the live record, so the retry is written, not counted unchanged.
    const update = await inFlight([{ t: 'put', e: 'lead', d: { ...v1, riskScore: v1.riskScore === 99 ? 98 : 99 } }]);
    const retry = ingestText(a, line({ t: 'put', e: 'lead', id: 'L-1', d: v1 }), '/C/');
    await expect.poll(waitingForFeedLock, { timeout: 10_000 }).toBe(1);
    update.release();
    await update.done;
    expect(await retry).toMatchObject({ applied: 1, unchanged: 0 });
    expect(JSON.parse((await b.current([{ e: 'lead', id: 'L-1' }]))[0]!.data)).toEqual(v1);

    // A lead for a unit B is deleting: refused naming its line, since the unit is gone when A checks.
    const removal = await inFlight([{ t: 'del', e: 'unit', id: 'C-B2' }]);
    // Its refusal is caught from the start: it may come before `removal.done` is awaited below.
    const late = ingestText(a, line({ t: 'put', e: 'lead', id: 'L-2', d: makeLead('L-2', 'C-B2', FIXED_NOW) }), '/C/').then(() => null, (err: unknown) => err);
    await expect.poll(waitingForFeedLock, { timeout: 10_000 }).toBe(1);
    removal.release();
    await removal.done;
    const refused = await late;
    expect(refused).toBeInstanceOf(IngestRefused);
    expect((refused as IngestRefused).status).toBe(422);
    expect((refused as IngestRefused).errors).toEqual([{ line: 1, id: 'L-2', reason: expect.stringContaining('C-B2') as string }]);
    expect(await a.leadPath('L-2')).toBeNull();
  });

  it('keeps any text as written: quotes, backslashes and CJK in ids and records survive the write', async () => {
    const s = await store(await database());
    const odd = `O'Brien \\ 路\\n "x" \\' ''`;
    await s.write([...city, { t: 'put', e: 'lead', d: makeLead(`L-${odd}`, 'C-B1', FIXED_NOW, { personName: odd }) }]);
    const [row] = await s.current([{ e: 'lead', id: `L-${odd}` }]);
    expect((JSON.parse(row!.data) as { personName: string }).personName).toBe(odd);
    expect((await s.scopeRowsAfter(0, await s.headSeq(), '/C/C-B1/', 10)).map((r) => r.id)).toEqual(['C-B1', `L-${odd}`]);
  });

  it('centre processes starting together on a fresh database migrate it once', async () => {
    const url = await database();
    const [a, b, c] = await Promise.all([store(url), store(url), store(url)]);
    expect((await a.pool.query('SELECT COUNT(*) AS n FROM schema_migrations')).rows[0]).toEqual({ n: PG_MIGRATIONS.length });
    expect(new Set([a.epoch, b.epoch, c.epoch]).size).toBe(1);
  });

  it('refuses a database whose schema is newer than this centre, and an unreachable server, naming it', async () => {
    const url = await database();
    const pool = await atVersion(url, PG_MIGRATIONS.length);
    await pool.query('INSERT INTO schema_migrations (version, applied_at) VALUES ($1, 0)', [PG_MIGRATIONS.length + 1]);
    await expect(openPgStore(url)).rejects.toThrow(`store schema ${PG_MIGRATIONS.length + 1} is newer than this centre (${PG_MIGRATIONS.length})`);
    await expect(openPgStore('postgres://postgres:secret@127.0.0.1:1/guardpost')).rejects.toThrow(/^cannot open the PostgreSQL store at 127\.0\.0\.1:1\/guardpost: /);
    await expect(openPgStore('postgres://postgres:secret@127.0.0.1:1/guardpost')).rejects.not.toThrow(/secret/);
  });

  it('a bad op rolls back its whole transaction: no seq, no record, no count', async () => {
    const s = await store(await database());
    await s.write(city);
    const before = { head: await s.headSeq(), stats: await s.stats('/C/') };
    await expect(s.write([{ t: 'put', e: 'lead', d: makeLead('L-1', 'C-B1', FIXED_NOW) }, { t: 'put', e: 'lead', d: makeLead('L-2', 'C-NOPE', FIXED_NOW) }])).rejects.toThrow('lead L-2: unit C-NOPE does not exist');
    expect({ head: await s.headSeq(), stats: await s.stats('/C/') }).toEqual(before);
    expect(await s.leadPath('L-1')).toBeNull();
    // The seqs the failed transaction took are skipped; the next commit still follows the head.
    const { firstSeq } = await s.write([{ t: 'put', e: 'lead', d: makeLead('L-1', 'C-B1', FIXED_NOW) }]);
    expect(firstSeq).toBeGreaterThan(before.head);
  });

  it('keeps tokens, heartbeats and the audit like the SQLite store, and the token commands work on it', async () => {
    const url = await database();
    const c = await startCentre({ store: url, seed: 11, now: FIXED_NOW, speed: 0, historyDays: 0, token: 'root-token' });
    cleanup.push(() => c.close());
    await c.store.write([{ t: 'put', e: 'lead', d: makeLead('L-1', 'SZ-FT-S01-B1', FIXED_NOW) }]);
    const issued = await c.tokens.issue({ name: '福田大屏-1', scope: 'SZ-FT', role: 'display', now: FIXED_NOW });
    await expect(c.tokens.issue({ name: '福田大屏-1', scope: 'SZ-FT', role: 'display', now: FIXED_NOW })).rejects.toThrow(/already named/);
    const auth = (t: string) => ({ Authorization: `Bearer ${t}`, 'Content-Type': 'application/json' });
    // A display token reads its branch, reports its health, and reports an unmasked view.
    expect((await fetch(`${c.url}/v1/changes?since=0`, { headers: auth(issued.secret) })).status).toBe(200);
    const beat = { clientId: 'wall-ft', name: '大屏', version: '0.1.0', state: 'live', seq: 10, seqLag: 0, dataAgeMs: 1200, memoryMB: 180.5, lastError: null };
    expect((await fetch(`${c.url}/v1/displays/heartbeat`, { method: 'POST', headers: auth(issued.secret), body: JSON.stringify(beat) })).status).toBe(200);
    expect((await fetch(`${c.url}/v1/displays/heartbeat`, { method: 'POST', headers: auth(issued.secret), body: JSON.stringify({ ...beat, seq: 11 }) })).status).toBe(200);
    const view = { id: 1, name: 'audit.view', args: { leadId: 'L-1', keyName: 'desk', role: 'unmask', at: FIXED_NOW } };
    expect((await fetch(`${c.url}/v1/mutations`, { method: 'POST', headers: auth(issued.secret), body: JSON.stringify({ clientId: 'wall-ft', mutations: [view] }) })).status).toBe(200);
    const displays = (await (await fetch(`${c.url}/v1/displays`, { headers: auth(c.token) })).json()) as { displays: { clientId: string; seq: number; scope: string }[] };
    expect(displays.displays.map((d) => [d.clientId, d.seq, d.scope])).toEqual([['wall-ft', 11, 'SZ-FT']]);
    const audit = (await (await fetch(`${c.url}/v1/audit`, { headers: auth(c.token) })).json()) as { views: { clientId: string; leadId: string; scope: string }[] };
    expect(audit.views.map((v) => [v.clientId, v.leadId, v.scope])).toEqual([['wall-ft', 'L-1', 'SZ-FT']]);
    // The admin's command line works on the database while the centre runs; a revocation bites at once.
    const cli = (...args: string[]) => spawnSync(process.execPath, ['dist/node/central.js', 'token', ...args, '--store', url], { encoding: 'utf8' });
    const listed = cli('list');
    expect(listed.status).toBe(0);
    expect(listed.stdout).toContain('"福田大屏-1"  display  scope SZ-FT');
    expect(listed.stdout).not.toContain(issued.secret);
    expect(cli('revoke', '福田大屏-1').status).toBe(0);
    expect((await fetch(`${c.url}/v1/changes?since=0`, { headers: auth(issued.secret) })).status).toBe(401);
    expect((await c.tokens.list()).map((t) => [t.name, t.revokedAt !== null])).toEqual([['福田大屏-1', true]]);
  });

  it('a process whose notification connection drops reconnects and is woken again by other processes', async () => {
    const url = await database();
    const a = await store(url);
    const b = await store(url);
    await b.write(city);
    const admin = new pg.Pool({ connectionString: url });
    cleanup.push(() => admin.end());
    const listening = async () =>
      (await admin.query<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query = 'LISTEN guardpost_feed' ORDER BY backend_start")).rows.map((r) => r.pid);
    await expect.poll(async () => (await listening()).length, { timeout: 10_000 }).toBe(2);
    // The server drops A's notification connection (A opened first): a restart, a failover, an idle-connection killer.
    const [ofA] = await listening();
    await admin.query('SELECT pg_terminate_backend($1)', [ofA]);
    await expect.poll(async () => { const pids = await listening(); return pids.length === 2 && !pids.includes(ofA!); }, { timeout: 20_000 }).toBe(true);
    // Listening again, A is woken by a write through B.
    const woken = new Promise<number>((resolve) => {
      const off = a.onCommit(() => {
        void a.headSeq().then((seq) => {
          if (seq < 3) return;
          off();
          resolve(seq);
        });
      });
    });
    const { lastSeq } = await b.write([{ t: 'put', e: 'lead', d: makeLead('L-WAKE', 'C-B1', FIXED_NOW) }]);
    expect(await woken).toBe(lastSeq);
  });
});
