// Test harness: a real reference centre on 127.0.0.1:0 and a real core with its replica in a
// fresh temporary folder. Waits are on events, never sleeps.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCentre, type Centre, type CentreOptions } from '../../central/centre.js';
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

export function coreFor(url: string, dataDir: string, token = 'test-token', extra: { watchdogMs?: number } = {}): Core {
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
  for (const t of ['unit', 'lead', 'event', 'stop_payment', 'note']) {
    out[t] = (core.replica.db.prepare(`SELECT id || ':' || v AS k FROM ${t} ORDER BY id`).all() as { k: string }[]).map((r) => r.k);
  }
  return out;
}
