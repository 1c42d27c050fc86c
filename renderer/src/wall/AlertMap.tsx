// The alert map: the jurisdiction from bundled GeoJSON (no tile server), branches shaded by the
// configured indicator, open leads as markers by risk and countdown state, stations, and a
// new urgent lead flashing with a banner for a minute.
import { useEffect, useMemo, useRef, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { grade } from '../../../shared/display.js';
import { pctText } from '../format.js';
import { kpiKey } from '../i18n.js';
import { useApp } from '../store.js';
import { Panel, useT } from './common.js';

type Ring = [number, number][];
type Geo = { features: { properties: { geoKey?: string; name?: string; nameEn?: string; approximate?: boolean }; geometry: { type: 'Polygon' | 'MultiPolygon'; coordinates: Ring[] | Ring[][] } }[]; properties?: { approximate?: boolean } };

const FLASH_MS = 60_000;

function polygons(g: Geo['features'][number]['geometry']): Ring[][] {
  return g.type === 'Polygon' ? [g.coordinates as Ring[]] : (g.coordinates as Ring[][]);
}

function useGeo(file: string): Geo | null {
  const [geo, setGeo] = useState<Geo | null>(null);
  useEffect(() => {
    let alive = true;
    void fetch(`geo/${file}`)
      .then((r) => (r.ok ? (r.json() as Promise<Geo>) : null))
      .then((g) => alive && setGeo(g))
      .catch(() => {});
    return () => {
      alive = false;
    };
  }, [file]);
  return geo;
}

export function AlertMap() {
  const t = useT();
  const { slice, config, firstSeen, lang, now } = useApp(useShallow((s) => ({ slice: s.map, config: s.config, firstSeen: s.firstSeen, lang: s.lang, now: s.now })));
  const geo = useGeo(config.geo);
  // SVG text scales with the map: size labels so they stay at the font floor on screen.
  const svgRef = useRef<SVGSVGElement | null>(null);
  const [px, setPx] = useState(1);
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
  });
  const labelSize = window.innerHeight * config.fontFloor * 1.05 * px;
  const frame = useMemo(() => {
    if (!geo) return null;
    let [minX, minY, maxX, maxY] = [Infinity, Infinity, -Infinity, -Infinity];
    for (const f of geo.features) for (const poly of polygons(f.geometry)) for (const [x, y] of poly[0]!) [minX, minY, maxX, maxY] = [Math.min(minX, x), Math.min(minY, y), Math.max(maxX, x), Math.max(maxY, y)];
    const k = Math.cos((((minY + maxY) / 2) * Math.PI) / 180);
    const scale = 1000 / ((maxX - minX) * k);
    const project = (lng: number, lat: number): [number, number] => [(lng - minX) * k * scale, (maxY - lat) * scale];
    const path = (rings: Ring[]) => rings.map((r) => 'M' + r.map(([x, y]) => project(x, y).map((v) => v.toFixed(1)).join(',')).join('L') + 'Z').join('');
    // Label anchors: the centre of each district's largest polygon (area-weighted vertex mean).
    const anchors = new Map<string, [number, number]>();
    for (const f of geo.features) {
      const key = f.properties.geoKey;
      if (!key || key === 'outline') continue;
      const ring = polygons(f.geometry).map((p) => p[0]!).sort((a, b) => b.length - a.length)[0]!;
      let [ax, ay, area] = [0, 0, 0];
      for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
        const [xi, yi] = project(...ring[i]!);
        const [xj, yj] = project(...ring[j]!);
        const c = xj * yi - xi * yj;
        area += c;
        ax += (xi + xj) * c;
        ay += (yi + yj) * c;
      }
      if (area !== 0) anchors.set(key, [ax / (3 * area), ay / (3 * area)]);
    }
    return { project, path, anchors, w: 1000, h: (maxY - minY) * scale };
  }, [geo]);
  const flashing = (slice.data?.leads ?? []).filter((l) => l.riskLevel === 'urgent' && (firstSeen[l.id] ?? 0) > 0 && now - firstSeen[l.id]! < FLASH_MS);
  const byKey = new Map((slice.data?.branches ?? []).map((b) => [b.geoKey ?? '', b]));
  const approximate = geo?.properties?.approximate ?? false;
  return (
    <Panel title={t('mapTitle')} slice={slice} kind="map" className="map-panel flex-body">
      {flashing.length > 0 && (
        <div className="map-banner" data-flash-banner>
          {t('newUrgent')} {flashing.map((l) => l.id).join('、')}
        </div>
      )}
      {frame && geo && slice.data && (
        <svg ref={svgRef} className="map-svg" viewBox={`-20 -20 ${frame.w + 40} ${frame.h + 40}`} preserveAspectRatio="xMidYMid meet" role="img" aria-label={t('mapTitle')}>
          {geo.features.map((f) => {
            const key = f.properties.geoKey ?? '';
            if (key === 'outline') return null;
            const b = byKey.get(key);
            const value = b ? b.indicators[config.mapIndicator].value : null;
            const g = b ? grade(config.mapIndicator, value, config.targets[config.mapIndicator]) : 'none';
            return <path key={key} className={`district grade-${g}`} d={polygons(f.geometry).map((p) => frame.path(p)).join('')} data-branch={b?.id ?? ''} data-value={value ?? ''} />;
          })}
          {geo.features
            .filter((f) => f.properties.geoKey === 'outline')
            .map((f) => (
              <path key="outline" className="outline" d={polygons(f.geometry).map((p) => frame.path(p)).join('')} />
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
                <tspan x={at[0]}>{(lang === 'en' ? b.nameEn : b.name)?.replace('分局', '').replace(' Branch', '')}</tspan>
                <tspan x={at[0]} dy="1.05em">
                  {pctText(value)}
                </tspan>
              </text>
            );
          })}
          {slice.data.leads.map((l) => {
            const [x, y] = frame.project(l.lng, l.lat);
            const left = l.feedbackDueAt - now;
            const step = left <= 0 ? 'overdue' : left <= 3_600_000 ? 'alert' : left <= 3 * 3_600_000 ? 'warn' : 'calm';
            const flash = flashing.some((f) => f.id === l.id);
            return (
              <g key={l.id} className={`marker risk-${l.riskLevel} step-${step}${flash ? ' flash' : ''}`} data-marker={l.id} data-flash={flash ? 'true' : 'false'}>
                {flash && <circle className="flash-ring" cx={x} cy={y} r={30} />}
                <circle cx={x} cy={y} r={l.riskLevel === 'urgent' ? 9 : l.riskLevel === 'high' ? 7 : 5} />
              </g>
            );
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
