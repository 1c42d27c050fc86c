// The browser host: serves the built renderer over HTTP and carries the app's contract over one
// WebSocket, so a kiosk browser (and the e2e suite) runs the same UI as the Electron window.
import { createReadStream, existsSync, statSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { eventNames, wsClientFrame, type WsServerFrame } from '../../shared/contract.js';
import { dispatch } from '../core/dispatch.js';
import type { Core } from '../core/core.js';
import type { Viewer } from '../../shared/privacy.js';
import { bearer, isLoopback, keyCookie, cookieName, newSecret, readCookie, StaticKeys, type KeyRing } from './auth.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.geojson': 'application/geo+json',
  '.mp3': 'audio/mpeg',
  '.ogg': 'audio/ogg',
  '.wav': 'audio/wav',
};

const CSP = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self'; connect-src 'self'; media-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export type HostOptions = {
  core: Pick<Core, 'handlers' | 'on' | 'recordView'>;
  /**
   * The display keys this host accepts. Without them a loopback host makes one key (role wall)
   * and puts it in its URL; a host bound beyond loopback refuses to start.
   */
  keys?: KeyRing;
  /** A key to put in the URL the host reports (for a key the caller knows, e.g. `--key`). */
  urlKey?: string;
  /** Serve HTTPS (and WSS) with this certificate and private key (PEM). */
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** How often open sockets are checked against the keys, so a revoked key is cut off (default 1 s). */
  recheckMs?: number;
  rendererDir: string;
  port?: number;
  host?: string;
  /** How often pages report the frames they have drawn; a page that stops drawing is reloaded. */
  aliveMs?: number;
  log?: (message: string) => void;
};
export type Host = {
  /** The URL to open: with `?key=` when the host made its key (or was given urlKey). */
  url: string;
  /** scheme://host:port, without a key. */
  origin: string;
  server: http.Server | https.Server;
  close(): Promise<void>;
};

/** A request the host refuses before it reaches the file system or the core. */
class Refusal extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

