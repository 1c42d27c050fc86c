// The ingest API (POST /v1/ingest, `central import FILE`) at the real centre over HTTP on
// 127.0.0.1: only an ingest token, only within its scope; a batch checked whole and written in
// one transaction or not at all; idempotent on retry; bounded; and what it writes reaches a live
// display's feed.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FeedState, followLive } from '../tests/support/feed-client.js';
import { centreForTest, FIXED_NOW, tempDir } from '../tests/support/harness.js';
import { makeLead } from '../tests/support/records.js';
import type { Centre } from './centre.js';
import { MAX_INGEST_BODY, MAX_INGEST_LINES } from './ingest.js';

let cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanup.reverse()) await f();
  cleanup = [];
});

async function centre(opts: Parameters<typeof centreForTest>[0] = {}): Promise<Centre> {
  const c = await centreForTest({ rateLimit: { perSecond: 10_000, burst: 10_000 }, historyDays: 0, ...opts });
  cleanup.push(() => c.close());
  return c;
}
const issue = async (c: Centre, role: 'ingest' | 'display', scope = 'SZ') => (await c.tokens.issue({ name: `${role}-${scope}-${Math.random().toString(36).slice(2, 8)}`, scope, role, now: FIXED_NOW })).secret;

type Line = { t: 'put'; e: string; id: string; d: Record<string, unknown> } | { t: 'del'; e: string; id: string };
const put = (e: string, d: { id: string; [k: string]: unknown }): Line => ({ t: 'put', e, id: d.id, d });
const del = (e: string, id: string): Line => ({ t: 'del', e, id });
const ndjson = (lines: (Line | string)[]) => lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n') + '\n';
const lead = (id: string, unitId = 'SZ-FT-S01-B1', extra = {}) => put('lead', makeLead(id, unitId, FIXED_NOW - 60_000, extra));
const event = (id: string, leadId: string, unitId = 'SZ-FT-S01-B1') => put('event', { id, leadId, at: FIXED_NOW - 30_000, kind: 'sms', unitId });

