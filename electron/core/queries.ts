// Intent-named queries over the replica, behind the contract (never SQL across it). Indicator
// math is shared/kpi.ts; these only select the rows, through indexes.
import type Database from 'better-sqlite3';
import type { CountdownTile, CountdownWall, EarlierLead, HandlingSummary, KpiStrip, NamedStep, PolicySource, LeadTimeline, MapFeatures, RankingRow, RecentEvent, ReplayLead, ReviewLead, StopRecord, TrendPoint } from '../../shared/contract.js';
import { DAY, maskName, maskPhone, type RiskLevel } from '../../shared/domain.js';
import {
  aggregate,
  computeIndicators,
  finishIndicators,
  mergeParts,
  dayWindow,
  DEFAULT_CALENDAR,
  DEFAULT_ESCALATION,
  DEFAULT_RANKING,
  compareUrgency,
  escalationLadder,
  isOpen,
  timeToMeet,
  isOverdue,
  isPinned,
  isVictimised,
  knownBy,
  nextTier,
  previousWindow,
  rank,
  ratio,
  stopStatusAt,
  stopWithin30,
  wallPages,
  weekWindow,
  type Calendar,
  type EscalationPolicy,
  type Indicators,
  type KpiLead,
  type KpiParts,
  type KpiStop,
  type LadderStep,
  type UrgencyLead,
  type RankingConfig,
  type RankingKind,
  type Ratio,
  type Window,
} from '../../shared/kpi.js';
import { methods, type Lead, type LeadEvent, type Note, type Policy, type StopPayment, type Unit } from '../../shared/protocol.js';
import { topReasons } from '../../shared/grade.js';
import type { RevisitLead } from '../../shared/revisit.js';
import { UnitTree, type UnitNode } from '../../shared/units.js';

export type QueryConfig = { calendar: Calendar; escalation: EscalationPolicy; ranking: RankingConfig };
export const DEFAULT_QUERY_CONFIG: QueryConfig = { calendar: DEFAULT_CALENDAR, escalation: DEFAULT_ESCALATION, ranking: DEFAULT_RANKING };

type LeadRow = {
  id: string;
  unitId: string;
  personId: string;
  issuedAt: number;
  feedbackDueAt: number;
  feedbackAt: number | null;
  metAt: number | null;
  outcome: string | null;
  lossAmount: number;
  preventedAmount: number;
  voided: number;
};
const LEAD_COLS = `id, unit_id AS unitId, person_id AS personId, issued_at AS issuedAt, feedback_due_at AS feedbackDueAt, feedback_at AS feedbackAt,
  met_at AS metAt, outcome, loss_amount AS lossAmount, prevented_amount AS preventedAmount, voided`;

const STOP_COLS = 's.id AS id, s.lead_id AS leadId, s.requested_at AS requestedAt, s.frozen_at AS frozenAt, s.status AS status, l.unit_id AS unitId';

/**
 * The rows that can be open (isOpen in shared/kpi.ts): no feedback yet. Through the feedback
 * index; the rule itself (voided, issued by T) is isOpen's, applied to these rows.
 */
const MAYBE_OPEN = 'feedback_at IS NULL';

/** Every statement the screens run, named, so the index checks explain exactly these. */
const SQL = {
  leadsIssued: `SELECT ${LEAD_COLS} FROM lead WHERE issued_at >= ? AND issued_at < ?`,
  stopsRequested: `SELECT ${STOP_COLS} FROM stop_payment s JOIN lead l ON l.id = s.lead_id WHERE s.requested_at >= ? AND s.requested_at < ?`,
  // A day's rows kept up to date by id: the leads and stop-payments a page changed, and a changed lead's stop-payments (they take its unit).
  leadById: `SELECT ${LEAD_COLS} FROM lead WHERE id = ?`,
  stopById: `SELECT ${STOP_COLS} FROM stop_payment s JOIN lead l ON l.id = s.lead_id WHERE s.id = ?`,
  stopsOfLead: `SELECT ${STOP_COLS} FROM stop_payment s JOIN lead l ON l.id = s.lead_id WHERE s.lead_id = ?`,
  open: `SELECT id, v FROM lead WHERE ${MAYBE_OPEN}`,
  openCount: `SELECT unit_id AS unitId, issued_at AS issuedAt, feedback_at AS feedbackAt, voided FROM lead WHERE ${MAYBE_OPEN}`,
  // CROSS JOIN keeps the open leads (a small set, by index) as the outer loop.
  escalations: `SELECT e.lead_id AS leadId, e.tier AS tier, e.at AS at FROM lead l CROSS JOIN event e ON e.lead_id = l.id
    WHERE l.${MAYBE_OPEN} AND e.kind = 'escalation'`,
  units: 'SELECT data FROM unit',
  policies: 'SELECT data FROM policy ORDER BY id',
  lead: 'SELECT data FROM lead WHERE id = ?',
  events: 'SELECT data FROM event WHERE lead_id = ? ORDER BY at, id',
  stops: 'SELECT data FROM stop_payment WHERE lead_id = ? ORDER BY requested_at, id',
  notes: 'SELECT data FROM note WHERE lead_id = ? ORDER BY created_at, id',
  allNotes: 'SELECT data FROM note ORDER BY created_at, id',
  mapLeads: `SELECT id, unit_id AS unitId, issued_at AS issuedAt, feedback_due_at AS feedbackDueAt, voided,
    json_extract(data, '$.lat') AS lat, json_extract(data, '$.lng') AS lng, json_extract(data, '$.riskLevel') AS riskLevel, feedback_at AS feedbackAt
    FROM lead WHERE ${MAYBE_OPEN}`,
  reviewLeads: 'SELECT data FROM lead WHERE issued_at >= ? AND issued_at < ? ORDER BY issued_at, id',
  stopsIn: `SELECT s.data AS data, s.ts AS ts, l.unit_id AS unitId FROM stop_payment s JOIN lead l ON l.id = s.lead_id
    WHERE s.requested_at >= ? AND s.requested_at < ? ORDER BY s.requested_at, s.id`,
  stopCoverage: `SELECT l.unit_id AS unitId, l.issued_at AS issuedAt, l.voided AS voided,
    EXISTS (SELECT 1 FROM stop_payment s WHERE s.lead_id = l.id AND s.requested_at <= ?) AS stopped
    FROM lead l WHERE l.issued_at >= ? AND l.issued_at < ?`,
  earlier: 'SELECT data FROM lead WHERE person_id = ? AND issued_at < ? ORDER BY issued_at, id',
  handlingLeads: `SELECT id, unit_id AS unitId, issued_at AS issuedAt, voided, json_extract(data, '$.method') AS method FROM lead WHERE issued_at >= ? AND issued_at < ?`,
  // The window's leads (by index) as the outer loop, then each one's timeline by event_lead.
  handlingEvents: `SELECT e.lead_id AS leadId, e.at AS at, json_extract(e.data, '$.kind') AS kind, json_extract(e.data, '$.unitId') AS unitId
    FROM lead l CROSS JOIN event e ON e.lead_id = l.id WHERE l.issued_at >= ? AND l.issued_at < ? ORDER BY e.lead_id, e.at, e.id`,
  // Each lead of the window (by index) with its earliest revisit event and revisit note (by lead).
  revisitLeads: `SELECT l.id AS id, l.unit_id AS unitId, l.issued_at AS issuedAt, l.voided AS voided,
    (SELECT MIN(e.at) FROM event e WHERE e.lead_id = l.id AND e.kind = 'revisit') AS eventAt,
    (SELECT MIN(n.created_at) FROM note n WHERE n.lead_id = l.id AND json_extract(n.data, '$.kind') = 'revisit') AS noteAt
    FROM lead l WHERE l.issued_at >= ? AND l.issued_at < ?`,
  recentEvents: `SELECT e.id AS id, e.lead_id AS leadId, e.at AS at, e.kind AS kind, e.tier AS tier, l.unit_id AS unitId, json_extract(l.data, '$.riskLevel') AS riskLevel
    FROM event e LEFT JOIN lead l ON l.id = e.lead_id WHERE e.at <= ? ORDER BY e.at DESC, e.id DESC LIMIT ?`,
} as const;
/** Sample arguments for EXPLAIN of each statement. */
const SAMPLE_ARGS: Record<keyof typeof SQL, unknown[]> = {
  leadsIssued: [0, 1], stopsRequested: [0, 1], leadById: ['x'], stopById: ['x'], stopsOfLead: ['x'], open: [], openCount: [], escalations: [], units: [], policies: [], lead: ['x'], events: ['x'], stops: ['x'], notes: ['x'], allNotes: [], recentEvents: [0, 10], mapLeads: [], reviewLeads: [0, 1], stopsIn: [0, 1], stopCoverage: [0, 0, 1], earlier: ['x', 1], handlingLeads: [0, 1], handlingEvents: [0, 1],
  revisitLeads: [0, 1],
};

