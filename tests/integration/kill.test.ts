// The core killed with SIGKILL at random points (snapshot, catch-up, live) always leaves a
// consistent replica, and the next start converges with no missing row. Also: random
// disconnects and centre restarts converge.
import { spawn, type ChildProcess } from 'node:child_process';
import { build } from 'esbuild';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Centre } from '../../central/centre.js';
import { createRng } from '../../central/rng.js';
import { Replica } from '../../electron/core/replica.js';
import { startAdversary } from '../support/adversary.js';
import { centreForTest, centreRows, converged, coreFor, FIXED_NOW, tempDir, checkInvariants } from '../support/harness.js';
import { makeLead } from '../support/records.js';
import { replicaDigests, rowDifferences, type RowDigests } from '../support/rows.js';

let cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanup.reverse()) await f();
  cleanup = [];
});

const RUNNER = join('node_modules', '.cache', 'guardpost', `sync-runner-${process.pid}.mjs`);

function rowsOf(file: string): RowDigests {
  const r = new Replica(file);
  try {
    return replicaDigests(r.db);
  } finally {
    r.close();
  }
}

/** Opens a replica left by a killed process and checks it: integrity, stats equal a recount. */
async function checkKilledReplica(file: string, centre: Centre): Promise<number> {
  const r = new Replica(file);
  try {
    expect(r.db.pragma('quick_check', { simple: true })).toBe('ok');
    const recount = r.recount();
    expect(r.stats).toEqual(recount);
    expect(r.position.seq).toBeLessThanOrEqual((await centre.store.headSeq()));
    return r.position.seq;
  } finally {
    r.close();
  }
}

type Runner = { child: ChildProcess; output: () => string; go(): void; firstStatus: Promise<void> };

/** A sync process on its own; with `wait`, it loads and opens nothing until `go()`. */
function runner(url: string, dataDir: string, wait = false): Runner {
  const child = spawn(process.execPath, [RUNNER, url, dataDir, ...(wait ? ['--wait'] : [])], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const firstStatus = new Promise<void>((resolve, reject) => {
    const ready = () => {
      if (!out.includes('\n')) return;
      child.stdout!.off('data', ready);
      resolve();
    };
    child.stdout!.on('data', ready);
    child.once('exit', (code, signal) => reject(new Error(`the runner exited (${code ?? signal}) before its first status: ${out.slice(-500)}`)));
  });
  firstStatus.catch(() => {}); // observed by whoever awaits it; a killed runner's is not
  return { child, output: () => out, go: () => child.stdin!.write('go\n'), firstStatus };
}

describe('crash safety', () => {
  it('SIGKILL at 60 random points never leaves an inconsistent replica, and it always converges', async () => {
    await build({ entryPoints: ['tests/support/sync-runner.ts'], bundle: true, platform: 'node', format: 'esm', packages: 'external', outfile: RUNNER, logLevel: 'error' });
    const centre = await centreForTest({ historyDays: 3, leadsPerDay: 400, pageLimit: 50, heartbeatMs: 200 });
    cleanup.push(() => centre.close());
    const tmp = tempDir();
    cleanup.push(() => tmp.remove());
    const rng = createRng(42);
    let n = 0;
    const writer = setInterval(() => void centre.store.write([{ t: 'put', e: 'lead', d: makeLead(`L-K-${n++}`, 'SZ-LG-S01-B1', FIXED_NOW) }]), 15);
    cleanup.push(() => clearInterval(writer));
    const file = join(tmp.dir, 'replica.db');
    const seqs: number[] = [];
    const RUNS = 60;
    let next = runner(centre.url, tmp.dir, true);
    cleanup.push(() => void next.child.kill('SIGKILL'));
    for (let run = 0; run < RUNS; run++) {
      // Every 12th run starts from nothing, so kills also land inside the initial snapshot.
      if (run % 12 === 0) for (const s of ['', '-wal', '-shm']) rmSync(file + s, { force: true });
      const current = next;
      current.go();
      // The next process loads while this one syncs; it opens nothing until its go().
      if (run + 1 < RUNS) next = runner(centre.url, tmp.dir, true);
      // The kill point is a random time after the core's first status (it has opened its replica
      // and is syncing), not after the spawn: on a loaded machine a start alone can take longer
      // than any fixed delay, and every kill would land before the sync began.
      await current.firstStatus;
      await new Promise((r) => setTimeout(r, rng.int(0, 600)));
      current.child.kill('SIGKILL');
      await new Promise((r) => current.child.once('exit', r));
      if (existsSync(file)) seqs.push(await checkKilledReplica(file, centre));
    }
    clearInterval(writer);
    expect(new Set(seqs).size).toBeGreaterThan(3); // the kills landed at different positions
    const last = runner(centre.url, tmp.dir);
    const head = await centre.store.headSeq();
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no convergence: ${last.output().slice(-500)}`)), 30_000);
      last.child.stdout!.on('data', () => {
        if (last.output().includes(`live ${head}\n`)) {
          clearTimeout(t);
          resolve();
        }
      });
    });
    last.child.kill('SIGKILL');
    await new Promise((r) => last.child.once('exit', r));
    expect(rowDifferences(rowsOf(file), (await centreRows(centre)))).toEqual([]);
    // About 45 s on an idle machine; a start (to the first status) takes seconds under heavy load.
  }, 300_000);

  it('random disconnects and centre restarts converge to the centre’s rows', async () => {
    const tmp = tempDir();
    cleanup.push(() => tmp.remove());
    const db = join(tmp.dir, 'centre.db');
    let centre = await centreForTest({ db, heartbeatMs: 200, pageLimit: 100 });
    const port = Number(new URL(centre.url).port);
    const adv = await startAdversary(centre.url);
    cleanup.push(() => adv.close());
    const core = coreFor(adv.url, join(tmp.dir, 'app'), 'test-token', { backoffMinMs: 20, backoffMaxMs: 200, watchdogMs: 1_000 });
    cleanup.push(() => core.close());
    core.start();
    const rng = createRng(7);
    let n = 0;
    for (let i = 0; i < 30; i++) {
      const r = rng.next();
      if (r < 0.3) adv.cutAll();
      else if (r < 0.45) {
        await centre.close();
        await new Promise((x) => setTimeout(x, rng.int(0, 300)));
        centre = await centreForTest({ db, port, heartbeatMs: 200, pageLimit: 100 });
      } else {
        await centre.store.write(Array.from({ length: rng.int(1, 20) }, () => ({ t: 'put' as const, e: 'lead' as const, d: makeLead(`L-D-${n++}`, 'SZ-BA-S01-B2', FIXED_NOW) })));
      }
      await new Promise((x) => setTimeout(x, rng.int(0, 150)));
    }
    cleanup.push(() => centre.close());
    await converged(core, centre);
    await checkInvariants(core, centre);
  }, 60_000);
});
