// The data core: replica + sync + queries + outbox behind the app's contract. Plain Node: it
// runs in the browser host's process, in an Electron utility process, and in tests, unchanged.
import { EventEmitter } from 'node:events';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ContractError, type DisplayHealth, type Events, type EventName, type Handlers, type PendingNote, type ReviewState } from '../../shared/contract.js';
import { encodeCaseReview, isVersionedReview } from '../../shared/caseReview.js';
import { DEFAULT_DISPLAY, rankingConfig, type DisplayConfig } from '../../shared/display.js';
import { HEARTBEAT_HELD_MAX, type Heartbeat } from '../../shared/protocol.js';
import { APP_VERSION } from '../../shared/version.js';
import { DAY, HOUR } from '../../shared/domain.js';
import { inWindow, isReviewCutoff, reviewCutoff, reviewWindow } from '../../shared/kpi.js';
import type { LocalFault, Note } from '../../shared/protocol.js';
import type { Viewer } from '../../shared/privacy.js';
import { CityFigures } from './cityFigures.js';
import { exportReview } from './exporter.js';
import { FrozenReviews } from './frozen.js';
import { buildReviewPlan } from './reviewPlan.js';
import { LocalStore } from './local.js';
import { Outbox } from './outbox.js';
import { DEFAULT_QUERY_CONFIG, Queries, type QueryConfig } from './queries.js';
import { localFaultOf, openReplica, Replica, setAsideFault } from './replica.js';
import { SyncEngine, type ReplicaSlot } from './sync.js';

export type CoreOptions = {
  dataDir: string;
  central: { url: string; token: string; scope?: string };
  log?: (message: string) => void;
  watchdogMs?: number;
  backoffMinMs?: number;
  backoffMaxMs?: number;
  queries?: QueryConfig;
  /** How often the outbox retries while offline (default 5 s). */
  outboxRetryMs?: number;
  /** How often this display reports its health to the centre (default 30 s). */
  heartbeatMs?: number;
  display?: DisplayConfig;
};

export type Core = {
  handlers: Handlers;
  on<K extends EventName>(channel: K, listener: (payload: Events[K]) => void): () => void;
  start(): void;
  close(): Promise<void>;
  readonly replica: Replica;
  readonly queries: Queries;
  readonly sync: SyncEngine;
  readonly local: LocalStore;
  readonly outbox: Outbox;
  /** Records an unmasked view of a lead, here and (through the outbox) at the centre. */
  recordView(leadId: string, viewer: Viewer): void;
  readonly frozen: FrozenReviews;
};

/** The replica file and its rebuild twin, swapped by rename once a rebuild is complete. */
class FileSlot implements ReplicaSlot {
  current: Replica;
  readonly dir: string;
  readonly #file: string;
  readonly #onSwap: (r: Replica) => void;

  /** Whether `current` stands in, in memory, for a file that could not be opened at launch. */
  #standIn: boolean;
  readonly #log: (m: string) => void;

  constructor(dir: string, file: string, current: Replica, onSwap: (r: Replica) => void, standIn: boolean, log: (m: string) => void) {
    this.dir = dir;
    this.#file = file;
    this.current = current;
    this.#onSwap = onSwap;
    this.#standIn = standIn;
    this.#log = log;
  }

