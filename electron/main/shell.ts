// The Electron shell's wiring, as one function over the parts of the `electron` module it uses,
// so the same code runs in Electron (main.ts passes the real module) and in Node tests (which
// pass a recording double: the Electron runtime cannot be downloaded here).
import type * as Electron from 'electron';
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join, normalize, sep } from 'node:path';
import { appFlagSpec, electronArgs, parseFlags, type FlagValues } from '../../shared/args.js';
import { eventNames, type RequestName } from '../../shared/contract.js';
import { ConfigError, parseDisplayConfig, withDefaults, type DisplayConfig } from '../../shared/display.js';
import { Backoff } from '../backoff.js';
import { parseShellConfig, planWindows, shellConfigSchema, type ShellConfig, type WindowPlan } from './config.js';
import { registerHandlers } from './ipc.js';
import { APP_ORIGIN, APP_SCHEME, isAppUrl, PRODUCTION_CSP, secureWebPreferences } from './security.js';

export type ElectronApi = Pick<
  typeof Electron,
  'app' | 'BrowserWindow' | 'ipcMain' | 'protocol' | 'session' | 'utilityProcess' | 'powerSaveBlocker' | 'globalShortcut' | 'safeStorage' | 'screen' | 'net' | 'Menu'
>;

/** The shell's command line: the flags `npm start` passes (one spec, shared/args.ts), and --set-token. */
export const shellFlagSpec = {
  ...appFlagSpec,
  'set-token': { kind: 'string', help: 'store the centre token with the OS keychain and exit' },
} as const;
export type ShellFlags = FlagValues<typeof shellFlagSpec>;

/** Parses an Electron process's argv (runtime entries and switches skipped); a bad one throws FlagError. */
export function parseShellArgs(argv: readonly string[], defaultApp: boolean): ShellFlags {
  return parseFlags(shellFlagSpec, electronArgs(argv, defaultApp));
}

export type ShellOptions = {
  /** Folder of the built app: renderer/, electron/ (main, preload, core process). */
  distDir: string;
  log: (message: string) => void;
  /** Where config.json, token.bin and the replica live (default: app.getPath('userData')). */
  userData?: string;
  /** The command line (`npm start` passes --central/--token/--scope/--data-dir/--display); it wins over config.json. */
  flags?: ShellFlags;
  /** A command line that could not be parsed: shown on the first-run screen instead of starting. */
  flagError?: string;
};

/** What the shell runs with, from config.json and token.bin, or the command line. */
type Settings = { config: ShellConfig; token: string; dataDir: string; display: DisplayConfig | undefined };

/** Flags and files combined; null when there is not enough to start (first run); a ConfigError names what is wrong. */
function settingsFrom(e: Pick<ElectronApi, 'safeStorage'>, dir: string, flags: ShellFlags): Settings | { missing: 'no-config' | 'no-token' } {
  if (flags.central && !flags.token) throw new ConfigError('--central needs --token (the display token the centre issued)');
  if (flags.token && !flags.central) throw new ConfigError('--token goes with --central');
  const file = readConfig(dir);
  const display = flags.display ? readDisplayFile(flags.display) : file?.display ? withDefaults(file.display) : undefined;
  const dataDir = flags['data-dir'] ?? join(dir, 'data');
  if (flags.central) {
    // `npm start`: one plain window on the live wall unless config.json says how to lay out the screens.
    const base = file ?? shellConfigSchema.parse({ central: { url: flags.central }, profiles: [{ name: 'Guardpost', screen: 0, route: '#/wall', mode: 'window' }] });
    // A centre named on the command line is not the one config.json names: only --scope applies to it.
    return { config: { ...base, central: { url: flags.central, ...(flags.scope ? { scope: flags.scope } : {}) } }, token: flags.token!, dataDir, display };
  }
  if (!file) return { missing: 'no-config' };
  const token = loadToken(e, dir);
  if (!token) return { missing: 'no-token' };
  const scope = flags.scope ?? file.central.scope;
  return { config: { ...file, central: { ...file.central, ...(scope ? { scope } : {}) } }, token, dataDir, display };
}

