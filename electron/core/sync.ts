// The sync loop: follows the centre's live NDJSON feed into the replica, page by page.
// Every line is validated; a page is applied only whole, at its checkpoint; anything wrong
// rejects the page, leaves the replica as it was, says why in the status and retries with
// backoff from the last applied position.
import { EventEmitter } from 'node:events';
import type { SyncStatus, TableName } from '../../shared/contract.js';
import { FeedLineError, parseFeedLine, resetBodySchema, type CheckpointLine, type DelLine, type PutLine } from '../../shared/protocol.js';
import { ReplicaError, type Replica } from './replica.js';

export type SyncOptions = {
  url: string;
  token: string;
  scope?: string;
  /** A link with no line for this long is dead (default 45 s). */
  watchdogMs?: number;
  backoffMinMs?: number;
  backoffMaxMs?: number;
  fetch?: typeof fetch;
  log?: (message: string) => void;
};

class FinalError extends Error {}
class ResetError extends Error {}

export type SyncEvents = { status: [SyncStatus]; changed: [TableName[]] };

export class SyncEngine extends EventEmitter<SyncEvents> {
  readonly #replica: Replica;
  readonly #opts: Required<Omit<SyncOptions, 'scope'>> & { scope?: string };
  #status: SyncStatus;
  #abort: AbortController | null = null;
  #stopped = true;
  #loop: Promise<void> | null = null;
  #wake: (() => void) | null = null;
  #failures = 0;
  #mismatchRepairs = 0;

