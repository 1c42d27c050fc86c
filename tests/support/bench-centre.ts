// The centre of the live-display benchmarks (bench:fanout, bench:province), in a process of its
// own so its RSS and CPU are its own. It answers its parent's messages: `mem` (its memory after a
// GC, with the fan-out's figures), `cpu` (its CPU time so far, no GC), `close`; anything else goes
// to the benchmark's own handler. The parent side is tests/support/bench-displays.ts.
import { startCentre, type Centre, type CentreOptions } from '../../central/centre.js';

export type BenchUnit = { id: string; path: string };
export type CentreChild = {
  centre: Centre;
  branches: BenchUnit[];
  stations: BenchUnit[];
  beats: BenchUnit[];
  send(m: object): void;
  /** Tells the parent the centre is ready: its URL, its scopes, its head, and `extra`. */
  ready(extra?: object): Promise<void>;
};

/** A reply's timestamp, on the clock every process of the benchmark shares. */
export const stamp = (): number => performance.timeOrigin + performance.now();

export async function startCentreChild(options: CentreOptions, onMessage: (msg: { type: string } & Record<string, unknown>, c: CentreChild) => void = () => undefined): Promise<CentreChild> {
  const centre = await startCentre({ speed: 0, token: 'bench', rateLimit: { perSecond: 1e6, burst: 1e6 }, maxStreams: 100_000, ...options });
  const units = await centre.store.live('unit');
  const of = (level: string) => units.filter((u) => u.d.level === level).map((u) => ({ id: u.d.id, path: u.path }));
  const send = (m: object) => process.send!(m);
  const child: CentreChild = {
    centre,
    branches: of('branch'),
    stations: of('station'),
    beats: of('beat'),
    send,
    ready: async (extra = {}) => {
      send({ type: 'ready', url: centre.url, branches: child.branches, stations: child.stations, beats: child.beats, seq: await centre.store.headSeq(), ...extra });
    },
  };
  const gc = (globalThis as { gc?: () => void }).gc;
  process.on('message', (msg: { type: string } & Record<string, unknown>) => {
    if (msg.type === 'mem') {
      gc?.();
      gc?.();
      send({ type: 'mem', mem: process.memoryUsage(), fanout: centre.server.fanout(), gc: gc !== undefined });
    } else if (msg.type === 'cpu') {
      const cpu = process.cpuUsage();
      send({ type: 'cpu', cpuMs: (cpu.user + cpu.system) / 1000, at: stamp(), fanout: centre.server.fanout(), rss: process.memoryUsage.rss() });
    } else if (msg.type === 'close') {
      void centre.close().then(() => process.exit(0));
    } else {
      onMessage(msg, child);
    }
  });
  return child;
}
