// The OpenAPI document of the central protocol, built from the same zod schemas the centre and
// the core use, with the paths and responses written out here. `npm run openapi` writes
// central/openapi.json; a test checks the committed file is current and that the running
// reference server answers every documented path and status as the document says.
import { z } from 'zod';
import { auditViewSchema, entitySchemas, healthSchema, heartbeatSchema, mutationRequestSchema, PROTOCOL_VERSION, resetBodySchema, resetReasons, type EntityName } from '../shared/protocol.js';
import { MAX_FIGURE_WINDOWS } from './figures.js';
import { MAX_INGEST_BODY, MAX_INGEST_ERRORS, MAX_INGEST_LINES } from './ingest.js';
import { MAX_HEARTBEAT_BODY, MAX_MUTATION_BODY } from './server.js';

type Json = Record<string, unknown>;

const json = (schema: z.ZodType): Json => {
  const out = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Json;
  delete out['$schema'];
  return out;
};
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const entityTitle: Record<EntityName, string> = { unit: 'Unit', lead: 'Lead', event: 'Event', stop_payment: 'StopPayment', note: 'Note', policy: 'Policy' };
const stats = { type: 'object', propertyNames: { enum: Object.keys(entitySchemas) }, additionalProperties: { type: 'integer', minimum: 0 } };

