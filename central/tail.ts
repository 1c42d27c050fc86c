// Fan-out of the live feed. The displays that are caught up share one reader of the log: on each
// commit it reads the new rows once, then for each scope (a tail: scope path and page limit)
// filters them once and builds the page text once, with the checkpoint's counts and sums read
// only for the scopes the commit touched (a scope no row entered or left keeps the figures it
// had), and hands the same text to every display of that scope. A commit thus costs one read of
// the log and one statistics read per scope it touches, whatever the number of displays. A display
// that is behind pages on its own (the stream's catch-up) until it reaches the reader, then joins.
//
// A commit that puts nothing in a scope (a lead at another branch) changes nothing its displays
// hold but the seq they stand at, so the tail does not send them a checkpoint for each such
// commit: it sends the latest one at most every `checkpointEveryMs` (1 s), or with the next page
// that carries rows for the scope, whichever comes first. A province's commits reach only the
// displays of their unit's branch and station at once; the rest learn the new seq within a
// second, so the centre writes a few pages per commit, not one for every display it serves.
//
// The reader never waits for a display: a display whose socket stops draining is cut off once more
// than a bound is queued for it, and resumes from its seq when it reconnects (the protocol's
// reconnect), so the centre's memory for a slow display stays bounded.
import { visibleIn, type CentralStore, type Stats, type StoredRow } from './store.js';

/** Rows read from the log at a time; a transaction is never split, so a read may hold more. */
const READ_BATCH = 2_000;

/**
 * The feed line a stored row makes for a scope, or null when it is none of the scope's business:
 * a put while it lies in the scope; a del when it is deleted or has moved out of a scope it was in
 * (unless it is a tombstone a snapshot already left out: seq at or below `skipTombstonesThrough`).
 */
export function feedLine(r: StoredRow, scopePath: string, skipTombstonesThrough: number, paths?: readonly string[]): string | null {
  if (!r.deleted && visibleIn(r.entity, r.path, scopePath)) {
    return `{"t":"put","e":"${r.entity}","id":${JSON.stringify(r.id)},"v":${r.v},"seq":${r.seq},"ts":${r.ts},"d":${r.data}}`;
  }
  if (r.seq > skipTombstonesThrough && (paths ?? (JSON.parse(r.paths) as string[])).some((p) => visibleIn(r.entity, p, scopePath))) {
    return `{"t":"del","e":"${r.entity}","id":${JSON.stringify(r.id)},"seq":${r.seq},"ts":${r.ts}}`;
  }
  return null;
}

export function checkpointLine(seq: number, epoch: string, serverTime: number, more: boolean, stats: Stats): string {
  return JSON.stringify({ t: 'checkpoint', seq, epoch, serverTime, more, counts: stats.counts, sums: stats.sums });
}

/** One live stream as the reader sees it. */
export type TailMember = {
  /** The seq the display has every change through (a page boundary). */
  readonly cursor: number;
  /** Queues a page the reader built (ending at `seq`) for the display; never waits. */
  send(text: string, seq: number): void;
  /** The display is behind the reader: it pages on its own, then offers itself again. */
  catchUp(): void;
  /** Ends the display's stream (the feed went away or changed epoch); it reconnects. */
  end(): void;
};

export type FanoutStats = {
  /** Open tails (scope and page limit) and the displays following them. */
  tails: number;
  members: number;
  /** Reads of the log by the shared reader, and scope statistics it read. */
  reads: number;
  statsReads: number;
  /** Displays cut off for not draining. */
  cutOff: number;
  /** The most bytes ever left queued for one display after a write (the bound plus one page at most). */
  peakQueued: number;
};

type Tail = {
  key: string;
  scopePath: string;
  limit: number;
  members: Set<TailMember>;
  /** The scope's counts and sums, and the seq they describe (null: never read). */
  stats: Stats | null;
  statsAt: number;
  /** A checkpoint-only page not yet sent (the latest round that put nothing in the scope). */
  pending: { seq: number; more: boolean; stats: Stats } | null;
};

/** Rows read once for every tail (with their parsed paths), and where their checkpoint stands. */
type Round = { rows: StoredRow[]; paths: string[][]; seq: number; more: boolean };

/** The live tails of one centre process and their one reader of the log. */
export class Fanout {
  readonly #tails = new Map<string, Tail>();
  /** Displays offered at a position the reader has not reached, with their tails. */
  readonly #waiting = new Map<TailMember, Tail>();
  /** Where every member stands; null until the first display offers itself. */
  #cursor: number | null = null;
  #epoch: string | null = null;
  #pumping = false;
  #reading = false;
  #again = false;
  #unsubscribe: (() => void) | null = null;
  /** Sends the tails' pending checkpoints; set while any tail has one. */
  #flushTimer: NodeJS.Timeout | null = null;
  #stats: FanoutStats = { tails: 0, members: 0, reads: 0, statsReads: 0, cutOff: 0, peakQueued: 0 };

