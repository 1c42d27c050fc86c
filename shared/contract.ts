// The app's own contract: one request map and one event map, carried unchanged by Electron IPC
// and by the browser host's WebSocket. Arguments are zod-validated on the receiving side of
// every transport; results come from the trusted core and are typed, not re-validated.
import { z } from 'zod';
import { eventChannels, type requestChannels } from './channels.js';
import { caseReviewSchema, type CasePatterns } from './caseReview.js';
import type { FraudType, RiskLevel, UnitLevel } from './domain.js';
import type { Method, RiskDimension } from './grade.js';
import type { DisplayConfig } from './display.js';
import type { Indicators, LadderStep, RankRow, Ratio, ReviewFreeze, StopSummary, Window } from './kpi.js';
import type { HeldRecord, Lead, LeadEvent, LocalFault, Note, StopPayment } from './protocol.js';
import type { UnitNode } from './units.js';
import type { Role } from './privacy.js';

export const syncStates = ['connecting', 'catching-up', 'live', 'offline', 'stale', 'error'] as const;
export type SyncState = (typeof syncStates)[number];

export type SyncStatus = {
  state: SyncState;
  /** Last applied position and generation of the centre's feed. */
  seq: number;
  epoch: string | null;
  /** Newest seq the centre has told us about (checkpoint or heartbeat). */
  serverSeq: number;
  /** 0..100 while catching up. */
  progress: number | null;
  /** When the link was lost, on the centre's clock (ms). */
  offlineSince: number | null;
  /** When the replica last applied a page, on the centre's clock (ms). */
  lastAppliedAt: number | null;
  /**
   * When the centre last confirmed the replica current, on the centre's clock (ms): the
   * serverTime of the last final checkpoint applied, or of a heartbeat at our seq while live.
   * Every panel's data age counts from it; offline it stays put, so the age grows.
   */
  confirmedAt: number | null;
  /** The replica holds a complete snapshot (a final checkpoint applied); until then no figure is known. */
  complete: boolean;
  /** Records held back because they failed validation (counted, shown nowhere). */
  heldBack: number;
  /** A fault of this machine that stops the replica taking data, and what to do (not "offline"). */
  localFault: LocalFault | null;
  /** A human-readable reason when state is error or offline. */
  reason: string | null;
  /** centre clock − core clock, ms, from the latest serverTime seen. */
  serverOffsetMs: number;
};

export type LeadTile = {
  id: string;
  unitId: string;
  unitName: string;
  unitNameEn: string | null;
  stationName: string | null;
  stationNameEn: string | null;
  /** Masked for the wall: 王**, 138****1234. */
  personName: string;
  personPhone: string;
  fraudType: FraudType;
  riskLevel: RiskLevel;
  /** The centre's grade (0..100) and its two weightiest dimensions (shared/grade.ts topReasons). */
  riskScore: number;
  reasons: RiskDimension[];
  /** How the lead is handled (classified handling), when the centre says. */
  method: Method | null;
  /** The level of the unit holding the lead now: it is passed down city → branch → station → beat. */
  level: UnitLevel | null;
  warningCount: number;
  amountAtRisk: number;
  issuedAt: number;
  phoneDueAt: number;
  feedbackDueAt: number;
  phonedAt: number | null;
  dispatchedAt: number | null;
  metAt: number | null;
  lat: number;
  lng: number;
};

/** `pinned`: urgent or high risk and not yet acknowledged (shared/kpi.ts isPinned), held at the front. */
/**
 * A reminder tier with the person it goes to (the unit's `leaders`): the privacy layer masks
 * `leaderName` and `leaderPhone` for the wall (shared/privacy.ts).
 */
export type NamedStep = LadderStep & { leaderName: string | null; leaderPhone: string | null };

export type CountdownTile = LeadTile & { ladder: NamedStep[]; next: NamedStep | null; pinned: boolean };

/** Classified handling over a window as of a time: leads by method, and dispatch → arrive times. */
export type HandlingSummary = {
  leads: number;
  byMethod: Record<Method, number>;
  /** Leads the centre has given no method yet. */
  noMethod: number;
  /** Dispatch → arrive over the window's visits that had arrived by the time. */
  toArrive: { n: number; meanMs: number | null; medianMs: number | null; p90Ms: number | null };
  /** Each hop of the four levels (reassign events): how long the lead stood at `from` before it reached `to`. */
  hops: { from: UnitLevel; to: UnitLevel; n: number; meanMs: number | null; medianMs: number | null; p90Ms: number | null }[];
};

