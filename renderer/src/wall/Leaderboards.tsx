// Leaderboards: today's progress ranking of branches, and stations top and bottom (five a side,
// or as many as the panel holds at the font floor).
import { Fragment, useEffect, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { RankingRow } from '../../../shared/contract.js';
import type { RankingKind, RankSortKey } from '../../../shared/kpi.js';
import { hoursText, moneyText, pctText } from '../format.js';
import type { MessageKey } from '../i18n.js';
import { useApp } from '../store.js';
import { Head, localName, Panel, useT } from './common.js';

/**
 * A unit's name without its kind (分局, 派出所, Branch, Station) where the column or the map
 * already says what the units are, so names fit narrow columns and map labels whole.
 */
export function shortUnitName(name: string): string {
  return name.replace(/(分局|派出所| Branch| Station| Police Station)$/, '');
}

/** The column header of each sort key. */
const COL: Record<RankSortKey, MessageKey> = {
  faceToFace: 'f2fCol',
  victimisation: 'victimCol',
  overdue: 'overdueCol',
  amountDefrauded: 'amountCol',
  peopleDefrauded: 'peopleCol',
  timeToMeet: 'ttmCol',
  stopPayment30: 'stopCol',
  amountKept: 'keptCol',
};

/** A ranking row's figure for one sort key, as the board shows it (the first key with num/den). */
function Cell({ r, k, first, lang }: { r: RankingRow; k: RankSortKey; first: boolean; lang: 'zh-CN' | 'en' }) {
  const ind = r.indicators;
  if (k === 'faceToFace' || k === 'victimisation' || k === 'overdue' || k === 'stopPayment30') {
    const x = ind[k];
    return (
      <>
        {pctText(x.value)}
        {first && <small>{`${x.num}/${x.den}`}</small>}
      </>
    );
  }
  if (k === 'amountDefrauded' || k === 'amountKept') return <>{moneyText(ind[k], lang)}</>;
  if (k === 'timeToMeet') return <>{hoursText(ind.timeToMeet.medianMs)}</>;
  return <>{ind.peopleDefrauded}</>;
}

function Row({ r, lang, keys, short }: { r: RankingRow; lang: 'zh-CN' | 'en'; keys: readonly RankSortKey[]; short: boolean }) {
  const t = useT();
  const arrow = r.change === null ? '' : r.change > 0 ? `▲${r.change}` : r.change < 0 ? `▼${-r.change}` : '＝';
  return (
    <tr className={r.tooLow ? 'too-low' : ''} data-rank-unit={r.unitId} data-rank={r.rank ?? ''}>
      <td className="rank">{r.rank ?? '—'}</td>
      <td className={`change ${r.change !== null && r.change > 0 ? 'up' : r.change !== null && r.change < 0 ? 'down' : ''}`}>{arrow}</td>
      <td className="name">{short ? shortUnitName(localName(r, lang)) : localName(r, lang)}</td>
      {keys.map((k, i) => (
        <td key={k} className="num" data-col={k}>
          {/* The last column gives way to the mark of a unit with too few leads to rank. */}
          {r.tooLow && i === keys.length - 1 && keys.length > 1 ? <span className="low-badge">{t('volumeLow')}</span> : <Cell r={r} k={k} first={i === 0} lang={lang} />}
        </td>
      ))}
    </tr>
  );
}

/**
 * A ranking as a table: its columns are the ranking's own sort keys (the display's
 * configuration), so the weekly evaluation shows victimisation and amount, not the daily
 * columns; `maxCols` keeps the first few where the panel is narrow.
 */
export function Table({ rows, lang, label, gapAfter, kind = 'daily', maxCols, short = false }: { rows: RankingRow[]; lang: 'zh-CN' | 'en'; label: string; gapAfter?: number; kind?: RankingKind; maxCols?: number; short?: boolean }) {
  const all = useApp((s) => s.config.ranking.keys[kind]);
  const keys = maxCols === undefined ? all : all.slice(0, maxCols);
  return (
    <table className="board" aria-label={label} data-kind={kind}>
      <Head cols={['rankCol', null, 'unitCol', ...keys.map((k) => COL[k])]} />
      <tbody>
        {rows.map((r, i) => (
          <Fragment key={r.unitId}>
            <Row r={r} lang={lang} keys={keys} short={short} />
            {gapAfter === i && (
              <tr className="gap">
                <td colSpan={3 + keys.length}>⋯</td>
              </tr>
            )}
          </Fragment>
        ))}
      </tbody>
    </table>
  );
}

export function BranchBoard() {
  const t = useT();
  const { slice, lang } = useApp(useShallow((s) => ({ slice: s.branches, lang: s.lang })));
  return (
    <Panel title={t('branchBoard')} slice={slice} kind="branch-board" className="board-panel">
      {/* The board is of branches: in English a name without "Branch" fits its column whole ("Longgang Bra…" did not); so on the station board. */}
      <Table rows={slice.data ?? []} lang={lang} label={t('branchBoard')} maxCols={2} short={lang === 'en'} />
    </Panel>
  );
}

/**
 * Rows a side the station board can show: at most `max`, fewer where the panel is too short for
 * both sides at the font floor (a 1080-line wall), since a cut-off last row hides a station.
 */
function useSideRows(max: number, rowCount: number): [(el: HTMLDivElement | null) => void, number] {
  const [el, setEl] = useState<HTMLDivElement | null>(null);
  const [n, setN] = useState(max);
  useEffect(() => {
    if (!el) return;
    const measure = () => {
      const head = el.querySelector('thead')?.getBoundingClientRect().height ?? 0;
      const row = el.querySelector('tbody tr:not(.gap)')?.getBoundingClientRect().height;
      if (!row) return;
      const gap = el.querySelector('tbody tr.gap')?.getBoundingClientRect().height ?? row;
      setN(Math.max(1, Math.min(max, Math.floor((el.clientHeight - head - gap) / row / 2))));
    };
    measure();
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, [el, max, rowCount]);
  return [setEl, n];
}

export function StationBoard() {
  const t = useT();
  const { slice, lang } = useApp(useShallow((s) => ({ slice: s.stations, lang: s.lang })));
  const ranked = (slice.data ?? []).filter((r) => r.rank !== null);
  const [fitRef, side] = useSideRows(5, ranked.length);
  const top = ranked.slice(0, side);
  const bottom = ranked.length > side ? ranked.slice(Math.max(side, ranked.length - side)) : [];
  const low = (slice.data ?? []).filter((r) => r.tooLow).length;
  // The counts shown, not the room: with few ranked stations the bottom holds fewer than the top.
  const title = bottom.length ? `${t('stationTop', { n: top.length })} · ${t('stationBottom', { n: bottom.length })}` : t('stationTop', { n: top.length });
  return (
    <Panel title={title} slice={slice} kind="station-board" className="board-panel" extra={low > 0 ? <span className="panel-page">{t('volumeLow')} {low}</span> : undefined}>
      {/* Top, then (after a gap) the bottom, in one table. */}
      <div className="board-fit" ref={fitRef}>
        <Table rows={[...top, ...bottom]} lang={lang} label={title} maxCols={2} short={lang === 'en'} {...(bottom.length ? { gapAfter: top.length - 1 } : {})} />
      </div>
    </Panel>
  );
}
