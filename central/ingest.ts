// The bureau's own systems feed the centre here (POST /v1/ingest, `central import FILE`): NDJSON
// lines in the fixture format, `{"t":"put","e":…,"id":…,"d":{…}}` and `{"t":"del","e":…,"id":…}`.
// A batch is checked whole — every line against its entity's schema, its references and the
// token's scope — before any of it is written, and then written in one store transaction. It is
// idempotent by content: a put identical to the live record and a del of a record already gone
// change nothing, so a batch retried after a timeout creates no second version and no new seq.
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { z } from 'zod';
import { describeZodError, entityNames, entitySchemas, type EntityName } from '../shared/protocol.js';
import { recordPath, StoreError, type CentralStore, type CurrentRecord, type WriteOp } from './store.js';

/** A request body and a batch: beyond either, 413 (a file is cut into batches of MAX_INGEST_LINES). */
export const MAX_INGEST_BODY = 8 << 20;
export const MAX_INGEST_LINES = 10_000;
/** Bad lines named in one refusal; the rest are counted (`more`), so a wholly wrong file gets a bounded answer. */
export const MAX_INGEST_ERRORS = 100;
export const INGEST_CONTENT_TYPE = 'application/x-ndjson';

export type IngestLineError = { line: number; id?: string; reason: string };
export type IngestResult = { applied: number; unchanged: number; firstSeq: number | null; lastSeq: number | null };

/**
 * A batch refused whole, nothing of it applied: 422 bad lines, 403 a line outside the token's
 * scope, 413 too many lines.
 */
export class IngestRefused extends Error {
  constructor(
    readonly status: 403 | 413 | 422,
    message: string,
    readonly errors: IngestLineError[] = [],
    readonly more = 0,
  ) {
    super(message);
    this.name = 'IngestRefused';
  }

  /** Refusals of lines name them; a refusal of the whole batch (too large) is a plain error. */
  body(): { error: string; errors?: IngestLineError[]; more?: number } {
    if (this.status === 413) return { error: this.message };
    return { error: this.message, errors: this.errors, ...(this.more > 0 ? { more: this.more } : {}) };
  }
}

const entity = z.enum(entityNames as [EntityName, ...EntityName[]]);
const recordId = z.string().min(1).max(128);
/** A put line, the fixture format too (central/centre.ts loads fixtures of these). */
export const putLineSchema = z.strictObject({ t: z.literal('put'), e: entity, id: recordId, d: z.record(z.string(), z.unknown()) });
/** One line; unknown keys are refused rather than dropped, so a mapping mistake shows at once. */
export const ingestLineSchema = z.discriminatedUnion('t', [putLineSchema, z.strictObject({ t: z.literal('del'), e: entity, id: recordId })]);

/**
 * The entity schemas, strict: a field the schema does not know is a mapping mistake (a misspelt
 * optional time would otherwise vanish), not something to drop silently. Built once: a zod schema
 * compiles its parser on first use, per instance.
 */
const strictSchemas = Object.fromEntries(entityNames.map((e) => [e, (entitySchemas[e] as z.ZodObject).strict()])) as Record<EntityName, z.ZodObject>;

/** A line checked on its own (JSON, shape, the entity's schema); `line` is 1-based in the batch or file. */
export type IngestOp = { line: number; op: WriteOp };
export type ParsedLine = { ok: true; op: WriteOp } | { ok: false; id?: string; reason: string };