/**
 * What the tile wall shows now: the count of every open lead in scope, the pinned tiles (on every
 * page), the tiles of one page of the rotation, and the ids of every open lead (to notice new
 * ones) and of the urgent ones (to flash and sound them), without shipping a thousand tiles.
 */
export type CountdownWall = { total: number; pages: number; page: number; pinned: CountdownTile[]; tiles: CountdownTile[]; openIds: string[]; urgentIds: string[]; today: HandlingSummary };

export type KpiStrip = { unitId: string; unitName: string; unitNameEn: string | null; asOf: number; window: Window; today: Indicators; yesterday: Indicators; openLeads: number };

export type RankingRow = RankRow & { name: string; nameEn: string | null; parentId: string | null };

export type TrendPoint = { day: number; leads: number; faceToFace: Ratio; victimisation: Ratio; overdue: Ratio };

export type MapFeatures = {
  branches: { id: string; name: string; nameEn: string | null; geoKey: string | null; lat: number | null; lng: number | null; indicators: Indicators }[];
  stations: { id: string; name: string; nameEn: string | null; lat: number; lng: number }[];
  leads: { id: string; lat: number; lng: number; riskLevel: RiskLevel; feedbackDueAt: number; issuedAt: number }[];
};

/** A lead as the review meeting lists it (overdue list, victimisation cases), masked. */
export type ReviewLead = {
  id: string;
  unitId: string;
  unitName: string;
  unitNameEn: string | null;
  stationName: string | null;
  stationNameEn: string | null;
  branchName: string | null;
  branchNameEn: string | null;
  personName: string;
  /** The age for a role that sees it whole; a wall gets the band alone (shared/privacy.ts). */
  personAge?: number | null;
  personAgeBand?: string | null;
  personOccupation: string | null;
  warningCount: number;
  fraudType: FraudType;
  riskLevel: RiskLevel;
  amountAtRisk: number;
  lossAmount: number;
  issuedAt: number;
  metAt: number | null;
  feedbackDueAt: number;
  feedbackAt: number | null;
  outcome: string | null;
};

/** A lead's times for replaying its day on the map. */
export type ReplayLead = { id: string; lat: number; lng: number; riskLevel: RiskLevel; issuedAt: number; metAt: number | null; feedbackAt: number | null; feedbackDueAt: number; outcome: string | null };

/** A stop-payment as the meeting's record shows it, as of the cut-off. */
export type StopRecord = { id: string; leadId: string; unitName: string; unitNameEn: string | null; bank: string; accountMasked: string; amount: number; requestedAt: number; frozenAt: number | null; status: StopPayment['status']; within30: boolean | null; returnedAt: number | null; returnedAmount: number | null };

/** The stop-payments of one bank over the review's window, as of the cut-off (kpi.ts summariseStops). */
export type BankStops = StopSummary & { bank: string };

/** A person's earlier lead (the repeat chain): never the person id, only the lead's id, date and outcome. */
export type EarlierLead = { id: string; issuedAt: number; fraudType: FraudType; outcome: string | null };

/** A lead as a role sees it: the wall view has no person id, address or exact age (shared/privacy.ts). */
export type LeadView = Omit<Lead, 'personId' | 'address' | 'personAge'> & { personId?: string; address?: string | undefined; personAge?: number | undefined; personAgeBand?: string | null };

export type LeadTimeline = { lead: LeadView; unitName: string; unitNameEn: string | null; events: LeadEvent[]; stops: StopPayment[]; notes: Note[]; earlier: EarlierLead[]; ladder: NamedStep[]; level: UnitLevel | null };

/** One unmasked view of a lead: which key saw it, when, and whether the centre has it yet. */
export type AuditEntry = { id: number; leadId: string; keyName: string; role: string; at: number; sentAt: number | null };

/**
 * Where a review stands: provisional before its cut-off; frozen at it (from this display's own
 * versions, or the centre's as-of snapshot); or not verifiable (no snapshot of the cut-off can be
 * had: the figures shown are the live data as of the cut-off, and say so).
 */
export type ReviewState = { state: ReviewFreeze; cutoff: number; source: 'display' | 'centre' | null; reason: string | null };


/** The review's sections, in the meeting's order: the screen's agenda and the minutes' chapters. */
export const REVIEW_SECTIONS = ['indicators', 'daily', 'weekly', 'drill', 'overdue', 'cases', 'stops', 'handling', 'revisits', 'notes', 'replay'] as const;
export type ReviewSection = (typeof REVIEW_SECTIONS)[number];

export type PlanUnit = { id: string; name: string; nameEn: string | null; level: UnitNode['level'] };