type Refusal = { error: string; errors: { line: number; id?: string; reason: string }[]; more?: number };
async function ingest(c: Centre, token: string, body: string, type = 'application/x-ndjson'): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${c.url}/v1/ingest`, { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': type }, body });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}
const liveIds = async (c: Centre, e: 'lead' | 'event' | 'unit') => new Set((await c.store.live(e)).map((r) => r.d.id));

describe('POST /v1/ingest', () => {
  it('takes a batch from an ingest token in one transaction, parents first, and answers what it applied', async () => {
    const c = await centre();
    const token = await issue(c, 'ingest');
    const head = await c.store.headSeq();
    // The lead comes before its new unit and the event before its lead: the batch is written parents first.
    const batch = [
      event('E-IN-1', 'L-IN-1', 'SZ-FT-S01-B9'),
      lead('L-IN-1', 'SZ-FT-S01-B9'),
      put('unit', { id: 'SZ-FT-S01-B9', parentId: 'SZ-FT-S01', level: 'beat', code: 'B9', name: '第九警务区' }),
      lead('L-IN-2'),
    ];
    const r = await ingest(c, token, ndjson(batch));
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toMatchObject({ applied: 4, unchanged: 0, firstSeq: head + 1, lastSeq: head + 4 });
    expect(await c.store.headSeq()).toBe(head + 4);
    const rows = await c.store.rowsAfter(head, 10);
    expect(rows.map((row) => `${row.entity}:${row.id}`)).toEqual(['unit:SZ-FT-S01-B9', 'lead:L-IN-1', 'lead:L-IN-2', 'event:E-IN-1']);
    expect(new Set(rows.map((row) => row.tx)).size).toBe(1);
    expect(await c.store.leadPath('L-IN-1')).toBe(await c.store.unitPath('SZ-FT-S01-B9'));
  });

  it('refuses a display token and an admin token (403): only an ingest token writes records', async () => {
    const c = await centre();
    const head = await c.store.headSeq();
    for (const token of [await issue(c, 'display'), 'test-token']) {
      const r = await ingest(c, token, ndjson([lead('L-NO')]));
      expect(r.status).toBe(403);
      expect(String(r.body['error'])).toMatch(/may not use ingest/);
    }
    expect(await c.store.headSeq()).toBe(head);
    expect((await liveIds(c, 'lead')).has('L-NO')).toBe(false);
  });

  it('refuses a batch with a record outside the token’s scope (403), naming the line; nothing applied', async () => {
    const c = await centre();
    await c.store.write([
      { t: 'put', e: 'lead', d: makeLead('L-NS-OLD', 'SZ-NS', FIXED_NOW) },
      { t: 'put', e: 'lead', d: makeLead('L-FT-OLD', 'SZ-FT-S01-B1', FIXED_NOW) },
    ]);
    const futian = await issue(c, 'ingest', 'SZ-FT');
    const head = await c.store.headSeq();
    const r = await ingest(c, futian, ndjson([lead('L-FT-NEW'), lead('L-NS-NEW', 'SZ-NS'), lead('L-NS-OLD'), del('lead', 'L-NS-OLD'), event('E-X', 'L-NS-OLD', 'SZ-NS')]));
    expect(r.status).toBe(403);
    const body = r.body as unknown as Refusal;
    expect(body.errors.map((e) => [e.line, e.id])).toEqual([
      [2, 'L-NS-NEW'],
      [3, 'L-NS-OLD'],
      [4, 'L-NS-OLD'],
      [5, 'E-X'],
    ]);
    expect(body.errors[0]!.reason).toMatch(/outside this token's scope/);
    expect(await c.store.headSeq()).toBe(head);
    expect((await liveIds(c, 'lead')).has('L-FT-NEW')).toBe(false);
    // Within its scope the same token writes.
    expect((await ingest(c, futian, ndjson([lead('L-FT-NEW'), del('lead', 'L-FT-OLD')]))).body).toMatchObject({ applied: 2, unchanged: 0 });
  });

  it('refuses a batch with a bad line 7 (422), naming line 7 and every other bad line; the store is unchanged', async () => {
    const c = await centre();
    const token = await issue(c, 'ingest');
    const head = await c.store.headSeq();
    const lines: (Line | string)[] = [lead('L-B1'), lead('L-B2'), event('E-B1', 'L-B1'), lead('L-B3'), lead('L-B4'), lead('L-B5')];
    lines.push(lead('L-B7', 'SZ-FT-S01-B1', { riskLevel: 'extreme' })); // line 7: not a risk level
    lines.push(lead('L-B8'), lead('L-B9', 'SZ-NOWHERE'), '{"t":"put","e":"lead"', lead('L-B11', 'SZ-FT-S01-B1', { closedat: FIXED_NOW }));
    const r = await ingest(c, token, ndjson(lines));
    expect(r.status).toBe(422);
    const body = r.body as unknown as Refusal;
    expect(body.errors.map((e) => e.line)).toEqual([7, 10, 11]);
    expect(body.errors[0]).toMatchObject({ line: 7, id: 'L-B7', reason: expect.stringMatching(/riskLevel/) });
    expect(body.errors[1]!.reason).toBe('not JSON');
    expect(body.errors[2]!.reason).toMatch(/closedat/);
    expect(await c.store.headSeq()).toBe(head);
    expect((await liveIds(c, 'lead')).has('L-B1')).toBe(false);

    // With every line well formed, a reference that resolves neither in the store nor in the batch is named.
    lines[6] = lead('L-B7');
    lines[9] = lead('L-B10');
    lines[10] = lead('L-B11');
    const refs = await ingest(c, token, ndjson(lines));
    expect(refs.status).toBe(422);
    expect((refs.body as unknown as Refusal).errors).toEqual([{ line: 9, id: 'L-B9', reason: 'lead L-B9: unit SZ-NOWHERE does not exist (in the store or in this batch)' }]);
    expect(await c.store.headSeq()).toBe(head);
    // A feeder may not pose as a display's mutation.
    const forged = await ingest(c, token, ndjson([put('note', { id: 'N-F', unitId: 'SZ-FT', kind: 'meeting', body: 'x', author: 'y', createdAt: FIXED_NOW, clientId: 'wall-1', mutationId: 9 })]));
    expect(forged.status).toBe(422);
    expect(await c.store.headSeq()).toBe(head);
  });

  it('is idempotent: a retried batch changes nothing twice (no new version, no new seq)', async () => {
    const c = await centre();
    const token = await issue(c, 'ingest');
    const batch = ndjson([lead('L-R1'), lead('L-R2'), event('E-R1', 'L-R1'), lead('L-R3')]);
    const first = await ingest(c, token, batch);
    expect(first.body).toMatchObject({ applied: 4, unchanged: 0 });
    const head = await c.store.headSeq();
    const again = await ingest(c, token, batch);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ applied: 0, unchanged: 4, firstSeq: null, lastSeq: null });
    expect(await c.store.headSeq()).toBe(head);
    // The same record with its fields in another order is the same record.
    const reordered = Object.fromEntries(Object.entries(makeLead('L-R1', 'SZ-FT-S01-B1', FIXED_NOW - 60_000)).reverse());
    expect((await ingest(c, token, JSON.stringify({ t: 'put', e: 'lead', id: 'L-R1', d: reordered }))).body).toMatchObject({ applied: 0, unchanged: 1 });

    // A changed record and a deletion apply once; their retry applies nothing.
    const update = ndjson([lead('L-R2', 'SZ-FT-S01-B1', { phonedAt: FIXED_NOW }), del('lead', 'L-R3'), lead('L-R1')]);
    expect((await ingest(c, token, update)).body).toMatchObject({ applied: 2, unchanged: 1, firstSeq: head + 1, lastSeq: head + 2 });
    expect((await ingest(c, token, update)).body).toMatchObject({ applied: 0, unchanged: 3 });
    expect(await c.store.headSeq()).toBe(head + 2);
    const l2 = await c.store.current([{ e: 'lead', id: 'L-R2' }]);
    expect(l2).toHaveLength(1);
    expect(l2[0]!.v).toBe(2);
  });

  it('answers 413 beyond its byte and line limits, 415 for another content type; nothing applied', async () => {
    const c = await centre();
    const token = await issue(c, 'ingest');
    const head = await c.store.headSeq();
    const lines = Array.from({ length: MAX_INGEST_LINES + 1 }, (_, i) => JSON.stringify(del('lead', `L-NONE-${i}`)));
    const many = await ingest(c, token, lines.join('\n'));
    expect(many.status).toBe(413);
    expect(String(many.body['error'])).toContain(String(MAX_INGEST_LINES));
    const big = await oversized(c, token, MAX_INGEST_BODY + 1);
    expect(big.status).toBe(413);
    expect(big.body).toContain(`body larger than ${MAX_INGEST_BODY} bytes`);
    const json = await ingest(c, token, ndjson([lead('L-T')]), 'application/json');
    expect(json.status).toBe(415);
    expect(await c.store.headSeq()).toBe(head);
  });

  it('is rate-limited per token like the other routes (429 with Retry-After)', async () => {
    const c = await centre({ rateLimit: { perSecond: 0.001, burst: 1 } });
    const token = await issue(c, 'ingest');
    expect((await ingest(c, token, ndjson([lead('L-RL1')]))).status).toBe(200);
    const res = await fetch(`${c.url}/v1/ingest`, { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/x-ndjson' }, body: ndjson([lead('L-RL2')]) });
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await liveIds(c, 'lead')).has('L-RL2')).toBe(false);
  });

  it('reaches a live display: its feed carries the ingested leads and its checkpoints agree', async () => {
    const c = await centre();
    const display = await issue(c, 'display', 'SZ-FT');
    const feeder = await issue(c, 'ingest', 'SZ-FT');
    const state = new FeedState();
    const tail = followLive(c.url, display, { since: 0 }, state);
    cleanup.push(() => tail.stop());
    await vi.waitFor(() => expect(state.lastCheckpoint).not.toBeNull(), { timeout: 10_000 });
    const ids = Array.from({ length: 20 }, (_, i) => `L-LIVE-${i}`);
    const r = await ingest(c, feeder, ndjson([...ids.map((id) => lead(id)), event('E-LIVE-0', 'L-LIVE-0')]));
    expect(r.body).toMatchObject({ applied: 21 });
    await vi.waitFor(() => expect(state.seq).toBe(r.body['lastSeq']), { timeout: 10_000 });
    expect(tail.error()).toBeNull();
    for (const id of ids) expect(state.records.get(`lead\u0000${id}`)).toBe(1);
    expect(state.records.has('event\u0000E-LIVE-0')).toBe(true);
    expect(state.stats().counts).toEqual(state.lastCheckpoint!.counts);
    expect(state.stats().sums).toEqual(state.lastCheckpoint!.sums);
    // A deletion ingested reaches it too.
    const gone = await ingest(c, feeder, ndjson([del('lead', 'L-LIVE-3')]));
    await vi.waitFor(() => expect(state.seq).toBe(gone.body['lastSeq']), { timeout: 10_000 });
    expect(state.records.has('lead\u0000L-LIVE-3')).toBe(false);
  });
});

describe("the README's worked example", () => {
  it('maps a bureau warning to a lead the centre takes, and its update applies once', async () => {
    const readme = readFileSync('README.md', 'utf8');
    const section = readme.slice(readme.indexOf("#### Feeding the centre from the bureau's systems"));
    const blocks = [...section.matchAll(/```ndjson\n([\s\S]*?)```/g)].map((m) => m[1]!);
    expect(blocks).toHaveLength(2);
    const c = await centre();
    const token = await issue(c, 'ingest', 'SZ');
    const first = await ingest(c, token, blocks[0]!);
    expect(first.body).toMatchObject({ applied: 3, unchanged: 0 });
    expect((await ingest(c, token, blocks[0]!)).body).toMatchObject({ applied: 0, unchanged: 3 });
    const second = await ingest(c, token, blocks[1]!);
    expect(second.body).toMatchObject({ applied: 3, unchanged: 1 });
    const [lead] = await c.store.current([{ e: 'lead', id: 'YJ440304202611200123' }]);
    expect(lead).toMatchObject({ v: 2, path: await c.store.unitPath('SZ-FT-S01') });
    // What the table says the mapping gives: Beijing 11:42:05 as ms, yuan as fen, the 30-minute phone deadline.
    const d = JSON.parse(lead!.data) as { issuedAt: number; amountAtRisk: number; phoneDueAt: number; feedbackDueAt: number };
    expect(d.issuedAt).toBe(Date.parse('2026-11-20T11:42:05+08:00'));
    expect(d.amountAtRisk).toBe(86_000 * 100);
    expect(d.phoneDueAt - d.issuedAt).toBe(30 * 60_000);
    expect(section).toContain(`\`2026-11-20 11:42:05\` → \`${d.issuedAt}\``);
  });
});

