// The Electron shell's wiring, driven through a recording double of the `electron` module (the
// runtime cannot be downloaded here; tests/electron holds the real-runtime suite).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { appFlagSpec, flagArgs } from '../../shared/args.js';
import { electronDouble, FakeWindow, type FakeChild } from '../../tests/support/electron-double.js';
import { tempDir } from '../../tests/support/harness.js';
import { Backoff } from '../backoff.js';
import { parseShellConfig, planWindows, ShellConfigError } from './config.js';
import { parseShellArgs, registerScheme, runShell, saveToken, type ElectronApi, type ShellOptions } from './shell.js';

let dirs: { remove(): void }[] = [];
afterEach(() => {
  for (const d of dirs) d.remove();
  dirs = [];
});

const CONFIG = {
  central: { url: 'https://centre.example', scope: 'SZ-FT' },
  profiles: [
    { name: '大屏左', screen: 0, route: '#/wall', mode: 'kiosk' },
    { name: '大屏右', screen: 1, route: '#/rankings', mode: 'fullscreen' },
  ],
  display: { displayName: '福田指挥部', targets: { faceToFace: 0.97 } },
  startAtLogin: true,
};

function boot(config: object | string | null, token: string | null, screens?: Parameters<typeof electronDouble>[0], extra: Partial<ShellOptions> = {}) {
  const tmp = tempDir();
  dirs.push(tmp);
  const { api, record } = electronDouble(screens);
  if (config) writeFileSync(join(tmp.dir, 'config.json'), typeof config === 'string' ? config : JSON.stringify(config));
  if (token) saveToken(api as unknown as ElectronApi, tmp.dir, token);
  const logs: string[] = [];
  registerScheme(api as unknown as ElectronApi);
  mkdirSync(join(tmp.dir, 'dist', 'renderer'), { recursive: true });
  const shell = runShell(api as unknown as ElectronApi, { distDir: join(tmp.dir, 'dist'), userData: tmp.dir, log: (m) => logs.push(m), toFileUrl: (p) => `file://${p}`, ...extra });
  return { api, record, logs, shell, dir: tmp.dir };
}

const TWO_SCREENS = [
  { id: 2, bounds: { x: 1920, y: 0, width: 3840, height: 2160 } },
  { id: 1, bounds: { x: 0, y: 0, width: 1920, height: 1080 } },
];