  ready(): void {
    if (!this.#standIn) return;
    mkdirSync(this.dir, { recursive: true });
    const opened = openReplica(this.#file, this.#log);
    this.current.close();
    this.current = opened.replica;
    this.#standIn = false;
    this.#log(`core: the replica ${this.#file} opened; following the centre into it`);
    this.#onSwap(this.current);
  }

  get #next(): string {
    return this.#file.replace(/\.db$/, '') + '-rebuild.db';
  }

  #remove(file: string): void {
    for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true });
  }

  verify(): void {
    if (existsSync(this.#file)) return;
    const dirThere = existsSync(this.dir);
    // Named as SQLite names a database whose file was removed, or as a missing folder.
    throw Object.assign(new Error(dirThere ? `the replica file ${this.#file} was removed` : `the data folder ${this.dir} is gone`), { code: dirThere ? 'SQLITE_READONLY_DBMOVED' : 'ENOENT' });
  }

  fresh(): Replica {
    this.#remove(this.#next);
    return new Replica(this.#next);
  }

  swap(fresh: Replica): void {
    fresh.close();
    this.current.close();
    this.#remove(this.#file);
    renameSync(this.#next, this.#file);
    this.current = new Replica(this.#file);
    this.#onSwap(this.current);
  }

  discard(fresh: Replica): void {
    fresh.close();
    if (existsSync(this.#next)) this.#remove(this.#next);
  }
}

/**
 * Opens a file of the data folder, or, when this machine's storage refuses (a folder missing and
 * not creatable, read-only, full), says why and opens a stand-in in memory so the display still
 * starts, shows its fault and waits; anything else is thrown.
 */
function openOrStandIn<T>(dir: string, open: () => T, standIn: () => T): { value: T; fault: LocalFault | null } {
  try {
    mkdirSync(dir, { recursive: true });
    return { value: open(), fault: null };
  } catch (err) {
    const fault = localFaultOf(err, dir);
    if (!fault) throw err;
    return { value: standIn(), fault };
  }
}

export function createCore(opts: CoreOptions): Core {
  const log = opts.log ?? (() => {});
  const replicaFile = join(opts.dataDir, 'replica.db');
  const openedReplica = openOrStandIn(opts.dataDir, () => openReplica(replicaFile, log), () => ({ replica: new Replica(':memory:'), setAside: null }));
  const opened = openedReplica.value;
  // The outbox's notes wait in memory when the folder refuses them (said in the fault): a
  // display that cannot write its disk still shows and still sends.
  const openedLocal = openOrStandIn(opts.dataDir, () => new LocalStore(join(opts.dataDir, 'local.db')), () => new LocalStore(':memory:'));
  const local = openedLocal.value;
  const launchFault = openedReplica.fault ?? openedLocal.fault;
  if (launchFault) log(`core: ${launchFault.detail}; ${launchFault.action}`);
  const events = new EventEmitter();
  events.setMaxListeners(0);
  // The rankings' minimum volume and sort keys are the display's configuration.
  const queryConfig = opts.queries ?? { ...DEFAULT_QUERY_CONFIG, ranking: rankingConfig(opts.display ?? DEFAULT_DISPLAY) };
  let queries = new Queries(opened.replica.db, queryConfig);
  const slot = new FileSlot(
    opts.dataDir,
    replicaFile,
    opened.replica,
    (r) => {
      queries = new Queries(r.db, queryConfig);
    },
    openedReplica.fault !== null,
    log,
  );
  const sync = new SyncEngine(slot, {
    ...opts.central,
    log,
    ...(opts.watchdogMs !== undefined ? { watchdogMs: opts.watchdogMs } : {}),
    ...(opts.backoffMinMs !== undefined ? { backoffMinMs: opts.backoffMinMs } : {}),
    ...(opts.backoffMaxMs !== undefined ? { backoffMaxMs: opts.backoffMaxMs } : {}),
  });
  if (opened.setAside) sync.reportLocalFault(setAsideFault(opened.setAside));
  if (launchFault) sync.reportLocalFault(openedLocal.fault && !openedReplica.fault ? { ...launchFault, detail: `${launchFault.detail}; notes not yet sent are kept in memory only until it is` } : launchFault);
  const outbox = new Outbox(local, { url: opts.central.url, token: opts.central.token, log, now: () => sync.serverNow(), retryMs: opts.outboxRetryMs ?? 5_000 });

  // Health: reported to the centre's operators, and shown on the display's own status bar.
  let lastHeartbeatAt: number | null = null;
  let heartbeatError: string | null = null;
  const health = (): DisplayHealth => {
    const st = sync.status;
    return {
      version: APP_VERSION,
      state: st.state,
      seq: st.seq,
      seqLag: Math.max(0, st.serverSeq - st.seq),
      // The age of what the screens show: since the centre last confirmed it current.
      dataAgeMs: st.confirmedAt === null ? null : Math.max(0, Math.round(sync.serverNow() - st.confirmedAt)),
      memoryMB: Math.round((process.memoryUsage().rss / 1_048_576) * 10) / 10,
      lastError: st.state === 'live' ? null : st.reason,
      complete: st.complete,
      localFault: st.localFault,
      heldBack: { count: slot.current.heldCount, records: slot.current.heldRecords(HEARTBEAT_HELD_MAX) },
      lastHeartbeatAt,
      heartbeatError,
      policy: queries.policy().from,
    };
  };
  const sendHeartbeat = async () => {
    const h = health();
    const body: Heartbeat = {
      clientId: local.clientId,
      name: (opts.display ?? DEFAULT_DISPLAY).displayName,
      version: h.version,
      state: h.state,
      seq: h.seq,
      seqLag: h.seqLag,
      dataAgeMs: h.dataAgeMs,
      memoryMB: h.memoryMB,
      lastError: h.lastError?.slice(0, 500) ?? null,
      complete: h.complete,
      localFault: h.localFault && { ...h.localFault, detail: h.localFault.detail.slice(0, 500), action: h.localFault.action.slice(0, 300) },
      heldBack: { count: h.heldBack.count, records: h.heldBack.records.map((r) => ({ ...r, reason: r.reason.slice(0, 200) })) },
    };
    try {
      const res = await fetch(`${opts.central.url}/v1/displays/heartbeat`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${opts.central.token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(10_000),
      });
      if (!res.ok) throw new Error(`the centre answered ${res.status}`);
      lastHeartbeatAt = sync.serverNow();
      heartbeatError = null;
    } catch (err) {
      heartbeatError = err instanceof Error ? err.message : String(err);
    }
  };
  let heartbeatTimer: NodeJS.Timeout | null = null;
  let pruneTimer: NodeJS.Timeout | null = null;

  const reconcileOutbox = () => {
    const row = slot.current.db
      .prepare("SELECT MAX(json_extract(data, '$.mutationId')) AS id FROM note WHERE json_extract(data, '$.clientId') = ?")
      .get(local.clientId) as { id: number | null };
    if (row.id !== null && local.removeApplied(row.id) > 0) events.emit('db:changed', { tables: ['note'] });
  };
  let lastState: string | null = null;
  sync.on('status', (s) => {
    events.emit('sync:status', s);
    // The centre's operators hear of a change of state, a local fault or a record held back at
    // once, not at the next beat.
    const state = `${s.state}/${s.localFault?.kind ?? ''}/${s.heldBack}/${s.complete}`;
    if (state !== lastState && heartbeatTimer) void sendHeartbeat();
    lastState = state;
    if (s.state === 'live') outbox.flush();
  });
  sync.on('changed', (tables, effect) => {
    if (tables.includes('unit') || effect === null) queries.unitsChanged();
    else queries.invalidate(effect.times, effect);
    if (tables.includes('note')) reconcileOutbox();
    events.emit('db:changed', { tables });
  });
  reconcileOutbox();

  const now = () => sync.serverNow();
  // Reviews frozen at their cut-off, one file each, per scope (a display may change its scope).
  const frozen = new FrozenReviews({
    dir: join(opts.dataDir, 'frozen', encodeURIComponent(opts.central.scope ?? 'all')),
    replica: () => slot.current,
    sync,
    config: queryConfig,
    log,
  });
  frozen.prune(Date.now());
  // The versions seen are kept long enough to freeze the week's review from them.
  const pruneVersions = () => slot.current.pruneVersions(now() - 10 * DAY);
  /**
   * Runs a query as of T: a review's cut-off that has passed is answered from the state frozen at
   * it (freezing it on first use); anything else from the live replica, synchronously as before.
   */
  const at = <T,>(asOf: number | undefined, run: (q: Queries) => T): T | Promise<T> => {
    if (asOf === undefined || !isReviewCutoff(asOf, queryConfig.calendar) || asOf > now()) return run(queries);
    return frozen.freeze(asOf, now()).then((st) => run(st.state === 'frozen' ? (frozen.queriesAt(asOf) ?? queries) : queries));
  };
  /** The queries a review of a date is built from: its frozen state once the cut-off has passed. */
  const reviewAt = async (date: string, week: boolean): Promise<{ q: Queries; state: ReviewState }> => {
    const state = await frozen.freeze(reviewCutoff(reviewWindow(date, week), Infinity), now());
    return { q: state.state === 'frozen' ? (frozen.queriesAt(state.cutoff) ?? queries) : queries, state };
  };
  const city = new CityFigures({ url: opts.central.url, token: opts.central.token, now, ranking: queryConfig.ranking, calendar: queryConfig.calendar });
  const holdsCity = () => {
    const root = queries.rootId();
    return root === null || queries.tree.byId.get(root)?.level === 'city';
  };
  const pendingNotes = (): PendingNote[] =>
    local.pending().flatMap((r) => (r.name === 'note.add' ? [r] : [])).map((r) => ({ ...r.args, clientId: local.clientId, mutationId: r.id, pending: true, error: r.error }));

  const handlers: Handlers = {
    'countdowns:list': ({ unitId, limit }) => queries.countdowns(unitId, now(), limit),
    'countdowns:wall': ({ unitId, fit, cols, page }) => queries.countdownWall(unitId, now(), fit, cols, page),
    'kpi:strip': ({ unitId, asOf }) => queries.kpiStrip(unitId, asOf ?? now()),
    'kpi:get': ({ unitId, window, asOf }) => at(asOf, (q) => q.indicators(unitId, window, asOf)),
    'ranking:get': ({ kind, level, within, asOf, window, cityWide }) =>
      // A display scoped below the city ranks its branch among all of them from the centre's
      // aggregate figures: its replica holds its own branch alone, and must.
      cityWide && level === 'branch' && asOf === undefined && !holdsCity() ? city.ranking(kind, window) : at(asOf, (q) => q.ranking(kind, level, within, asOf ?? now(), window)),
    'trends:get': ({ unitId, days, asOf }) => queries.trends(unitId, days, asOf ?? now()),
    'map:features': ({ unitId }) => queries.mapFeatures(unitId, now()),
    // The full record: the dispatcher gives each role its view of it (shared/privacy.ts).
    'lead:timeline': ({ leadId, asOf }) => at(asOf, (q) => q.leadTimeline(leadId, true)),
    'handling:summary': ({ unitId, window, asOf }) => at(asOf, (q) => q.handlingSummary(unitId, window, asOf)),
    'units:list': () => queries.units(),
    'review:leads': ({ unitId, window, asOf, which, limit }) => at(asOf, (q) => q.reviewLeads(unitId, window, asOf, which, limit)),
    'stops:list': ({ unitId, window, asOf }) => at(asOf, (q) => q.stopRecord(unitId, window, asOf)),
    'replay:leads': ({ unitId, window, asOf }) => at(asOf, (q) => q.replayLeads(unitId, window, asOf)),
    'review:state': ({ window }) => frozen.freeze(reviewCutoff(window, Infinity), now()),
    'review:plan': async ({ date, week, unitId }) => {
      const { q, state } = await reviewAt(date, week === true);
      return buildReviewPlan(q, { date, now: now(), state, notes: queries.notes(), ...(week !== undefined ? { week } : {}), ...(unitId ? { unitId } : {}) });
    },
    'review:export': async ({ date, week, unitId, format, table }) => {
      // The minutes are those of the frozen review (the same plan the screen shows), and say so
      // when it could not be frozen.
      const { q, state } = await reviewAt(date, week === true);
      const plan = buildReviewPlan(q, { date, now: now(), state, notes: queries.notes(), ...(week !== undefined ? { week } : {}), ...(unitId ? { unitId } : {}) });
      return exportReview(plan, { format, ...(table ? { table } : {}) }, (opts.display ?? DEFAULT_DISPLAY).targets);
    },
    'notes:list': ({ leadId, unitId, window }) => {
      // Notes stay live in a review: the meeting writes its minutes after the cut-off.
      const match = (n: Note) =>
        (leadId === undefined || n.leadId === leadId) && (unitId === undefined || n.unitId === unitId) && (window === undefined || inWindow(n.createdAt, window));
      const stored = queries.notes().filter(match).map((n) => ({ ...n, pending: false, error: null }));
      const seen = new Set(stored.map((n) => n.id));
      return [...stored, ...pendingNotes().filter((n) => !seen.has(n.id) && match(n))].sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
    },
    'notes:add': (args) => {
      // A structured review goes through review:add, which the role gate and the review's checks guard.
      if (args.kind === 'review' && isVersionedReview(args.body)) throw new ContractError('notes:add: a structured case review is written with review:add');
      const row = local.addNote(
        { kind: args.kind, body: args.body, author: args.author, createdAt: now(), ...(args.leadId ? { leadId: args.leadId } : {}), ...(args.unitId ? { unitId: args.unitId } : {}) },
        now(),
      );
      events.emit('db:changed', { tables: ['note'] });
      outbox.flush();
      return { ...(row.args as Note), clientId: local.clientId, mutationId: row.id, pending: true, error: null };
    },
    'review:add': ({ leadId, review, author }) => {
      // Only a post-warning victimisation case is reviewed; its note carries the lead and its unit.
      const lead = queries.leadTimeline(leadId)?.lead;
      if (!lead) throw new ContractError(`review:add: no lead ${leadId} in this display's scope`);
      if (lead.outcome !== 'defrauded_after_warning') throw new ContractError(`review:add: lead ${leadId} is not a post-warning victimisation case`);
      const row = local.addNote({ kind: 'review', leadId, unitId: lead.unitId, body: encodeCaseReview(review), author, createdAt: now() }, now());
      events.emit('db:changed', { tables: ['note'] });
      outbox.flush();
      return { ...(row.args as Note), clientId: local.clientId, mutationId: row.id, pending: true, error: null };
    },
    'events:recent': ({ unitId, limit }) => queries.recentEvents(unitId, now(), limit),
    'display:config': () => opts.display ?? DEFAULT_DISPLAY,
    'sync:status': () => sync.status,
    'health:get': () => health(),
    'clock:now': () => ({ serverTime: now() }),
    'audit:list': ({ limit }) => local.auditList(limit),
  };
  outbox.on('changed', () => events.emit('db:changed', { tables: ['note'] }));

  return {
    handlers,
    get replica() {
      return slot.current;
    },
    get queries() {
      return queries;
    },
    sync,
    local,
    outbox,
    recordView(leadId, viewer) {
      local.recordView({ leadId, keyName: viewer.name, role: viewer.role, at: now() });
      outbox.flush();
    },
    frozen,
    on(channel, listener) {
      events.on(channel, listener as (p: unknown) => void);
      return () => events.off(channel, listener as (p: unknown) => void);
    },
    start() {
      sync.start();
      outbox.start();
      heartbeatTimer = setInterval(() => void sendHeartbeat(), opts.heartbeatMs ?? 30_000);
      void sendHeartbeat();
      pruneTimer = setInterval(pruneVersions, HOUR);
      pruneTimer.unref();
    },
    async close() {
      if (heartbeatTimer) clearInterval(heartbeatTimer);
      if (pruneTimer) clearInterval(pruneTimer);
      outbox.stop();
      await sync.stop();
      await outbox.idle();
      frozen.close();
      slot.current.close();
      local.close();
      events.removeAllListeners();
    },
  };
}