const toKpi = (r: LeadRow): KpiLead => ({ ...r, voided: r.voided === 1 });

export class QueryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QueryError';
  }
}

type StopRow = KpiStop & { id: string; leadId: string; unitId: string };
type Group = { leads: KpiLead[]; stops: StopRow[]; parts?: KpiParts; settled?: { at: number; parts: KpiParts; leads: KpiLead[]; stops: StopRow[] } };
type DayRows = { leads: KpiLead[]; stops: StopRow[]; validFrom: number; grouped?: Map<string, Map<string, Group>>; units?: Map<string, Group>; used: number };
const MAX_DAYS_CACHED = 120;
/**
 * Live views (tiles, map, open count) show a lead stamped up to this far ahead of the display's
 * estimate of the centre's clock: the estimate lags by the link's latency, and a lead that has
 * arrived must never be hidden as "not yet issued".
 */
const CLOCK_SLACK_MS = 60_000;
const MAX_RESULTS_CACHED = 5_000;
/**
 * A page that changed at most this many leads and stop-payments has them read again by id into
 * the cached days (a live page: a few); after a larger one (a catch-up's page) every day is read
 * whole when next asked. At a province's density a day is ~14,000 leads
 * scattered through a replica of gigabytes: read whole it costs ~200 ms, by id ~0.04 ms a row.
 */
const PATCH_MAX = 1_000;

/**
 * The latest time any figure over these rows can still change by time passing alone: after it,
 * a result as of any later T is the same until the data changes.
 */
function validFrom(leads: readonly KpiLead[], stops: readonly StopRow[]): number {
  let m = 0;
  for (const l of leads) m = Math.max(m, leadSettles(l));
  for (const s of stops) m = Math.max(m, stopSettles(s));
  return m;
}
/** The time from which a lead's (a stop-payment's) part in any figure stays the same. */
const leadSettles = (l: KpiLead) => Math.max(l.issuedAt, l.feedbackDueAt, l.metAt ?? 0, l.feedbackAt ?? 0);
const stopSettles = (s: StopRow) => Math.max(s.requestedAt + 30 * 60_000 + 1, s.frozenAt ?? 0);
/**
 * How long the settled part of a day time can still change (today) is kept before it is split
 * again: what settled since is aggregated at each call meanwhile, so a longer time costs more per
 * call and a shorter one more splits; ten minutes of a province's day is a few hundred leads.
 */
const SETTLED_KEPT_MS = 10 * 60_000;

export class Queries {
  readonly #db: Database.Database;
  readonly #cfg: QueryConfig;
  #tree: UnitTree | null = null;
  /** Rows of each day (window time in the command post's zone), and results over them. */
  readonly #days = new Map<number, DayRows>();
  readonly #results = new Map<string, { from: number; to: number; value: unknown; used: number }>();
  /**
   * Cache generations: one per day of the centre's clock. At each day's turn, whatever was not
   * read during the day before is forgotten (the day that just left the trend window, a day
   * the review looked at once), so a wall that runs for months holds what its screens show and
   * no more: its memory stays flat instead of filling up to the caps.
   */
  #generation = 0;
  #generationDay = -Infinity;
  /**
   * The replica's data version, from SQLite itself: the rows this connection has changed
   * (total_changes) and whether another connection has committed (data_version). Rows read for
   * the live views are kept for one version, so a wall that asks again before anything arrived
   * reads no SQL and parses no JSON, whoever wrote to the file; what depends on the time asked
   * about is still worked out at every call.
   */
  readonly #versionStmt: Database.Statement<[], { c: number; d: number }>;
  readonly #byVersion = new Map<string, { version: string; value: unknown }>();
  /** Today's handling (the tile panel's line) per unit and window, valid until the next event's time. */
  #handlingMemo = new Map<string, { version: string; from: number; until: number; value: HandlingSummary }>();
  readonly #leadsIssued: Database.Statement<[number, number], LeadRow>;
  readonly #stopsRequested: Database.Statement<[number, number], StopRow>;
  readonly #leadById: Database.Statement<[string], LeadRow>;
  readonly #stopById: Database.Statement<[string], StopRow>;
  readonly #stopsOfLead: Database.Statement<[string], StopRow>;
  readonly #open: Database.Statement<[], { id: string; v: number }>;
  /** Open leads as parsed, by id with their version: a refresh parses only what changed. */
  #openParsed = new Map<string, { v: number; lead: Lead }>();
  readonly #openCount: Database.Statement<[], { unitId: string; issuedAt: number; feedbackAt: number | null; voided: number }>;
  readonly #escalations: Database.Statement<[], { leadId: string; tier: number; at: number }>;
  readonly #handlingLeads: Database.Statement<[number, number], { id: string; unitId: string; issuedAt: number; voided: number; method: string | null }>;
  readonly #handlingEvents: Database.Statement<[number, number], { leadId: string; at: number; kind: string; unitId: string | null }>;
  readonly #revisitLeads: Database.Statement<[number, number], { id: string; unitId: string; issuedAt: number; voided: number; eventAt: number | null; noteAt: number | null }>;
  readonly #units: Database.Statement<[], { data: string }>;
  readonly #policies: Database.Statement<[], { data: string }>;
  #policyCache: { key: string; unitId: string; value: { policy: EscalationPolicy; from: PolicySource } } | null = null;
  readonly #lead: Database.Statement<[string], { data: string }>;
  readonly #events: Database.Statement<[string], { data: string }>;
  readonly #stops: Database.Statement<[string], { data: string }>;
  readonly #notes: Database.Statement<[string], { data: string }>;
  readonly #allNotes: Database.Statement<[], { data: string }>;
  readonly #reviewLeads: Database.Statement<[number, number], { data: string }>;
  readonly #stopsIn: Database.Statement<[number, number], { data: string; ts: number | null; unitId: string }>;
  readonly #stopCoverage: Database.Statement<[number, number, number], { unitId: string; issuedAt: number; voided: number; stopped: number }>;
  readonly #earlier: Database.Statement<[string, number], { data: string }>;
  readonly #mapLeads: Database.Statement<[], { id: string; unitId: string; issuedAt: number; feedbackDueAt: number; feedbackAt: number | null; voided: number; lat: number; lng: number; riskLevel: RiskLevel }>;
  readonly #recentEvents: Database.Statement<[number, number], { id: string; leadId: string; at: number; kind: LeadEvent['kind']; tier: number | null; unitId: string | null; riskLevel: RiskLevel | null }>;

