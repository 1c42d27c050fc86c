// Test harness: a real reference centre on 127.0.0.1:0 and a real core with its replica in a
// fresh temporary folder. Waits are on events, never sleeps.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { startCentre, type Centre, type CentreOptions } from '../../central/centre.js';
import { SqliteStore } from '../../central/store.js';
import type { SyncStatus } from '../../shared/contract.js';
import { createCore, type Core } from '../../electron/core/core.js';
import { assertSameRows, centreDigests, replicaDigests, type RowDigests } from './rows.js';

export const FIXED_NOW = Date.UTC(2026, 10, 20, 4, 0, 0); // 2026-11-20 12:00 Shanghai

export async function centreForTest(opts: CentreOptions = {}): Promise<Centre> {
  return startCentre({ seed: 11, now: FIXED_NOW, speed: 0, historyDays: 1, leadsPerDay: 200, token: 'test-token', ...opts });
}

/** The SQLite file of a centre on the SQLite store, for tests that look inside it. */
export function sqliteDb(centre: Pick<Centre, 'store'>): Database.Database {
  if (!(centre.store instanceof SqliteStore)) throw new Error('this test reads the SQLite store file; the centre runs on another store');
  return centre.store.db;
}

export function tempDir(prefix = 'guardpost-test-'): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export function coreFor(url: string, dataDir: string, token = 'test-token', extra: { watchdogMs?: number; backoffMinMs?: number; backoffMaxMs?: number; outboxRetryMs?: number } = {}): Core {
  return createCore({ dataDir, central: { url, token }, ...extra });
}

/** Resolves with the first status that satisfies `pred` (checking the current one first). */
export function waitForStatus(core: Core, pred: (s: SyncStatus) => boolean, timeoutMs = 20_000): Promise<SyncStatus> {
  return new Promise((resolve, reject) => {
    const now = core.sync.status;
    if (pred(now)) return resolve(now);
    const timer = setTimeout(() => {
      off();
      reject(new Error(`timed out waiting for sync status; last: ${JSON.stringify(core.sync.status)}`));
    }, timeoutMs);
    const off = core.on('sync:status', (s) => {
      if (pred(s)) {
        clearTimeout(timer);
        off();
        resolve(s);
      }
    });
  });
}

/** The replica's content in a comparable form: every row's `id:v:sha256(data)`, per table. */
export function replicaRows(core: Core): RowDigests {
  return replicaDigests(core.replica.db);
}

/** Every live record at the centre within a scope, as `id:v:sha256(data)` per entity. */
export function centreRows(centre: Centre, scope = 'SZ'): Promise<RowDigests> {
  return centreDigests(centre, scope);
}

/** The replica's invariants: stored stats equal a recount, and the position is one the centre gave. */
export async function checkInvariants(core: Core, centre: Centre): Promise<void> {
  const r = core.replica;
  const recount = r.recount();
  const stats = r.stats;
  for (const e of Object.keys(recount) as (keyof typeof recount)[]) {
    if (recount[e].count !== stats[e].count || recount[e].sum !== stats[e].sum) throw new Error(`stats for ${e} drifted: stored ${JSON.stringify(stats[e])}, recount ${JSON.stringify(recount[e])}`);
  }
  const head = await centre.store.headSeq();
  if (r.position.seq > head) throw new Error(`replica seq ${r.position.seq} is beyond the centre's ${head}`);
}

/** Waits until the replica is live at the centre's head, then checks it holds exactly the centre's rows, data included. */
export async function converged(core: Core, centre: Centre, timeoutMs = 20_000): Promise<void> {
  const head = await centre.store.headSeq();
  await waitForStatus(core, (s) => s.state === 'live' && s.seq === head, timeoutMs);
  await assertSameRows(core.replica.db, centre);
}

/** Records every status and fails if seq ever goes back within one epoch. */
export function watchSeq(core: Core): { states: string[]; check(): void } {
  const states: string[] = [];
  let last = { epoch: core.sync.status.epoch, seq: core.sync.status.seq };
  let error: string | null = null;
  core.on('sync:status', (s) => {
    states.push(s.state);
    if (s.epoch === last.epoch && s.seq < last.seq) error ??= `seq went back from ${last.seq} to ${s.seq}`;
    last = { epoch: s.epoch, seq: s.seq };
  });
  return {
    states,
    check() {
      if (error) throw new Error(error);
    },
  };
}
