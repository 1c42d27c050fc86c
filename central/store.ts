// The reference centre's durable store. Every change gets a seq inside its write transaction, so
// seq order is commit order; the records table keeps the latest version (or tombstone) of each
// record, indexed by seq, which serves snapshot, catch-up and live with one query. The history
// table keeps every version and deletion with its commit time (ts), for as long as a review may
// ask for the state as it stood at its cut-off (`since=0&asOf=T`).
import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { addCrc, recordCrc } from '../shared/crc32.js';
import { describeZodError, entitySchemas, PROTOCOL_VERSION, type AuditView, type EntityName, type EntityRecord, type Note } from '../shared/protocol.js';

/** One mutation as the store applies it: a note (into the feed) or an audit view (kept aside). */
export type StoreMutation = { id: number; note: Omit<Note, 'clientId' | 'mutationId'> } | { id: number; audit: AuditView };

/**
 * `at` (optional) is the commit time to record for a backfill of history that a running centre
 * would have committed earlier (the demo's generated past); it is never later than now.
 */
export type PutOp = { [E in EntityName]: { t: 'put'; e: E; d: EntityRecord[E]; at?: number } }[EntityName];
export type DelOp = { t: 'del'; e: EntityName; id: string; at?: number };
export type WriteOp = PutOp | DelOp;

export type StoredRow = {
  entity: EntityName;
  id: string;
  v: number;
  seq: number;
  tx: number;
  deleted: 0 | 1;
  path: string;
  paths: string;
  data: string | null;
  /** The centre's commit time of this version (ms). */
  ts: number;
};

/** A version as it stood at some time: what an as-of snapshot sends. */
export type HistoryRow = { entity: EntityName; id: string; v: number; seq: number; ts: number; data: string };

export class AsOfError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AsOfError';
  }
}

/**
 * Whether a record stored under `path` belongs to the feed of a scope: anything within the scope,
 * and a policy set at the scope or above it (it governs every unit under its own).
 */
export function visibleIn(entity: EntityName, path: string, scopePath: string): boolean {
  return path.startsWith(scopePath) || (entity === 'policy' && scopePath.startsWith(path));
}

/** A record's live version as stored: `data` is its JSON text. */

export type Stats = { counts: Partial<Record<EntityName, number>>; sums: Partial<Record<EntityName, number>> };

export class StoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreError';
  }
}

/** A stored record's latest live version, with its scope path (the city-level figures read these). */
export type LiveRecord<E extends EntityName = EntityName> = { id: string; v: number; path: string; data: string; d: EntityRecord[E] };

/** A record's live version as ingest checks a batch against it. */
export type CurrentRecord = { e: EntityName; id: string; v: number; path: string; data: string };

export type AuditRow = AuditView & { clientId: string; scope: string; receivedAt: number };
export type DisplayRow = { clientId: string; scope: string; receivedAt: number; report: unknown };

/** A run of put lines of one transaction, as the feed sends them (see {@link StoreReader.scopePutGroupsAfter}). */
export type PutGroup = { tx: number; lastSeq: number; n: number; text: Buffer };

/**
 * The store's reads. Got from {@link CentralStore.snapshot}, every call sees one consistent state
 * of the store while other writers commit; called on the store itself, each call sees the latest.
 */
export interface StoreReader {
  headSeq(): Promise<number>;
  purgedThrough(): Promise<number>;
  rowsAfter(seq: number, limit: number): Promise<StoredRow[]>;
  /**
   * What a snapshot of a scope sends from the log: the live rows visible in it ({@link visibleIn})
   * with seq in (after, through], in seq order; about `limit` of them (a policy set above the scope
   * may add a few; fewer than `limit` means there are no more). Read by the scope, not by scanning
   * the whole log, so a branch's snapshot costs its own rows.
   */
  scopeRowsAfter(after: number, through: number, scopePath: string, limit: number): Promise<StoredRow[]>;
  /**
   * The same rows as {@link scopeRowsAfter}, already as the feed's put lines (`feedLine` in tail.ts),
   * one group per run of rows of one transaction: `n` lines joined by newlines, the last at seq
   * `lastSeq`. A store whose database can build the lines itself offers it, so a large snapshot
   * costs the display's centre no decoding and re-encoding of every record.
   */
  scopePutGroupsAfter?: ((after: number, through: number, scopePath: string, limit: number) => Promise<PutGroup[]>) | undefined;
  /**
   * The seq of the scope's `n`-th snapshot row after `after` (through `through`), or `through`
   * when it has fewer: read from the scope's index alone, so a snapshot can be cut into batches
   * of about `n` rows before they are read (and read two at a time). Offered with the above.
   */
  scopeSeqAt?: ((after: number, through: number, scopePath: string, n: number) => Promise<number>) | undefined;
  hasRowsAfter(seq: number): Promise<boolean>;
  unitPath(unitId: string): Promise<string | null>;
  /** The scope path of a live lead, or null when there is none. */
  leadPath(leadId: string): Promise<string | null>;
  stats(scopePath: string): Promise<Stats>;
  /** Every live record of an entity with its scope path. */
  live<E extends EntityName>(entity: E): Promise<LiveRecord<E>[]>;
  lastMutationId(clientId: string): Promise<number>;
  /** The earliest time an as-of snapshot can be served for (older history has been purged). */
  historyFrom(): Promise<number>;
  /** The latest live version at time T of each record in scope with seq above `after`, in seq order. */
  rowsAsOf(asOf: number, scopePath: string, after: number, limit: number): Promise<HistoryRow[]>;
  /** Counts and sums of the scope's state at time T. */
  statsAsOf(asOf: number, scopePath: string): Promise<Stats>;
}

