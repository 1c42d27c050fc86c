// The centre under bench:fanout, in its own process so its RSS and CPU are its own: the scenario's
// city with its history, serving on loopback; on request it reports its memory (after a GC) and
// commits leads at a steady rate, stamping each just before its commit starts.
import { startCentre } from '../../central/centre.js';
import { makeLead } from '../support/records.js';

type Msg = { type: 'mem' } | { type: 'commit'; count: number; perSecond: number } | { type: 'close' };

const NOW = Number(process.env['BENCH_NOW']);
const centre = await startCentre({
  seed: 7,
  now: NOW,
  speed: 0,
  historyDays: Number(process.env['BENCH_HISTORY_DAYS'] ?? 7),
  token: 'bench',
  rateLimit: { perSecond: 1e6, burst: 1e6 },
  maxStreams: 100_000,
});
const units = await centre.store.live('unit');
const of = (level: string) => units.filter((u) => u.d.level === level).map((u) => ({ id: u.d.id, path: u.path }));
const send = (m: object) => process.send!(m);
send({ type: 'ready', url: centre.url, branches: of('branch'), stations: of('station'), beats: of('beat'), seq: await centre.store.headSeq() });

const gc = (globalThis as { gc?: () => void }).gc;
process.on('message', (msg: Msg) => {
  if (msg.type === 'mem') {
    gc?.();
    gc?.();
    send({ type: 'mem', mem: process.memoryUsage(), fanout: centre.server.fanout(), gc: gc !== undefined });
  } else if (msg.type === 'commit') {
    void commitAtRate(msg.count, msg.perSecond);
  } else if (msg.type === 'close') {
    void centre.close().then(() => process.exit(0));
  }
});

async function commitAtRate(count: number, perSecond: number): Promise<void> {
  const beats = of('beat');
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
    const at = performance.timeOrigin + performance.now();
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
