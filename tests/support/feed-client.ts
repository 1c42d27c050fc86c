// A minimal protocol client for testing the centre itself (not the app's sync engine): it keeps
// the latest version of every record it was sent and checks the feed's own invariants.
import { recordCrc, addCrc } from '../../shared/crc32.js';
import { entityNames, type CheckpointLine, type EntityName } from '../../shared/protocol.js';
import { rowDigest, type RowDigests } from './rows.js';

type Line = { t: string; e?: string; id?: string; v?: number; d?: unknown; seq: number; epoch?: string };

export class FeedState {
  readonly records = new Map<string, number>();
  /** The data of the version in `records`, as received. */
  readonly data = new Map<string, unknown>();
  seq = 0;
  epoch: string | null = null;
  lastCheckpoint: CheckpointLine | null = null;
  lines = 0;

  apply(line: Line): void {
    this.lines++;
    if (line.t === 'put' || line.t === 'del') {
      if (line.seq <= this.seq) throw new Error(`seq went from ${this.seq} to ${line.seq}`);
      this.seq = line.seq;
      const key = `${line.e}\u0000${line.id}`;
      if (line.t === 'put') {
        const prev = this.records.get(key);
        if (prev === undefined || line.v! > prev) {
          this.records.set(key, line.v!);
          this.data.set(key, line.d);
        }
      } else {
        this.records.delete(key);
        this.data.delete(key);
      }
    } else if (line.t === 'checkpoint') {
      if (line.seq < this.seq) throw new Error(`checkpoint ${line.seq} below last line ${this.seq}`);
      this.seq = line.seq;
      this.epoch = line.epoch!;
      this.lastCheckpoint = line as unknown as CheckpointLine;
    }
  }

  /** Every record held, as `id:v:sha256(data)` per entity (see rows.ts), to compare with the centre's rows. */
  digests(): RowDigests {
    const out = Object.fromEntries(entityNames.map((e) => [e, [] as string[]])) as unknown as RowDigests;
    for (const [key, v] of [...this.records].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const [e, id] = key.split('\u0000') as [EntityName, string];
      out[e].push(rowDigest(id, v, JSON.stringify(this.data.get(key))));
    }
    return out;
  }

  stats(): { counts: Record<string, number>; sums: Record<string, number> } {
    const counts: Record<string, number> = {};
    const sums: Record<string, number> = {};
    for (const [key, v] of this.records) {
      const [e, id] = key.split('\u0000') as [string, string];
      counts[e] = (counts[e] ?? 0) + 1;
      sums[e] = addCrc(sums[e] ?? 0, recordCrc(id, v));
    }
    return { counts, sums };
  }
}

/** Reads one whole (non-live) response into the state; returns the last checkpoint. */
export async function pull(state: FeedState, url: string, token: string, params: Record<string, string | number>): Promise<CheckpointLine> {
  const q = new URLSearchParams(Object.entries(params).map(([k, v]): [string, string] => [k, String(v)]));
  const res = await fetch(`${url}/v1/changes?${q}`, { headers: { Authorization: `Bearer ${token}` } });
  if (res.status !== 200) throw new Error(`changes answered ${res.status}: ${await res.text()}`);
  let cp: CheckpointLine | null = null;
  for (const text of (await res.text()).split('\n')) {
    if (!text) continue;
    const line = JSON.parse(text) as Line;
    state.apply(line);
    if (line.t === 'checkpoint') cp = line as unknown as CheckpointLine;
  }
  if (!cp) throw new Error('response had no checkpoint');
  return cp;
}

/**
 * Follows a live stream (`live=1`) as a display would, applying every line to the state until
 * stopped; `error` holds what broke it (a feed invariant, or the connection).
 */
export function followLive(url: string, token: string, params: Record<string, string | number>, state: FeedState): { stop(): void; error(): Error | null } {
  const q = new URLSearchParams(Object.entries({ ...params, live: 1 }).map(([k, v]): [string, string] => [k, String(v)]));
  const ctrl = new AbortController();
  let failure: Error | null = null;
  void (async () => {
    const res = await fetch(`${url}/v1/changes?${q}`, { headers: { Authorization: `Bearer ${token}` }, signal: ctrl.signal });
    if (res.status !== 200) throw new Error(`changes answered ${res.status}: ${await res.text()}`);
    const decoder = new TextDecoder();
    let buf = '';
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buf += decoder.decode(chunk, { stream: true });
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const text = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (text) state.apply(JSON.parse(text) as Line);
      }
    }
  })().catch((err: unknown) => {
    if (!ctrl.signal.aborted) failure = err as Error;
  });
  return { stop: () => ctrl.abort(), error: () => failure };
}
