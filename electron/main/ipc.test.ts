// The Electron runtime cannot run here: these test the IPC wiring against a recording double of
// ipcMain (the only fake, standing where Electron itself cannot).
import { describe, expect, it } from 'vitest';
import { requests } from '../../shared/contract.js';
import { registerHandlers } from './ipc.js';
import { isAppUrl, secureWebPreferences } from './security.js';

type Handler = (event: { senderFrame: { url: string } | null }, args: unknown) => Promise<unknown>;

function recordingIpcMain() {
  const handlers = new Map<string, Handler>();
  return { handlers, ipcMain: { handle: (channel: string, fn: Handler) => void handlers.set(channel, fn) } };
}

describe('IPC wiring', () => {
  it('registers every contract request, and only those', () => {
    const { handlers, ipcMain } = recordingIpcMain();
    registerHandlers(ipcMain as never, async () => null);
    expect([...handlers.keys()].sort()).toEqual(Object.keys(requests).sort());
  });

  it('checks the sender frame and validates the argument before forwarding', async () => {
    const { handlers, ipcMain } = recordingIpcMain();
    const forwarded: unknown[] = [];
    registerHandlers(ipcMain as never, async (channel, args) => {
      forwarded.push([channel, args]);
      return 'ok';
    });
    const open = handlers.get('countdowns:list')!;
    await expect(open({ senderFrame: { url: 'guardpost://app/index.html#/wall' } }, { limit: 5 })).resolves.toBe('ok');
    await expect(open({ senderFrame: { url: 'https://evil.example/' } }, { limit: 5 })).rejects.toThrow(/untrusted frame/);
    await expect(open({ senderFrame: null }, { limit: 5 })).rejects.toThrow(/untrusted frame/);
    await expect(open({ senderFrame: { url: 'guardpost://app/' } }, { limit: 'x' })).rejects.toThrow(/countdowns:list: limit/);
    expect(forwarded).toEqual([['countdowns:list', { limit: 5 }]]);
  });
});

describe('window security', () => {
  it('uses the security checklist for web preferences', () => {
    expect(secureWebPreferences('/p.cjs')).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webviewTag: false, webSecurity: true });
  });
  it('recognises only our own scheme and host as the app', () => {
    expect(isAppUrl('guardpost://app/index.html')).toBe(true);
    expect(isAppUrl('guardpost://evil/index.html')).toBe(false);
    expect(isAppUrl('file:///etc/passwd')).toBe(false);
    expect(isAppUrl('not a url')).toBe(false);
  });
});
