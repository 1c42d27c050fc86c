// Rankings for a branch chief (#/rankings?branch=ID): where the branch stands today and this
// week among the city's branches, every station's five indicators today and this week, its rank
// over 30 days, and what pulls it down — the overdue leads and victimisation cases themselves,
// each opening its timeline. Live: it loads again when the replica changes and as the clock
// turns, and says how old its data is.
import { Fragment, useEffect, useRef, useState } from 'react';
import { CartesianGrid, Line, LineChart, ResponsiveContainer, XAxis, YAxis } from 'recharts';
import { useShallow } from 'zustand/react/shallow';
import type { LeadTimeline, RankingRow, ReviewLead } from '../../../shared/contract.js';
import { DAY } from '../../../shared/domain.js';
import { dayWindow, weekWindow, type Indicators } from '../../../shared/kpi.js';
import type { UnitNode } from '../../../shared/units.js';
import { clockText, dateText, moneyText, pctText } from '../format.js';
import { fraudKey, type MessageKey } from '../i18n.js';
import { api, onChanged, useApp, type Slice } from '../store.js';
import { localName, Panel, placeName, useT } from '../wall/common.js';
import { shortUnitName, Table } from '../wall/Leaderboards.js';
import { StatusBar } from '../wall/StatusBar.js';
import { EventLine } from './EventLine.js';

type Data = {
  branch: UnitNode;
  branches: UnitNode[];
  today: RankingRow[];
  week: RankingRow[];
  stationsToday: RankingRow[];
  stationsWeek: RankingRow[];
  trend: { day: string; rank: number | null }[];
  overdue: ReviewLead[];
  victims: ReviewLead[];
};

async function load(branchId: string | null, now: number): Promise<Data> {
  const c = api();
  const units = await c.invoke('units:list', {});
  const branches = units.filter((u) => u.level === 'branch').sort((a, b) => (a.code < b.code ? -1 : 1));
  const branch = branches.find((b) => b.id === branchId) ?? branches[0]!;
  const city = units.find((u) => u.id === branch.parentId);
  const within = city?.id;
  const today = dayWindow(now);
  const [dayRows, weekRows, stationsToday, stationsWeek, overdue, victims] = await Promise.all([
    // cityWide: a display scoped to this branch still ranks it among all the city's branches.
    c.invoke('ranking:get', { kind: 'daily', level: 'branch', cityWide: true, ...(within ? { within } : {}) }),
    c.invoke('ranking:get', { kind: 'weekly', level: 'branch', cityWide: true, ...(within ? { within } : {}) }),
    c.invoke('ranking:get', { kind: 'daily', level: 'station', within: branch.id }),
    c.invoke('ranking:get', { kind: 'weekly', level: 'station', within: branch.id }),
    c.invoke('review:leads', { unitId: branch.id, window: weekWindow(now), asOf: now, which: 'overdue', limit: 500 }),
    c.invoke('review:leads', { unitId: branch.id, window: weekWindow(now), asOf: now, which: 'victimised', limit: 500 }),
  ]);
  const trend = await Promise.all(
    Array.from({ length: 30 }, async (_, i) => {
      const w = { start: today.start - (30 - i) * DAY, end: today.start - (29 - i) * DAY };
      const rows = await c.invoke('ranking:get', { kind: 'daily', level: 'branch', cityWide: true, ...(within ? { within } : {}), window: w });
      return { day: dateText(w.start).slice(5), rank: rows.find((r) => r.unitId === branch.id)?.rank ?? null };
    }),
  );
  return { branch, branches, today: dayRows, week: weekRows, stationsToday, stationsWeek, trend, overdue, victims };
}

/** Tables whose change moves these figures. */
const MOVES = new Set(['lead', 'unit', 'event', 'stop_payment']);
/** The figures age with the clock even when no data arrives (overdue as deadlines pass). */
const CLOCK_REFRESH_MS = 30_000;
/** At most one reload in this long, however fast pages arrive. */
const THROTTLE_MS = 1_000;