/** The display tokens a store keeps (central/tokens.ts): only the sha256 of each secret. */
export type TokenRow = { id: string; name: string; scope: string; role: string; createdAt: number; revokedAt: number | null };
export interface TokenTable {
  /** Inserts a token unless a live one has its name: returns the clashing live token's id, or null. */
  insertToken(row: TokenRow & { hash: string }): Promise<string | null>;
  listTokens(): Promise<TokenRow[]>;
  /** Revokes the live token with this id or name, returning it, or null when there is none. */
  revokeToken(nameOrId: string, now: number): Promise<TokenRow | null>;
  tokenByHash(hash: string): Promise<Pick<TokenRow, 'id' | 'name' | 'scope' | 'role'> | null>;
  revokedTokenIds(): Promise<Set<string>>;
}

/** What the HTTP layer needs from storage: SQLite for one machine, PostgreSQL for a province. */
export interface CentralStore extends StoreReader, TokenTable {
  /** The feed's epoch: a restore (or a reset in another process) changes it. */
  readonly epoch: string;
  readonly schemaVersion: number;
  /** The live version of each record asked for (none when absent or deleted): a batch is checked against these before it is written (central/ingest.ts). */
  current(keys: readonly { e: EntityName; id: string }[]): Promise<CurrentRecord[]>;
  /** Whether this store keeps the history `asOf` needs; a store without answers asOf with 400. */
  readonly keepsHistory: boolean;
  /**
   * Runs `fn` with a reader on one consistent snapshot of the store while other writers commit
   * (SQLite: a read transaction on a connection of its own; PostgreSQL: REPEATABLE READ READ ONLY
   * on one pooled client). The reader is valid only until fn's promise settles.
   */
  snapshot<T>(fn: (reader: StoreReader) => Promise<T>): Promise<T>;
  /** Applies every op in one transaction, or none of them (the error names the bad op). */
  write(ops: WriteOp[]): Promise<{ firstSeq: number; lastSeq: number }>;
  /**
   * Reads the live version of each record in `keys` (as {@link current}), lets `plan` choose the
   * ops from them, and writes those — in one write transaction, under the lock writers take, so
   * what the plan decided cannot go stale before the write, whatever another centre process
   * writes meanwhile (it waits, or it came first and the plan sees it). A plan that throws writes
   * nothing. `atMost`: how many ops the plan may return (the store takes their seqs at once).
   */
  writePlanned<T>(keys: readonly { e: EntityName; id: string }[], atMost: number, plan: (current: CurrentRecord[]) => { ops: WriteOp[]; result: T }): Promise<{ result: T; firstSeq: number; lastSeq: number }>;
  /**
   * For tests only: writes records without checking them against the protocol's schemas, as a
   * faulty or newer centre might serve them (a display must hold such a record back, not stall).
   */
  writeUnchecked(ops: { t: 'put'; e: EntityName; d: Record<string, unknown> & { id: string } }[]): Promise<{ firstSeq: number; lastSeq: number }>;
  /** Applies each mutation above the client's last applied id, once, in one transaction; returns the new last id. */
  applyMutations(clientId: string, mutations: StoreMutation[], scope?: string): Promise<number>;
  /** The unmasked views displays reported, newest first, of displays whose scope lies within a path. */
  auditViews(scopePath: string, limit: number): Promise<AuditRow[]>;
  /** Drops tombstones written before `cutoff`; a client below the newest purged seq must start again. */
  purgeTombstones(cutoff: number): Promise<number>;
  /** Forgets versions superseded (and deletions made) at or before `before`. */
  purgeHistory(before: number): Promise<number>;
  resetEpoch(): Promise<string>;
  /** Calls the listener after every commit, this process's or (through the database) another's. */
  onCommit(listener: () => void): () => void;
  recordHeartbeat(clientId: string, scope: string, receivedAt: number, report: object): Promise<void>;
  /** The latest heartbeat of every display whose scope lies within a scope path. */
  displays(scopePath: string): Promise<DisplayRow[]>;
  close(): Promise<void>;
}

