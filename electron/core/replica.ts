// The local replica: a better-sqlite3 cache of one scope of the centre's feed. A page is applied
// in one transaction together with the feed position (seq, epoch) and the per-entity counts and
// crc32 sums, so a crash at any point leaves either the old state or the new one, never a mix.
import Database from 'better-sqlite3';
import { existsSync, renameSync } from 'node:fs';
import { addCrc, recordCrc } from '../../shared/crc32.js';
import { entityNames, type CheckpointLine, type DelLine, type EntityName, type HeldLine, type HeldRecord, type LocalFault, type PutLine } from '../../shared/protocol.js';

export class ReplicaError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReplicaError';
  }
}

/** Numbered migrations; index i brings user_version from i to i + 1. */
export const MIGRATIONS: readonly string[] = [
  `CREATE TABLE sync_state (id INTEGER PRIMARY KEY CHECK (id = 1), epoch TEXT, seq INTEGER NOT NULL);
   INSERT INTO sync_state (id, epoch, seq) VALUES (1, NULL, 0);
   CREATE TABLE entity_stats (entity TEXT PRIMARY KEY, count INTEGER NOT NULL, sum INTEGER NOT NULL) WITHOUT ROWID;
   CREATE TABLE unit (id TEXT PRIMARY KEY, v INTEGER NOT NULL, data TEXT NOT NULL,
     parent_id TEXT GENERATED ALWAYS AS (json_extract(data, '$.parentId')) STORED,
     level TEXT GENERATED ALWAYS AS (json_extract(data, '$.level')) STORED) WITHOUT ROWID;
   CREATE INDEX unit_parent ON unit(parent_id);
   CREATE TABLE lead (id TEXT PRIMARY KEY, v INTEGER NOT NULL, data TEXT NOT NULL,
     unit_id TEXT GENERATED ALWAYS AS (json_extract(data, '$.unitId')) STORED,
     issued_at INTEGER GENERATED ALWAYS AS (json_extract(data, '$.issuedAt')) STORED,
     feedback_due_at INTEGER GENERATED ALWAYS AS (json_extract(data, '$.feedbackDueAt')) STORED,
     feedback_at INTEGER GENERATED ALWAYS AS (json_extract(data, '$.feedbackAt')) STORED) WITHOUT ROWID;
   CREATE INDEX lead_open ON lead(feedback_due_at) WHERE feedback_at IS NULL;
   CREATE INDEX lead_issued ON lead(issued_at);
   CREATE INDEX lead_unit_issued ON lead(unit_id, issued_at);
   CREATE TABLE event (id TEXT PRIMARY KEY, v INTEGER NOT NULL, data TEXT NOT NULL,
     lead_id TEXT GENERATED ALWAYS AS (json_extract(data, '$.leadId')) STORED,
     at INTEGER GENERATED ALWAYS AS (json_extract(data, '$.at')) STORED) WITHOUT ROWID;
   CREATE INDEX event_lead ON event(lead_id, at);
   CREATE INDEX event_at ON event(at);
   CREATE TABLE stop_payment (id TEXT PRIMARY KEY, v INTEGER NOT NULL, data TEXT NOT NULL,
     lead_id TEXT GENERATED ALWAYS AS (json_extract(data, '$.leadId')) STORED,
     requested_at INTEGER GENERATED ALWAYS AS (json_extract(data, '$.requestedAt')) STORED) WITHOUT ROWID;
   CREATE INDEX stop_payment_lead ON stop_payment(lead_id);
   CREATE INDEX stop_payment_requested ON stop_payment(requested_at);
   CREATE TABLE note (id TEXT PRIMARY KEY, v INTEGER NOT NULL, data TEXT NOT NULL,
     lead_id TEXT GENERATED ALWAYS AS (json_extract(data, '$.leadId')) STORED,
     created_at INTEGER GENERATED ALWAYS AS (json_extract(data, '$.createdAt')) STORED) WITHOUT ROWID;
   CREATE INDEX note_lead ON note(lead_id);`,
  // 2: the fields the indicators, countdowns and timelines read, as stored columns, so screen
  // queries read columns through indexes instead of parsing JSON.
  `CREATE TABLE lead_v2 (id TEXT PRIMARY KEY, v INTEGER NOT NULL, data TEXT NOT NULL,
     unit_id TEXT GENERATED ALWAYS AS (json_extract(data, '$.unitId')) STORED,
     person_id TEXT GENERATED ALWAYS AS (json_extract(data, '$.personId')) STORED,
     issued_at INTEGER GENERATED ALWAYS AS (json_extract(data, '$.issuedAt')) STORED,
     feedback_due_at INTEGER GENERATED ALWAYS AS (json_extract(data, '$.feedbackDueAt')) STORED,
     feedback_at INTEGER GENERATED ALWAYS AS (json_extract(data, '$.feedbackAt')) STORED,
     met_at INTEGER GENERATED ALWAYS AS (json_extract(data, '$.metAt')) STORED,
     outcome TEXT GENERATED ALWAYS AS (json_extract(data, '$.outcome')) STORED,
     loss_amount INTEGER GENERATED ALWAYS AS (json_extract(data, '$.lossAmount')) STORED,
     prevented_amount INTEGER GENERATED ALWAYS AS (json_extract(data, '$.preventedAmount')) STORED,
     voided INTEGER GENERATED ALWAYS AS (json_extract(data, '$.voided')) STORED) WITHOUT ROWID;
   INSERT INTO lead_v2 (id, v, data) SELECT id, v, data FROM lead;
   DROP TABLE lead;
   ALTER TABLE lead_v2 RENAME TO lead;
   CREATE INDEX lead_open ON lead(feedback_due_at) WHERE feedback_at IS NULL;
   CREATE INDEX lead_issued ON lead(issued_at);
   CREATE INDEX lead_unit_issued ON lead(unit_id, issued_at);
   CREATE TABLE event_v2 (id TEXT PRIMARY KEY, v INTEGER NOT NULL, data TEXT NOT NULL,
     lead_id TEXT GENERATED ALWAYS AS (json_extract(data, '$.leadId')) STORED,
     at INTEGER GENERATED ALWAYS AS (json_extract(data, '$.at')) STORED,
     kind TEXT GENERATED ALWAYS AS (json_extract(data, '$.kind')) STORED,
     tier INTEGER GENERATED ALWAYS AS (json_extract(data, '$.tier')) STORED) WITHOUT ROWID;
   INSERT INTO event_v2 (id, v, data) SELECT id, v, data FROM event;
   DROP TABLE event;
   ALTER TABLE event_v2 RENAME TO event;
   CREATE INDEX event_lead ON event(lead_id, at);
   CREATE INDEX event_at ON event(at);
   CREATE TABLE stop_payment_v2 (id TEXT PRIMARY KEY, v INTEGER NOT NULL, data TEXT NOT NULL,
     lead_id TEXT GENERATED ALWAYS AS (json_extract(data, '$.leadId')) STORED,
     requested_at INTEGER GENERATED ALWAYS AS (json_extract(data, '$.requestedAt')) STORED,
     frozen_at INTEGER GENERATED ALWAYS AS (json_extract(data, '$.frozenAt')) STORED,
     status TEXT GENERATED ALWAYS AS (json_extract(data, '$.status')) STORED) WITHOUT ROWID;
   INSERT INTO stop_payment_v2 (id, v, data) SELECT id, v, data FROM stop_payment;
   DROP TABLE stop_payment;
   ALTER TABLE stop_payment_v2 RENAME TO stop_payment;
   CREATE INDEX stop_payment_lead ON stop_payment(lead_id);
   CREATE INDEX stop_payment_requested ON stop_payment(requested_at);`,
  // 3: records held back because they failed validation (counted in the stats, shown nowhere),
  // whether the replica ever held a complete snapshot, and when the centre last confirmed it.
  `CREATE TABLE quarantine (entity TEXT NOT NULL, id TEXT NOT NULL, v INTEGER NOT NULL, seq INTEGER NOT NULL,
     reason TEXT NOT NULL, excerpt TEXT NOT NULL, PRIMARY KEY (entity, id)) WITHOUT ROWID;
   ALTER TABLE sync_state ADD COLUMN complete INTEGER NOT NULL DEFAULT 0;
   ALTER TABLE sync_state ADD COLUMN confirmed_at INTEGER;`,
  // 4: the versions this display saw, with the centre's commit time (ts), so a review can be
  // frozen at its cut-off from what was on the wall then: each row's ts, the versions it
  // replaced (valid from ts until the time they were replaced), and the span of time the
  // replica holds whole (from its first complete snapshot to its latest final checkpoint).
  `ALTER TABLE unit ADD COLUMN ts INTEGER;
   ALTER TABLE lead ADD COLUMN ts INTEGER;
   ALTER TABLE event ADD COLUMN ts INTEGER;
   ALTER TABLE stop_payment ADD COLUMN ts INTEGER;
   ALTER TABLE note ADD COLUMN ts INTEGER;
   CREATE TABLE superseded (entity TEXT NOT NULL, id TEXT NOT NULL, v INTEGER NOT NULL, data TEXT NOT NULL, ts INTEGER, until INTEGER);
   CREATE INDEX superseded_until ON superseded(until);
   ALTER TABLE sync_state ADD COLUMN history_from INTEGER;
   ALTER TABLE sync_state ADD COLUMN kept_from INTEGER;
   ALTER TABLE sync_state ADD COLUMN untimed INTEGER NOT NULL DEFAULT 0;`,
  // 5: the centre's countdown policy (deadlines per risk level, reminder tiers), as data.
  `CREATE TABLE policy (id TEXT PRIMARY KEY, v INTEGER NOT NULL, data TEXT NOT NULL, ts INTEGER) WITHOUT ROWID;`,
  // 6: a person's earlier leads (the repeat chain on the timeline and the case review).
  `CREATE INDEX lead_person_issued ON lead(person_id, issued_at);`,
];

