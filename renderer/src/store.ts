// The renderer's state: one zustand store with a slice per concern. Data is pulled through the
// contract when the core says a table changed (db:changed), never by polling. One clock ticks
// for every countdown on screen.
import { create } from 'zustand';
import type { ApiClient, CountdownTile, SyncStatus } from '../../shared/contract.js';
import { createClient } from './client/index.js';
import type { Lang } from './i18n.js';

export type AppState = {
  lang: Lang;
  link: boolean;
  status: SyncStatus | null;
  leads: CountdownTile[] | null;
  leadsAt: number | null;
  /** Centre clock − this browser's clock, ms. */
  offsetMs: number;
  /** The one clock: centre time now, updated every second. */
  now: number;
};

export const useApp = create<AppState>(() => ({
  lang: new URLSearchParams(location.hash.split('?')[1] ?? '').get('lang') === 'en' ? 'en' : 'zh-CN',
  link: false,
  status: null,
  leads: null,
  leadsAt: null,
  offsetMs: 0,
  now: Date.now(),
}));

const OPEN_LIMIT = 500;

let client: ApiClient | null = null;

async function refreshLeads(): Promise<void> {
  if (!client) return;
  const leads = await client.invoke('countdowns:list', { limit: OPEN_LIMIT });
  useApp.setState({ leads, leadsAt: Date.now() + useApp.getState().offsetMs });
}

/** Measures this browser's offset to the centre's clock through the core, NTP-style. */
async function syncClock(): Promise<void> {
  if (!client) return;
  const t0 = Date.now();
  const { serverTime } = await client.invoke('clock:now', {});
  const t1 = Date.now();
  useApp.setState({ offsetMs: serverTime - (t0 + t1) / 2 });
}

async function refreshAll(): Promise<void> {
  if (!client) return;
  const status = await client.invoke('sync:status', {});
  useApp.setState({ status });
  await Promise.all([syncClock(), refreshLeads()]);
}

export function connect(): void {
  if (client) return;
  client = createClient((up) => {
    useApp.setState({ link: up });
    // The core may have moved on while we were cut off: fetch everything again.
    if (up) void refreshAll().catch(() => {});
  });
  client.on('db:changed', ({ tables }) => {
    if (tables.includes('lead') || tables.includes('unit')) void refreshLeads().catch(() => {});
  });
  client.on('sync:status', (status) => {
    useApp.setState({ status });
    void syncClock().catch(() => {});
  });
  setInterval(() => useApp.setState((s) => ({ now: Date.now() + s.offsetMs })), 1000);
}