describe('the Electron shell', () => {
  it('opens every window with the security checklist’s web preferences on our own scheme', () => {
    const { shell } = boot(CONFIG, 'T0KEN-secret', TWO_SCREENS);
    expect(shell.windows).toHaveLength(2);
    for (const w of FakeWindow.all) {
      expect(w.options['webPreferences']).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, nodeIntegrationInWorker: false, webviewTag: false, webSecurity: true, allowRunningInsecureContent: false, autoplayPolicy: 'no-user-gesture-required' });
      expect((w.options['webPreferences'] as { preload: string }).preload).toMatch(/preload\.cjs$/);
      expect(w.loaded[0]).toMatch(/^guardpost:\/\/app\/index\.html#\//);
    }
  });

  it('places a window per profile on its screen (left to right), fullscreen or kiosk', () => {
    boot(CONFIG, 'T0KEN-secret', TWO_SCREENS);
    const [left, right] = FakeWindow.all;
    expect(left!.options).toMatchObject({ x: 0, y: 0, width: 1920, height: 1080, kiosk: true, fullscreen: true, title: '大屏左' });
    expect(left!.loaded[0]).toBe('guardpost://app/index.html#/wall');
    expect(right!.options).toMatchObject({ x: 1920, width: 3840, kiosk: false, fullscreen: true });
    expect(right!.loaded[0]).toBe('guardpost://app/index.html#/rankings');
  });

  it('registers every contract request with a sender check and argument validation', async () => {
    const { record } = boot(CONFIG, 'T0KEN-secret');
    const handler = record.ipc.get('countdowns:list')!;
    await expect(handler({ senderFrame: { url: 'https://evil.example/' } }, { limit: 1 })).rejects.toThrow(/untrusted frame/);
    await expect(handler({ senderFrame: { url: 'guardpost://app/index.html' } }, { limit: -1 })).rejects.toThrow(/countdowns:list: limit/);
    const sent = handler({ senderFrame: { url: 'guardpost://app/index.html' } }, { limit: 3 });
    const child = record.children[0]!;
    const invoke = child.posted.at(-1) as { id: number; channel: string; args: unknown };
    expect(invoke).toMatchObject({ type: 'invoke', channel: 'countdowns:list', args: { limit: 3 } });
    child.emit('message', { type: 'result', id: invoke.id, ok: true, value: ['x'] });
    await expect(sent).resolves.toEqual(['x']);
  });

  it('denies navigation away from the app, window.open, webviews and every permission', () => {
    const { api, record } = boot(CONFIG, 'T0KEN-secret');
    const contents = FakeWindow.all[0]!.webContents;
    api.app.emit('web-contents-created', {}, contents);
    const nav = { defaultPrevented: false, preventDefault() { this.defaultPrevented = true; } };
    contents.emit('will-navigate', nav, 'https://evil.example/');
    expect(nav.defaultPrevented).toBe(true);
    const ok = { defaultPrevented: false, preventDefault() { this.defaultPrevented = true; } };
    contents.emit('will-navigate', ok, 'guardpost://app/index.html#/review');
    expect(ok.defaultPrevented).toBe(false);
    const web = { defaultPrevented: false, preventDefault() { this.defaultPrevented = true; } };
    contents.emit('will-attach-webview', web);
    expect(web.defaultPrevented).toBe(true);
    expect(contents.windowOpenHandler!({ url: 'https://evil.example/' })).toEqual({ action: 'deny' });
    let granted: boolean | null = null;
    record.permissionRequest!({}, 'media', (g: boolean) => (granted = g));
    expect(granted).toBe(false);
    expect(record.permissionCheck!({}, 'geolocation')).toBe(false);
    let headers: Record<string, string[]> = {};
    record.headers!({ responseHeaders: {} }, (r: { responseHeaders: Record<string, string[]> }) => (headers = r.responseHeaders));
    expect(headers['Content-Security-Policy']![0]).toMatch(/^default-src 'none'/);
    expect(record.schemes).toEqual([{ scheme: 'guardpost', privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
  });

  it('keeps the token with safeStorage, gives it to the core process only, never to a window or a log', () => {
    const { record, logs, dir } = boot(CONFIG, 'T0KEN-secret');
    expect(readFileSync(join(dir, 'token.bin'), 'utf8')).not.toContain('T0KEN-secret');
    const start = record.children[0]!.posted[0] as { central: { token: string } };
    expect(start.central.token).toBe('T0KEN-secret');
    for (const w of FakeWindow.all) {
      expect(JSON.stringify(w.options)).not.toContain('T0KEN-secret');
      expect(w.loaded.join()).not.toContain('T0KEN-secret');
      expect(JSON.stringify(w.webContents.sent)).not.toContain('T0KEN-secret');
    }
    expect(logs.join('\n')).not.toContain('T0KEN-secret');
  });

  it('keeps the display awake, starts at login when configured, and leaves kiosk only by the admin shortcut', () => {
    const { api, record } = boot(CONFIG, 'T0KEN-secret');
    expect(record.powerSave).toEqual(['prevent-display-sleep']);
    expect((api.app as unknown as { loginItem: unknown }).loginItem).toEqual({ openAtLogin: true });
    const exit = record.shortcuts.get('CommandOrControl+Alt+Shift+Q')!;
    expect(FakeWindow.all[0]!.kiosk).toBe(true);
    exit();
    expect(FakeWindow.all[0]!.kiosk).toBe(false);
  });

  it('writes the core process’s log lines to the shell’s log', () => {
    const { record, logs } = boot(CONFIG, 'T0KEN-secret');
    record.children[0]!.emit('message', { type: 'log', message: 'sync: live' });
    expect(logs.at(-1)).toBe('core: sync: live');
  });

  it('restarts the core process when it dies', async () => {
    const { record, logs } = boot(CONFIG, 'T0KEN-secret');
    (record.children[0] as FakeChild).emit('exit', 9);
    expect(logs.at(-1)).toMatch(/core process exited \(9\); restarting in 1000 ms/);
    const t0 = performance.now();
    expect(record.children).toHaveLength(1);
    await vi.waitFor(() => expect(record.children).toHaveLength(2), { timeout: 10_000, interval: 20 });
    // Not at once: after its backoff (a lower bound; load only adds to it).
    expect(performance.now() - t0).toBeGreaterThanOrEqual(950);
  });

  it('reloads a crashed renderer with backoff and logs it', async () => {
    const { logs } = boot(CONFIG, 'T0KEN-secret');
    const w = FakeWindow.all[0]!;
    w.webContents.emit('render-process-gone', {}, { reason: 'crashed' });
    expect(logs.at(-1)).toMatch(/renderer gone \(crashed\); reloading in 1000 ms/);
    const t0 = performance.now();
    expect(w.loaded).toHaveLength(1);
    await vi.waitFor(() => expect(w.loaded).toHaveLength(2), { timeout: 10_000, interval: 20 });
    expect(performance.now() - t0).toBeGreaterThanOrEqual(950);
  });

  it('shows the first-run screen when there is no configuration or no token, and starts nothing', () => {
    const none = boot(null, null);
    expect(none.shell.core).toBeNull();
    expect(FakeWindow.all[0]!.loaded[0]).toMatch(/#\/setup\?why=no-config/);
    const noToken = boot(CONFIG, null);
    expect(noToken.record.children).toHaveLength(0);
    expect(FakeWindow.all[0]!.loaded[0]).toMatch(/#\/setup\?why=no-token/);
  });
});

describe('the shell does what npm start asks', () => {
  const setupError = (w: FakeWindow) => new URLSearchParams(w.loaded[0]!.split('#/setup?')[1]).get('error');

  it('reads the flags npm start passes (one spec, Electron’s own argv entries skipped) and opens the live wall on that centre', () => {
    const tmp = tempDir();
    dirs.push(tmp);
    const displayFile = join(tmp.dir, 'display.json');
    writeFileSync(displayFile, JSON.stringify({ displayName: '演示大屏', targets: { faceToFace: 0.9 } }));
    const given = { central: 'http://127.0.0.1:8787', token: 'demo-T0K', scope: 'SZ-FT', 'data-dir': join(tmp.dir, 'replica'), display: displayFile };
    // What start.ts spawns, as Playwright's _electron and Chromium lay it out.
    const argv = ['/opt/electron/electron', '--inspect=0', '--remote-debugging-port=0', '/app/dist/electron/main.cjs', ...flagArgs(appFlagSpec, given), '--enable-logging'];
    const flags = parseShellArgs(argv, true);
    expect(flags).toEqual(given);
    expect(parseShellArgs(['/opt/Guardpost', ...flagArgs(appFlagSpec, given)], false)).toEqual(given);

    const { shell, record, logs } = boot(null, null, undefined, { flags });
    expect(shell.core).not.toBeNull();
    const start = record.children[0]!.posted[0] as { dataDir: string; central: unknown; display: { displayName: string; targets: { faceToFace: number } } };
    expect(start.central).toEqual({ url: 'http://127.0.0.1:8787', token: 'demo-T0K', scope: 'SZ-FT' });
    expect(start.dataDir).toBe(given['data-dir']);
    expect(start.display.displayName).toBe('演示大屏');
    expect(start.display.targets.faceToFace).toBe(0.9);
    expect(FakeWindow.all.map((w) => w.loaded[0])).toEqual(['guardpost://app/index.html#/wall']);
    expect(logs.join('\n')).not.toContain('demo-T0K');
  });

  it('removes the application menu (reload, close, DevTools shortcuts) when a profile is kiosk or full-screen, and only then', () => {
    const kiosk = boot(CONFIG, 'T0KEN-secret');
    expect(kiosk.record.menus).toEqual([null]);
    const windowed = boot({ ...CONFIG, profiles: [{ name: 'desk', screen: 0, route: '#/review', mode: 'window' }] }, 'T0KEN-secret');
    expect(windowed.record.menus).toEqual([]);
    const full = boot({ ...CONFIG, profiles: [{ name: 'wall', screen: 0, route: '#/wall', mode: 'fullscreen' }] }, 'T0KEN-secret');
    expect(full.record.menus).toEqual([null]);
  });

  it('re-creates a closed kiosk window; a full-screen one closes for good; after the admin shortcut nothing comes back and the app may quit', async () => {
    const { shell, record, logs } = boot(CONFIG, 'T0KEN-secret', TWO_SCREENS);
    const [kiosk, full] = FakeWindow.all;
    expect(shell.quitWhenAllClosed()).toBe(false);
    kiosk!.close();
    expect(logs.at(-1)).toMatch(/kiosk window 大屏左 was closed; opening it again in 500 ms/);
    await vi.waitFor(() => expect(FakeWindow.all).toHaveLength(3), { timeout: 5_000 });
    const again = FakeWindow.all[2]!;
    expect(again.options).toMatchObject({ kiosk: true, fullscreen: true, x: 0, width: 1920, title: '大屏左' });
    expect(again.loaded[0]).toBe('guardpost://app/index.html#/wall');
    expect(shell.windows).toContain(again);
    expect(shell.windows).not.toContain(kiosk);

    full!.close();
    record.shortcuts.get('CommandOrControl+Alt+Shift+Q')!();
    expect(shell.quitWhenAllClosed()).toBe(true);
    again.close();
    expect(logs.at(-1)).toBe('kiosk left by the administrator shortcut');
    expect(FakeWindow.getAllWindows()).toHaveLength(0);
  });

  it.each([
    ['a bad key in config.json', { config: { ...CONFIG, profiles: [{ name: 'a', screen: 0, route: '#/wall', mode: 'kiosk', colour: 1 }] } }, /config\.json: profiles\.0\.colour: unknown key$/],
    ['config.json that is not JSON', { config: '{"central":' }, /config\.json: not JSON/],
    ['a bad value in config.json', { config: { ...CONFIG, central: { url: 'ftp://x' } } }, /config\.json: central\.url: must be http\(s\)$/],
    ['a bad --display file', { flags: { central: 'http://127.0.0.1:1', token: 'T', display: 'DISPLAY' } }, /display\.json: targets\.faceToFace: Too big/],
    ['--central without --token', { flags: { central: 'http://127.0.0.1:1' } }, /^--central needs --token/],
    ['a command line that cannot be parsed', { flagError: 'unknown flag --colour' }, /^command line: unknown flag --colour/],
  ])('%s shows the first-run screen with the file, key and reason, and starts nothing', (_what, given: { config?: object | string; flags?: Record<string, string>; flagError?: string }, reason) => {
    const tmp = tempDir();
    dirs.push(tmp);
    const displayFile = join(tmp.dir, 'display.json');
    writeFileSync(displayFile, JSON.stringify({ targets: { faceToFace: 2 } }));
    const flags = given.flags ? Object.fromEntries(Object.entries(given.flags).map(([k, v]) => [k, v === 'DISPLAY' ? displayFile : v])) : undefined;
    const { shell, record, logs, dir } = boot(given.config ?? null, 'T0KEN-secret', undefined, { ...(flags ? { flags } : {}), ...(given.flagError ? { flagError: given.flagError } : {}) });
    expect(shell.core).toBeNull();
    expect(record.children).toHaveLength(0);
    const w = FakeWindow.all[0]!;
    expect(w.loaded[0]).toMatch(/#\/setup\?why=bad-config&error=/);
    expect(setupError(w)).toMatch(reason);
    if (given.config) expect(setupError(w)).toContain(join(dir, 'config.json'));
    expect(logs.at(-1)).toMatch(/^configuration refused: /);
  });
});

describe('shell configuration', () => {
  it.each([
    [{ ...CONFIG, central: { url: 'ftp://x' } }, /central\.url: must be http\(s\)/],
    [{ ...CONFIG, profiles: [{ name: 'a', screen: 0, route: '#/wall', mode: 'kiosk', colour: 1 }] }, /profiles\.0\.colour: unknown key/],
    [{ ...CONFIG, display: { targets: { faceToFace: 2 } } }, /display\.targets\.faceToFace: Too big/],
    [{ ...CONFIG, profiles: [] }, /profiles: Too small/],
  ])('names the bad key', (config, message) => {
    expect(() => parseShellConfig(JSON.stringify(config), 'config.json')).toThrow(ShellConfigError);
    expect(() => parseShellConfig(JSON.stringify(config), 'config.json')).toThrow(message);
  });

  it('puts a profile for a screen that is not connected on the first, with a warning', () => {
    const plan = planWindows([{ name: 'x', screen: 3, route: '#/wall', mode: 'kiosk' }], [{ id: 1, bounds: { x: 0, y: 0, width: 10, height: 10 } }]);
    expect(plan[0]!.warning).toMatch(/screen 3 is not connected/);
  });

  it('backs off 1 s doubling to 60 s, and starts again after a quiet spell', () => {
    const b = new Backoff();
    expect([0, 1, 2, 3, 4, 5, 6, 7].map((i) => b.next(i))).toEqual([1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000]);
    expect(b.next(10 * 60_000)).toBe(1000);
  });
});
