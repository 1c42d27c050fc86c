// The centre under bench:province (tests/support/bench-centre.ts) on the bench's PostgreSQL: the
// scenario's city (units and policy, no generated history), then PROVINCE_LEADS leads loaded
// through the store's batched write, issued over PROVINCE_DAYS days at the city's beats in turn;
// an ingest token issued for the bench's feeder. Reports each 10 % of the load as it goes.
import type { WriteOp } from '../../central/store.js';
import { startCentreChild } from '../support/bench-centre.js';
import { loadedLead } from '../support/records.js';

const NOW = Number(process.env['BENCH_NOW']);
const LEADS = Number(process.env['PROVINCE_LEADS']);
const DAYS = Number(process.env['PROVINCE_DAYS']);
/** Leads a write transaction carries while loading (the store writes them in multi-row statements). */
const LOAD_BATCH = 10_000;

const child = await startCentreChild({ store: process.env['BENCH_STORE']!, seed: 7, now: NOW, historyDays: 0 });
const { centre, beats } = child;
const t0 = performance.now();
let reported = 0;
for (let i = 0; i < LEADS; i += LOAD_BATCH) {
  const ops: WriteOp[] = [];
  for (let k = i; k < Math.min(LEADS, i + LOAD_BATCH); k++) ops.push({ t: 'put', e: 'lead', d: loadedLead(k, LEADS, beats[k % beats.length]!.id, NOW, DAYS) });
  await centre.store.write(ops);
  const done = Math.min(LEADS, i + LOAD_BATCH);
  if (done * 10 >= (reported + 1) * LEADS) {
    reported = Math.floor((done * 10) / LEADS);
    const s = (performance.now() - t0) / 1000;
    console.log(`  loaded ${done.toLocaleString('en')} leads in ${s.toFixed(0)} s (${Math.round(done / s).toLocaleString('en')}/s)`);
  }
}
const loadMs = performance.now() - t0;
const root = (await centre.store.live('unit')).find((u) => u.d.parentId === null)!;
const feeder = await centre.tokens.issue({ name: 'bench-feeder', scope: root.d.id, role: 'ingest', now: NOW });
await child.ready({ loadMs, ingestToken: feeder.secret, root: root.d.id });