const MIGRATIONS: string[] = [
  `CREATE TABLE meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);
   CREATE TABLE records (
     entity TEXT NOT NULL, id TEXT NOT NULL, v INTEGER NOT NULL, seq INTEGER NOT NULL, tx INTEGER NOT NULL,
     deleted INTEGER NOT NULL DEFAULT 0, path TEXT NOT NULL, paths TEXT NOT NULL, data TEXT, crc INTEGER NOT NULL,
     at INTEGER NOT NULL, PRIMARY KEY (entity, id)) WITHOUT ROWID;
   CREATE INDEX records_tombstones ON records(at) WHERE deleted = 1;
   CREATE UNIQUE INDEX records_seq ON records(seq);
   CREATE INDEX records_lead ON records(json_extract(data, '$.leadId')) WHERE entity IN ('event','stop_payment','note');
   CREATE TABLE unit_agg (path TEXT NOT NULL, entity TEXT NOT NULL, count INTEGER NOT NULL, sum INTEGER NOT NULL,
     PRIMARY KEY (path, entity)) WITHOUT ROWID;
   CREATE TABLE clients (client_id TEXT PRIMARY KEY, last_mutation_id INTEGER NOT NULL);`,
  // 2: the displays' heartbeats, for the centre's operators.
  `CREATE TABLE displays (client_id TEXT PRIMARY KEY, scope TEXT NOT NULL, received_at INTEGER NOT NULL, report TEXT NOT NULL);`,
  // 3: issued display tokens (central/tokens.ts): only the sha256 of each secret is kept.
  `CREATE TABLE tokens (id TEXT PRIMARY KEY, name TEXT NOT NULL, scope TEXT NOT NULL, role TEXT NOT NULL, hash TEXT NOT NULL UNIQUE,
     created_at INTEGER NOT NULL, revoked_at INTEGER);
   CREATE UNIQUE INDEX tokens_live_name ON tokens(name) WHERE revoked_at IS NULL;`,
  // 4: the displays' unmasked views of leads, for the audit (never in the feed).
  `CREATE TABLE audit (client_id TEXT NOT NULL, mutation_id INTEGER NOT NULL, scope TEXT NOT NULL, lead_id TEXT NOT NULL, key_name TEXT NOT NULL,
     role TEXT NOT NULL, at INTEGER NOT NULL, received_at INTEGER NOT NULL, PRIMARY KEY (client_id, mutation_id)) WITHOUT ROWID;`,
  // 5: every version and deletion with its commit time, for as-of snapshots. A store that had no
  // history keeps its current versions and serves as-of times from the latest of them on.
  `CREATE TABLE history (entity TEXT NOT NULL, id TEXT NOT NULL, seq INTEGER NOT NULL, v INTEGER NOT NULL, ts INTEGER NOT NULL,
     deleted INTEGER NOT NULL, path TEXT NOT NULL, data TEXT, crc INTEGER NOT NULL, PRIMARY KEY (entity, id, seq)) WITHOUT ROWID;
   CREATE INDEX history_seq ON history(seq);
   CREATE INDEX history_ts ON history(ts);
   INSERT INTO history (entity, id, seq, v, ts, deleted, path, data, crc) SELECT entity, id, seq, v, at, deleted, path, data, crc FROM records;
   INSERT INTO meta (k, v) SELECT 'history_from', CAST(COALESCE(MAX(at), 0) AS TEXT) FROM records;`,
];

/** Scope paths are prefixes: the upper bound of a range scan over one subtree. */
const SUBTREE_END = '\uffff';
/** {@link visibleIn} in SQL over a history row `h`, for a scope path @lo (and @hi = @lo + SUBTREE_END). */
const AS_OF_IN_SCOPE = "((h.path >= @lo AND h.path < @hi) OR (h.entity = 'policy' AND substr(@lo, 1, length(h.path)) = h.path))";

function pathSegment(id: string): string {
  return encodeURIComponent(id) + '/';
}

/** The SQLite store's reads on one connection, synchronous (better-sqlite3). */
class SqliteReads {
  readonly #get: Database.Statement<[string, string], { v: number; path: string; deleted: 0 | 1 }>;
  readonly #after: Database.Statement<[number, number], StoredRow>;
  readonly #scopeAfter: Database.Statement<{ after: number; through: number; lo: string; hi: string; limit: number }, StoredRow>;
  readonly #asOfRows: Database.Statement<{ asOf: number; lo: string; hi: string; after: number; limit: number }, HistoryRow>;
  readonly #meta: Database.Statement<[string], { v: string }>;

