import { CartesianGrid, Legend, Line, LineChart, ReferenceLine, ResponsiveContainer, XAxis, YAxis } from 'recharts';
import { useShallow } from 'zustand/react/shallow';
import { dateText } from '../format.js';
import { kpiKey } from '../i18n.js';
import { useApp } from '../store.js';
import { Panel, useT } from './common.js';

/**
 * A percentage axis that fits its data: from the lowest to the highest of the values and the
 * reference lines (targets), padded by a tenth of the span (at least `minSpan` points wide),
 * rounded out to a step of 1, 2 or 5 × 10ⁿ and kept within 0–100 %. A fixed axis hides exactly
 * the days the meeting asks about (an 18.1 % victimisation day on a 0–5 % axis).
 */
export function axisDomain(values: readonly (number | null)[], refs: readonly number[], minSpan = 1): { domain: [number, number]; ticks: number[] } {
  const all = [...values.filter((v): v is number => v !== null && Number.isFinite(v)), ...refs];
  if (all.length === 0) return { domain: [0, 100], ticks: [0, 50, 100] };
  let lo = Math.min(...all);
  let hi = Math.max(...all);
  const pad = Math.max((hi - lo) / 10, (minSpan - (hi - lo)) / 2, 0);
  lo -= pad;
  hi += pad;
  const raw = (hi - lo) / 4;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  lo = Math.max(0, Math.floor(lo / step) * step);
  hi = Math.min(100, Math.ceil(hi / step) * step);
  const ticks: number[] = [];
  for (let v = lo; v <= hi + step / 1e6; v += step) ticks.push(Number(v.toFixed(6)));
  return { domain: [lo, hi], ticks };
}

export function TrendChart() {
  const t = useT();
  const { slice, floorPx, targets } = useApp(useShallow((s) => ({ slice: s.trends, floorPx: s.config.fontFloor, targets: s.config.targets })));
  const fontSize = Math.max(12, Math.round(window.innerHeight * floorPx));
  const data = (slice.data ?? []).map((p) => ({
    day: dateText(p.day).slice(5),
    f2f: p.faceToFace.value === null ? null : Number((p.faceToFace.value * 100).toFixed(1)),
    victim: p.victimisation.value === null ? null : Number((p.victimisation.value * 100).toFixed(2)),
  }));
  const f2fTarget = targets.faceToFace * 100;
  const victimTarget = targets.victimisation * 100;
  const left = axisDomain(data.map((d) => d.f2f), [f2fTarget]);
  const right = axisDomain(data.map((d) => d.victim), [victimTarget, 0]);
  // A day without leads has no rate (null, not 0); when none of the days drawn (the 30 before
  // today) had a lead, empty axes would read as a chart still loading, so the panel says so.
  const noLeads = slice.data !== null && slice.data.every((p) => p.leads === 0);
  // A rate known on one day only has no segment to draw: it is shown as a dot.
  const dot = (values: (number | null)[], color: string) => (values.filter((v) => v !== null).length < 2 ? { r: fontSize / 3, fill: color, stroke: color } : false);
  return (
    <Panel title={t('trendTitle')} slice={slice} kind="trend" className="trend-panel">
      {noLeads ? (
        <div className="empty" data-trend-empty="true">
          {t('trendNoLeads')}
        </div>
      ) : (
      <div className="trend-chart" data-points={data.length} data-f2f-domain={left.domain.join(',')} data-victim-domain={right.domain.join(',')}>
        <ResponsiveContainer width="100%" height="100%">
          <LineChart data={data} margin={{ top: 8, right: 16, bottom: 0, left: 0 }}>
            <CartesianGrid stroke="#1d2a3a" />
            <XAxis dataKey="day" tick={{ fill: '#9fb0c4', fontSize }} interval={6} />
            <YAxis yAxisId="l" domain={left.domain} ticks={left.ticks} tick={{ fill: '#2fbf71', fontSize }} width={fontSize * 3.4} unit="%" />
            <YAxis yAxisId="r" orientation="right" domain={right.domain} ticks={right.ticks} tick={{ fill: '#ff6b35', fontSize }} width={fontSize * 3.4} unit="%" />
            <Legend wrapperStyle={{ fontSize }} />
            <ReferenceLine yAxisId="l" y={f2fTarget} stroke="#2fbf71" strokeDasharray="6 4" strokeOpacity={0.7} />
            <ReferenceLine yAxisId="r" y={victimTarget} stroke="#ff6b35" strokeDasharray="6 4" strokeOpacity={0.7} />
            <Line yAxisId="l" type="monotone" dataKey="f2f" name={t(kpiKey('faceToFace'))} stroke="#2fbf71" strokeWidth={3} dot={dot(data.map((d) => d.f2f), '#2fbf71')} isAnimationActive={false} connectNulls />
            <Line yAxisId="r" type="monotone" dataKey="victim" name={t(kpiKey('victimisation'))} stroke="#ff6b35" strokeWidth={3} dot={dot(data.map((d) => d.victim), '#ff6b35')} isAnimationActive={false} connectNulls />
          </LineChart>
        </ResponsiveContainer>
      </div>
      )}
    </Panel>
  );
}
