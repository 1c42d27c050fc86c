// The sync loop: follows the centre's live NDJSON feed into the replica, page by page.
// Every line is validated; a page is applied only whole, at its checkpoint; anything wrong
// rejects the page, leaves the replica as it was, says why in the status and retries with
// backoff from the last applied position. A 409 rebuilds into a fresh replica while the old one
// keeps serving (marked stale); a checksum mismatch re-fetches that entity and is reported.
import { EventEmitter } from 'node:events';
import type { SyncStatus, TableName } from '../../shared/contract.js';
import { FeedLineError, resetBodySchema, type CheckpointLine, type DelLine, type EntityName, type PutLine } from '../../shared/protocol.js';
import { createFeedParser, type FeedParser } from './feed.js';
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
  /** Ask for gzip (default: yes, except to a centre on this machine, where it only costs CPU). */
  gzip?: boolean;
};

function isLoopback(url: string): boolean {
  const host = new URL(url).hostname;
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\./.test(host);
}

/** Where the engine writes: the live replica, and a fresh one to rebuild into after a reset. */
export type ReplicaSlot = {
  readonly current: Replica;
  /** A new, empty replica beside the current one. */
  fresh(): Replica;
  /** Makes a completed fresh replica the current one. */
  swap(fresh: Replica): void;
  /** Drops an unfinished fresh replica. */
  discard(fresh: Replica): void;
};

class FinalError extends Error {}
class ResetError extends Error {}
export class PageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PageError';
  }
}

/** `changed` carries the tables and the window times touched; `times` null means anything may have changed. */
export type SyncEvents = { status: [SyncStatus]; changed: [TableName[], number[] | null]; swapped: [Replica]; repaired: [{ entity: EntityName; reason: string }] };
const ALL_TABLES: TableName[] = ['unit', 'lead', 'event', 'stop_payment', 'note', 'policy'];
/** Memory bounds on what a (possibly hostile) link can make us hold before a checkpoint. */
export const MAX_LINE_CHARS = 4 * 1024 * 1024;
export const MAX_PAGE_LINES = 250_000;
const REPAIR_QUIET_MS = 10 * 60_000;

export class SyncEngine extends EventEmitter<SyncEvents> {
  readonly #slot: ReplicaSlot;
  readonly #opts: Required<Omit<SyncOptions, 'scope'>> & { scope?: string };
  #status: SyncStatus;
  #abort: AbortController | null = null;
  #stopped = true;
  #loop: Promise<void> | null = null;
  #wake: (() => void) | null = null;
  #failures = 0;
  readonly #lastRepair = new Map<EntityName, number>();
  readonly #parse: FeedParser = createFeedParser();
  /** Connections made, for tests of bounded retries. */
  attempts = 0;

  constructor(slot: ReplicaSlot, opts: SyncOptions) {
    super();
    this.#slot = slot;
    this.#opts = { watchdogMs: 45_000, backoffMinMs: 500, backoffMaxMs: 10_000, fetch: globalThis.fetch, log: () => {}, gzip: !isLoopback(opts.url), ...opts };
    const pos = slot.current.position;
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

  /** Adds a reason to the status without changing the state (e.g. a replica set aside at start). */
  note(reason: string): void {
    this.#set({ reason });
  }

  #set(patch: Partial<SyncStatus>): void {
    this.#status = { ...this.#status, ...patch };
    this.emit('status', this.status);
  }

  #observeServerTime(serverTime: number): void {
    if (Number.isFinite(serverTime) && serverTime > 0) this.#status.serverOffsetMs = serverTime - Date.now();
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

  /** Cut the current connection and reconnect now (e.g. after the network came back). */
  kick(): void {
    this.#abort?.abort(new Error('reconnecting'));
    this.#wake?.();
  }

