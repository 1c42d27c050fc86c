// Retry delays shared by everything that restarts something: the shell's core process and
// windows, and the browser host's kiosk browser.
/** Delays for restarting what keeps failing: 1 s doubling to 60 s; reset after 5 quiet minutes (by default). */
export class Backoff {
  #n = 0;
  #last = 0;
  constructor(
    private readonly minMs = 1_000,
    private readonly maxMs = 60_000,
    private readonly quietMs = 5 * 60_000,
  ) {}
  next(now: number): number {
    if (now - this.#last > this.quietMs) this.#n = 0;
    this.#last = now;
    return Math.min(this.maxMs, this.minMs * 2 ** this.#n++);
  }
}
