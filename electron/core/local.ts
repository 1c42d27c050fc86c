// Local-only data in its own file (local.db), so it survives a rebuild of the replica: the
// durable outbox of mutations (notes written at the review meeting) and preferences.
import type Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import type { AuditEntry } from '../../shared/contract.js';
import type { AuditView, Note } from '../../shared/protocol.js';
import { openDatabase } from './replica.js';

export const LOCAL_MIGRATIONS: readonly string[] = [
  `CREATE TABLE prefs (k TEXT PRIMARY KEY, v TEXT NOT NULL);
   CREATE TABLE outbox (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, args TEXT NOT NULL,
     created_at INTEGER NOT NULL, sent_at INTEGER, error TEXT);`,
  // 2: every unmasked view of a lead, by key name and time, kept here whatever the centre does.
  `CREATE TABLE audit (id INTEGER PRIMARY KEY AUTOINCREMENT, lead_id TEXT NOT NULL, key_name TEXT NOT NULL, role TEXT NOT NULL,
     at INTEGER NOT NULL, mutation_id INTEGER NOT NULL, sent_at INTEGER);`,
];

type NoteRow = { id: number; name: 'note.add'; args: Omit<Note, 'clientId' | 'mutationId'>; createdAt: number; sentAt: number | null; error: string | null };
type AuditRow = { id: number; name: 'audit.view'; args: AuditView; createdAt: number; sentAt: number | null; error: string | null };
export type OutboxRow = NoteRow | AuditRow;

export class LocalStore {
  readonly db: Database.Database;
  readonly clientId: string;

  constructor(file: string) {
    this.db = openDatabase(file, LOCAL_MIGRATIONS);
    const row = this.db.prepare("SELECT v FROM prefs WHERE k = 'clientId'").get() as { v: string } | undefined;
    this.clientId = row?.v ?? this.#newClientId();
  }

  #newClientId(): string {
    const id = `wall-${randomUUID()}`;
    this.db.prepare("INSERT INTO prefs (k, v) VALUES ('clientId', ?)").run(id);
    return id;
  }

  getPref(k: string): string | null {
    return (this.db.prepare('SELECT v FROM prefs WHERE k = ?').get(k) as { v: string } | undefined)?.v ?? null;
  }

  setPref(k: string, v: string): void {
    this.db.prepare('INSERT INTO prefs (k, v) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v').run(k, v);
  }

  /**
   * Writes a note to the outbox at once (durable before this returns); its id is the
   * mutation id, monotonic for this client.
   */
  addNote(note: Omit<Note, 'id' | 'clientId' | 'mutationId'>, now: number): NoteRow {
    return this.db.transaction(() => {
      const seq = (this.db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'outbox'").get() as { seq: number } | undefined)?.seq ?? 0;
      const id = seq + 1;
      const args = { ...note, id: `N-${this.clientId.slice(5, 13)}-${id}` };
      this.db.prepare('INSERT INTO outbox (id, name, args, created_at) VALUES (?, ?, ?, ?)').run(id, 'note.add', JSON.stringify(args), now);
      return { id, name: 'note.add' as const, args, createdAt: now, sentAt: null, error: null };
    })();
  }

  /**
   * Records an unmasked view in the audit table and, in the same transaction, queues it for the
   * centre: once this returns, the view is on disk here and will reach the centre.
   */
  recordView(view: AuditView): AuditEntry {
    return this.db.transaction(() => {
      const out = this.db.prepare('INSERT INTO outbox (name, args, created_at) VALUES (?, ?, ?)').run('audit.view', JSON.stringify(view), view.at);
      const mutationId = Number(out.lastInsertRowid);
      const row = this.db.prepare('INSERT INTO audit (lead_id, key_name, role, at, mutation_id) VALUES (?, ?, ?, ?, ?)').run(view.leadId, view.keyName, view.role, view.at, mutationId);
      return { id: Number(row.lastInsertRowid), leadId: view.leadId, keyName: view.keyName, role: view.role, at: view.at, sentAt: null };
    })();
  }

  /** The recorded unmasked views, newest first. */
  auditList(limit: number): AuditEntry[] {
    return this.db
      .prepare('SELECT id, lead_id AS leadId, key_name AS keyName, role, at, sent_at AS sentAt FROM audit ORDER BY id DESC LIMIT ?')
      .all(limit) as AuditEntry[];
  }

  pending(): OutboxRow[] {
    return (this.db.prepare('SELECT id, name, args, created_at AS createdAt, sent_at AS sentAt, error FROM outbox ORDER BY id').all() as (Omit<OutboxRow, 'args'> & { args: string })[]).map(
      (r) => ({ ...r, args: JSON.parse(r.args) as unknown }) as OutboxRow,
    );
  }

  markSent(throughId: number, at: number): void {
    this.db.transaction(() => {
      this.db.prepare('UPDATE outbox SET sent_at = ?, error = NULL WHERE id <= ? AND sent_at IS NULL').run(at, throughId);
      // An audit view never comes back in the feed: the centre's answer is its receipt, kept in
      // the audit table, and the outbox row is done.
      this.db.prepare("UPDATE audit SET sent_at = ? WHERE sent_at IS NULL AND mutation_id IN (SELECT id FROM outbox WHERE name = 'audit.view' AND sent_at IS NOT NULL)").run(at);
      this.db.prepare("DELETE FROM outbox WHERE name = 'audit.view' AND sent_at IS NOT NULL").run();
    })();
  }

  markFailed(id: number, error: string): void {
    this.db.prepare('UPDATE outbox SET error = ? WHERE id = ?').run(error, id);
  }

  /** Removes what the feed has shown applied: every mutation up to the newest one seen. */
  removeApplied(throughId: number): number {
    return this.db.prepare('DELETE FROM outbox WHERE id <= ?').run(throughId).changes;
  }

  close(): void {
    this.db.close();
  }
}
