// The reference centre's HTTP API (../shared/design/central-protocol.md): the change feed
// (snapshot, catch-up and live on one code path), mutations and health.
import http from 'node:http';
import { createGzip, constants as zlibConstants, type Gzip } from 'node:zlib';
import { describeZodError, entityNames, heartbeatSchema, mutationRequestSchema, PROTOCOL_VERSION, type EntityName } from '../shared/protocol.js';
import type { Clock } from './clock.js';
import { branchFigures, parseWindows } from './figures.js';
import { INGEST_CONTENT_TYPE, IngestRefused, ingestText, MAX_INGEST_BODY } from './ingest.js';
import { AsOfError, StoreError, type CentralStore, type PutGroup, type Stats, type StoredRow, type StoreReader } from './store.js';
import { checkpointLine, Fanout, feedLine, type FanoutStats, type TailMember } from './tail.js';
import { roleAllows, type Principal, type TokenAction, type TokenRegistry } from './tokens.js';

export type CentralServerOptions = {
  store: CentralStore;
  clock: Clock;
  /** Who each bearer secret is: scope, role; asked on every request, so a revocation bites at once. */
  tokens: TokenRegistry;
  /** How often open live streams are checked for a revoked token, which ends them (default 1000 ms). */
  revocationCheckMs?: number;
  heartbeatMs?: number;
  defaultPageLimit?: number;
  /** Concurrent change streams before new ones get 503 with Retry-After. */
  maxStreams?: number;
  /** Requests a second each token may make, with a burst, before 429 with Retry-After. */
  rateLimit?: { perSecond: number; burst: number };
  /**
   * Bytes a live display may leave queued at the centre (unsent, its socket not draining) before
   * its stream is ended; it reconnects and resumes from its seq (default 4 MiB).
   */
  maxQueuedBytes?: number;
  /**
   * The longest a live display waits for the checkpoint of a commit that put nothing in its
   * scope (default 1000 ms): such checkpoints are coalesced, not sent for every commit.
   */
  checkpointEveryMs?: number;
};

/** A token bucket per display token: a misbehaving display is slowed, the others are not. */
export function createRateLimiter(perSecond: number, burst: number, now: () => number = Date.now) {
  const buckets = new Map<string, { tokens: number; at: number }>();
  return (key: string): number => {
    const t = now();
    const b = buckets.get(key) ?? { tokens: burst, at: t };
    b.tokens = Math.min(burst, b.tokens + ((t - b.at) / 1000) * perSecond);
    b.at = t;
    buckets.set(key, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.ceil((1 - b.tokens) / perSecond);
  };
}

const MAX_PAGE = 50_000;
/** Request bodies: a batch of notes, and a display's heartbeat. Larger gets 413 before it is read. */
export const MAX_MUTATION_BODY = 1 << 20;
export const MAX_HEARTBEAT_BODY = 64 * 1024;
const READ_BATCH = 2_000;
const NEWLINE = Buffer.from('\n');

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
    readonly headers: Record<string, string> = {},
  ) {
    super(String(body['error'] ?? body['reset'] ?? status));
  }
}

function intParam(q: URLSearchParams, name: string, dflt: number, min: number, max: number): number {
  const raw = q.get(name);
  if (raw === null) return dflt;
  if (!/^\d+$/.test(raw)) throw new HttpError(400, { error: `${name} must be a non-negative integer, got ${JSON.stringify(raw)}` });
  const n = Number(raw);
  if (n < min || n > max) throw new HttpError(400, { error: `${name} must be between ${min} and ${max}, got ${n}` });
  return n;
}

export type Page = { text: string | Buffer; seq: number; more: boolean; lines: number };

/**
 * A scope's snapshot rows (those through the stream's first head) as the store builds them (put
 * lines, a transaction's run at a time), read ahead: the rows are cut into batches of `batch`
 * (READ_BATCH) by seqs read first from the scope's index, and while one batch goes out to the
 * display the next is already being read, on another of the pool's connections. The batches
 * partition (after, through] by seq, so a record that changes meanwhile is neither lost nor sent
 * twice: its new version lies past `through` and comes with the log. No connection is held while
 * another is awaited, so streams cannot starve the pool.
 */
