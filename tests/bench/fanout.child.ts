// The centre under bench:fanout (tests/support/bench-centre.ts): the scenario's city with its
// history on a SQLite store, serving on loopback; on request it commits leads at a steady rate,
// stamping each just before its commit starts.
import { makeLead } from '../support/records.js';
import { stamp, startCentreChild, type CentreChild } from '../support/bench-centre.js';

const NOW = Number(process.env['BENCH_NOW']);
const child = await startCentreChild({ seed: 7, now: NOW, historyDays: Number(process.env['BENCH_HISTORY_DAYS'] ?? 7) }, (msg, c) => {
  if (msg.type === 'commit') void commitAtRate(c, msg['count'] as number, msg['perSecond'] as number);
});
await child.ready();

async function commitAtRate({ centre, beats, send }: CentreChild, count: number, perSecond: number): Promise<void> {
  // One commit first, so every tail has read its scope's figures once (a tail that joined
  // reads them on its first commit) and the count below is the steady state's.
  const reads = centre.server.fanout().reads;
  void centre.store.write([{ t: 'put', e: 'lead', d: makeLead('L-WARM', beats[0]!.id, NOW) }]);
  while (centre.server.fanout().reads === reads) await new Promise((r) => setImmediate(r));
  const stamps: [string, number, string][] = [];
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const before = centre.server.fanout();
  let i = 0;
  const timer = setInterval(() => {
    const beat = beats[(i * 7) % beats.length]!;
    const id = `L-LIVE-${i}`;
    const at = stamp();
    void centre.store.write([{ t: 'put', e: 'lead', d: makeLead(id, beat.id, NOW) }]);
    stamps.push([id, at, beat.path]);
    if (++i >= count) {
      clearInterval(timer);
      const cpu = process.cpuUsage(cpu0);
      const wallMs = performance.now() - t0;
      send({ type: 'committed', stamps, cpuMs: (cpu.user + cpu.system) / 1000, wallMs, reads: centre.server.fanout().reads - before.reads, statsReads: centre.server.fanout().statsReads - before.statsReads, mem: process.memoryUsage() });
    }
  }, 1000 / perSecond);
}