/** A branch beside the others on the review's first page: its indicators, rank on each, and change. */
export type BranchColumn = PlanUnit & {
  now: Indicators;
  before: Indicators;
  /** Per indicator key: rank among the branches (1 = best), the rank before, and places gained. */
  ranks: Record<string, { rank: number | null; previous: number | null; change: number | null }>;
};

/**
 * What a review contains, built once in the core from the queries of its frozen state (or the live
 * ones while provisional): the review screen renders it and the exporter writes it, so the two
 * cannot differ. A list cut at its limit says how many there were (`total`).
 */
export type ReviewPlan = {
  date: string;
  week: boolean;
  window: Window;
  asOf: number;
  state: ReviewState;
  unit: PlanUnit;
  /** From the root of the display's scope down to the unit (the breadcrumb). */
  path: PlanUnit[];
  sections: readonly ReviewSection[];
  limits: { overdue: number; cases: number };
  indicators: { now: Indicators; before: Indicators };
  /** Every branch of the city side by side (empty for a station's review). */
  branches: BranchColumn[];
  daily: { window: Window; branches: RankingRow[]; stations: RankingRow[] };
  weekly: { window: Window; branches: RankingRow[]; stations: RankingRow[] };
  /** The units one level down with their indicators (the drill-down). */
  children: (PlanUnit & { indicators: Indicators })[];
  overdue: { rows: ReviewLead[]; total: number };
  cases: { rows: (ReviewLead & { timeline: LeadTimeline | null })[]; total: number };
  stops: StopRecord[];
  /** The stop-payments per bank and in total, and coverage: leads of the window with a stop-payment by the cut-off. */
  stopSummary: { banks: BankStops[]; total: StopSummary; coverage: Ratio };
  /** The last 30 days to the window's end: the daily rates as of the cut-off. */
  trend: TrendPoint[];
  /** Classified handling over the window as of the cut-off: by method, time to arrive, time at each level. */
  handling: HandlingSummary;
  /** Supervision revisits as of the cut-off (shared/revisit.ts). */
  revisits: RevisitReview;
  notes: Note[];
  /** A week's review: its victimisation cases grouped by their latest case reviews (shared/caseReview.ts); null for a day. */
  patterns: CasePatterns | null;
};

/**
 * Revisit coverage (shared/revisit.ts) of the review's unit and of each branch and station in it,
 * as of the cut-off, and the instructions not yet revisited (cut at a limit, with the total).
 */
export type RevisitReview = {
  coverage: Ratio;
  branches: (PlanUnit & { coverage: Ratio })[];
  stations: (PlanUnit & { coverage: Ratio })[];
  notRevisited: { rows: ReviewLead[]; total: number; limit: number };
};

/** A note, and whether it is still only in this display's outbox (and why, if it was refused). */
export type RecentEvent = { id: string; leadId: string; at: number; kind: LeadEvent['kind']; tier: number | null; unitName: string; unitNameEn: string | null; riskLevel: RiskLevel | null };

export type DisplayHealth = {
  version: string;
  state: SyncState;
  seq: number;
  seqLag: number;
  dataAgeMs: number | null;
  memoryMB: number;
  lastError: string | null;
  /** Whether the replica holds a complete snapshot. */
  complete: boolean;
  localFault: LocalFault | null;
  /** Held-back records: the whole count, and the first few with why. */
  heldBack: { count: number; records: HeldRecord[] };
  /** When the centre last acknowledged this display's heartbeat (centre time). */
  lastHeartbeatAt: number | null;
  heartbeatError: string | null;
  /** Where the countdown policy comes from: the centre's feed, or kpis.md's defaults (none received). */
  policy: PolicySource;
};

export type PolicySource = { source: 'centre'; id: string; unitId: string } | { source: 'default' };

export type PendingNote = Note & { pending: boolean; error: string | null };

const unitId = z.string().min(1).max(128);
const time = z.number().int().nonnegative();
const windowArg = z.object({ start: time, end: time }).strict().refine((w) => w.end > w.start, 'end must be after start');

