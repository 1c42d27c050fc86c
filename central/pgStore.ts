// The centre's PostgreSQL store, for a province: many centre processes on one database, each
// serving displays, any of them expendable. Same semantics as the SQLite store (central/store.ts):
// the latest version or tombstone of each record indexed by seq, every version in `history` for
// as-of snapshots, per-unit counts and crc sums maintained with each write, exactly-once
// mutations per client, tokens, heartbeats and the audit.
//
// Feed positions are commit order with no row skipped by a reader while another transaction
// commits late: each write transaction takes one transaction-scoped advisory lock before it takes
// its first seq (nextval), so the transaction holding seqs 10–12 commits before anyone can take 13,
// and a reader that sees 13 sees 10–12. The lock is released after the commit is visible. Every
// commit notifies (`pg_notify`, delivered when the transaction commits) and each centre process
// LISTENs on one connection of its own, so a display following any process is woken by a write
// through any other.
//
// Standard SQL and the plain wire protocol only (no extensions, no jsonb, no ON CONFLICT): the
// domestic databases that descend from PostgreSQL (openGauss, KingbaseES) can run it.
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import pg from 'pg';
import { recordCrc } from '../shared/crc32.js';
import { describeZodError, entitySchemas, PROTOCOL_VERSION, type EntityName, type EntityRecord } from '../shared/protocol.js';
import {
  checkAsOf,
  LatestReads,
  mutationOps,
  statsOf,
  StoreError,
  type AuditRow,
  type CentralStore,
  type DelOp,
  type DisplayRow,
  type HistoryRow,
  type CurrentRecord,
  type LiveRecord,
  type PutOp,
  type StoredRow,
  type StoreMutation,
  type StoreReader,
  type TokenRow,
  type WriteOp,
} from './store.js';

/** The advisory lock every write transaction holds from before its first seq to its commit. */
export const FEED_LOCK = 7_301_017;
/** Held while a migration runs, so centre processes starting together migrate once. */
const MIGRATE_LOCK = 7_301_018;
/** The channel commits are announced on; the payload is `epoch:seq`. */
export const FEED_CHANNEL = 'guardpost_feed';

/**
 * Numbered migrations, each applied in a transaction of its own and recorded in
 * schema_migrations. Never edit one that has shipped: add the next.
 */
export const PG_MIGRATIONS: readonly string[] = [
  // 1: the feed: the head (seq, tx, purge mark, epoch), the seq sequence, the latest version of
  // each record, per-unit counts and sums, and each client's last applied mutation.
  `CREATE TABLE feed_head (one INTEGER PRIMARY KEY CHECK (one = 1), seq BIGINT NOT NULL, tx BIGINT NOT NULL, purged BIGINT NOT NULL, epoch TEXT NOT NULL);
   INSERT INTO feed_head (one, seq, tx, purged, epoch) VALUES (1, 0, 0, 0, '');
   CREATE SEQUENCE feed_seq;
   CREATE TABLE records (
     entity TEXT NOT NULL, id TEXT NOT NULL, v INTEGER NOT NULL, seq BIGINT NOT NULL, tx BIGINT NOT NULL, deleted SMALLINT NOT NULL,
     path TEXT NOT NULL, paths TEXT NOT NULL, data TEXT, crc BIGINT NOT NULL, at BIGINT NOT NULL, lead_id TEXT,
     PRIMARY KEY (entity, id));
   CREATE UNIQUE INDEX records_seq ON records (seq);
   CREATE INDEX records_tombstones ON records (deleted, at);
   CREATE INDEX records_lead ON records (lead_id);
   CREATE TABLE unit_agg (path TEXT NOT NULL, entity TEXT NOT NULL, count BIGINT NOT NULL, sum BIGINT NOT NULL, PRIMARY KEY (path, entity));
   CREATE TABLE clients (client_id TEXT PRIMARY KEY, last_mutation_id BIGINT NOT NULL);`,
  // 2: the displays' heartbeats, the issued tokens (only the sha256 of each secret) and the
  // displays' unmasked views of leads for the audit (never in the feed).
  `CREATE TABLE displays (client_id TEXT PRIMARY KEY, scope TEXT NOT NULL, received_at BIGINT NOT NULL, report TEXT NOT NULL);
   CREATE TABLE tokens (id TEXT PRIMARY KEY, name TEXT NOT NULL, scope TEXT NOT NULL, role TEXT NOT NULL, hash TEXT NOT NULL UNIQUE,
     created_at BIGINT NOT NULL, revoked_at BIGINT);
   CREATE INDEX tokens_name ON tokens (name);
   CREATE TABLE audit (client_id TEXT NOT NULL, mutation_id BIGINT NOT NULL, scope TEXT NOT NULL, lead_id TEXT NOT NULL, key_name TEXT NOT NULL,
     role TEXT NOT NULL, at BIGINT NOT NULL, received_at BIGINT NOT NULL, PRIMARY KEY (client_id, mutation_id));`,
  // 3: every version and deletion with its commit time, for as-of snapshots. A store that had no
  // history keeps its current versions and serves as-of times from the latest of them on.
  `CREATE TABLE history (entity TEXT NOT NULL, id TEXT NOT NULL, seq BIGINT NOT NULL, v INTEGER NOT NULL, ts BIGINT NOT NULL,
     deleted SMALLINT NOT NULL, path TEXT NOT NULL, data TEXT, crc BIGINT NOT NULL, PRIMARY KEY (entity, id, seq));
   CREATE INDEX history_seq ON history (seq);
   CREATE INDEX history_ts ON history (ts);
   INSERT INTO history (entity, id, seq, v, ts, deleted, path, data, crc) SELECT entity, id, seq, v, at, deleted, path, data, crc FROM records;
   ALTER TABLE feed_head ADD COLUMN history_from BIGINT NOT NULL DEFAULT 0;
   UPDATE feed_head SET history_from = COALESCE((SELECT MAX(at) FROM records), 0);`,
  // 4: each live record's seq under every scope path it lies in (its unit's path and each one
  // above), so a scope's snapshot reads its own rows in seq order from an index, a keyset at a
  // time, instead of the whole log: a branch's snapshot costs the branch's rows.
  `CREATE TABLE record_scopes (prefix TEXT NOT NULL, seq BIGINT NOT NULL, PRIMARY KEY (prefix, seq));
   INSERT INTO record_scopes (prefix, seq)
     SELECT substr(r.path, 1, g.i), r.seq FROM records r, generate_series(2, char_length(r.path)) AS g(i)
     WHERE r.deleted = 0 AND substr(r.path, g.i, 1) = '/';`,
];

/** BIGINT columns come back as numbers: seqs, times and sums stay far below 2^53. */
const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === pg.types.builtins.INT8 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text')) as pg.CustomTypesConfig['getTypeParser'],
};

