// A writer in another thread with its own connection to the centre's store file, for the
// concurrent-writers test. Bundled by the test with esbuild, since worker threads run JS.
import { parentPort, workerData } from 'node:worker_threads';
import { SqliteStore } from '../../central/store.js';
import { makeLead } from './records.js';

type Job = { file: string; name: string; txs: number; perTx: number; holdMs: number; now: number };
const job = workerData as Job;
const store = new SqliteStore(job.file, () => job.now);
const units = ['SZ-FT-S01-B1', 'SZ-NS-S01-B1', 'SZ-BA-S01-B1', 'SZ-LG-S01-B1'];
const written: string[] = [];
for (let t = 0; t < job.txs; t++) {
  const ops = Array.from({ length: job.perTx }, (_, i) => {
    const id = `L-${job.name}-${t}-${i}`;
    written.push(id);
    return { t: 'put' as const, e: 'lead' as const, d: makeLead(id, units[(t + i) % units.length]!, job.now) };
  });
  if (job.holdMs > 0) {
    // One long transaction: it takes the write lock, writes, holds it, and commits late.
    // The write runs synchronously inside; its promise settles after this outer transaction commits.
    store.db
      .transaction(() => {
        void store.write(ops);
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, job.holdMs);
      })
      .immediate();
  } else {
    await store.write(ops);
  }
}
await store.close();
parentPort!.postMessage(written);