export function parseIngestLine(text: string): ParsedLine {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  const parsed = ingestLineSchema.safeParse(json);
  if (!parsed.success) {
    const id = (json as { id?: unknown } | null)?.id;
    return { ok: false, ...(typeof id === 'string' ? { id } : {}), reason: describeZodError(parsed.error) };
  }
  const line = parsed.data;
  if (line.t === 'del') return { ok: true, op: { t: 'del', e: line.e, id: line.id } };
  const rec = strictSchemas[line.e].safeParse(line.d);
  if (!rec.success) return { ok: false, id: line.id, reason: `${line.e}: ${describeZodError(rec.error)}` };
  const d = rec.data as { id: string; clientId?: unknown; mutationId?: unknown };
  if (d.id !== line.id) return { ok: false, id: line.id, reason: `d.id ${JSON.stringify(d.id)} differs from id ${JSON.stringify(line.id)}` };
  // A note's clientId and mutationId say which display's mutation wrote it; a feeder setting them
  // could make a display's outbox drop a note it never sent.
  if (line.e === 'note' && (d.clientId !== undefined || d.mutationId !== undefined)) return { ok: false, id: line.id, reason: 'note: clientId and mutationId are set by POST /v1/mutations, not by a feeder' };
  return { ok: true, op: { t: 'put', e: line.e, d } as WriteOp };
}

/** Collects errors up to MAX_INGEST_ERRORS and counts the rest. */
export class ErrorList {
  readonly errors: IngestLineError[] = [];
  more = 0;
  add(e: IngestLineError): void {
    if (this.errors.length < MAX_INGEST_ERRORS) this.errors.push(e);
    else this.more++;
  }
  get count(): number {
    return this.errors.length + this.more;
  }
}

/** Splits a body into lines with their numbers; blank lines are skipped but keep the numbering. */
export function batchLines(text: string, firstLine = 1): { line: number; text: string }[] {
  const out: { line: number; text: string }[] = [];
  text.split('\n').forEach((raw, i) => {
    const t = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (t.trim() !== '') out.push({ line: firstLine + i, text: t });
  });
  return out;
}

/** Checks every line on its own; a batch with any bad line is refused whole (422), naming each. */
export function parseBatch(lines: { line: number; text: string }[]): IngestOp[] {
  if (lines.length > MAX_INGEST_LINES) throw new IngestRefused(413, `a batch holds at most ${MAX_INGEST_LINES} lines, this one ${lines.length}; send it in parts`);
  if (lines.length === 0) throw new IngestRefused(422, 'the batch has no lines');
  const errors = new ErrorList();
  const ops: IngestOp[] = [];
  for (const { line, text } of lines) {
    const p = parseIngestLine(text);
    if (p.ok) ops.push({ line, op: p.op });
    else errors.add({ line, ...(p.id !== undefined ? { id: p.id } : {}), reason: p.reason });
  }
  if (errors.count > 0) throw new IngestRefused(422, `${errors.count} bad line${errors.count === 1 ? '' : 's'}; nothing of the batch was applied`, errors.errors, errors.more);
  return ops;
}

const key = (e: EntityName, id: string) => `${e}\u0000${id}`;
const opId = (op: WriteOp) => (op.t === 'put' ? op.d.id : op.id);

/** JSON with object keys sorted, so two records compare equal whatever order their fields came in. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}

/** Parents before what refers to them: units (outer first), then leads and policies, then a lead's records. */
const entityRank: Record<EntityName, number> = { unit: 0, lead: 1, policy: 1, event: 2, stop_payment: 2, note: 2 };

/**
 * The order a batch is written in: parents first, so a lead may come before its unit in the
 * batch; lines about the same record keep their order (the sort key is per record).
 */
function applyOrder(ops: IngestOp[]): IngestOp[] {
  const parentOf = new Map<string, string | null>();
  for (const { op } of ops) if (op.t === 'put' && op.e === 'unit') parentOf.set(op.d.id, op.d.parentId);
  const depth = (id: string, seen = new Set<string>()): number => {
    const parent = parentOf.get(id);
    if (parent == null || !parentOf.has(parent) || seen.has(parent)) return 0;
    seen.add(id);
    return 1 + depth(parent, seen);
  };
  const sortKey = new Map(ops.map(({ op }) => [op, entityRank[op.e] * 1e6 + (op.e === 'unit' ? depth(opId(op)) : 0)]));
  return ops.map((o, i) => ({ o, i })).sort((a, b) => sortKey.get(a.o.op)! - sortKey.get(b.o.op)! || a.i - b.i).map(({ o }) => o);
}