function readDisplayFile(file: string): DisplayConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`${file}: cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  return parseDisplayConfig(text, file);
}

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

export type Shell = {
  core: CoreLink | null;
  /** The windows open now (a kiosk window closed is replaced by a new one). */
  windows: Electron.BrowserWindow[];
  /** Whether closing every window should quit the app: not while kiosk windows are kept up. */
  quitWhenAllClosed(): boolean;
};

/** Everything after app ready: security, UI, core, windows, menu, power, shortcuts. */
export function runShell(e: ElectronApi, opts: ShellOptions & { toFileUrl: (p: string) => string }): Shell {
  const dir = opts.userData ?? e.app.getPath('userData');
  const rendererDir = join(opts.distDir, 'renderer');
  const preload = join(opts.distDir, 'electron', 'preload.cjs');
  secureSessions(e);
  serveUi(e, rendererDir, opts.toFileUrl);
  const screens = e.screen.getAllDisplays();
  const firstRun = (query: string): Shell => {
    const win = openWindow(e, { bounds: screens[0]!.bounds, fullscreen: false, kiosk: false, route: `#/setup?${query}&dir=${encodeURIComponent(dir)}`, preload, title: 'Guardpost' }, opts.log);
    return { core: null, windows: [win], quitWhenAllClosed: () => true };
  };
  let settings: ReturnType<typeof settingsFrom>;
  try {
    if (opts.flagError) throw new ConfigError(`command line: ${opts.flagError}`);
    settings = settingsFrom(e, dir, opts.flags ?? {});
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    // A wall must show something: what is wrong, where, on the first-run screen (and in the log).
    opts.log(`configuration refused: ${err.message}`);
    return firstRun(`why=bad-config&error=${encodeURIComponent(err.message)}`);
  }
  if ('missing' in settings) {
    opts.log(`first run: ${settings.missing} in ${dir}`);
    return firstRun(`why=${settings.missing}`);
  }
  const { config, token, dataDir, display } = settings;
  const core = startCore(
    e,
    join(opts.distDir, 'electron', 'core-process.cjs'),
    { type: 'start', dataDir, central: { url: config.central.url, token, ...(config.central.scope ? { scope: config.central.scope } : {}) }, ...(display ? { display } : {}) },
    opts.log,
  );
  registerHandlers(e.ipcMain, core.forward);
  e.powerSaveBlocker.start('prevent-display-sleep');
  e.app.setLoginItemSettings({ openAtLogin: config.startAtLogin });
  const plans = planWindows(config.profiles, screens);
  // A wall has no menu: the default one brings Ctrl+R (reload), Ctrl+W (close) and the DevTools.
  if (plans.some((p) => p.fullscreen || p.kiosk)) e.Menu.setApplicationMenu(null);
  let adminLeft = false;
  const windows: Electron.BrowserWindow[] = [];
  const open = (plan: WindowPlan, backoff: Backoff): void => {
    const win = openWindow(e, { bounds: plan.bounds, fullscreen: plan.fullscreen, kiosk: plan.kiosk, route: plan.profile.route, preload, title: plan.profile.name }, opts.log);
    windows.push(win);
    if (!plan.kiosk) return;
    // A kiosk window closed (Alt+F4, a stray close) comes back; only the administrator's shortcut ends kiosk.
    win.on('closed', () => {
      windows.splice(windows.indexOf(win), 1);
      if (adminLeft) return;
      const wait = backoff.next(Date.now());
      opts.log(`kiosk window ${plan.profile.name} was closed; opening it again in ${wait} ms`);
      setTimeout(() => {
        if (!adminLeft) open(plan, backoff);
      }, wait);
    });
  };
  for (const plan of plans) {
    if (plan.warning) opts.log(plan.warning);
    // One backoff a window, kept across re-creations, so something that keeps closing it is not fought in a tight loop.
    open(plan, new Backoff(500, 30_000));
  }
  // Leaving kiosk mode needs the administrator's key combination; no menu, no other way out.
  // After it, windows close for good and the app quits when the last one does.
  e.globalShortcut.register(config.adminExitShortcut, () => {
    adminLeft = true;
    for (const w of windows) {
      w.setKiosk(false);
      w.setFullScreen(false);
    }
    opts.log('kiosk left by the administrator shortcut');
  });
  return { core, windows, quitWhenAllClosed: () => adminLeft || !plans.some((p) => p.kiosk) };
}
