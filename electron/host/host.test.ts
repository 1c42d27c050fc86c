import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { Handlers } from '../../shared/contract.js';
import { tempDir } from '../../tests/support/harness.js';
import { startHost, type Host } from './host.js';

const calls: unknown[] = [];
// Only the channels this test calls; the host dispatches whatever the map holds.
const handlers = {
  'countdowns:list': (args: unknown) => {
    calls.push(args);
    return [];
  },
  'sync:status': () => ({ state: 'live', seq: 1, epoch: 'e', serverSeq: 1, progress: null, offlineSince: null, lastAppliedAt: null, reason: null, serverOffsetMs: 0 }),
  'clock:now': () => ({ serverTime: 42 }),
} as unknown as Handlers;

let host: Host | null = null;
const tmp = tempDir();
afterEach(async () => {
  await host?.close();
  host = null;
  calls.length = 0;
});

async function start(): Promise<Host> {
  mkdirSync(join(tmp.dir, 'r'), { recursive: true });
  writeFileSync(join(tmp.dir, 'r', 'index.html'), '<!doctype html><title>t</title>');
  host = await startHost({ core: { handlers, on: () => () => {}, recordView: () => {} }, rendererDir: join(tmp.dir, 'r') });
  return host;
}

/** The key the host made for itself, from the URL it reports. */
const keyOf = (h: Host) => new URL(h.url).searchParams.get('key')!;

function rpc(h: Host, frames: unknown[], headers: Record<string, string> = {}): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(h.origin.replace('http', 'ws') + '/ws', { headers: { Authorization: `Bearer ${keyOf(h)}`, ...headers } });
    const out: unknown[] = [];
    ws.on('open', () => frames.forEach((f) => ws.send(JSON.stringify(f))));
    ws.on('message', (d) => {
      out.push(JSON.parse(String(d)));
      if (out.length === frames.length) ws.close();
    });
    ws.on('close', () => resolve(out));
    ws.on('error', reject);
  });
}

describe('browser host', () => {
  it('serves the renderer with a strict CSP and nothing outside it', async () => {
    const h = await start();
    const res = await fetch(h.url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toMatch(/default-src 'none'/);
    expect((await fetch(`${h.origin}/..%2F..%2Fetc%2Fpasswd`, { headers: { Authorization: `Bearer ${keyOf(h)}` } })).status).toBe(404);
  });

  it('carries the contract over the WebSocket, validating every argument', async () => {
    const h = await start();
    const out = await rpc(h, [
      { type: 'invoke', id: 1, channel: 'clock:now', args: {} },
      { type: 'invoke', id: 2, channel: 'countdowns:list', args: { limit: 'all' } },
      { type: 'invoke', id: 3, channel: 'db:exec', args: { sql: 'delete from lead' } },
      { type: 'invoke', id: 4, channel: 'countdowns:list', args: { limit: 3 } },
    ]);
    // Results carry their request's id; they may arrive in any order.
    const byId = [...(out as { id: number }[])].sort((a, b) => a.id - b.id);
    expect(byId).toEqual([
      { type: 'result', id: 1, ok: true, value: { serverTime: 42 } },
      { type: 'result', id: 2, ok: false, error: expect.stringMatching(/^countdowns:list: limit: /) },
      { type: 'result', id: 3, ok: false, error: 'unknown channel "db:exec"' },
      { type: 'result', id: 4, ok: true, value: [] },
    ]);
    expect(calls).toEqual([{ limit: 3 }]);
  });

  it('refuses a WebSocket from a page of another origin', async () => {
    const h = await start();
    await expect(rpc(h, [{ type: 'invoke', id: 1, channel: 'clock:now', args: {} }], { Origin: 'http://evil.example' })).rejects.toThrow();
  });
});
