// Reviews frozen at their cut-off (kpis.md: "in review mode the figures are those of the centre's
// state at the cut-off"). Each cut-off gets its own SQLite file in the data folder, a replica of
// the scope's state at that instant, queried by its own Queries: a correction, void or late
// feedback written at the centre after the cut-off never reaches it, and every display shows the
// same figures. The file is filled from this display's own replica when it held the scope whole
// across the cut-off (the versions it saw, with the centre's commit times), else from the
// centre's `since=0&asOf=T`. Kept for offline use. A centre that keeps no history makes the
// review "not verifiable": the screens then show the live data as of the cut-off, marked.
import Database from 'better-sqlite3';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { ReviewState } from '../../shared/contract.js';
import { addCrc, recordCrc } from '../../shared/crc32.js';
import { DAY } from '../../shared/domain.js';
import { entityNames } from '../../shared/protocol.js';
import { Queries, type QueryConfig } from './queries.js';
import { Replica } from './replica.js';
import { RefusedError, type SyncEngine } from './sync.js';

export type FrozenOptions = {
  /** The folder of this scope's frozen reviews. */
  dir: string;
  /** The live replica (it may be swapped by a rebuild). */
  replica: () => Replica;
  sync: Pick<SyncEngine, 'fetchSnapshot'>;
  config: QueryConfig;
  log?: (message: string) => void;
  /** Frozen files older than this (by cut-off) are deleted at start (default 62 days). */
  keepMs?: number;
  /** How long to wait just after a cut-off for the centre to confirm this display's state (default 20 s). */
  confirmWaitMs?: number;
  /** How long a centre's "asOf not supported" is believed before asking again (default 10 min). */
  refusedRetryMs?: number;
};

type Frozen = { replica: Replica; queries: Queries; source: 'display' | 'centre' };
const FILE = /^(\d+)\.(display|centre)\.db$/;

export class FrozenReviews {
  readonly #opts: FrozenOptions;
  readonly #ready = new Map<number, Frozen>();
  readonly #pending = new Map<number, Promise<ReviewState>>();
  readonly #refused = new Map<number, { reason: string; at: number }>();

