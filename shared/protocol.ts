// The central sync protocol v1 (../shared/design/central-protocol.md) as zod schemas: the one
// definition the reference centre writes, the core validates and the OpenAPI test checks.
import { z } from 'zod';

export const PROTOCOL_VERSION = 1;

const ms = z.number().int().nonnegative();
const fen = z.number().int();
const id = z.string().min(1).max(128);

export const unitLevels = ['city', 'branch', 'station', 'beat'] as const;
export const riskLevels = ['urgent', 'high', 'medium', 'low'] as const;
export const fraudTypes = [
  'rebate_task',
  'investment',
  'fake_shopping',
  'fake_refund',
  'loan',
  'fake_credit',
  'impersonation_acquaintance',
  'impersonation_authority',
  'romance_investment',
  'game_trade',
  'deposit',
  'other',
] as const;
export const outcomes = [
  'dissuaded',
  'defrauded_after_warning',
  'already_defrauded',
  'unreachable',
  'refused',
  'false_alarm',
] as const;
export const methods = ['visit', 'phone', 'sms', 'publicity'] as const;
export const eventKinds = [
  'issued',
  'sms',
  'call',
  'dispatch',
  'arrive',
  'met',
  'feedback',
  'escalation',
  'stop_payment',
  'transfer',
  'reassign',
  'revisit',
  'close',
] as const;

const leader = z.object({ name: z.string().max(200), phone: z.string().max(40) });

export const unitSchema = z.object({
  id,
  parentId: id.nullable(),
  level: z.enum(unitLevels),
  code: z.string().min(1).max(64),
  name: z.string().min(1).max(200),
  nameEn: z.string().max(200).optional(),
  lat: z.number().min(-90).max(90).optional(),
  lng: z.number().min(-180).max(180).optional(),
  geoKey: z.string().max(64).optional(),
  leaders: z
    .object({ stationChief: leader.optional(), branchDeputy: leader.optional(), branchChief: leader.optional() })
    .optional(),
});

export const leadSchema = z.object({
  id,
  personId: id,
  personName: z.string().max(200),
  personPhone: z.string().max(40),
  personAge: z.number().int().min(0).max(130).optional(),
  personOccupation: z.string().max(200).optional(),
  unitId: id,
  fraudType: z.enum(fraudTypes),
  riskLevel: z.enum(riskLevels),
  riskScore: z.number().min(0).max(100),
  riskDims: z.record(z.string().max(64), z.number()).optional(),
  warningCount: z.number().int().min(1),
  source: z.string().max(200),
  amountAtRisk: fen.nonnegative(),
  lat: z.number().min(-90).max(90),
  lng: z.number().min(-180).max(180),
  address: z.string().max(500).optional(),
  issuedAt: ms,
  phoneDueAt: ms,
  feedbackDueAt: ms,
  smsAt: ms.optional(),
  phonedAt: ms.optional(),
  dispatchedAt: ms.optional(),
  metAt: ms.optional(),
  feedbackAt: ms.optional(),
  closedAt: ms.optional(),
  method: z.enum(methods).optional(),
  outcome: z.enum(outcomes).optional(),
  lossAmount: fen.nonnegative(),
  preventedAmount: fen.nonnegative(),
  voided: z.boolean(),
});

export const eventSchema = z.object({
  id,
  leadId: id,
  at: ms,
  kind: z.enum(eventKinds),
  unitId: id,
  tier: z.number().int().min(1).max(9).optional(),
  role: z.string().max(64).optional(),
  detail: z.string().max(2000).optional(),
});

export const stopPaymentSchema = z.object({
  id,
  leadId: id,
  bank: z.string().max(200),
  accountMasked: z.string().max(64),
  amount: fen.nonnegative(),
  requestedAt: ms,
  frozenAt: ms.optional(),
  status: z.enum(['requested', 'frozen', 'failed', 'returned']),
  returnedAt: ms.optional(),
  returnedAmount: fen.nonnegative().optional(),
});

export const noteSchema = z.object({
  id,
  leadId: id.optional(),
  unitId: id.optional(),
  kind: z.enum(['revisit', 'review', 'meeting']),
  body: z.string().max(20000),
  author: z.string().max(200),
  createdAt: ms,
  /** The client and mutation that wrote it, so the writer's outbox can see it applied. */
  clientId: z.string().max(128).optional(),
  mutationId: z.number().int().positive().optional(),
});

