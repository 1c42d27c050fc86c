// One request of the app's contract over the browser host's WebSocket, as a page makes it, for
// tests that talk to the host without a browser (the security suite).
import type { WebSocket } from 'ws';

export type CallResult = { ok: boolean; value?: unknown; error?: string };

let nextId = 1;

/** Sends one `invoke` frame and resolves with its `result` frame. */
export function call(ws: WebSocket, channel: string, args: unknown = {}): Promise<CallResult> {
  const id = nextId++;
  return new Promise((resolve) => {
    const on = (d: Buffer) => {
      const f = JSON.parse(String(d)) as { type: string; id: number } & CallResult;
      if (f.type === 'result' && f.id === id) {
        ws.off('message', on);
        resolve(f);
      }
    };
    ws.on('message', on);
    ws.send(JSON.stringify({ type: 'invoke', id, channel, args }));
  });
}
