// The core's validator for feed lines: the protocol's zod schemas (shared/protocol.ts), compiled
// to JSON Schema and then by ajv into plain functions, about five times faster per record than
// interpreting the zod schemas; a snapshot of a million leads is validated line by line.
import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { z } from 'zod';
import { entitySchemas, feedLineSchema, FeedLineError, heldLine, type EntityName, type FeedLine, type ParsedLine, type PutLine } from '../../shared/protocol.js';

function compile(ajv: Ajv2020, schema: z.ZodType): ValidateFunction {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  delete json['$schema'];
  return ajv.compile(json);
}

function describe(errors: ErrorObject[] | null | undefined): string {
  const e = errors?.[0];
  if (!e) return 'invalid';
  const path = e.instancePath ? e.instancePath.slice(1).replace(/\//g, '.') : '(root)';
  if (e.keyword === 'required') return `${path === '(root)' ? '' : path + '.'}${(e.params as { missingProperty: string }).missingProperty}: required`;
  const extra = e.keyword === 'enum' ? ` (${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')})` : '';
  return `${path}: ${e.message ?? 'invalid'}${extra}`;
}

/**
 * Structural faults throw {@link FeedLineError} (the page is rejected whole); a put whose record
 * fails its entity's schema comes back held (shared/protocol.ts `parseFeedLine` is the rule).
 */
export type FeedParser = (text: string, lineNo: number) => ParsedLine;

export function createFeedParser(): FeedParser {
  const ajv = new Ajv2020({ allErrors: false, strict: false });
  const line = compile(ajv, feedLineSchema);
  const entity = Object.fromEntries(Object.entries(entitySchemas).map(([e, s]) => [e, compile(ajv, s)])) as Record<EntityName, ValidateFunction>;
  return (text, lineNo) => {
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      throw new FeedLineError(`line ${lineNo}: not JSON: ${JSON.stringify(text.slice(0, 80))}`, lineNo);
    }
    if (!line(raw)) throw new FeedLineError(`line ${lineNo}: ${describe(line.errors)}`, lineNo);
    const l = raw as FeedLine;
    if (l.t === 'put') {
      const check = entity[l.e];
      if (!check(l.d)) return heldLine(l, describe(check.errors), text);
      if (l.d['id'] !== l.id) return heldLine(l as PutLine, `d.id ${String(l.d['id'])} differs from id ${l.id}`, text);
    }
    return l;
  };
}
