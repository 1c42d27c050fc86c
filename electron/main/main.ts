// The Electron shell: one secure window on our own scheme, the core in a utility process, the
// contract over IPC. Everything it runs is the core and renderer the browser host already tests.
import { app, BrowserWindow, ipcMain, net, protocol, session, utilityProcess, type UtilityProcess } from 'electron';
import { join, normalize, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { eventNames, type RequestName } from '../../shared/contract.js';
import { FlagError, parseFlags } from '../../shared/args.js';
import { registerHandlers } from './ipc.js';
import { APP_ORIGIN, APP_SCHEME, isAppUrl, PRODUCTION_CSP, secureWebPreferences } from './security.js';

const flags = parseFlags(
  {
    central: { kind: 'string', help: 'centre URL' },
    token: { kind: 'string', help: 'display token' },
    scope: { kind: 'string', help: 'unit id' },
    'data-dir': { kind: 'string', help: 'replica folder' },
  },
  process.argv.slice(process.defaultApp ? 2 : 1).filter((a, i, all) => a.startsWith('--') || all[i - 1]?.startsWith('--')),
);
if (!flags.central || !flags.token) throw new FlagError('the Electron shell needs --central and --token');

protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
if (!app.requestSingleInstanceLock()) app.quit();

const rendererDir = join(__dirname, '..', 'renderer');
let core: UtilityProcess | null = null;
let nextId = 1;
const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

function startCore(): void {
  core = utilityProcess.fork(join(__dirname, 'core-process.cjs'), [], { serviceName: 'guardpost-core' });
  core.postMessage({ type: 'start', dataDir: flags['data-dir'] ?? join(app.getPath('userData'), 'data'), central: { url: flags.central, token: flags.token, ...(flags.scope ? { scope: flags.scope } : {}) } });
  core.on('message', (msg: { type: string; id?: number; ok?: boolean; value?: unknown; error?: string; channel?: string; payload?: unknown }) => {
    if (msg.type === 'result' && msg.id !== undefined) {
      const p = pending.get(msg.id);
      pending.delete(msg.id);
      if (msg.ok) p?.resolve(msg.value);
      else p?.reject(new Error(msg.error));
    } else if (msg.type === 'event' && (eventNames as readonly string[]).includes(msg.channel ?? '')) {
      for (const w of BrowserWindow.getAllWindows()) w.webContents.send(msg.channel!, msg.payload);
    }
  });
  core.on('exit', () => {
    for (const p of pending.values()) p.reject(new Error('core process exited'));
    pending.clear();
    setTimeout(startCore, 1000); // restarted if it dies
  });
}

function forward(channel: RequestName, args: unknown): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const id = nextId++;
    pending.set(id, { resolve, reject });
    core?.postMessage({ type: 'invoke', id, channel, args });
  });
}

void app.whenReady().then(() => {
  protocol.handle(APP_SCHEME, (req) => {
    const path = decodeURIComponent(new URL(req.url).pathname);
    const file = normalize(join(rendererDir, path === '/' ? 'index.html' : path));
    if (!file.startsWith(rendererDir + sep)) return new Response('not found', { status: 404 });
    return net.fetch(pathToFileURL(file).toString());
  });
  session.defaultSession.setPermissionRequestHandler((_wc, _perm, callback) => callback(false));
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [PRODUCTION_CSP] } });
  });
  app.on('web-contents-created', (_e, contents) => {
    contents.on('will-navigate', (event, url) => {
      if (!isAppUrl(url)) event.preventDefault();
    });
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  });
  registerHandlers(ipcMain, forward);
  startCore();
  const win = new BrowserWindow({ width: 1920, height: 1080, backgroundColor: '#05080d', webPreferences: secureWebPreferences(join(__dirname, 'preload.cjs')) });
  void win.loadURL(`${APP_ORIGIN}/index.html#/wall`);
});

app.on('window-all-closed', () => app.quit());