type Query = <R extends object = Record<string, unknown>>(text: string, values?: unknown[]) => Promise<R[]>;
/** Several statements in one round trip (the simple query protocol): each statement's result. */
type Multi = (text: string) => Promise<pg.QueryResult[]>;
const multiOn =
  (c: pg.PoolClient): Multi =>
  async (text) => {
    const r = (await c.query(text)) as pg.QueryResult | pg.QueryResult[];
    return Array.isArray(r) ? r : [r];
  };

/**
 * A value as an SQL literal, for statements sent several to a round trip (the simple protocol has
 * no parameters). A string with a backslash goes as E'…' with it doubled, so it reads the same
 * whatever the server's standard_conforming_strings; quotes are doubled.
 */
export function lit(v: string | number | null): string {
  if (v === null) return 'NULL';
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) throw new StoreError(`not an integer for the store: ${v}`);
    return String(v);
  }
  const quoted = v.replace(/'/g, "''");
  return v.includes('\\') ? `E'${quoted.replace(/\\/g, '\\\\')}'` : `'${quoted}'`;
}
const queryOn =
  (c: pg.Pool | pg.PoolClient): Query =>
  async <R extends object>(text: string, values: unknown[] = []) =>
    (await c.query<R>(text, values)).rows;

/** Where a connection string points, without its password, for messages. */
export function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname || 'localhost'}${u.port ? ':' + u.port : ''}${u.pathname}`;
  } catch {
    return 'the given PostgreSQL URL';
  }
}

/** The current schema version (0 for a database the centre has never used). */
export async function schemaVersion(pool: pg.Pool): Promise<number> {
  const q = queryOn(pool);
  const exists = await q<{ n: number }>("SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'schema_migrations'");
  if (Number(exists[0]!.n) === 0) return 0;
  return Number((await q<{ v: number | null }>('SELECT MAX(version) AS v FROM schema_migrations'))[0]!.v ?? 0);
}

/**
 * Brings the database's schema up to `target` (default: this centre's newest), one migration per
 * transaction; centre processes starting together serialise on an advisory lock, and each
 * migration re-checks the version under it. A database newer than this centre is refused.
 */
export async function migrate(pool: pg.Pool, target = PG_MIGRATIONS.length): Promise<number> {
  const current = await schemaVersion(pool);
  if (current > PG_MIGRATIONS.length) throw new StoreError(`store schema ${current} is newer than this centre (${PG_MIGRATIONS.length}); run a newer centre`);
  for (let i = current; i < target; i++) {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATE_LOCK]);
      await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)');
      const done = Number((await client.query<{ v: number | null }>('SELECT MAX(version) AS v FROM schema_migrations')).rows[0]!.v ?? 0);
      if (done <= i) {
        await client.query(PG_MIGRATIONS[i]!);
        await client.query('INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)', [i + 1, Date.now()]);
      }
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw new StoreError(`migration ${i + 1} failed, nothing of it was applied: ${(err as Error).message}`);
    } finally {
      client.release();
    }
  }
  return schemaVersion(pool);
}

/** {@link visibleIn} in SQL over a history row `h`, for the scope path $2. */
const AS_OF_IN_SCOPE = "(substr(h.path, 1, char_length($2)) = $2 OR (h.entity = 'policy' AND substr($2, 1, char_length(h.path)) = h.path))";

/**
 * A keyset of a scope's snapshot rows ($1 < seq ≤ $2, scope path $3, at most $4 of the scope's
 * own): its entries in record_scopes in seq order from the primary key, each joined to its row by
 * seq, and the few policies set above the scope, which govern it too. The keyset is cut before the
 * join, so the planner looks each row up by seq (only the scope's rows are read) rather than
 * merging with the whole log's seq index. Entries exist for live rows only, so every one joins.
 */
export const SCOPE_ROWS_SQL = `(SELECT r.entity, r.id, r.v, r.seq, r.tx, r.deleted, r.path, r.paths, r.data, r.at AS ts
     FROM (SELECT seq FROM record_scopes WHERE prefix = $3 AND seq > $1 AND seq <= $2 ORDER BY seq LIMIT $4) s JOIN records r ON r.seq = s.seq)
  UNION ALL
  (SELECT entity, id, v, seq, tx, deleted, path, paths, data, at AS ts FROM records
     WHERE entity = 'policy' AND deleted = 0 AND seq > $1 AND seq <= $2 AND char_length(path) < char_length($3) AND substr($3, 1, char_length(path)) = path)
  ORDER BY seq`;

/**
 * {@link SCOPE_ROWS_SQL}'s rows as put lines, grouped by run of one transaction. The line is
 * `feedLine`'s (central/tail.ts), built by PostgreSQL (central/feed.test.ts compares them byte for byte): the record's data is
 * stored as the JSON text the line carries, so the centre passes it on without parsing it.
 */
const SCOPE_PUT_GROUPS_SQL = `WITH s AS (SELECT seq FROM record_scopes WHERE prefix = $3 AND seq > $1 AND seq <= $2 ORDER BY seq LIMIT $4),
  -- A full batch ends at its last scope row: a policy above the scope after it belongs to a later batch.
  upto AS (SELECT CASE WHEN COUNT(*) < $4 THEN $2 ELSE MAX(seq) END AS seq FROM s)
