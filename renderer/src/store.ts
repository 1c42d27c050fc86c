// The renderer's state: one zustand store, a slice per panel. Data is pulled through the
// contract when the core says a table changed (db:changed, throttled), never by polling; each
// panel keeps its last good value with the time it was fetched, so nothing ever goes blank.
// One clock ticks for every countdown on screen.
import { create } from 'zustand';
import type { ApiClient, CountdownTile, DisplayHealth, KpiStrip, MapFeatures, RankingRow, RecentEvent, Results, SyncStatus, TrendPoint } from '../../shared/contract.js';
import { DEFAULT_DISPLAY, type DisplayConfig } from '../../shared/display.js';
import { createClient } from './client/index.js';
import type { Lang } from './i18n.js';
import { hashParams } from './route.js';

/** A panel's last good value, when it was fetched (centre time), and the last error, if any. */
export type Slice<T> = { data: T | null; at: number | null; error: string | null };
const empty = <T,>(): Slice<T> => ({ data: null, at: null, error: null });

export type AppState = {
  lang: Lang;
  config: DisplayConfig;
  /** Whether this page reaches the core (the browser host's WebSocket, or Electron IPC). */
  link: boolean;
  status: SyncStatus | null;
  /** Centre clock − this browser's clock, ms. */
  offsetMs: number;
  /** The one clock: centre time now, updated every second. */
  now: number;
  /**
   * Whether `now` is the centre's time yet (the offset measured once the link is up). Screens that
   * load a window of time wait for it: before it, `now` is this machine's clock, which may be
   * another day than the centre's (a demo centre with --now, a display with a wrong clock).
   */
  clockKnown: boolean;
  countdowns: Slice<CountdownTile[]>;
  kpi: Slice<KpiStrip>;
  branches: Slice<RankingRow[]>;
  stations: Slice<RankingRow[]>;
  trends: Slice<TrendPoint[]>;
  map: Slice<MapFeatures>;
  ticker: Slice<RecentEvent[]>;
  /** When this page first saw each lead (centre time), to flash new urgent ones; 0 = present at start. */
  firstSeen: Record<string, number>;
  /** Set after the first load, so leads present at start do not flash. */
  primed: boolean;
  /** This display's own health, as its heartbeat reports it. */
  health: DisplayHealth | null;
};

export const useApp = create<AppState>(() => ({
  lang: hashParams().get('lang') === 'en' ? 'en' : 'zh-CN',
  config: DEFAULT_DISPLAY,
  link: false,
  status: null,
  offsetMs: 0,
  now: Date.now(),
  clockKnown: false,
  countdowns: empty(),
  kpi: empty(),
  branches: empty(),
  stations: empty(),
  trends: empty(),
  map: empty(),
  ticker: empty(),
  firstSeen: {},
  primed: false,
  health: null,
}));

let client: ApiClient | null = null;

/** The contract client, for screens that load their own data (the review is frozen, not live). */
export function api(): ApiClient {
  if (!client) throw new Error('not connected');
  return client;
}

/** Listeners of db:changed beyond the wall's own slices (the review listens for notes). */
const changeListeners = new Set<(tables: string[]) => void>();
export function onChanged(fn: (tables: string[]) => void): () => void {
  changeListeners.add(fn);
  return () => changeListeners.delete(fn);
}

type SliceKey = 'countdowns' | 'kpi' | 'branches' | 'stations' | 'trends' | 'map' | 'ticker';

/** Fetches one panel's data; on failure keeps the last good value and records the error. */
async function load<K extends SliceKey>(key: K, fetcher: (c: ApiClient) => Promise<NonNullable<AppState[K]['data']>>): Promise<void> {
  if (!client) return;
  try {
    const data = await fetcher(client);
    useApp.setState({ [key]: { data, at: Date.now() + useApp.getState().offsetMs, error: null } } as Partial<AppState>);
  } catch (err) {
    useApp.setState((s) => ({ [key]: { ...s[key], error: err instanceof Error ? err.message : String(err) } }) as Partial<AppState>);
  }
}

/**
 * Refreshes the tiles and notes when each lead was first seen. Leads already there when the
 * display first goes live (`prime`) are not new; only those that appear afterwards flash and
 * interrupt the rotation.
 */
async function refreshCountdowns(prime = false): Promise<void> {
  await load('countdowns', (c) => c.invoke('countdowns:list', { limit: 500 }));
  const tiles = useApp.getState().countdowns.data ?? [];
  useApp.setState((s) => {
    // Only the leads on the board now: a wall runs for weeks, and a map of every lead ever
    // seen would grow without end.
    const firstSeen: Record<string, number> = {};
    const t = Date.now() + s.offsetMs;
    const old = prime || !s.primed;
    for (const l of tiles) firstSeen[l.id] = s.firstSeen[l.id] ?? (old ? 0 : t);
    return { firstSeen, primed: s.primed || prime };
  });
}

