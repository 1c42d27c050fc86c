import Database from 'better-sqlite3';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { recordCrc } from '../../shared/crc32.js';
import type { CheckpointLine, PutLine } from '../../shared/protocol.js';
import { tempDir } from '../../tests/support/harness.js';
import { makeLead } from '../../tests/support/records.js';
import { MIGRATIONS, migrate, openReplica, Replica, ReplicaError } from './replica.js';

let dirs: { remove(): void }[] = [];
afterEach(() => {
  for (const d of dirs) d.remove();
  dirs = [];
});
function dir(): string {
  const d = tempDir();
  dirs.push(d);
  return d.dir;
}

const put = (id: string, v: number, seq: number, d: Record<string, unknown> = makeLead(id, 'U', 1)): PutLine => ({ t: 'put', e: 'lead', id, v, seq, d });
const cp = (seq: number, more = false, counts: Record<string, number> = {}, sums: Record<string, number> = {}): CheckpointLine => ({ t: 'checkpoint', seq, epoch: 'e1', serverTime: 1, more, counts, sums });

describe('migrations', () => {
  it('migration 1 creates the replica schema at user_version 1', () => {
    const db = new Database(join(dir(), 'r.db'));
    migrate(db, 'r', MIGRATIONS.slice(0, 1));
    expect(db.pragma('user_version', { simple: true })).toBe(1);
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((r) => r.name);
    expect(tables).toEqual(['entity_stats', 'event', 'lead', 'note', 'stop_payment', 'sync_state', 'unit']);
    db.close();
  });

  it('migration 2 keeps every row and adds the indicator columns', () => {
    const db = new Database(join(dir(), 'r.db'));
    migrate(db, 'r', MIGRATIONS.slice(0, 1));
    const lead = makeLead('L1', 'U1', 1000, { metAt: 2000, outcome: 'dissuaded', preventedAmount: 300 });
    db.prepare('INSERT INTO lead (id, v, data) VALUES (?, ?, ?)').run('L1', 3, JSON.stringify(lead));
    db.prepare('INSERT INTO event (id, v, data) VALUES (?, ?, ?)').run('E1', 1, JSON.stringify({ id: 'E1', leadId: 'L1', at: 5, kind: 'escalation', unitId: 'U1', tier: 2 }));
    migrate(db, 'r', MIGRATIONS.slice(0, 2));
    expect(db.pragma('user_version', { simple: true })).toBe(2);
    expect(db.prepare('SELECT id, v, unit_id, met_at, outcome, prevented_amount, voided FROM lead').get()).toEqual({ id: 'L1', v: 3, unit_id: 'U1', met_at: 2000, outcome: 'dissuaded', prevented_amount: 300, voided: 0 });
    expect(db.prepare('SELECT kind, tier FROM event').get()).toEqual({ kind: 'escalation', tier: 2 });
    db.close();
  });

  it('runs each migration in a transaction: a failing one changes nothing', () => {
    const db = new Database(join(dir(), 'r.db'));
    migrate(db, 'r', MIGRATIONS.slice(0, 1));
    expect(() => migrate(db, 'r', [MIGRATIONS[0]!, 'CREATE TABLE half (x); SELECT no_such_function();'])).toThrow();
    expect(db.pragma('user_version', { simple: true })).toBe(1);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'half'").get()).toBeUndefined();
    db.close();
  });

  it('refuses a database from a newer app', () => {
    const file = join(dir(), 'r.db');
    const db = new Database(file);
    db.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    db.close();
    expect(() => new Replica(file)).toThrow(ReplicaError);
    expect(() => new Replica(file)).toThrow(`replica schema ${MIGRATIONS.length + 1} is newer than this app (${MIGRATIONS.length}); refusing to open it`);
  });
});