SELECT tx, MAX(seq) AS last, COUNT(*) AS n,
    convert_to(string_agg('{"t":"put","e":"' || entity || '","id":' || to_json(id)::text || ',"v":' || v || ',"seq":' || seq || ',"ts":' || at || ',"d":' || data || '}', E'\\n' ORDER BY seq), 'UTF8') AS text
  FROM ((SELECT r.entity, r.id, r.v, r.seq, r.tx, r.at, r.data FROM s JOIN records r ON r.seq = s.seq)
    UNION ALL
    (SELECT entity, id, v, seq, tx, at, data FROM records
       WHERE entity = 'policy' AND deleted = 0 AND seq > $1 AND seq <= (SELECT seq FROM upto) AND char_length(path) < char_length($3) AND substr($3, 1, char_length(path)) = path)) x
  GROUP BY tx ORDER BY MAX(seq)`;

/** The store's reads over one connection or the pool. */
function readerOn(q: Query, keepsHistory: boolean): StoreReader {
  const livePath = async (entity: EntityName, id: string) => {
    const row = (await q<{ path: string; deleted: number }>('SELECT path, deleted FROM records WHERE entity = $1 AND id = $2', [entity, id]))[0];
    return row && !row.deleted ? row.path : null;
  };
  const historyFrom = async () => Number((await q<{ h: number }>('SELECT history_from AS h FROM feed_head'))[0]?.h ?? 0);
  const asOfCheck = async (asOf: number) => checkAsOf(keepsHistory, keepsHistory ? await historyFrom() : 0, asOf);
  return {
    headSeq: async () => Number((await q<{ seq: number }>('SELECT seq FROM feed_head'))[0]?.seq ?? 0),
    purgedThrough: async () => Number((await q<{ purged: number }>('SELECT purged FROM feed_head'))[0]?.purged ?? 0),
    rowsAfter: (seq, limit) => q<StoredRow>('SELECT entity, id, v, seq, tx, deleted, path, paths, data, at AS ts FROM records WHERE seq > $1 ORDER BY seq LIMIT $2', [seq, limit]),
    scopeRowsAfter: async (after, through, scopePath, limit) => {
      const rows = await q<StoredRow>(SCOPE_ROWS_SQL, [after, through, scopePath, limit]);
      // A full batch ends at its last scope row: a policy above it belongs to a later batch.
      const inScope = rows.filter((r) => r.path.startsWith(scopePath));
      if (inScope.length < limit) return rows;
      const last = inScope[inScope.length - 1]!.seq;
      return rows.filter((r) => r.seq <= last);
    },
    scopeSeqAt: async (after, through, scopePath, n) => {
      const row = (await q<{ seq: string }>('SELECT seq FROM record_scopes WHERE prefix = $3 AND seq > $1 AND seq <= $2 ORDER BY seq OFFSET $4 LIMIT 1', [after, through, scopePath, n - 1]))[0];
      return row ? Number(row.seq) : through;
    },
    scopePutGroupsAfter: async (after, through, scopePath, limit) => {
      const groups = await q<{ tx: string; last: string; n: string; text: Buffer }>(SCOPE_PUT_GROUPS_SQL, [after, through, scopePath, limit]);
      return groups.map((g) => ({ tx: Number(g.tx), lastSeq: Number(g.last), n: Number(g.n), text: g.text }));
    },
    hasRowsAfter: async (seq) => (await q('SELECT 1 AS one FROM records WHERE seq > $1 LIMIT 1', [seq])).length > 0,
    unitPath: (id) => livePath('unit', id),
    leadPath: (id) => livePath('lead', id),
    // A policy set above the scope governs it too (visibleIn), so it counts in the scope's sums.
    stats: async (scopePath) =>
      statsOf(
        await q<{ entity: EntityName; count: string; sum: string }>(
          `SELECT entity, SUM(count) AS count, SUM(sum) AS sum FROM unit_agg
           WHERE substr(path, 1, char_length($1)) = $1 OR (entity = 'policy' AND char_length(path) < char_length($1) AND substr($1, 1, char_length(path)) = path)
           GROUP BY entity`,
          [scopePath],
        ),
      ),
    live: async <E extends EntityName>(entity: E) =>
      (await q<{ id: string; v: number; path: string; data: string }>('SELECT id, v, path, data FROM records WHERE entity = $1 AND deleted = 0', [entity])).map(
        (r): LiveRecord<E> => ({ ...r, d: JSON.parse(r.data) as EntityRecord[E] }),
      ),
    lastMutationId: async (clientId) => Number((await q<{ id: number }>('SELECT last_mutation_id AS id FROM clients WHERE client_id = $1', [clientId]))[0]?.id ?? 0),
    historyFrom,
    // Per record, the newest version committed by T (by seq: a record's versions are written in
    // order), if that is not a deletion and lies in the scope.
    rowsAsOf: async (asOf, scopePath, after, limit) => {
      await asOfCheck(asOf);
      return q<HistoryRow>(
        `SELECT h.entity, h.id, h.v, h.seq, h.ts, h.data FROM history h
         WHERE h.seq > $3 AND h.ts <= $1 AND h.deleted = 0 AND ${AS_OF_IN_SCOPE}
           AND NOT EXISTS (SELECT 1 FROM history n WHERE n.entity = h.entity AND n.id = h.id AND n.seq > h.seq AND n.ts <= $1)
         ORDER BY h.seq LIMIT $4`,
        [asOf, scopePath, after, limit],
      );
    },
    statsAsOf: async (asOf, scopePath) => {
      await asOfCheck(asOf);
      return statsOf(
        await q<{ entity: EntityName; count: string; sum: string }>(
          `SELECT h.entity AS entity, COUNT(*) AS count, SUM(h.crc) AS sum FROM history h
           WHERE h.ts <= $1 AND h.deleted = 0 AND ${AS_OF_IN_SCOPE}
             AND NOT EXISTS (SELECT 1 FROM history n WHERE n.entity = h.entity AND n.id = h.id AND n.seq > h.seq AND n.ts <= $1)
           GROUP BY h.entity`,
          [asOf, scopePath],
        ),
      );
    },
  };
}

function pathSegment(id: string): string {
  return encodeURIComponent(id) + '/';
}

type PrevRow = { v: number; path: string; paths: string; deleted: number; crc: number; data: string | null };
/** A record's live row as the database holds it (flushed), whose scope entries a rewrite replaces. */
type ScopedRow = { seq: number; path: string };

/** Every scope path a record under `path` lies in: `/a/b/` → `/a/`, `/a/b/` (what record_scopes holds). */
export function scopePrefixes(path: string): string[] {
  const out: string[] = [];
  for (let i = path.indexOf('/', 1); i >= 0; i = path.indexOf('/', i + 1)) out.push(path.slice(0, i + 1));
  return out;
}
type RecordRow = { entity: EntityName; id: string; v: number; seq: number; deleted: 0 | 1; path: string; paths: string; data: string | null; crc: number; at: number; leadId: string | null };

/** Rows a multi-row statement carries at most (PostgreSQL takes 65535 parameters). */
const ROWS_PER_STATEMENT = 1_000;

/**
 * One write transaction: holds the feed lock, takes seqs in commit order, updates the head. Ops
 * are applied in memory against the rows they touch (read in a few batched queries), and the
 * result goes to the database in multi-row statements: a batch of thousands of records costs a
 * handful of round trips, not several per record.
 */
class WriteTx {
  readonly seqs: number[] = [];
  /** The current row of every record touched (null: none), as this transaction has left it. */
  readonly #rows = new Map<string, PrevRow | null>();
  /** Records written and not yet flushed (the last version of each), and every version for history. */
  readonly #pending = new Map<string, RecordRow>();
  readonly #history: RecordRow[] = [];
  /** Each loaded record's live row in the database (null: none), kept as flushes change it. */
  readonly #inDb = new Map<string, ScopedRow | null>();
  /** Records that have a row in the table (live or a tombstone), as loaded or flushed: only those are replaced. */
  readonly #stored = new Set<string>();
  /** Per unit path and entity: the change to its count and crc sum, not yet flushed. */
  readonly #agg = new Map<string, { path: string; entity: EntityName; count: number; sum: number }>();
  #spareSeqs: number[] = [];

  /**
   * Statements the transaction has written and not yet sent: they go with the next statement that
   * needs them in the database (a read of what they wrote), or with the head's update and the
   * commit, in one round trip. The feed lock is held from the first round trip to the commit, so
   * every round trip saved is time other writers do not queue for it.
   */
  readonly sql: string[] = [];

  constructor(
    readonly q: Query,
    readonly multi: Multi,
    readonly tx: number,
    readonly ts: number,
    readonly keepsHistory: boolean,
    readonly unchecked: boolean,
  ) {}

  /** The SELECTs that read these records' rows (one per entity and chunk), for {@link loaded}. */
  static loadStatements(keys: readonly { entity: EntityName; id: string }[], known: (k: string) => boolean = () => false): { entity: EntityName; ids: string[]; text: string }[] {
    const byEntity = new Map<EntityName, Set<string>>();
    for (const k of keys) {
      if (known(key(k.entity, k.id))) continue;
      let ids = byEntity.get(k.entity);
      if (!ids) byEntity.set(k.entity, (ids = new Set()));
      ids.add(k.id);
    }
    const out: { entity: EntityName; ids: string[]; text: string }[] = [];
    for (const [entity, idSet] of byEntity) {
      const ids = [...idSet];
      for (let i = 0; i < ids.length; i += ROWS_PER_STATEMENT) {
        const chunk = ids.slice(i, i + ROWS_PER_STATEMENT);
        out.push({ entity, ids: chunk, text: `SELECT id, v, seq, path, paths, deleted, crc, data FROM records WHERE entity = ${lit(entity)} AND id IN (${chunk.map(lit).join(', ')})` });
      }
    }
    return out;
  }

  /** Takes the rows one of {@link loadStatements}'s SELECTs found (absent ids: no such record). */
  loaded(entity: EntityName, ids: readonly string[], found: (PrevRow & { id: string; seq: number })[]): void {
    for (const id of ids) {
      this.#rows.set(key(entity, id), null);
      this.#inDb.set(key(entity, id), null);
    }
    for (const r of found) {
      this.#stored.add(key(entity, r.id));
      this.#rows.set(key(entity, r.id), { v: r.v, path: r.path, paths: r.paths, deleted: r.deleted, crc: r.crc, data: r.data });
      if (!r.deleted) this.#inDb.set(key(entity, r.id), { seq: r.seq, path: r.path });
    }
  }

  /** Seqs taken in the transaction's first round trip. */
  addSeqs(seqs: number[]): void {
    this.#spareSeqs = [...this.#spareSeqs, ...seqs].sort((a, b) => a - b);
  }

  /** The live version of each of these records as the transaction sees it (they must be loaded). */
  current(keys: readonly { e: EntityName; id: string }[]): CurrentRecord[] {
    const out: CurrentRecord[] = [];
    for (const { e, id } of keys) {
      const row = this.#rows.get(key(e, id));
      if (row && !row.deleted && row.data !== null) out.push({ e, id, v: row.v, path: row.path, data: row.data });
    }
    return out;
  }

  /** Reads the rows of these records that are not yet known, in one round trip. */
  async load(keys: { entity: EntityName; id: string }[]): Promise<void> {
    const statements = WriteTx.loadStatements(keys, (k) => this.#rows.has(k));
    if (statements.length === 0) return;
    const results = await this.multi(statements.map((st) => st.text).join(';\n'));
    statements.forEach((st, i) => this.loaded(st.entity, st.ids, results[i]!.rows as (PrevRow & { id: string; seq: number })[]));
  }

  /** Sends what is written and unsent (before a read that must see it). */
  async send(): Promise<void> {
    if (this.sql.length) await this.multi(this.sql.splice(0).join(';\n'));
  }

  async #row(entity: EntityName, id: string): Promise<PrevRow | null> {
    if (!this.#rows.has(key(entity, id))) await this.load([{ entity, id }]);
    return this.#rows.get(key(entity, id)) ?? null;
  }

  async #livePath(entity: EntityName, id: string): Promise<string | null> {
    const row = await this.#row(entity, id);
    return row && !row.deleted ? row.path : null;
  }

  /** The scope path a record lives under: a unit's own path; anything else its unit's or its lead's. */
  async #pathOf(op: PutOp): Promise<string> {
    const d = op.d as Record<string, unknown>;
    if (op.e === 'unit') {
      const parentId = d['parentId'] as string | null;
      if (parentId === null) return '/' + pathSegment(op.d.id);
      const parent = await this.#livePath('unit', parentId);
      if (!parent) throw new StoreError(`unit ${op.d.id}: parent unit ${parentId} does not exist`);
      return parent + pathSegment(op.d.id);
    }
    if (op.e === 'lead') {
      const p = await this.#livePath('unit', op.d.unitId);
      if (!p) throw new StoreError(`lead ${op.d.id}: unit ${op.d.unitId} does not exist`);
      return p;
    }
    const leadId = d['leadId'] as string | undefined;
    if (leadId !== undefined) {
      const p = await this.#livePath('lead', leadId);
      if (!p) throw new StoreError(`${op.e} ${op.d.id}: lead ${leadId} does not exist`);
      return p;
    }
    const unitId = d['unitId'] as string | undefined;
    const p = unitId === undefined ? null : await this.#livePath('unit', unitId);
    if (!p) throw new StoreError(`${op.e} ${op.d.id}: needs an existing leadId or unitId`);
    return p;
  }

  /** Adds to a unit's count and crc sum (flushed modulo 2^32, like the SQLite store's). */
  #addAgg(path: string, entity: EntityName, count: number, sum: number): void {
    const k = key(path, entity);
    const a = this.#agg.get(k) ?? { path, entity, count: 0, sum: 0 };
    a.count += count;
    a.sum += sum;
    this.#agg.set(k, a);
  }

  /** Takes seqs for `n` more rows at once (ascending; a failed transaction's are skipped). */
  async reserve(n: number): Promise<void> {
    if (n <= this.#spareSeqs.length) return;
    const more = await this.q<{ seq: number }>("SELECT nextval('feed_seq') AS seq FROM generate_series(1, $1)", [n - this.#spareSeqs.length]);
    this.#spareSeqs = [...this.#spareSeqs, ...more.map((r) => Number(r.seq))].sort((a, b) => a - b);
  }

  async #nextSeq(): Promise<number> {
    if (this.#spareSeqs.length === 0) await this.reserve(1);
    const seq = this.#spareSeqs.shift()!;
    this.seqs.push(seq);
    return seq;
  }

  /** The commit time of a change: the transaction's, or a backfill's own earlier time. */
  #stamp(at: number | undefined): number {
    return at === undefined ? this.ts : Math.min(at, this.ts);
  }

  #store(row: RecordRow): void {
    const k = key(row.entity, row.id);
    this.#rows.set(k, { v: row.v, path: row.path, paths: row.paths, deleted: row.deleted, crc: row.crc, data: row.data });
    this.#pending.set(k, row);
    if (this.keepsHistory) this.#history.push(row);
  }

  async put(op: PutOp): Promise<void> {
    const parsed = entitySchemas[op.e].safeParse(op.d);
    if (!parsed.success && !this.unchecked) throw new StoreError(`${op.e} ${String((op.d as { id?: unknown }).id)}: ${describeZodError(parsed.error)}`);
    const id = op.d.id;
    const prev = await this.#row(op.e, id);
    const path = await this.#pathOf(op);
    const v = (prev?.v ?? 0) + 1;
    const crc = recordCrc(id, v);
    const paths = prev ? (JSON.parse(prev.paths) as string[]) : [];
    if (!paths.includes(path)) paths.push(path);
    if (prev && !prev.deleted) this.#addAgg(prev.path, op.e, -1, -prev.crc);
    this.#addAgg(path, op.e, 1, crc);
    const seq = await this.#nextSeq();
    const leadId = (op.d as { leadId?: unknown }).leadId;
    this.#store({
      entity: op.e, id, v, seq, deleted: 0, path, paths: JSON.stringify(paths), data: JSON.stringify(parsed.success ? parsed.data : op.d), crc, at: this.#stamp(op.at),
      leadId: typeof leadId === 'string' ? leadId : null,
    });
    // A lead that moves takes its timeline with it: children get a new seq (not a new version) so
    // displays of the old scope receive `del` and those of the new scope receive `put`.
    if (op.e === 'lead' && prev && !prev.deleted && prev.path !== path) await this.#repathChildren(id, path);
  }

  async #repathChildren(leadId: string, path: string): Promise<void> {
    // The children written earlier in this transaction are in the database once flushed and sent.
    this.flush();
    await this.send();
    const children = await this.q<{ entity: EntityName; id: string }>(
      "SELECT entity, id FROM records WHERE lead_id = $1 AND entity IN ('event', 'stop_payment', 'note') AND deleted = 0 ORDER BY seq",
      [leadId],
    );
    for (const child of children) {
      const row = (await this.#row(child.entity, child.id))!;
      const paths = JSON.parse(row.paths) as string[];
      if (!paths.includes(path)) paths.push(path);
      this.#addAgg(row.path, child.entity, -1, -row.crc);
      this.#addAgg(path, child.entity, 1, row.crc);
      const seq = await this.#nextSeq();
      this.#store({ entity: child.entity, id: child.id, v: row.v, seq, deleted: 0, path, paths: JSON.stringify(paths), data: row.data, crc: row.crc, at: this.ts, leadId });
    }
  }

  async del(op: DelOp): Promise<void> {
    const prev = await this.#row(op.e, op.id);
    if (!prev || prev.deleted) throw new StoreError(`del ${op.e} ${op.id}: no such record`);
    this.#addAgg(prev.path, op.e, -1, -prev.crc);
    const seq = await this.#nextSeq();
    this.#store({ entity: op.e, id: op.id, v: prev.v + 1, seq, deleted: 1, path: prev.path, paths: prev.paths, data: null, crc: 0, at: this.#stamp(op.at), leadId: null });
  }

  /** Writes what is pending (into {@link sql}): each touched record's row replaced, its scope entries moved, history appended, unit sums moved. */
  flush(): void {
    const rows = [...this.#pending.values()];
    this.#pending.clear();
    // The rows replaced, by entity and a list of ids: that form is read from the (entity, id) key's
    // index; a list of (entity, id) pairs is not, and scanned the whole table for each statement
    // (a bulk load of 60,000 leads spent 29 of its 34 s there).
    // A record every write loads first (under the feed lock), so one it found no row of has none
    // to replace: a bulk load of new records deletes nothing.
    const byEntity = new Map<EntityName, string[]>();
    for (const r of rows) {
      const k = key(r.entity, r.id);
      if (this.#stored.has(k)) byEntity.set(r.entity, [...(byEntity.get(r.entity) ?? []), r.id]);
      this.#stored.add(k);
    }
    for (const [entity, ids] of byEntity)
      for (let i = 0; i < ids.length; i += ROWS_PER_STATEMENT) this.sql.push(`DELETE FROM records WHERE entity = ${lit(entity)} AND id IN (${ids.slice(i, i + ROWS_PER_STATEMENT).map(lit).join(', ')})`);
    for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
      const chunk = rows.slice(i, i + ROWS_PER_STATEMENT);
      this.sql.push(
        `INSERT INTO records (entity, id, v, seq, tx, deleted, path, paths, data, crc, at, lead_id) VALUES ${chunk
          .map((r) => values([r.entity, r.id, r.v, r.seq, this.tx, r.deleted, r.path, r.paths, r.data, r.crc, r.at, r.leadId]))
          .join(', ')}`,
      );
    }
    this.#flushScopes(rows);
    const versions = this.#history.splice(0);
    for (let i = 0; i < versions.length; i += ROWS_PER_STATEMENT) {
      const chunk = versions.slice(i, i + ROWS_PER_STATEMENT);
      this.sql.push(`INSERT INTO history (entity, id, seq, v, ts, deleted, path, data, crc) VALUES ${chunk.map((r) => values([r.entity, r.id, r.seq, r.v, r.at, r.deleted, r.path, r.data, r.crc])).join(', ')}`);
    }
    const agg = [...this.#agg.values()].filter((a) => a.count !== 0 || a.sum !== 0);
    this.#agg.clear();
    for (const a of agg) {
      // Writers hold the feed lock, so the row cannot appear between the UPDATE and the INSERT.
      const where = `path = ${lit(a.path)} AND entity = ${lit(a.entity)}`;
      this.sql.push(`UPDATE unit_agg SET count = count + ${lit(a.count)}, sum = MOD(sum + MOD(${lit(a.sum)}, 4294967296) + 4294967296, 4294967296) WHERE ${where}`);
      this.sql.push(
        `INSERT INTO unit_agg (path, entity, count, sum) SELECT ${lit(a.path)}, ${lit(a.entity)}, ${lit(a.count)}, MOD(MOD(${lit(a.sum)}, 4294967296) + 4294967296, 4294967296)
         WHERE NOT EXISTS (SELECT 1 FROM unit_agg WHERE ${where})`,
      );
    }
  }

  /** Moves the scope entries of the rows written: the replaced live row's out, the new live row's in. */
  #flushScopes(rows: RecordRow[]): void {
    const gone: string[] = [];
    const added: string[] = [];
    for (const r of rows) {
      const k = key(r.entity, r.id);
      const old = this.#inDb.get(k);
      if (old) for (const p of scopePrefixes(old.path)) gone.push(values([p, old.seq]));
      if (!r.deleted) for (const p of scopePrefixes(r.path)) added.push(values([p, r.seq]));
      this.#inDb.set(k, r.deleted ? null : { seq: r.seq, path: r.path });
    }
    for (let i = 0; i < gone.length; i += ROWS_PER_STATEMENT) this.sql.push(`DELETE FROM record_scopes WHERE (prefix, seq) IN (${gone.slice(i, i + ROWS_PER_STATEMENT).join(', ')})`);
    for (let i = 0; i < added.length; i += ROWS_PER_STATEMENT) this.sql.push(`INSERT INTO record_scopes (prefix, seq) VALUES ${added.slice(i, i + ROWS_PER_STATEMENT).join(', ')}`);
  }
}

/** `(v1, v2, …)` as literals. */
function values(row: (string | number | null)[]): string {
  return `(${row.map(lit).join(', ')})`;
}

function key(a: string, b: string): string {
  return `${a}\u0000${b}`;
}

export type PgStoreOptions = { history?: boolean; poolSize?: number };

/** Opens (and migrates) the centre's store in a PostgreSQL database. */
export async function openPgStore(url: string, now: () => number = Date.now, opts: PgStoreOptions = {}): Promise<PgStore> {
  const pool = new pg.Pool({ connectionString: url, types, max: opts.poolSize ?? 10 });
  // An idle client's error (the server restarting) must not crash the centre; the next query reconnects.
  pool.on('error', (err) => console.error(`centre: PostgreSQL connection lost (${describeUrl(url)}): ${err.message}`));
  try {
    const encoding = (await pool.query<{ server_encoding: string }>('SHOW server_encoding')).rows[0]!.server_encoding;
    if (encoding.toUpperCase() !== 'UTF8') throw new StoreError(`${describeUrl(url)}: the database's encoding is ${encoding}; the centre needs UTF8 (createdb -E UTF8)`);
    await migrate(pool);
    const epoch = 'e' + randomBytes(6).toString('hex');
    await pool.query("UPDATE feed_head SET epoch = $1 WHERE epoch = ''", [epoch]);
    const store = new PgStore(url, pool, now, opts.history ?? true, (await pool.query<{ epoch: string }>('SELECT epoch FROM feed_head')).rows[0]!.epoch);
    await store.listen();
    return store;
  } catch (err) {
    await pool.end().catch(() => undefined);
    if (err instanceof StoreError) throw err;
    throw new StoreError(`cannot open the PostgreSQL store at ${describeUrl(url)}: ${(err as Error).message}`);
  }
}