export type EntityStats = Record<EntityName, { count: number; sum: number }>;
/** The time that places a record in the indicators' windows (a lead's issue, a stop-payment's request). */
const TIME_COLUMN: Partial<Record<EntityName, string>> = { lead: 'issued_at', stop_payment: 'requested_at' };
const TIME_FIELD: Partial<Record<EntityName, string>> = { lead: 'issuedAt', stop_payment: 'requestedAt' };
/**
 * What a page changed: the tables, the window times of the records it touched (old and new), and
 * the ids of the leads and stop-payments it put, deleted or held back (the screens' day rows).
 */
export type PageEffect = { tables: EntityName[]; times: number[]; leads: string[]; stops: string[] };
export type FeedPosition = { seq: number; epoch: string | null };
/** The span of centre time over which this replica holds every version it had in scope. */
export type Coverage = { from: number; to: number } | null;
export type Mismatch = { entity: EntityName; local: { count: number; sum: number }; centre: { count: number; sum: number } };

/**
 * Names a failure of this machine's storage (SQLite's or the file system's code), with what an
 * operator should do; null for anything else (a fault of the link or of the data).
 */
export function localFaultOf(err: unknown, dir: string | undefined): LocalFault | null {
  const code = typeof err === 'object' && err !== null && typeof (err as { code?: unknown }).code === 'string' ? (err as { code: string }).code : '';
  const where = dir ?? 'the data folder';
  const message = err instanceof Error ? err.message : String(err);
  // Whatever the error says (better-sqlite3 refuses a missing folder with a plain TypeError), a
  // failure while the folder is gone is that.
  if (dir !== undefined && !existsSync(dir)) {
    return { kind: 'missing_dir', detail: `the data folder ${where} is missing (${message})`, action: `restore or remount ${where}; the sync resumes by itself` };
  }
  if (code === 'SQLITE_FULL' || code === 'ENOSPC') {
    return { kind: 'disk_full', detail: `the disk of ${where} is full: the replica cannot store new data (${message})`, action: `free space on the disk of ${where}; the sync resumes by itself` };
  }
  if (code.startsWith('SQLITE_READONLY') || code === 'EROFS' || code === 'EACCES' || code === 'EPERM') {
    return { kind: 'read_only', detail: `${where} is read-only: the replica cannot be written (${message})`, action: `make ${where} writable for this app; the sync resumes by itself` };
  }
  return null;
}