export function buildOpenApi(): Json {
  const schemas: Record<string, Json> = {};
  const commitTs = { type: 'integer', minimum: 0, description: "the centre's commit time of this change (ms): when it became true at the centre" };
  for (const [e, schema] of Object.entries(entitySchemas) as [EntityName, z.ZodType][]) schemas[entityTitle[e]] = json(schema);
  schemas['Policy'] = {
    ...schemas['Policy'],
    description:
      'The countdown policy (kpis.md): deadlineMs[riskLevel] = feedbackDueAt − issuedAt; tiers[n − 1] = reminder tier n, fired when leftMs remain to feedbackDueAt without feedback (leftMs decreasing). ' +
      'It governs its unit and every unit under it, so a display scoped below that unit receives it (the nearest one applies) and it counts in that scope\'s checkpoint counts and sums. ' +
      'Optional: a centre may send none; a display then uses the documented defaults (6 h for every level; 3 h, 2 h, 1 h) and says so in its health.',
  };
  for (const e of Object.keys(entitySchemas) as EntityName[]) {
    schemas[`Put${entityTitle[e]}`] = {
      type: 'object',
      required: ['t', 'e', 'id', 'v', 'seq', 'ts', 'd'],
      additionalProperties: false,
      properties: { t: { const: 'put' }, e: { const: e }, id: { type: 'string' }, v: { type: 'integer', minimum: 1 }, seq: { type: 'integer', minimum: 1 }, ts: commitTs, d: ref(entityTitle[e]) },
    };
  }
  schemas['Del'] = {
    type: 'object',
    required: ['t', 'e', 'id', 'seq', 'ts'],
    additionalProperties: false,
    properties: { t: { const: 'del' }, e: { enum: Object.keys(entitySchemas) }, id: { type: 'string' }, seq: { type: 'integer', minimum: 1 }, ts: commitTs },
  };
  schemas['Checkpoint'] = {
    type: 'object',
    required: ['t', 'seq', 'epoch', 'serverTime', 'more', 'counts', 'sums'],
    additionalProperties: false,
    description: 'Ends every page. counts[e]: live records of e in scope; sums[e]: Σ crc32(id + ":" + v) mod 2^32 over them, at seq.',
    properties: { t: { const: 'checkpoint' }, seq: { type: 'integer', minimum: 0 }, epoch: { type: 'string' }, serverTime: { type: 'integer' }, more: { type: 'boolean' }, counts: stats, sums: stats },
  };
  schemas['Heartbeat'] = {
    type: 'object',
    required: ['t', 'seq', 'serverTime'],
    additionalProperties: false,
    properties: { t: { const: 'heartbeat' }, seq: { type: 'integer', minimum: 0 }, serverTime: { type: 'integer' } },
  };
  schemas['FeedLine'] = {
    description: 'One line of the application/x-ndjson change feed.',
    oneOf: [...Object.values(entityTitle).map((t) => ref(`Put${t}`)), ref('Del'), ref('Checkpoint'), ref('Heartbeat')],
  };
  const ratio = { type: 'object', required: ['num', 'den', 'value'], properties: { num: { type: 'integer' }, den: { type: 'integer' }, value: { type: ['number', 'null'] } } };
  schemas['BranchFigures'] = {
    type: 'object',
    required: ['serverTime', 'asOf', 'units', 'windows'],
    additionalProperties: false,
    properties: {
      serverTime: { type: 'integer' },
      asOf: { type: 'integer' },
      units: { type: 'array', items: { type: 'object', required: ['id', 'code', 'name', 'nameEn'], additionalProperties: false, properties: { id: { type: 'string' }, code: { type: 'string' }, name: { type: 'string' }, nameEn: { type: ['string', 'null'] } } } },
      windows: {
        type: 'array',
        items: {
          type: 'object',
          required: ['start', 'end', 'figures'],
          additionalProperties: false,
          properties: {
            start: { type: 'integer' },
            end: { type: 'integer' },
            figures: {
              type: 'object',
              description: 'branch id → its indicators over the window (kpis.md)',
              additionalProperties: {
                type: 'object',
                required: ['leads', 'faceToFace', 'victimisation', 'overdue', 'peopleDefrauded', 'amountDefrauded', 'timeToMeet', 'stopPayment30', 'amountKept'],
                properties: {
                  leads: { type: 'integer' },
                  faceToFace: ratio,
                  victimisation: ratio,
                  overdue: ratio,
                  peopleDefrauded: { type: 'integer' },
                  amountDefrauded: { type: 'integer' },
                  timeToMeet: { type: 'object', required: ['n', 'meanMs', 'medianMs', 'p90Ms'], properties: { n: { type: 'integer' }, meanMs: { type: ['number', 'null'] }, medianMs: { type: ['number', 'null'] }, p90Ms: { type: ['number', 'null'] } } },
                  stopPayment30: ratio,
                  amountKept: { type: 'integer' },
                },
              },
            },
          },
        },
      },
    },
  };
  schemas['Health'] = json(healthSchema);
  schemas['Reset'] = json(resetBodySchema);
  schemas['MutationRequest'] = json(mutationRequestSchema);
  schemas['AuditViews'] = {
    type: 'object',
    required: ['views', 'serverTime'],
    properties: {
      views: { type: 'array', items: json(auditViewSchema.extend({ clientId: z.string(), scope: z.string(), receivedAt: z.number().int() })) },
      serverTime: { type: 'integer' },
    },
  };
  schemas['MutationResult'] = { type: 'object', required: ['lastMutationId', 'serverTime'], additionalProperties: false, properties: { lastMutationId: { type: 'integer', minimum: 0 }, serverTime: { type: 'integer' } } };
  schemas['Heartbeat'] = json(heartbeatSchema);
  schemas['Ack'] = { type: 'object', required: ['ok', 'serverTime'], additionalProperties: false, properties: { ok: { const: true }, serverTime: { type: 'integer' } } };
  schemas['Displays'] = {
    type: 'object',
    required: ['displays', 'serverTime'],
    additionalProperties: false,
    properties: {
      serverTime: { type: 'integer' },
      displays: {
        type: 'array',
        description: 'each item is the display\'s last Heartbeat, plus where and when it was received',
        items: { type: 'object', required: ['clientId', 'state', 'seqLag', 'dataAgeMs', 'scope', 'receivedAt', 'silentForMs'], properties: { clientId: { type: 'string' }, state: { type: 'string' }, seqLag: { type: 'integer' }, dataAgeMs: { type: ['integer', 'null'] }, scope: { type: 'string' }, receivedAt: { type: 'integer' }, silentForMs: { type: 'integer' } } },
      },
    },
  };
  schemas['Error'] = { type: 'object', required: ['error', 'serverTime'], additionalProperties: false, properties: { error: { type: 'string' }, serverTime: { type: 'integer' } } };
  for (const e of Object.keys(entitySchemas) as EntityName[]) {
    schemas[`IngestPut${entityTitle[e]}`] = {
      type: 'object',
      required: ['t', 'e', 'id', 'd'],
      additionalProperties: false,
      properties: { t: { const: 'put' }, e: { const: e }, id: { type: 'string', description: 'equals d.id' }, d: { ...ref(entityTitle[e]), description: `the whole record; a field ${entityTitle[e]} does not define is refused, not dropped` } },
    };
  }
  schemas['IngestDel'] = { type: 'object', required: ['t', 'e', 'id'], additionalProperties: false, properties: { t: { const: 'del' }, e: { enum: Object.keys(entitySchemas) }, id: { type: 'string' } } };
  schemas['IngestLine'] = {
    description:
      'One line of an ingest batch (the fixture format): a put of the whole record, or a del. A note may not carry clientId or mutationId (they name the display mutation that wrote it).',
    oneOf: [...Object.values(entityTitle).map((t) => ref(`IngestPut${t}`)), ref('IngestDel')],
  };
  schemas['IngestResult'] = {
    type: 'object',
    required: ['applied', 'unchanged', 'firstSeq', 'lastSeq', 'serverTime'],
    additionalProperties: false,
    properties: {
      applied: { type: 'integer', minimum: 0, description: 'lines written: each a new version (or deletion) in the feed' },
      unchanged: { type: 'integer', minimum: 0, description: 'lines that changed nothing: a put identical to the live record (fields in any order), a del of a record already gone' },
      firstSeq: { type: ['integer', 'null'], description: 'the feed positions the batch took (one transaction; a lead moved to another unit also re-sends its events and stop-payments); null when nothing was applied' },
      lastSeq: { type: ['integer', 'null'] },
      serverTime: { type: 'integer' },
    },
  };
  schemas['IngestRefusal'] = {
    type: 'object',
    required: ['error', 'errors', 'serverTime'],
    additionalProperties: false,
    description: `The batch was refused whole: nothing of it was applied. errors names the refused lines (1-based line numbers of the body), at most ${MAX_INGEST_ERRORS}; more counts the rest.`,
    properties: {
      error: { type: 'string' },
      errors: { type: 'array', maxItems: MAX_INGEST_ERRORS, items: { type: 'object', required: ['line', 'reason'], additionalProperties: false, properties: { line: { type: 'integer', minimum: 1 }, id: { type: 'string' }, reason: { type: 'string' } } } },
      more: { type: 'integer', minimum: 1 },
      serverTime: { type: 'integer' },
    },
  };
  schemas['IngestForbidden'] = { oneOf: [ref('Error'), ref('IngestRefusal')] };

  const errorResponse = (description: string, headers?: Json) => ({ description, ...(headers ? { headers } : {}), content: { 'application/json': { schema: ref('Error') } } });
  const retryAfter = { 'Retry-After': { description: 'seconds to wait', schema: { type: 'integer' } } };
  const serverTime = { 'X-Server-Time': { description: "the centre's clock, ms since the epoch", schema: { type: 'integer' } } };
  const auth = [{ bearer: [] }];

  return {
    openapi: '3.1.0',
    info: {
      title: 'Guardpost central sync protocol',
      version: String(PROTOCOL_VERSION),
      description:
        'The contract between a wall display and any central early-warning system: one ordered change feed per scope (seq in commit order, epoch as generation), mutations applied exactly once, health. Times are ms since the Unix epoch (UTC); money is integer fen. See shared/design/central-protocol.md.',
    },
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description:
            'A token bound to a scope (a unit and its subtree) and a role: display (changes, mutations, heartbeat), ingest (POST /v1/ingest, mutations), admin (changes, mutations, heartbeat, GET /v1/displays; not ingest). Issued and revoked with `central token issue|list|revoke`; a revoked token is refused from its next request and its live streams end. Every authenticated endpoint is rate-limited per token; requests without a valid token per address.',
        },
      },
      schemas,
    },
    paths: {
      '/v1/changes': {
        get: {
          summary: 'The change feed: snapshot (since=0), catch-up, and live (live=1)',
          security: auth,
          parameters: [
            { name: 'since', in: 'query', schema: { type: 'integer', minimum: 0, default: 0 }, description: 'last applied seq; 0 for a snapshot' },
            { name: 'epoch', in: 'query', schema: { type: 'string' }, description: 'the epoch of since; required when since > 0' },
            { name: 'scope', in: 'query', schema: { type: 'string' }, description: "a unit id inside the token's scope (default: the token's scope)" },
            { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 50000, default: 5000 }, description: 'lines a page (pages never split a transaction)' },
            { name: 'live', in: 'query', schema: { type: 'integer', enum: [0, 1], default: 0 }, description: '1: keep the response open, stream new transactions, heartbeat every 15 s' },
            { name: 'schema', in: 'query', schema: { type: 'integer' }, description: 'the record schema version the client holds' },
            {
              name: 'asOf',
              in: 'query',
              schema: { type: 'integer', minimum: 0 },
              description:
                "with since=0 and live=0: the scope's state as it stood at the centre at this time (ms), for a review frozen at its cut-off: each record's latest version committed by then that was not deleted or moved out of scope by then; the checkpoint's counts and sums describe that state. The reference centre keeps 40 days of history (--keep-history-days). A centre without history answers 400 {\"error\":\"asOf not supported\"}; a time before the history kept, or after the centre's clock, also gets 400 naming it",
            },
            { name: 'entity', in: 'query', schema: { enum: Object.keys(entitySchemas) }, description: 'optional narrowing, with since=0 and live=0: only this entity (a client re-fetches one entity after a checksum mismatch); checkpoints still describe every entity. A centre may ignore it and send every entity: the client filters the lines by entity itself' },
          ],
          responses: {
            '200': { description: 'NDJSON lines; every page ends with a checkpoint (gzip when asked)', headers: serverTime, content: { 'application/x-ndjson': { schema: ref('FeedLine') } } },
            '400': errorResponse('bad parameters; {"error":"asOf not supported"} from a centre that keeps no history'),
            '401': errorResponse('no, unknown or revoked token: final until configuration changes'),
            '403': errorResponse("scope outside the token's scope, or a role that may not read the feed (ingest): final until configuration changes"),
            '409': { description: `the position cannot be served: ${resetReasons.join(', ')}; re-sync from since=0`, content: { 'application/json': { schema: ref('Reset') } } },
            '429': errorResponse('too many requests for this token', retryAfter),
            '503': errorResponse('overloaded', retryAfter),
          },
        },
      },
      '/v1/mutations': {
        post: {
          summary: 'Apply mutations exactly once per client and mutation id; results come back through the feed',
          security: auth,
          requestBody: { required: true, content: { 'application/json': { schema: ref('MutationRequest') } } },
          responses: {
            '200': { description: 'the last applied mutation id of this client', headers: serverTime, content: { 'application/json': { schema: ref('MutationResult') } } },
            '400': errorResponse('malformed request or a mutation that cannot apply; nothing was applied'),
            '401': errorResponse('no, unknown or revoked token'),
            '403': errorResponse("a note whose lead or unit is outside the token's scope, or unknown (answered alike, so no scope can be probed); nothing was applied"),
            '413': errorResponse(`body larger than ${MAX_MUTATION_BODY} bytes; the connection is closed`),
            '429': errorResponse('too many requests for this token', retryAfter),
          },
        },
      },
      '/v1/ingest': {
        post: {
          summary: "Records from the bureau's own systems: a batch of put/del lines, checked whole and written in one transaction, idempotent",
          description:
            `Only an ingest token, and only records within its scope (a record's scope is its unit's, or its lead's). The batch is checked whole before anything is written: every line against its entity's schema (strictly), every reference (a lead's unitId, a unit's parentId, an event's or stop-payment's leadId) against the store and the batch, and the token's scope for the record as it is and as it would be. It is then written in one transaction, parents first (units outer before inner, then leads and policies, then events, stop-payments and notes; lines about one record keep their order), so the feed carries it as one transaction. ` +
            'Idempotent by content: a put identical to the live record and a del of a record already gone change nothing, so a batch retried after a timeout creates no new version and no new seq (the answer counts them as unchanged). ' +
            `At most ${MAX_INGEST_BODY} bytes and ${MAX_INGEST_LINES} lines; a larger export is sent in parts (each part whole) or loaded with \`central import FILE\`.`,
          security: auth,
          requestBody: { required: true, content: { 'application/x-ndjson': { schema: ref('IngestLine') } } },
          responses: {
            '200': { description: 'the batch was checked and written (or changed nothing)', headers: serverTime, content: { 'application/json': { schema: ref('IngestResult') } } },
            '401': errorResponse('no, unknown or revoked token'),
            '403': { description: "a role other than ingest ({error}), or lines whose record is or would be outside the token's scope (IngestRefusal, naming them); nothing was applied", content: { 'application/json': { schema: ref('IngestForbidden') } } },
            '413': errorResponse(`body larger than ${MAX_INGEST_BODY} bytes (the connection is closed), or more than ${MAX_INGEST_LINES} lines; nothing was applied`),
            '415': errorResponse('Content-Type is not application/x-ndjson'),
            '422': { description: 'bad lines: not JSON, not a put/del line, a record its schema refuses, a reference that exists neither in the store nor in the batch; every bad line named, nothing applied', content: { 'application/json': { schema: ref('IngestRefusal') } } },
            '429': errorResponse('too many requests for this token', retryAfter),
          },
        },
      },
      '/v1/displays/heartbeat': {
        post: {
          summary: "A display reports its health (version, state, seq lag, data age, memory, last error); the centre keeps the latest per display",
          security: auth,
          requestBody: { required: true, content: { 'application/json': { schema: ref('Heartbeat') } } },
          responses: {
            '200': { description: 'recorded', headers: serverTime, content: { 'application/json': { schema: ref('Ack') } } },
            '400': errorResponse('malformed heartbeat'),
            '401': errorResponse('no, unknown or revoked token'),
            '403': errorResponse('a role that does not report heartbeats (ingest)'),
            '413': errorResponse(`body larger than ${MAX_HEARTBEAT_BODY} bytes; the connection is closed`),
            '429': errorResponse('too many requests for this token', retryAfter),
          },
        },
      },
      '/v1/displays': {
        get: {
          summary: "The latest heartbeat of every display in the token's scope, with how long each has been silent",
          security: auth,
          responses: {
            '200': { description: 'the displays', headers: serverTime, content: { 'application/json': { schema: ref('Displays') } } },
            '401': errorResponse('no, unknown or revoked token'),
            '403': errorResponse('only an admin token sees the displays'),
            '429': errorResponse('too many requests for this token', retryAfter),
          },
        },
      },
      '/v1/audit': {
        get: {
          summary: "The unmasked views of leads that displays in the token's scope reported (audit.view mutations), newest first",
          security: auth,
          responses: {
            '200': { description: 'the views', headers: serverTime, content: { 'application/json': { schema: ref('AuditViews') } } },
            '401': errorResponse('no or unknown token'),
          },
        },
      },
      '/v1/figures': {
        get: {
          summary:
            "City-level figures for a display scoped below the city: every branch of the token's city with its indicators (shared/kpi.ts) over each window asked, as of T, so a branch display ranks its branch among all branches. Aggregates only: no lead, person or phone leaves its scope.",
          security: auth,
          parameters: [
            { name: 'windows', in: 'query', required: true, description: `start-end pairs (ms), comma-separated, at most ${MAX_FIGURE_WINDOWS}`, schema: { type: 'string', pattern: '^\\d+-\\d+(,\\d+-\\d+)*$' } },
            { name: 'asOf', in: 'query', required: false, description: "the figures as of this time (ms; default the centre's now, never after it)", schema: { type: 'integer', minimum: 0 } },
          ],
          responses: {
            '200': { description: 'the branches and their figures per window', headers: serverTime, content: { 'application/json': { schema: ref('BranchFigures') } } },
            '400': errorResponse('windows missing or malformed, too many, or asOf after the centre’s time'),
            '401': errorResponse('no, unknown or revoked token'),
          },
        },
      },
      '/v1/health': {
        get: {
          summary: "The centre's epoch, head seq, clock and protocol version",
          responses: { '200': { description: 'healthy', headers: serverTime, content: { 'application/json': { schema: ref('Health') } } } },
        },
      },
    },
  };
}

export function openApiText(): string {
  return JSON.stringify(buildOpenApi(), null, 2) + '\n';
}