  constructor(replica: Replica, opts: SyncOptions) {
    super();
    this.#replica = replica;
    this.#opts = {
      watchdogMs: 45_000,
      backoffMinMs: 500,
      backoffMaxMs: 10_000,
      fetch: globalThis.fetch,
      log: () => {},
      ...opts,
    };
    const pos = replica.position;
    this.#status = {
      state: 'connecting',
      seq: pos.seq,
      epoch: pos.epoch,
      serverSeq: pos.seq,
      progress: null,
      offlineSince: null,
      lastAppliedAt: null,
      reason: null,
      serverOffsetMs: 0,
    };
  }

  get status(): SyncStatus {
    return { ...this.#status };
  }

  /** The centre's clock now, as measured from its serverTime stamps. */
  serverNow(): number {
    return Date.now() + this.#status.serverOffsetMs;
  }

  #set(patch: Partial<SyncStatus>): void {
    this.#status = { ...this.#status, ...patch };
    this.emit('status', this.status);
  }

  #observeServerTime(serverTime: number): void {
    this.#status.serverOffsetMs = serverTime - Date.now();
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#loop = this.#run();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#abort?.abort();
    this.#wake?.();
    await this.#loop;
  }

  async #run(): Promise<void> {
    while (!this.#stopped) {
      try {
        await this.#follow();
        // The centre closed a healthy stream (restart, epoch change): come back at once.
        this.#failures = 0;
      } catch (err) {
        if (this.#stopped) break;
        const reason = err instanceof Error ? err.message : String(err);
        if (err instanceof FinalError) {
          this.#set({ state: 'error', reason });
          this.#opts.log(`sync: ${reason}; not retrying until the configuration changes`);
          return;
        }
        if (err instanceof ResetError) {
          this.#opts.log(`sync: ${reason}; re-syncing from the start`);
          this.#set({ state: 'stale', reason });
          this.#replica.clear();
          this.emit('changed', ['unit', 'lead', 'event', 'stop_payment', 'note']);
          continue;
        }
        this.#failures++;
        const rejected = err instanceof FeedLineError || err instanceof ReplicaError || err instanceof PageError;
        this.#set({
          state: rejected ? 'error' : 'offline',
          reason: rejected ? `rejected page: ${reason}` : reason,
          offlineSince: this.#status.offlineSince ?? this.serverNow(),
          progress: null,
        });
        this.#opts.log(`sync: ${this.#status.reason}`);
      }
      await this.#sleep(this.#backoff());
    }
  }

  #backoff(): number {
    const { backoffMinMs, backoffMaxMs } = this.#opts;
    const base = Math.min(backoffMaxMs, backoffMinMs * 2 ** Math.max(0, this.#failures - 1));
    return base / 2 + Math.random() * (base / 2);
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.#wake = null;
        resolve();
      }, ms);
      this.#wake = () => {
        clearTimeout(t);
        resolve();
      };
    });
  }

  async #follow(): Promise<void> {
    const pos = this.#replica.position;
    const q = new URLSearchParams({ since: String(pos.seq), live: '1' });
    if (pos.epoch) q.set('epoch', pos.epoch);
    if (this.#opts.scope) q.set('scope', this.#opts.scope);
    const abort = new AbortController();
    this.#abort = abort;
    let watchdog: NodeJS.Timeout | null = null;
    const arm = () => {
      if (watchdog) clearTimeout(watchdog);
      watchdog = setTimeout(() => abort.abort(new Error(`no data from the centre for ${Math.round(this.#opts.watchdogMs / 1000)} s`)), this.#opts.watchdogMs);
    };
    arm();
    try {
      const res = await this.#opts.fetch(`${this.#opts.url}/v1/changes?${q}`, {
        headers: { Authorization: `Bearer ${this.#opts.token}`, 'Accept-Encoding': 'gzip' },
        signal: abort.signal,
      });
      const st = res.headers.get('x-server-time');
      if (st) this.#observeServerTime(Number(st));
      if (res.status === 401 || res.status === 403) {
        throw new FinalError(`configuration: the centre refused the token (${res.status}): ${await res.text()}`);
      }
      if (res.status === 409) {
        const body = resetBodySchema.safeParse(await res.json().catch(() => null));
        throw new ResetError(`centre reset (${body.success ? body.data.reset : 'unknown reason'})`);
      }
      if (res.status === 429 || res.status === 503) {
        const after = Number(res.headers.get('retry-after'));
        await res.body?.cancel();
        if (Number.isFinite(after) && after > 0) await this.#sleep(after * 1000);
        throw new Error(`centre busy (${res.status})`);
      }
      if (!res.ok || !res.body) throw new Error(`centre answered ${res.status}`);
      if (this.#status.state !== 'live') this.#set({ state: 'catching-up', progress: 0 });
      await this.#readStream(res.body, pos.seq, arm);
      throw new Error('the centre closed the feed');
    } catch (err) {
      if (abort.signal.aborted && abort.signal.reason instanceof Error && !this.#stopped) throw abort.signal.reason;
      throw err;
    } finally {
      if (watchdog) clearTimeout(watchdog);
      abort.abort();
      this.#abort = null;
    }
  }

  async #readStream(body: ReadableStream<Uint8Array>, startSeq: number, arm: () => void): Promise<void> {
    const decoder = new TextDecoder();
    let buf = '';
    let lineNo = 0;
    let page: (PutLine | DelLine)[] = [];
    const iterator = (body as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
    for (;;) {
      let next: IteratorResult<Uint8Array>;
      try {
        next = await iterator.next();
      } catch (err) {
        const why = err instanceof Error ? err.message : String(err);
        throw new Error(`the link to the centre broke${page.length ? ` inside a page (${page.length} line(s) after the last checkpoint discarded)` : ''}: ${why}`, { cause: err });
      }
      if (next.done) break;
      const chunk = next.value;
      arm();
      buf += decoder.decode(chunk, { stream: true });
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const text = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        lineNo++;
        if (text.trim() === '') continue;
        const line = parseFeedLine(text, lineNo);
        if (line.t === 'put' || line.t === 'del') {
          page.push(line);
          continue;
        }
        this.#observeServerTime(line.serverTime);
        if (line.t === 'heartbeat') {
          if (line.seq !== this.#status.serverSeq) this.#set({ serverSeq: Math.max(this.#status.serverSeq, line.seq) });
          continue;
        }
        this.#applyCheckpoint(page, line, startSeq);
        page = [];
      }
    }
    if (page.length > 0 || buf.trim() !== '') {
      throw new PageError(`the feed ended inside a page (${page.length} line(s) after the last checkpoint); nothing of it was applied`);
    }
  }

  #applyCheckpoint(page: (PutLine | DelLine)[], cp: CheckpointLine, startSeq: number): void {
    const touched = this.#replica.applyPage(page, cp);
    const pos = this.#replica.position;
    const now = this.serverNow();
    if (cp.more) {
      const progress = cp.seq > startSeq ? Math.min(99, Math.floor(((pos.seq - startSeq) / Math.max(1, cp.seq - startSeq)) * 100)) : 0;
      this.#set({ state: 'catching-up', seq: pos.seq, epoch: pos.epoch, serverSeq: Math.max(cp.seq, this.#status.serverSeq), progress, lastAppliedAt: now });
    } else {
      const mismatches = this.#replica.compare(cp);
      if (mismatches.length > 0) {
        const what = mismatches.map((m) => `${m.entity} ${m.local.count}/${m.centre.count}`).join(', ');
        this.#mismatchRepairs++;
        if (this.#mismatchRepairs > 2) throw new FinalError(`replica disagrees with the centre after ${this.#mismatchRepairs - 1} repairs (${what}); needs attention`);
        throw new ResetError(`checksum mismatch at seq ${cp.seq} (${what})`);
      }
      this.#mismatchRepairs = 0;
      this.#failures = 0;
      this.#set({ state: 'live', seq: pos.seq, epoch: pos.epoch, serverSeq: cp.seq, progress: null, offlineSince: null, reason: null, lastAppliedAt: now });
    }
    if (touched.length > 0) this.emit('changed', touched);
  }
}

export class PageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PageError';
  }
}