export class SnapshotGroups {
  #pos = Number.NaN;
  #left: PutGroup[] = [];
  #queue: Promise<{ to: number; groups: Promise<PutGroup[]> } | null>[] = [];

  constructor(
    readonly reader: StoreReader,
    readonly through: number,
    readonly scopePath: string,
    readonly batch = READ_BATCH,
  ) {}

  /** Whether the store can serve snapshots this way. */
  static offered(reader: StoreReader): boolean {
    return reader.scopePutGroupsAfter !== undefined && reader.scopeSeqAt !== undefined;
  }

  /** The batch after `from`, its end read first (null once `from` reaches `through`). */
  #batch(from: number): Promise<{ to: number; groups: Promise<PutGroup[]> } | null> {
    if (from >= this.through) return Promise.resolve(null);
    const batch = this.reader.scopeSeqAt!(from, this.through, this.scopePath, this.batch).then((to) => {
      const groups = this.reader.scopePutGroupsAfter!(from, to, this.scopePath, this.batch);
      // A batch read ahead for a stream that has ended is nobody's failure.
      groups.catch(() => undefined);
      return { to, groups };
    });
    batch.catch(() => undefined);
    return batch;
  }

  /** The next group after seq `after`, or null when every snapshot row of the scope is out. */
  async peek(after: number): Promise<PutGroup | null> {
    if (after !== this.#pos) {
      this.#pos = after;
      this.#left = [];
      this.#queue = [this.#batch(after)];
    }
    while (this.#left.length === 0) {
      const batch = await this.#queue.shift();
      if (!batch) return null;
      // The next batch is read while this one is sent.
      this.#queue.push(this.#batch(batch.to));
      this.#left = await batch.groups;
    }
    return this.#left[0]!;
  }

  /** The group peek gave is sent. */
  take(): void {
    this.#pos = this.#left.shift()!.lastSeq;
  }
}

/**
 * One page of the feed after `cursor` for a scope: whole transactions only, ending with a
 * checkpoint. Read in one snapshot, so rows, head and stats describe one consistent state; a
 * scope's snapshot rows, given `groups`, come from it instead (see {@link SnapshotGroups}).
 */
export async function buildPage(store: CentralStore, cursor: number, scopePath: string, limit: number, skipTombstonesThrough: number, now: number, entity: EntityName | null = null, groups?: SnapshotGroups): Promise<Page> {
  if (groups && entity === null && cursor < skipTombstonesThrough) {
    const out: Buffer[] = [];
    let last = cursor;
    let lastTx = -1;
    let emitted = 0;
    for (;;) {
      const g = await groups.peek(last);
      if (g === null) {
        // Every snapshot row of the scope is out; the log goes on from the snapshot's head.
        last = skipTombstonesThrough;
        break;
      }
      if (emitted >= limit && g.tx !== lastTx) break;
      groups.take();
      last = g.lastSeq;
      lastTx = g.tx;
      out.push(g.text, NEWLINE);
      emitted += g.n;
    }
    if (emitted > 0) {
      const { more, seq, stats } = await store.snapshot(async (r) => {
        const more = await r.hasRowsAfter(last);
        return { more, seq: more ? last : await r.headSeq(), stats: await r.stats(scopePath) };
      });
      out.push(Buffer.from(checkpointLine(seq, store.epoch, now, more, stats) + '\n'));
      return { text: Buffer.concat(out), seq, more, lines: emitted + 1 };
    }
    cursor = last;
  }
  return store.snapshot((r) => pageIn(store.epoch, r, cursor, scopePath, limit, skipTombstonesThrough, now, entity));
}