const refreshers: Record<SliceKey, () => Promise<void>> = {
  countdowns: () => refreshCountdowns(),
  kpi: () => load('kpi', (c) => c.invoke('kpi:strip', {})),
  branches: () => load('branches', (c) => c.invoke('ranking:get', { kind: 'daily', level: 'branch' })),
  stations: () => load('stations', (c) => c.invoke('ranking:get', { kind: 'daily', level: 'station' })),
  // The last 30 complete days: today's partial figures would drag the line down every morning.
  trends: () => load('trends', (c) => c.invoke('trends:get', { days: 31 }).then((days) => days.slice(0, -1))),
  map: () => load('map', (c) => c.invoke('map:features', {})),
  ticker: () => load('ticker', (c) => c.invoke('events:recent', { limit: 12 })),
};

/** What to refresh when tables change: leads feed everything; events the ticker and tiles. */
function refreshFor(tables: readonly string[]): SliceKey[] {
  const keys = new Set<SliceKey>();
  if (tables.includes('lead') || tables.includes('unit')) for (const k of Object.keys(refreshers) as SliceKey[]) keys.add(k);
  if (tables.includes('event')) keys.add('ticker').add('countdowns');
  if (tables.includes('stop_payment')) keys.add('kpi');
  return [...keys];
}

// Throttle, trailing, so a burst of pages from the centre costs one query per panel, not one per
// page. The tiles and the map carry a new urgent lead, which must show within a second of reaching
// this display: they may refresh every 200 ms. The figures, boards, trend and ticker are heavier
// and change nothing urgent: at most once a second.
const FAST: readonly SliceKey[] = ['countdowns', 'map'];
function throttle(gapMs: number): (keys: readonly SliceKey[]) => void {
  const pending = new Set<SliceKey>();
  let timer: ReturnType<typeof setTimeout> | null = null;
  let lastRun = 0;
  return (keys) => {
    for (const k of keys) pending.add(k);
    if (timer || pending.size === 0) return;
    const wait = Math.max(0, lastRun + gapMs - Date.now());
    timer = setTimeout(() => {
      timer = null;
      lastRun = Date.now();
      const run = [...pending];
      pending.clear();
      void Promise.all(run.map((k) => refreshers[k]()));
    }, wait);
  };
}
const scheduleFast = throttle(200);
const scheduleSlow = throttle(1000);
function schedule(keys: readonly SliceKey[]): void {
  scheduleFast(keys.filter((k) => FAST.includes(k)));
  scheduleSlow(keys.filter((k) => !FAST.includes(k)));
}

let lastClockSync = 0;
/** Measures this browser's offset to the centre's clock through the core, NTP-style. */
async function syncClock(): Promise<void> {
  if (!client) return;
  lastClockSync = Date.now();
  const t0 = Date.now();
  const { serverTime } = await client.invoke('clock:now', {});
  const t1 = Date.now();
  // Whole ms: times cross the IPC contract as integers.
  const offsetMs = Math.round(serverTime - (t0 + t1) / 2);
  useApp.setState({ offsetMs, now: Date.now() + offsetMs, clockKnown: true });
}

/** This display's own health for the status bar (kept as it was if the core does not answer). */
function refreshHealth(): void {
  void client
    ?.invoke('health:get', {})
    .then((health) => useApp.setState({ health }))
    .catch(() => {});
}

async function refreshAll(): Promise<void> {
  if (!client) return;
  const [status, config] = await Promise.all([client.invoke('sync:status', {}), client.invoke('display:config', {}) as Promise<Results['display:config']>]);
  const urlLang = hashParams().get('lang');
  useApp.setState({ status, config, lang: urlLang === 'en' || urlLang === 'zh-CN' ? urlLang : config.lang });
  await syncClock();
  refreshHealth();
  const others = (Object.keys(refreshers) as SliceKey[]).filter((k) => k !== 'countdowns');
  await Promise.all([refreshCountdowns(status.state === 'live'), ...others.map((k) => refreshers[k]())]);
}

export function connect(): void {
  if (client) return;
  client = createClient((up) => {
    useApp.setState({ link: up });
    // The core may have moved on while we were cut off: fetch everything again.
    if (up) void refreshAll().catch(() => {});
  });
  client.on('db:changed', ({ tables }) => {
    schedule(refreshFor(tables));
    for (const fn of changeListeners) fn(tables);
  });
  client.on('sync:status', (status) => {
    useApp.setState({ status });
    if (status.state === 'live' && !useApp.getState().primed) void refreshCountdowns(true).catch(() => {});
    if (Date.now() - lastClockSync > 60_000) void syncClock().catch(() => {});
  });
  setInterval(() => {
    const s = useApp.getState();
    useApp.setState({ now: Date.now() + s.offsetMs });
    // Today's figures age with the clock even when no data arrives (overdue, countdowns).
    if (Math.floor((Date.now() + s.offsetMs) / 1000) % 30 === 0) {
      schedule(['kpi', 'branches', 'stations', 'map']);
      refreshHealth();
    }
  }, 1000);
}
