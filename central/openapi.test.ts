// The OpenAPI document is kept true two ways: the committed file equals what the schemas
// generate, and the running reference server answers every documented path and status with a
// body the document's schema accepts (every feed line, every record).
import Ajv2020 from 'ajv/dist/2020.js';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { centreForTest, FIXED_NOW } from '../tests/support/harness.js';
import { makeLead } from '../tests/support/records.js';
import type { Centre } from './centre.js';
import { MAX_INGEST_BODY } from './ingest.js';
import { openApiText } from './openapi.js';
import { MAX_HEARTBEAT_BODY, MAX_MUTATION_BODY } from './server.js';

type Doc = { paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: { $ref: string } }> }> }>>; components: { schemas: Record<string, unknown> } };
const doc = JSON.parse(readFileSync('central/openapi.json', 'utf8')) as Doc;
const ajv = new Ajv2020({ strict: false, allErrors: true });
ajv.addSchema({ $id: 'doc', components: doc.components });
const validator = (name: string) => ajv.getSchema(`doc#/components/schemas/${name}`)!;

function check(name: string, body: unknown): void {
  const v = validator(name);
  if (!v(body)) throw new Error(`${name}: ${ajv.errorsText(v.errors)} in ${JSON.stringify(body).slice(0, 300)}`);
}

let centre: Centre;
let scoped: Centre;
beforeAll(async () => {
  centre = await centreForTest({ scopedTokens: { 'futian-token': 'SZ-FT' }, rateLimit: { perSecond: 1000, burst: 1000 } });
  scoped = await centreForTest({ rateLimit: { perSecond: 0.001, burst: 1 }, maxStreams: 0, historyDays: 0 });
});
afterAll(async () => {
  await centre.close();
  await scoped.close();
});

const auth = (token = 'test-token') => ({ Authorization: `Bearer ${token}` });