  constructor(readonly db: Database.Database, readonly keepsHistory: boolean) {
    this.#get = db.prepare('SELECT v, path, deleted FROM records WHERE entity = ? AND id = ?');
    this.#after = db.prepare('SELECT entity, id, v, seq, tx, deleted, path, paths, data, at AS ts FROM records WHERE seq > ? ORDER BY seq LIMIT ?');
    // On one machine the log is local: the seq index with the scope tested in SQL, no row crossing into JS for nothing.
    this.#scopeAfter = db.prepare(
      `SELECT entity, id, v, seq, tx, deleted, path, paths, data, at AS ts FROM records
       WHERE seq > @after AND seq <= @through AND deleted = 0 AND ((path >= @lo AND path < @hi) OR (entity = 'policy' AND substr(@lo, 1, length(path)) = path))
       ORDER BY seq LIMIT @limit`,
    );
    // Per record, the newest version committed by T (by seq: a record's versions are written in
    // order), if that is not a deletion and lies in the scope.
    this.#asOfRows = db.prepare(
      `SELECT h.entity, h.id, h.v, h.seq, h.ts, h.data FROM history h
       WHERE h.seq > @after AND h.ts <= @asOf AND h.deleted = 0 AND ${AS_OF_IN_SCOPE}
         AND NOT EXISTS (SELECT 1 FROM history n WHERE n.entity = h.entity AND n.id = h.id AND n.seq > h.seq AND n.ts <= @asOf)
       ORDER BY h.seq LIMIT @limit`,
    );
    this.#meta = db.prepare('SELECT v FROM meta WHERE k = ?');
  }

  meta(k: string): string | undefined {
    return this.#meta.get(k)?.v;
  }

  headSeq(): number {
    return Number(this.meta('seq') ?? 0);
  }

  purgedThrough(): number {
    return Number(this.meta('purged') ?? 0);
  }

  rowsAfter(seq: number, limit: number): StoredRow[] {
    return this.#after.all(seq, limit);
  }

  scopeRowsAfter(after: number, through: number, scopePath: string, limit: number): StoredRow[] {
    return this.#scopeAfter.all({ after, through, lo: scopePath, hi: scopePath + SUBTREE_END, limit });
  }

  hasRowsAfter(seq: number): boolean {
    return this.db.prepare('SELECT 1 FROM records WHERE seq > ? LIMIT 1').get(seq) !== undefined;
  }

  livePath(entity: EntityName, id: string): string | null {
    const row = this.#get.get(entity, id);
    return row && !row.deleted ? row.path : null;
  }

  stats(scopePath: string): Stats {
    // A policy set above the scope governs it too (visibleIn), so it counts in the scope's sums.
    const rows = this.db
      .prepare(
        `SELECT entity, SUM(count) AS count, SUM(sum) AS sum FROM unit_agg
         WHERE (path >= ? AND path < ?) OR (entity = 'policy' AND length(path) < length(?) AND substr(?, 1, length(path)) = path) GROUP BY entity`,
      )
      .all(scopePath, scopePath + SUBTREE_END, scopePath, scopePath) as { entity: EntityName; count: number; sum: number }[];
    return statsOf(rows);
  }

  live<E extends EntityName>(entity: E): LiveRecord<E>[] {
    return (this.db.prepare('SELECT id, v, path, data FROM records WHERE entity = ? AND deleted = 0 ORDER BY id').all(entity) as { id: string; v: number; path: string; data: string }[]).map((r) => ({
      ...r,
      d: JSON.parse(r.data) as EntityRecord[E],
    }));
  }

  lastMutationId(clientId: string): number {
    const row = this.db.prepare('SELECT last_mutation_id AS id FROM clients WHERE client_id = ?').get(clientId) as { id: number } | undefined;
    return row?.id ?? 0;
  }

  historyFrom(): number {
    return Number(this.meta('history_from') ?? 0);
  }

  #checkAsOf(asOf: number): void {
    checkAsOf(this.keepsHistory, this.historyFrom(), asOf);
  }

  rowsAsOf(asOf: number, scopePath: string, after: number, limit: number): HistoryRow[] {
    this.#checkAsOf(asOf);
    return this.#asOfRows.all({ asOf, lo: scopePath, hi: scopePath + SUBTREE_END, after, limit });
  }

  statsAsOf(asOf: number, scopePath: string): Stats {
    this.#checkAsOf(asOf);
    const rows = this.db
      .prepare(
        `SELECT h.entity AS entity, COUNT(*) AS count, SUM(h.crc) AS sum FROM history h
         WHERE h.ts <= @asOf AND h.deleted = 0 AND ${AS_OF_IN_SCOPE}
           AND NOT EXISTS (SELECT 1 FROM history n WHERE n.entity = h.entity AND n.id = h.id AND n.seq > h.seq AND n.ts <= @asOf)
         GROUP BY h.entity`,
      )
      .all({ asOf, lo: scopePath, hi: scopePath + SUBTREE_END }) as { entity: EntityName; count: number; sum: number }[];
    return statsOf(rows);
  }

  /** The async face of these reads, for {@link StoreReader}. */
  reader(): StoreReader {
    return {
      headSeq: async () => this.headSeq(),
      purgedThrough: async () => this.purgedThrough(),
      rowsAfter: async (seq, limit) => this.rowsAfter(seq, limit),
      scopeRowsAfter: async (after, through, p, limit) => this.scopeRowsAfter(after, through, p, limit),
      hasRowsAfter: async (seq) => this.hasRowsAfter(seq),
      unitPath: async (id) => this.livePath('unit', id),
      leadPath: async (id) => this.livePath('lead', id),
      stats: async (p) => this.stats(p),
      live: async (e) => this.live(e),
      lastMutationId: async (c) => this.lastMutationId(c),
      historyFrom: async () => this.historyFrom(),
      rowsAsOf: async (asOf, p, after, limit) => this.rowsAsOf(asOf, p, after, limit),
      statsAsOf: async (asOf, p) => this.statsAsOf(asOf, p),
    };
  }
}

/** Refuses an as-of time a store cannot answer (no history kept, or older than what it keeps). */
export function checkAsOf(keepsHistory: boolean, historyFrom: number, asOf: number): void {
  if (!keepsHistory) throw new AsOfError('asOf not supported');
  if (asOf < historyFrom) throw new AsOfError(`asOf ${asOf} is before the history this centre keeps (from ${historyFrom})`);
}

/** Counts and crc sums per entity from summed rows (the sums of crcs, possibly negative, taken modulo 2^32). */
export function statsOf(rows: { entity: EntityName; count: number | string; sum: number | string | null }[]): Stats {
  const out: Stats = { counts: {}, sums: {} };
  for (const r of rows) {
    out.counts[r.entity] = Number(r.count);
    out.sums[r.entity] = addCrc(0, Number(BigInt(r.sum ?? 0) % 0x100000000n));
  }
  return out;
}

/** Snapshot connections a SQLite store keeps open at most; more concurrent snapshots wait for one. */
const SQLITE_READERS = 4;

/**
 * The scope path a record lives under: a unit's own path (its parent's and its id); anything else
 * its unit's or its lead's. Pure over the lookups, so a batch can be checked before it is written
 * (central/ingest.ts) by the same rule the store writes with.
 */
export function recordPath(e: EntityName, d: { id: string }, unitPath: (id: string) => string | null, leadPath: (id: string) => string | null): string {
  const r = d as Record<string, unknown>;
  if (e === 'unit') {
    const parentId = r['parentId'] as string | null;
    if (parentId === null) return '/' + pathSegment(d.id);
    const parent = unitPath(parentId);
    if (!parent) throw new StoreError(`unit ${d.id}: parent unit ${parentId} does not exist`);
    return parent + pathSegment(d.id);
  }
  if (e === 'lead') {
    const unitId = r['unitId'] as string;
    const p = unitPath(unitId);
    if (!p) throw new StoreError(`lead ${d.id}: unit ${unitId} does not exist`);
    return p;
  }
  const leadId = r['leadId'] as string | undefined;
  if (leadId !== undefined) {
    const p = leadPath(leadId);
    if (!p) throw new StoreError(`${e} ${d.id}: lead ${leadId} does not exist`);
    return p;
  }
  const unitId = r['unitId'] as string | undefined;
  const p = unitId === undefined ? null : unitPath(unitId);
  if (!p) throw new StoreError(`${e} ${d.id}: needs an existing leadId or unitId`);
  return p;
}