const positiveMs = z.number().int().positive();
/**
 * The countdown policy the centre applies (kpis.md "Countdown and escalation"): the feedback
 * deadline of each risk level and the reminder tiers on the time left to it. It governs its unit
 * and everything under it, so a display scoped below that unit receives it too; the nearest one
 * wins. A centre may send none: the display then uses kpis.md's defaults and says so.
 */
export const policySchema = z.object({
  id,
  unitId: id,
  deadlineMs: z.object({ urgent: positiveMs, high: positiveMs, medium: positiveMs, low: positiveMs }),
  /** Tier n (1-based, as in escalation events) is tiers[n − 1], in firing order (leftMs decreasing). */
  tiers: z.array(z.object({ leftMs: positiveMs, role: z.enum(['station_chief', 'branch_deputy', 'branch_chief']) })).max(9),
});

export const entitySchemas = {
  unit: unitSchema,
  lead: leadSchema,
  event: eventSchema,
  stop_payment: stopPaymentSchema,
  note: noteSchema,
  policy: policySchema,
} as const;

export type EntityName = keyof typeof entitySchemas;
export const entityNames = Object.keys(entitySchemas) as EntityName[];

export type Unit = z.infer<typeof unitSchema>;
export type Lead = z.infer<typeof leadSchema>;
export type LeadEvent = z.infer<typeof eventSchema>;
export type StopPayment = z.infer<typeof stopPaymentSchema>;
export type Note = z.infer<typeof noteSchema>;
export type Policy = z.infer<typeof policySchema>;
export type EntityRecord = { unit: Unit; lead: Lead; event: LeadEvent; stop_payment: StopPayment; note: Note; policy: Policy };

const entityName = z.enum(entityNames as [EntityName, ...EntityName[]]);
const seq = z.number().int().nonnegative();

/** A put line; `d` is checked against the entity's own schema by {@link parseFeedLine}. */
const putLine = z.object({
  t: z.literal('put'),
  e: entityName,
  id,
  v: z.number().int().positive(),
  seq: seq.min(1),
  /** The centre's commit time of the change; optional so a display still follows an older centre. */
  ts: ms.optional(),
  d: z.record(z.string(), z.unknown()),
});
const delLine = z.object({ t: z.literal('del'), e: entityName, id, seq: seq.min(1), ts: ms.optional() });
const stats = z.partialRecord(entityName, z.number().int().nonnegative());
const checkpointLine = z.object({
  t: z.literal('checkpoint'),
  seq,
  epoch: z.string().min(1).max(64),
  serverTime: ms,
  more: z.boolean(),
  counts: stats,
  sums: stats,
});
const heartbeatLine = z.object({ t: z.literal('heartbeat'), seq, serverTime: ms });

export const feedLineSchema = z.discriminatedUnion('t', [putLine, delLine, checkpointLine, heartbeatLine]);
export type PutLine = z.infer<typeof putLine> & { d: Record<string, unknown> };
export type DelLine = z.infer<typeof delLine>;
export type CheckpointLine = z.infer<typeof checkpointLine>;
export type HeartbeatLine = z.infer<typeof heartbeatLine>;
export type FeedLine = PutLine | DelLine | CheckpointLine | HeartbeatLine;

export class FeedLineError extends Error {
  constructor(
    message: string,
    readonly lineNo: number,
  ) {
    super(message);
    this.name = 'FeedLineError';
  }
}

/**
 * A put whose record fails its entity's schema (too long, wrong type, unknown enum value, or a
 * `d.id` that is not the line's id): the feed goes on. The client counts its id and version as
 * received, so its checksums agree with the centre's, keeps it off every screen, and reports it.
 */
export type HeldLine = { t: 'held'; e: EntityName; id: string; v: number; seq: number; reason: string; excerpt: string };
export type ParsedLine = FeedLine | HeldLine;
/** How much of a held-back line is kept to show an operator what came (it may be hostile and huge). */
export const HELD_EXCERPT_CHARS = 300;

export function heldLine(put: PutLine, reason: string, text: string): HeldLine {
  return { t: 'held', e: put.e, id: put.id, v: put.v, seq: put.seq, reason, excerpt: text.slice(0, HELD_EXCERPT_CHARS) };
}

