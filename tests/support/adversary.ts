// An adversarial link between the core and the real reference centre: it forwards the feed line
// by line and, when told, garbles, truncates or silences it. The centre itself stays honest.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type Fault =
  | { kind: 'replace-next-put'; text: string }
  | { kind: 'truncate-before-checkpoint' }
  | { kind: 'silence' };

export type Adversary = {
  url: string;
  /** Queue a fault for the next matching line. */
  inject(fault: Fault): void;
  /** Lines forwarded so far (for assertions on what the client saw). */
  forwarded: number;
  faultsApplied: number;
  cutAll(): void;
  close(): Promise<void>;
};

export async function startAdversary(centreUrl: string): Promise<Adversary> {
  const faults: Fault[] = [];
  const live = new Set<http.ServerResponse>();
  const state = { forwarded: 0, faultsApplied: 0 };

  const server = http.createServer(async (req, res) => {
    const upstream = await fetch(centreUrl + (req.url ?? '/'), {
      method: req.method ?? 'GET',
      headers: { authorization: req.headers.authorization ?? '', 'accept-encoding': 'identity' },
    }).catch(() => null);
    if (!upstream) {
      res.writeHead(502).end();
      return;
    }
    const headers: Record<string, string> = {};
    upstream.headers.forEach((v, k) => {
      if (k !== 'content-encoding' && k !== 'content-length' && k !== 'transfer-encoding' && k !== 'connection') headers[k] = v;
    });
    res.writeHead(upstream.status, headers);
    live.add(res);
    res.on('close', () => live.delete(res));
    if (!upstream.body) return void res.end();
    const decoder = new TextDecoder();
    let buf = '';
    try {
      for await (const chunk of upstream.body as AsyncIterable<Uint8Array>) {
        buf += decoder.decode(chunk, { stream: true });
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          let line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          const fault = faults[0];
          if (fault?.kind === 'silence') {
            continue; // swallow everything: the link is open but says nothing
          }
          if (fault?.kind === 'replace-next-put' && line.startsWith('{"t":"put"')) {
            faults.shift();
            state.faultsApplied++;
            line = fault.text;
          } else if (fault?.kind === 'truncate-before-checkpoint' && line.startsWith('{"t":"checkpoint"')) {
            faults.shift();
            state.faultsApplied++;
            res.end(); // a clean end of the stream, mid-page: the page is truncated
            return;
          }
          if (res.destroyed) return;
          res.write(line + '\n');
          state.forwarded++;
        }
      }
    } catch {
      // upstream went away
    }
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    inject: (f) => void faults.push(f),
    get forwarded() {
      return state.forwarded;
    },
    get faultsApplied() {
      return state.faultsApplied;
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
