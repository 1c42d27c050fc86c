// Rankings for a branch chief (#/rankings?branch=ID): where the branch stands today and this
// week, its stations, its rank over 30 days, and what pulls it down, one click away.
import { useEffect, useState } from 'react';
import { CartesianGrid, Line, LineChart, ResponsiveContainer, XAxis, YAxis } from 'recharts';
import { useShallow } from 'zustand/react/shallow';
import type { RankingRow, ReviewLead } from '../../../shared/contract.js';
import { DAY } from '../../../shared/domain.js';
import { dayWindow, weekWindow } from '../../../shared/kpi.js';
import type { UnitNode } from '../../../shared/units.js';
import { clockText, dateText, pctText } from '../format.js';
import { fraudKey } from '../i18n.js';
import { api, useApp } from '../store.js';
import { localName, placeName, useT } from '../wall/common.js';
import { Table } from '../wall/Leaderboards.js';
import { StatusBar } from '../wall/StatusBar.js';

type Data = {
  branch: UnitNode;
  branches: UnitNode[];
  today: RankingRow[];
  week: RankingRow[];
  stations: RankingRow[];
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
  const [dayRows, weekRows, stations, overdue, victims] = await Promise.all([
    c.invoke('ranking:get', { kind: 'daily', level: 'branch', ...(within ? { within } : {}) }),
    c.invoke('ranking:get', { kind: 'weekly', level: 'branch', ...(within ? { within } : {}) }),
    c.invoke('ranking:get', { kind: 'daily', level: 'station', within: branch.id }),
    c.invoke('review:leads', { unitId: branch.id, window: weekWindow(now), asOf: now, which: 'overdue', limit: 500 }),
    c.invoke('review:leads', { unitId: branch.id, window: weekWindow(now), asOf: now, which: 'victimised', limit: 500 }),
  ]);
  const trend = await Promise.all(
    Array.from({ length: 30 }, async (_, i) => {
      const w = { start: today.start - (30 - i) * DAY, end: today.start - (29 - i) * DAY };
      const rows = await c.invoke('ranking:get', { kind: 'daily', level: 'branch', ...(within ? { within } : {}), window: w });
      return { day: dateText(w.start).slice(5), rank: rows.find((r) => r.unitId === branch.id)?.rank ?? null };
    }),
  );
  return { branch, branches, today: dayRows, week: weekRows, stations, trend, overdue, victims };
}

export function RankingsScreen({ params }: { params: URLSearchParams }) {
  const t = useT();
  const { lang, ready, floor } = useApp(useShallow((s) => ({ lang: s.lang, ready: s.link && s.clockKnown, floor: s.config.fontFloor })));
  const branchId = params.get('branch');
  const [data, setData] = useState<Data | null>(null);
  const [open, setOpen] = useState<'overdue' | 'victims' | null>(null);
  useEffect(() => {
    if (!ready) return;
    let alive = true;
    void load(branchId, useApp.getState().now).then((d) => alive && setData(d));
    return () => {
      alive = false;
    };
  }, [branchId, ready]);
  const name = (u: { name: string; nameEn?: string | null | undefined }) => localName(u, lang);
  const mine = (rows: RankingRow[]) => rows.find((r) => r.unitId === data?.branch.id);
  const fontSize = Math.max(12, Math.round(window.innerHeight * floor));
  return (
    <div className="review rankings" data-screen="rankings">
      <StatusBar />
      {!data && <div className="empty">{t('loading')}</div>}
      {data && (
        <main className="rankings-body">
          <header className="review-head">
            <h1>{t('rankingsTitle', { b: name(data.branch) })}</h1>
            <nav className="breadcrumb">
              {data.branches.map((b) => (
                <a key={b.id} href={`#/rankings?branch=${b.id}`} className={b.id === data.branch.id ? 'on' : ''}>
                  {name(b)}
                </a>
              ))}
            </nav>
          </header>
          <div className="rank-cards">
            {(
              [
                ['rankToday', mine(data.today), data.today.filter((r) => r.rank !== null).length],
                ['rankWeek', mine(data.week), data.week.filter((r) => r.rank !== null).length],
              ] as const
            ).map(([label, row, n]) => (
              <div key={label} className="rank-card" data-my-rank={label} data-rank={row?.rank ?? ''}>
                <div className="kpi-label">{t(label)}</div>
                <div className="kpi-value">{row?.rank ?? '—'}</div>
                <div className="kpi-sub">
                  {t('ofN', { n })} {row?.change ? (row.change > 0 ? `▲${row.change}` : `▼${-row.change}`) : ''} · {t('f2fCol')} {pctText(row?.indicators.faceToFace.value ?? null)}
                </div>
              </div>
            ))}
            <div className="rank-card pulls">
              <div className="kpi-label">{t('pullsDown')}</div>
              <button type="button" data-open="overdue" onClick={() => setOpen(open === 'overdue' ? null : 'overdue')}>
                {t('section.overdue')} {data.overdue.length}
              </button>
              <button type="button" data-open="victims" onClick={() => setOpen(open === 'victims' ? null : 'victims')}>
                {t('section.cases')} {data.victims.length}
              </button>
            </div>
          </div>
          <div className="two-boards">
            <section>
              <h2>{t('stationsAll')}</h2>
              <Table rows={data.stations} lang={lang} label={t('stationsAll')} />
            </section>
            <section>
              <h2>{t('rankTrend')}</h2>
              <div className="rank-trend" data-points={data.trend.length}>
                <ResponsiveContainer width="100%" height="100%">
                  <LineChart data={data.trend}>
                    <CartesianGrid stroke="#1d2a3a" />
                    <XAxis dataKey="day" tick={{ fill: '#a9b8ca', fontSize }} interval={6} />
                    <YAxis reversed domain={[1, 10]} allowDecimals={false} tick={{ fill: '#a9b8ca', fontSize }} width={fontSize * 2.5} />
                    <Line type="stepAfter" dataKey="rank" stroke="#56ccf2" strokeWidth={3} dot={false} isAnimationActive={false} connectNulls={false} />
                  </LineChart>
                </ResponsiveContainer>
              </div>
            </section>
          </div>
          {open && (
            <section className="pull-list" data-pull-list={open}>
              <h2>{t(open === 'overdue' ? 'section.overdue' : 'section.cases')}</h2>
              <table className="review-table">
                <tbody>
                  {(open === 'overdue' ? data.overdue : data.victims).length === 0 && (
                    <tr>
                      <td className="muted">{t('none')}</td>
                    </tr>
                  )}
                  {(open === 'overdue' ? data.overdue : data.victims).map((l) => (
                    <tr key={l.id} data-review-lead={l.id}>
                      <td>{l.id}</td>
                      <td>{placeName(l, lang)}</td>
                      <td data-pii>{l.personName}</td>
                      <td>{t(fraudKey(l.fraudType))}</td>
                      <td>{clockText(l.feedbackDueAt, false)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </section>
          )}
        </main>
      )}
    </div>
  );
}
