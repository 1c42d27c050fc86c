// Test harness: a real reference centre on 127.0.0.1:0 and a real core with its replica in a
// fresh temporary folder. Waits are on events, never sleeps.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCentre, type Centre, type CentreOptions } from '../../central/centre.js';
import { visibleIn } from '../../central/store.js';
import { entityNames, type EntityName } from '../../shared/protocol.js';
import type { SyncStatus } from '../../shared/contract.js';
import { createCore, type Core } from '../../electron/core/core.js';

export const FIXED_NOW = Date.UTC(2026, 10, 20, 4, 0, 0); // 2026-11-20 12:00 Shanghai

export async function centreForTest(opts: CentreOptions = {}): Promise<Centre> {
  return startCentre({ seed: 11, now: FIXED_NOW, speed: 0, historyDays: 1, leadsPerDay: 200, token: 'test-token', ...opts });
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

/** The replica's content in a comparable form: every row's id and version, per table. */
export function replicaRows(core: Core): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const t of entityNames) {
    out[t] = (core.replica.db.prepare(`SELECT id || ':' || v AS k FROM ${t} ORDER BY id`).all() as { k: string }[]).map((r) => r.k);
  }
  return out;
}

/** Every live record at the centre within a scope, as `id:v` per entity (to compare with the replica). */
export function centreRows(centre: Centre, scope = 'SZ'): Record<string, string[]> {
  const path = centre.store.unitPath(scope)!;
  const out = Object.fromEntries(entityNames.map((e) => [e, [] as string[]])) as Record<string, string[]>;
  for (const r of centre.store.db.prepare('SELECT entity, id, v, path FROM records WHERE deleted = 0 ORDER BY id').iterate() as Iterable<{ entity: EntityName; id: string; v: number; path: string }>) {
    if (visibleIn(r.entity, r.path, path)) out[r.entity]!.push(`${r.id}:${r.v}`);
  }
  return out;
}

/** The replica's invariants: stored stats equal a recount, and the position is one the centre gave. */
export function checkInvariants(core: Core, centre: Centre): void {
  const r = core.replica;
  const recount = r.recount();
  const stats = r.stats;
  for (const e of Object.keys(recount) as (keyof typeof recount)[]) {
    if (recount[e].count !== stats[e].count || recount[e].sum !== stats[e].sum) throw new Error(`stats for ${e} drifted: stored ${JSON.stringify(stats[e])}, recount ${JSON.stringify(recount[e])}`);
  }
  if (r.position.seq > centre.store.headSeq()) throw new Error(`replica seq ${r.position.seq} is beyond the centre's ${centre.store.headSeq()}`);
}

/** Waits until the replica holds exactly what the centre holds. */
export async function converged(core: Core, centre: Centre, timeoutMs = 20_000): Promise<void> {
  await waitForStatus(core, (s) => s.state === 'live' && s.seq === centre.store.headSeq(), timeoutMs);
  const a = replicaRows(core);
  const b = centreRows(centre);
  if (JSON.stringify(a) !== JSON.stringify(b)) throw new Error('replica rows differ from the centre');
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