/** Everything a batch's lines may touch or name: the records themselves, their units and leads. */
function wantedKeys(ops: IngestOp[]): { e: EntityName; id: string }[] {
  const wanted = new Map<string, { e: EntityName; id: string }>();
  const want = (e: EntityName, id: unknown) => {
    if (typeof id === 'string') wanted.set(key(e, id), { e, id });
  };
  for (const { op } of ops) {
    want(op.e, opId(op));
    if (op.t !== 'put') continue;
    const d = op.d as Record<string, unknown>;
    want('unit', d['parentId']);
    want('unit', d['unitId']);
    want('lead', d['leadId']);
  }
  return [...wanted.values()];
}

/**
 * Checks parsed lines against the live records they touch or name (`current`) and one another
 * (references, scope) and drops the ones that would change nothing. Returns the ops to write, in
 * write order; refuses the batch whole when any line cannot be written. `scopePath` null: the
 * whole centre (the operator's import).
 */
export function planBatch(current: readonly CurrentRecord[], ops: IngestOp[], scopePath: string | null): { write: WriteOp[]; unchanged: number } {
  // The state as the batch goes: what the store holds, then each accepted line's effect.
  const state = new Map<string, { path: string; canon: string } | null>();
  for (const r of current) state.set(key(r.e, r.id), { path: r.path, canon: canonical(JSON.parse(r.data)) });
  const pathOf = (e: EntityName, id: string) => state.get(key(e, id))?.path ?? null;
  const inScope = (path: string) => scopePath === null || path.startsWith(scopePath);

  const bad = new ErrorList();
  let outOfScope = false;
  const write: WriteOp[] = [];
  let unchanged = 0;
  for (const { line, op } of applyOrder(ops)) {
    const id = opId(op);
    const k = key(op.e, id);
    const prev = state.get(k) ?? null;
    const refuse = (reason: string, scope = false) => {
      outOfScope ||= scope;
      bad.add({ line, id, reason });
    };
    if (prev && !inScope(prev.path)) {
      refuse(`${op.e} ${id} exists outside this token's scope`, true);
      continue;
    }
    if (op.t === 'del') {
      if (!prev) unchanged++; // already gone: a retry, or a deletion someone else made
      else {
        write.push(op);
        state.set(k, null);
      }
      continue;
    }
    let path: string;
    try {
      path = recordPath(op.e, op.d, (u) => pathOf('unit', u), (l) => pathOf('lead', l));
    } catch (err) {
      if (err instanceof StoreError) {
        refuse(`${err.message} (in the store or in this batch)`);
        continue;
      }
      throw err;
    }
    if (!inScope(path)) {
      refuse(`${op.e} ${id} would lie outside this token's scope`, true);
      continue;
    }
    const canon = canonical(op.d);
    if (prev && prev.canon === canon && prev.path === path) {
      unchanged++;
      continue;
    }
    write.push(op);
    state.set(k, { path, canon });
  }
  if (bad.count > 0) {
    const what = `${bad.count} line${bad.count === 1 ? '' : 's'} refused`;
    throw new IngestRefused(outOfScope ? 403 : 422, `${what}${outOfScope ? ' (some outside this token’s scope)' : ''}; nothing of the batch was applied`, bad.errors, bad.more);
  }
  return { write, unchanged };
}

/**
 * Checks a batch whole and writes what changes, in one store transaction: the records are read,
 * the batch checked against them (references, scope, what is unchanged) and written under the
 * store's write lock, so no other centre process can change them between the check and the write.
 */
