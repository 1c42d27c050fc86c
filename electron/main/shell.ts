// The Electron shell's wiring, as one function over the parts of the `electron` module it uses,
// so the same code runs in Electron (main.ts passes the real module) and in Node tests (which
// pass a recording double: the Electron runtime cannot be downloaded here).
import type * as Electron from 'electron';
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join, normalize, sep } from 'node:path';
import { eventNames, type RequestName } from '../../shared/contract.js';
import { withDefaults } from '../../shared/display.js';
import { Backoff } from '../backoff.js';
import { parseShellConfig, planWindows, type ShellConfig } from './config.js';
import { registerHandlers } from './ipc.js';
import { APP_ORIGIN, APP_SCHEME, isAppUrl, PRODUCTION_CSP, secureWebPreferences } from './security.js';

export type ElectronApi = Pick<
  typeof Electron,
  'app' | 'BrowserWindow' | 'ipcMain' | 'protocol' | 'session' | 'utilityProcess' | 'powerSaveBlocker' | 'globalShortcut' | 'safeStorage' | 'screen' | 'net'
>;

export type ShellOptions = {
  /** Folder of the built app: renderer/, electron/ (main, preload, core process). */
  distDir: string;
  log: (message: string) => void;
  /** Where config.json, token.bin and the replica live (default: app.getPath('userData')). */
  userData?: string;
};

export const TOKEN_FILE = 'token.bin';

/** Stores the display token encrypted by the OS keychain (safeStorage); refuses to store it in clear. */
export function saveToken(e: Pick<ElectronApi, 'safeStorage'>, dir: string, token: string): void {
  if (!e.safeStorage.isEncryptionAvailable()) throw new Error('the OS keychain is not available: the token is not stored in clear');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, TOKEN_FILE), e.safeStorage.encryptString(token));
}

export function loadToken(e: Pick<ElectronApi, 'safeStorage'>, dir: string): string | null {
  const file = join(dir, TOKEN_FILE);
  if (!existsSync(file)) return null;
  return e.safeStorage.decryptString(readFileSync(file));
}

/** Must run before app ready: our scheme is standard and secure, so the UI never needs a remote origin. */
export function registerScheme(e: Pick<ElectronApi, 'protocol'>): void {
  e.protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
}

/** Security that applies to every window: deny permissions, a strict CSP, no navigation, no pop-ups, no webviews. */
export function secureSessions(e: Pick<ElectronApi, 'app' | 'session'>): void {
  const s = e.session.defaultSession;
  s.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  s.setPermissionCheckHandler(() => false);
  s.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [PRODUCTION_CSP] } });
  });
  e.app.on('web-contents-created', (_event, contents) => {
    contents.on('will-navigate', (event, url) => {
      if (!isAppUrl(url)) event.preventDefault();
    });
    contents.on('will-redirect', (event, url) => {
      if (!isAppUrl(url)) event.preventDefault();
    });
    contents.on('will-attach-webview', (event) => event.preventDefault());
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  });
}

/** Serves the built UI from guardpost://app/, and nothing outside it. */
export function serveUi(e: Pick<ElectronApi, 'protocol' | 'net'>, rendererDir: string, toFileUrl: (p: string) => string): void {
  e.protocol.handle(APP_SCHEME, (req) => {
    const path = decodeURIComponent(new URL(req.url).pathname);
    const file = normalize(join(rendererDir, path === '/' ? 'index.html' : path));
    if (!file.startsWith(rendererDir + sep)) return new Response('not found', { status: 404 });
    return e.net.fetch(toFileUrl(file));
  });
}

export type CoreLink = { forward(channel: RequestName, args: unknown): Promise<unknown>; stop(): void };

/** The core in a utility process, restarted with backoff if it dies; events fan out to every window. */
export function startCore(e: Pick<ElectronApi, 'utilityProcess' | 'BrowserWindow'>, script: string, start: object, log: (m: string) => void): CoreLink {
  let child: Electron.UtilityProcess | null = null;
  let stopped = false;
  let nextId = 1;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  const backoff = new Backoff(1_000, 30_000);
  const spawn = () => {
    child = e.utilityProcess.fork(script, [], { serviceName: 'guardpost-core' });
    child.postMessage(start);
    child.on('message', (msg: { type: string; id?: number; ok?: boolean; value?: unknown; error?: string; channel?: string; payload?: unknown; message?: unknown }) => {
      if (msg.type === 'result' && msg.id !== undefined) {
        const p = pending.get(msg.id);
        pending.delete(msg.id);
        if (msg.ok) p?.resolve(msg.value);
        else p?.reject(new Error(msg.error));
      } else if (msg.type === 'log' && typeof msg.message === 'string') {
        log(`core: ${msg.message}`);
      } else if (msg.type === 'event' && (eventNames as readonly string[]).includes(msg.channel ?? '')) {
        for (const w of e.BrowserWindow.getAllWindows()) w.webContents.send(msg.channel!, msg.payload);
      }
    });
    child.on('exit', (code) => {
      for (const p of pending.values()) p.reject(new Error('the core process exited'));
      pending.clear();
      if (stopped) return;
      const wait = backoff.next(Date.now());
      log(`core process exited (${code}); restarting in ${wait} ms`);
      setTimeout(spawn, wait);
    });
  };
  spawn();
  return {
    forward: (channel, args) =>
      new Promise((resolve, reject) => {
        const id = nextId++;
        pending.set(id, { resolve, reject });
        child!.postMessage({ type: 'invoke', id, channel, args });
      }),
    stop() {
      stopped = true;
      child?.kill();
    },
  };
}

