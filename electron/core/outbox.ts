// Sends the outbox to the centre: in order, retried until it gets an answer. A row stays until
// the change feed shows its mutation applied (see core.ts), so nothing is lost if the answer
// is; the centre applies each mutation id once, so nothing is applied twice.
import { EventEmitter } from 'node:events';
import type { LocalStore } from './local.js';

export type OutboxOptions = { url: string; token: string; now: () => number; log: (m: string) => void; retryMs: number; fetch?: typeof fetch };

export class Outbox extends EventEmitter<{ changed: [] }> {
  readonly #local: LocalStore;
  readonly #opts: OutboxOptions;
  #timer: NodeJS.Timeout | null = null;
  #sending: Promise<void> | null = null;
  #again = false;

  constructor(local: LocalStore, opts: OutboxOptions) {
    super();
    this.#local = local;
    this.#opts = opts;
  }

  start(): void {
    this.#timer ??= setInterval(() => this.flush(), this.#opts.retryMs);
    this.flush();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  /** Sends whatever is unsent; coalesces calls made while a send is under way. */
  flush(): void {
    if (this.#sending) {
      this.#again = true;
      return;
    }
    this.#sending = this.#send()
      .catch((err: unknown) => this.#opts.log(`outbox: ${err instanceof Error ? err.message : String(err)}; will retry`))
      .finally(() => {
        this.#sending = null;
        if (this.#again) {
          this.#again = false;
          this.flush();
        }
      });
  }

  /** Resolves when no send is under way (for tests and shutdown). */
  async idle(): Promise<void> {
    while (this.#sending) await this.#sending;
  }

  async #post(rows: ReturnType<LocalStore['pending']>): Promise<Response> {
    return (this.#opts.fetch ?? fetch)(`${this.#opts.url}/v1/mutations`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${this.#opts.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ clientId: this.#local.clientId, mutations: rows.map((r) => ({ id: r.id, name: r.name, args: r.args })) }),
      signal: AbortSignal.timeout(15_000),
    });
  }

  async #send(): Promise<void> {
    const unsent = this.#local.pending().filter((r) => r.sentAt === null && r.error === null);
    if (unsent.length === 0) return;
    const batch = unsent.slice(0, 100);
    const res = await this.#post(batch);
    if (res.ok) {
      const { lastMutationId } = (await res.json()) as { lastMutationId: number };
      this.#local.markSent(lastMutationId, this.#opts.now());
      this.emit('changed');
      return;
    }
    const text = await res.text();
    // 400: a mutation cannot apply; 403: one lies outside this token's scope. Either way the
    // batch applied nothing and retrying it would fail the same way forever.
    const refused = (status: number) => status === 400 || status === 403;
    if (!refused(res.status)) throw new Error(`the centre answered ${res.status}: ${text.slice(0, 200)}`);
    // The centre refused the batch and applied none of it: find the one it refuses, mark it
    // (it stays visible, never silently dropped) and let the others go on.
    for (const row of batch) {
      const one = await this.#post([row]);
      if (one.ok) this.#local.markSent(row.id, this.#opts.now());
      else if (refused(one.status)) {
        const reason = ((await one.json().catch(() => ({}))) as { error?: string }).error ?? 'refused';
        this.#local.markFailed(row.id, reason);
        this.#opts.log(`outbox: the centre refused mutation ${row.id}: ${reason}`);
      } else throw new Error(`the centre answered ${one.status}`);
    }
    this.emit('changed');
  }
}