describe('applying pages', () => {
  it('applies a page atomically with its position, version-checked, keeping stats incrementally', () => {
    const r = new Replica(join(dir(), 'r.db'));
    r.applyPage([put('L1', 1, 1), put('L2', 1, 2)], cp(2));
    r.applyPage([put('L1', 3, 3), put('L2', 1, 4) /* not newer: kept */, { t: 'del', e: 'lead', id: 'L9', seq: 5 }], cp(5));
    expect(r.position).toEqual({ seq: 5, epoch: 'e1' });
    const sum = (recordCrc('L1', 3) + recordCrc('L2', 1)) % 2 ** 32;
    expect(r.stats.lead).toEqual({ count: 2, sum });
    expect(r.recount().lead).toEqual({ count: 2, sum });
    expect(r.compare(cp(5, false, { lead: 2 }, { lead: sum }))).toEqual([]);
    expect(r.compare(cp(5, false, { lead: 3 }, { lead: sum }))[0]?.entity).toBe('lead');
    r.close();
  });

  it.each([
    ['repeated seq', [put('L1', 1, 3), put('L2', 1, 3)], cp(3), /line seq 3 is not above 3/],
    ['seq at or below the position', [put('L1', 1, 2)], cp(4), /line seq 2 is not above 2/],
    ['checkpoint below its lines', [put('L1', 1, 5)], cp(4), /checkpoint seq 4 is below its page's last line 5/],
    ['another epoch', [put('L1', 1, 5)], { ...cp(5), epoch: 'e2' }, /page from epoch e2, replica is at epoch e1/],
  ])('rejects a page with %s and changes nothing', (_what, lines, checkpoint, message) => {
    const file = join(dir(), 'r.db');
    const r = new Replica(file);
    r.applyPage([put('L0', 1, 1), put('L00', 1, 2)], cp(2));
    const before = { pos: r.position, stats: r.stats, rows: r.db.prepare('SELECT id, v FROM lead ORDER BY id').all() };
    expect(() => r.applyPage(lines as PutLine[], checkpoint as CheckpointLine)).toThrow(message);
    expect({ pos: r.position, stats: r.stats, rows: r.db.prepare('SELECT id, v FROM lead ORDER BY id').all() }).toEqual(before);
    r.close();
  });

  it('stores hostile text as data, byte for byte', () => {
    const r = new Replica(join(dir(), 'r.db'));
    const hostile = '<img src=x onerror=alert(1)><script>alert(2)</script>\u0000\u0007\u001b[31m\'; DROP TABLE lead; --' + '王'.repeat(150);
    r.applyPage([put('L-X', 1, 1, makeLead('L-X', 'U', 1, { personName: hostile.slice(0, 200), address: hostile }))], cp(1));
    const row = JSON.parse((r.db.prepare('SELECT data FROM lead').get() as { data: string }).data) as { address: string; personName: string };
    expect(row.address).toBe(hostile);
    expect(row.personName).toBe(hostile.slice(0, 200));
    expect(r.db.prepare('SELECT COUNT(*) AS n FROM lead').get()).toEqual({ n: 1 });
    r.close();
  });
});

describe('integrity at start', () => {
  it('sets a corrupt replica aside and opens a fresh one', () => {
    const d = dir();
    const file = join(d, 'replica.db');
    const r = new Replica(file);
    r.applyPage([put('L1', 1, 1)], cp(1));
    r.close();
    const bytes = Buffer.alloc(8192, 0x41);
    writeFileSync(file, Buffer.concat([Buffer.from('SQLite format 3\u0000'), bytes]));
    const logs: string[] = [];
    const { replica, setAside } = openReplica(file, (m) => logs.push(m));
    expect(setAside).toMatch(/replica\.db\.corrupt-/);
    expect(existsSync(setAside!)).toBe(true);
    expect(replica.position).toEqual({ seq: 0, epoch: null });
    expect(logs[0]).toMatch(/failed its check/);
    expect(readdirSync(d).filter((f) => f.startsWith('replica.db.corrupt-')).length).toBeGreaterThan(0);
    replica.close();
  });

  it('opens a healthy replica as it was', () => {
    const file = join(dir(), 'replica.db');
    const r = new Replica(file);
    r.applyPage([put('L1', 1, 1)], cp(1));
    r.close();
    const { replica, setAside } = openReplica(file);
    expect(setAside).toBeNull();
    expect(replica.position.seq).toBe(1);
    replica.close();
  });
});
