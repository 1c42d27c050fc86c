import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, XAxis, YAxis } from 'recharts';
import { useShallow } from 'zustand/react/shallow';
import { dateText } from '../format.js';
import { kpiKey } from '../i18n.js';
import { useApp } from '../store.js';
import { Panel, useT } from './common.js';

export function TrendChart() {
  const t = useT();
  const { slice, floorPx } = useApp(useShallow((s) => ({ slice: s.trends, floorPx: s.config.fontFloor })));
  const fontSize = Math.max(12, Math.round(window.innerHeight * floorPx));
  const data = (slice.data ?? []).map((p) => ({
    day: dateText(p.day).slice(5),
    f2f: p.faceToFace.value === null ? null : Number((p.faceToFace.value * 100).toFixed(1)),
    victim: p.victimisation.value === null ? null : Number((p.victimisation.value * 100).toFixed(2)),
  }));
  return (
    <Panel title={t('trendTitle')} slice={slice} kind="trend" className="trend-panel">
      <div className="trend-chart" data-points={data.length}>
        <ResponsiveContainer width="100%" height="100%">
          <LineChart data={data} margin={{ top: 8, right: 16, bottom: 0, left: 0 }}>
            <CartesianGrid stroke="#1d2a3a" />
            <XAxis dataKey="day" tick={{ fill: '#9fb0c4', fontSize }} interval={6} />
            <YAxis yAxisId="l" domain={[90, 100]} ticks={[90, 95, 100]} allowDataOverflow tick={{ fill: '#2fbf71', fontSize }} width={fontSize * 3.4} unit="%" />
            <YAxis yAxisId="r" orientation="right" domain={[0, 5]} ticks={[0, 2.5, 5]} allowDataOverflow tick={{ fill: '#ff6b35', fontSize }} width={fontSize * 3.4} unit="%" />
            <Legend wrapperStyle={{ fontSize }} />
            <Line yAxisId="l" type="monotone" dataKey="f2f" name={t(kpiKey('faceToFace'))} stroke="#2fbf71" strokeWidth={3} dot={false} isAnimationActive={false} connectNulls />
            <Line yAxisId="r" type="monotone" dataKey="victim" name={t(kpiKey('victimisation'))} stroke="#ff6b35" strokeWidth={3} dot={false} isAnimationActive={false} connectNulls />
          </LineChart>
        </ResponsiveContainer>
      </div>
    </Panel>
  );
}
