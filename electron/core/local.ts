// Local-only data in its own file (local.db), so it survives a rebuild of the replica: the
// durable outbox of mutations (notes written at the review meeting) and preferences.
import type Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import type { Note } from '../../shared/protocol.js';
import { openDatabase } from './replica.js';

export const LOCAL_MIGRATIONS: readonly string[] = [
  `CREATE TABLE prefs (k TEXT PRIMARY KEY, v TEXT NOT NULL);
   CREATE TABLE outbox (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, args TEXT NOT NULL,
     created_at INTEGER NOT NULL, sent_at INTEGER, error TEXT);`,
];

export type OutboxRow = { id: number; name: 'note.add'; args: Omit<Note, 'clientId' | 'mutationId'>; createdAt: number; sentAt: number | null; error: string | null };

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
  addNote(note: Omit<Note, 'id' | 'clientId' | 'mutationId'>, now: number): OutboxRow {
    return this.db.transaction(() => {
      const seq = (this.db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'outbox'").get() as { seq: number } | undefined)?.seq ?? 0;
      const id = seq + 1;
      const args = { ...note, id: `N-${this.clientId.slice(5, 13)}-${id}` };
      this.db.prepare('INSERT INTO outbox (id, name, args, created_at) VALUES (?, ?, ?, ?)').run(id, 'note.add', JSON.stringify(args), now);
      return { id, name: 'note.add' as const, args, createdAt: now, sentAt: null, error: null };
    })();
  }

  pending(): OutboxRow[] {
    return (this.db.prepare('SELECT id, name, args, created_at AS createdAt, sent_at AS sentAt, error FROM outbox ORDER BY id').all() as (Omit<OutboxRow, 'args'> & { args: string })[]).map((r) => ({
      ...r,
      args: JSON.parse(r.args) as OutboxRow['args'],
    }));
  }

  markSent(throughId: number, at: number): void {
    this.db.prepare('UPDATE outbox SET sent_at = ?, error = NULL WHERE id <= ? AND sent_at IS NULL').run(at, throughId);
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
