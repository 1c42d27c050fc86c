// The embedded/reference centre as one object: store, scenario, simulator and HTTP server.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DAY } from '../shared/domain.js';
import { DEFAULT_ESCALATION, type EscalationPolicy } from '../shared/kpi.js';
import { describeZodError, entitySchemas, type Unit } from '../shared/protocol.js';
import { createClock, type Clock } from './clock.js';
import { putLineSchema } from './ingest.js';
import { Scenario, stepOps, type LeadPlan } from './scenario.js';
import { createCentralServer, type CentralServer } from './server.js';
import { openPgStore } from './pgStore.js';
import { SqliteStore, StoreError, type CentralStore, type WriteOp } from './store.js';
import { createTokenRegistry, Tokens } from './tokens.js';

export type CentreOptions = {
  port?: number;
  host?: string;
  seed?: number;
  speed?: number;
  /** The first `lead.ms` of simulated time run at `lead.speed`, then `speed` (a soak's warm-up). */
  lead?: { ms: number; speed: number };
  now?: number;
  historyDays?: number;
  leadsPerDay?: number;
  token?: string;
  /** More configured tokens bound to narrower scopes: token → unit id. Issued tokens live in the store (`token issue`). */
  scopedTokens?: Record<string, string>;
  /** How often open live streams are checked for revoked tokens (default 1000 ms). */
  revocationCheckMs?: number;
  /** A SQLite store file (default: a fresh temporary one). */
  db?: string;
  /**
   * The store: a `postgres://…` URL selects PostgreSQL (many centre processes may share one
   * database); anything else is a SQLite file, like `db`.
   */
  store?: string;
  fixture?: string;
  heartbeatMs?: number;
  tickMs?: number;
  pageLimit?: number;
  /** Tombstones older than this many days (centre time) are purged (default 7). */
  tombstoneDays?: number;
  /**
   * Days of history (every version and deletion) kept for as-of snapshots (default 40: a
   * month's reviews and the week before). `keepHistory: false` keeps none: `asOf` gets 400.
   */
  keepHistoryDays?: number;
  keepHistory?: boolean;
  /** Requests a second each token may make, with a burst (default 50/s, burst 100). */
  rateLimit?: { perSecond: number; burst: number };
  maxStreams?: number;
  /** The centre's clock, when a test moves time itself (overrides now and speed). */
  clock?: Clock;
  /**
   * The countdown policy the centre publishes (entity `policy`, at the root unit) and its scenario
   * plans with: kpis.md's default unless given; null publishes none (a centre that sends no
   * policy, which the protocol allows). A fixture that brings its own policy wins.
   */
  policy?: EscalationPolicy | null;
};

export type Centre = {
  url: string;
  token: string;
  store: CentralStore;
  /** The issued tokens in the store (issue, list, revoke). */
  tokens: Tokens;
  clock: Clock;
  server: CentralServer;
  /** Publishes every scenario step due by now; returns the number of transactions written. */
  tick(): Promise<number>;
  close(): Promise<void>;
};

export class FixtureError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FixtureError';
  }
}


/** Reads a fixture file into write ops; any bad line rejects the whole file, naming the line. */
export function readFixture(file: string): WriteOp[] {
  const text = readFileSync(file, 'utf8');
  const ops: WriteOp[] = [];
  text.split('\n').forEach((raw, i) => {
    if (raw.trim() === '') return;
    const where = `${file}:${i + 1}`;
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      throw new FixtureError(`${where}: not JSON`);
    }
    const line = putLineSchema.safeParse(json);
    if (!line.success) throw new FixtureError(`${where}: ${describeZodError(line.error)}`);
    const rec = entitySchemas[line.data.e].safeParse(line.data.d);
    if (!rec.success) throw new FixtureError(`${where}: ${line.data.e} ${line.data.id}: ${describeZodError(rec.error)}`);
    if (rec.data.id !== line.data.id) throw new FixtureError(`${where}: d.id ${rec.data.id} differs from id ${line.data.id}`);
    ops.push({ t: 'put', e: line.data.e, d: rec.data } as WriteOp);
  });
  return ops;
}

