// Display tokens at the real centre over HTTP on 127.0.0.1: issued by the admin command on the
// store file, kept hashed, listed without the secret, revoked at once (live streams too);
// mutations bound to the token's scope and role; request sizes and rates bounded per token.
import { spawn } from 'node:child_process';
import http from 'node:http';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { centreForTest, FIXED_NOW, sqliteDb, tempDir } from '../tests/support/harness.js';
import { makeLead } from '../tests/support/records.js';
import type { Centre } from './centre.js';
import { MAX_HEARTBEAT_BODY, MAX_MUTATION_BODY } from './server.js';

let cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanup.reverse()) await f();
  cleanup = [];
});
async function centre(opts: Parameters<typeof centreForTest>[0] = {}): Promise<Centre> {
  const c = await centreForTest({ rateLimit: { perSecond: 10_000, burst: 10_000 }, historyDays: 0, ...opts });
  cleanup.push(() => c.close());
  await c.store.write([
    { t: 'put', e: 'lead', d: makeLead('L-FT', 'SZ-FT-S01-B1', FIXED_NOW) },
    { t: 'put', e: 'lead', d: makeLead('L-NS', 'SZ-NS', FIXED_NOW) },
  ]);
  return c;
}
function dbFile(): string {
  const t = tempDir();
  cleanup.push(() => t.remove());
  return join(t.dir, 'centre.db');
}

/** Runs `central token …` (the built program) to its end. */
function cli(...args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['dist/node/central.js', 'token', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => resolve({ code, out }));
  });
}
async function issue(db: string, name: string, scope: string, role?: string): Promise<string> {
  const r = await cli('issue', '--db', db, '--name', name, '--scope', scope, ...(role ? ['--role', role] : []));
  expect(r.code, r.out).toBe(0);
  return /^secret: (\S+)$/m.exec(r.out)![1]!;
}