async function pageIn(epoch: string, store: StoreReader, cursor: number, scopePath: string, limit: number, skipTombstonesThrough: number, now: number, entity: EntityName | null): Promise<Page> {
  const out: string[] = [];
  let last = cursor;
  let lastTx = -1;
  let emitted = 0;
  outer: for (;;) {
    // Up to the snapshot's head only the scope's live rows can make a line (its tombstones are
    // left out): those are read by the scope. Past it, every row may (a del of a record that left).
    const snapshotting = last < skipTombstonesThrough;
    const rows: StoredRow[] = snapshotting ? await store.scopeRowsAfter(last, skipTombstonesThrough, scopePath, READ_BATCH) : await store.rowsAfter(last, READ_BATCH);
    if (rows.length === 0 && !snapshotting) break;
    for (const r of rows) {
      if (emitted >= limit && r.tx !== lastTx) break outer;
      last = r.seq;
      lastTx = r.tx;
      if (entity !== null && r.entity !== entity) continue;
      const line = feedLine(r, scopePath, skipTombstonesThrough);
      if (line !== null) {
        out.push(line);
        emitted++;
      }
    }
    if (rows.length < READ_BATCH) {
      if (!snapshotting) break;
      // Every row of the scope through the snapshot's head is out; the log goes on from there.
      last = skipTombstonesThrough;
    }
  }
  const more = await store.hasRowsAfter(last);
  const seq = more ? last : await store.headSeq();
  out.push(checkpointLine(seq, epoch, now, more, await store.stats(scopePath)));
  return { text: out.join('\n') + '\n', seq, more, lines: out.length };
}

/**
 * One page of the scope's state as it stood at time `asOf` (a review's cut-off), after `cursor`:
 * each record's newest version committed by then, unless deleted or out of scope by then. The
 * checkpoint's counts and sums (computed once per request) describe that state.
 */
export function buildAsOfPage(store: CentralStore, asOf: number, scopePath: string, cursor: number, limit: number, stats: Stats, now: number): Promise<Page> {
  const epoch = store.epoch;
  return store.snapshot(async (r) => {
    const rows = await r.rowsAsOf(asOf, scopePath, cursor, limit + 1);
    const more = rows.length > limit;
    const page = more ? rows.slice(0, limit) : rows;
    const out = page.map((r) => `{"t":"put","e":"${r.entity}","id":${JSON.stringify(r.id)},"v":${r.v},"seq":${r.seq},"ts":${r.ts},"d":${r.data}}`);
    const seq = more ? page[page.length - 1]!.seq : Math.max(cursor, await r.headSeq());
    out.push(JSON.stringify({ t: 'checkpoint', seq, epoch, serverTime: now, more, counts: stats.counts, sums: stats.sums }));
    return { text: out.join('\n') + '\n', seq, more, lines: out.length };
  });
}

export type CentralServer = http.Server & {
  /** Ends every change stream now (before the store closes on shutdown). */
  endStreams(): void;
  /** The live tails: how many, their displays, pages built, displays cut off. */
  fanout(): FanoutStats;
};

