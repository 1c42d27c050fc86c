// The renderer's state: one zustand store, a slice per panel. Data is pulled through the
// contract when the core says a table changed (db:changed, coalesced per frame), never by polling; each
// panel keeps its last good value with the time it was fetched, so nothing ever goes blank.
// One clock ticks for every countdown on screen.
import { create } from 'zustand';
import type { ApiClient, CountdownWall, DisplayHealth, KpiStrip, MapFeatures, RankingRow, RecentEvent, Results, SyncStatus, TrendPoint } from '../../shared/contract.js';
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
  countdowns: Slice<CountdownWall>;
  /** How many tiles the tile panel fits, in how many columns (measured by the panel). */
  tileView: { fit: number; cols: number };
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
  tileView: { fit: 8, cols: 4 },
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

/** Each panel's last good answer as JSON, and when it was fetched (centre time). */
const lastJson: Partial<Record<SliceKey, string>> = {};
const fetchedAt: Partial<Record<SliceKey, number>> = {};

/**
 * Fetches one panel's data; on failure keeps the last good value and records the error. An
 * answer equal to the one on screen changes nothing in the store, so nothing draws again: most
 * changes under a stream of them (a call logged on a lead) leave most panels as they are.
 */
async function load<K extends SliceKey>(key: K, fetcher: (c: ApiClient) => Promise<NonNullable<AppState[K]['data']>>): Promise<void> {
  if (!client) return;
  try {
    const data = await fetcher(client);
    const at = Date.now() + useApp.getState().offsetMs;
    fetchedAt[key] = at;
    const json = JSON.stringify(data);
    if (json === lastJson[key] && useApp.getState()[key].error === null) return;
    lastJson[key] = json;
    useApp.setState({ [key]: { data, at, error: null } } as Partial<AppState>);
  } catch (err) {
    // The age of what stays on screen is that of its last good fetch, equal answers included.
    useApp.setState((s) => ({ [key]: { ...s[key], at: fetchedAt[key] ?? s[key].at, error: err instanceof Error ? err.message : String(err) } }) as Partial<AppState>);
  }
}

/**
 * Refreshes the tiles and notes when each lead was first seen. Leads already there when the
 * display first goes live (`prime`) are not new; only those that appear afterwards flash and
 * interrupt the rotation.
 */
async function refreshCountdowns(prime = false): Promise<void> {
  // The screen's tiles only (pinned and the page the clock is on), with the count and ids of
  // every open lead in scope: no cap, and no thousand tiles shipped for the eight on screen.
  const { fit, cols } = useApp.getState().tileView;
  const page = tilePage();
  await load('countdowns', (c) => c.invoke('countdowns:wall', { fit, cols, page }));
  const ids = useApp.getState().countdowns.data?.openIds ?? [];
  useApp.setState((s) => {
    // The same leads as before: keep the same object, so nothing that reads it draws again (the
    // map has a thousand markers, and most changes are to leads already on the board).
    const known = Object.keys(s.firstSeen);
    if (s.primed && !prime && known.length === ids.length && ids.every((id) => id in s.firstSeen)) return {};
    // Only the leads on the board now: a wall runs for weeks, and a map of every lead ever
    // seen would grow without end.
    const firstSeen: Record<string, number> = {};
    const t = Date.now() + s.offsetMs;
    const old = prime || !s.primed;
    for (const id of ids) firstSeen[id] = s.firstSeen[id] ?? (old ? 0 : t);
    return { firstSeen, primed: s.primed || prime };
  });
}

/** The page of the rotation the one clock is on (the count of pages is the last one fetched). */
function tilePage(): number {
  const s = useApp.getState();
  return Math.floor((Date.now() + s.offsetMs) / (s.config.tilePageSeconds * 1000)) % (s.countdowns.data?.pages ?? 1);
}

/** The tile panel's measured size: a change fetches the screen's tiles again. */
export function setTileView(fit: number, cols: number): void {
  const v = useApp.getState().tileView;
  if (v.fit === fit && v.cols === cols) return;
  useApp.setState({ tileView: { fit, cols } });
  schedule(['countdowns']);
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
  if (tables.includes('policy')) keys.add('countdowns');
  return [...keys];
}

/**
 * The least time between two refreshes of a panel. A new lead's tile and ticker line refresh on
 * the next frame; its map marker and today's figures within half a second (the map redraws a
 * thousand markers, so under a stream of changes it refreshes at most twice a second); the
 * rankings and the 30-day trend, which cost most and move slowly, at most every few seconds.
 */
const MIN_GAP_MS: Record<SliceKey, number> = { countdowns: 0, ticker: 0, map: 500, kpi: 500, branches: 2_000, stations: 2_000, trends: 10_000 };
/** One frame: changes that arrive together (a burst of pages) cost one query per panel. */
const FRAME_MS = 16;

// Per panel: refreshed when its data changes, coalesced within a frame, at most one request in
// flight (a change that arrives meanwhile runs once more when it returns), never on a fixed beat.
const dirty = new Set<SliceKey>();
const inFlight = new Set<SliceKey>();
const lastStart: Partial<Record<SliceKey, number>> = {};
let timer: ReturnType<typeof setTimeout> | null = null;
let timerAt = Infinity;

function schedule(keys: readonly SliceKey[]): void {
  for (const k of keys) dirty.add(k);
  plan();
}

function plan(): void {
  const now = Date.now();
  let at = Infinity;
  for (const k of dirty) if (!inFlight.has(k)) at = Math.min(at, Math.max(now + FRAME_MS, (lastStart[k] ?? 0) + MIN_GAP_MS[k]));
  if (at === Infinity || at >= timerAt) return;
  if (timer) clearTimeout(timer);
  timerAt = at;
  timer = setTimeout(run, at - now);
}

function run(): void {
  timer = null;
  timerAt = Infinity;
  const now = Date.now();
  for (const k of [...dirty]) {
    if (inFlight.has(k) || (lastStart[k] ?? 0) + MIN_GAP_MS[k] > now) continue;
    dirty.delete(k);
    inFlight.add(k);
    lastStart[k] = now;
    void refreshers[k]().finally(() => {
      inFlight.delete(k);
      plan();
    });
  }
  plan();
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
    // The rotation turns with the clock: fetch the page it has turned to.
    if (s.countdowns.data && tilePage() !== s.countdowns.data.page) schedule(['countdowns']);
    // Today's figures age with the clock even when no data arrives (overdue, countdowns).
    if (Math.floor((Date.now() + s.offsetMs) / 1000) % 30 === 0) {
      schedule(['kpi', 'branches', 'stations', 'map']);
      refreshHealth();
    }
  }, 1000);
}