const get = (c: Centre, path: string, token: string) => fetch(`${c.url}${path}`, { headers: { Authorization: `Bearer ${token}` } });
const post = (c: Centre, path: string, token: string, body: unknown) =>
  fetch(`${c.url}${path}`, { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
const note = (id: number, args: Record<string, unknown>) => ({ id, name: 'note.add', args: { id: `N-${id}-${String(args['leadId'] ?? args['unitId'])}`, kind: 'revisit', body: '回访', author: '值班长', createdAt: FIXED_NOW, ...args } });
const beat = (clientId: string) => ({ clientId, name: '大屏', version: '0.1.0', state: 'live', seq: 1, seqLag: 0, dataAgeMs: 0, memoryMB: 1, lastError: null });
const leadIds = (text: string) =>
  text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { t: string; e?: string; id?: string }).filter((l) => l.t === 'put' && l.e === 'lead').map((l) => l.id);

describe('issued tokens', () => {
  it('are issued on the store file, kept only as a hash, listed without the secret, and revoked at once', async () => {
    const db = dbFile();
    const c = await centre({ db });
    const secret = await issue(db, '福田大屏-1', 'SZ-FT');
    expect(secret).toMatch(/^gpt_[A-Za-z0-9_-]{43}$/);

    // Only the hash is in the file.
    const rows = sqliteDb(c).prepare('SELECT * FROM tokens').all() as Record<string, unknown>[];
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(secret);
    const listed = await cli('list', '--db', db);
    expect(listed.code).toBe(0);
    expect(listed.out).toMatch(/tk-[0-9a-f]{12} {2}"福田大屏-1" {2}display {2}scope SZ-FT {2}issued \S+ {2}live/);
    expect(listed.out).not.toContain(secret);

    // The running centre accepts it for its scope and nothing above it.
    const feed = await get(c, '/v1/changes?since=0', secret);
    expect(feed.status).toBe(200);
    expect(leadIds(await feed.text())).toEqual(['L-FT']);
    expect((await get(c, '/v1/changes?since=0&scope=SZ', secret)).status).toBe(403);

    const revoked = await cli('revoke', '福田大屏-1', '--db', db);
    expect(revoked.code, revoked.out).toBe(0);
    const after = await get(c, '/v1/changes?since=0', secret);
    expect(after.status).toBe(401);
    expect(await after.json()).toMatchObject({ error: 'unknown or revoked token' });
    expect((await post(c, '/v1/displays/heartbeat', secret, beat('w1'))).status).toBe(401);
    expect((await cli('list', '--db', db)).out).toMatch(/"福田大屏-1" .* revoked \d{4}-/);
    // The configured token (--token) still works beside the issued ones.
    expect((await get(c, '/v1/changes?since=0&limit=10', 'test-token')).status).toBe(200);
  });

  it('ends an open live stream of a revoked token within a few seconds; other streams go on', async () => {
    const db = dbFile();
    const c = await centre({ db, revocationCheckMs: 200, heartbeatMs: 100 });
    const revokedSecret = (await c.tokens.issue({ name: 'wall-a', scope: 'SZ-FT', role: 'display', now: FIXED_NOW })).secret;
    const keptSecret = (await c.tokens.issue({ name: 'wall-b', scope: 'SZ-FT', role: 'display', now: FIXED_NOW })).secret;
    const open = (secret: string) => {
      let lines = 0;
      let endedAt: number | null = null;
      const req = http.get(`${c.url}/v1/changes?since=0&live=1`, { headers: { Authorization: `Bearer ${secret}` } }, (res) => {
        res.on('data', (d: Buffer) => (lines += d.toString().split('\n').length - 1));
        res.on('end', () => (endedAt = Date.now()));
      });
      cleanup.push(() => void req.destroy());
      return { lines: () => lines, endedAt: () => endedAt };
    };
    const a = open(revokedSecret);
    const b = open(keptSecret);
    await vi.waitFor(() => expect(a.lines() > 1 && b.lines() > 1).toBe(true), { timeout: 10_000 });

    const revokedAt = Date.now();
    await c.tokens.revoke('wall-a', FIXED_NOW);
    await vi.waitFor(() => expect(a.endedAt()).not.toBeNull(), { timeout: 15_000, interval: 20 });
    expect(a.endedAt()! - revokedAt).toBeLessThan(3_000);
    const seen = b.lines();
    await vi.waitFor(() => expect(b.lines()).toBeGreaterThan(seen + 2), { timeout: 10_000 }); // heartbeats still flow
    expect(b.endedAt()).toBeNull();
  });

  it('refuses a command with a clear message: unknown scope, a clashing name, no store, bad role', async () => {
    const db = dbFile();
    await centre({ db });
    expect(await cli('issue', '--db', db, '--name', 'x', '--scope', 'SZ-NOPE')).toMatchObject({ code: 2, out: expect.stringContaining('--scope SZ-NOPE is not a unit in') });
    await issue(db, 'x', 'SZ-FT');
    expect(await cli('issue', '--db', db, '--name', 'x', '--scope', 'SZ-FT')).toMatchObject({ code: 2, out: expect.stringContaining('a live token is already named "x"') });
    expect(await cli('issue', '--db', db, '--name', 'y', '--scope', 'SZ-FT', '--role', 'root')).toMatchObject({ code: 2, out: expect.stringContaining('--role must be one of display, ingest, admin') });
    expect(await cli('list', '--db', db + '.missing')).toMatchObject({ code: 2, out: expect.stringContaining('no store at') });
    expect(await cli('revoke', 'nobody', '--db', db)).toMatchObject({ code: 2, out: expect.stringContaining('no live token with id or name "nobody"') });
  });
});

describe('mutations within the token’s scope', () => {
  it('applies a note inside the scope and refuses (403) one whose lead or unit is outside it, or unknown, applying none of the batch', async () => {
    const c = await centre();
    const secret = (await c.tokens.issue({ name: 'ft', scope: 'SZ-FT', role: 'display', now: FIXED_NOW })).secret;
    const ok = await post(c, '/v1/mutations', secret, { clientId: 'w', mutations: [note(1, { leadId: 'L-FT' }), note(2, { unitId: 'SZ-FT-S01' })] });
    expect(ok.status).toBe(200);
    for (const [args, what] of [
      [{ leadId: 'L-NS' }, 'lead L-NS'],
      [{ unitId: 'SZ-NS' }, 'unit SZ-NS'],
      [{ unitId: 'SZ' }, 'unit SZ'],
      [{ leadId: 'L-FT', unitId: 'SZ-NS' }, 'unit SZ-NS'],
      [{ leadId: 'L-NOPE' }, 'lead L-NOPE'],
    ] as const) {
      const before = (await c.store.headSeq());
      const res = await post(c, '/v1/mutations', secret, { clientId: 'w', mutations: [note(3, { leadId: 'L-FT' }), note(4, args)] });
      expect(res.status, JSON.stringify(args)).toBe(403);
      expect(((await res.json()) as { error: string }).error).toContain(`mutation 4: ${what} is not in this token's scope`);
      expect((await c.store.headSeq())).toBe(before);
    }
    expect((await c.store.lastMutationId('w'))).toBe(2);
    // A token that sees the whole centre has no other scope to probe: an unknown lead is a bad request.
    const city = (await c.tokens.issue({ name: 'city', scope: 'SZ', role: 'display', now: FIXED_NOW })).secret;
    const unknown = await post(c, '/v1/mutations', city, { clientId: 'c', mutations: [note(1, { leadId: 'L-NOPE' })] });
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toMatchObject({ error: 'note N-1-L-NOPE: lead L-NOPE does not exist' });
  });

  it('holds each role to what it may do', async () => {
    const c = await centre();
    const ingest = (await c.tokens.issue({ name: 'feeder', scope: 'SZ', role: 'ingest', now: FIXED_NOW })).secret;
    const display = (await c.tokens.issue({ name: 'wall', scope: 'SZ', role: 'display', now: FIXED_NOW })).secret;
    const admin = (await c.tokens.issue({ name: 'ops', scope: 'SZ', role: 'admin', now: FIXED_NOW })).secret;
    expect((await get(c, '/v1/changes?since=0&limit=5', ingest)).status).toBe(403);
    expect((await post(c, '/v1/displays/heartbeat', ingest, beat('i'))).status).toBe(403);
    expect((await post(c, '/v1/mutations', ingest, { clientId: 'i', mutations: [note(1, { leadId: 'L-NS' })] })).status).toBe(200);
    expect((await get(c, '/v1/displays', display)).status).toBe(403);
    expect((await post(c, '/v1/displays/heartbeat', display, beat('d'))).status).toBe(200);
    expect((await get(c, '/v1/displays', admin)).status).toBe(200);
  });
});

describe('bounds', () => {
  /** Sends a body with http (fetch hides Content-Length and chunking) and returns status and body. */
  function raw(c: Centre, path: string, body: Buffer, headers: Record<string, string>): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const req = http.request(`${c.url}${path}`, { method: 'POST', headers: { Authorization: 'Bearer test-token', 'Content-Type': 'application/json', ...headers } }, (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode!, body: text }));
      });
      // The server may close before the whole body is sent; the answer is what counts.
      req.on('error', (err) => (/EPIPE|ECONNRESET/.test(String(err)) ? undefined : reject(err)));
      for (let i = 0; i < body.length; i += 64 * 1024) req.write(body.subarray(i, i + 64 * 1024));
      req.end();
    });
  }

  it('refuses an oversized body with 413, declared or chunked, and goes on serving', async () => {
    const c = await centre();
    const big = Buffer.alloc(MAX_MUTATION_BODY + 1, 0x20);
    const declared = await raw(c, '/v1/mutations', big, { 'Content-Length': String(big.length) });
    expect(declared.status).toBe(413);
    expect(JSON.parse(declared.body)).toMatchObject({ error: `body larger than ${MAX_MUTATION_BODY} bytes` });
    const chunked = await raw(c, '/v1/mutations', big, { 'Transfer-Encoding': 'chunked' });
    expect(chunked.status).toBe(413);
    const beatBody = Buffer.alloc(MAX_HEARTBEAT_BODY + 1, 0x20);
    expect((await raw(c, '/v1/displays/heartbeat', beatBody, { 'Transfer-Encoding': 'chunked' })).status).toBe(413);
    // Just under the limit is read (and refused only for what it says).
    expect((await raw(c, '/v1/displays/heartbeat', Buffer.alloc(MAX_HEARTBEAT_BODY, 0x20), {})).status).toBe(400);
    expect((await get(c, '/v1/health', 'test-token')).status).toBe(200);
  });

  it('limits the rate of every endpoint per token, mutations and heartbeats included; other tokens and addresses are not slowed', async () => {
    const c = await centre({ rateLimit: { perSecond: 0.01, burst: 2 } });
    const a = (await c.tokens.issue({ name: 'a', scope: 'SZ-FT', role: 'display', now: FIXED_NOW })).secret;
    const b = (await c.tokens.issue({ name: 'b', scope: 'SZ-FT', role: 'display', now: FIXED_NOW })).secret;
    expect((await post(c, '/v1/displays/heartbeat', a, beat('a'))).status).toBe(200);
    expect((await post(c, '/v1/mutations', a, { clientId: 'a', mutations: [note(1, { leadId: 'L-FT' })] })).status).toBe(200);
    const limitedNote = await post(c, '/v1/mutations', a, { clientId: 'a', mutations: [note(2, { leadId: 'L-FT' })] });
    expect(limitedNote.status).toBe(429);
    expect(Number(limitedNote.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await c.store.lastMutationId('a'))).toBe(1);
    expect((await post(c, '/v1/displays/heartbeat', a, beat('a'))).status).toBe(429);
    expect((await get(c, '/v1/changes?since=0&limit=5', a)).status).toBe(429);
    expect((await post(c, '/v1/displays/heartbeat', b, beat('b'))).status).toBe(200);
    // Guessing without a token is charged to the address: refused (401), then slowed (429).
    const guesses = [];
    for (let i = 0; i < 3; i++) guesses.push((await get(c, '/v1/changes?since=0', `gpt_guess${i}`)).status);
    expect(guesses).toEqual([401, 401, 429]);
  });
});