export function setAsideFault(aside: string): LocalFault {
  return { kind: 'set_aside', detail: `the replica failed its integrity check and was set aside as ${aside}`, action: 'rebuilding from the centre; keep the file for inspection and check the disk' };
}

const heldKey = (entity: string, id: string) => `${entity}\u0000${id}`;

export function openDatabase(file: string, migrations: readonly string[] = MIGRATIONS): Database.Database {
  const db = new Database(file);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    migrate(db, file, migrations);
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}

/** Runs each pending migration in its own transaction; refuses a database from a newer app. */
export function migrate(db: Database.Database, name: string, migrations: readonly string[] = MIGRATIONS): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > migrations.length) {
    throw new ReplicaError(`${name}: replica schema ${version} is newer than this app (${migrations.length}); refusing to open it`);
  }
  for (let i = version; i < migrations.length; i++) {
    db.transaction(() => {
      db.exec(migrations[i]!);
      db.pragma(`user_version = ${i + 1}`);
    })();
  }
}

export class Replica {
  readonly db: Database.Database;
  readonly #get: Record<EntityName, Database.Statement<[string], { v: number; t: number | null }>>;
  readonly #put: Record<EntityName, Database.Statement<[string, number, string, number | null]>>;
  readonly #insertNew: Record<EntityName, Database.Statement<[string, number, string, number | null]>>;
  readonly #supersede: Record<EntityName, Database.Statement<[number | null, string]>>;
  readonly #saveStat: Database.Statement<[string, number, number]>;
  readonly #savePos: Database.Statement<[number, string]>;
  readonly #del: Record<EntityName, Database.Statement<[string]>>;
  readonly #hold: Database.Statement<[string, string, number, number, string, string]>;
  readonly #unhold: Database.Statement<[string, string]>;
  readonly #saveComplete: Database.Statement<[number, number]>;
  #stats: EntityStats;
  #pos: FeedPosition;
  /** Held-back records, `entity\0id` → version: checked only when non-empty, so valid pages pay nothing. */
  #held: Map<string, number>;
  #complete: boolean;
  #confirmedAt: number | null;

