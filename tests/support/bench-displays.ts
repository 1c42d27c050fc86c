// The display side of the live-display benchmarks (bench:fanout, bench:province): the centre's
// process (tests/support/bench-centre.ts) forked and asked for its memory and CPU; many live
// displays over loopback, each a stream that parses every line as a display's sync does and
// notes when each live lead reached it; the centre's memory per display; delivery latencies.
import { fork, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import type { FanoutStats } from '../../central/tail.js';
import type { BenchUnit } from './bench-centre.js';

export type Mem = { rss: number; heapUsed: number; external: number; arrayBuffers: number };
export type Ready = { url: string; branches: BenchUnit[]; stations: BenchUnit[]; beats: BenchUnit[]; seq: number };
export type MemReply = { mem: Mem; fanout: FanoutStats; gc: boolean };
export type CpuReply = { cpuMs: number; at: number; fanout: FanoutStats; rss: number };

export type CentreProcess = {
  child: ChildProcess;
  /** The centre's next message of this type (rejects if the centre exits first). */
  next<T>(type: string): Promise<T>;
  send(m: object): void;
  /** Its memory after a GC, with the fan-out's figures. */
  memory(): Promise<MemReply>;
  /** Its CPU time so far and its RSS, without a GC. */
  cpu(): Promise<CpuReply>;
};

export function forkCentre(file: string, env: Record<string, string> = {}): CentreProcess {
  const child = fork(file, [], { execArgv: ['--expose-gc'], env: { ...process.env, ...env } });
  const next = <T>(type: string) =>
    new Promise<T>((resolve, reject) => {
      const on = (m: { type: string }) => {
        if (m.type === type) {
          child.off('message', on);
          child.off('exit', gone);
          resolve(m as T);
        }
      };
      const gone = (code: number | null) => reject(new Error(`the centre exited (${code}) before '${type}'`));
      child.on('message', on);
      child.once('exit', gone);
    });
  const send = (m: object) => child.send(m);
  return {
    child,
    next,
    send,
    memory: () => {
      send({ type: 'mem' });
      return next<MemReply>('mem');
    },
    cpu: () => {
      send({ type: 'cpu' });
      return next<CpuReply>('cpu');
    },
  };
}

/** Polls a condition every 50 ms; logs how long it took, or returns false after `timeoutMs`. */
export async function until(what: string, ok: () => boolean, timeoutMs: number): Promise<boolean> {
  const t0 = performance.now();
  while (!ok()) {
    if (performance.now() - t0 > timeoutMs) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  console.log(`${what} after ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return true;
}

export type Display = { scope: BenchUnit; received: Map<string, number>; caughtUp: boolean; lines: number; ended: boolean };

/** Live displays following the centre from `since` (the head: this is following, not the initial sync). */
export class Displays {
  readonly list: Display[] = [];
  readonly #requests: http.ClientRequest[] = [];
  readonly #agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });

  constructor(
    readonly url: string,
    readonly token: string,
    readonly since: number,
    readonly epoch: string,
    /** Ids of the leads whose arrival is timed. */
    readonly livePrefix = 'L-LIVE-',
  ) {}

  connect(scope: BenchUnit): void {
    const d: Display = { scope, received: new Map(), caughtUp: false, lines: 0, ended: false };
    const n = this.list.push(d);
    const req = http.get(`${this.url}/v1/changes?since=${this.since}&epoch=${this.epoch}&live=1&scope=${encodeURIComponent(scope.id)}`, { agent: this.#agent, headers: { Authorization: `Bearer ${this.token}` } }, (res) => {
      if (res.statusCode !== 200) throw new Error(`display ${n}: changes answered ${res.statusCode}`);
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        const t = performance.timeOrigin + performance.now();
        buf += chunk;
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = JSON.parse(buf.slice(0, nl)) as { t: string; id?: string };
          buf = buf.slice(nl + 1);
          d.lines++;
          if (line.t === 'checkpoint') d.caughtUp = true;
          else if (line.t === 'put' && line.id!.startsWith(this.livePrefix)) d.received.set(line.id!, t);
        }
      });
      res.on('close', () => (d.ended = true));
    });
    req.on('error', () => (d.ended = true));
    this.#requests.push(req);
  }

  async caughtUp(): Promise<void> {
    if (!(await until(`${this.list.length} displays caught up`, () => this.list.every((d) => d.caughtUp), 120_000))) throw new Error(`${this.list.filter((d) => !d.caughtUp).length} displays never caught up`);
  }

  get ended(): number {
    return this.list.filter((d) => d.ended).length;
  }

  close(): void {
    for (const r of this.#requests) r.destroy();
  }
}

export type PerDisplay = { rssBytes: number; heapBytes: number; externalBytes: number };

/**
 * Connects `count` displays over the scopes in turn and measures the centre's memory per display.
 * RSS moves in pages and keeps what a GC freed, so its cost per display is the slope from half
 * the displays to all of them (the first half takes the process's warm-up); the heap's, after a
 * GC, is counted from none.
 */
export async function connectMeasured(centre: CentreProcess, displays: Displays, scopes: BenchUnit[], count: number): Promise<{ idle: MemReply; half: MemReply; following: MemReply; perDisplay: PerDisplay; halfCount: number }> {
  const idle = await centre.memory();
  if (!idle.gc) throw new Error('the centre has no gc(): run it with --expose-gc');
  const halfCount = Math.floor(count / 2);
  for (let i = 0; i < halfCount; i++) displays.connect(scopes[i % scopes.length]!);
  await displays.caughtUp();
  const half = await centre.memory();
  for (let i = halfCount; i < count; i++) displays.connect(scopes[i % scopes.length]!);
  await displays.caughtUp();
  const following = await centre.memory();
  const perDisplay = {
    rssBytes: Math.round((following.mem.rss - half.mem.rss) / (count - halfCount)),
    heapBytes: Math.round((following.mem.heapUsed - idle.mem.heapUsed) / count),
    externalBytes: Math.round((following.mem.external - idle.mem.external) / count),
  };
  console.log(`centre memory per display: RSS ${(perDisplay.rssBytes / 1024).toFixed(1)} KiB, heap ${(perDisplay.heapBytes / 1024).toFixed(1)} KiB (tails ${following.fanout.tails}, members ${following.fanout.members})`);
  return { idle, half, following, perDisplay, halfCount };
}

/** A live lead: its id, when it was sent (just before its commit or its request), and its unit's path. */
export type Stamp = [id: string, at: number, path: string];

/** The (lead, display) pairs that should happen: every display whose scope holds the lead's unit. */
export function expectedDeliveries(stamps: readonly Stamp[], displays: readonly Display[]): number {
  return stamps.reduce((n, [, , path]) => n + displays.filter((d) => path.startsWith(d.scope.path)).length, 0);
}

export const delivered = (displays: readonly Display[]): number => displays.reduce((n, d) => n + d.received.size, 0);

/** Send → arrival for every pair that should happen, sorted, and the pairs that never did. */
export function deliveryLatencies(stamps: readonly Stamp[], displays: readonly Display[]): { latencies: number[]; missing: number } {
  const latencies: number[] = [];
  let missing = 0;
  for (const [id, at, path] of stamps) {
    for (const d of displays) {
      if (!path.startsWith(d.scope.path)) continue;
      const t = d.received.get(id);
      if (t === undefined) missing++;
      else latencies.push(t - at);
    }
  }
  latencies.sort((a, b) => a - b);
  return { latencies, missing };
}

/** The p-quantile of sorted values (NaN for none: a figure never measured meets no goal). */
export function quantile(sorted: readonly number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]! : NaN;
}
