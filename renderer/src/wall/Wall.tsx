// The wall (指挥大屏): a layout of registered panels, so a layout is data.
import type { ComponentType } from 'react';
import { useApp } from '../store.js';
import { AlertMap } from './AlertMap.js';
import { CountdownTiles } from './CountdownTiles.js';
import { KpiStrip } from './KpiStrip.js';
import { BranchBoard, StationBoard } from './Leaderboards.js';
import { StatusBar } from './StatusBar.js';
import { Ticker } from './Ticker.js';
import { TrendChart } from './TrendChart.js';

/** The panel registry: a kind, its component, and the grid area it takes by default. */
export const PANELS: Record<string, { component: ComponentType; area: string }> = {
  kpi: { component: KpiStrip, area: 'kpi' },
  map: { component: AlertMap, area: 'map' },
  trend: { component: TrendChart, area: 'trend' },
  countdowns: { component: CountdownTiles, area: 'tiles' },
  branches: { component: BranchBoard, area: 'branches' },
  stations: { component: StationBoard, area: 'stations' },
};

export function Wall() {
  const floor = useApp((s) => s.config.fontFloor);
  return (
    <div className="wall" style={{ ['--floor' as string]: `${(floor * 100).toFixed(3)}vh` }}>
      <StatusBar />
      <main className="wall-grid">
        {Object.entries(PANELS).map(([kind, p]) => (
          <div key={kind} className="wall-cell" style={{ gridArea: p.area }}>
            <p.component />
          </div>
        ))}
      </main>
      <Ticker />
    </div>
  );
}