/** How to provoke each documented (method, path, status), against the real server. */
const provoke: Record<string, () => Promise<Response>> = {
  'get /v1/changes 200': () => fetch(`${centre.url}/v1/changes?since=0&limit=500`, { headers: auth() }),
  'get /v1/changes 400': () => fetch(`${centre.url}/v1/changes?since=-1`, { headers: auth() }),
  'get /v1/changes 401': () => fetch(`${centre.url}/v1/changes?since=0`),
  'get /v1/changes 403': () => fetch(`${centre.url}/v1/changes?since=0&scope=SZ-NS`, { headers: auth('futian-token') }),
  'get /v1/changes 409': () => fetch(`${centre.url}/v1/changes?since=1&epoch=not-this-one`, { headers: auth() }),
  'get /v1/changes 429': async () => {
    await fetch(`${scoped.url}/v1/health`);
    await fetch(`${scoped.url}/v1/changes?since=0`, { headers: auth() }).then((r) => r.text());
    return fetch(`${scoped.url}/v1/changes?since=0`, { headers: auth() });
  },
  'get /v1/changes 503': () => fetch(`${centre.url}/v1/changes?since=0`, { headers: auth() }).then(() => streamsFull()),
  'post /v1/mutations 200': () => post(centre, { clientId: 'wall-1', mutations: [{ id: 1, name: 'note.add', args: { id: 'N-1', unitId: 'SZ-FT', kind: 'meeting', body: '会议纪要', author: '值班长', createdAt: FIXED_NOW } }] }),
  'post /v1/mutations 400': () => post(centre, { clientId: 'wall-1', mutations: [{ id: 2, name: 'note.add', args: { id: 'N-2', kind: 'meeting' } }] }),
  'post /v1/mutations 401': () => fetch(`${centre.url}/v1/mutations`, { method: 'POST', body: '{}' }),
  'post /v1/mutations 403': () => post(centre, { clientId: 'wall-2', mutations: [{ id: 1, name: 'note.add', args: { id: 'N-9', unitId: 'SZ-NS', kind: 'meeting', body: '会议纪要', author: '值班长', createdAt: FIXED_NOW } }] }, 'futian-token'),
  'post /v1/mutations 413': () => oversized('/v1/mutations', MAX_MUTATION_BODY + 1),
  'post /v1/mutations 429': () => post(scoped, {}).then(() => post(scoped, {})),
  'post /v1/ingest 200': () => ingest(centre, [{ t: 'put', e: 'lead', id: 'L-ING-1', d: makeLead('L-ING-1', 'SZ-FT-S01-B1', FIXED_NOW) }]),
  'post /v1/ingest 401': () => fetch(`${centre.url}/v1/ingest`, { method: 'POST', headers: { 'Content-Type': 'application/x-ndjson' }, body: '' }),
  'post /v1/ingest 403': async () => ingest(centre, [{ t: 'put', e: 'lead', id: 'L-ING-NS', d: makeLead('L-ING-NS', 'SZ-NS', FIXED_NOW) }], await issued('ingest', 'SZ-FT')),
  'post /v1/ingest 413': async () => oversized('/v1/ingest', MAX_INGEST_BODY + 1, { token: await issued('ingest'), type: 'application/x-ndjson' }),
  'post /v1/ingest 415': async () => fetch(`${centre.url}/v1/ingest`, { method: 'POST', headers: { ...auth(await issued('ingest')), 'Content-Type': 'application/json' }, body: '{}' }),
  'post /v1/ingest 422': () => ingest(centre, [{ t: 'put', e: 'lead', id: 'L-ING-BAD', d: { id: 'L-ING-BAD' } }]),
  'post /v1/ingest 429': async () => {
    const token = (await scoped.tokens.issue({ name: 'oas-ingest-429', scope: 'SZ', role: 'ingest', now: FIXED_NOW })).secret;
    const send = () => fetch(`${scoped.url}/v1/ingest`, { method: 'POST', headers: { ...auth(token), 'Content-Type': 'application/x-ndjson' }, body: '' });
    return send().then(() => send());
  },
  'get /v1/health 200': () => fetch(`${centre.url}/v1/health`),
  'post /v1/displays/heartbeat 200': () => beat({ clientId: 'wall-9', name: '大屏', version: '0.1.0', state: 'live', seq: 10, seqLag: 0, dataAgeMs: 1200, memoryMB: 180.5, lastError: null }),
  'post /v1/displays/heartbeat 400': () => beat({ clientId: 'wall-9', state: 'live' }),
  'post /v1/displays/heartbeat 401': async () => fetch(`${centre.url}/v1/displays/heartbeat`, { method: 'POST', body: '{}' }),
  'post /v1/displays/heartbeat 403': async () => fetch(`${centre.url}/v1/displays/heartbeat`, { method: 'POST', headers: auth(await issued('ingest')), body: '{}' }),
  'post /v1/displays/heartbeat 413': () => oversized('/v1/displays/heartbeat', MAX_HEARTBEAT_BODY + 1),
  'post /v1/displays/heartbeat 429': () => fetch(`${scoped.url}/v1/displays/heartbeat`, { method: 'POST', headers: auth(), body: '{}' }).then(() => fetch(`${scoped.url}/v1/displays/heartbeat`, { method: 'POST', headers: auth(), body: '{}' })),
  'get /v1/displays 200': async () => {
    await beat({ clientId: 'wall-8', name: '大屏', version: '0.1.0', state: 'offline', seq: 1, seqLag: 3, dataAgeMs: null, memoryMB: 1, lastError: 'no data for 45 s' });
    return fetch(`${centre.url}/v1/displays`, { headers: auth() });
  },
  'get /v1/displays 401': async () => fetch(`${centre.url}/v1/displays`),
  'get /v1/displays 403': async () => fetch(`${centre.url}/v1/displays`, { headers: auth(await issued('display')) }),
  'get /v1/displays 429': () => fetch(`${scoped.url}/v1/displays`, { headers: auth() }).then(() => fetch(`${scoped.url}/v1/displays`, { headers: auth() })),
  'get /v1/audit 200': async () => {
    await fetch(`${centre.url}/v1/mutations`, {
      method: 'POST',
      headers: { ...auth(), 'Content-Type': 'application/json' },
      body: JSON.stringify({ clientId: 'wall-audit', mutations: [{ id: 1, name: 'audit.view', args: { leadId: 'L-1', keyName: 'desk', role: 'unmask', at: 1 } }] }),
    });
    return fetch(`${centre.url}/v1/audit`, { headers: auth() });
  },
  'get /v1/audit 401': () => fetch(`${centre.url}/v1/audit`),
  'get /v1/figures 200': async () => fetch(`${centre.url}/v1/figures?windows=${FIXED_NOW - 86_400_000}-${FIXED_NOW},${FIXED_NOW - 2 * 86_400_000}-${FIXED_NOW - 86_400_000}`, { headers: auth(await issued('display')) }),
  'get /v1/figures 400': async () => fetch(`${centre.url}/v1/figures?windows=5-1`, { headers: auth() }),
  'get /v1/figures 401': async () => fetch(`${centre.url}/v1/figures?windows=0-1`),
};

// A centre that takes no streams at all answers 503 to every feed request.
async function streamsFull(): Promise<Response> {
  const noStreams = await centreForTest({ maxStreams: 0, historyDays: 0 });
  const res = await fetch(`${noStreams.url}/v1/changes?since=0`, { headers: auth() });
  const body = await res.text();
  await noStreams.close();
  return new Response(body, { status: res.status, headers: res.headers });
}