export class PgStore extends LatestReads implements CentralStore {
  readonly schemaVersion = PROTOCOL_VERSION;
  readonly #events = new EventEmitter();
  #epoch: string;
  #listener: pg.Client | null = null;
  #closed = false;
  /** The newest commit this process has told its listeners about, so a NOTIFY of it is not told twice. */
  #signalled = 0;

  constructor(
    readonly url: string,
    readonly pool: pg.Pool,
    readonly now: () => number,
    readonly keepsHistory: boolean,
    epoch: string,
  ) {
    super();
    this.#epoch = epoch;
    this.latest = readerOn(queryOn(pool), keepsHistory);
    this.#events.setMaxListeners(0);
  }

  get epoch(): string {
    return this.#epoch;
  }

  async current(keys: readonly { e: EntityName; id: string }[]): Promise<CurrentRecord[]> {
    const byEntity = new Map<EntityName, string[]>();
    for (const { e, id } of keys) byEntity.set(e, [...(byEntity.get(e) ?? []), id]);
    const out: CurrentRecord[] = [];
    for (const [e, ids] of byEntity) {
      // In chunks: a batch of 10,000 lines stays under the wire protocol's parameter limit.
      for (let i = 0; i < ids.length; i += 1000) {
        const chunk = ids.slice(i, i + 1000);
        const rows = (await this.pool.query<{ id: string; v: number; path: string; data: string }>(`SELECT id, v, path, data FROM records WHERE entity = $1 AND deleted = 0 AND id IN (${chunk.map((_, j) => `$${j + 2}`).join(', ')})`, [e, ...chunk])).rows;
        for (const r of rows) out.push({ e, id: r.id, v: Number(r.v), path: r.path, data: r.data });
      }
    }
    return out;
  }

