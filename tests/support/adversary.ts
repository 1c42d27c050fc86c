// An adversarial link between the core and the real reference centre: it forwards the feed page
// by page and, when told, garbles, duplicates, reorders, truncates or silences it, lies in
// checksums, or answers with errors. The centre behind it stays honest.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type Fault =
  | { kind: 'replace-next-put'; text: string }
  | { kind: 'truncate-before-checkpoint' }
  | { kind: 'duplicate-next-page' }
  | { kind: 'reorder-next-page' }
  | { kind: 'wrong-sums'; times: number }
  | { kind: 'status'; status: number; times: number; retryAfter?: number; body?: string }
  | { kind: 'silence' }
  /** A centre that ignores the optional `entity=` narrowing (the protocol allows it). */
  | { kind: 'ignore-entity' };

export type Adversary = {
  url: string;
  target: string;
  inject(fault: Fault): void;
  clear(): void;
  /** Requests seen, by path. */
  requests: string[];
  faultsApplied: number;
  /** When each status fault was answered (ms, this machine's clock). */
  statusAt: number[];
  cutAll(): void;
  close(): Promise<void>;
};

export async function startAdversary(centreUrl: string): Promise<Adversary> {
  let faults: Fault[] = [];
  const live = new Set<http.ServerResponse>();
  const state = { faultsApplied: 0, target: centreUrl, requests: [] as string[], statusAt: [] as number[] };

  const take = <K extends Fault['kind']>(kind: K): Extract<Fault, { kind: K }> | null => {
    const i = faults.findIndex((f) => f.kind === kind);
    if (i < 0) return null;
    const f = faults[i] as Extract<Fault, { kind: K }>;
    if ('times' in f && f.times > 1) f.times--;
    else faults.splice(i, 1);
    state.faultsApplied++;
    return f;
  };

  const server = http.createServer(async (req, res) => {
    state.requests.push(req.url ?? '/');
    // Status faults hit the change feed (not heartbeats or mutations sent through the same link).
    const status = (req.url ?? '').startsWith('/v1/changes') ? take('status') : null;
    if (status) {
      state.statusAt.push(Date.now());
      res.writeHead(status.status, { 'Content-Type': 'application/json', ...(status.retryAfter ? { 'Retry-After': String(status.retryAfter) } : {}) });
      res.end(status.body ?? JSON.stringify({ error: 'adversary' }));
      return;
    }
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    let path = req.url ?? '/';
    if (faults.some((f) => f.kind === 'ignore-entity')) {
      const u = new URL(path, 'http://x');
      u.searchParams.delete('entity');
      path = u.pathname + u.search;
    }
    const upstream = await fetch(state.target + path, {
      method: req.method ?? 'GET',
      headers: { authorization: req.headers.authorization ?? '', 'accept-encoding': 'identity', ...(req.headers['content-type'] ? { 'content-type': req.headers['content-type'] } : {}) },
      ...(req.method === 'POST' ? { body: Buffer.concat(chunks) } : {}),
    }).catch(() => null);
    if (!upstream) {
      res.writeHead(502).end();
      return;
    }
    const headers: Record<string, string> = {};
    upstream.headers.forEach((v, k) => {
      if (!['content-encoding', 'content-length', 'transfer-encoding', 'connection'].includes(k)) headers[k] = v;
    });
    res.writeHead(upstream.status, headers);
    live.add(res);
    res.on('close', () => live.delete(res));
    if (!upstream.body) return void res.end();
    const decoder = new TextDecoder();
    let buf = '';
    let page: string[] = [];
    const send = (lines: string[]) => {
      if (!res.destroyed) res.write(lines.map((l) => l + '\n').join(''));
    };
    try {
      for await (const chunk of upstream.body as AsyncIterable<Uint8Array>) {
        buf += decoder.decode(chunk, { stream: true });
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          let line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          if (faults.some((f) => f.kind === 'silence')) continue; // open, but says nothing
          if (!line.startsWith('{"t":"checkpoint"')) {
            if (line.startsWith('{"t":"put"')) {
              const r = take('replace-next-put');
              if (r) line = r.text;
            }
            if (line.startsWith('{"t":"heartbeat"')) send([line]);
            else page.push(line);
            continue;
          }
          if (page.length > 0 && take('truncate-before-checkpoint')) {
            send(page);
            res.end(); // a clean end mid-page
            return;
          }
          if (page.length > 1 && take('reorder-next-page')) page.reverse();
          if (line.includes('"more":false')) {
            const w = take('wrong-sums');
            if (w) line = line.replace(/("sums":\{[^}]*"unit":)\d+/, '$112345');
          }
          const whole = [...page, line];
          send(whole);
          if (page.length > 0 && take('duplicate-next-page')) send(whole);
          page = [];
        }
      }
    } catch {
      // upstream went away
    }
    if (!res.destroyed) res.end(buf); // a body without a final newline (a JSON error) passes as is
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get target() {
      return state.target;
    },
    set target(t: string) {
      state.target = t;
    },
    inject: (f) => void faults.push(f),
    clear: () => void (faults = []),
    get requests() {
      return state.requests;
    },
    get faultsApplied() {
      return state.faultsApplied;
    },
    get statusAt() {
      return state.statusAt;
    },
    cutAll() {
      for (const r of live) r.destroy();
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