  constructor(opts: FrozenOptions) {
    this.#opts = opts;
    // A folder that refuses at launch (read-only, missing) is the sync's fault to name; a review
    // frozen meanwhile says why it could not be kept.
    try {
      mkdirSync(opts.dir, { recursive: true });
    } catch (err) {
      opts.log?.(`frozen reviews: ${opts.dir} cannot be made yet: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /** Deletes kept files of cut-offs long past, and unfinished ones. */
  prune(now: number): void {
    const keepMs = this.#opts.keepMs ?? 62 * DAY;
    if (!existsSync(this.#opts.dir)) return;
    for (const f of readdirSync(this.#opts.dir)) {
      const m = FILE.exec(f);
      if (m && Number(m[1]) >= now - keepMs) continue;
      if (m && this.#ready.has(Number(m[1]))) continue;
      if (!m && !/\.tmp\.db(-wal|-shm)?$/.test(f)) continue;
      rmSync(join(this.#opts.dir, f), { force: true });
    }
  }

  /** The queries over the frozen state at T, if it is ready (opening a file kept from before). */
  queriesAt(t: number): Queries | null {
    const hit = this.#ready.get(t);
    if (hit) return hit.queries;
    for (const source of ['display', 'centre'] as const) {
      const file = join(this.#opts.dir, `${t}.${source}.db`);
      if (existsSync(file)) return this.#open(t, file, source).queries;
    }
    return null;
  }

  #open(t: number, file: string, source: Frozen['source']): Frozen {
    const replica = new Replica(file);
    const f = { replica, queries: new Queries(replica.db, this.#opts.config), source };
    this.#ready.set(t, f);
    return f;
  }

  /**
   * Where the review with cut-off T stands at `now`, freezing it first if it can: provisional
   * before T; frozen once a snapshot of T exists; unverifiable when none can be had.
   */
  freeze(t: number, now: number): Promise<ReviewState> {
    if (t > now) return Promise.resolve({ state: 'provisional', cutoff: t, source: null, reason: null });
    if (this.queriesAt(t)) return Promise.resolve(this.#frozen(t));
    const refused = this.#refused.get(t);
    if (refused && Date.now() - refused.at < (this.#opts.refusedRetryMs ?? 10 * 60_000)) {
      return Promise.resolve({ state: 'unverifiable', cutoff: t, source: null, reason: refused.reason });
    }
    let p = this.#pending.get(t);
    if (!p) {
      p = this.#build(t).finally(() => this.#pending.delete(t));
      this.#pending.set(t, p);
    }
    return p;
  }

  #frozen(t: number): ReviewState {
    return { state: 'frozen', cutoff: t, source: this.#ready.get(t)!.source, reason: null };
  }

  async #build(t: number): Promise<ReviewState> {
    const log = this.#opts.log ?? (() => {});
    const tmp = join(this.#opts.dir, `${t}.tmp.db`);
    // Made here too: the folder may have been refused at launch and restored since.
    mkdirSync(this.#opts.dir, { recursive: true });
    const remove = () => {
      for (const s of ['', '-wal', '-shm']) rmSync(tmp + s, { force: true });
    };
    remove();
    let live = this.#opts.replica();
    let cov = live.coverage();
    // Just after the cut-off, a display that held the state across it waits for the centre to
    // confirm it (its next checkpoint or heartbeat) rather than asking for a snapshot.
    const deadline = Date.now() + (this.#opts.confirmWaitMs ?? 20_000);
    while (cov && cov.from <= t && cov.to < t && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      live = this.#opts.replica();
      cov = live.coverage();
    }
    if (cov && cov.from <= t && t <= cov.to) {
      try {
        this.#copyFromReplica(live, t, tmp);
        return this.#keep(t, tmp, 'display');
      } catch (err) {
        remove();
        log(`review ${new Date(t).toISOString()}: could not freeze from this display's replica (${err instanceof Error ? err.message : String(err)}); asking the centre`);
      }
    }
    const target = new Replica(tmp);
    try {
      await this.#opts.sync.fetchSnapshot(target, { asOf: String(t) });
      target.close();
      return this.#keep(t, tmp, 'centre');
    } catch (err) {
      target.close();
      remove();
      if (err instanceof RefusedError) {
        this.#refused.set(t, { reason: err.reason, at: Date.now() });
        log(`review ${new Date(t).toISOString()}: not verifiable: the centre cannot give its state at the cut-off (${err.reason})`);
        return { state: 'unverifiable', cutoff: t, source: null, reason: err.reason };
      }
      // Unreachable or a bad snapshot: not remembered, the next load asks again.
      const reason = err instanceof Error ? err.message : String(err);
      log(`review ${new Date(t).toISOString()}: could not fetch the state at the cut-off (${reason})`);
      return { state: 'unverifiable', cutoff: t, source: null, reason };
    }
  }

  #keep(t: number, tmp: string, source: Frozen['source']): ReviewState {
    const file = join(this.#opts.dir, `${t}.${source}.db`);
    renameSync(tmp, file);
    for (const s of ['-wal', '-shm']) rmSync(tmp + s, { force: true });
    this.#open(t, file, source);
    return this.#frozen(t);
  }

  /**
   * The state at T from the versions this display saw: every current row committed by T, and
   * every replaced version that was current at T; with its counts and sums, in a new file.
   */
  #copyFromReplica(live: Replica, t: number, file: string): void {
    new Replica(file).close(); // the schema
    const db = new Database(file);
    try {
      db.prepare('ATTACH DATABASE ? AS src').run(live.db.name);
      db.transaction(() => {
        for (const e of entityNames) {
          db.prepare(
            `INSERT INTO main.${e} (id, v, data, ts)
             SELECT id, v, data, ts FROM src.${e} WHERE ts <= @t
             UNION ALL SELECT id, v, data, ts FROM src.superseded WHERE entity = @e AND ts <= @t AND until > @t`,
          ).run({ t, e });
          let count = 0;
          let sum = 0;
          for (const r of db.prepare(`SELECT id, v FROM main.${e}`).iterate() as Iterable<{ id: string; v: number }>) {
            count++;
            sum = addCrc(sum, recordCrc(r.id, r.v));
          }
          db.prepare('INSERT INTO entity_stats (entity, count, sum) VALUES (?, ?, ?)').run(e, count, sum);
        }
        db.prepare('UPDATE sync_state SET seq = (SELECT seq FROM src.sync_state), epoch = (SELECT epoch FROM src.sync_state), history_from = ?, confirmed_at = ? WHERE id = 1').run(t, t);
      })();
      db.exec('DETACH DATABASE src');
      db.pragma('wal_checkpoint(TRUNCATE)');
    } finally {
      db.close();
    }
  }

  close(): void {
    for (const f of this.#ready.values()) f.replica.close();
    this.#ready.clear();
  }
}
