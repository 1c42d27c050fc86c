// The centre under test, in its own thread: loads N leads, serves them, and on request commits
// leads at a steady rate, reporting when each commit returned.
import { parentPort, workerData } from 'node:worker_threads';
import { startCentre } from '../../central/centre.js';
import type { WriteOp } from '../../central/store.js';
import { loadedLead, makeLead } from '../support/records.js';

const { leads, now, spreadDays = 1 } = workerData as { leads: number; now: number; spreadDays?: number };
const H = 3_600_000;
const centre = await startCentre({ historyDays: 0, speed: 0, now, token: 'bench', rateLimit: { perSecond: 1e6, burst: 1e6 } });
const beats = (await centre.store.live('unit')).filter((u) => u.d.level === 'beat');
const t0 = performance.now();
for (let i = 0; i < leads; i += 10_000) {
  const ops: WriteOp[] = [];
  for (let k = i; k < Math.min(leads, i + 10_000); k++) {
    ops.push({ t: 'put', e: 'lead', d: loadedLead(k, leads, beats[k % beats.length]!.id, now, spreadDays) });
  }
  await centre.store.write(ops);
}
parentPort!.postMessage({ type: 'ready', url: centre.url, loadMs: performance.now() - t0, seq: (await centre.store.headSeq()) });

parentPort!.on('message', async (msg: { type: string; count?: number; perSecond?: number }) => {
  if (msg.type === 'burst') {
    // count changes as fast as the store takes them, 100 to a transaction.
    const ops: WriteOp[] = [];
    for (let k = 0; k < msg.count!; k++) {
      ops.push({ t: 'put', e: 'lead', d: makeLead(`L-B-${k}`, beats[k % beats.length]!.id, now - 7 * H, { metAt: now - 6 * H, feedbackAt: now - 5 * H, outcome: 'dissuaded' }) });
      if (ops.length === 100) await centre.store.write(ops.splice(0));
    }
    if (ops.length) await centre.store.write(ops);
    parentPort!.postMessage({ type: 'burst-done', seq: (await centre.store.headSeq()) });
  } else if (msg.type === 'commit') {
    const stamps: [string, number][] = [];
    let i = 0;
    const timer = setInterval(async () => {
      // Taken before the commit: the next tick may start while this one awaits it.
      const k = i++;
      if (i >= msg.count!) clearInterval(timer);
      const id = `L-LIVE-${k}`;
      await centre.store.write([{ t: 'put', e: 'lead', d: makeLead(id, beats[k % beats.length]!.id, now) }]);
      stamps.push([id, performance.timeOrigin + performance.now()]);
      if (stamps.length === msg.count!) parentPort!.postMessage({ type: 'committed', stamps });
    }, 1000 / msg.perSecond!);
  } else if (msg.type === 'close') {
    void centre.close().then(() => process.exit(0));
  }
});
