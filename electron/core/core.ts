// The data core: replica + sync + queries behind the app's contract. Plain Node: it runs in the
// browser host's process, in an Electron utility process, and in tests, unchanged.
import { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Events, EventName, Handlers } from '../../shared/contract.js';
import { Queries } from './queries.js';
import { Replica } from './replica.js';
import { SyncEngine } from './sync.js';

export type CoreOptions = {
  dataDir: string;
  central: { url: string; token: string; scope?: string };
  log?: (message: string) => void;
  watchdogMs?: number;
};

export type Core = {
  handlers: Handlers;
  on<K extends EventName>(channel: K, listener: (payload: Events[K]) => void): () => void;
  start(): void;
  close(): Promise<void>;
  readonly replica: Replica;
  readonly sync: SyncEngine;
};

export function createCore(opts: CoreOptions): Core {
  mkdirSync(opts.dataDir, { recursive: true });
  const replica = new Replica(join(opts.dataDir, 'replica.db'));
  const queries = new Queries(replica.db);
  const sync = new SyncEngine(replica, {
    ...opts.central,
    ...(opts.log ? { log: opts.log } : {}),
    ...(opts.watchdogMs !== undefined ? { watchdogMs: opts.watchdogMs } : {}),
  });
  const events = new EventEmitter();
  events.setMaxListeners(0);
  sync.on('status', (s) => events.emit('sync:status', s));
  sync.on('changed', (tables) => events.emit('db:changed', { tables }));

  const handlers: Handlers = {
    'leads:open': ({ limit }) => queries.openLeads(limit),
    'sync:status': () => sync.status,
    'clock:now': () => ({ serverTime: sync.serverNow() }),
  };

  return {
    handlers,
    replica,
    sync,
    on(channel, listener) {
      events.on(channel, listener as (p: unknown) => void);
      return () => events.off(channel, listener as (p: unknown) => void);
    },
    start: () => sync.start(),
    async close() {
      await sync.stop();
      replica.close();
      events.removeAllListeners();
    },
  };
}
