// Leaderboards: today's progress ranking of branches, and stations top and bottom (five a side,
// or as many as the panel holds at the font floor).
import { Fragment, useEffect, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { RankingRow } from '../../../shared/contract.js';
import { pctText } from '../format.js';
import { useApp } from '../store.js';
import { Head, localName, Panel, useT } from './common.js';

function Row({ r, lang }: { r: RankingRow; lang: 'zh-CN' | 'en' }) {
  const t = useT();
  const arrow = r.change === null ? '' : r.change > 0 ? `▲${r.change}` : r.change < 0 ? `▼${-r.change}` : '＝';
  const f = r.indicators.faceToFace;
  const o = r.indicators.overdue;
  return (
    <tr className={r.tooLow ? 'too-low' : ''} data-rank-unit={r.unitId} data-rank={r.rank ?? ''}>
      <td className="rank">{r.rank ?? '—'}</td>
      <td className={`change ${r.change !== null && r.change > 0 ? 'up' : r.change !== null && r.change < 0 ? 'down' : ''}`}>{arrow}</td>
      <td className="name">{localName(r, lang)}</td>
      <td className="num">
        {pctText(f.value)} <small>{`${f.num}/${f.den}`}</small>
      </td>
      <td className="num">{r.tooLow ? <span className="low-badge">{t('volumeLow')}</span> : pctText(o.value)}</td>
    </tr>
  );
}

export function Table({ rows, lang, label, gapAfter }: { rows: RankingRow[]; lang: 'zh-CN' | 'en'; label: string; gapAfter?: number }) {
  return (
    <table className="board" aria-label={label}>
      <Head cols={['rankCol', null, 'unitCol', 'f2fCol', 'overdueCol']} />
      <tbody>
        {rows.map((r, i) => (
          <Fragment key={r.unitId}>
            <Row r={r} lang={lang} />
            {gapAfter === i && (
              <tr className="gap">
                <td colSpan={5}>⋯</td>
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
      <Table rows={slice.data ?? []} lang={lang} label={t('branchBoard')} />
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
        <Table rows={[...top, ...bottom]} lang={lang} label={title} {...(bottom.length ? { gapAfter: top.length - 1 } : {})} />
      </div>
    </Panel>
  );
}
