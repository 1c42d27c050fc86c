// The browser host's door: no key, no data; a key in an address becomes an HttpOnly cookie and
// leaves the address; a revoked key is refused at once, open sockets included; no path leaves
// the renderer's folder; an oversized frame closes its own socket only. Real sockets throughout.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type http from 'node:http';
import https from 'node:https';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { WebSocket } from 'ws';
import type { Handlers } from '../../shared/contract.js';
import type { Viewer } from '../../shared/privacy.js';
import { FileKeys, keysCommand, StaticKeys, type KeyRing } from '../../electron/host/auth.js';
import { startHost, type Host } from '../../electron/host/host.js';
import { tempDir } from '../support/harness.js';
import { call } from '../support/ws-call.js';

const SECRET_PAGE = '<!doctype html><title>guardpost</title><p>the app</p>';
const handlers = {
  'clock:now': () => ({ serverTime: 42 }),
  'lead:timeline': () => ({ lead: { id: 'L1', personName: '王小明', personPhone: '13812341234', address: '福田区某路1号', lat: 22.54321, lng: 114.05678 }, unitName: 'u', events: [], stops: [], notes: [] }),
} as unknown as Handlers;

const tmp = tempDir('guardpost-sec-');
let host: Host | null = null;
const views: { leadId: string; viewer: Viewer }[] = [];
afterEach(async () => {
  await host?.close();
  host = null;
  views.length = 0;
});

async function start(extra: { keys?: KeyRing; tls?: { cert: Buffer; key: Buffer }; host?: string } = {}): Promise<Host> {
  const dir = join(tmp.dir, 'r');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'index.html'), SECRET_PAGE);
  writeFileSync(join(tmp.dir, 'package.json'), '{"name":"outside-the-renderer"}');
  host = await startHost({ core: { handlers, on: () => () => {}, recordView: (leadId, viewer) => void views.push({ leadId, viewer }) }, rendererDir: dir, recheckMs: 100, ...extra });
  return host;
}

const keyOf = (h: Host) => new URL(h.url).searchParams.get('key')!;

