// The structured case review (复盘) of a post-warning victimisation case: one home for its body
// format, its codes and the weekly pattern table built from it. A review travels as a note of
// kind `review` whose body is a versioned JSON document; older displays and other systems wrote
// plain text, which is shown as text and never dropped. Codes are drawn from the seed article's
// reviews ("人员结构、职业特征、心理状态", what the warning missed and what failed).
import { z } from 'zod';
import type { FraudType } from './domain.js';
import { ageBand } from './privacy.js';
import type { Note } from './protocol.js';
import { VOCABULARY, type VocabularyKey } from './vocabulary.js';

export const CASE_REVIEW_VERSION = 1;

export const occupations = ['student', 'employee', 'self_employed', 'unemployed', 'retired', 'delivery_rider', 'teacher', 'factory_worker', 'freelancer', 'finance_staff', 'civil_servant', 'other'] as const;
export type Occupation = (typeof occupations)[number];

/** What the warning work missed; `none` says so explicitly and stands alone. */
export const missedCodes = ['late_call', 'no_visit', 'underrated', 'repeat_ignored', 'family_not_told', 'none'] as const;
export type MissedCode = (typeof missedCodes)[number];

/** What failed once the person had been warned (the seed: denial, the scammer's coaching against the police, …). */
export const failedCodes = ['persuasion', 'denial', 'coached', 'stop_payment', 'follow_up', 'contact', 'new_channel', 'other'] as const;
export type FailedCode = (typeof failedCodes)[number];

/** The person's state of mind, when the review names one (the seed: "心理状态"). */
export const psychologyCodes = ['overconfident', 'emotional_dependence', 'fear', 'greed', 'brainwashed'] as const;
export type PsychologyCode = (typeof psychologyCodes)[number];

/** The longest free text a review holds: its JSON body then stays within a note's 20,000 characters. */
export const REVIEW_TEXT_MAX = 3000;

/** Every age band the one rule (privacy.ts ageBand) gives for the ages a lead may carry (0..130). */
export const AGE_BANDS: readonly string[] = Array.from({ length: 14 }, (_, i) => ageBand(i * 10));

/** A lead's age as the review's band; null when the centre sent no age. */
export function reviewAgeBand(age: number | null | undefined): string | null {
  return typeof age === 'number' && Number.isInteger(age) && age >= 0 ? ageBand(age) : null;
}

const codeList = <T extends readonly [string, ...string[]]>(codes: T) =>
  z
    .array(z.enum(codes))
    .min(1, 'empty')
    .max(codes.length)
    .refine((xs) => new Set(xs).size === xs.length, 'repeated');

/** A review's fields (version 1). Unknown fields are refused: a newer format comes with a new `v`. */
export const caseReviewSchema = z
  .object({
    occupation: z.enum(occupations).nullable(),
    ageBand: z
      .string()
      .refine((b) => AGE_BANDS.includes(b), 'not an age band')
      .nullable(),
    missed: codeList(missedCodes).refine((xs) => !xs.includes('none') || xs.length === 1, 'none stands alone'),
    failed: codeList(failedCodes),
    psychology: z.enum(psychologyCodes).optional(),
    text: z.string().max(REVIEW_TEXT_MAX),
  })
  .strict();
export type CaseReview = z.infer<typeof caseReviewSchema>;

export type CaseReviewField = keyof CaseReview;
/** What is wrong with a review, field by field (the form says it in the screen's language). */
export type CaseReviewProblem = { field: CaseReviewField | 'v' | 'body'; message: string };

/** A review body as read: structured, plain text (shown as text), or a versioned body that is broken. */
export type ReviewBody =
  | { kind: 'structured'; review: CaseReview }
  | { kind: 'text'; text: string }
  | { kind: 'invalid'; text: string; problems: CaseReviewProblem[] };

function problemsOf(error: z.ZodError): CaseReviewProblem[] {
  return error.issues.map((i) => {
    const field = i.path[0];
    return { field: typeof field === 'string' && field in caseReviewSchema.shape ? (field as CaseReviewField) : 'body', message: `${i.path.join('.') || '(body)'}: ${i.message}` };
  });
}

/** Checks a review's fields; an empty list means it may be sent. */
export function checkCaseReview(input: unknown): CaseReviewProblem[] {
  const r = caseReviewSchema.safeParse(input);
  return r.success ? [] : problemsOf(r.error);
}

/** The body of a review note: the version first, then the fields in one order. Throws on a bad review. */
export function encodeCaseReview(review: CaseReview): string {
  const r = caseReviewSchema.parse(review);
  return JSON.stringify({ v: CASE_REVIEW_VERSION, occupation: r.occupation, ageBand: r.ageBand, missed: r.missed, failed: r.failed, ...(r.psychology ? { psychology: r.psychology } : {}), text: r.text });
}

/**
 * Reads a review note's body. A JSON object with a `v` is a versioned review: version 1 must be
 * whole, any other version is not readable here (both shown as their text, with why). Anything
 * else — plain text, JSON without `v` — is a review written as text.
 */
export function parseReviewBody(body: string): ReviewBody {
  const trimmed = body.trim();
  if (!trimmed.startsWith('{')) return { kind: 'text', text: body };
  let doc: unknown;
  try {
    doc = JSON.parse(trimmed);
  } catch {
    return { kind: 'text', text: body };
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc) || !Object.hasOwn(doc, 'v')) return { kind: 'text', text: body };
  const { v, ...fields } = doc as Record<string, unknown>;
  if (v !== CASE_REVIEW_VERSION) return { kind: 'invalid', text: body, problems: [{ field: 'v', message: `v: version ${JSON.stringify(v)} is not readable here (this display reads ${CASE_REVIEW_VERSION})` }] };
  const r = caseReviewSchema.safeParse(fields);
  return r.success ? { kind: 'structured', review: r.data } : { kind: 'invalid', text: body, problems: problemsOf(r.error) };
}