  constructor(db: Database.Database, cfg: QueryConfig = DEFAULT_QUERY_CONFIG) {
    this.#db = db;
    this.#cfg = cfg;
    this.#leadsIssued = db.prepare(SQL.leadsIssued);
    this.#stopsRequested = db.prepare(SQL.stopsRequested);
    this.#leadById = db.prepare(SQL.leadById);
    this.#stopById = db.prepare(SQL.stopById);
    this.#stopsOfLead = db.prepare(SQL.stopsOfLead);
    this.#open = db.prepare(SQL.open);
    this.#openCount = db.prepare(SQL.openCount);
    this.#escalations = db.prepare(SQL.escalations);
    this.#handlingLeads = db.prepare(SQL.handlingLeads);
    this.#handlingEvents = db.prepare(SQL.handlingEvents);
    this.#revisitLeads = db.prepare(SQL.revisitLeads);
    this.#units = db.prepare(SQL.units);
    this.#policies = db.prepare(SQL.policies);
    this.#lead = db.prepare(SQL.lead);
    this.#events = db.prepare(SQL.events);
    this.#stops = db.prepare(SQL.stops);
    this.#notes = db.prepare(SQL.notes);
    this.#allNotes = db.prepare(SQL.allNotes);
    this.#recentEvents = db.prepare(SQL.recentEvents);
    this.#mapLeads = db.prepare(SQL.mapLeads);
    this.#reviewLeads = db.prepare(SQL.reviewLeads);
    this.#stopsIn = db.prepare(SQL.stopsIn);
    this.#stopCoverage = db.prepare(SQL.stopCoverage);
    this.#earlier = db.prepare(SQL.earlier);
    this.#versionStmt = db.prepare('SELECT total_changes() AS c, (SELECT data_version FROM pragma_data_version) AS d');
  }

  /** Forget everything cached (units changed, or a rebuild): the next queries read afresh. */
  unitsChanged(): void {
    this.#tree = null;
    this.#days.clear();
    this.#results.clear();
  }