/** A raw GET, so the path reaches the host exactly as written (fetch would normalise `..`). */
function rawGet(h: Host, path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  const { port } = new URL(h.origin);
  return new Promise((resolve, reject) => {
    const sock = connect(Number(port), '127.0.0.1', () => {
      sock.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`);
    });
    let raw = '';
    sock.on('data', (d) => (raw += d.toString('latin1')));
    sock.on('end', () => {
      const [head = '', ...rest] = raw.split('\r\n\r\n');
      const lines = head.split('\r\n');
      const hs: http.IncomingHttpHeaders = {};
      for (const l of lines.slice(1)) {
        const i = l.indexOf(':');
        hs[l.slice(0, i).toLowerCase()] = l.slice(i + 1).trim();
      }
      resolve({ status: Number(lines[0]!.split(' ')[1]), headers: hs, body: rest.join('\r\n\r\n') });
    });
    sock.on('error', reject);
  });
}

/** Opens a socket; resolves with it open, or rejects with the HTTP status of the refusal. */
function openSocket(h: Host, headers: Record<string, string>): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(h.origin.replace(/^http/, 'ws') + '/ws', { headers, rejectUnauthorized: false });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`status ${res.statusCode}`)));
    ws.once('error', reject);
  });
}


describe('the browser host without a key', () => {
  it('answers 401 with no data to an HTTP client without a key, or with a wrong one', async () => {
    const h = await start();
    for (const [path, headers] of [
      ['/', {}],
      ['/index.html', {}],
      ['/?key=wrong', {}],
      ['/', { Authorization: 'Bearer wrong' }],
      ['/', { Cookie: `guardpost_key_${new URL(h.origin).port}=wrong` }],
      ['/ws', {}],
    ] as const) {
      const res = await rawGet(h, path, headers);
      expect(res.status, path).toBe(401);
      expect(res.body).not.toContain('the app');
      expect(res.headers['set-cookie']).toBeUndefined();
    }
  });

  it('refuses a WebSocket without a valid key (401), and carries nothing on it', async () => {
    const h = await start();
    await expect(openSocket(h, {})).rejects.toThrow('status 401');
    await expect(openSocket(h, { Authorization: 'Bearer nope' })).rejects.toThrow('status 401');
    // A key in the socket's URL is not accepted: URLs end up in logs.
    await expect(
      new Promise((resolve, reject) => {
        const ws = new WebSocket(`${h.origin.replace('http', 'ws')}/ws?key=${keyOf(h)}`);
        ws.once('open', resolve);
        ws.once('unexpected-response', (_q, res) => reject(new Error(`status ${res.statusCode}`)));
      }),
    ).rejects.toThrow('status 401');
    const ok = await openSocket(h, { Authorization: `Bearer ${keyOf(h)}` });
    expect(await call(ok, 'clock:now')).toMatchObject({ ok: true, value: { serverTime: 42 } });
    ok.close();
  });

  it('will not serve beyond loopback without keys', async () => {
    await expect(start({ host: '0.0.0.0' })).rejects.toThrow(/without display keys/);
    host = null;
  });
});

describe('a key in the address', () => {
  it('is exchanged for an HttpOnly, SameSite=Strict cookie with no session lifetime, and leaves the address', async () => {
    const h = await start();
    const key = keyOf(h);
    const res = await rawGet(h, `/?key=${key}&lang=en`, { 'Sec-Fetch-Mode': 'navigate' });
    expect(res.status).toBe(303);
    expect(res.headers['location']).toBe('/?lang=en');
    const cookie = String(res.headers['set-cookie']);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).toMatch(/Path=\//);
    expect(cookie).not.toMatch(/Secure/); // plain HTTP here; see the TLS test
    // The cookie lives as long as the browser keeps any cookie (Chromium: 400 days) and is
    // renewed at every page load: it never lapses while the key is valid.
    expect(cookie).toMatch(/Max-Age=34560000/);
    expect(res.body).not.toContain('the app');
    const pair = cookie.split(';')[0]!;
    const page = await rawGet(h, '/?lang=en', { Cookie: pair });
    expect(page.status).toBe(200);
    expect(page.body).toContain('the app');
    expect(String(page.headers['set-cookie'])).toContain(pair);
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    const ws = await openSocket(h, { Cookie: pair });
    expect(await call(ws, 'clock:now')).toMatchObject({ ok: true });
    ws.close();
  });

  it('serves HTTPS with --tls-cert/--tls-key, and the cookie is Secure', async () => {
    const dir = join(tmp.dir, 'tls');
    mkdirSync(dir, { recursive: true });
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem'), '-days', '2', '-subj', '/CN=127.0.0.1'], { stdio: 'ignore' });
    const h = await start({ tls: { cert: readFileSync(join(dir, 'c.pem')), key: readFileSync(join(dir, 'k.pem')) } });
    expect(h.origin).toMatch(/^https:/);
    const res = await new Promise<http.IncomingMessage>((resolve, reject) =>
      https.get(`${h.origin}/?key=${keyOf(h)}`, { rejectUnauthorized: false, headers: { 'Sec-Fetch-Mode': 'navigate' } }, resolve).on('error', reject),
    );
    res.resume();
    expect(res.statusCode).toBe(303);
    expect(String(res.headers['set-cookie'])).toMatch(/; Secure/);
    const ws = await openSocket(h, { Authorization: `Bearer ${keyOf(h)}` });
    expect(await call(ws, 'clock:now')).toMatchObject({ ok: true });
    ws.close();
  });
});

describe('keys in a file', () => {
  it('are revoked without a restart: the next request gets 401 and an open socket is closed', async () => {
    const file = join(tmp.dir, 'keys.json');
    const printed: string[] = [];
    keysCommand(['add', 'wall-1', '--keys', file], (l) => printed.push(l));
    keysCommand(['add', 'desk', '--role', 'unmask', '--keys', file], (l) => printed.push(l));
    const [wallKey, deskKey] = printed;
    // Only hashes are kept.
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain(wallKey);
    expect(text).toMatch(/sha256:[0-9a-f]{64}/);
    const h = await start({ keys: new FileKeys(file), host: '127.0.0.1' });
    expect(h.url).not.toContain('key=');
    const wall = await openSocket(h, { Authorization: `Bearer ${wallKey}` });
    const desk = await openSocket(h, { Authorization: `Bearer ${deskKey}` });
    expect((await rawGet(h, '/', { Authorization: `Bearer ${wallKey}` })).status).toBe(200);
    const closed = new Promise<number>((r) => wall.once('close', (code) => r(code)));
    keysCommand(['revoke', 'wall-1', '--keys', file], () => {});
    expect((await rawGet(h, '/', { Authorization: `Bearer ${wallKey}` })).status).toBe(401);
    expect(await closed).toBe(4401);
    // The other key goes on working.
    expect(await call(desk, 'clock:now')).toMatchObject({ ok: true });
    desk.close();
  });

  it('refuse every key while the file is bad (fail closed), and recover when it is fixed', async () => {
    const file = join(tmp.dir, 'keys2.json');
    const printed: string[] = [];
    keysCommand(['add', 'w', '--keys', file], (l) => printed.push(l));
    const good = readFileSync(file, 'utf8');
    const h = await start({ keys: new FileKeys(file) });
    const auth = { Authorization: `Bearer ${printed[0]}` };
    expect((await rawGet(h, '/', auth)).status).toBe(200);
    writeFileSync(file, '{"keys": [ {"name": "w", ');
    expect((await rawGet(h, '/', auth)).status).toBe(401);
    writeFileSync(file, good);
    expect((await rawGet(h, '/', auth)).status).toBe(200);
  });
});

describe('the static file server', () => {
  it('refuses path traversal, encoded or not, and stays up', async () => {
    const h = await start();
    const auth = { Authorization: `Bearer ${keyOf(h)}` };
    for (const path of [
      '/../package.json',
      '/../../package.json',
      '/%2e%2e/package.json',
      '/%2e%2e%2fpackage.json',
      '/..%2f..%2fpackage.json',
      '/%2e%2e%5cpackage.json',
      '/..%5c..%5cpackage.json',
      '/..\\package.json',
      '/%252e%252e%252fpackage.json',
      '/%c0%ae%c0%ae/package.json',
      '/index.html%00.js',
      '/%E0%A4%A',
      '//etc/passwd',
      '/./../package.json',
    ]) {
      const res = await rawGet(h, path, auth);
      expect([400, 404], path).toContain(res.status);
      expect(res.body, path).not.toContain('outside-the-renderer');
      expect(res.body, path).not.toContain('root:');
    }
    expect((await rawGet(h, '/', auth)).status).toBe(200);
  });
});

describe('the WebSocket', () => {
  it('closes a socket that sends an oversized frame, and only that one', async () => {
    const h = await start();
    const auth = { Authorization: `Bearer ${keyOf(h)}` };
    const big = await openSocket(h, auth);
    const other = await openSocket(h, auth);
    const closed = new Promise<number>((r) => big.once('close', (code) => r(code)));
    big.send(JSON.stringify({ type: 'invoke', id: 1, channel: 'clock:now', args: { pad: 'x'.repeat(2 << 20) } }));
    expect(await closed).toBe(1009);
    expect(await call(other, 'clock:now')).toMatchObject({ ok: true, value: { serverTime: 42 } });
    other.close();
  });

  it('gives a wall key the wall view, and records the view an unmask key gets before it is shown', async () => {
    const h = await start({ keys: new StaticKeys([{ name: 'wall-1', role: 'wall', secret: 'w'.repeat(32) }, { name: 'desk', role: 'unmask', secret: 'd'.repeat(32) }]) });
    const wall = await openSocket(h, { Authorization: `Bearer ${'w'.repeat(32)}` });
    const seen = (await call(wall, 'lead:timeline', { leadId: 'L1' })).value as { lead: Record<string, unknown> };
    expect(seen.lead).toMatchObject({ personName: '王**', personPhone: '138****1234', lat: 22.545, lng: 114.055 });
    expect(seen.lead).not.toHaveProperty('address');
    expect(views).toEqual([]);
    const desk = await openSocket(h, { Authorization: `Bearer ${'d'.repeat(32)}` });
    const full = (await call(desk, 'lead:timeline', { leadId: 'L1' })).value as { lead: Record<string, unknown> };
    expect(full.lead).toMatchObject({ personName: '王小明', address: '福田区某路1号', lat: 22.54321 });
    await vi.waitFor(() => expect(views).toEqual([{ leadId: 'L1', viewer: { role: 'unmask', name: 'desk' } }]));
    wall.close();
    desk.close();
  });
});