/** When a loaded record first appeared: a lead's issue, an event's time, a stop-payment's request, a note's writing; units always. */
function firstSeen(op: WriteOp): number {
  if (op.t !== 'put') return Infinity; // clamped to the commit time
  if (op.e === 'lead') return op.d.issuedAt;
  if (op.e === 'event') return op.d.at;
  if (op.e === 'stop_payment') return op.d.requestedAt;
  if (op.e === 'note') return op.d.createdAt;
  return 0;
}

/** Orders units parents-first so each unit's parent exists when it is written. */
function unitsParentsFirst(units: Unit[]): Unit[] {
  const byId = new Map(units.map((u) => [u.id, u]));
  const depth = (u: Unit): number => (u.parentId && byId.has(u.parentId) ? 1 + depth(byId.get(u.parentId)!) : 0);
  return [...units].sort((a, b) => depth(a) - depth(b));
}

/** Whether a `--store` value names a PostgreSQL database rather than a SQLite file. */
export function isPostgresUrl(store: string): boolean {
  return /^postgres(ql)?:\/\//i.test(store);
}

/** Opens the store a centre was given: PostgreSQL for a `postgres://` URL, else a SQLite file. */
export async function openStore(where: string, clock: () => number, opts: { history?: boolean } = {}): Promise<CentralStore> {
  return isPostgresUrl(where) ? openPgStore(where, clock, opts) : new SqliteStore(where, clock, opts);
}