/** Runs `central import …` (the built program) to its end. */
function cli(...args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['dist/node/central.js', 'import', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) => resolve({ code, out, err }));
  });
}

describe('central import FILE', () => {
  it('writes a good file in whole batches, changes nothing on a re-run, and refuses a bad file naming its line', async () => {
    const t = tempDir();
    cleanup.push(() => t.remove());
    const db = join(t.dir, 'centre.db');
    const c = await centre({ db });
    const display = await issue(c, 'display', 'SZ');
    const file = join(t.dir, 'export.ndjson');

    // A bad line 7 (a schema fault): nothing of the file is written.
    const good = Array.from({ length: 12 }, (_, i) => lead(`L-IMP-${i}`));
    const bad = [...good.slice(0, 6), lead('L-IMP-BAD', 'SZ-FT-S01-B1', { riskScore: 101 }), ...good.slice(6)];
    writeFileSync(file, ndjson(bad));
    const head = await c.store.headSeq();
    const refused = await cli(file, '--db', db, '--batch', '5');
    expect(refused.code, refused.out + refused.err).toBe(1);
    expect(refused.err).toContain(`${file}:7: L-IMP-BAD: lead: riskScore`);
    expect(refused.err).toContain('nothing written');
    expect(await c.store.headSeq()).toBe(head);

    // A good file, in batches of 5: the running centre's live displays see it.
    const state = new FeedState();
    const tail = followLive(c.url, display, { since: 0 }, state);
    cleanup.push(() => tail.stop());
    writeFileSync(file, ndjson(good));
    const ok = await cli(file, '--db', db, '--batch', '5');
    expect(ok.code, ok.out + ok.err).toBe(0);
    expect(ok.out).toMatch(/^lines 1–5: applied 5, unchanged 0, seq \d+–\d+$/m);
    expect(ok.out).toMatch(/^lines 11–12: applied 2, unchanged 0/m);
    expect(await c.store.headSeq()).toBe(head + 12);
    await vi.waitFor(() => expect(state.seq).toBe(head + 12), { timeout: 10_000 });
    expect(good.every((l) => state.records.has(`lead\u0000${l.id}`))).toBe(true);

    // The same file again changes nothing.
    const rerun = await cli(file, '--db', db, '--batch', '5');
    expect(rerun.code).toBe(0);
    expect(rerun.out).toContain('applied 0, unchanged 12');
    expect(await c.store.headSeq()).toBe(head + 12);

    // A reference that fails in the second batch: the first stays written, nothing of the second is.
    writeFileSync(file, ndjson([lead('L-IMP2-1'), lead('L-IMP2-2'), lead('L-IMP2-3'), event('E-IMP2-1', 'L-IMP2-9'), lead('L-IMP2-5')]));
    const partial = await cli(file, '--db', db, '--batch', '3');
    expect(partial.code).toBe(1);
    expect(partial.err).toContain(`${file}:4: E-IMP2-1: event E-IMP2-1: lead L-IMP2-9 does not exist`);
    expect(partial.err).toContain('the batch of lines 4–5 refused, nothing of it written; lines 1–3 were written');
    const imported = await liveIds(c, 'lead');
    expect(['L-IMP2-1', 'L-IMP2-2', 'L-IMP2-3'].every((id) => imported.has(id))).toBe(true);
    expect((await liveIds(c, 'lead')).has('L-IMP2-5')).toBe(false);
    expect(await c.store.headSeq()).toBe(head + 15);
  });
});

/** A body over the limit, declared up front; sent with http so the early answer is read, not a reset. */
function oversized(c: Centre, token: string, bytes: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${c.url}/v1/ingest`, { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/x-ndjson', 'Content-Length': String(bytes) } }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, body: text }));
    });
    req.on('error', (err) => (/EPIPE|ECONNRESET/.test(String(err)) ? undefined : reject(err)));
    req.end(Buffer.alloc(bytes, 0x20));
  });
}