export async function startHost(opts: HostOptions): Promise<Host> {
  const root = resolve(opts.rendererDir);
  if (!existsSync(join(root, 'index.html'))) throw new Error(`no built renderer at ${root} (run npm run build)`);
  const bind = opts.host ?? '127.0.0.1';
  let keys = opts.keys;
  let urlKey = opts.urlKey;
  if (!keys) {
    if (!isLoopback(bind)) {
      throw new Error(`the browser host will not serve ${bind} (beyond this machine) without display keys: give --keys FILE (see README, "The browser host as a kiosk")`);
    }
    urlKey = newSecret();
    keys = new StaticKeys([{ name: 'local', role: 'wall', secret: urlKey }]);
  }
  const ring = keys;
  const secure = opts.tls !== undefined;
  let port = opts.port ?? 0;
  const cookie = () => cookieName(port);
  /** The key a request presents: `?key=` (a page being paired), a bearer header, or the cookie. */
  const presented = (req: http.IncomingMessage, url: URL | null) => url?.searchParams.get('key') ?? bearer(req) ?? readCookie(req, cookie());

  const serve = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const common = { 'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'no-referrer' };
    try {
      const url = new URL(req.url ?? '/', 'http://host');
      const secret = presented(req, url);
      const viewer = ring.find(secret);
      if (!viewer) throw new Refusal(401, 'a display key is needed');
      if (req.method !== 'GET' && req.method !== 'HEAD') throw new Refusal(405, 'method not allowed');
      if (url.searchParams.has('key') && req.headers['sec-fetch-mode'] === 'navigate') {
        // A browser brought the key in its address: keep it in an HttpOnly cookie instead and
        // send the browser to the same address without it, so it leaves the address bar and
        // the history. (The fragment, #/wall, is kept by the browser across the redirect.)
        url.searchParams.delete('key');
        res.writeHead(303, { ...common, Location: url.pathname + url.search, 'Set-Cookie': keyCookie(port, secret!, secure), 'Cache-Control': 'no-store' }).end();
        return;
      }
      let pathname: string;
      try {
        pathname = decodeURIComponent(url.pathname);
      } catch {
        throw new Refusal(400, 'bad path');
      }
      if (pathname.includes('\0') || pathname.includes('\\')) throw new Refusal(400, 'bad path');
      const file = normalize(join(root, pathname === '/' ? 'index.html' : pathname));
      if (!file.startsWith(root + sep) || !existsSync(file) || !statSync(file).isFile()) throw new Refusal(404, 'not found');
      const page = file.endsWith('index.html');
      res.writeHead(200, {
        ...common,
        'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
        'Content-Security-Policy': CSP,
        'Cache-Control': page ? 'no-store' : 'private, max-age=3600',
        // Each page load renews the cookie, so a wall's key cookie lasts as long as its key.
        ...(page ? { 'Set-Cookie': keyCookie(port, secret!, secure) } : {}),
      });
      if (req.method === 'HEAD') res.end();
      else createReadStream(file).pipe(res);
    } catch (err) {
      const status = err instanceof Refusal ? err.status : 500;
      res.writeHead(status, { ...common, 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' }).end(err instanceof Refusal ? err.message : 'internal error');
    }
  };
  const server = opts.tls ? https.createServer({ cert: opts.tls.cert, key: opts.tls.key }, serve) : http.createServer(serve);

  const wss = new WebSocketServer({ noServer: true, maxPayload: 1 << 20 });
  const viewers = new Map<WebSocket, { viewer: Viewer; secret: string }>();
  const upgrading = new WeakMap<http.IncomingMessage, string>();
  // The 101 answer renews the cookie too: a wall that keeps one socket for months keeps its key.
  wss.on('headers', (headers, req) => {
    const secret = upgrading.get(req);
    if (secret !== undefined) headers.push(`Set-Cookie: ${keyCookie(port, secret, secure)}`);
  });
  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    const refuse = (status: string) => {
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      socket.destroy();
    };
    let url: URL;
    let sameOrigin: boolean;
    try {
      url = new URL(req.url ?? '/', 'http://host');
      // Only pages this host served may talk to the core: a page from elsewhere has another Origin.
      const origin = req.headers.origin;
      sameOrigin = origin === undefined || new URL(origin).host === req.headers.host;
    } catch {
      return refuse('400 Bad Request');
    }
    if (url.pathname !== '/ws' || !sameOrigin) return refuse('403 Forbidden');
    // The socket's key: a header (tools) or the cookie (pages); never the URL of a socket.
    const secret = bearer(req) ?? readCookie(req, cookie());
    const viewer = ring.find(secret);
    if (!viewer) return refuse('401 Unauthorized');
    if (bearer(req) === null) upgrading.set(req, secret!);
    wss.handleUpgrade(req, socket, head, (ws) => {
      viewers.set(ws, { viewer, secret: secret! });
      wss.emit('connection', ws, req);
    });
  });
  // A revoked key loses its open sockets within a second, not at its next reconnect.
  const recheck = setInterval(() => {
    for (const [ws, v] of viewers) {
      const now = ring.find(v.secret);
      if (!now || now.role !== v.viewer.role) {
        opts.log?.(`host: key ${v.viewer.name} is no longer valid; closing its connection`);
        viewers.delete(ws);
        ws.close(4401, 'display key revoked');
      }
    }
  }, opts.recheckMs ?? 1_000);
  recheck.unref();

  const send = (ws: WebSocket, frame: WsServerFrame) => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(frame));
  };
  // Each page reports the frames it has drawn. A visible page whose count stops advancing has
  // stopped rendering: the host tells it to reload. A page that stops reporting at all is cut
  // off, so its reconnect logic (if its script still runs) starts afresh.
  const aliveMs = opts.aliveMs ?? 10_000;
  const pages = new Map<WebSocket, { frames: number; stalls: number; lastSeen: number }>();
  const watchdog = setInterval(() => {
    const now = Date.now();
    for (const [ws, p] of pages) {
      if (now - p.lastSeen > 6 * aliveMs) {
        opts.log?.('host: a page stopped reporting; closing its connection');
        ws.terminate();
        pages.delete(ws);
      }
    }
  }, aliveMs);
  watchdog.unref();
  wss.on('connection', (ws) => {
    pages.set(ws, { frames: -1, stalls: 0, lastSeen: Date.now() });
    // A bad frame (too large, not a valid WebSocket frame) closes this socket alone; without a
    // listener ws would throw it out of the process and take every wall down with it.
    ws.on('error', (err) => opts.log?.(`host: a page's connection failed: ${err.message}`));
    ws.on('close', () => {
      pages.delete(ws);
      viewers.delete(ws);
    });
    ws.on('message', (data) => {
      let json: unknown;
      try {
        json = JSON.parse(String(data));
      } catch {
        ws.close(1003, 'frames are JSON');
        return;
      }
      const frame = wsClientFrame.safeParse(json);
      if (!frame.success) {
        ws.close(1003, 'bad frame');
        return;
      }
      const f = frame.data;
      if (f.type === 'alive') {
        const p = pages.get(ws) ?? { frames: -1, stalls: 0, lastSeen: 0 };
        p.stalls = f.visible && f.frames === p.frames ? p.stalls + 1 : 0;
        p.frames = f.frames;
        p.lastSeen = Date.now();
        pages.set(ws, p);
        if (p.stalls >= 2) {
          opts.log?.('host: a page stopped drawing; reloading it');
          p.stalls = 0;
          send(ws, { type: 'reload', reason: 'the page stopped drawing' });
        }
        return;
      }
      const who = viewers.get(ws);
      if (!who) return;
      void dispatch(opts.core.handlers, f.channel, f.args, { viewer: who.viewer, recordView: (leadId, v) => opts.core.recordView(leadId, v) }).then((r) => send(ws, { type: 'result', id: f.id, ...r }));
    });
  });
  const unsubscribe = eventNames.map((channel) =>
    opts.core.on(channel, (payload) => {
      for (const ws of wss.clients) send(ws, { type: 'event', channel, payload });
    }),
  );

  await new Promise<void>((res, rej) => {
    server.once('error', rej);
    server.listen(opts.port ?? 0, bind, () => res());
  });
  port = (server.address() as AddressInfo).port;
  const shownHost = bind === '0.0.0.0' || bind === '::' ? '127.0.0.1' : bind.includes(':') ? `[${bind}]` : bind;
  const origin = `${secure ? 'https' : 'http'}://${shownHost}:${port}`;
  return {
    url: `${origin}/${urlKey ? `?key=${encodeURIComponent(urlKey)}` : ''}`,
    origin,
    server,
    async close() {
      clearInterval(watchdog);
      clearInterval(recheck);
      for (const u of unsubscribe) u();
      for (const ws of wss.clients) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
