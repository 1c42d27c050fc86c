// The alert map: the jurisdiction from bundled GeoJSON (no tile server), branches shaded by the
// configured indicator, open leads as markers by risk and countdown state, stations, and a
// new urgent lead flashing with a banner for a minute (at most the newest three flash: flash.ts).
import { memo, useEffect, useRef, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { grade } from '../../../shared/display.js';
import { countdownStep } from '../../../shared/kpi.js';
import { pctText } from '../format.js';
import { kpiKey } from '../i18n.js';
import { useApp } from '../store.js';
import { localName, Panel, useT } from './common.js';
import { flashing, newUrgent } from './flash.js';
import { useMapFrame } from './mapFrame.js';

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
  const svgRef = useRef<SVGSVGElement | null>(null);
  const [px, setPx] = useState(1);
  const hasData = slice.data !== null;
  useEffect(() => {
    const el = svgRef.current;
    if (!el) return;
    const ro = new ResizeObserver(() => {
      const box = el.getBoundingClientRect();
      const vb = el.viewBox.baseVal;
      if (box.width > 0 && box.height > 0) setPx(Math.max(vb.width / box.width, vb.height / box.height));
    });
    ro.observe(el);
    return () => ro.disconnect();
    // Once per mounted map, not on every tick of the clock: the SVG appears with frame and data.
  }, [frame, hasData]);
  const labelSize = window.innerHeight * config.fontFloor * 1.05 * px;
  const leads = slice.data?.leads ?? [];
  const banner = newUrgent(leads, firstSeen, now);
  const flash = flashing(leads, firstSeen, now);
  const byKey = new Map((slice.data?.branches ?? []).map((b) => [b.geoKey ?? '', b]));
  const approximate = geo?.properties?.approximate ?? false;
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
            const g = b ? grade(config.mapIndicator, value, config.targets[config.mapIndicator]) : 'none';
            return <path key={f.key} className={`district grade-${g}`} d={f.d} data-branch={b?.id ?? ''} data-value={value ?? ''} />;
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
          {slice.data.branches.map((b) => {
            const at = frame.anchors.get(b.geoKey ?? '') ?? (b.lat !== null && b.lng !== null ? frame.project(b.lng, b.lat) : null);
            if (!at) return null;
            const value = b.indicators[config.mapIndicator].value;
            return (
              <text key={b.id} className="district-label" x={at[0]} y={at[1]} textAnchor="middle" style={{ fontSize: labelSize, strokeWidth: labelSize / 5 }}>
                <tspan x={at[0]}>{mapLabel(localName(b, lang))}</tspan>
                <tspan x={at[0]} dy="1.05em">
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
      <div className="map-legend">
        <span>{t('mapShade', { k: t(kpiKey(config.mapIndicator)) })}</span>
        <span className="legend-swatch grade-good" /> <span className="legend-swatch grade-warn" /> <span className="legend-swatch grade-bad" />
        {approximate && <span className="legend-note">{t('mapApprox')}</span>}
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