/** Loads the screen's data, again on every change of the replica (throttled) and as the clock turns. */
function useRankings(branchId: string | null, ready: boolean): Slice<Data> {
  const [slice, setSlice] = useState<Slice<Data>>({ data: null, at: null, error: null });
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(() => {
    if (!ready) return;
    let alive = true;
    let running = false;
    let again = false;
    const run = () => {
      if (running) {
        again = true;
        return;
      }
      running = true;
      const now = useApp.getState().now;
      load(branchId, now)
        .then((data) => alive && setSlice({ data, at: now, error: null }))
        .catch((err: unknown) => alive && setSlice((s) => ({ ...s, error: err instanceof Error ? err.message : String(err) })))
        .finally(() => {
          running = false;
          if (again && alive) {
            again = false;
            schedule();
          }
        });
    };
    const schedule = () => {
      if (timer.current) return;
      timer.current = setTimeout(() => {
        timer.current = null;
        run();
      }, THROTTLE_MS);
    };
    run();
    const off = onChanged((tables) => {
      if (tables.some((t) => MOVES.has(t))) schedule();
    });
    const tick = setInterval(schedule, CLOCK_REFRESH_MS);
    return () => {
      alive = false;
      off();
      clearInterval(tick);
      if (timer.current) clearTimeout(timer.current);
      timer.current = null;
    };
  }, [branchId, ready]);
  return slice;
}

const FIVE = ['faceToFace', 'victimisation', 'overdue', 'peopleDefrauded', 'amountDefrauded'] as const;

function five(ind: Indicators | undefined, k: (typeof FIVE)[number], lang: 'zh-CN' | 'en'): { text: string; sub: string | null; value: number | null } {
  if (!ind) return { text: '—', sub: null, value: null };
  if (k === 'peopleDefrauded') return { text: String(ind.peopleDefrauded), sub: null, value: ind.peopleDefrauded };
  if (k === 'amountDefrauded') return { text: moneyText(ind.amountDefrauded, lang), sub: null, value: ind.amountDefrauded };
  const r = ind[k];
  return { text: pctText(r.value), sub: `${r.num}/${r.den}`, value: r.value };
}

