// City-wide rankings for a display scoped below the city. Its replica holds its own branch only
// (and must: other branches' leads carry personal data), so to rank its branch among all of them
// it asks the centre for every branch's aggregate figures (GET /v1/figures) and ranks them with
// the shared rule and this display's ranking configuration. Answers are kept briefly and reused
// while the centre cannot be reached; with none at all the request fails and says why.
import type { RankingRow } from '../../shared/contract.js';
import { DAY } from '../../shared/domain.js';
import { dayWindow, previousWindow, rank, weekWindow, type Calendar, type Indicators, type RankingConfig, type RankingKind, type Window } from '../../shared/kpi.js';

type Figures = { serverTime: number; asOf: number; units: { id: string; code: string; name: string; nameEn: string | null }[]; windows: { start: number; end: number; figures: Record<string, Indicators> }[] };
type Entry = { fetchedAt: number; units: Figures['units']; figures: Record<string, Indicators> };

/** How long fetched figures answer before they are asked for again (the screen reloads often). */
const FRESH_MS = 30_000;
/** Days of daily windows fetched at once: the rankings screen's 30-day rank trend and today. */
const TREND_DAYS = 31;

export class CityFigures {
  readonly #opts: { url: string; token: string; now: () => number; ranking: RankingConfig; calendar: Calendar };
  readonly #cache = new Map<string, Entry>();
  #inflight: Promise<void> | null = null;
  #inflightKey = '';

  constructor(opts: { url: string; token: string; now: () => number; ranking: RankingConfig; calendar: Calendar }) {
    this.#opts = opts;
  }

  /** The branches of the city ranked over a window (default today / this week), as of now. */
  async ranking(kind: RankingKind, window?: Window): Promise<RankingRow[]> {
    const now = this.#opts.now();
    const cal = this.#opts.calendar;
    const w = window ?? (kind === 'daily' ? dayWindow(now, cal) : weekWindow(now, cal));
    const prev = previousWindow(w);
    const fresh = (x: Window) => {
      const e = this.#cache.get(key(x));
      return e !== undefined && now - e.fetchedAt < FRESH_MS;
    };
    if (!fresh(w) || !fresh(prev)) {
      try {
        await this.#fetch(this.#bundle(now, [w, prev]));
      } catch (err) {
        // The last figures fetched stand in while the centre is away; none at all is an error.
        if (!this.#cache.has(key(w))) throw new Error(`city-wide figures unavailable: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
      }
    }
    const cur = this.#cache.get(key(w))!;
    const before = this.#cache.get(key(prev));
    const inputs = (e: Entry | undefined) => (e ? e.units.filter((u) => e.figures[u.id]).map((u) => ({ unitId: u.id, code: u.code, indicators: e.figures[u.id]! })) : []);
    const names = new Map(cur.units.map((u) => [u.id, u]));
    return rank(inputs(cur), inputs(before), kind, this.#opts.ranking).map((r) => {
      const u = names.get(r.unitId)!;
      return { ...r, name: u.name, nameEn: u.nameEn, parentId: null };
    });
  }

  /** The windows to ask for with these: the trend's days and this and last week, so a screen's load is one request. */
  #bundle(now: number, need: Window[]): Window[] {
    const cal = this.#opts.calendar;
    const today = dayWindow(now, cal);
    const out = new Map<string, Window>();
    for (let i = -TREND_DAYS; i <= 0; i++) out.set(key({ start: today.start + i * DAY, end: today.end + i * DAY }), { start: today.start + i * DAY, end: today.end + i * DAY });
    const week = weekWindow(now, cal);
    for (const x of [week, previousWindow(week), ...need]) out.set(key(x), x);
    return [...out.values()];
  }

  async #fetch(windows: Window[]): Promise<void> {
    const list = windows.map(key).join(',');
    // Requests that arrive together (a screen asks for 30 days at once) share one fetch.
    if (this.#inflight && this.#inflightKey === list) return this.#inflight;
    this.#inflightKey = list;
    this.#inflight = (async () => {
      const res = await fetch(`${this.#opts.url}/v1/figures?windows=${list}`, { headers: { Authorization: `Bearer ${this.#opts.token}` }, signal: AbortSignal.timeout(10_000) });
      if (!res.ok) throw new Error(`the centre answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
      const body = (await res.json()) as Figures;
      const fetchedAt = this.#opts.now();
      for (const x of body.windows) this.#cache.set(key(x), { fetchedAt, units: body.units, figures: x.figures });
      // A month of days and a few weeks: drop what has fallen out of the screen's reach.
      if (this.#cache.size > 200) for (const k of [...this.#cache.keys()].slice(0, this.#cache.size - 200)) this.#cache.delete(k);
    })().finally(() => {
      this.#inflight = null;
    });
    return this.#inflight;
  }
}

const key = (w: Window) => `${w.start}-${w.end}`;