/** Requests: channel → argument schema. */
export const requests = {
  /**
   * Open leads (no feedback by now) in the wall's one order (shared/kpi.ts compareUrgency: pinned,
   * overdue, next tier), masked, with escalation ladders. Every open lead unless `limit` is given.
   */
  'countdowns:list': z.object({ unitId: unitId.optional(), limit: z.number().int().min(1).max(5000).optional() }).strict(),
  /**
   * The tile wall's screen: `fit` tiles in `cols` columns, page `page` (modulo the number of
   * pages) of the one order, pinned leads on every page (shared/kpi.ts wallPages).
   */
  'countdowns:wall': z.object({ unitId: unitId.optional(), fit: z.number().int().min(1).max(1000), cols: z.number().int().min(1).max(100), page: z.number().int().min(0) }).strict(),
  /** Today's five indicators and the others, with yesterday's at the same time of day. */
  'kpi:strip': z.object({ unitId: unitId.optional(), asOf: time.optional() }).strict(),
  /** The indicators for any unit and window, as of any time. */
  'kpi:get': z.object({ unitId: unitId.optional(), window: windowArg, asOf: time }).strict(),
  /** The daily progress ranking or the weekly effectiveness evaluation of branches or stations. */
  'ranking:get': z
    .object({
      kind: z.enum(['daily', 'weekly']),
      level: z.enum(['branch', 'station']),
      within: unitId.optional(),
      asOf: time.optional(),
      window: windowArg.optional(),
      /** Branches of the whole city, even on a display scoped to one (aggregates from the centre). */
      cityWide: z.boolean().optional(),
    })
    .strict(),
  /** Daily rates over the last N days. */
  'trends:get': z.object({ unitId: unitId.optional(), days: z.number().int().min(1).max(120), asOf: time.optional() }).strict(),
  /** What the alert map draws. */
  'map:features': z.object({ unitId: unitId.optional() }).strict(),
  /** One lead's timeline, stop-payments and notes (with asOf a review's cut-off: as frozen then). */
  'lead:timeline': z.object({ leadId: z.string().min(1).max(128), asOf: time.optional() }).strict(),
  /** Leads of a window as of a time for the review: the overdue ones, the victimisation cases, or all. */
  'review:leads': z
    .object({ unitId: unitId.optional(), window: windowArg, asOf: time, which: z.enum(['overdue', 'victimised', 'all']), limit: z.number().int().min(1).max(5000) })
    .strict(),
  /** Freezes the review of a window at its cut-off if that has passed, and says where it stands. */
  'review:state': z.object({ window: windowArg }).strict(),
  /** The review of a date (or its week) for a unit: the plan the screen shows and the minutes export. */
  'review:plan': z.object({ date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/), week: z.boolean().optional(), unitId: unitId.optional() }).strict(),
  /** The stop-payments requested in a window, as of a time. */
  'stops:list': z.object({ unitId: unitId.optional(), window: windowArg, asOf: time }).strict(),
  /** The review's minutes as a file: the XLSX workbook, the PDF, or one table as CSV. */
  'review:export': z
    .object({
      date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
      week: z.boolean().optional(),
      unitId: unitId.optional(),
      format: z.enum(['xlsx', 'pdf', 'csv']),
      table: z.string().max(40).optional(),
    })
    .strict(),
  /** Every lead of a window with the times of its steps, as of a cut-off, to replay it. */
  'replay:leads': z.object({ unitId: unitId.optional(), window: windowArg, asOf: time }).strict(),
  /** The unit hierarchy the display holds. */
  'units:list': z.object({}).strict(),
  /** Notes for a lead, a unit or a period, including those still in this display's outbox. */
  'notes:list': z.object({ leadId: z.string().min(1).max(128).optional(), unitId: unitId.optional(), window: windowArg.optional() }).strict(),
  /** Writes a note through the durable outbox: saved locally at once, sent when online. */
  'notes:add': z
    .object({
      leadId: z.string().min(1).max(128).optional(),
      unitId: unitId.optional(),
      kind: z.enum(['revisit', 'review', 'meeting']),
      body: z.string().min(1).max(20000),
      author: z.string().min(1).max(200),
    })
    .strict()
    .refine((n) => n.leadId !== undefined || n.unitId !== undefined, 'a note belongs to a lead or a unit'),
  /** A structured case review of a victimisation case, written as a `review` note through the outbox (not for the wall role). */
  'review:add': z.object({ leadId: z.string().min(1).max(128), review: caseReviewSchema, author: z.string().trim().min(1).max(200) }).strict(),
  /** The latest events (the wall's ticker), newest first, masked. */
  'events:recent': z.object({ unitId: unitId.optional(), limit: z.number().int().min(1).max(200) }).strict(),
  /** This display's configuration (name, language, targets, map). */
  'display:config': z.object({}).strict(),
  /** The sync engine's current status. */
  'sync:status': z.object({}).strict(),
  /** This display's own health (what its heartbeat tells the centre). */
  'health:get': z.object({}).strict(),
  /** The centre's time now, as the core estimates it, for the renderer's one clock. */
  'clock:now': z.object({}).strict(),
  /** Classified handling over a window: leads by method, time to arrive, time at each level (the review). */
  'handling:summary': z.object({ unitId: unitId.optional(), window: windowArg, asOf: time }).strict(),
  /** The unmasked views of leads this display has recorded, newest first (the unmask role only). */
  'audit:list': z.object({ limit: z.number().int().min(1).max(5000) }).strict(),
  /** The role of the key this page uses (shared/privacy.ts), so a screen offers only what the role may do; answered by the dispatcher, which knows who asks. */
  'viewer:get': z.object({}).strict(),
} as const;