  async #run(): Promise<void> {
    while (!this.#stopped) {
      try {
        await this.#follow(this.#slot.current, true);
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
          await this.#rebuild(reason);
          continue;
        }
        this.#fail(err, reason);
      }
      await this.#sleep(this.#backoff());
    }
  }

  #fail(err: unknown, reason: string): void {
    this.#failures++;
    const rejected = err instanceof FeedLineError || err instanceof ReplicaError || err instanceof PageError;
    this.#set({
      state: this.#status.state === 'stale' ? 'stale' : rejected ? 'error' : 'offline',
      reason: rejected ? `rejected page: ${reason}` : reason,
      offlineSince: this.#status.offlineSince ?? this.serverNow(),
      progress: null,
    });
    this.#opts.log(`sync: ${this.#status.reason}`);
  }

  /** Re-syncs from since=0 into a fresh replica while the current one keeps serving, then swaps. */
  async #rebuild(reason: string): Promise<void> {
    this.#opts.log(`sync: ${reason}; rebuilding from the start while the old data stays on screen`);
    while (!this.#stopped) {
      this.#set({ state: 'stale', reason, progress: 0 });
      const fresh = this.#slot.fresh();
      try {
        await this.#follow(fresh, false);
        this.#slot.swap(fresh);
        const pos = this.#slot.current.position;
        this.#set({ state: 'catching-up', seq: pos.seq, epoch: pos.epoch, reason: null, progress: null });
        this.emit('swapped', this.#slot.current);
        this.emit('changed', ALL_TABLES, null);
        return;
      } catch (err) {
        this.#slot.discard(fresh);
        if (this.#stopped) return;
        if (err instanceof FinalError) throw err;
        this.#fail(err, `rebuild: ${err instanceof Error ? err.message : String(err)}`);
        this.#set({ state: 'stale' });
        await this.#sleep(this.#backoff());
      }
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
        this.#wake = null;
        resolve();
      };
    });
  }

  async #get(params: Record<string, string>, abort: AbortController): Promise<Response> {
    const q = new URLSearchParams(params);
    if (this.#opts.scope) q.set('scope', this.#opts.scope);
    this.attempts++;
    const res = await this.#opts.fetch(`${this.#opts.url}/v1/changes?${q}`, {
      headers: { Authorization: `Bearer ${this.#opts.token}`, 'Accept-Encoding': this.#opts.gzip ? 'gzip' : 'identity' },
      signal: abort.signal,
    });
    const st = res.headers.get('x-server-time');
    if (st) this.#observeServerTime(Number(st));
    if (res.status === 401 || res.status === 403) {
      throw new FinalError(`configuration: the centre refused this display's token (${res.status}: ${(await res.text()).slice(0, 200)})`);
    }
    if (res.status === 409) {
      const body = resetBodySchema.safeParse(await res.json().catch(() => null));
      throw new ResetError(`the centre reset the feed (${body.success ? body.data.reset : 'unknown reason'})`);
    }
    if (res.status === 429 || res.status === 503) {
      const after = Number(res.headers.get('retry-after'));
      await res.body?.cancel();
      if (Number.isFinite(after) && after > 0) await this.#sleep(Math.min(after, 300) * 1000);
      throw new Error(`the centre is busy (${res.status}); retrying`);
    }
    if (!res.ok || !res.body) {
      await res.body?.cancel();
      throw new Error(`the centre answered ${res.status}`);
    }
    return res;
  }

  /** Follows the feed into `target`: live (forever) or until caught up (a rebuild). */
  async #follow(target: Replica, live: boolean): Promise<void> {
    const pos = target.position;
    const abort = new AbortController();
    this.#abort = abort;
    let watchdog: NodeJS.Timeout | null = null;
    const arm = () => {
      if (watchdog) clearTimeout(watchdog);
      watchdog = setTimeout(() => abort.abort(new Error(`no data from the centre for ${Math.round(this.#opts.watchdogMs / 1000)} s`)), this.#opts.watchdogMs);
    };
    arm();
    try {
      const params: Record<string, string> = { since: String(pos.seq), live: live ? '1' : '0' };
      if (pos.epoch) params['epoch'] = pos.epoch;
      const res = await this.#get(params, abort);
      if (live && this.#status.state !== 'live') this.#set({ state: 'catching-up', progress: 0 });
      const done = await this.#readStream(res.body!, target, pos.seq, live, arm);
      if (!live && done) return;
      throw new Error('the centre closed the feed');
    } catch (err) {
      if (abort.signal.aborted && abort.signal.reason instanceof Error && !this.#stopped) throw abort.signal.reason;
      throw err;
    } finally {
      if (watchdog) clearTimeout(watchdog);
      abort.abort();
      if (this.#abort === abort) this.#abort = null;
    }
  }

  /** Reads NDJSON lines, applying each page at its checkpoint. Returns true once caught up (not live). */
  async #readStream(body: ReadableStream<Uint8Array>, target: Replica, startSeq: number, live: boolean, arm: () => void): Promise<boolean> {
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
      arm();
      buf += decoder.decode(next.value, { stream: true });
      let start = 0;
      let nl: number;
      while ((nl = buf.indexOf('\n', start)) >= 0) {
        const text = buf.slice(start, nl);
        start = nl + 1;
        lineNo++;
        if (text.trim() === '') continue;
        if (text.length > MAX_LINE_CHARS) throw new PageError(`line ${lineNo} is longer than ${MAX_LINE_CHARS} characters`);
        const line = this.#parse(text, lineNo);
        if (line.t === 'put' || line.t === 'del') {
          page.push(line);
          if (page.length > MAX_PAGE_LINES) throw new PageError(`a page of more than ${MAX_PAGE_LINES} lines before its checkpoint`);
          continue;
        }
        this.#observeServerTime(line.serverTime);
        if (line.t === 'heartbeat') {
          if (live && line.seq <= target.position.seq && this.#status.state !== 'live' && page.length === 0) {
            // Nothing newer exists at the centre than what we hold: we are caught up.
            const pos = target.position;
            this.#failures = 0;
            this.#set({ state: 'live', seq: pos.seq, epoch: pos.epoch, serverSeq: line.seq, progress: null, offlineSince: null, reason: null });
          } else if (line.seq > this.#status.serverSeq) this.#set({ serverSeq: line.seq });
          continue;
        }
        const caughtUp = await this.#applyCheckpoint(target, page, line, startSeq, live);
        page = [];
        if (caughtUp && !live) return true;
      }
      buf = buf.slice(start);
      if (buf.length > MAX_LINE_CHARS) throw new PageError(`line ${lineNo + 1} is longer than ${MAX_LINE_CHARS} characters`);
    }
    if (page.length > 0 || buf.trim() !== '') {
      throw new PageError(`the feed ended inside a page (${page.length} line(s) after the last checkpoint); nothing of it was applied`);
    }
    return false;
  }

  async #applyCheckpoint(target: Replica, page: (PutLine | DelLine)[], cp: CheckpointLine, startSeq: number, live: boolean): Promise<boolean> {
    const effect = target.applyPage(page, cp);
    const pos = target.position;
    const now = this.serverNow();
    const serverSeq = Math.max(cp.seq, this.#status.serverSeq);
    if (cp.more) {
      const progress = Math.min(99, Math.floor(((pos.seq - startSeq) / Math.max(1, serverSeq - startSeq)) * 100));
      if (live) this.#set({ state: 'catching-up', seq: pos.seq, epoch: pos.epoch, serverSeq, progress, lastAppliedAt: now });
      else this.#set({ serverSeq, progress });
    } else {
      const mismatches = target.compare(cp);
      if (mismatches.length > 0) {
        const what = mismatches.map((m) => `${m.entity} ${m.local.count}/${m.centre.count}`).join(', ');
        if (!live) throw new PageError(`the rebuilt replica disagrees with the centre at seq ${cp.seq} (${what})`);
        await this.#repair(target, mismatches.map((m) => m.entity), `checksum mismatch at seq ${cp.seq} (${what})`);
      } else if (live) {
        this.#failures = 0;
        this.#set({ state: 'live', seq: pos.seq, epoch: pos.epoch, serverSeq: cp.seq, progress: null, offlineSince: null, reason: null, lastAppliedAt: now });
      }
    }
    if (live && effect.tables.length > 0) this.emit('changed', effect.tables, effect.times);
    return !cp.more;
  }

  /**
   * Re-fetches each mismatched entity whole and replaces it, reporting it; an entity that
   * mismatches again soon after a repair is reported as an error and not repaired in a loop.
   */
  async #repair(target: Replica, entities: EntityName[], reason: string): Promise<void> {
    for (const entity of entities) {
      const last = this.#lastRepair.get(entity);
      if (last !== undefined && Date.now() - last < REPAIR_QUIET_MS) {
        this.#set({ state: 'error', reason: `${reason}: ${entity} still disagrees after a repair; needs attention` });
        this.#opts.log(`sync: ${this.#status.reason}`);
        continue;
      }
      this.#lastRepair.set(entity, Date.now());
      this.#opts.log(`sync: ${reason}; re-fetching ${entity}`);
      const abort = new AbortController();
      const res = await this.#get({ since: '0', entity }, abort);
      const lines: PutLine[] = [];
      let lineNo = 0;
      for (const text of (await res.text()).split('\n')) {
        lineNo++;
        if (!text.trim()) continue;
        const line = this.#parse(text, lineNo);
        if (line.t === 'put') lines.push(line);
        else if (line.t === 'del') throw new PageError(`repair of ${entity}: a snapshot holds no deletions (line ${lineNo})`);
      }
      target.replaceEntity(entity, lines);
      this.emit('repaired', { entity, reason });
      this.emit('changed', [entity], null);
      this.#set({ reason: `repaired ${entity} after ${reason}` });
    }
  }
}