/**
 * The reads of a store's latest committed state, each handed to the store's own reader (which its
 * constructor sets): one list of them for both stores. A snapshot's reader (CentralStore.snapshot)
 * sees one state across calls instead.
 */
export abstract class LatestReads implements StoreReader {
  protected latest!: StoreReader;
  headSeq = (): Promise<number> => this.latest.headSeq();
  purgedThrough = (): Promise<number> => this.latest.purgedThrough();
  rowsAfter = (seq: number, limit: number): Promise<StoredRow[]> => this.latest.rowsAfter(seq, limit);
  scopeRowsAfter = (after: number, through: number, scopePath: string, limit: number): Promise<StoredRow[]> => this.latest.scopeRowsAfter(after, through, scopePath, limit);
  hasRowsAfter = (seq: number): Promise<boolean> => this.latest.hasRowsAfter(seq);
  get scopePutGroupsAfter(): StoreReader['scopePutGroupsAfter'] {
    return this.latest.scopePutGroupsAfter?.bind(this.latest);
  }
  get scopeSeqAt(): StoreReader['scopeSeqAt'] {
    return this.latest.scopeSeqAt?.bind(this.latest);
  }
  unitPath = (unitId: string): Promise<string | null> => this.latest.unitPath(unitId);
  leadPath = (leadId: string): Promise<string | null> => this.latest.leadPath(leadId);
  stats = (scopePath: string): Promise<Stats> => this.latest.stats(scopePath);
  lastMutationId = (clientId: string): Promise<number> => this.latest.lastMutationId(clientId);
  historyFrom = (): Promise<number> => this.latest.historyFrom();
  rowsAsOf = (asOf: number, scopePath: string, after: number, limit: number): Promise<HistoryRow[]> => this.latest.rowsAsOf(asOf, scopePath, after, limit);
  statsAsOf = (asOf: number, scopePath: string): Promise<Stats> => this.latest.statsAsOf(asOf, scopePath);
  live<E extends EntityName>(entity: E): Promise<LiveRecord<E>[]> {
    return this.latest.live(entity);
  }
}

export class SqliteStore extends LatestReads implements CentralStore {
  readonly db: Database.Database;
  readonly schemaVersion = PROTOCOL_VERSION;
  #epoch: string;
  readonly #events = new EventEmitter();
  readonly #file: string;
  readonly #reads: SqliteReads;
  readonly #get: Database.Statement<[string, string], Pick<StoredRow, 'v' | 'path' | 'paths' | 'deleted'> & { crc: number }>;
  readonly #data: Database.Statement<[string, string], { v: number; path: string; data: string }>;
  readonly #upsert: Database.Statement;
  readonly #aggAdd: Database.Statement;
  readonly #children: Database.Statement<[string], { entity: EntityName; id: string }>;
  readonly #setMeta: Database.Statement<[string, string]>;
  #seq: number;
  #tx: number;
  #dataVersion = 0;
  #poll: NodeJS.Timeout | null = null;
  /** Idle snapshot connections, and snapshots waiting for one. */
  readonly #idleReaders: SqliteReads[] = [];
  #openReaders = 0;
  readonly #waiting: ((r: SqliteReads) => void)[] = [];

  readonly keepsHistory: boolean;
  readonly #history: Database.Statement;
  /** The commit time of the transaction being written. */
  #txTs = 0;