/** Every station of the branch: the five indicators today and this week, with its ranks. */
function StationGrid({ today, week, lang }: { today: RankingRow[]; week: RankingRow[]; lang: 'zh-CN' | 'en' }) {
  const t = useT();
  const weekOf = new Map(week.map((r) => [r.unitId, r]));
  const cols: MessageKey[] = ['f2fCol', 'victimCol', 'overdueCol', 'peopleCol', 'amountCol'];
  return (
    <table className="board station-grid" aria-label={t('rk.stations')}>
      <thead>
        <tr>
          <th rowSpan={2}>{t('rankCol')}</th>
          <th rowSpan={2}>{t('unitCol')}</th>
          <th colSpan={5} className="group">
            {t('todayCol')}
          </th>
          <th rowSpan={2}>{t('rankCol')}</th>
          <th colSpan={5} className="group">
            {t('weekCol')}
          </th>
        </tr>
        <tr>
          {[...cols, ...cols].map((k, i) => (
            <th key={i} className={i === 5 ? 'group-start' : ''}>
              {t(k)}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {today.map((r) => {
          const w = weekOf.get(r.unitId);
          return (
            <tr key={r.unitId} data-station={r.unitId} data-rank-unit={r.unitId} data-rank={r.rank ?? ''} className={r.tooLow ? 'too-low' : ''}>
              <td className="rank">{r.rank ?? '—'}</td>
              <td className="name">{shortUnitName(localName(r, lang))}</td>
              {(['today', 'week'] as const).map((when) => {
                const row = when === 'today' ? r : w;
                return (
                  <Fragment key={when}>
                    {when === 'week' && <td className="rank group-start" data-week-rank={w?.rank ?? ''}>{w?.rank ?? '—'}</td>}
                    {FIVE.map((k) => {
                      const f = five(row?.indicators, k, lang);
                      return (
                        <td key={k} className="num" data-kpi={k} data-window={when} data-value={f.value ?? ''}>
                          {f.text}
                          {f.sub && <small>{f.sub}</small>}
                        </td>
                      );
                    })}
                  </Fragment>
                );
              })}
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

/** A lead that pulls the branch down, opening its timeline in place. */
function PullRow({ l, lang, open, onToggle }: { l: ReviewLead; lang: 'zh-CN' | 'en'; open: LeadTimeline | null | undefined; onToggle: () => void }) {
  const t = useT();
  return (
    <>
      <tr data-review-lead={l.id} className={open !== undefined ? 'open' : ''}>
        <td>
          <button type="button" className="lead-link" data-open-lead={l.id} aria-expanded={open !== undefined} onClick={onToggle}>
            {l.id}
          </button>
        </td>
        <td className="name">{shortUnitName(placeName(l, lang))}</td>
        <td data-pii>{l.personName}</td>
        <td className="fraud">{t(fraudKey(l.fraudType))}</td>
        <td className="num">{l.outcome === 'defrauded_after_warning' ? moneyText(l.lossAmount, lang) : clockText(l.feedbackDueAt, false)}</td>
      </tr>
      {open !== undefined && (
        <tr className="timeline-row" data-timeline={l.id}>
          <td colSpan={5}>
            {open === null ? (
              <span className="muted">{t('loading')}</span>
            ) : (
              <ol className="timeline">
                {open.events.map((e) => (
                  <EventLine key={e.id} e={e} />
                ))}
              </ol>
            )}
          </td>
        </tr>
      )}
    </>
  );
}

function PullList({ kind, leads, lang, slice }: { kind: 'overdue' | 'victims'; leads: ReviewLead[]; lang: 'zh-CN' | 'en'; slice: Slice<unknown> }) {
  const t = useT();
  const [open, setOpen] = useState<Map<string, LeadTimeline | null>>(new Map());
  const toggle = (id: string) => {
    if (open.has(id)) {
      const next = new Map(open);
      next.delete(id);
      setOpen(next);
      return;
    }
    setOpen(new Map(open).set(id, null));
    void api()
      .invoke('lead:timeline', { leadId: id })
      .then((tl) => setOpen((m) => (m.has(id) ? new Map(m).set(id, tl) : m)));
  };
  return (
    <Panel title={t(kind === 'overdue' ? 'rk.overdue' : 'rk.cases', { n: leads.length })} slice={slice} kind={`pull-${kind}`} className="pull-panel">
      <div className="pull-list" data-pull-list={kind} id={`pull-${kind}`}>
        <table className="board pull-table">
          <tbody>
            {leads.length === 0 && (
              <tr>
                <td className="muted">{t('none')}</td>
              </tr>
            )}
            {leads.map((l) => (
              <PullRow key={l.id} l={l} lang={lang} open={open.has(l.id) ? open.get(l.id)! : undefined} onToggle={() => toggle(l.id)} />
            ))}
          </tbody>
        </table>
      </div>
    </Panel>
  );
}

export function RankingsScreen({ params }: { params: URLSearchParams }) {
  const t = useT();
  const { lang, ready, floor, confirmedAt } = useApp(useShallow((s) => ({ lang: s.lang, ready: s.link && s.clockKnown, floor: s.config.fontFloor, confirmedAt: s.status?.confirmedAt ?? null })));
  const branchId = params.get('branch');
  const slice = useRankings(branchId, ready);
  const data = slice.data;
  const name = (u: { name: string; nameEn?: string | null | undefined }) => localName(u, lang);
  const mine = (rows: RankingRow[]) => rows.find((r) => r.unitId === data?.branch.id);
  const fontSize = Math.max(12, Math.round(window.innerHeight * floor));
  const focus = (kind: 'overdue' | 'victims') => document.getElementById(`pull-${kind}`)?.scrollIntoView({ block: 'nearest' });
  return (
    <div className="review rankings" data-screen="rankings">
      <StatusBar />
      {!data && <div className="empty">{t(slice.error ? 'noData' : 'loading')}</div>}
      {data && (
        <main className="rankings-body rankings-grid">
          <header className="review-head">
            <h1>{t('rankingsTitle', { b: name(data.branch) })}</h1>
            <nav className="breadcrumb">
              {data.branches.map((b) => (
                <a key={b.id} href={`#/rankings?branch=${b.id}`} className={b.id === data.branch.id ? 'on' : ''}>
                  {lang === 'en' ? shortUnitName(name(b)) : name(b)}
                </a>
              ))}
            </nav>
            {confirmedAt !== null && (
              <span className="rankings-age" data-as-of={confirmedAt} data-loaded-at={slice.at ?? ''}>
                {t('dataAge', { age: clockText(confirmedAt, false) })}
              </span>
            )}
          </header>
          <div className="rank-col">
            <div className="rank-cards">
              {(
                [
                  ['rankToday', mine(data.today), data.today.filter((r) => r.rank !== null).length],
                  ['rankWeek', mine(data.week), data.week.filter((r) => r.rank !== null).length],
                ] as const
              ).map(([label, row, n]) => (
                <div key={label} className="rank-card" data-my-rank={label} data-rank={row?.rank ?? ''} data-of={n}>
                  <div className="kpi-label">{t(label)}</div>
                  <div className="kpi-value">
                    {row?.rank ?? '—'}
                    <small>{` / ${n}`}</small>
                  </div>
                  <div className="kpi-sub">
                    {row?.change ? (row.change > 0 ? `▲${row.change}` : `▼${-row.change}`) : ''}{' '}
                    {label === 'rankToday' ? `${t('f2fCol')} ${pctText(row?.indicators.faceToFace.value ?? null)}` : `${t('victimCol')} ${pctText(row?.indicators.victimisation.value ?? null)}`}
                  </div>
                </div>
              ))}
              <div className="rank-card pulls">
                <div className="kpi-label">{t('pullsDown')}</div>
                <button type="button" data-open="overdue" onClick={() => focus('overdue')}>
                  {t('section.overdue')} {data.overdue.length}
                </button>
                <button type="button" data-open="victims" onClick={() => focus('victims')}>
                  {t('section.cases')} {data.victims.length}
                </button>
              </div>
            </div>
            <Panel title={t('branchBoard')} slice={slice} kind="rank-daily" className="board-panel">
              <Table rows={data.today} lang={lang} label={t('branchBoard')} kind="daily" short />
            </Panel>
            <Panel title={t('weekBoard')} slice={slice} kind="rank-weekly" className="board-panel">
              <Table rows={data.week} lang={lang} label={t('weekBoard')} kind="weekly" short />
            </Panel>
          </div>
          <div className="station-col">
            <Panel title={t('rk.stations')} slice={slice} kind="rank-stations" className="board-panel">
              <StationGrid today={data.stationsToday} week={data.stationsWeek} lang={lang} />
            </Panel>
            <div className="station-bottom">
              <Panel title={t('rankTrend')} slice={slice} kind="rank-trend" className="trend-panel">
                <div className="rank-trend" data-points={data.trend.length}>
                  <ResponsiveContainer width="100%" height="100%">
                    <LineChart data={data.trend} margin={{ top: 8, right: 16, bottom: 0, left: 0 }}>
                      <CartesianGrid stroke="#1d2a3a" />
                      <XAxis dataKey="day" tick={{ fill: '#a9b8ca', fontSize }} interval={6} />
                      <YAxis reversed domain={[1, Math.max(1, data.today.length)]} allowDecimals={false} tick={{ fill: '#a9b8ca', fontSize }} width={fontSize * 2.5} />
                      <Line type="stepAfter" dataKey="rank" stroke="#56ccf2" strokeWidth={3} dot={false} isAnimationActive={false} connectNulls={false} />
                    </LineChart>
                  </ResponsiveContainer>
                </div>
              </Panel>
              <PullList kind="overdue" leads={data.overdue} lang={lang} slice={slice} />
              <PullList kind="victims" leads={data.victims} lang={lang} slice={slice} />
            </div>
          </div>
        </main>
      )}
    </div>
  );
}
