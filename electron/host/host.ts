// The browser host: serves the built renderer over HTTP and carries the app's contract over one
// WebSocket, so a kiosk browser (and the e2e suite) runs the same UI as the Electron window.
import { createReadStream, existsSync, statSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { eventNames, wsClientFrame, type WsServerFrame } from '../../shared/contract.js';
import { dispatch } from '../core/dispatch.js';
import type { Core } from '../core/core.js';

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
  core: Pick<Core, 'handlers' | 'on'>;
  rendererDir: string;
  port?: number;
  host?: string;
  /** How often pages report the frames they have drawn; a page that stops drawing is reloaded. */
  aliveMs?: number;
  log?: (message: string) => void;
};
export type Host = { url: string; server: http.Server; close(): Promise<void> };

export async function startHost(opts: HostOptions): Promise<Host> {
  const root = resolve(opts.rendererDir);
  if (!existsSync(join(root, 'index.html'))) throw new Error(`no built renderer at ${root} (run npm run build)`);

  const server = http.createServer((req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405).end();
      return;
    }
    const pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://host').pathname);
    const file = normalize(join(root, pathname === '/' ? 'index.html' : pathname));
    if (!file.startsWith(root + sep) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(200, {
      'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
      'Content-Security-Policy': CSP,
      'X-Content-Type-Options': 'nosniff',
      'Cache-Control': file.endsWith('index.html') ? 'no-store' : 'public, max-age=3600',
    });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: 1 << 20 });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://host');
    // Only pages this host served may talk to the core: a page from elsewhere has another Origin.
    const origin = req.headers.origin;
    if (url.pathname !== '/ws' || (origin !== undefined && new URL(origin).host !== req.headers.host)) {
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });

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
    ws.on('close', () => pages.delete(ws));
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
      void dispatch(opts.core.handlers, f.channel, f.args).then((r) => send(ws, { type: 'result', id: f.id, ...r }));
    });
  });
  const unsubscribe = eventNames.map((channel) =>
    opts.core.on(channel, (payload) => {
      for (const ws of wss.clients) send(ws, { type: 'event', channel, payload });
    }),
  );

  await new Promise<void>((res, rej) => {
    server.once('error', rej);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => res());
  });
  const { port } = server.address() as AddressInfo;
  const shownHost = opts.host && opts.host !== '0.0.0.0' ? opts.host : '127.0.0.1';
  return {
    url: `http://${shownHost}:${port}/`,
    server,
    async close() {
      clearInterval(watchdog);
      for (const u of unsubscribe) u();
      for (const ws of wss.clients) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