export type RequestName = keyof typeof requests;
export type RequestArgs<K extends RequestName> = z.infer<(typeof requests)[K]>;

export type Results = {
  'countdowns:list': CountdownTile[];
  'countdowns:wall': CountdownWall;
  'kpi:strip': KpiStrip;
  'kpi:get': Indicators;
  'ranking:get': RankingRow[];
  'trends:get': TrendPoint[];
  'map:features': MapFeatures;
  'lead:timeline': LeadTimeline | null;
  'units:list': UnitNode[];
  'review:leads': ReviewLead[];
  'stops:list': StopRecord[];
  'review:state': ReviewState;
  'review:plan': ReviewPlan;
  'review:export': { fileName: string; mime: string; base64: string };
  'replay:leads': ReplayLead[];
  'notes:list': PendingNote[];
  'events:recent': RecentEvent[];
  'display:config': DisplayConfig;
  'notes:add': PendingNote;
  'review:add': PendingNote;
  'sync:status': SyncStatus;
  'health:get': DisplayHealth;
  'clock:now': { serverTime: number };
  'audit:list': AuditEntry[];
  'handling:summary': HandlingSummary;
  'viewer:get': { role: Role };
};

export const tableNames = ['unit', 'lead', 'event', 'stop_payment', 'note', 'policy'] as const;
export type TableName = (typeof tableNames)[number];

/** Events pushed from the core: channel → payload. */
export type Events = {
  /** The replica applied a page touching these tables; refresh what shows them. */
  'db:changed': { tables: TableName[] };
  /** The sync engine's status changed. */
  'sync:status': SyncStatus;
};
export type EventName = keyof Events;
export const eventNames = eventChannels satisfies readonly EventName[];

// The preload's allow-list must name exactly the contract's channels.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const channelsMatch: Same<(typeof requestChannels)[number], RequestName> & Same<(typeof eventChannels)[number], EventName> = true;
void channelsMatch;

export function isRequestName(name: unknown): name is RequestName {
  return typeof name === 'string' && Object.hasOwn(requests, name);
}
export function isEventName(name: unknown): name is EventName {
  return typeof name === 'string' && (eventNames as readonly string[]).includes(name);
}

/** The one client interface the renderer sees, whatever carries it. */
export interface ApiClient {
  invoke<K extends RequestName>(channel: K, args: RequestArgs<K>): Promise<Results[K]>;
  on<K extends EventName>(channel: K, listener: (payload: Events[K]) => void): () => void;
}

/** Requests the dispatcher answers itself, from who asks (electron/core/dispatch.ts). */
export type ViewerRequest = 'viewer:get';

/** The core's side: one handler per request. */
export type Handlers = { [K in Exclude<RequestName, ViewerRequest>]: (args: RequestArgs<K>) => Results[K] | Promise<Results[K]> };

export class ContractError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ContractError';
  }
}

/** Validates a request's channel and argument; throws {@link ContractError} naming the problem. */
export function parseRequest<K extends RequestName>(channel: unknown, args: unknown): { channel: K; args: RequestArgs<K> } {
  if (!isRequestName(channel)) throw new ContractError(`unknown channel ${JSON.stringify(channel)}`);
  const parsed = requests[channel].safeParse(args);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ContractError(`${channel}: ${issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid argument'}`);
  }
  return { channel: channel as K, args: parsed.data as RequestArgs<K> };
}

/**
 * Frames on the browser host's WebSocket: the contract's requests, and the page's proof of life
 * (how many frames it has drawn), which the host watches to reload a page that stopped drawing.
 */
export const wsClientFrame = z.discriminatedUnion('type', [
  z.object({ type: z.literal('invoke'), id: z.number().int().nonnegative(), channel: z.string().max(64), args: z.unknown() }),
  z.object({ type: z.literal('alive'), frames: z.number().int().nonnegative(), visible: z.boolean() }),
]);
export type WsServerFrame =
  | { type: 'result'; id: number; ok: true; value: unknown }
  | { type: 'result'; id: number; ok: false; error: string }
  | { type: 'event'; channel: EventName; payload: unknown }
  | { type: 'reload'; reason: string };
