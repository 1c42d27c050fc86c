// The browser host's transport: the contract over one WebSocket, reconnecting forever.
import type { ApiClient, EventName, Events, RequestArgs, RequestName, Results } from '../../../shared/contract.js';
import { hashParams } from '../route.js';

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void };
type Frame = { type: 'result'; id: number; ok: boolean; value?: unknown; error?: string } | { type: 'event'; channel: EventName; payload: unknown } | { type: 'reload'; reason: string };

/** Frames drawn since load, counted by requestAnimationFrame: the page's proof of life. */
let frames = 0;
const countFrame = () => {
  frames++;
  requestAnimationFrame(countFrame);
};
requestAnimationFrame(countFrame);

export type LinkListener = (up: boolean) => void;

export function createWsClient(url: string, onLink: LinkListener): ApiClient {
  const listeners = new Map<EventName, Set<(p: unknown) => void>>();
  const pending = new Map<number, Pending>();
  const queue: string[] = [];
  let ws: WebSocket | null = null;
  let nextId = 1;
  let delay = 500;

  const connect = () => {
    const sock = new WebSocket(url);
    ws = sock;
    sock.onopen = () => {
      delay = 500;
      for (const text of queue.splice(0)) sock.send(text);
      onLink(true);
    };
    sock.onmessage = (msg) => {
      const frame = JSON.parse(String(msg.data)) as Frame;
      if (frame.type === 'reload') {
        location.reload();
        return;
      }
      if (frame.type === 'result') {
        const p = pending.get(frame.id);
        pending.delete(frame.id);
        if (frame.ok) p?.resolve(frame.value);
        else p?.reject(new Error(frame.error ?? 'request failed'));
      } else {
        for (const fn of listeners.get(frame.channel) ?? []) fn(frame.payload);
      }
    };
    sock.onclose = (ev) => {
      // The host cut this page off because its display key was revoked: reload, so the wall
      // shows the host's refusal instead of the last data it had.
      if (ev.code === 4401) {
        location.reload();
        return;
      }
      ws = null;
      for (const p of pending.values()) p.reject(new Error('connection to the core lost'));
      pending.clear();
      onLink(false);
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 10_000);
    };
  };
  connect();
  // Tell the host, every few seconds, how many frames this page has drawn.
  setInterval(() => {
    if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: 'alive', frames, visible: document.visibilityState === 'visible' }));
  }, Number(hashParams().get('alive') ?? 10_000));

  return {
    invoke<K extends RequestName>(channel: K, args: RequestArgs<K>): Promise<Results[K]> {
      return new Promise((resolve, reject) => {
        const id = nextId++;
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
        const text = JSON.stringify({ type: 'invoke', id, channel, args });
        if (ws && ws.readyState === WebSocket.OPEN) ws.send(text);
        else queue.push(text);
      });
    },
    on<K extends EventName>(channel: K, listener: (payload: Events[K]) => void): () => void {
      const set = listeners.get(channel) ?? new Set();
      listeners.set(channel, set);
      set.add(listener as (p: unknown) => void);
      return () => set.delete(listener as (p: unknown) => void);
    },
  };
}
