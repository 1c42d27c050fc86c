// The local replica: a better-sqlite3 cache of one scope of the centre's feed. A page is applied
// in one transaction together with the feed position (seq, epoch) and the per-entity counts and
// crc32 sums, so a crash at any point leaves either the old state or the new one, never a mix.
import Database from 'better-sqlite3';
import { existsSync, renameSync } from 'node:fs';
import { addCrc, recordCrc } from '../../shared/crc32.js';
import { entityNames, type CheckpointLine, type DelLine, type EntityName, type PutLine } from '../../shared/protocol.js';

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
  // 3: the centre's countdown policy (deadlines per risk level, reminder tiers), as data.
  `CREATE TABLE policy (id TEXT PRIMARY KEY, v INTEGER NOT NULL, data TEXT NOT NULL) WITHOUT ROWID;`,
];

export type EntityStats = Record<EntityName, { count: number; sum: number }>;
/** The time that places a record in the indicators' windows (a lead's issue, a stop-payment's request). */
const TIME_COLUMN: Partial<Record<EntityName, string>> = { lead: 'issued_at', stop_payment: 'requested_at' };
const TIME_FIELD: Partial<Record<EntityName, string>> = { lead: 'issuedAt', stop_payment: 'requestedAt' };
/** What a page changed: the tables, and the window times of the records it touched (old and new). */
export type PageEffect = { tables: EntityName[]; times: number[] };
export type FeedPosition = { seq: number; epoch: string | null };
export type Mismatch = { entity: EntityName; local: { count: number; sum: number }; centre: { count: number; sum: number } };

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
  readonly #put: Record<EntityName, Database.Statement<[string, number, string]>>;
  readonly #insertNew: Record<EntityName, Database.Statement<[string, number, string]>>;
  readonly #saveStat: Database.Statement<[string, number, number]>;
  readonly #savePos: Database.Statement<[number, string]>;
  readonly #del: Record<EntityName, Database.Statement<[string]>>;
  #stats: EntityStats;
  #pos: FeedPosition;

  constructor(file: string) {
    this.db = openDatabase(file);
    const per = <T>(f: (e: EntityName) => T) => Object.fromEntries(entityNames.map((e) => [e, f(e)])) as Record<EntityName, T>;
    this.#get = per((e) => this.db.prepare(`SELECT v, ${TIME_COLUMN[e] ?? 'NULL'} AS t FROM ${e} WHERE id = ?`));
    this.#put = per((e) =>
      this.db.prepare(`INSERT INTO ${e} (id, v, data) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET v = excluded.v, data = excluded.data`),
    );
    this.#del = per((e) => this.db.prepare(`DELETE FROM ${e} WHERE id = ?`));
    this.#saveStat = this.db.prepare(
      'INSERT INTO entity_stats (entity, count, sum) VALUES (?, ?, ?) ON CONFLICT (entity) DO UPDATE SET count = excluded.count, sum = excluded.sum',
    );
    this.#savePos = this.db.prepare('UPDATE sync_state SET seq = ?, epoch = ? WHERE id = 1');
    this.#insertNew = per((e) => this.db.prepare(`INSERT INTO ${e} (id, v, data) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING`));
    this.#pos = this.db.prepare('SELECT seq, epoch FROM sync_state WHERE id = 1').get() as FeedPosition;
    this.#stats = this.#readStats();
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
  applyPage(lines: readonly (PutLine | DelLine)[], checkpoint: CheckpointLine): PageEffect {
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
    const times = new Set<number>();
    this.db.transaction(() => {
      for (const l of lines) {
        const s = stats[l.e];
        if (l.t === 'put') {
          const field = TIME_FIELD[l.e];
          const t = field === undefined ? undefined : l.d[field];
          if (typeof t === 'number') times.add(t);
          const data = JSON.stringify(l.d);
          // Most puts of a snapshot are new records: one statement, no lookup first.
          if (this.#insertNew[l.e].run(l.id, l.v, data).changes === 1) {
            s.sum = addCrc(s.sum, recordCrc(l.id, l.v));
            s.count += 1;
            touched.add(l.e);
            continue;
          }
          const prev = this.#get[l.e].get(l.id)!;
          if (prev.v >= l.v) continue; // an older or repeated version: keep ours
          if (prev.t !== null) times.add(prev.t);
          s.sum = addCrc(s.sum, recordCrc(l.id, prev.v), -1);
          this.#put[l.e].run(l.id, l.v, data);
          s.sum = addCrc(s.sum, recordCrc(l.id, l.v));
        } else {
          const prev = this.#get[l.e].get(l.id);
          if (!prev) continue;
          if (prev.t !== null) times.add(prev.t);
          this.#del[l.e].run(l.id);
          s.sum = addCrc(s.sum, recordCrc(l.id, prev.v), -1);
          s.count -= 1;
        }
        touched.add(l.e);
      }
      for (const e of touched) this.#saveStat.run(e, stats[e].count, stats[e].sum);
      this.#savePos.run(checkpoint.seq, checkpoint.epoch);
    })();
    this.#stats = stats;
    this.#pos = { seq: checkpoint.seq, epoch: checkpoint.epoch };
    return { tables: [...touched], times: [...times] };
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
  replaceEntity(entity: EntityName, lines: readonly PutLine[]): { count: number; sum: number } {
    const stats = structuredClone(this.#stats);
    this.db.transaction(() => {
      this.db.exec(`DELETE FROM ${entity}`);
      let sum = 0;
      for (const l of lines) {
        if (l.e !== entity) throw new ReplicaError(`repair of ${entity} received a ${l.e} line`);
        this.#put[entity].run(l.id, l.v, JSON.stringify(l.d));
      }
      const rows = this.db.prepare(`SELECT id, v FROM ${entity}`).all() as { id: string; v: number }[];
      for (const r of rows) sum = addCrc(sum, recordCrc(r.id, r.v));
      stats[entity] = { count: rows.length, sum };
      this.#saveStat.run(entity, stats[entity].count, stats[entity].sum);
    })();
    this.#stats = stats;
    return { ...stats[entity] };
  }

  /** Counts and sums recomputed from the stored rows (what the incremental ones must equal). */
  recount(): EntityStats {
    const out = Object.fromEntries(entityNames.map((e) => [e, { count: 0, sum: 0 }])) as EntityStats;
    for (const e of entityNames) {
      for (const r of this.db.prepare(`SELECT id, v FROM ${e}`).iterate() as Iterable<{ id: string; v: number }>) {
        out[e].count++;
        out[e].sum = addCrc(out[e].sum, recordCrc(r.id, r.v));
      }
    }
    return out;
  }

  /** Forgets everything replicated (not local-only data): the next sync starts from since=0. */
  clear(): void {
    this.db.transaction(() => {
      for (const e of entityNames) this.db.exec(`DELETE FROM ${e}`);
      this.db.exec('DELETE FROM entity_stats');
      this.db.prepare('UPDATE sync_state SET seq = 0, epoch = NULL WHERE id = 1').run();
    })();
    this.#stats = this.#readStats();
    this.#pos = { seq: 0, epoch: null };
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
