// Fan-out of the live feed: the displays of one scope that are caught up share one tail of the
// log. On each commit the tail builds the scope's next page once (one read of the new rows, one
// filter, one checkpoint with the scope's counts and sums) and hands the same text to every
// display at its position, so a commit costs a read per scope, not per display. A display that is
// behind pages on its own (the stream's catch-up) until it reaches the tail, then joins it.
//
// The tail never waits for a display: a display whose socket stops draining is cut off once more
// than a bound is queued for it, and resumes from its seq when it reconnects (the protocol's
// reconnect), so the centre's memory for a slow display stays bounded.
import type { CentralStore } from './store.js';

/** A page of the feed: its text, the seq it ends at, whether more follows, its line count. */
export type TailPage = { text: string; seq: number; more: boolean; lines: number };
/** Builds the scope's next page after `cursor` (the server's buildPage, with its clock). */
export type ReadPage = (cursor: number, scopePath: string, limit: number) => TailPage | Promise<TailPage>;

/** One live stream as the tail sees it. */
export type TailMember = {
  /** The seq the display has every change through (a page boundary). */
  readonly cursor: number;
  /** Queues a page the tail built (ending at `seq`) for the display; never waits. */
  send(text: string, seq: number): void;
  /** The display is behind the tail: it pages on its own, then offers itself again. */
  catchUp(): void;
  /** Ends the display's stream (the feed went away or changed epoch); it reconnects. */
  end(): void;
};

export type FanoutStats = {
  /** Open tails (scope and page limit) and the displays following them. */
  tails: number;
  members: number;
  /** Pages the tails built: each is one read of the log for one scope. */
  pages: number;
  /** Displays cut off for not draining. */
  cutOff: number;
  /** The most bytes ever left queued for one display after a write (the bound plus one page at most). */
  peakQueued: number;
};

type Key = string;

class Tail {
  /** Null until the first display offers itself: the tail starts at that display's position. */
  cursor: number | null = null;
  readonly members = new Set<TailMember>();
  /** Displays ahead of the tail (it has a commit still to read): they join when it gets there. */
  readonly waiting = new Set<TailMember>();
  #pumping = false;
  #again = false;
  #unsubscribe: (() => void) | null = null;

  constructor(
    readonly fanout: Fanout,
    readonly key: Key,
    readonly scopePath: string,
    readonly limit: number,
    readonly epoch: string,
  ) {}

  get idle(): boolean {
    return this.members.size === 0 && this.waiting.size === 0;
  }

  offer(m: TailMember): void {
    if (!this.#unsubscribe) this.#unsubscribe = this.fanout.store.onCommit(() => void this.pump());
    // Nobody depends on the position of a tail without members: start it where this display is.
    const fresh = this.members.size === 0 && !this.#pumping;
    if (fresh) this.cursor = m.cursor;
    this.waiting.add(m);
    this.#settle();
    // A fresh tail may have missed commits made since the display's last page; one ahead of the
    // tail waits for a commit the tail has still to read.
    if (fresh || this.waiting.size > 0) void this.pump();
  }

  leave(m: TailMember): void {
    this.members.delete(m);
    this.waiting.delete(m);
    if (this.idle && !this.#pumping) this.#dispose();
  }

  /** Moves waiting displays at the tail's position in; sends those behind it to catch up. */
  #settle(): void {
    if (this.members.size === 0 && this.waiting.size > 0 && !this.#pumping) {
      this.cursor = Math.min(...[...this.waiting].map((w) => w.cursor));
    }
    for (const w of [...this.waiting]) {
      if (w.cursor === this.cursor) {
        this.waiting.delete(w);
        this.members.add(w);
      } else if (w.cursor < this.cursor!) {
        this.waiting.delete(w);
        w.catchUp();
      }
    }
  }

  async pump(): Promise<void> {
    if (this.#pumping) {
      this.#again = true;
      return;
    }
    this.#pumping = true;
    try {
      do {
        this.#again = false;
        for (;;) {
          if (this.idle || this.cursor === null) return;
          if (this.fanout.store.epoch !== this.epoch) return this.#endAll(); // each display reconnects and gets 409
          const from = this.cursor;
          const page = await this.fanout.readPage(from, this.scopePath, this.limit);
          this.fanout.pages++;
          if (page.seq !== from || page.lines > 1) {
            for (const m of [...this.members]) m.send(page.text, page.seq);
            this.cursor = page.seq;
          }
          this.#settle();
          if (!page.more) break;
        }
      } while (this.#again);
    } catch (err) {
      // The store went away (shutdown) or failed: end the streams; the displays reconnect.
      if (!this.idle) console.error('centre: feed tail ended by an error', err);
      this.#endAll();
    } finally {
      this.#pumping = false;
      if (this.idle) this.#dispose();
      else {
        this.#settle();
        // A display that joined ahead of the tail while it read waits for the next read.
        if (this.waiting.size > 0) void this.pump();
      }
    }
  }

  #endAll(): void {
    const all = [...this.members, ...this.waiting];
    this.members.clear();
    this.waiting.clear();
    for (const m of all) m.end();
  }

  #dispose(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    if (this.fanout.tails.get(this.key) === this) this.fanout.tails.delete(this.key);
  }
}

/** The tails of one centre process, one per scope path and page limit. */
export class Fanout {
  readonly tails = new Map<Key, Tail>();
  pages = 0;
  cutOff = 0;
  peakQueued = 0;

  constructor(
    readonly store: CentralStore,
    readonly readPage: ReadPage,
  ) {}

  /**
   * Offers a caught-up live stream to its scope's tail; returns how to leave it (on close). The
   * stream's own catch-up calls `offer` again via the returned function when asked to catch up.
   */
  follow(scopePath: string, limit: number, member: TailMember): { offer(): void; leave(): void } {
    // Pages never split a transaction, so streams with another limit may sit at other positions.
    const key = `${limit}\u0000${scopePath}`;
    const tailFor = () => {
      let tail = this.tails.get(key);
      if (!tail || tail.epoch !== this.store.epoch) {
        tail = new Tail(this, key, scopePath, limit, this.store.epoch);
        this.tails.set(key, tail);
      }
      return tail;
    };
    let current: Tail | null = null;
    return {
      offer: () => {
        current = tailFor();
        current.offer(member);
      },
      leave: () => current?.leave(member),
    };
  }

  stats(): FanoutStats {
    let members = 0;
    for (const t of this.tails.values()) members += t.members.size;
    return { tails: this.tails.size, members, pages: this.pages, cutOff: this.cutOff, peakQueued: this.peakQueued };
  }
}