  /** REPEATABLE READ READ ONLY on one pooled client: every read in fn sees the same committed state. */
  async snapshot<T>(fn: (reader: StoreReader) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const result = await fn(readerOn(queryOn(client), this.keepsHistory));
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  /**
   * Runs `fn` in a write transaction holding the feed lock, then updates the head, notifies, and
   * tells this process's listeners. A failure rolls everything back (seqs taken are skipped:
   * gaps are harmless, order is what matters). The lock is held from the first round trip to the
   * commit, and writers queue for it, so a write costs two round trips when it can: the first
   * begins, takes the lock, reads the head, takes `seqs` seqs and reads the rows of `keys`; the
   * second sends everything written with the head's update, the notification and the commit.
   */
  async #write<T>(
    fn: (w: WriteTx, q: Query) => Promise<T>,
    opts: { unchecked?: boolean; beforeCommit?: (() => Promise<void>) | undefined; keys?: readonly { entity: EntityName; id: string }[]; seqs?: number } = {},
  ): Promise<{ result: T; firstSeq: number; lastSeq: number }> {
    const client = await this.pool.connect();
    const q = queryOn(client);
    const multi = multiOn(client);
    try {
      const loads = WriteTx.loadStatements(opts.keys ?? []);
      const seqs = opts.seqs ?? 0;
      const first = await multi(
        [
          'BEGIN',
          // Before the first nextval: seqs are handed out in the order transactions commit.
          `SELECT pg_advisory_xact_lock(${FEED_LOCK})`,
          'SELECT seq, tx, epoch FROM feed_head',
          `SELECT nextval('feed_seq') AS seq FROM generate_series(1, ${lit(seqs)})`,
          ...loads.map((l) => l.text),
        ].join(';\n'),
      );
      const head = first[2]!.rows[0] as { seq: number; tx: number; epoch: string };
      const w = new WriteTx(q, multi, head.tx + 1, this.now(), this.keepsHistory, opts.unchecked ?? false);
      w.addSeqs(first[3]!.rows.map((r: { seq: number }) => Number(r.seq)));
      loads.forEach((l, i) => w.loaded(l.entity, l.ids, first[4 + i]!.rows as Parameters<WriteTx['loaded']>[2]));
      const result = await fn(w, q);
      w.flush();
      const lastSeq = w.seqs.length ? w.seqs[w.seqs.length - 1]! : head.seq;
      w.sql.push(`UPDATE feed_head SET seq = ${lit(lastSeq)}, tx = ${lit(w.tx)}`);
      // Delivered by PostgreSQL when (and only if) this transaction commits.
      if (w.seqs.length) w.sql.push(`SELECT pg_notify(${lit(FEED_CHANNEL)}, ${lit(`${head.epoch}:${lastSeq}`)})`);
      if (opts.beforeCommit) {
        await w.send();
        await opts.beforeCommit();
        await client.query('COMMIT');
      } else {
        w.sql.push('COMMIT');
        await w.send();
      }
      if (w.seqs.length) this.#signal(head.epoch, lastSeq);
      return { result, firstSeq: w.seqs[0] ?? head.seq + 1, lastSeq };
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  /** `beforeCommit` (for tests) runs with the transaction written and its seqs taken, before it commits: a writer that commits late. */
  async write(ops: WriteOp[], opts: { beforeCommit?: () => Promise<void> } = {}): Promise<{ firstSeq: number; lastSeq: number }> {
    const { firstSeq, lastSeq } = await this.#write((w) => applyOps(w, ops), { beforeCommit: opts.beforeCommit, keys: opKeys(ops), seqs: ops.length });
    return { firstSeq, lastSeq };
  }

  async writeUnchecked(ops: { t: 'put'; e: EntityName; d: Record<string, unknown> & { id: string } }[]): Promise<{ firstSeq: number; lastSeq: number }> {
    const { firstSeq, lastSeq } = await this.#write((w) => applyOps(w, ops as unknown as WriteOp[]), { unchecked: true, keys: opKeys(ops as unknown as WriteOp[]), seqs: ops.length });
    return { firstSeq, lastSeq };
  }

  /** The records are read in the transaction's first round trip, under the feed lock, with `atMost` seqs taken. */
  async writePlanned<T>(keys: readonly { e: EntityName; id: string }[], atMost: number, plan: (current: CurrentRecord[]) => { ops: WriteOp[]; result: T }): Promise<{ result: T; firstSeq: number; lastSeq: number }> {
    const planKeys = keys.map((k) => ({ entity: k.e, id: k.id }));
    return this.#write(
      async (w) => {
        const { ops, result } = plan(w.current(keys));
        if (ops.length) await applyOps(w, ops);
        return result;
      },
      { keys: planKeys, seqs: atMost },
    );
  }

  /** Each mutation above the client's last applied id, once: the check and the write are one transaction under the feed lock. */
  async applyMutations(clientId: string, mutations: StoreMutation[], scope = ''): Promise<number> {
    const { result } = await this.#write(async (w, q) => {
      const last = Number((await q<{ id: number }>('SELECT last_mutation_id AS id FROM clients WHERE client_id = $1', [clientId]))[0]?.id ?? 0);
      const fresh = mutations.filter((m) => m.id > last).sort((a, b) => a.id - b.id);
      if (fresh.length === 0) return last;
      const newest = fresh[fresh.length - 1]!.id;
      await applyOps(w, mutationOps(clientId, fresh));
      const receivedAt = Date.now();
      for (const m of fresh) {
        if ('audit' in m) {
          await q('INSERT INTO audit (client_id, mutation_id, scope, lead_id, key_name, role, at, received_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)', [
            clientId, m.id, scope, m.audit.leadId, m.audit.keyName, m.audit.role, m.audit.at, receivedAt,
          ]);
        }
      }
      const updated = await q('UPDATE clients SET last_mutation_id = $2 WHERE client_id = $1 RETURNING 1 AS one', [clientId, newest]);
      if (updated.length === 0) await q('INSERT INTO clients (client_id, last_mutation_id) VALUES ($1, $2)', [clientId, newest]);
      return newest;
    });
    return result;
  }

  /** Runs fn in a transaction holding the feed lock (purges must not race a write of the same rows). */
  async #locked<T>(fn: (q: Query) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    const q = queryOn(client);
    try {
      await client.query('BEGIN');
      await q('SELECT pg_advisory_xact_lock($1)', [FEED_LOCK]);
      const result = await fn(q);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  async purgeTombstones(cutoff: number): Promise<number> {
    return this.#locked(async (q) => {
      const top = (await q<{ seq: number | null }>('SELECT MAX(seq) AS seq FROM records WHERE deleted = 1 AND at < $1', [cutoff]))[0]!.seq;
      if (top === null) return 0;
      const n = (await q<{ one: number }>('DELETE FROM records WHERE deleted = 1 AND seq <= $1 RETURNING 1 AS one', [top])).length;
      await q('UPDATE feed_head SET purged = $1 WHERE purged < $1', [top]);
      return n;
    });
  }

  /**
   * Forgets what no as-of time from `before` on can need: versions superseded by then, and
   * deletions made by then (a record deleted by T is simply absent at T).
   */
  async purgeHistory(before: number): Promise<number> {
    if (!this.keepsHistory) return 0;
    return this.#locked(async (q) => {
      const from = Number((await q<{ h: number }>('SELECT history_from AS h FROM feed_head'))[0]!.h);
      if (before <= from) return 0;
      // Only records changed since the last purge can have a version newly superseded by `before`.
      let n = (
        await q(
          `DELETE FROM history WHERE (entity, id) IN (SELECT entity, id FROM history WHERE ts > $1 AND ts <= $2) AND ts <= $2
             AND EXISTS (SELECT 1 FROM history n WHERE n.entity = history.entity AND n.id = history.id AND n.seq > history.seq AND n.ts <= $2)
           RETURNING 1 AS one`,
          [from, before],
        )
      ).length;
      n += (await q('DELETE FROM history WHERE deleted = 1 AND ts > $1 AND ts <= $2 RETURNING 1 AS one', [from, before])).length;
      await q('UPDATE feed_head SET history_from = $1', [before]);
      return n;
    });
  }

  async recordHeartbeat(clientId: string, scope: string, receivedAt: number, report: object): Promise<void> {
    const values = [clientId, scope, receivedAt, JSON.stringify(report)];
    const update = () => this.pool.query('UPDATE displays SET scope = $2, received_at = $3, report = $4 WHERE client_id = $1', values);
    if ((await update()).rowCount) return;
    try {
      await this.pool.query('INSERT INTO displays (client_id, scope, received_at, report) VALUES ($1, $2, $3, $4)', values);
    } catch (err) {
      // Another centre process inserted this display's first heartbeat meanwhile: update it.
      if ((err as { code?: string }).code !== '23505') throw err;
      await update();
    }
  }

  async auditViews(scopePath: string, limit: number): Promise<AuditRow[]> {
    const rows = (
      await this.pool.query<AuditRow>(
        `SELECT a.client_id AS "clientId", a.scope, a.lead_id AS "leadId", a.key_name AS "keyName", a.role, a.at, a.received_at AS "receivedAt"
         FROM audit a JOIN records u ON u.entity = 'unit' AND u.id = a.scope AND u.deleted = 0
         WHERE substr(u.path, 1, char_length($1)) = $1
         ORDER BY a.at DESC, a.client_id, a.mutation_id DESC LIMIT $2`,
        [scopePath, limit],
      )
    ).rows;
    return rows;
  }

  async displays(scopePath: string): Promise<DisplayRow[]> {
    const rows = (
      await this.pool.query<{ clientId: string; scope: string; receivedAt: number; report: string }>(
        `SELECT d.client_id AS "clientId", d.scope, d.received_at AS "receivedAt", d.report
         FROM displays d JOIN records u ON u.entity = 'unit' AND u.id = d.scope AND u.deleted = 0
         WHERE substr(u.path, 1, char_length($1)) = $1 ORDER BY d.client_id`,
        [scopePath],
      )
    ).rows;
    return rows.map((d) => ({ ...d, report: JSON.parse(d.report) as unknown }));
  }

  async insertToken(row: TokenRow & { hash: string }): Promise<string | null> {
    // Names are unique among live tokens: checked and inserted under one lock across processes.
    return this.#locked(async (q) => {
      const clash = (await q<{ id: string }>('SELECT id FROM tokens WHERE name = $1 AND revoked_at IS NULL', [row.name]))[0];
      if (clash) return clash.id;
      await q('INSERT INTO tokens (id, name, scope, role, hash, created_at, revoked_at) VALUES ($1, $2, $3, $4, $5, $6, NULL)', [row.id, row.name, row.scope, row.role, row.hash, row.createdAt]);
      return null;
    });
  }

  async listTokens(): Promise<TokenRow[]> {
    return (await this.pool.query<TokenRow>('SELECT id, name, scope, role, created_at AS "createdAt", revoked_at AS "revokedAt" FROM tokens ORDER BY created_at, id')).rows;
  }

  async revokeToken(nameOrId: string, now: number): Promise<TokenRow | null> {
    return this.#locked(async (q) => {
      const row = (await q<TokenRow>('SELECT id, name, scope, role, created_at AS "createdAt", revoked_at AS "revokedAt" FROM tokens WHERE (id = $1 OR name = $1) AND revoked_at IS NULL', [nameOrId]))[0];
      if (!row) return null;
      await q('UPDATE tokens SET revoked_at = $1 WHERE id = $2', [now, row.id]);
      return { ...row, revokedAt: now };
    });
  }

  async tokenByHash(hash: string): Promise<Pick<TokenRow, 'id' | 'name' | 'scope' | 'role'> | null> {
    return (await this.pool.query<Pick<TokenRow, 'id' | 'name' | 'scope' | 'role'>>('SELECT id, name, scope, role FROM tokens WHERE hash = $1 AND revoked_at IS NULL', [hash])).rows[0] ?? null;
  }

  async revokedTokenIds(): Promise<Set<string>> {
    return new Set((await this.pool.query<{ id: string }>('SELECT id FROM tokens WHERE revoked_at IS NOT NULL')).rows.map((r) => r.id));
  }

  /** A restore from backup: the feed's positions no longer mean what they meant; every process hears of it. */
  async resetEpoch(): Promise<string> {
    const epoch = 'e' + randomBytes(6).toString('hex');
    const seq = await this.#locked(async (q) => {
      await q('UPDATE feed_head SET epoch = $1', [epoch]);
      const head = Number((await q<{ seq: number }>('SELECT seq FROM feed_head'))[0]!.seq);
      await q('SELECT pg_notify($1, $2)', [FEED_CHANNEL, `${epoch}:${head}`]);
      return head;
    });
    this.#signal(epoch, seq, true);
    return epoch;
  }

  onCommit(listener: () => void): () => void {
    this.#events.on('commit', listener);
    return () => this.#events.off('commit', listener);
  }

  /** Tells listeners of a commit (ours, or another process's by NOTIFY) unless already told. */
  #signal(epoch: string, seq: number, force = false): void {
    const changed = epoch !== this.#epoch;
    this.#epoch = epoch;
    if (!force && !changed && seq <= this.#signalled) return;
    this.#signalled = changed ? seq : Math.max(this.#signalled, seq);
    this.#events.emit('commit');
  }

  /**
   * LISTENs on a connection of its own. When it drops (the server restarting, a failover) it
   * reconnects with backoff and then tells listeners once, since commits may have been missed.
   */
  async listen(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url, types });
    client.on('notification', (msg) => {
      if (msg.channel !== FEED_CHANNEL || !msg.payload) return;
      const at = msg.payload.lastIndexOf(':');
      this.#signal(msg.payload.slice(0, at), Number(msg.payload.slice(at + 1)));
    });
    let lost = false;
    const onLost = (err?: Error) => {
      if (lost || this.#closed) return;
      lost = true;
      if (this.#listener === client) this.#listener = null;
      console.error(`centre: PostgreSQL notifications lost (${describeUrl(this.url)})${err ? ': ' + err.message : ''}; reconnecting`);
      client.end().catch(() => undefined);
      void this.#relisten(250);
    };
    client.on('error', onLost);
    client.on('end', () => onLost());
    await client.connect();
    await client.query(`LISTEN ${FEED_CHANNEL}`);
    this.#listener = client;
  }

  async #relisten(waitMs: number): Promise<void> {
    await new Promise((r) => setTimeout(r, waitMs).unref());
    if (this.#closed) return;
    try {
      await this.listen();
      const head = (await this.pool.query<{ seq: number; epoch: string }>('SELECT seq, epoch FROM feed_head')).rows[0]!;
      this.#signal(head.epoch, head.seq, true);
    } catch {
      void this.#relisten(Math.min(waitMs * 2, 5_000));
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#events.removeAllListeners();
    const listener = this.#listener;
    this.#listener = null;
    await listener?.end().catch(() => undefined);
    await this.pool.end();
  }
}

/**
 * Applies ops in one write transaction: the rows they touch read in batches, seqs taken at once,
 * the result written in multi-row statements.
 */
async function applyOps(w: WriteTx, ops: WriteOp[]): Promise<void> {
  await w.load(opKeys(ops));
  await w.reserve(ops.length);
  for (const op of ops) {
    if (op.t === 'put') await w.put(op);
    else await w.del(op);
  }
  w.flush();
}

/** The rows a batch of ops reads: each record, and what its scope path comes from (its parent unit, its unit or its lead). */
function opKeys(ops: readonly WriteOp[]): { entity: EntityName; id: string }[] {
  const keys: { entity: EntityName; id: string }[] = [];
  for (const op of ops) {
    if (op.t === 'del') {
      keys.push({ entity: op.e, id: op.id });
      continue;
    }
    const d = op.d as Record<string, unknown>;
    keys.push({ entity: op.e, id: op.d.id });
    for (const [field, entity] of [['parentId', 'unit'], ['unitId', 'unit'], ['leadId', 'lead']] as const) if (typeof d[field] === 'string') keys.push({ entity, id: d[field] });
  }
  return keys;
}