/** True when a body claims to be a versioned review (a JSON object with `v`), whole or not. */
export function isVersionedReview(body: string): boolean {
  return parseReviewBody(body).kind !== 'text';
}

/** The latest review note of each lead (by creation time, then id), from notes of any kind. */
export function latestReviews<N extends Note>(notes: readonly N[]): Map<string, N> {
  const out = new Map<string, N>();
  for (const n of notes) {
    if (n.kind !== 'review' || n.leadId === undefined) continue;
    const had = out.get(n.leadId);
    if (!had || n.createdAt > had.createdAt || (n.createdAt === had.createdAt && n.id > had.id)) out.set(n.leadId, n);
  }
  return out;
}

/**
 * The occupation code a lead's free-text occupation names, by the vocabulary's own words in
 * either language (one home for the names); null when it names none of them, so the reviewer
 * chooses rather than the display guessing.
 */
export function occupationFromText(text: string | null | undefined): Occupation | null {
  const t = text?.trim().toLowerCase();
  if (!t) return null;
  for (const o of occupations) {
    const key = `occupation.${o}` as const;
    const zh = VOCABULARY.zh[key];
    if (t === zh || t === VOCABULARY.en[key].toLowerCase() || (o === 'retired' && t === '退休')) return o;
  }
  return null;
}

export const patternDimensions = ['fraudType', 'ageBand', 'occupation', 'missed', 'failed'] as const;
export type PatternDimension = (typeof patternDimensions)[number];
/** Values that are not codes: a case without a review, one reviewed in text only, a field left unknown. */
export const NOT_REVIEWED = 'not_reviewed';
export const UNSTRUCTURED = 'unstructured';
export const UNKNOWN = 'unknown';

export type PatternRow = { dimension: PatternDimension; value: string; cases: number; lossAmount: number };
/**
 * The week's cases grouped for the meeting, each dimension's codes first (most cases, then most
 * money lost), then `unknown`, `unstructured` and `not_reviewed`. Each case counts once in fraud type, age band and
 * occupation; in `missed` and `failed` once under each code its review names (so those rows may
 * add up to more than `cases`). A case with no review counts as `not_reviewed`, one reviewed in
 * text only (or with a body this display cannot read) as `unstructured`: none is left out.
 */
export type CasePatterns = { cases: number; lossAmount: number; reviewed: number; unstructured: number; notReviewed: number; rows: PatternRow[] };

export type PatternCase = { id: string; fraudType: FraudType; lossAmount: number };

export function casePatterns(cases: readonly PatternCase[], reviews: ReadonlyMap<string, Note>): CasePatterns {
  const acc = new Map<string, PatternRow>();
  const add = (dimension: PatternDimension, value: string, loss: number) => {
    const key = `${dimension}\u0000${value}`;
    const row = acc.get(key) ?? { dimension, value, cases: 0, lossAmount: 0 };
    row.cases += 1;
    row.lossAmount += loss;
    acc.set(key, row);
  };
  let reviewed = 0;
  let unstructured = 0;
  let notReviewed = 0;
  let lossAmount = 0;
  for (const c of cases) {
    lossAmount += c.lossAmount;
    add('fraudType', c.fraudType, c.lossAmount);
    const note = reviews.get(c.id);
    const body = note ? parseReviewBody(note.body) : null;
    if (body?.kind === 'structured') {
      reviewed++;
      const r = body.review;
      add('ageBand', r.ageBand ?? UNKNOWN, c.lossAmount);
      add('occupation', r.occupation ?? UNKNOWN, c.lossAmount);
      for (const m of r.missed) add('missed', m, c.lossAmount);
      for (const f of r.failed) add('failed', f, c.lossAmount);
    } else {
      const value = body === null ? NOT_REVIEWED : UNSTRUCTURED;
      if (body === null) notReviewed++;
      else unstructured++;
      for (const d of ['ageBand', 'occupation', 'missed', 'failed'] as const) add(d, value, c.lossAmount);
    }
  }
  const order = (d: PatternDimension) => patternDimensions.indexOf(d);
  // Within a dimension the patterns first (most cases, then most money), then what is not known.
  const rest = (v: string) => [UNKNOWN, UNSTRUCTURED, NOT_REVIEWED].indexOf(v);
  const rows = [...acc.values()].sort(
    (a, b) => order(a.dimension) - order(b.dimension) || rest(a.value) - rest(b.value) || b.cases - a.cases || b.lossAmount - a.lossAmount || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0),
  );
  return { cases: cases.length, lossAmount, reviewed, unstructured, notReviewed, rows };
}

/** The vocabulary key naming a pattern row's value, or null for an age band (written as it is). */
export function patternValueKey(dimension: PatternDimension, value: string): VocabularyKey | null {
  if (value === NOT_REVIEWED) return 'notReviewed';
  if (value === UNSTRUCTURED) return 'reviewUnstructured';
  if (value === UNKNOWN) return 'unknown';
  if (dimension === 'ageBand') return null;
  const prefix = dimension === 'fraudType' ? 'fraud' : dimension;
  return `${prefix}.${value}` as VocabularyKey;
}

/** The vocabulary key of a review problem, for the form (its message stays in the log). */
export function problemKey(p: CaseReviewProblem): VocabularyKey {
  return `reviewErr.${p.field}` as VocabularyKey;
}