export async function ingestBatch(store: CentralStore, ops: IngestOp[], scopePath: string | null): Promise<IngestResult> {
  try {
    const { result, firstSeq, lastSeq } = await store.writePlanned(wantedKeys(ops), ops.length, (current) => {
      const plan = planBatch(current, ops, scopePath);
      return { ops: plan.write, result: plan };
    });
    if (result.write.length === 0) return { applied: 0, unchanged: result.unchanged, firstSeq: null, lastSeq: null };
    return { applied: result.write.length, unchanged: result.unchanged, firstSeq, lastSeq };
  } catch (err) {
    // The store's own checks refused what the batch's check let through (they agree by design): still nothing was written.
    if (err instanceof StoreError) throw new IngestRefused(422, `the store refused the batch: ${err.message}; nothing of the batch was applied`);
    throw err;
  }
}

/** A request body: lines, each checked, then the batch checked and written whole. */
export function ingestText(store: CentralStore, text: string, scopePath: string | null): Promise<IngestResult> {
  return ingestBatch(store, parseBatch(batchLines(text)), scopePath);
}

export type ImportReport = {
  lines: number;
  applied: number;
  unchanged: number;
  /** Batches written, each whole, in file order. */
  batches: { from: number; to: number; result: IngestResult }[];
  /** Empty when the whole file was imported. */
  errors: IngestLineError[];
  more: number;
  /** The refused batch's first and last line; null when the file was refused before anything was written. */
  refused: { from: number; to: number } | null;
};

/** Each non-blank line of a file with its number, read as a stream (a year's export does not fit in memory twice). */
async function* fileLines(file: string): AsyncGenerator<{ line: number; text: string }> {
  const rl = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
  let n = 0;
  for await (const text of rl) {
    n++;
    if (text.trim() !== '') yield { line: n, text };
  }
}

/**
 * `central import FILE`: the same checks as POST /v1/ingest, from a file, as the operator (the
 * whole centre's scope). First every line is checked on its own, so a malformed file writes
 * nothing at all; then the file is written in batches of `batchSize` lines, each checked against
 * the store and written whole. A batch whose references fail is refused whole and the import
 * stops there: the batches before it stay written, and running the corrected file again is safe
 * (what was written is unchanged the second time).
 */
export async function importFile(store: CentralStore, file: string, opts: { batchSize?: number; onBatch?: (b: ImportReport['batches'][number]) => void } = {}): Promise<ImportReport> {
  const batchSize = Math.min(opts.batchSize ?? MAX_INGEST_LINES, MAX_INGEST_LINES);
  const report: ImportReport = { lines: 0, applied: 0, unchanged: 0, batches: [], errors: [], more: 0, refused: null };
  const errors = new ErrorList();
  for await (const { line, text } of fileLines(file)) {
    report.lines++;
    const p = parseIngestLine(text);
    if (!p.ok) errors.add({ line, ...(p.id !== undefined ? { id: p.id } : {}), reason: p.reason });
  }
  if (errors.count > 0) return { ...report, errors: errors.errors, more: errors.more };

  let batch: IngestOp[] = [];
  const flush = async (): Promise<boolean> => {
    if (batch.length === 0) return true;
    const from = batch[0]!.line;
    const to = batch[batch.length - 1]!.line;
    try {
      const result = await ingestBatch(store, batch, null);
      report.applied += result.applied;
      report.unchanged += result.unchanged;
      report.batches.push({ from, to, result });
      opts.onBatch?.({ from, to, result });
      batch = [];
      return true;
    } catch (err) {
      if (!(err instanceof IngestRefused)) throw err;
      report.refused = { from, to };
      report.errors = err.errors.length > 0 ? err.errors : [{ line: from, reason: err.message }];
      report.more = err.more;
      return false;
    }
  };
  for await (const { line, text } of fileLines(file)) {
    const p = parseIngestLine(text);
    // Checked in the first pass; the file changing under the import is a fault, not a skip.
    if (!p.ok) throw new Error(`${file}:${line} changed during the import: ${p.reason}`);
    batch.push({ line, op: p.op });
    if (batch.length >= batchSize && !(await flush())) return report;
  }
  await flush();
  return report;
}