/**
 * Parses and validates one NDJSON line of the change feed. A structural fault (not JSON, not a
 * line of the protocol) throws {@link FeedLineError} naming the line: the page is rejected whole.
 * A put whose record fails its entity's schema comes back as a {@link HeldLine}.
 */
export function parseFeedLine(text: string, lineNo: number): ParsedLine {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new FeedLineError(`line ${lineNo}: not JSON: ${JSON.stringify(text.slice(0, 80))}`, lineNo);
  }
  const line = feedLineSchema.safeParse(raw);
  if (!line.success) throw new FeedLineError(`line ${lineNo}: ${describeZodError(line.error)}`, lineNo);
  if (line.data.t === 'put') {
    const rec = entitySchemas[line.data.e].safeParse(line.data.d);
    if (!rec.success) return heldLine(line.data, describeZodError(rec.error), text);
    if (rec.data.id !== line.data.id) return heldLine(line.data, `d.id ${rec.data.id} differs from id ${line.data.id}`, text);
    return { ...line.data, d: rec.data as Record<string, unknown> };
  }
  return line.data;
}

export function describeZodError(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid';
  const path = issue.path.length ? issue.path.join('.') : '(root)';
  return `${path}: ${issue.message}`;
}

export const resetReasons = ['epoch_changed', 'since_too_old', 'schema_incompatible'] as const;
export const resetBodySchema = z.object({ reset: z.enum(resetReasons), epoch: z.string() });
export type ResetBody = z.infer<typeof resetBodySchema>;

export const healthSchema = z.object({
  status: z.literal('ok'),
  epoch: z.string(),
  seq,
  serverTime: ms,
  protocol: z.number().int(),
});
export type Health = z.infer<typeof healthSchema>;

/** One unmasked view of a lead at a display: the centre keeps it for its audit (not in the feed). */
export const auditViewSchema = z.object({ leadId: id, keyName: z.string().min(1).max(200), role: z.string().min(1).max(32), at: ms }).strict();
export type AuditView = z.infer<typeof auditViewSchema>;

export const mutationSchema = z.discriminatedUnion('name', [
  z.object({ id: z.number().int().positive(), name: z.literal('note.add'), args: noteSchema.omit({ clientId: true, mutationId: true }) }),
  z.object({ id: z.number().int().positive(), name: z.literal('audit.view'), args: auditViewSchema }),
]);
export const mutationRequestSchema = z.object({
  clientId: z.string().min(1).max(128),
  mutations: z.array(mutationSchema).min(1).max(500),
});
export type Mutation = z.infer<typeof mutationSchema>;
export type MutationRequest = z.infer<typeof mutationRequestSchema>;

/** Faults of the display's own machine that stop its replica taking data (not the link's). */
export const localFaultKinds = ['disk_full', 'read_only', 'missing_dir', 'set_aside'] as const;
export type LocalFaultKind = (typeof localFaultKinds)[number];
export const localFaultSchema = z.object({ kind: z.enum(localFaultKinds), detail: z.string().max(500), action: z.string().max(300) }).strict();
export type LocalFault = z.infer<typeof localFaultSchema>;
/** How many held-back records a heartbeat lists by id (the count is always whole). */
export const HEARTBEAT_HELD_MAX = 20;
export const heldRecordSchema = z.object({ entity: entityName, id, reason: z.string().max(200) }).strict();
export type HeldRecord = z.infer<typeof heldRecordSchema>;

/** A display's heartbeat: what its operators at the centre need to see of it. */
export const heartbeatSchema = z
  .object({
    clientId: z.string().min(1).max(128),
    name: z.string().max(60),
    version: z.string().max(40),
    state: z.string().max(20),
    seq: z.number().int().nonnegative(),
    seqLag: z.number().int().nonnegative(),
    dataAgeMs: z.number().int().nonnegative().nullable(),
    memoryMB: z.number().nonnegative(),
    lastError: z.string().max(500).nullable(),
    /** Whether the replica holds a complete snapshot (until then the display shows no figures). */
    complete: z.boolean().optional(),
    /** A fault of the display's own machine, and what to do about it. */
    localFault: localFaultSchema.nullable().optional(),
    /** Records held back because they failed validation: how many, and the first few with why. */
    heldBack: z.object({ count: z.number().int().nonnegative(), records: z.array(heldRecordSchema).max(HEARTBEAT_HELD_MAX) }).strict().optional(),
  })
  .strict();
export type Heartbeat = z.infer<typeof heartbeatSchema>;
