// The sync loop: follows the centre's live NDJSON feed into the replica, page by page.
// Every line is validated; a page is applied only whole, at its checkpoint; a structural fault
// rejects the page, leaves the replica as it was, says why in the status and retries with
// backoff from the last applied position. A record that fails its schema is held back (counted,
// kept off screen, reported) and the feed goes on. A 429/503's Retry-After is the wait; any
// applied checkpoint forgives earlier failures. A fault of this machine (disk full, read-only or
// missing folder) is named in the status, and the sync retries until it clears. A 409 rebuilds into a fresh replica while the old one
// keeps serving (marked stale); a checksum mismatch re-fetches that entity and is reported.
import { EventEmitter } from 'node:events';
import type { SyncStatus, TableName } from '../../shared/contract.js';
import { FeedLineError, resetBodySchema, type CheckpointLine, type DelLine, type EntityName, type HeldLine, type LocalFault, type PutLine } from '../../shared/protocol.js';
import { createFeedParser, type FeedParser } from './feed.js';
import { localFaultOf, ReplicaError, type PageEffect, type Replica } from './replica.js';

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
  /** The data folder, to name a fault of this machine (disk full, read-only, missing). */
  readonly dir?: string;
  /**
   * Throws if the current replica's file is no longer where it was (SQLite goes on writing a
   * deleted file, and all of it would be lost at the next start).
   */
  verify?(): void;
  /**
   * Throws while the replica cannot be opened where it belongs (a data folder missing or
   * read-only at launch): the sync names the fault and tries again, and follows the feed into
   * the file once it opens.
   */
  ready?(): void;
};

class FinalError extends Error {}
/** The centre refused a request as bad (400), with its reason: e.g. `asOf not supported`. */
export class RefusedError extends Error {
  constructor(readonly reason: string) {
    super(`the centre refused the request: ${reason}`);
    this.name = 'RefusedError';
  }
}
class ResetError extends Error {}
/** A 429/503: the centre says how long to wait (null: it did not, so back off as usual). */
class BusyError extends Error {
  constructor(
    message: string,
    readonly waitMs: number | null,
  ) {
    super(message);
  }
}
export class PageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PageError';
  }
}

/** `changed` carries the tables and the page's effect (window times and ids touched); null means anything may have changed. */
export type SyncEvents = { status: [SyncStatus]; changed: [TableName[], PageEffect | null]; swapped: [Replica]; repaired: [{ entity: EntityName; reason: string }] };
const ALL_TABLES: TableName[] = ['unit', 'lead', 'event', 'stop_payment', 'note', 'policy'];
/** Memory bounds on what a (possibly hostile) link can make us hold before a checkpoint. */
export const MAX_LINE_CHARS = 4 * 1024 * 1024;
export const MAX_PAGE_LINES = 250_000;
const REPAIR_QUIET_MS = 10 * 60_000;
/** The longest a Retry-After is obeyed: a centre's mistake must not silence a wall for hours. */
export const MAX_RETRY_AFTER_MS = 60_000;