  /**
   * @param now the centre's clock, stamped on every change (tombstones are purged by age).
   * @param opts.history keep every version for as-of snapshots (default true); without it the
   *   centre answers `asOf` with 400, as a centre that keeps no history does.
   */
  constructor(file: string, readonly now: () => number = Date.now, opts: { history?: boolean } = {}) {
    super();
    this.keepsHistory = opts.history ?? true;
    this.#file = file;
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    const version = this.db.pragma('user_version', { simple: true }) as number;
    if (version > MIGRATIONS.length) throw new StoreError(`${file}: store schema ${version} is newer than this centre (${MIGRATIONS.length})`);
    for (let i = version; i < MIGRATIONS.length; i++) {
      this.db.transaction(() => {
        this.db.exec(MIGRATIONS[i]!);
        this.db.pragma(`user_version = ${i + 1}`);
      })();
    }
    this.#setMeta = this.db.prepare('INSERT INTO meta (k, v) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v');
    this.#reads = new SqliteReads(this.db, this.keepsHistory);
    this.latest = this.#reads.reader();
    this.#epoch = this.#reads.meta('epoch') ?? this.#newEpoch();
    this.#seq = this.#reads.headSeq();
    this.#tx = Number(this.#reads.meta('tx') ?? 0);
    this.#get = this.db.prepare('SELECT v, path, paths, deleted, crc FROM records WHERE entity = ? AND id = ?');
    this.#data = this.db.prepare('SELECT v, path, data FROM records WHERE entity = ? AND id = ? AND deleted = 0');
    this.#upsert = this.db.prepare(
      `INSERT INTO records (entity, id, v, seq, tx, deleted, path, paths, data, crc, at) VALUES (@entity, @id, @v, @seq, @tx, @deleted, @path, @paths, @data, @crc, @at)
       ON CONFLICT (entity, id) DO UPDATE SET v = excluded.v, seq = excluded.seq, tx = excluded.tx, deleted = excluded.deleted,
         path = excluded.path, paths = excluded.paths, data = excluded.data, crc = excluded.crc, at = excluded.at`,
    );
    this.#aggAdd = this.db.prepare(
      `INSERT INTO unit_agg (path, entity, count, sum) VALUES (@path, @entity, @count, @sum)
       ON CONFLICT (path, entity) DO UPDATE SET count = count + excluded.count, sum = (sum + excluded.sum + 4294967296) % 4294967296`,
    );
    this.#history = this.db.prepare(
      'INSERT INTO history (entity, id, seq, v, ts, deleted, path, data, crc) VALUES (@entity, @id, @seq, @v, @at, @deleted, @path, @data, @crc)',
    );
    this.#children = this.db.prepare(
      `SELECT entity, id FROM records WHERE json_extract(data, '$.leadId') = ? AND entity IN ('event','stop_payment','note') AND deleted = 0`,
    );
    this.#dataVersion = this.db.pragma('data_version', { simple: true }) as number;
  }

  get epoch(): string {
    return this.#epoch;
  }

  #newEpoch(): string {
    const epoch = 'e' + randomBytes(6).toString('hex');
    this.#setMeta.run('epoch', epoch);
    return epoch;
  }

  /**
   * A read transaction on a connection of its own: in WAL mode it sees the state as of its first
   * read while this connection (and other processes) commit, and no write of ours lands in it.
   */
  async snapshot<T>(fn: (reader: StoreReader) => Promise<T>): Promise<T> {
    const reads = await this.#takeReader();
    try {
      reads.db.exec('BEGIN');
      return await fn(reads.reader());
    } finally {
      if (reads.db.open && reads.db.inTransaction) {
        try {
          reads.db.exec('COMMIT');
        } catch {
          // A connection that cannot end its read transaction is not reused.
        }
      }
      this.#giveReader(reads);
    }
  }

  #takeReader(): Promise<SqliteReads> {
    const idle = this.#idleReaders.pop();
    if (idle) return Promise.resolve(idle);
    if (this.#openReaders < SQLITE_READERS) {
      this.#openReaders++;
      const db = new Database(this.#file, { readonly: true });
      db.pragma('busy_timeout = 5000');
      return Promise.resolve(new SqliteReads(db, this.keepsHistory));
    }
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  #giveReader(reads: SqliteReads): void {
    if (!this.db.open || !reads.db.open || reads.db.inTransaction) {
      if (reads.db.open) reads.db.close();
      this.#openReaders--;
      // A snapshot waiting for a connection opens a fresh one in its place.
      const next = this.db.open ? this.#waiting.shift() : undefined;
      if (next) void this.#takeReader().then(next);
      return;
    }
    const next = this.#waiting.shift();
    if (next) next(reads);
    else this.#idleReaders.push(reads);
  }

  #pathOf(op: PutOp): string {
    return recordPath(op.e, op.d, (id) => this.#reads.livePath('unit', id), (id) => this.#reads.livePath('lead', id));
  }

  async current(keys: readonly { e: EntityName; id: string }[]): Promise<CurrentRecord[]> {
    return this.#current(keys);
  }

  #current(keys: readonly { e: EntityName; id: string }[]): CurrentRecord[] {
    const out: CurrentRecord[] = [];
    for (const { e, id } of keys) {
      const row = this.#data.get(e, id);
      if (row) out.push({ e, id, v: row.v, path: row.path, data: row.data });
    }
    return out;
  }

  /** Read and written in one IMMEDIATE transaction: no other process writes between the two. */
  async writePlanned<T>(keys: readonly { e: EntityName; id: string }[], _atMost: number, plan: (current: CurrentRecord[]) => { ops: WriteOp[]; result: T }): Promise<{ result: T; firstSeq: number; lastSeq: number }> {
    return this.#commit(() => {
      const { ops, result } = plan(this.#current(keys));
      const seqs = ops.length ? this.#writeOps(ops) : { firstSeq: this.#seq + 1, lastSeq: this.#seq };
      return { result, ...seqs };
    });
  }

  #bump(): { seq: number } {
    this.#seq += 1;
    return { seq: this.#seq };
  }

  #applyPut(op: PutOp, tx: number): void {
    const parsed = entitySchemas[op.e].safeParse(op.d);
    if (!parsed.success && !this.#unchecked) throw new StoreError(`${op.e} ${String((op.d as { id?: unknown }).id)}: ${describeZodError(parsed.error)}`);
    const id = op.d.id;
    const prev = this.#get.get(op.e, id);
    const path = this.#pathOf(op);
    const v = (prev?.v ?? 0) + 1;
    const crc = recordCrc(id, v);
    const paths = prev ? (JSON.parse(prev.paths) as string[]) : [];
    if (!paths.includes(path)) paths.push(path);
    if (prev && !prev.deleted) this.#aggAdd.run({ path: prev.path, entity: op.e, count: -1, sum: -prev.crc });
    this.#aggAdd.run({ path, entity: op.e, count: 1, sum: crc });
    const { seq } = this.#bump();
    this.#store({ entity: op.e, id, v, seq, tx, deleted: 0, path, paths: JSON.stringify(paths), data: JSON.stringify(parsed.success ? parsed.data : op.d), crc, at: this.#stamp(op.at) });
    // A lead that moves takes its timeline with it: children get a new seq (not a new version) so
    // displays of the old scope receive `del` and those of the new scope receive `put`.
    if (op.e === 'lead' && prev && !prev.deleted && prev.path !== path) this.#repathChildren(id, path, tx);
  }

  #repathChildren(leadId: string, path: string, tx: number): void {
    for (const child of this.#children.all(leadId)) {
      const row = this.db.prepare('SELECT v, path, paths, crc, data FROM records WHERE entity = ? AND id = ?').get(child.entity, child.id) as {
        v: number; path: string; paths: string; crc: number; data: string;
      };
      const paths = JSON.parse(row.paths) as string[];
      if (!paths.includes(path)) paths.push(path);
      this.#aggAdd.run({ path: row.path, entity: child.entity, count: -1, sum: -row.crc });
      this.#aggAdd.run({ path, entity: child.entity, count: 1, sum: row.crc });
      const { seq } = this.#bump();
      this.#store({ entity: child.entity, id: child.id, v: row.v, seq, tx, deleted: 0, path, paths: JSON.stringify(paths), data: row.data, crc: row.crc, at: this.#txTs });
    }
  }

  #applyDel(op: DelOp, tx: number): void {
    const prev = this.#get.get(op.e, op.id);
    if (!prev || prev.deleted) throw new StoreError(`del ${op.e} ${op.id}: no such record`);
    this.#aggAdd.run({ path: prev.path, entity: op.e, count: -1, sum: -prev.crc });
    const { seq } = this.#bump();
    this.#store({ entity: op.e, id: op.id, v: prev.v + 1, seq, tx, deleted: 1, path: prev.path, paths: prev.paths, data: null, crc: 0, at: this.#stamp(op.at) });
  }

  /** The commit time of a change: the transaction's, or a backfill's own earlier time. */
  #stamp(at: number | undefined): number {
    return at === undefined ? this.#txTs : Math.min(at, this.#txTs);
  }

  #store(row: { entity: EntityName; id: string; v: number; seq: number; tx: number; deleted: 0 | 1; path: string; paths: string; data: string | null; crc: number; at: number }): void {
    this.#upsert.run(row);
    if (this.keepsHistory) this.#history.run(row);
  }

  async write(ops: WriteOp[]): Promise<{ firstSeq: number; lastSeq: number }> {
    return this.#commit(() => this.#writeOps(ops));
  }

  #unchecked = false;
  async writeUnchecked(ops: { t: 'put'; e: EntityName; d: Record<string, unknown> & { id: string } }[]): Promise<{ firstSeq: number; lastSeq: number }> {
    this.#unchecked = true;
    try {
      return this.#commit(() => this.#writeOps(ops as unknown as WriteOp[]));
    } finally {
      this.#unchecked = false;
    }
  }

  /** Runs fn in one IMMEDIATE transaction, then tells live streams; counters roll back on failure. */
  #commit<T>(fn: () => T): T {
    const before = { seq: this.#seq, tx: this.#tx };
    try {
      const result = this.db.transaction(() => {
        // Another process may have committed since we last looked: take seq and tx under the lock.
        this.#syncCounters();
        const r = fn();
        this.#setMeta.run('seq', String(this.#seq));
        this.#setMeta.run('tx', String(this.#tx));
        return r;
      }).immediate();
      this.#dataVersion = this.db.pragma('data_version', { simple: true }) as number;
      this.#events.emit('commit');
      return result;
    } catch (err) {
      this.#seq = before.seq;
      this.#tx = before.tx;
      throw err;
    }
  }

  #writeOps(ops: WriteOp[]): { firstSeq: number; lastSeq: number } {
    this.#tx += 1;
    this.#txTs = this.now();
    const firstSeq = this.#seq + 1;
    for (const op of ops) {
      if (op.t === 'put') this.#applyPut(op, this.#tx);
      else this.#applyDel(op, this.#tx);
    }
    return { firstSeq, lastSeq: this.#seq };
  }

  async applyMutations(clientId: string, mutations: StoreMutation[], scope = ''): Promise<number> {
    const last = this.#reads.lastMutationId(clientId);
    const fresh = mutations.filter((m) => m.id > last).sort((a, b) => a.id - b.id);
    if (fresh.length === 0) return last;
    const newest = fresh[fresh.length - 1]!.id;
    const audit = this.db.prepare('INSERT OR IGNORE INTO audit (client_id, mutation_id, scope, lead_id, key_name, role, at, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    const receivedAt = Date.now();
    const save = this.db.prepare(
      'INSERT INTO clients (client_id, last_mutation_id) VALUES (?, ?) ON CONFLICT (client_id) DO UPDATE SET last_mutation_id = excluded.last_mutation_id',
    );
    this.#commit(() => {
      const ops = mutationOps(clientId, fresh);
      if (ops.length) this.#writeOps(ops);
      for (const m of fresh) if ('audit' in m) audit.run(clientId, m.id, scope, m.audit.leadId, m.audit.keyName, m.audit.role, m.audit.at, receivedAt);
      save.run(clientId, newest);
    });
    return newest;
  }

  async purgeTombstones(cutoff: number): Promise<number> {
    return this.db.transaction(() => {
      const top = this.db.prepare('SELECT MAX(seq) AS seq FROM records WHERE deleted = 1 AND at < ?').get(cutoff) as { seq: number | null };
      if (top.seq === null) return 0;
      const n = this.db.prepare('DELETE FROM records WHERE deleted = 1 AND seq <= ?').run(top.seq).changes;
      this.#setMeta.run('purged', String(Math.max(this.#reads.purgedThrough(), top.seq)));
      return n;
    })();
  }

  /**
   * Forgets what no as-of time from `before` on can need: versions superseded by then, and
   * deletions made by then (a record deleted by T is simply absent at T).
   */
  async purgeHistory(before: number): Promise<number> {
    const from = this.#reads.historyFrom();
    if (!this.keepsHistory || before <= from) return 0;
    // Only records changed since the last purge can have a version newly superseded by `before`.
    return this.db.transaction(() => {
      let n = this.db
        .prepare(
          `DELETE FROM history WHERE (entity, id) IN (SELECT entity, id FROM history WHERE ts > @from AND ts <= @before) AND ts <= @before
             AND EXISTS (SELECT 1 FROM history n WHERE n.entity = history.entity AND n.id = history.id AND n.seq > history.seq AND n.ts <= @before)`,
        )
        .run({ from, before }).changes;
      n += this.db.prepare('DELETE FROM history WHERE deleted = 1 AND ts > ? AND ts <= ?').run(from, before).changes;
      this.#setMeta.run('history_from', String(before));
      return n;
    })();
  }

  async recordHeartbeat(clientId: string, scope: string, receivedAt: number, report: object): Promise<void> {
    this.db
      .prepare('INSERT INTO displays (client_id, scope, received_at, report) VALUES (?, ?, ?, ?) ON CONFLICT (client_id) DO UPDATE SET scope = excluded.scope, received_at = excluded.received_at, report = excluded.report')
      .run(clientId, scope, receivedAt, JSON.stringify(report));
  }

  async auditViews(scopePath: string, limit: number): Promise<AuditRow[]> {
    const rows = this.db
      .prepare('SELECT client_id AS clientId, scope, lead_id AS leadId, key_name AS keyName, role, at, received_at AS receivedAt FROM audit ORDER BY at DESC, client_id, mutation_id DESC')
      .all() as AuditRow[];
    return rows.filter((r) => (this.#reads.livePath('unit', r.scope) ?? '').startsWith(scopePath)).slice(0, limit);
  }

  async displays(scopePath: string): Promise<DisplayRow[]> {
    return (this.db.prepare('SELECT client_id AS clientId, scope, received_at AS receivedAt, report FROM displays ORDER BY client_id').all() as { clientId: string; scope: string; receivedAt: number; report: string }[])
      .filter((d) => (this.#reads.livePath('unit', d.scope) ?? '').startsWith(scopePath))
      .map((d) => ({ ...d, report: JSON.parse(d.report) as unknown }));
  }

  async insertToken(row: TokenRow & { hash: string }): Promise<string | null> {
    return this.db.transaction(() => {
      const clash = this.db.prepare('SELECT id FROM tokens WHERE name = ? AND revoked_at IS NULL').get(row.name) as { id: string } | undefined;
      if (clash) return clash.id;
      this.db
        .prepare('INSERT INTO tokens (id, name, scope, role, hash, created_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, NULL)')
        .run(row.id, row.name, row.scope, row.role, row.hash, row.createdAt);
      return null;
    }).immediate();
  }

  async listTokens(): Promise<TokenRow[]> {
    return this.db.prepare('SELECT id, name, scope, role, created_at AS createdAt, revoked_at AS revokedAt FROM tokens ORDER BY created_at, id').all() as TokenRow[];
  }

  async revokeToken(nameOrId: string, now: number): Promise<TokenRow | null> {
    return this.db.transaction(() => {
      const row = this.db
        .prepare('SELECT id, name, scope, role, created_at AS createdAt, revoked_at AS revokedAt FROM tokens WHERE (id = ? OR name = ?) AND revoked_at IS NULL')
        .get(nameOrId, nameOrId) as TokenRow | undefined;
      if (!row) return null;
      this.db.prepare('UPDATE tokens SET revoked_at = ? WHERE id = ?').run(now, row.id);
      return { ...row, revokedAt: now };
    }).immediate();
  }

  async tokenByHash(hash: string): Promise<Pick<TokenRow, 'id' | 'name' | 'scope' | 'role'> | null> {
    return (this.db.prepare('SELECT id, name, scope, role FROM tokens WHERE hash = ? AND revoked_at IS NULL').get(hash) as Pick<TokenRow, 'id' | 'name' | 'scope' | 'role'> | undefined) ?? null;
  }

  async revokedTokenIds(): Promise<Set<string>> {
    return new Set((this.db.prepare('SELECT id FROM tokens WHERE revoked_at IS NOT NULL').all() as { id: string }[]).map((r) => r.id));
  }

  /** A restore from backup: the feed's positions no longer mean what they meant. */
  async resetEpoch(): Promise<string> {
    this.#epoch = this.#newEpoch();
    this.#events.emit('commit');
    return this.#epoch;
  }

  onCommit(listener: () => void): () => void {
    this.#events.on('commit', listener);
    // Writers in other processes commit to the same file: notice them by data_version.
    if (!this.#poll) {
      this.#poll = setInterval(() => this.#checkExternal(), 50);
      this.#poll.unref();
    }
    return () => this.#events.off('commit', listener);
  }

  #checkExternal(): void {
    if (!this.db.open) return;
    const dv = this.db.pragma('data_version', { simple: true }) as number;
    if (dv === this.#dataVersion) return;
    this.#dataVersion = dv;
    this.#syncCounters();
    this.#events.emit('commit');
  }

  #syncCounters(): void {
    const meta = this.db.prepare("SELECT k, v FROM meta WHERE k IN ('seq','tx','epoch')").all() as { k: string; v: string }[];
    for (const { k, v } of meta) {
      if (k === 'seq') this.#seq = Math.max(this.#seq, Number(v));
      if (k === 'tx') this.#tx = Math.max(this.#tx, Number(v));
      if (k === 'epoch') this.#epoch = v;
    }
  }

  async close(): Promise<void> {
    if (this.#poll) clearInterval(this.#poll);
    this.#events.removeAllListeners();
    for (const r of this.#idleReaders.splice(0)) r.db.close();
    this.db.close();
  }
}

/** The note ops of a batch of mutations: each note stamped with its client and mutation id. */
export function mutationOps(clientId: string, fresh: StoreMutation[]): WriteOp[] {
  return fresh.flatMap((m) => ('note' in m ? [{ t: 'put', e: 'note', d: { ...m.note, clientId, mutationId: m.id } } as WriteOp] : []));
}
