// The alert map: the jurisdiction from bundled GeoJSON (no tile server), branches shaded by the
// configured indicator, open leads as markers by risk and countdown state, stations, and a
// new urgent lead flashing with a banner for a minute (at most the newest three flash: flash.ts).
import { memo, useEffect, useMemo, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { HIGHER_IS_BETTER } from '../../../shared/display.js';
import { countdownStep } from '../../../shared/kpi.js';
import { pctText } from '../format.js';
import { kpiKey } from '../i18n.js';
import { useApp } from '../store.js';
import { localName, Panel, useT } from './common.js';
import { flashing, newUrgent } from './flash.js';
import { shortUnitName } from './Leaderboards.js';
import { placeLabels, shadeBins, textEm, useMapFrame } from './mapFrame.js';

/**
 * One lead's marker. Memoised: the clock ticks every second, but a marker changes only when its
 * colour step or flash does, so a map of a thousand open leads redraws a handful, not all.
 */
const Marker = memo(function Marker({ id, x, y, riskLevel, step, flashes }: { id: string; x: number; y: number; riskLevel: string; step: string; flashes: boolean }) {
  return (
    <g className={`marker risk-${riskLevel} step-${step}${flashes ? ' flash' : ''}`} data-marker={id} data-flash={flashes ? 'true' : 'false'}>
      {flashes && <circle className="flash-ring" cx={x} cy={y} r={30} />}
      <circle cx={x} cy={y} r={riskLevel === 'urgent' ? 9 : riskLevel === 'high' ? 7 : 5} />
    </g>
  );
});

export function AlertMap() {
  const t = useT();
  const { slice, config, firstSeen, lang, now } = useApp(useShallow((s) => ({ slice: s.map, config: s.config, firstSeen: s.firstSeen, lang: s.lang, now: s.now })));
  const { geo, frame } = useMapFrame(config.geo);
  // SVG text scales with the map: size labels so they stay at the font floor on screen.
  // Observed from the moment the SVG mounts (a callback ref): it may mount after the data, when
  // the replica's first snapshot completes, and a stale scale would shrink every label.
  const [svgEl, svgRef] = useState<SVGSVGElement | null>(null);
  const [px, setPx] = useState(1);
  useEffect(() => {
    const el = svgEl;
    if (!el) return;
    const measure = () => {
      const box = el.getBoundingClientRect();
      const vb = el.viewBox.baseVal;
      if (box.width > 0 && box.height > 0) setPx(Math.max(vb.width / box.width, vb.height / box.height));
    };
    measure();
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, [svgEl]);
  const labelSize = window.innerHeight * config.fontFloor * 1.05 * px;
  const leads = slice.data?.leads ?? [];
  const banner = newUrgent(leads, firstSeen, now);
  const flash = flashing(leads, firstSeen, now);
  // Label widths measured in the wall's own bold font (an estimate where no canvas is at hand).
  const em = useMemo(() => {
    const ctx = document.createElement('canvas').getContext('2d');
    if (!ctx) return textEm;
    ctx.font = `700 100px ${getComputedStyle(document.body).fontFamily}`;
    return (s: string) => ctx.measureText(s).width / 100;
  }, []);
  const branches = slice.data?.branches ?? [];
  const minVolume = config.ranking.minVolume;
  const byKey = new Map(branches.map((b) => [b.geoKey ?? '', b]));
  // Graded bins over the values shown, so branches that differ are told apart even when every
  // one is on the same side of the target.
  // A branch under the rankings' minimum volume is not shaded: one lucky or unlucky lead would
  // stretch the scale for all the others.
  const shaded = (b: (typeof branches)[number]) => (b.indicators.leads >= minVolume ? b.indicators[config.mapIndicator].value : null);
  const bins = shadeBins(
    branches.map(shaded),
    HIGHER_IS_BETTER[config.mapIndicator],
  );
  const approximate = (geo?.features ?? []).filter((f) => f.properties.approximate && f.properties.geoKey).map((f) => localName({ name: f.properties.name ?? '', nameEn: f.properties.nameEn ?? null }, lang));
  // Cut to the map's label length too: a centre may send a name of any length (security suite).
  const shortName = (b: { name: string; nameEn: string | null }) => mapLabel(shortUnitName(localName(b, lang)));
  // Labels: small districts first (they have least room), each moved off the others and kept
  // inside the map, sized by the text itself in the display's language.
  const placed =
    frame && slice.data
      ? placeLabels(
          branches
            .flatMap((b) => {
              const at = frame.anchors.get(b.geoKey ?? '') ?? (b.lat !== null && b.lng !== null ? frame.project(b.lng, b.lat) : null);
              if (!at) return [];
              // The figure is measured with its digits as zeros (the label sets them tabular): the
              // canvas keeps a shaped copy of every distinct string it measures, and a figure that
              // changes all day would grow that cache with every new value (bench:soak).
              const w = Math.max(em(shortName(b)), em(pctText(b.indicators[config.mapIndicator].value).replace(/\d/g, '0'))) * labelSize * 1.15;
              return [{ key: b.id, x: at[0], y: at[1], w, h: 2.45 * labelSize, area: frame.areas.get(b.geoKey ?? '') ?? 0 }];
            })
            .sort((a, b) => a.area - b.area),
          { x0: -20, y0: -20, x1: frame.w + 20, y1: frame.h + 20 },
        )
      : new Map<string, [number, number]>();
  return (
    <Panel title={t('mapTitle')} slice={slice} kind="map" className="map-panel flex-body">
      {banner.length > 0 && (
        <div className="map-banner" data-flash-banner>
          {t('newUrgent')} {banner.join('、')}
        </div>
      )}
      {frame && geo && slice.data && (
        <svg ref={svgRef} className="map-svg" viewBox={`-20 -20 ${frame.w + 40} ${frame.h + 40}`} preserveAspectRatio="xMidYMid meet" role="img" aria-label={t('mapTitle')}>
          {frame.shapes.map((f) => {
            if (f.outline) return null;
            const b = byKey.get(f.key);
            const value = b ? b.indicators[config.mapIndicator].value : null;
            const bin = b ? bins.bin(shaded(b)) : null;
            return <path key={f.key} className={`district ${bin === null ? 'grade-none' : `bin-${bin}`}`} d={f.d} data-branch={b?.id ?? ''} data-value={value ?? ''} data-bin={bin ?? ''} data-too-low={b && b.indicators.leads < minVolume ? 'true' : 'false'} />;
          })}
          {frame.shapes
            .filter((f) => f.outline)
            .map((f) => (
              <path key="outline" className="outline" d={f.d} />
            ))}
          {slice.data.stations.map((s) => {
            const [x, y] = frame.project(s.lng, s.lat);
            return <rect key={s.id} className="station" x={x - 4} y={y - 4} width={8} height={8} transform={`rotate(45 ${x} ${y})`} />;
          })}
          {branches.map((b) => {
            const at = placed.get(b.id);
            if (!at) return null;
            const value = b.indicators[config.mapIndicator].value;
            return (
              <text key={b.id} className="district-label" data-label={b.id} x={at[0]} y={at[1]} textAnchor="middle" style={{ fontSize: labelSize, strokeWidth: labelSize / 5 }}>
                <tspan x={at[0]} y={at[1] - 0.2 * labelSize}>
                  {shortName(b)}
                </tspan>
                <tspan x={at[0]} y={at[1] + 0.85 * labelSize}>
                  {pctText(value)}
                </tspan>
              </text>
            );
          })}
          {slice.data.leads.map((l) => {
            const [x, y] = frame.project(l.lng, l.lat);
            const left = l.feedbackDueAt - now;
            const step = countdownStep(left);
            return <Marker key={l.id} id={l.id} x={x} y={y} riskLevel={l.riskLevel} step={step} flashes={flash.has(l.id)} />;
          })}
        </svg>
      )}
      <div className="map-legend" data-legend-bins={bins.edges.length ? bins.edges.length - 1 : 0}>
        <span>{t('mapShade', { k: t(kpiKey(config.mapIndicator)) })}</span>
        {bins.edges.slice(0, -1).map((lo, i) => {
          const bin = HIGHER_IS_BETTER[config.mapIndicator] ? i : bins.edges.length - 2 - i;
          return (
            <span key={i} className="legend-bin">
              <span className={`legend-swatch bin-${bin}`} />
              {`${pctText(lo).replace('%', '')}–${pctText(bins.edges[i + 1]!)}`}
            </span>
          );
        })}
        {branches.some((b) => b.indicators.leads < minVolume) && (
          <span className="legend-bin">
            <span className="legend-swatch grade-none" />
            {t('volumeLow')}
          </span>
        )}
        {approximate.length > 0 && <span className="legend-note">{t('mapApproxSome', { names: approximate.join(lang === 'en' ? ', ' : '、') })}</span>}
      </div>
    </Panel>
  );
}

/**
 * A district's label: the branch's name without 分局/Branch, cut to 12 characters (SVG text
 * neither wraps nor ellipsizes, and a centre may send a 200-character name that would lie
 * across the whole map).
 */
export function mapLabel(name: string): string {
  const chars = Array.from(name.replace('分局', '').replace(' Branch', ''));
  return chars.length > 12 ? `${chars.slice(0, 11).join('')}…` : chars.join('');
}