/** A window that recovers: a crashed or hung renderer is reloaded with backoff, and logged. */
export function openWindow(e: Pick<ElectronApi, 'BrowserWindow'>, opts: { bounds: Electron.Rectangle; fullscreen: boolean; kiosk: boolean; route: string; preload: string; title: string }, log: (m: string) => void): Electron.BrowserWindow {
  const win = new e.BrowserWindow({
    ...opts.bounds,
    title: opts.title,
    fullscreen: opts.fullscreen,
    kiosk: opts.kiosk,
    autoHideMenuBar: true,
    backgroundColor: '#04070c',
    webPreferences: secureWebPreferences(opts.preload),
  });
  const url = `${APP_ORIGIN}/index.html${opts.route}`;
  const backoff = new Backoff();
  const reload = (why: string) => {
    const wait = backoff.next(Date.now());
    log(`window ${opts.title}: ${why}; reloading in ${wait} ms`);
    setTimeout(() => {
      if (!win.isDestroyed()) void win.loadURL(url);
    }, wait);
  };
  win.webContents.on('render-process-gone', (_e, details) => reload(`renderer gone (${details.reason})`));
  let hang: ReturnType<typeof setTimeout> | null = null;
  win.webContents.on('unresponsive', () => {
    hang ??= setTimeout(() => {
      hang = null;
      reload('renderer unresponsive for 10 s');
    }, 10_000);
  });
  win.webContents.on('responsive', () => {
    if (hang) clearTimeout(hang);
    hang = null;
  });
  void win.loadURL(url);
  return win;
}

/** Reads config.json; null when there is none yet (first run). Errors name the bad key. */
export function readConfig(dir: string): ShellConfig | null {
  const file = join(dir, 'config.json');
  if (!existsSync(file)) return null;
  return parseShellConfig(readFileSync(file, 'utf8'), file);
}

/** Everything after app ready: security, UI, core, windows, power, shortcuts. */
export function runShell(e: ElectronApi, opts: ShellOptions & { toFileUrl: (p: string) => string }): { core: CoreLink | null; windows: Electron.BrowserWindow[] } {
  const dir = opts.userData ?? e.app.getPath('userData');
  const rendererDir = join(opts.distDir, 'renderer');
  const preload = join(opts.distDir, 'electron', 'preload.cjs');
  secureSessions(e);
  serveUi(e, rendererDir, opts.toFileUrl);
  const screens = e.screen.getAllDisplays();
  const config = readConfig(dir);
  const token = config ? loadToken(e, dir) : null;
  if (!config || !token) {
    const why = !config ? 'no-config' : 'no-token';
    opts.log(`first run: ${why} in ${dir}`);
    const win = openWindow(e, { bounds: screens[0]!.bounds, fullscreen: false, kiosk: false, route: `#/setup?why=${why}&dir=${encodeURIComponent(dir)}`, preload, title: 'Guardpost' }, opts.log);
    return { core: null, windows: [win] };
  }
  const display = config.display ? withDefaults(config.display) : undefined;
  const core = startCore(
    e,
    join(opts.distDir, 'electron', 'core-process.cjs'),
    { type: 'start', dataDir: join(dir, 'data'), central: { url: config.central.url, token, ...(config.central.scope ? { scope: config.central.scope } : {}) }, ...(display ? { display } : {}) },
    opts.log,
  );
  registerHandlers(e.ipcMain, core.forward);
  e.powerSaveBlocker.start('prevent-display-sleep');
  e.app.setLoginItemSettings({ openAtLogin: config.startAtLogin });
  const windows = planWindows(config.profiles, screens).map((plan) => {
    if (plan.warning) opts.log(plan.warning);
    return openWindow(e, { bounds: plan.bounds, fullscreen: plan.fullscreen, kiosk: plan.kiosk, route: plan.profile.route, preload, title: plan.profile.name }, opts.log);
  });
  // Leaving kiosk mode needs the administrator's key combination; no menu, no other way out.
  e.globalShortcut.register(config.adminExitShortcut, () => {
    for (const w of windows) {
      w.setKiosk(false);
      w.setFullScreen(false);
    }
    opts.log('kiosk left by the administrator shortcut');
  });
  return { core, windows };
}