function beat(body: unknown): Promise<Response> {
  return fetch(`${centre.url}/v1/displays/heartbeat`, { method: 'POST', headers: { ...auth(), 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
}

function post(c: Centre, body: unknown, token?: string): Promise<Response> {
  return fetch(`${c.url}/v1/mutations`, { method: 'POST', headers: { ...auth(token), 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
}

/** A token of a role, issued in the centre's store. */
async function issued(role: 'display' | 'ingest', scope = 'SZ'): Promise<string> {
  return (await centre.tokens.issue({ name: `oas-${role}-${Math.random().toString(36).slice(2)}`, scope, role, now: FIXED_NOW })).secret;
}

async function ingest(c: Centre, lines: unknown[], token?: string): Promise<Response> {
  return fetch(`${c.url}/v1/ingest`, { method: 'POST', headers: { ...auth(token ?? (await issued('ingest'))), 'Content-Type': 'application/x-ndjson' }, body: lines.map((l) => JSON.stringify(l)).join('\n') });
}

/** A body over the limit, declared up front; sent with http so the early answer is read, not a reset. */
function oversized(path: string, bytes: number, as: { token?: string; type?: string } = {}): Promise<Response> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${centre.url}${path}`, { method: 'POST', headers: { ...auth(as.token), 'Content-Type': as.type ?? 'application/json', 'Content-Length': String(bytes) } }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve(new Response(text, { status: res.statusCode!, headers: res.headers as Record<string, string> })));
    });
    req.on('error', (err) => (/EPIPE|ECONNRESET/.test(String(err)) ? undefined : reject(err)));
    req.end(Buffer.alloc(bytes, 0x20));
  });
}

describe('central/openapi.json', () => {
  it('is what the protocol schemas generate (run npm run openapi after changing them)', () => {
    expect(readFileSync('central/openapi.json', 'utf8')).toBe(openApiText());
  });

  const documented = Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).flatMap(([method, op]) => Object.keys(op.responses).map((status) => `${method} ${path} ${status}`)),
  );

  it('documents exactly the responses this test provokes', () => {
    expect(documented.sort()).toEqual(Object.keys(provoke).sort());
  });

  it.each(documented)('%s: the running server answers as documented', async (key) => {
    const [method, path, status] = key.split(' ') as [string, string, string];
    let catchUp: Promise<Response> | null = null;
    if (key === 'get /v1/changes 200') {
      // Give the feed every kind of record, and a deletion that a catch-up carries as `del`.
      const from = (await centre.store.headSeq());
      await centre.store.write([{ t: 'put', e: 'lead', d: makeLead('L-OAS-1', 'SZ-FT-S01-B1', FIXED_NOW) }]);
      await centre.store.write([{ t: 'del', e: 'lead', id: 'L-OAS-1' }]);
      await centre.store.applyMutations('oas', [{ id: 1, note: { id: 'N-OAS', unitId: 'SZ', kind: 'review', body: '复盘', author: 'a', createdAt: FIXED_NOW } }]);
      catchUp = fetch(`${centre.url}/v1/changes?since=${from}&epoch=${centre.store.epoch}`, { headers: auth() });
    }
    const res = await provoke[key]!();
    expect(res.status).toBe(Number(status));
    const content = doc.paths[path]![method]!.responses[status]!.content!;
    const [type, media] = Object.entries(content)[0]!;
    expect(res.headers.get('content-type')).toContain(type);
    const schemaName = media.schema.$ref.split('/').pop()!;
    if (type === 'application/x-ndjson') {
      const lines = (await res.text()).split('\n').filter(Boolean).map((l) => JSON.parse(l) as { t: string; e?: string });
      for (const line of lines) check(schemaName, line);
      const kinds = new Set(lines.map((l) => (l.t === 'put' ? `put:${l.e}` : l.t)));
      for (const k of ['put:unit', 'put:lead', 'put:event', 'put:stop_payment', 'put:note', 'checkpoint']) expect(kinds, k).toContain(k);
      const more = (await (await catchUp!).text()).split('\n').filter(Boolean).map((l) => JSON.parse(l) as { t: string; id?: string });
      for (const line of more) check(schemaName, line);
      expect(more.map((l) => `${l.t}:${l.id ?? ''}`)).toEqual(['del:L-OAS-1', 'put:N-OAS', 'checkpoint:']);
    } else {
      check(schemaName, await res.json());
    }
    if (Number(status) === 200) expect(Number(res.headers.get('x-server-time'))).toBeGreaterThan(0);
    if (status === '429' || status === '503') expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});