export function createCentralServer(opts: CentralServerOptions): CentralServer {
  const { store, clock } = opts;
  const heartbeatMs = opts.heartbeatMs ?? 15_000;
  const defaultLimit = opts.defaultPageLimit ?? 5_000;
  const maxStreams = opts.maxStreams ?? 256;
  const maxQueued = opts.maxQueuedBytes ?? 4 * 1024 * 1024;
  const fanout = new Fanout(store, clock, opts.checkpointEveryMs);
  const limit = createRateLimiter(opts.rateLimit?.perSecond ?? 50, opts.rateLimit?.burst ?? 100);
  let streams = 0;
  /** Each open stream's finisher, with the token it was opened with. */
  const finishers = new Map<() => void, string>();
  let revocationTimer: NodeJS.Timeout | null = null;

  /** Ends the live streams of tokens revoked since they opened; runs only while streams are open. */
  function watchRevocations(): void {
    if (revocationTimer || finishers.size === 0) return;
    revocationTimer = setInterval(() => {
      if (finishers.size === 0) {
        clearInterval(revocationTimer!);
        revocationTimer = null;
        return;
      }
      opts.tokens.revoked([...new Set(finishers.values())]).then(
        (gone) => {
          for (const [finish, id] of [...finishers]) if (gone.has(id)) finish();
        },
        (err: unknown) => console.error('centre: revocation check failed', err),
      );
    }, opts.revocationCheckMs ?? 1_000);
    revocationTimer.unref();
  }

  /**
   * The caller's principal, allowed `action`, within its rate. A request without a valid token
   * is charged to its address instead, so guessing is slowed as well as refused.
   */
  async function authorise(req: http.IncomingMessage, action: TokenAction): Promise<Principal> {
    const header = req.headers.authorization ?? '';
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    const principal = m ? await opts.tokens.resolve(m[1]!) : null;
    const wait = limit(principal ? `token:${principal.id}` : `addr:${req.socket.remoteAddress ?? '?'}`);
    if (wait > 0) throw new HttpError(429, { error: principal ? 'too many requests for this token' : 'too many unauthenticated requests' }, { 'Retry-After': String(wait) });
    if (!m) throw new HttpError(401, { error: 'missing bearer token' });
    if (!principal) throw new HttpError(401, { error: 'unknown or revoked token' });
    if (!roleAllows(principal.role, action)) throw new HttpError(403, { error: `a ${principal.role} token may not use ${action}` });
    return principal;
  }

  async function scopePathFor(tokenScope: string, requested: string | null): Promise<string> {
    const tokenPath = await store.unitPath(tokenScope);
    if (!tokenPath) throw new HttpError(403, { error: `token scope ${tokenScope} is not a unit of this centre` });
    if (requested === null) return tokenPath;
    const path = await store.unitPath(requested);
    if (!path) throw new HttpError(400, { error: `scope ${requested} is not a unit` });
    if (!path.startsWith(tokenPath)) throw new HttpError(403, { error: `scope ${requested} is outside this token's scope` });
    return path;
  }

  async function changes(req: http.IncomingMessage, res: http.ServerResponse, q: URLSearchParams): Promise<void> {
    const principal = await authorise(req, 'changes');
    const tokenScope = principal.scope;
    const since = intParam(q, 'since', 0, 0, Number.MAX_SAFE_INTEGER);
    const pageLimit = intParam(q, 'limit', defaultLimit, 1, MAX_PAGE);
    const live = intParam(q, 'live', 0, 0, 1) === 1;
    const epoch = q.get('epoch');
    const schema = q.has('schema') ? intParam(q, 'schema', 0, 0, 1_000_000) : null;
    const scopePath = await scopePathFor(tokenScope, q.get('scope'));
    const entityParam = q.get('entity');
    if (entityParam !== null && !(entityNames as string[]).includes(entityParam)) throw new HttpError(400, { error: `entity must be one of ${entityNames.join(', ')}` });
    const entity = entityParam as EntityName | null;
    if (entity !== null && (since !== 0 || live)) throw new HttpError(400, { error: 'entity is for a one-entity snapshot: since=0 and live=0' });
    const asOf = q.has('asOf') ? intParam(q, 'asOf', 0, 0, Number.MAX_SAFE_INTEGER) : null;
    let asOfStats: Stats | null = null;
    if (asOf !== null) {
      if (!store.keepsHistory) throw new HttpError(400, { error: 'asOf not supported' });
      if (since !== 0 || live || entity !== null) throw new HttpError(400, { error: 'asOf is for a whole snapshot: since=0, live=0, no entity' });
      if (asOf > clock()) throw new HttpError(400, { error: `asOf ${asOf} is after the centre's time ${clock()}` });
      try {
        asOfStats = await store.statsAsOf(asOf, scopePath);
      } catch (err) {
        if (err instanceof AsOfError) throw new HttpError(400, { error: err.message });
        throw err;
      }
    }
    if (since > 0 && !epoch) throw new HttpError(400, { error: 'epoch is required when since > 0' });
    if (schema !== null && schema !== store.schemaVersion) throw new HttpError(409, { reset: 'schema_incompatible', epoch: store.epoch });
    if (since > 0 && (epoch !== store.epoch || since > (await store.headSeq()))) throw new HttpError(409, { reset: 'epoch_changed', epoch: store.epoch });
    if (since > 0 && since < (await store.purgedThrough())) throw new HttpError(409, { reset: 'since_too_old', epoch: store.epoch });
    if (streams >= maxStreams) throw new HttpError(503, { error: 'too many change streams' }, { 'Retry-After': '2' });

    const gzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
    res.writeHead(200, {
      'Content-Type': 'application/x-ndjson; charset=utf-8',
      'Cache-Control': 'no-store',
      'X-Server-Time': String(clock()),
      ...(gzip ? { 'Content-Encoding': 'gzip' } : {}),
    });
    const zip: Gzip | null = gzip ? createGzip({ flush: zlibConstants.Z_SYNC_FLUSH }) : null;
    if (zip) zip.pipe(res);
    const sink: NodeJS.WritableStream = zip ?? res;
    streams++;
    const startEpoch = store.epoch;
    const skipThrough = since === 0 ? await store.headSeq() : 0;
    const snapshotGroups = since === 0 && SnapshotGroups.offered(store) ? new SnapshotGroups(store, skipThrough, scopePath) : undefined;
    let cursor = since;
    // The first page always goes out, so a client already at the head learns it is caught up.
    let sentFirst = false;
    let closed = false;
    let pumping = false;
    let again = false;
    let heartbeat: NodeJS.Timeout | null = null;
    let unsubscribe: (() => void) | null = null;

    const finish = () => {
      if (closed) return;
      closed = true;
      finishers.delete(finish);
      streams--;
      if (heartbeat) clearInterval(heartbeat);
      unsubscribe?.();
      if (res.destroyed) zip?.destroy();
      else if (zip) zip.end();
      else res.end();
    };
    res.on('close', finish);
    finishers.set(finish, principal.id);
    watchRevocations();

    /** What is queued for this display and not yet taken by its socket. */
    const queued = () => res.writableLength + (zip ? zip.writableLength + zip.readableLength : 0);
    /**
     * Writes without waiting (the tail serves every display at once), unless the display has let
     * too much queue up: then its stream is ended, freeing what was queued, and it resumes from its
     * seq when it reconnects.
     */
    const push = (text: string): boolean => {
      if (closed) return false;
      if (queued() > maxQueued) {
        fanout.noteCutOff();
        res.destroy();
        finish();
        return false;
      }
      sink.write(text);
      fanout.noteQueued(queued());
      return true;
    };
    const write = (text: string | Buffer) =>
      new Promise<void>((resolve) => {
        if (sink.write(text)) resolve();
        else sink.once('drain', resolve);
      });

    const pump = async (): Promise<void> => {
      if (pumping) {
        again = true;
        return;
      }
      pumping = true;
      try {
        const build = (from: number): Promise<Page> => {
          const page =
            asOf !== null && asOfStats !== null
              ? buildAsOfPage(store, asOf, scopePath, from, pageLimit, asOfStats, clock())
              : buildPage(store, from, scopePath, pageLimit, skipThrough, clock(), entity, snapshotGroups);
          // Awaited below, unless the stream ends first: then its failure is nobody's.
          page.catch(() => undefined);
          return page;
        };
        do {
          again = false;
          let next: Promise<Page> | null = null;
          for (;;) {
            if (closed) return;
            if (store.epoch !== startEpoch) return finish(); // the client will reconnect and get 409
            const page = await (next ?? build(cursor));
            next = null;
            const advanced = page.seq !== cursor || page.lines > 1;
            cursor = page.seq;
            // The next page is read from the store while this one drains to the display (a
            // snapshot of many pages costs the slower of the two, not their sum); two at most.
            if (page.more) next = build(cursor);
            if (advanced || !live || !sentFirst) {
              sentFirst = true;
              await write(page.text);
            }
            if (!page.more) break;
          }
        } while (again);
      } catch (err) {
        // The store went away (shutdown) or failed: end this stream; the client reconnects.
        if (!closed) console.error('centre: feed stream ended by an error', err);
        finish();
      } finally {
        pumping = false;
      }
    };

    await pump();
    if (!live) return finish();
    heartbeat = setInterval(() => {
      if (closed) return;
      store.headSeq().then(
        (seq) => (closed ? undefined : push(JSON.stringify({ t: 'heartbeat', seq, serverTime: clock() }) + '\n')),
        (err: unknown) => console.error('centre: heartbeat read failed', err),
      );
    }, heartbeatMs);
    // Caught up: from here the scope's shared tail sends each commit; when the display falls
    // behind it (it joined as the tail moved on), it pages on its own again and rejoins.
    const member: TailMember = {
      get cursor() {
        return cursor;
      },
      send(text, seq) {
        if (push(text)) cursor = seq;
      },
      catchUp() {
        void pump().then(join);
      },
      end: finish,
    };
    const tail = fanout.follow(scopePath, pageLimit, member);
    unsubscribe = () => tail.leave();
    // A position of another epoch means nothing to the tail: the client reconnects and gets 409.
    const join = () => (closed ? undefined : store.epoch === startEpoch ? tail.offer() : finish());
    join();
  }

  async function mutations(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const principal = await authorise(req, 'mutations');
    const body = await readBody(req, MAX_MUTATION_BODY);
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      throw new HttpError(400, { error: 'body is not JSON' });
    }
    const parsed = mutationRequestSchema.safeParse(json);
    if (!parsed.success) throw new HttpError(400, { error: describeZodError(parsed.error) });
    const scopePath = await store.unitPath(principal.scope);
    if (!scopePath) throw new HttpError(403, { error: `token scope ${principal.scope} is not a unit of this centre` });
    // A token below the root answers an unknown id like an out-of-scope one (403), so it cannot
    // tell "elsewhere" from "nowhere"; a token that sees the whole centre has nothing to probe,
    // and an unknown id is then just a bad request (400, from the store).
    const seesAll = scopePath.split('/').length === 3;
    for (const m of parsed.data.mutations) {
      const leadId = m.args.leadId;
      const unitId = 'unitId' in m.args ? m.args.unitId : undefined;
      const paths = [leadId === undefined ? null : { what: `lead ${leadId}`, path: await store.leadPath(leadId) }, unitId === undefined ? null : { what: `unit ${unitId}`, path: await store.unitPath(unitId) }];
      for (const p of paths) {
        if (!p || (p.path === null && seesAll) || p.path?.startsWith(scopePath)) continue;
        throw new HttpError(403, { error: `mutation ${m.id}: ${p.what} is not in this token's scope (or does not exist); nothing was applied` });
      }
    }
    try {
      const last = await store.applyMutations(
        parsed.data.clientId,
        parsed.data.mutations.map((m) => (m.name === 'note.add' ? { id: m.id, note: m.args } : { id: m.id, audit: m.args })),
        principal.scope,
      );
      sendJson(res, 200, { lastMutationId: last, serverTime: clock() }, clock());
    } catch (err) {
      if (err instanceof StoreError) throw new HttpError(400, { error: err.message });
      throw err;
    }
  }

  /** Records from the bureau's own systems (central/ingest.ts): checked whole, written in one transaction. */
  async function ingest(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const principal = await authorise(req, 'ingest');
    const type = String(req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== INGEST_CONTENT_TYPE) throw new HttpError(415, { error: `Content-Type must be ${INGEST_CONTENT_TYPE}, got ${JSON.stringify(type)}` });
    const scopePath = await store.unitPath(principal.scope);
    if (!scopePath) throw new HttpError(403, { error: `token scope ${principal.scope} is not a unit of this centre` });
    try {
      const result = await ingestText(store, await readBody(req, MAX_INGEST_BODY), scopePath);
      sendJson(res, 200, { ...result, serverTime: clock() }, clock());
    } catch (err) {
      if (err instanceof IngestRefused) throw new HttpError(err.status, err.body());
      throw err;
    }
  }

  async function heartbeat(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const scope = (await authorise(req, 'heartbeat')).scope;
    let json: unknown;
    try {
      json = JSON.parse(await readBody(req, MAX_HEARTBEAT_BODY));
    } catch (err) {
      if (err instanceof HttpError) throw err;
      throw new HttpError(400, { error: 'body is not JSON' });
    }
    const parsed = heartbeatSchema.safeParse(json);
    if (!parsed.success) throw new HttpError(400, { error: describeZodError(parsed.error) });
    await store.recordHeartbeat(parsed.data.clientId, scope, clock(), parsed.data);
    sendJson(res, 200, { ok: true, serverTime: clock() }, clock());
  }

  /**
   * City-level figures (GET /v1/figures): every branch's indicators over the windows asked, as of
   * T, for a display scoped to a branch to rank it among all branches. Aggregates only — no lead,
   * person or phone leaves its branch's scope.
   */
  async function figures(req: http.IncomingMessage, res: http.ServerResponse, q: URLSearchParams): Promise<void> {
    const principal = await authorise(req, 'changes');
    const tokenPath = await store.unitPath(principal.scope);
    if (!tokenPath) throw new HttpError(403, { error: `token scope ${principal.scope} is not a unit of this centre` });
    let windows;
    try {
      windows = parseWindows(q.get('windows'));
    } catch (err) {
      throw new HttpError(400, { error: (err as Error).message });
    }
    const now = clock();
    const asOf = q.has('asOf') ? intParam(q, 'asOf', 0, 0, Number.MAX_SAFE_INTEGER) : now;
    if (asOf > now) throw new HttpError(400, { error: `asOf ${asOf} is after the centre's time ${now}` });
    const body = await store.snapshot(async (r) => {
      const units = await r.live('unit');
      // The city: the top of the token's own chain of units.
      const rootId = decodeURIComponent(tokenPath.split('/').filter(Boolean)[0] ?? '');
      const branches = units.map((u) => u.d).filter((u) => u.parentId === rootId && u.level === 'branch').sort((a, b) => (a.code < b.code ? -1 : 1));
      const paths = new Map(branches.flatMap((b) => { const p = units.find((u) => u.id === b.id)?.path; return p ? [[p, b.id] as [string, string]] : []; }));
      return branchFigures(branches, await r.live('lead'), await r.live('stop_payment'), paths, windows, asOf, now);
    });
    sendJson(res, 200, body, now);
  }

  async function displays(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const scope = (await authorise(req, 'displays')).scope;
    const path = await store.unitPath(scope);
    if (!path) throw new HttpError(403, { error: `token scope ${scope} is not a unit of this centre` });
    const now = clock();
    const list = (await store.displays(path)).map((d) => ({ ...(d.report as object), scope: d.scope, receivedAt: d.receivedAt, silentForMs: now - d.receivedAt }));
    sendJson(res, 200, { displays: list, serverTime: now }, now);
  }

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://centre');
    const route = `${req.method} ${url.pathname}`;
    const run = async () => {
      switch (route) {
        case 'GET /v1/health':
          return sendJson(res, 200, { status: 'ok', epoch: store.epoch, seq: await store.headSeq(), serverTime: clock(), protocol: PROTOCOL_VERSION }, clock());
        case 'GET /v1/changes':
          return changes(req, res, url.searchParams);
        case 'POST /v1/mutations':
          return mutations(req, res);
        case 'POST /v1/ingest':
          return ingest(req, res);
        case 'POST /v1/displays/heartbeat':
          return heartbeat(req, res);
        case 'GET /v1/displays':
          return displays(req, res);
        case 'GET /v1/figures':
          return figures(req, res, url.searchParams);
        case 'GET /v1/audit': {
          // The unmasked views the displays in this token's scope reported (an administrator's read).
          const path = (await store.unitPath((await authorise(req, 'displays')).scope)) ?? '/';
          return sendJson(res, 200, { views: await store.auditViews(path, 5000), serverTime: clock() }, clock());
        }
        default:
          throw new HttpError(404, { error: `no route ${route}` });
      }
    };
    run().catch((err: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (err instanceof HttpError) {
        // A body refused unread: answer, then close the connection rather than read the rest.
        if (err.status === 413) res.once('finish', () => req.destroy());
        return sendJson(res, err.status, { ...err.body, serverTime: clock() }, clock(), err.status === 413 ? { ...err.headers, Connection: 'close' } : err.headers);
      }
      sendJson(res, 500, { error: 'internal error', serverTime: clock() }, clock());
      console.error('centre: internal error', err);
    });
  });
  server.keepAliveTimeout = 5_000;
  return Object.assign(server, {
    fanout: () => fanout.stats(),
    endStreams() {
      for (const f of [...finishers.keys()]) f();
      if (revocationTimer) clearInterval(revocationTimer);
      revocationTimer = null;
    },
  });
}

function sendJson(res: http.ServerResponse, status: number, body: unknown, now: number, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'X-Server-Time': String(now), 'Cache-Control': 'no-store', ...headers });
  res.end(text);
}

/** Reads a body of at most `max` bytes; a declared or actual larger one is refused with 413, unread. */
function readBody(req: http.IncomingMessage, max: number): Promise<string> {
  const tooLarge = () => new HttpError(413, { error: `body larger than ${max} bytes` });
  if (Number(req.headers['content-length'] ?? 0) > max) return Promise.reject(tooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (c: Buffer) => {
      size += c.length;
      if (size > max) {
        req.off('data', onData);
        req.pause();
        reject(tooLarge());
      } else chunks.push(c);
    };
    req.on('data', onData);
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