/** Retry-After as seconds or an HTTP date, in ms from now, capped; null when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | null {
  if (header === null || header.trim() === '') return null;
  const secs = Number(header);
  const ms = Number.isFinite(secs) ? secs * 1000 : Date.parse(header) - now;
  if (!Number.isFinite(ms)) return null;
  return Math.min(MAX_RETRY_AFTER_MS, Math.max(0, ms));
}

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
      confirmedAt: slot.current.confirmedAt,
      complete: slot.current.complete,
      heldBack: slot.current.heldCount,
      localFault: null,
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

  /** Adds a reason to the status without changing the state. */
  note(reason: string): void {
    this.#set({ reason });
  }

  /** Names a fault of this machine found outside the loop (a replica set aside at start). */
  reportLocalFault(fault: LocalFault): void {
    this.#set({ localFault: fault, reason: fault.detail });
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
      let wait: number;
      try {
        this.#slot.ready?.();
        await this.#follow(this.#slot.current, true);
        this.#failures = 0;
        wait = this.#backoff();
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
        // The replica's file was removed under it (its folder deleted and made again): SQLite
        // will never write it again, so rebuild a new one while the old one keeps serving.
        if ((err as { code?: unknown }).code === 'SQLITE_READONLY_DBMOVED' && localFaultOf(err, this.#slot.dir)?.kind !== 'missing_dir') {
          await this.#rebuild('the replica file was removed');
          continue;
        }
        wait = this.#fail(err, reason);
      }
      await this.#sleep(wait);
    }
  }

  /** Records a failure in the status and returns how long to wait before trying again. */
  #fail(err: unknown, reason: string): number {
    const fault = localFaultOf(err, this.#slot.dir);
    if (fault) {
      this.#failures++;
      // Not "offline": the centre may be fine; this machine cannot store what it sends.
      this.#set({ state: this.#status.state === 'stale' ? 'stale' : 'error', localFault: fault, reason: `${fault.detail}; ${fault.action}`, progress: null });
      this.#opts.log(`sync: ${this.#status.reason}`);
      return this.#backoff();
    }
    const busy = err instanceof BusyError && err.waitMs !== null;
    // The centre said when to come back: that is the wait, with no backoff on top.
    if (!busy) this.#failures++;
    const rejected = err instanceof FeedLineError || err instanceof ReplicaError || err instanceof PageError;
    this.#set({
      state: this.#status.state === 'stale' ? 'stale' : rejected ? 'error' : 'offline',
      reason: rejected ? `rejected page: ${reason}` : reason,
      offlineSince: this.#status.offlineSince ?? this.serverNow(),
      progress: null,
    });
    this.#opts.log(`sync: ${this.#status.reason}`);
    return busy ? (err as BusyError).waitMs! : this.#backoff();
  }

  /** Once a page is stored, a local fault is over (a replica set aside stays named until rebuilt whole). */
  #clearLocalFault(final: boolean): Partial<SyncStatus> {
    const f = this.#status.localFault;
    return f && (f.kind !== 'set_aside' || final) ? { localFault: null } : {};
  }

  /** Re-syncs from since=0 into a fresh replica while the current one keeps serving, then swaps. */
  async #rebuild(reason: string): Promise<void> {
    this.#opts.log(`sync: ${reason}; rebuilding from the start while the old data stays on screen`);
    while (!this.#stopped) {
      this.#set({ state: 'stale', reason, progress: 0 });
      let fresh: Replica | null = null;
      try {
        fresh = this.#slot.fresh();
        await this.#follow(fresh, false);
        this.#slot.swap(fresh);
        const pos = this.#slot.current.position;
        const cur = this.#slot.current;
        this.#set({ state: 'catching-up', seq: pos.seq, epoch: pos.epoch, reason: null, progress: null, complete: cur.complete, confirmedAt: cur.confirmedAt, heldBack: cur.heldCount });
        this.emit('swapped', this.#slot.current);
        this.emit('changed', ALL_TABLES, null);
        return;
      } catch (err) {
        if (fresh) this.#slot.discard(fresh);
        if (this.#stopped) return;
        if (err instanceof FinalError) throw err;
        const wait = this.#fail(err, `rebuild: ${err instanceof Error ? err.message : String(err)}`);
        this.#set({ state: 'stale' });
        await this.#sleep(wait);
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
      const wait = retryAfterMs(res.headers.get('retry-after'));
      await res.body?.cancel();
      throw new BusyError(`the centre is busy (${res.status})${wait === null ? '' : `; retrying in ${Math.round(wait / 100) / 10} s as it asked`}`, wait);
    }
    if (res.status === 400) {
      const body = (await res.json().catch(() => null)) as { error?: unknown } | null;
      throw new RefusedError(typeof body?.error === 'string' ? body.error : 'bad request');
    }
    if (!res.ok || !res.body) {
      await res.body?.cancel();
      throw new Error(`the centre answered ${res.status}`);
    }
    return res;
  }

  /**
   * Fills an empty replica with a one-off snapshot (e.g. `asOf` a review's cut-off), through the
   * same reader, validation and checksum check as the feed; the live replica and the status are
   * left alone. Throws {@link RefusedError} when the centre cannot serve it.
   */
  async fetchSnapshot(target: Replica, params: Record<string, string>, timeoutMs = 120_000): Promise<void> {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(new Error(`the snapshot took longer than ${Math.round(timeoutMs / 1000)} s`)), timeoutMs);
    try {
      const res = await this.#get({ ...params, since: '0', live: '0' }, abort);
      const done = await this.#readStream(res.body!, target, 0, false, () => {}, false);
      if (!done) throw new PageError('the snapshot ended before its final checkpoint');
    } catch (err) {
      if (abort.signal.aborted && abort.signal.reason instanceof Error) throw abort.signal.reason;
      throw err;
    } finally {
      clearTimeout(timer);
      abort.abort();
    }
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
  async #readStream(body: ReadableStream<Uint8Array>, target: Replica, startSeq: number, live: boolean, arm: () => void, report = true): Promise<boolean> {
    const decoder = new TextDecoder();
    let buf = '';
    let lineNo = 0;
    let page: (PutLine | DelLine | HeldLine)[] = [];
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
        if (line.t === 'put' || line.t === 'del' || line.t === 'held') {
          page.push(line);
          if (page.length > MAX_PAGE_LINES) throw new PageError(`a page of more than ${MAX_PAGE_LINES} lines before its checkpoint`);
          continue;
        }
        if (report) this.#observeServerTime(line.serverTime);
        if (line.t === 'heartbeat') {
          if (live && line.seq <= target.position.seq && page.length === 0 && target.complete) {
            // Nothing newer exists at the centre than what we hold: the data is current as of now,
            // and the replica is the centre's whole state at this time (a review can freeze from it).
            target.confirm(line.serverTime);
            const pos = target.position;
            this.#failures = 0;
            this.#set({ state: 'live', seq: pos.seq, epoch: pos.epoch, serverSeq: line.seq, progress: null, offlineSince: null, reason: null, confirmedAt: line.serverTime });
          } else if (line.seq > this.#status.serverSeq) this.#set({ serverSeq: line.seq });
          continue;
        }
        const caughtUp = await this.#applyCheckpoint(target, page, line, startSeq, live, report);
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

  async #applyCheckpoint(target: Replica, page: (PutLine | DelLine | HeldLine)[], cp: CheckpointLine, startSeq: number, live: boolean, report = true): Promise<boolean> {
    if (report && target === this.#slot.current) this.#slot.verify?.();
    const effect = target.applyPage(page, cp);
    for (const l of page) {
      if (l.t === 'held') this.#opts.log(`sync: held back ${l.e} ${JSON.stringify(l.id)} v${l.v} (seq ${l.seq}): ${l.reason}; counted, kept off screen until a valid version arrives`);
    }
    // Any page stored is progress: earlier failures are forgiven.
    this.#failures = 0;
    const pos = target.position;
    const now = this.serverNow();
    const serverSeq = Math.max(cp.seq, this.#status.serverSeq);
    if (!report) {
      const mismatches = cp.more ? [] : target.compare(cp);
      if (mismatches.length > 0) throw new PageError(`the snapshot disagrees with its checkpoint (${mismatches.map((m) => `${m.entity} ${m.local.count}/${m.centre.count}`).join(', ')})`);
      return !cp.more;
    }
    if (cp.more) {
      const progress = Math.min(99, Math.floor(((pos.seq - startSeq) / Math.max(1, serverSeq - startSeq)) * 100));
      if (live) this.#set({ state: 'catching-up', seq: pos.seq, epoch: pos.epoch, serverSeq, progress, lastAppliedAt: now, heldBack: target.heldCount, ...this.#clearLocalFault(false) });
      else this.#set({ serverSeq, progress, ...this.#clearLocalFault(false) });
    } else {
      const mismatches = target.compare(cp);
      if (mismatches.length > 0) {
        const what = mismatches.map((m) => `${m.entity} ${m.local.count}/${m.centre.count}`).join(', ');
        if (!live) throw new PageError(`the rebuilt replica disagrees with the centre at seq ${cp.seq} (${what})`);
        await this.#repair(target, mismatches.map((m) => m.entity), `checksum mismatch at seq ${cp.seq} (${what})`);
        this.#set({ heldBack: target.heldCount, complete: target.complete });
      } else if (live) {
        this.#set({
          state: 'live',
          seq: pos.seq,
          epoch: pos.epoch,
          serverSeq: cp.seq,
          progress: null,
          offlineSince: null,
          reason: null,
          lastAppliedAt: now,
          confirmedAt: cp.serverTime,
          complete: true,
          heldBack: target.heldCount,
          ...this.#clearLocalFault(true),
        });
      } else this.#set(this.#clearLocalFault(true));
    }
    if (live && effect.tables.length > 0) this.emit('changed', effect.tables, effect);
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
      // `entity=` is an optional narrowing a centre may ignore: the lines are filtered here.
      const res = await this.#get({ since: '0', entity }, abort);
      const lines: (PutLine | HeldLine)[] = [];
      let lineNo = 0;
      for (const text of (await res.text()).split('\n')) {
        lineNo++;
        if (!text.trim()) continue;
        const line = this.#parse(text, lineNo);
        if (line.t === 'checkpoint' || line.t === 'heartbeat' || line.e !== entity) continue;
        if (line.t === 'del') throw new PageError(`repair of ${entity}: a snapshot holds no deletions (line ${lineNo})`);
        lines.push(line);
      }
      target.replaceEntity(entity, lines);
      this.emit('repaired', { entity, reason });
      this.emit('changed', [entity], null);
      this.#set({ reason: `repaired ${entity} after ${reason}` });
    }
  }
}