  constructor(
    readonly store: CentralStore,
    readonly clock: () => number,
    /** The longest a display waits for a checkpoint of a commit that put nothing in its scope. */
    readonly checkpointEveryMs = 1_000,
  ) {}

  /** Joins a caught-up live stream to its scope's tail (`offer`, again after each catch-up); `leave` on close. */
  follow(scopePath: string, limit: number, member: TailMember): { offer(): void; leave(): void } {
    // Pages never split a transaction, so streams with another limit get other pages.
    const key = `${limit}\u0000${scopePath}`;
    return {
      offer: () => {
        if (this.#epoch !== this.store.epoch) {
          // A restore: whatever followed the old epoch is over (each display reconnects and gets 409).
          this.#endAll();
          this.#epoch = this.store.epoch;
          this.#cursor = null;
        }
        let tail = this.#tails.get(key);
        if (!tail) {
          tail = { key, scopePath, limit, members: new Set(), stats: null, statsAt: -1, pending: null };
          this.#tails.set(key, tail);
        }
        this.#offer(member, tail);
      },
      leave: () => {
        this.#waiting.delete(member);
        const tail = this.#tails.get(key);
        if (!tail) return;
        tail.members.delete(member);
        this.#dropIfEmpty(tail);
        if (this.#tails.size === 0) this.#stop();
      },
    };
  }

  /** Counts a display cut off by its stream, and the most ever queued for one. */
  noteCutOff(): void {
    this.#stats.cutOff++;
  }
  noteQueued(bytes: number): void {
    if (bytes > this.#stats.peakQueued) this.#stats.peakQueued = bytes;
  }

  stats(): FanoutStats {
    let members = 0;
    for (const t of this.#tails.values()) members += t.members.size;
    return { ...this.#stats, tails: this.#tails.size, members };
  }

  #memberCount(): number {
    let n = 0;
    for (const t of this.#tails.values()) n += t.members.size;
    return n;
  }

  #offer(m: TailMember, tail: Tail): void {
    if (!this.#unsubscribe) this.#unsubscribe = this.store.onCommit(() => void this.#pump());
    this.#waiting.set(m, tail);
    const fresh = this.#cursor === null || (this.#memberCount() === 0 && !this.#pumping);
    if (fresh) this.#moveTo(m.cursor);
    if (!this.#reading) this.#settle();
    // A fresh reader may have missed commits made since the display's last page; a display ahead
    // of the reader waits for a commit the reader has still to read.
    if (fresh || this.#waiting.size > 0) void this.#pump();
  }

  /** Puts the reader at a new position: the scopes' figures it kept describe another seq. */
  #moveTo(seq: number): void {
    this.#cursor = seq;
    for (const t of this.#tails.values()) t.stats = null;
  }

  /** Moves waiting displays at the reader's position in; sends those behind it to catch up. */
  #settle(): void {
    if (this.#memberCount() === 0 && this.#waiting.size > 0 && !this.#pumping) this.#moveTo(Math.min(...[...this.#waiting.keys()].map((w) => w.cursor)));
    for (const [w, tail] of [...this.#waiting]) {
      if (w.cursor === this.#cursor) {
        this.#waiting.delete(w);
        tail.members.add(w);
      } else if (w.cursor < this.#cursor!) {
        this.#waiting.delete(w);
        this.#dropIfEmpty(tail);
        w.catchUp();
      }
    }
  }

  #dropIfEmpty(tail: Tail): void {
    if (tail.members.size > 0 || [...this.#waiting.values()].includes(tail)) return;
    if (this.#tails.get(tail.key) === tail) this.#tails.delete(tail.key);
  }

  #stop(): void {
    if (this.#pumping || this.#waiting.size > 0) return;
    this.#clearFlush();
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    this.#cursor = null;
  }

  #endAll(): void {
    this.#clearFlush();
    const all = [...this.#waiting.keys()];
    for (const t of this.#tails.values()) all.push(...t.members);
    this.#waiting.clear();
    this.#tails.clear();
    for (const m of all) m.end();
  }

  /**
   * The rows after `from` (whole transactions), the seq a checkpoint after them stands at, and
   * each tail's figures at that seq: read again only for a scope the rows touch (or not yet read
   * at `from`). One snapshot, so rows, head and figures describe one state.
   */
  #read(from: number, tails: Tail[]): Promise<Round> {
    return this.store.snapshot(async (reader) => {
      const rows: StoredRow[] = [];
      let last = from;
      let lastTx = -1;
      outer: for (;;) {
        const batch = await reader.rowsAfter(last, READ_BATCH);
        if (batch.length === 0) break;
        for (const r of batch) {
          if (rows.length >= READ_BATCH && r.tx !== lastTx) break outer;
          rows.push(r);
          last = r.seq;
          lastTx = r.tx;
        }
        if (batch.length < READ_BATCH) break;
      }
      const more = await reader.hasRowsAfter(last);
      const seq = more ? last : await reader.headSeq();
      const paths = rows.map((r) => JSON.parse(r.paths) as string[]);
      for (const t of tails) {
        const touched = rows.some((r, i) => visibleIn(r.entity, r.path, t.scopePath) || paths[i]!.some((p) => visibleIn(r.entity, p, t.scopePath)));
        if (touched || t.stats === null || t.statsAt !== from) {
          t.stats = await reader.stats(t.scopePath);
          this.#stats.statsReads++;
        }
        t.statsAt = seq;
      }
      return { rows, paths, seq, more };
    });
  }

  /**
   * A tail's pages for a round: its lines cut at `limit` on transaction boundaries, each ending
   * with a checkpoint; null when the round put nothing in the scope (its checkpoint waits).
   */
  #pages(t: Tail, round: Round, now: number): string | null {
    const out: string[] = [];
    let emitted = 0;
    let lastSeq = -1;
    let lastTx = -1;
    for (const [i, r] of round.rows.entries()) {
      if (emitted >= t.limit && r.tx !== lastTx) {
        out.push(checkpointLine(lastSeq, this.#epoch!, now, true, t.stats!));
        emitted = 0;
      }
      lastSeq = r.seq;
      lastTx = r.tx;
      const line = feedLine(r, t.scopePath, 0, round.paths[i]);
      if (line !== null) {
        out.push(line);
        emitted++;
      }
    }
    if (out.length === 0) return null;
    out.push(checkpointLine(round.seq, this.#epoch!, now, round.more, t.stats!));
    return out.join('\n') + '\n';
  }

  #scheduleFlush(): void {
    if (this.#flushTimer) return;
    this.#flushTimer = setTimeout(() => {
      this.#flushTimer = null;
      this.#flush();
    }, this.checkpointEveryMs);
    this.#flushTimer.unref();
  }

  #clearFlush(): void {
    if (this.#flushTimer) clearTimeout(this.#flushTimer);
    this.#flushTimer = null;
  }

  /** Each tail's pending checkpoint to its displays that stand before it (one that joined since stands at or past it). */
  #flush(): void {
    if (this.#epoch !== this.store.epoch) return;
    const now = this.clock();
    for (const t of this.#tails.values()) {
      const p = t.pending;
      if (!p) continue;
      t.pending = null;
      const text = checkpointLine(p.seq, this.#epoch!, now, p.more, p.stats) + '\n';
      for (const m of [...t.members]) if (m.cursor < p.seq) m.send(text, p.seq);
    }
  }

  async #pump(): Promise<void> {
    if (this.#pumping) {
      this.#again = true;
      return;
    }
    this.#pumping = true;
    try {
      do {
        this.#again = false;
        for (;;) {
          if (this.#cursor === null || (this.#memberCount() === 0 && this.#waiting.size === 0)) return;
          if (this.store.epoch !== this.#epoch) return this.#endAll(); // each display reconnects and gets 409
          const from = this.#cursor;
          const tails = [...this.#tails.values()].filter((t) => t.members.size > 0);
          this.#reading = true;
          let round: Round;
          try {
            round = await this.#read(from, tails);
          } finally {
            this.#reading = false;
          }
          this.#stats.reads++;
          if (round.seq !== from || round.rows.length > 0) {
            const now = this.clock();
            for (const t of tails) {
              if (t.members.size === 0) continue;
              const text = this.#pages(t, round, now);
              if (text === null) {
                // Nothing for this scope: its displays learn the new seq with the next flush.
                t.pending = { seq: round.seq, more: round.more, stats: t.stats! };
                this.#scheduleFlush();
                continue;
              }
              t.pending = null;
              for (const m of [...t.members]) m.send(text, round.seq);
            }
            this.#cursor = round.seq;
          }
          this.#settle();
          if (!round.more) break;
        }
      } while (this.#again);
    } catch (err) {
      // The store went away (shutdown) or failed: end the streams; the displays reconnect.
      console.error('centre: feed reader ended by an error', err);
      this.#endAll();
    } finally {
      this.#pumping = false;
      this.#settle();
      if (this.#tails.size === 0) this.#stop();
      // A display that offered itself ahead of the reader while it read waits for the next read.
      else if (this.#waiting.size > 0) void this.#pump();
    }
  }
}
