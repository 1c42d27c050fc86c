// A recording double of the parts of the `electron` module the shell uses. It stands only where
// the Electron runtime cannot run (it cannot be downloaded here); it records what is asked of it
// so tests can check window options, handlers, guards and what crosses to the renderer.
import { EventEmitter } from 'node:events';

type Handler = (...args: unknown[]) => unknown;

export class FakeWebContents extends EventEmitter {
  sent: [string, unknown][] = [];
  windowOpenHandler: ((d: { url: string }) => { action: string }) | null = null;
  send(channel: string, payload: unknown): void {
    this.sent.push([channel, payload]);
  }
  setWindowOpenHandler(fn: (d: { url: string }) => { action: string }): void {
    this.windowOpenHandler = fn;
  }
}

export class FakeWindow extends EventEmitter {
  /** Every window ever created, closed ones too (in creation order). */
  static all: FakeWindow[] = [];
  static getAllWindows(): FakeWindow[] {
    return FakeWindow.all.filter((w) => !w.destroyed);
  }
  readonly webContents = new FakeWebContents();
  loaded: string[] = [];
  kiosk: boolean;
  fullscreen: boolean;
  destroyed = false;
  constructor(readonly options: Record<string, unknown>) {
    super();
    this.kiosk = Boolean(options['kiosk']);
    this.fullscreen = Boolean(options['fullscreen']);
    FakeWindow.all.push(this);
  }
  /** As Electron does: 'close' (preventable), then the window is gone and 'closed' is emitted. */
  close(): void {
    const event = { defaultPrevented: false, preventDefault() { this.defaultPrevented = true; } };
    this.emit('close', event);
    if (event.defaultPrevented) return;
    this.destroyed = true;
    this.emit('closed');
  }
  loadURL(url: string): Promise<void> {
    this.loaded.push(url);
    return Promise.resolve();
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  setKiosk(v: boolean): void {
    this.kiosk = v;
  }
  setFullScreen(v: boolean): void {
    this.fullscreen = v;
  }
}

export class FakeChild extends EventEmitter {
  posted: unknown[] = [];
  killed = false;
  postMessage(m: unknown): void {
    this.posted.push(m);
  }
  kill(): boolean {
    this.killed = true;
    return true;
  }
}

export function electronDouble(screens = [{ id: 1, bounds: { x: 0, y: 0, width: 1920, height: 1080 } }]) {
  FakeWindow.all = [];
  const app = Object.assign(new EventEmitter(), {
    loginItem: null as unknown,
    getPath: (name: string) => `/tmp/guardpost-double/${name}`,
    setLoginItemSettings(s: unknown) {
      app.loginItem = s;
    },
  });
  const record = {
    schemes: [] as unknown[],
    protocolHandlers: new Map<string, Handler>(),
    ipc: new Map<string, Handler>(),
    permissionRequest: null as Handler | null,
    permissionCheck: null as Handler | null,
    headers: null as Handler | null,
    children: [] as FakeChild[],
    powerSave: [] as string[],
    shortcuts: new Map<string, Handler>(),
    fetched: [] as string[],
    /** Every Menu.setApplicationMenu call, in order (null: no menu). */
    menus: [] as unknown[],
  };
  const api = {
    app,
    BrowserWindow: FakeWindow,
    ipcMain: { handle: (ch: string, fn: Handler) => void record.ipc.set(ch, fn) },
    protocol: {
      registerSchemesAsPrivileged: (s: unknown[]) => void record.schemes.push(...s),
      handle: (scheme: string, fn: Handler) => void record.protocolHandlers.set(scheme, fn),
    },
    session: {
      defaultSession: {
        setPermissionRequestHandler: (fn: Handler) => void (record.permissionRequest = fn),
        setPermissionCheckHandler: (fn: Handler) => void (record.permissionCheck = fn),
        webRequest: { onHeadersReceived: (fn: Handler) => void (record.headers = fn) },
      },
    },
    utilityProcess: {
      fork: () => {
        const c = new FakeChild();
        record.children.push(c);
        return c;
      },
    },
    powerSaveBlocker: { start: (type: string) => (record.powerSave.push(type), 1) },
    globalShortcut: { register: (acc: string, fn: Handler) => (record.shortcuts.set(acc, fn), true) },
    safeStorage: {
      isEncryptionAvailable: () => true,
      encryptString: (s: string) => Buffer.from(`enc:${Buffer.from(s).toString('base64')}`),
      decryptString: (b: Buffer) => Buffer.from(b.toString().slice(4), 'base64').toString(),
    },
    screen: { getAllDisplays: () => screens },
    Menu: { setApplicationMenu: (menu: unknown) => void record.menus.push(menu) },
    net: { fetch: (url: string) => (record.fetched.push(url), Promise.resolve(new Response('ok'))) },
  };
  return { api, record };
}
