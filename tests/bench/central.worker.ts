// The centre under test, in its own thread: loads N leads, serves them, and on request commits
// leads at a steady rate, reporting when each commit returned.
import { parentPort, workerData } from 'node:worker_threads';
import { startCentre } from '../../central/centre.js';
import type { WriteOp } from '../../central/store.js';
import { makeLead } from '../support/records.js';

const { leads, now } = workerData as { leads: number; now: number };
const centre = await startCentre({ historyDays: 0, speed: 0, now, token: 'bench', rateLimit: { perSecond: 1e6, burst: 1e6 } });
const beats = centre.store.db.prepare("SELECT id FROM records WHERE entity = 'unit' AND json_extract(data, '$.level') = 'beat'").all() as { id: string }[];
const t0 = performance.now();
for (let i = 0; i < leads; i += 10_000) {
  const ops: WriteOp[] = [];
  for (let k = i; k < Math.min(leads, i + 10_000); k++) ops.push({ t: 'put', e: 'lead', d: makeLead(`L-B-${k}`, beats[k % beats.length]!.id, now - (k % 86_400) * 1000) });
  centre.store.write(ops);
}
parentPort!.postMessage({ type: 'ready', url: centre.url, loadMs: performance.now() - t0 });

parentPort!.on('message', (msg: { type: string; count?: number; perSecond?: number }) => {
  if (msg.type === 'commit') {
    const stamps: [string, number][] = [];
    let i = 0;
    const timer = setInterval(() => {
      const id = `L-LIVE-${i}`;
      centre.store.write([{ t: 'put', e: 'lead', d: makeLead(id, beats[i % beats.length]!.id, now) }]);
      stamps.push([id, performance.timeOrigin + performance.now()]);
      if (++i >= msg.count!) {
        clearInterval(timer);
        parentPort!.postMessage({ type: 'committed', stamps });
      }
    }, 1000 / msg.perSecond!);
  } else if (msg.type === 'close') {
    void centre.close().then(() => process.exit(0));
  }
});