  /**
   * A page changed records at these window times: what was worked out over their days is
   * forgotten. Given the ids of the leads and stop-payments it changed (few, as live pages do),
   * the cached days keep their rows and only those are read again, by id; else every day goes.
   */
  invalidate(times: readonly number[], changed?: { leads: readonly string[]; stops: readonly string[] }): void {
    const dayOf = (t: number) => dayWindow(t, this.#cfg.calendar).start;
    const days = new Set(times.map(dayOf));
    if (!changed || changed.leads.length + changed.stops.length > PATCH_MAX) {
      // A changed lead's stop-payments may lie on any day: without the few ids, forget every day.
      this.#days.clear();
      this.#results.clear();
      return;
    }
    this.#patch(days, changed, dayOf);
    for (const [k, r] of this.#results) for (const d of days) if (d >= r.from && d < r.to) this.#results.delete(k);
  }

  /**
   * Brings the cached days up to date with these leads and stop-payments as the replica now holds
   * them, and adds to `days` every day whose rows changed. A lead's old day is among `days` (the
   * replica names old and new times); a changed lead's stop-payments are found in any cached day,
   * since they take its unit and may lie on another day than it.
   */
  #patch(days: Set<number>, changed: { leads: readonly string[]; stops: readonly string[] }, dayOf: (t: number) => number): void {
    // A page of events, notes or policies alone (most live pages) changes no day's rows.
    if (changed.leads.length === 0 && changed.stops.length === 0) return;
    const leadIds = new Set(changed.leads);
    const stopIds = new Set(changed.stops);
    const leads = changed.leads.flatMap((id) => {
      const r = this.#leadById.get(id);
      return r ? [toKpi(r)] : [];
    });
    const stops = new Map<string, StopRow>();
    for (const id of changed.stops) {
      const r = this.#stopById.get(id);
      if (r) stops.set(r.id, r);
    }
    for (const id of changed.leads) for (const r of this.#stopsOfLead.all(id)) stops.set(r.id, r);
    for (const r of stops.values()) days.add(dayOf(r.requestedAt));
    const gone = (s: StopRow) => stopIds.has(s.id) || leadIds.has(s.leadId);
    for (const [d, day] of this.#days) {
      const leadsHere = days.has(d) && day.leads.some((l) => leadIds.has(l.id));
      const stopsHere = day.stops.some(gone);
      if (stopsHere) days.add(d);
      if (!days.has(d)) continue;
      if (leadsHere) day.leads = day.leads.filter((l) => !leadIds.has(l.id));
      if (stopsHere) day.stops = day.stops.filter((s) => !gone(s));
      for (const l of leads) if (dayOf(l.issuedAt) === d) day.leads.push(l);
      for (const s of stops.values()) if (dayOf(s.requestedAt) === d) day.stops.push(s);
      day.validFrom = validFrom(day.leads, day.stops);
      delete day.grouped;
      delete day.units;
    }
  }

  /** Starts a new cache generation when the clock (latest as-of seen) enters a new day. */
  #turn(asOf: number): void {
    const day = dayWindow(asOf, this.#cfg.calendar).start;
    if (day <= this.#generationDay) return;
    this.#generationDay = day;
    const keep = this.#generation;
    for (const [k, d] of this.#days) if (d.used < keep) this.#days.delete(k);
    for (const [k, r] of this.#results) if (r.used < keep) this.#results.delete(k);
    this.#generation++;
  }

  /** How many days and results are cached (for tests and the soak's account of memory). */
  cacheSize(): { days: number; results: number } {
    return { days: this.#days.size, results: this.#results.size };
  }

  #day(start: number): DayRows {
    let rows = this.#days.get(start);
    if (!rows) {
      const leads = this.#leadsIssued.all(start, start + DAY).map(toKpi);
      const stops = this.#stopsRequested.all(start, start + DAY);
      rows = { leads, stops, validFrom: validFrom(leads, stops), used: this.#generation };
      this.#days.set(start, rows);
      if (this.#days.size > MAX_DAYS_CACHED) this.#days.delete(this.#days.keys().next().value!);
    }
    rows.used = this.#generation;
    return rows;
  }

  /** The rows of a window: from the day cache when it is whole days, else straight from SQL. */
  #rows(w: Window): DayRows {
    const first = dayWindow(w.start, this.#cfg.calendar).start;
    if (first !== w.start || (w.end - w.start) % DAY !== 0 || w.end - w.start > 62 * DAY) {
      const leads = this.#leadsIssued.all(w.start, w.end).map(toKpi);
      const stops = this.#stopsRequested.all(w.start, w.end);
      return { leads, stops, validFrom: validFrom(leads, stops), used: this.#generation };
    }
    if (w.end - w.start === DAY) return this.#day(w.start);
    const out: DayRows = { leads: [], stops: [], validFrom: 0, used: this.#generation };
    for (let d = w.start; d < w.end; d += DAY) {
      const day = this.#day(d);
      out.leads.push(...day.leads);
      out.stops.push(...day.stops);
      out.validFrom = Math.max(out.validFrom, day.validFrom);
    }
    return out;
  }

  #wholeDays(w: Window): boolean {
    return dayWindow(w.start, this.#cfg.calendar).start === w.start && (w.end - w.start) % DAY === 0 && w.end - w.start <= 62 * DAY;
  }

  /** The validFrom of a window's rows, without gathering them when the days are cached. */
  #validFrom(w: Window): number {
    if (!this.#wholeDays(w)) return this.#rows(w).validFrom;
    let m = 0;
    for (let d = w.start; d < w.end; d += DAY) m = Math.max(m, this.#day(d).validFrom);
    return m;
  }

  /** A result over a window, kept once time can no longer change it (asOf ≥ validFrom). */
  #memo<T>(key: string, w: Window, asOf: number, compute: () => T): T {
    this.#turn(asOf);
    if (asOf < this.#validFrom(w)) return compute();
    const hit = this.#results.get(key);
    if (hit) {
      hit.used = this.#generation;
      return hit.value as T;
    }
    const value = compute();
    this.#results.set(key, { from: w.start, to: w.end, value, used: this.#generation });
    if (this.#results.size > MAX_RESULTS_CACHED) this.#results.delete(this.#results.keys().next().value!);
    return value;
  }

  /** Rows that depend on the data only, read once per data version. */
  #perVersion<T>(key: string, read: () => T): T {
    const version = this.#version();
    const hit = this.#byVersion.get(key);
    if (hit && hit.version === version) return hit.value as T;
    const value = read();
    this.#byVersion.set(key, { version, value });
    return value;
  }

  #version(): string {
    const v = this.#versionStmt.get()!;
    return `${v.c}/${v.d}`;
  }

  get tree(): UnitTree {
    if (!this.#tree) this.#tree = new UnitTree(this.#units.all().map((r) => JSON.parse(r.data) as UnitNode));
    return this.#tree;
  }

  /** The display's scope: the root of what the replica holds. */
  rootId(): string | null {
    const roots = this.tree.roots;
    return roots.length ? roots.sort((a, b) => (a.code < b.code ? -1 : 1))[0]!.id : null;
  }

  #unit(unitId: string | undefined): string {
    const id = unitId ?? this.rootId();
    if (!id) throw new QueryError('the replica holds no units yet');
    if (!this.tree.byId.has(id)) throw new QueryError(`unknown unit ${id}`);
    return id;
  }

  /** Indicators for one unit's subtree over a window, as of a time. */
  indicators(unitId: string | undefined, w: Window, asOf: number): Indicators {
    const id = this.#unit(unitId);
    return this.#memo(`ind|${id}|${w.start}|${w.end}`, w, asOf, () => {
      const sub = this.tree.subtree(id);
      const whole = sub.size === this.tree.byId.size;
      const pick = (rows: { leads: KpiLead[]; stops: StopRow[] }): Group => ({
        leads: whole ? rows.leads : rows.leads.filter((l) => sub.has(l.unitId)),
        stops: whole ? rows.stops : rows.stops.filter((s) => sub.has(s.unitId)),
      });
      if (!this.#wholeDays(w)) {
        const g = pick(this.#rows(w));
        return computeIndicators(g.leads, g.stops, w, asOf);
      }
      // Whole days, as indicatorsByUnit: the unit's rows of each day kept with the day, a finished
      // day's parts kept, and of a day time can still change only what has not settled aggregated.
      const parts: KpiParts[] = [];
      for (let d = w.start; d < w.end; d += DAY) {
        const day = this.#day(d);
        day.units ??= new Map();
        let g = day.units.get(id);
        if (!g) day.units.set(id, (g = pick(day)));
        const dw = { start: d, end: d + DAY };
        parts.push(asOf >= day.validFrom ? (g.parts ??= aggregate(g.leads, g.stops, dw, asOf)) : this.#partsAt(g, dw, asOf));
      }
      return finishIndicators(mergeParts(parts));
    });
  }

  /** A day's rows grouped by the unit at a level that each falls under (cached with the day). */
  #grouped(day: DayRows, level: UnitNode['level']): Map<string, Group> {
    day.grouped ??= new Map();
    let g = day.grouped.get(level);
    if (!g) {
      g = new Map();
      const tree = this.tree;
      const slot = (unitId: string) => {
        const id = tree.ancestorAt(unitId, level)?.id;
        if (id === undefined) return null;
        let e = g!.get(id);
        if (!e) g!.set(id, (e = { leads: [], stops: [] } as Group));
        return e;
      };
      for (const l of day.leads) slot(l.unitId)?.leads.push(l);
      for (const s of day.stops) slot(s.unitId)?.stops.push(s);
      day.grouped.set(level, g);
    }
    return g;
  }

  /** Indicators for every unit at a level within a unit, over one window, from the day caches. */
  indicatorsByUnit(level: UnitNode['level'], within: string, w: Window, asOf: number): Map<string, Indicators> {
    return this.#memo(`by|${level}|${within}|${w.start}|${w.end}`, w, asOf, () => {
      const units = this.tree.atLevel(level, within);
      if (!this.#wholeDays(w)) {
        const g = this.#grouped(this.#rows(w), level);
        return new Map(units.map((u) => [u.id, computeIndicators(g.get(u.id)?.leads ?? [], g.get(u.id)?.stops ?? [], w, asOf)]));
      }
      // Whole days: a finished day's parts per unit are kept with the day; only the days time
      // can still change (today) are aggregated again.
      const days: { g: Map<string, Group>; final: boolean; w: Window }[] = [];
      for (let d = w.start; d < w.end; d += DAY) {
        const day = this.#day(d);
        days.push({ g: this.#grouped(day, level), final: asOf >= day.validFrom, w: { start: d, end: d + DAY } });
      }
      return new Map(
        units.map((u) => {
          const parts: KpiParts[] = [];
          for (const { g, final, w: dw } of days) {
            const group = g.get(u.id);
            if (!group) continue;
            if (final) parts.push((group.parts ??= aggregate(group.leads, group.stops, dw, asOf)));
            else parts.push(this.#partsAt(group, dw, asOf));
          }
          return [u.id, parts.length ? finishIndicators(mergeParts(parts)) : computeIndicators([], [], w, asOf)];
        }),
      );
    });
  }

  /**
   * A group's parts over a day that time can still change (today), as of T: the leads and
   * stop-payments settled by the time the group was last split (leadSettles ≤ it: their part is
   * the same at any later T) are aggregated once and kept; only the rest are aggregated at each
   * call. Parts of disjoint rows merge (shared/kpi.ts), so the sum is the day's figure exactly.
   */
  #partsAt(group: Group, w: Window, asOf: number): KpiParts {
    let s = group.settled;
    // A time before the split (a replay, a strip's "yesterday at this hour") is worked out whole.
    if (s && asOf < s.at) return aggregate(group.leads, group.stops, w, asOf);
    if (!s || asOf - s.at > SETTLED_KEPT_MS) {
      const done = { leads: [] as KpiLead[], stops: [] as StopRow[] };
      const rest = { leads: [] as KpiLead[], stops: [] as StopRow[] };
      for (const l of group.leads) (leadSettles(l) <= asOf ? done : rest).leads.push(l);
      for (const x of group.stops) (stopSettles(x) <= asOf ? done : rest).stops.push(x);
      s = group.settled = { at: asOf, parts: aggregate(done.leads, done.stops, w, asOf), ...rest };
    }
    return mergeParts([s.parts, aggregate(s.leads, s.stops, w, asOf)]);
  }

  /** The open rule of the live views, with the clock slack: a lead that has arrived is shown. */
  #openLive(l: { voided: boolean | number; issuedAt: number; feedbackAt?: number | null | undefined }, asOf: number): boolean {
    return isOpen({ voided: l.voided === true || l.voided === 1, issuedAt: l.issuedAt, feedbackAt: l.feedbackAt ?? null }, asOf + CLOCK_SLACK_MS);
  }

  openCount(unitId: string | undefined, asOf: number): number {
    const sub = this.tree.subtree(this.#unit(unitId));
    return this.#perVersion('openCount', () => this.#openCount.all()).filter((r) => this.#openLive(r, asOf) && sub.has(r.unitId)).length;
  }

  /** Today's indicators against yesterday's at the same time of day (a fair comparison mid-day). */
  kpiStrip(unitId: string | undefined, asOf: number): KpiStrip {
    const id = this.#unit(unitId);
    const today = dayWindow(asOf, this.#cfg.calendar);
    const yesterday = previousWindow(today);
    const unit = this.tree.byId.get(id)!;
    return {
      unitId: id,
      unitName: unit.name,
      unitNameEn: unit.nameEn ?? null,
      asOf,
      window: today,
      today: this.indicators(id, today, asOf),
      yesterday: this.indicators(id, yesterday, asOf - DAY),
      openLeads: this.openCount(id, asOf),
    };
  }

  /** A ranking of the units at a level within a unit, with rank change against the window before. */
  ranking(kind: RankingKind, level: 'branch' | 'station', within: string | undefined, asOf: number, window?: Window): RankingRow[] {
    const id = this.#unit(within);
    const w = window ?? (kind === 'daily' ? dayWindow(asOf, this.#cfg.calendar) : weekWindow(asOf, this.#cfg.calendar));
    const prev = previousWindow(w);
    // The window before as it stands now: yesterday's (last week's) ranking with all that is
    // known of it, which is what "up / down since yesterday" means in the meeting.
    const asOfPrev = asOf;
    const inputs = (m: Map<string, Indicators>) => [...m].map(([unitId, indicators]) => ({ unitId, code: this.tree.byId.get(unitId)!.code, indicators }));
    const rows = rank(inputs(this.indicatorsByUnit(level, id, w, asOf)), inputs(this.indicatorsByUnit(level, id, prev, asOfPrev)), kind, this.#cfg.ranking);
    return rows.map((r) => {
      const u = this.tree.byId.get(r.unitId)!;
      return { ...r, name: u.name, nameEn: u.nameEn ?? null, parentId: u.parentId };
    });
  }

  /**
   * The countdown policy that governs a unit: the centre's nearest (a policy on the unit or its
   * closest ancestor; one set above this display's scope, whose unit the replica does not hold,
   * ranks below those it does), else kpis.md's defaults from the one definition, said as such.
   */
  policy(unitId?: string): { policy: EscalationPolicy; from: PolicySource } {
    const rows = this.#policies.all();
    const id = unitId ?? this.rootId() ?? '';
    const key = rows.map((r) => r.data).join('\n');
    if (this.#policyCache && this.#policyCache.key === key && this.#policyCache.unitId === id) return this.#policyCache.value;
    // Rank: 0 for a policy above the scope (its unit is not in the replica), the unit's depth + 1
    // for one on this unit or an ancestor; a policy of another subtree does not apply.
    const ancestors = new Map<string, number>();
    for (let u = this.tree.byId.get(id); u; u = u.parentId === null ? undefined : this.tree.byId.get(u.parentId)) ancestors.set(u.id, 0);
    let d = ancestors.size;
    for (const k of ancestors.keys()) ancestors.set(k, d--);
    let best: Policy | null = null;
    let bestRank = -1;
    for (const p of rows.map((r) => JSON.parse(r.data) as Policy)) {
      const r = this.tree.byId.has(p.unitId) ? (ancestors.get(p.unitId) ?? -1) : 0;
      if (r > bestRank) [best, bestRank] = [p, r];
    }
    const value = best
      ? { policy: { deadlineMs: best.deadlineMs, tiers: best.tiers }, from: { source: 'centre', id: best.id, unitId: best.unitId } as const }
      : { policy: this.#cfg.escalation, from: { source: 'default' } as const };
    this.#policyCache = { key, unitId: id, value };
    return value;
  }

  /**
   * Every open lead in the unit, in the wall's one order (compareUrgency: pinned, then overdue,
   * then by the next reminder tier), with its ladder from the centre's policy; not yet a tile.
   */
  #ordered(unitId: string | undefined, asOf: number): { lead: Lead; ladder: LadderStep[]; next: LadderStep | null; pinned: boolean }[] {
    const id = this.#unit(unitId);
    // The open leads in scope with their ladders, once per data version; which are open now,
    // their next tier and the order are worked out for the time asked.
    const base = this.#perVersion(`open|${id}`, () => {
      const sub = this.tree.subtree(id);
      const { policy } = this.policy(id);
      const fired = new Map<string, { tier: number; at: number }[]>();
      for (const e of this.#escalations.all()) {
        const list = fired.get(e.leadId) ?? [];
        list.push({ tier: e.tier, at: e.at });
        fired.set(e.leadId, list);
      }
      const parsed = new Map<string, { v: number; lead: Lead }>();
      for (const row of this.#open.all()) {
        let hit = this.#openParsed.get(row.id);
        if (hit?.v !== row.v) hit = { v: row.v, lead: JSON.parse(this.#lead.get(row.id)!.data) as Lead };
        parsed.set(row.id, hit);
      }
      // Only the leads open now are kept: the cache never outgrows the board.
      this.#openParsed = parsed;
      // Each entry's next tier and pin are set again at every call (for the time asked), in place:
      // a wall asking every few seconds allocates nothing per lead.
      const inScope: { lead: Lead; ladder: LadderStep[]; next: LadderStep | null; pinned: boolean; u: UrgencyLead }[] = [];
      for (const { lead: l } of parsed.values()) {
        if (!sub.has(l.unitId)) continue;
        const u: UrgencyLead = { id: l.id, riskLevel: l.riskLevel, issuedAt: l.issuedAt, feedbackDueAt: l.feedbackDueAt, phonedAt: l.phonedAt ?? null, dispatchedAt: l.dispatchedAt ?? null, metAt: l.metAt ?? null, next: null };
        inScope.push({ lead: l, ladder: escalationLadder(l.feedbackDueAt, fired.get(l.id) ?? [], policy), next: null, pinned: false, u });
      }
      return inScope;
    });
    const out: typeof base = [];
    for (const e of base) {
      if (!this.#openLive(e.lead, asOf)) continue;
      e.next = e.u.next = nextTier(e.ladder, asOf);
      e.pinned = isPinned(e.u, asOf);
      out.push(e);
    }
    const cmp = compareUrgency(asOf);
    return out.sort((a, b) => cmp(a.u, b.u));
  }

  /**
   * Each tier with the person it goes to: the station chief of the lead's station, the deputy and
   * the chief of its branch (units' `leaders`); null while the lead stands above that unit.
   */
  #named(unitId: string, ladder: readonly LadderStep[]): NamedStep[] {
    const station = this.tree.ancestorAt(unitId, 'station') as Unit | undefined;
    const branch = this.tree.ancestorAt(unitId, 'branch') as Unit | undefined;
    return ladder.map((s) => {
      const who = s.role === 'station_chief' ? station?.leaders?.stationChief : s.role === 'branch_deputy' ? branch?.leaders?.branchDeputy : s.role === 'branch_chief' ? branch?.leaders?.branchChief : undefined;
      return { ...s, leaderName: who?.name ?? null, leaderPhone: who?.phone ?? null };
    });
  }

  /** A lead's unit and station, by name in both languages (tiles and the review's lists). */
  #placeNames(unitId: string): { unitName: string; unitNameEn: string | null; stationName: string | null; stationNameEn: string | null } {
    const unit = this.tree.byId.get(unitId);
    const station = this.tree.ancestorAt(unitId, 'station');
    return { unitName: unit?.name ?? unitId, unitNameEn: unit?.nameEn ?? null, stationName: station?.name ?? null, stationNameEn: station?.nameEn ?? null };
  }

  /** The part of each tile that time does not change, kept for one data version (the wall asks every few seconds). */
  #tileParts: { version: string; byId: Map<string, Omit<CountdownTile, 'next' | 'pinned'>> } = { version: '', byId: new Map() };

  /** Makes tiles for the current data version: what changes with time (next tier, pinned) is set at each call. */
  #tiler(scope: string): (e: { lead: Lead; ladder: LadderStep[]; next: LadderStep | null; pinned: boolean }) => CountdownTile {
    // Per scope too: the ladder follows the policy that governs the scope asked about.
    const version = `${this.#version()}|${scope}`;
    if (this.#tileParts.version !== version) this.#tileParts = { version, byId: new Map() };
    const parts = this.#tileParts.byId;
    return (e) => {
      const l = e.lead;
      let part = parts.get(l.id);
      if (!part) {
        part = {
          id: l.id,
          unitId: l.unitId,
          ...this.#placeNames(l.unitId),
          personName: maskName(l.personName),
          personPhone: maskPhone(l.personPhone),
          fraudType: l.fraudType,
          riskLevel: l.riskLevel,
          riskScore: l.riskScore,
          reasons: topReasons(l.riskDims),
          method: l.method ?? null,
          level: this.tree.byId.get(l.unitId)?.level ?? null,
          warningCount: l.warningCount,
          amountAtRisk: l.amountAtRisk,
          issuedAt: l.issuedAt,
          phoneDueAt: l.phoneDueAt,
          feedbackDueAt: l.feedbackDueAt,
          phonedAt: l.phonedAt ?? null,
          dispatchedAt: l.dispatchedAt ?? null,
          metAt: l.metAt ?? null,
          lat: l.lat,
          lng: l.lng,
          ladder: this.#named(l.unitId, e.ladder),
        };
        parts.set(l.id, part);
      }
      const p = part;
      // Written out, not spread: a literal of one known shape is several times cheaper to make
      // (and to collect) than a spread of thirty fields, and the wall makes hundreds a call.
      return {
        id: p.id,
        unitId: p.unitId,
        unitName: p.unitName,
        unitNameEn: p.unitNameEn,
        stationName: p.stationName,
        stationNameEn: p.stationNameEn,
        personName: p.personName,
        personPhone: p.personPhone,
        fraudType: p.fraudType,
        riskLevel: p.riskLevel,
        riskScore: p.riskScore,
        reasons: p.reasons,
        method: p.method,
        level: p.level,
        warningCount: p.warningCount,
        amountAtRisk: p.amountAtRisk,
        issuedAt: p.issuedAt,
        phoneDueAt: p.phoneDueAt,
        feedbackDueAt: p.feedbackDueAt,
        phonedAt: p.phonedAt,
        dispatchedAt: p.dispatchedAt,
        metAt: p.metAt,
        lat: p.lat,
        lng: p.lng,
        ladder: p.ladder,
        next: e.next === null ? null : (p.ladder.find((s) => s.tier === e.next!.tier) ?? null),
        pinned: e.pinned,
      };
    };
  }

  /** Every open lead in the unit (or the first `limit`) as tiles, in the wall's one order, masked. */
  countdowns(unitId: string | undefined, asOf: number, limit = Infinity): CountdownTile[] {
    const all = this.#ordered(unitId, asOf);
    const tile = this.#tiler(this.#unit(unitId));
    return (all.length > limit ? all.slice(0, limit) : all).map(tile);
  }

  /**
   * The tile wall's screen (wallPages): the pinned tiles and one page of the rotation, built as
   * tiles only for what is shown, with the count and ids of every open lead in scope.
   */
  countdownWall(unitId: string | undefined, asOf: number, fit: number, cols: number, page: number): CountdownWall {
    const all = this.#ordered(unitId, asOf);
    const tile = this.#tiler(this.#unit(unitId));
    const { pinned, pages } = wallPages(all, fit, cols);
    const p = page % pages.length;
    return {
      total: all.length,
      pages: pages.length,
      page: p,
      pinned: pinned.map(tile),
      tiles: pages[p]!.map(tile),
      openIds: all.map((e) => e.lead.id),
      urgentIds: all.filter((e) => e.lead.riskLevel === 'urgent').map((e) => e.lead.id),
      today: this.handlingSummary(unitId, dayWindow(asOf, this.#cfg.calendar), asOf),
    };
  }

  /** What the alert map draws: stations, branches with an indicator to shade by, open leads. */
  mapFeatures(unitId: string | undefined, asOf: number): MapFeatures {
    const id = this.#unit(unitId);
    const today = dayWindow(asOf, this.#cfg.calendar);
    const byBranch = this.indicatorsByUnit('branch', id, today, asOf);
    const sub = this.tree.subtree(id);
    return {
      branches: this.tree.atLevel('branch', id).map((u) => ({ id: u.id, name: u.name, nameEn: u.nameEn ?? null, geoKey: u.geoKey ?? null, lat: u.lat ?? null, lng: u.lng ?? null, indicators: byBranch.get(u.id)! })),
      stations: this.tree.atLevel('station', id).flatMap((u) => (u.lat !== undefined && u.lng !== undefined ? [{ id: u.id, name: u.name, nameEn: u.nameEn ?? null, lat: u.lat, lng: u.lng }] : [])),
      leads: this.#mapLeadsAt(sub, asOf),
    };
  }

  /**
   * The open leads the map draws, in scope at a time. Each lead's point is made once per data
   * version (a province's wall has thousands open): a call only picks those open at the time asked.
   */
  #mapLeadsAt(sub: ReadonlySet<string>, asOf: number): MapFeatures['leads'] {
    const rows = this.#perVersion('mapLeads', () =>
      this.#mapLeads.all().map((l) => ({ l, point: { id: l.id, lat: l.lat, lng: l.lng, riskLevel: l.riskLevel, feedbackDueAt: l.feedbackDueAt, issuedAt: l.issuedAt } })),
    );
    const out: MapFeatures['leads'] = [];
    for (const { l, point } of rows) if (this.#openLive(l, asOf) && sub.has(l.unitId)) out.push(point);
    return out;
  }

  /** Daily face-to-face, victimisation and overdue rates for the last `days` days up to asOf's day. */
  trends(unitId: string | undefined, days: number, asOf: number): TrendPoint[] {
    const id = this.#unit(unitId);
    const last = dayWindow(asOf, this.#cfg.calendar);
    const out: TrendPoint[] = [];
    for (let d = last.start - (days - 1) * DAY; d < last.end; d += DAY) {
      const ind = this.indicators(id, { start: d, end: d + DAY }, asOf);
      out.push({ day: d, leads: ind.leads, faceToFace: ind.faceToFace, victimisation: ind.victimisation, overdue: ind.overdue });
    }
    return out;
  }

  /** A lead's full record with its timeline, stop-payments and notes; masked unless asked. */
  leadTimeline(leadId: string, unmasked = false, asOf = Infinity): LeadTimeline | null {
    const row = this.#lead.get(leadId);
    if (!row) return null;
    const lead = JSON.parse(row.data) as Lead;
    const shown = unmasked ? lead : { ...lead, personName: maskName(lead.personName), personPhone: maskPhone(lead.personPhone) };
    const events = this.#events.all(leadId).map((r) => JSON.parse(r.data) as LeadEvent);
    const fired = events.flatMap((e) => (e.kind === 'escalation' && e.tier !== undefined ? [{ tier: e.tier, at: e.at }] : []));
    const ladder = this.#named(lead.unitId, escalationLadder(lead.feedbackDueAt, fired, this.policy(lead.unitId).policy)).map((s) =>
      unmasked ? s : { ...s, leaderName: s.leaderName === null ? null : maskName(s.leaderName), leaderPhone: s.leaderPhone === null ? null : maskPhone(s.leaderPhone) },
    );
    return {
      lead: shown,
      unitName: this.tree.byId.get(lead.unitId)?.name ?? lead.unitId,
      unitNameEn: this.tree.byId.get(lead.unitId)?.nameEn ?? null,
      events,
      stops: this.#stops.all(leadId).map((r) => JSON.parse(r.data) as StopPayment),
      notes: this.#notes.all(leadId).map((r) => JSON.parse(r.data) as Note),
      earlier: this.earlierLeads(lead.personId, lead.issuedAt, asOf),
      ladder,
      level: this.tree.byId.get(lead.unitId)?.level ?? null,
    };
  }

  /**
   * Classified handling over a window as of a time (the wall's today line, the review): the
   * window's leads by method, dispatch → arrive of its visits, and the time each level of the
   * four held a lead (from its issue or the reassign that brought it there to the next reassign).
   * Only what happened by `asOf` counts; a lead counts for the unit that holds it now.
   */
  handlingSummary(unitId: string | undefined, w: Window, asOf: number): HandlingSummary {
    const id = this.#unit(unitId);
    // The same answer until the data changes or the clock passes the next event of the window
    // (it reads every lead of the window: the tile panel asks at every change of its page).
    const key = `${id}|${w.start}|${w.end}`;
    const hit = this.#handlingMemo.get(key);
    const version = this.#version();
    if (hit && hit.version === version && asOf >= hit.from && asOf < hit.until) return hit.value;
    const { value, until } = this.#handling(id, w, asOf);
    if (this.#handlingMemo.size >= 64) this.#handlingMemo.clear();
    this.#handlingMemo.set(key, { version, from: asOf, until, value });
    return value;
  }

  #handling(unitId: string, w: Window, asOf: number): { value: HandlingSummary; until: number } {
    const sub = this.tree.subtree(unitId);
    const byMethod = Object.fromEntries(methods.map((m) => [m, 0])) as HandlingSummary['byMethod'];
    const inScope = new Set<string>();
    let noMethod = 0;
    for (const l of this.#handlingLeads.all(w.start, w.end)) {
      // A figure as of T counts only the leads issued by T (kpis.md, the README's choices).
      if (l.voided === 1 || l.issuedAt > asOf || !sub.has(l.unitId)) continue;
      inScope.add(l.id);
      if (l.method !== null && Object.hasOwn(byMethod, l.method)) byMethod[l.method as keyof typeof byMethod] += 1;
      else noMethod += 1;
    }
    const toArrive: number[] = [];
    const hopMs = new Map<string, number[]>();
    let lead: string | null = null;
    let at: { unitId: string; since: number } | null = null;
    let dispatched: number | null = null;
    let until = Infinity;
    for (const e of this.#handlingEvents.all(w.start, w.end)) {
      if (!inScope.has(e.leadId)) continue;
      if (e.at > asOf) {
        until = Math.min(until, e.at);
        continue;
      }
      if (e.leadId !== lead) [lead, at, dispatched] = [e.leadId, null, null];
      if (e.kind === 'issued' && e.unitId !== null) at = { unitId: e.unitId, since: e.at };
      else if (e.kind === 'reassign' && e.unitId !== null) {
        const from = at && this.tree.byId.get(at.unitId)?.level;
        const to = this.tree.byId.get(e.unitId)?.level;
        if (at && from && to) {
          const key = `${from}>${to}`;
          hopMs.set(key, [...(hopMs.get(key) ?? []), e.at - at.since]);
        }
        at = { unitId: e.unitId, since: e.at };
      } else if (e.kind === 'dispatch') dispatched ??= e.at;
      else if (e.kind === 'arrive' && dispatched !== null) {
        toArrive.push(e.at - dispatched);
        dispatched = null;
      }
    }
    const stats = (xs: number[]) => {
      const m = timeToMeet(xs);
      return { n: m.n, meanMs: m.meanMs, medianMs: m.medianMs, p90Ms: m.p90Ms };
    };
    const order = ['city', 'branch', 'station', 'beat'] as const;
    const hops = [...hopMs.entries()]
      .map(([k, xs]) => {
        const [from, to] = k.split('>') as [(typeof order)[number], (typeof order)[number]];
        return { from, to, ...stats(xs) };
      })
      .sort((a, b) => order.indexOf(a.from) - order.indexOf(b.from) || order.indexOf(a.to) - order.indexOf(b.to));
    return { value: { leads: inScope.size, byMethod, noMethod, toArrive: stats(toArrive), hops }, until };
  }

  /** The latest events up to asOf within a unit, newest first (the wall's ticker). */
  recentEvents(unitId: string | undefined, asOf: number, limit: number): RecentEvent[] {
    const sub = this.tree.subtree(this.#unit(unitId));
    const out: RecentEvent[] = [];
    // Over-fetch, since some rows fall outside the unit.
    for (const r of this.#recentEvents.all(asOf, limit * 20)) {
      if (r.unitId === null || !sub.has(r.unitId)) continue;
      const station = this.tree.ancestorAt(r.unitId, 'station') ?? this.tree.byId.get(r.unitId);
      out.push({ id: r.id, leadId: r.leadId, at: r.at, kind: r.kind, tier: r.tier, unitName: station?.name ?? r.unitId, unitNameEn: station?.nameEn ?? null, riskLevel: r.riskLevel });
      if (out.length >= limit) break;
    }
    return out;
  }

  /** Leads of a window for the review meeting, as of its cut-off: overdue, victimised, or all. */
  reviewLeads(unitId: string | undefined, w: Window, asOf: number, which: 'overdue' | 'victimised' | 'all', limit: number, only?: ReadonlySet<string>): ReviewLead[] {
    const sub = this.tree.subtree(this.#unit(unitId));
    const out: ReviewLead[] = [];
    for (const row of this.#reviewLeads.iterate(w.start, w.end)) {
      const l = JSON.parse(row.data) as Lead;
      if (l.voided || l.issuedAt > asOf || !sub.has(l.unitId) || (only && !only.has(l.id))) continue;
      const k: KpiLead = { id: l.id, personId: l.personId, unitId: l.unitId, issuedAt: l.issuedAt, metAt: l.metAt ?? null, feedbackAt: l.feedbackAt ?? null, feedbackDueAt: l.feedbackDueAt, outcome: l.outcome ?? null, lossAmount: l.lossAmount, preventedAmount: l.preventedAmount, voided: l.voided };
      if (which === 'overdue' && !isOverdue(k, asOf)) continue;
      if (which === 'victimised' && !isVictimised(k, asOf)) continue;
      // What the cut-off did not know yet is not shown.
      const fedBack = knownBy(l.feedbackAt, asOf);
      out.push({
        id: l.id,
        unitId: l.unitId,
        ...this.#placeNames(l.unitId),
        branchName: this.tree.ancestorAt(l.unitId, 'branch')?.name ?? null,
        branchNameEn: this.tree.ancestorAt(l.unitId, 'branch')?.nameEn ?? null,
        personName: maskName(l.personName),
        personAge: l.personAge ?? null,
        personOccupation: l.personOccupation ?? null,
        warningCount: l.warningCount,
        fraudType: l.fraudType,
        riskLevel: l.riskLevel,
        amountAtRisk: l.amountAtRisk,
        lossAmount: fedBack === null ? 0 : l.lossAmount,
        issuedAt: l.issuedAt,
        metAt: knownBy(l.metAt, asOf),
        feedbackDueAt: l.feedbackDueAt,
        feedbackAt: fedBack,
        outcome: fedBack === null ? null : (l.outcome ?? null),
      });
      if (out.length >= limit) break;
    }
    return out;
  }

  /** How many leads a review list holds in all, beyond any limit it is shown with. */
  reviewCount(unitId: string | undefined, w: Window, asOf: number, which: 'overdue' | 'victimised' | 'all'): number {
    return this.reviewLeads(unitId, w, asOf, which, Number.MAX_SAFE_INTEGER).length;
  }

  /**
   * The window's leads within a unit with the times of their revisits (shared/revisit.ts), as the
   * state queried knows them: a frozen review's holds only what the cut-off knew.
   */
  revisitLeads(unitId: string | undefined, w: Window): RevisitLead[] {
    const sub = this.tree.subtree(this.#unit(unitId));
    return this.#revisitLeads.all(w.start, w.end).flatMap((r) => (sub.has(r.unitId) ? [{ ...r, voided: r.voided === 1 }] : []));
  }

  /** Every lead of a window with its step times as the cut-off knew them (a day's replay). */
  replayLeads(unitId: string | undefined, w: Window, asOf: number): ReplayLead[] {
    const sub = this.tree.subtree(this.#unit(unitId));
    const out: ReplayLead[] = [];
    for (const row of this.#reviewLeads.iterate(w.start, w.end)) {
      const l = JSON.parse(row.data) as Lead;
      if (l.voided || l.issuedAt > asOf || !sub.has(l.unitId)) continue;
      const feedbackAt = knownBy(l.feedbackAt, asOf);
      out.push({ id: l.id, lat: l.lat, lng: l.lng, riskLevel: l.riskLevel, issuedAt: l.issuedAt, metAt: knownBy(l.metAt, asOf), feedbackAt, feedbackDueAt: l.feedbackDueAt, outcome: feedbackAt === null ? null : (l.outcome ?? null) });
    }
    return out;
  }

  /** The stop-payments requested in a window, as the cut-off knew them. */
  stopRecord(unitId: string | undefined, w: Window, asOf: number): StopRecord[] {
    const sub = this.tree.subtree(this.#unit(unitId));
    return this.#stopsIn.all(w.start, w.end).flatMap((row) => {
      const s = JSON.parse(row.data) as StopPayment;
      const k = { requestedAt: s.requestedAt, frozenAt: s.frozenAt ?? null, status: s.status, returnedAt: s.returnedAt ?? null, failedKnownAt: s.status === 'failed' ? row.ts : null };
      const status = stopStatusAt(k, asOf);
      if (!sub.has(row.unitId) || status === null) return [];
      const place = this.tree.ancestorAt(row.unitId, 'station') ?? this.tree.byId.get(row.unitId);
      return [
        {
          id: s.id, leadId: s.leadId, unitName: place?.name ?? row.unitId, unitNameEn: place?.nameEn ?? null, bank: s.bank, accountMasked: s.accountMasked, amount: s.amount,
          requestedAt: s.requestedAt, frozenAt: knownBy(s.frozenAt, asOf), status, within30: stopWithin30(k, asOf),
          returnedAt: status === 'returned' ? s.returnedAt! : null, returnedAmount: status === 'returned' ? (s.returnedAmount ?? 0) : null,
        },
      ];
    });
  }

  /** Stop-payment coverage (issue 15): the leads of L(W) with at least one stop-payment requested by T, of #L(W). */
  stopCoverage(unitId: string | undefined, w: Window, asOf: number): Ratio {
    const sub = this.tree.subtree(this.#unit(unitId));
    let num = 0;
    let den = 0;
    for (const r of this.#stopCoverage.all(asOf, w.start, w.end)) {
      if (r.voided || r.issuedAt > asOf || !sub.has(r.unitId)) continue;
      den++;
      if (r.stopped) num++;
    }
    return ratio(num, den);
  }

  /** A person's leads issued before `before` (the repeat chain), oldest first; the person id stays here. */
  earlierLeads(personId: string, before: number, asOf = Infinity): EarlierLead[] {
    return this.#earlier.all(personId, before).flatMap((r) => {
      const l = JSON.parse(r.data) as Lead;
      if (l.voided || l.issuedAt > asOf) return [];
      // The outcome as known at T: it arrives with the feedback (kpis.md "known by T").
      const outcome = knownBy(l.feedbackAt, asOf) !== null ? (l.outcome ?? null) : null;
      return [{ id: l.id, issuedAt: l.issuedAt, fraudType: l.fraudType, outcome }];
    });
  }

  /** Every note the replica holds, oldest first. */
  notes(): Note[] {
    return this.#allNotes.all().map((r) => JSON.parse(r.data) as Note);
  }

  units(): UnitNode[] {
    return [...this.tree.byId.values()];
  }

  /** For index checks in tests: the plan SQLite chooses for each screen statement. */
  plans(): Record<keyof typeof SQL, string[]> {
    const out = {} as Record<keyof typeof SQL, string[]>;
    for (const name of Object.keys(SQL) as (keyof typeof SQL)[]) {
      out[name] = (this.#db.prepare(`EXPLAIN QUERY PLAN ${SQL[name]}`).all(...SAMPLE_ARGS[name]) as { detail: string }[]).map((r) => r.detail);
    }
    return out;
  }
}