  constructor(file: string) {
    this.db = openDatabase(file);
    const per = <T>(f: (e: EntityName) => T) => Object.fromEntries(entityNames.map((e) => [e, f(e)])) as Record<EntityName, T>;
    this.#get = per((e) => this.db.prepare(`SELECT v, ${TIME_COLUMN[e] ?? 'NULL'} AS t FROM ${e} WHERE id = ?`));
    this.#put = per((e) =>
      this.db.prepare(`INSERT INTO ${e} (id, v, data, ts) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET v = excluded.v, data = excluded.data, ts = excluded.ts`),
    );
    this.#supersede = per((e) => this.db.prepare(`INSERT INTO superseded (entity, id, v, data, ts, until) SELECT '${e}', id, v, data, ts, ? FROM ${e} WHERE id = ?`));
    this.#del = per((e) => this.db.prepare(`DELETE FROM ${e} WHERE id = ?`));
    this.#saveStat = this.db.prepare(
      'INSERT INTO entity_stats (entity, count, sum) VALUES (?, ?, ?) ON CONFLICT (entity) DO UPDATE SET count = excluded.count, sum = excluded.sum',
    );
    this.#savePos = this.db.prepare('UPDATE sync_state SET seq = ?, epoch = ? WHERE id = 1');
    this.#insertNew = per((e) => this.db.prepare(`INSERT INTO ${e} (id, v, data, ts) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`));
    this.#hold = this.db.prepare(
      `INSERT INTO quarantine (entity, id, v, seq, reason, excerpt) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (entity, id) DO UPDATE SET v = excluded.v, seq = excluded.seq, reason = excluded.reason, excerpt = excluded.excerpt`,
    );
    this.#unhold = this.db.prepare('DELETE FROM quarantine WHERE entity = ? AND id = ?');
    this.#saveComplete = this.db.prepare('UPDATE sync_state SET complete = 1, confirmed_at = ?, history_from = COALESCE(history_from, ?) WHERE id = 1');
    const st = this.db.prepare('SELECT seq, epoch, complete, confirmed_at AS confirmedAt FROM sync_state WHERE id = 1').get() as FeedPosition & { complete: number; confirmedAt: number | null };
    this.#pos = { seq: st.seq, epoch: st.epoch };
    this.#complete = st.complete === 1;
    this.#confirmedAt = st.confirmedAt;
    this.#stats = this.#readStats();
    this.#held = this.#readHeld();
  }

  #readHeld(): Map<string, number> {
    const rows = this.db.prepare('SELECT entity, id, v FROM quarantine').all() as { entity: string; id: string; v: number }[];
    return new Map(rows.map((r) => [heldKey(r.entity, r.id), r.v]));
  }

  /** Whether a snapshot has ever been applied whole (a final checkpoint): until then nothing is known. */
  get complete(): boolean {
    return this.#complete;
  }

  /** The centre's time at the last final checkpoint applied (persisted: it survives a restart). */
  get confirmedAt(): number | null {
    return this.#confirmedAt;
  }

  get heldCount(): number {
    return this.#held.size;
  }

  /** Held-back records, oldest first, with why (never their content: it may be hostile). */
  heldRecords(limit: number): HeldRecord[] {
    if (this.#held.size === 0) return [];
    return this.db.prepare('SELECT entity, id, reason FROM quarantine ORDER BY seq LIMIT ?').all(limit) as HeldRecord[];
  }

  #readStats(): EntityStats {
    const stats = Object.fromEntries(entityNames.map((e) => [e, { count: 0, sum: 0 }])) as EntityStats;
    for (const r of this.db.prepare('SELECT entity, count, sum FROM entity_stats').all() as { entity: EntityName; count: number; sum: number }[]) {
      stats[r.entity] = { count: r.count, sum: r.sum };
    }
    return stats;
  }

  get position(): FeedPosition {
    return { ...this.#pos };
  }

  get stats(): EntityStats {
    return structuredClone(this.#stats);
  }

  /**
   * Applies one page atomically: its puts and dels (version-checked), the new position and the
   * updated stats. Rejects, changing nothing, a page that goes backwards or changes epoch.
   * Returns the tables it touched.
   */
  applyPage(lines: readonly (PutLine | DelLine | HeldLine)[], checkpoint: CheckpointLine): PageEffect {
    const pos = this.#pos;
    if (pos.epoch !== null && checkpoint.epoch !== pos.epoch) {
      throw new ReplicaError(`page from epoch ${checkpoint.epoch}, replica is at epoch ${pos.epoch}`);
    }
    let last = pos.seq;
    for (const l of lines) {
      if (l.seq <= last) throw new ReplicaError(`line seq ${l.seq} is not above ${last}: out of order or repeated`);
      last = l.seq;
    }
    if (checkpoint.seq < last) throw new ReplicaError(`checkpoint seq ${checkpoint.seq} is below its page's last line ${last}`);
    if (checkpoint.seq < pos.seq) throw new ReplicaError(`checkpoint seq ${checkpoint.seq} goes back from ${pos.seq}`);

    const stats = structuredClone(this.#stats);
    const touched = new Set<EntityName>();
    const counted = new Set<EntityName>();
    const times = new Set<number>();
    const ids: Record<'lead' | 'stop_payment', Set<string>> = { lead: new Set(), stop_payment: new Set() };
    let held = this.#held;
    let heldCopied = false;
    // Copied on first change, so a page that fails leaves the map as the database: unchanged.
    const heldMut = () => {
      if (!heldCopied) {
        held = new Map(held);
        heldCopied = true;
      }
      return held;
    };
    this.db.transaction(() => {
      let untimed = false;
      for (const l of lines) {
        const s = stats[l.e];
        if (l.e === 'lead' || l.e === 'stop_payment') ids[l.e].add(l.id);
        if (l.t === 'held') {
          this.#applyHeld(l, s, held, heldMut, times);
          counted.add(l.e);
          touched.add(l.e);
          continue;
        }
        if (held.size > 0) {
          const key = heldKey(l.e, l.id);
          const hv = held.get(key);
          if (hv !== undefined) {
            if (l.t === 'put' && hv >= l.v) continue; // an older valid version than the one held back
            // A valid newer version (or a deletion) replaces the held-back one.
            this.#unhold.run(l.e, l.id);
            heldMut().delete(key);
            s.sum = addCrc(s.sum, recordCrc(l.id, hv), -1);
            s.count -= 1;
            counted.add(l.e);
          }
        }
        const ts = l.ts ?? null;
        if (ts === null) untimed = true;
        if (l.t === 'put') {
          const field = TIME_FIELD[l.e];
          const t = field === undefined ? undefined : l.d[field];
          if (typeof t === 'number') times.add(t);
          const data = JSON.stringify(l.d);
          // Most puts of a snapshot are new records: one statement, no lookup first.
          if (this.#insertNew[l.e].run(l.id, l.v, data, ts).changes === 1) {
            s.sum = addCrc(s.sum, recordCrc(l.id, l.v));
            s.count += 1;
            touched.add(l.e);
            continue;
          }
          const prev = this.#get[l.e].get(l.id)!;
          if (prev.v >= l.v) continue; // an older or repeated version: keep ours
          if (prev.t !== null) times.add(prev.t);
          s.sum = addCrc(s.sum, recordCrc(l.id, prev.v), -1);
          this.#supersede[l.e].run(ts, l.id);
          this.#put[l.e].run(l.id, l.v, data, ts);
          s.sum = addCrc(s.sum, recordCrc(l.id, l.v));
        } else {
          const prev = this.#get[l.e].get(l.id);
          if (!prev) continue;
          if (prev.t !== null) times.add(prev.t);
          this.#supersede[l.e].run(ts, l.id);
          this.#del[l.e].run(l.id);
          s.sum = addCrc(s.sum, recordCrc(l.id, prev.v), -1);
          s.count -= 1;
        }
        touched.add(l.e);
      }
      for (const e of new Set([...touched, ...counted])) this.#saveStat.run(e, stats[e].count, stats[e].sum);
      this.#savePos.run(checkpoint.seq, checkpoint.epoch);
      if (untimed) this.db.exec('UPDATE sync_state SET untimed = 1 WHERE id = 1');
      // A final checkpoint: the replica now holds the centre's whole state at serverTime.
      if (!checkpoint.more) this.#saveComplete.run(checkpoint.serverTime, checkpoint.serverTime);
    })();
    this.#stats = stats;
    this.#held = held;
    this.#pos = { seq: checkpoint.seq, epoch: checkpoint.epoch };
    if (!checkpoint.more) {
      this.#complete = true;
      this.#confirmedAt = checkpoint.serverTime;
    }
    return { tables: [...touched], times: [...times], leads: [...ids.lead], stops: [...ids.stop_payment] };
  }

  /**
   * A record that failed validation: it takes the place of any older version (which leaves the
   * screens), and is counted by id and version as the centre counts it.
   */
  #applyHeld(l: HeldLine, s: { count: number; sum: number }, held: Map<string, number>, heldMut: () => Map<string, number>, times: Set<number>): void {
    const key = heldKey(l.e, l.id);
    const hv = held.get(key);
    if (hv !== undefined && hv >= l.v) return;
    const prev = this.#get[l.e].get(l.id);
    if (prev && prev.v >= l.v) return;
    if (prev) {
      if (prev.t !== null) times.add(prev.t);
      this.#del[l.e].run(l.id);
      s.sum = addCrc(s.sum, recordCrc(l.id, prev.v), -1);
      s.count -= 1;
    }
    if (hv !== undefined) {
      s.sum = addCrc(s.sum, recordCrc(l.id, hv), -1);
      s.count -= 1;
    }
    this.#hold.run(l.e, l.id, l.v, l.seq, l.reason, l.excerpt);
    heldMut().set(key, l.v);
    s.sum = addCrc(s.sum, recordCrc(l.id, l.v));
    s.count += 1;
  }

  /** Entities whose local count or sum differs from a final checkpoint's. */
  compare(checkpoint: CheckpointLine): Mismatch[] {
    const out: Mismatch[] = [];
    for (const e of entityNames) {
      const centre = { count: checkpoint.counts[e] ?? 0, sum: checkpoint.sums[e] ?? 0 };
      const local = this.#stats[e];
      if (local.count !== centre.count || local.sum !== centre.sum) out.push({ entity: e, local: { ...local }, centre });
    }
    return out;
  }

  /**
   * Replaces every record of one entity with a fresh snapshot of it (a repair after a checksum
   * mismatch), recomputing its stats from what is stored. The feed position is unchanged: the
   * snapshot is at or after it, and replaying the feed from it over newer versions is a no-op.
   */
  replaceEntity(entity: EntityName, lines: readonly (PutLine | HeldLine)[]): { count: number; sum: number } {
    const stats = structuredClone(this.#stats);
    this.db.transaction(() => {
      this.db.exec(`DELETE FROM ${entity}`);
      this.db.prepare('DELETE FROM quarantine WHERE entity = ?').run(entity);
      for (const l of lines) {
        if (l.e !== entity) throw new ReplicaError(`repair of ${entity} received a ${l.e} line`);
        if (l.t === 'held') {
          this.#unhold.run(entity, l.id);
          this.#del[entity].run(l.id);
          this.#hold.run(entity, l.id, l.v, l.seq, l.reason, l.excerpt);
        } else {
          this.#unhold.run(entity, l.id);
          this.#put[entity].run(l.id, l.v, JSON.stringify(l.d), l.ts ?? null);
        }
      }
      // What this entity was before the repair is unknown: the versions seen start again here.
      this.db.exec('UPDATE sync_state SET history_from = NULL WHERE id = 1');
      stats[entity] = this.#recountEntity(entity);
      this.#saveStat.run(entity, stats[entity].count, stats[entity].sum);
    })();
    this.#stats = stats;
    this.#held = this.#readHeld();
    return { ...stats[entity] };
  }

  #recountEntity(e: EntityName): { count: number; sum: number } {
    const out = { count: 0, sum: 0 };
    const rows = this.db.prepare(`SELECT id, v FROM ${e} UNION ALL SELECT id, v FROM quarantine WHERE entity = ?`).iterate(e) as Iterable<{ id: string; v: number }>;
    for (const r of rows) {
      out.count++;
      out.sum = addCrc(out.sum, recordCrc(r.id, r.v));
    }
    return out;
  }

  /** Counts and sums recomputed from the stored rows (what the incremental ones must equal). */
  recount(): EntityStats {
    return Object.fromEntries(entityNames.map((e) => [e, this.#recountEntity(e)])) as EntityStats;
  }

  /** Forgets everything replicated (not local-only data): the next sync starts from since=0. */
  clear(): void {
    this.db.transaction(() => {
      for (const e of entityNames) this.db.exec(`DELETE FROM ${e}`);
      this.db.exec('DELETE FROM entity_stats');
      this.db.exec('DELETE FROM quarantine');
      this.db.exec('DELETE FROM superseded');
      this.db.prepare('UPDATE sync_state SET seq = 0, epoch = NULL, complete = 0, confirmed_at = NULL, history_from = NULL, kept_from = NULL, untimed = 0 WHERE id = 1').run();
    })();
    this.#stats = this.#readStats();
    this.#held = new Map();
    this.#complete = false;
    this.#confirmedAt = null;
    this.#pos = { seq: 0, epoch: null };
  }

  /**
   * The span of centre time over which this replica holds the whole state and every version it
   * replaced since: from its first complete snapshot (or the oldest replaced version kept) to its
   * latest final checkpoint. Null when it cannot tell (a line came without ts).
   */
  coverage(): Coverage {
    const r = this.db.prepare('SELECT history_from AS f, confirmed_at AS c, kept_from AS k, untimed AS u FROM sync_state WHERE id = 1').get() as {
      f: number | null; c: number | null; k: number | null; u: number;
    };
    if (r.f === null || r.c === null || r.u !== 0) return null;
    return { from: Math.max(r.f, r.k ?? r.f), to: r.c };
  }

  /** The centre said (a heartbeat at our seq) that nothing newer exists as of its time. */
  confirm(serverTime: number): void {
    if (this.db.prepare('SELECT history_from FROM sync_state WHERE id = 1').pluck().get() === null) return;
    this.db.prepare('UPDATE sync_state SET confirmed_at = MAX(COALESCE(confirmed_at, 0), ?) WHERE id = 1').run(serverTime);
    this.#confirmedAt = Math.max(this.#confirmedAt ?? 0, serverTime);
  }

  /** Forgets replaced versions that stopped being current before `before`. */
  pruneVersions(before: number): number {
    return this.db.transaction(() => {
      const n = this.db.prepare('DELETE FROM superseded WHERE until < ?').run(before).changes;
      this.db.prepare('UPDATE sync_state SET kept_from = MAX(COALESCE(kept_from, 0), ?) WHERE id = 1').run(before);
      return n;
    })();
  }

  close(): void {
    if (this.db.open) {
      this.db.pragma('wal_checkpoint(TRUNCATE)');
      this.db.close();
    }
  }
}

/**
 * Opens the replica, first checking it with PRAGMA quick_check: a corrupt or unreadable file is
 * set aside (renamed, never deleted) and a fresh one made. A file from a newer app is refused.
 */
export function openReplica(file: string, log: (m: string) => void = () => {}): { replica: Replica; setAside: string | null } {
  if (existsSync(file)) {
    let problem: string | null = null;
    try {
      const db = new Database(file, { fileMustExist: true });
      try {
        const check = db.pragma('quick_check', { simple: true });
        if (check !== 'ok') problem = `quick_check: ${String(check)}`;
      } finally {
        db.close();
      }
    } catch (err) {
      problem = err instanceof Error ? err.message : String(err);
    }
    if (problem) {
      const aside = `${file}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
      for (const suffix of ['', '-wal', '-shm']) if (existsSync(file + suffix)) renameSync(file + suffix, aside + suffix);
      log(`replica ${file} failed its check (${problem}); set aside as ${aside}, rebuilding from the centre`);
      return { replica: new Replica(file), setAside: aside };
    }
  }
  return { replica: new Replica(file), setAside: null };
}