export async function startCentre(opts: CentreOptions = {}): Promise<Centre> {
  if (opts.db !== undefined && opts.store !== undefined) throw new StoreError('give the centre a store file (db) or a store (store), not both');
  const where = opts.store ?? opts.db;
  const tmp = where ? null : mkdtempSync(join(tmpdir(), 'guardpost-centre-'));
  const clock = opts.clock ?? createClock({ ...(opts.now !== undefined ? { start: opts.now } : {}), speed: opts.speed ?? 1, ...(opts.lead ? { lead: opts.lead } : {}) });
  const store = await openStore(where ?? join(tmp!, 'centre.db'), clock, { history: opts.keepHistory ?? true });
  try {
    return await serveCentre(store, clock, tmp, opts);
  } catch (err) {
    await store.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
}

async function serveCentre(store: CentralStore, clock: Clock, tmp: string | null, opts: CentreOptions): Promise<Centre> {
  const token = opts.token ?? `demo-${randomBytes(9).toString('base64url')}`;
  const fixture = opts.fixture ? readFixture(opts.fixture) : [];
  const fixtureUnits = fixture.filter((op) => op.t === 'put' && op.e === 'unit').map((op) => op.d as Unit);
  const bringsCity = fixtureUnits.some((u) => u.parentId === null);
  const policy = opts.policy === undefined ? DEFAULT_ESCALATION : opts.policy;
  const scenario = bringsCity ? null : new Scenario({ seed: opts.seed ?? 7, ...(opts.leadsPerDay !== undefined ? { leadsPerDay: opts.leadsPerDay } : {}), ...(policy ? { policy } : {}) });

  // Several centre processes may start on one PostgreSQL database: the first seeds it, in one
  // transaction of its units (a second finds the units there, or its write fails on them).
  const fresh = (await store.headSeq()) === 0;
  if (fresh) {
    const units = bringsCity ? fixtureUnits : scenario!.units;
    const ordered = unitsParentsFirst(units);
    // What the centre starts with (a fixture, the generated past) is recorded as committed when
    // each record first appeared, as a centre that had been running would have it, so a review of
    // a day in it can be answered as of its cut-off.
    await store.write(ordered.map((d): WriteOp => ({ t: 'put', e: 'unit', d, at: 0 })));
    const rest = fixture.filter((op) => !(op.t === 'put' && op.e === 'unit' && bringsCity));
    const bringsPolicy = rest.some((op) => op.e === 'policy');
    if (policy && !bringsPolicy) await store.write([{ t: 'put', e: 'policy', d: { id: 'escalation', unitId: ordered[0]!.id, ...policy }, at: 0 }]);
    if (rest.length) await store.write(rest.map((op): WriteOp => ({ ...op, at: firstSeen(op) }) as WriteOp));
  }

  const now = clock();
  const active: { plan: LeadPlan; published: number }[] = [];
  let generatedUntil = now;
  if (scenario && fresh) {
    const from = now - (opts.historyDays ?? 35) * DAY;
    const plans = scenario.leadsBetween(from, now);
    for (let i = 0; i < plans.length; i += 500) {
      const batch = plans.slice(i, i + 500);
      // Each record committed when it first appeared (its state carries its own later times,
      // which every figure as of T filters by), so a past day's review sees the day's leads.
      await store.write(batch.flatMap((p) => stepOps(p, -Infinity, now).map((op): WriteOp => ({ ...op, at: firstSeen(op) }) as WriteOp)));
    }
    for (const p of plans) if (p.times[p.times.length - 1]! > now) active.push({ plan: p, published: now });
  }

  const step = async (): Promise<number> => {
    if (!scenario) return 0;
    const t = clock();
    let txs = 0;
    for (const plan of scenario.leadsBetween(generatedUntil, t)) active.push({ plan, published: plan.lead.issuedAt - 1 });
    generatedUntil = Math.max(generatedUntil, t);
    for (let i = active.length - 1; i >= 0; i--) {
      const a = active[i]!;
      if (a.plan.times.some((x) => x > a.published && x <= t)) {
        await store.write(stepOps(a.plan, a.published, t));
        txs++;
        a.published = t;
      }
      if (a.plan.times[a.plan.times.length - 1]! <= t) active.splice(i, 1);
    }
    return txs;
  };
  // One step at a time: a timer's tick and a test's must not publish the same step twice.
  let ticking: Promise<unknown> = Promise.resolve();
  const tick = (): Promise<number> => {
    const run = ticking.then(step);
    ticking = run.catch(() => undefined);
    return run;
  };

  const root = bringsCity ? fixtureUnits.find((u) => u.parentId === null)!.id : scenario!.units[0]!.id;
  const tokens = new Map<string, string>([[token, root]]);
  for (const [t, unit] of Object.entries(opts.scopedTokens ?? {})) tokens.set(t, unit);

  const issued = new Tokens(store);
  const server = createCentralServer({
    store,
    clock,
    tokens: createTokenRegistry(tokens, issued),
    ...(opts.revocationCheckMs !== undefined ? { revocationCheckMs: opts.revocationCheckMs } : {}),
    ...(opts.heartbeatMs !== undefined ? { heartbeatMs: opts.heartbeatMs } : {}),
    ...(opts.pageLimit !== undefined ? { defaultPageLimit: opts.pageLimit } : {}),
    ...(opts.rateLimit !== undefined ? { rateLimit: opts.rateLimit } : {}),
    ...(opts.maxStreams !== undefined ? { maxStreams: opts.maxStreams } : {}),
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const timer =
    scenario && (opts.speed ?? 1) > 0
      ? setInterval(() => void tick().catch((err: unknown) => console.error('centre: scenario step failed', err)), opts.tickMs ?? 250)
      : null;
  timer?.unref();
  const tombstoneMs = (opts.tombstoneDays ?? 7) * DAY;
  const keepHistoryMs = (opts.keepHistoryDays ?? 40) * DAY;
  const purge = async () => {
    await store.purgeTombstones(clock() - tombstoneMs);
    await store.purgeHistory(clock() - keepHistoryMs);
  };
  await purge();
  const purgeTimer = setInterval(() => void purge().catch((err: unknown) => console.error('centre: purge failed', err)), 60_000);
  purgeTimer.unref();

  return {
    url: `http://${opts.host ?? '127.0.0.1'}:${port}`,
    token,
    store,
    tokens: issued,
    clock,
    server,
    tick,
    async close() {
      if (timer) clearInterval(timer);
      clearInterval(purgeTimer);
      server.endStreams();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await ticking;
      await store.close();
      if (tmp) rmSync(tmp, { recursive: true, force: true });
    },
  };
}
