// Replay of a day on the map (the review's last section): a time slider, play at a chosen speed,
// and each lead appearing, green once met, red once overdue, black if the person was defrauded.
import { useEffect, useState } from 'react';
import type { ReplayLead } from '../../../shared/contract.js';
import { replayState, type Window } from '../../../shared/kpi.js';
import { clockText } from '../format.js';
import { go, parseRoute } from '../route.js';
import { api, useApp } from '../store.js';
import { useT } from '../wall/common.js';
import { useMapFrame } from '../wall/mapFrame.js';

const SPEEDS = [60, 300, 900] as const; // replayed minutes per real second… ×60: seconds per second

export function Replay({ window, asOf, unitId }: { window: Window; asOf: number; unitId: string }) {
  const t = useT();
  const geoFile = useApp((s) => s.config.geo);
  const { geo, frame } = useMapFrame(geoFile);
  const [leads, setLeads] = useState<ReplayLead[]>([]);
  const minutes = Math.round((window.end - window.start) / 60_000);
  const fromUrl = Number(parseRoute(location.hash).params.get('m') ?? NaN);
  const [minute, setMinute] = useState(Number.isFinite(fromUrl) ? Math.min(minutes, Math.max(0, fromUrl)) : minutes);
  const [speed, setSpeed] = useState<(typeof SPEEDS)[number]>(300);
  const [playing, setPlaying] = useState(false);
  useEffect(() => {
    void api().invoke('replay:leads', { unitId, window, asOf }).then(setLeads);
  }, [unitId, window, asOf]);
  useEffect(() => {
    if (!playing) return;
    const step = setInterval(() => setMinute((m) => (m + speed / 60 >= minutes ? (setPlaying(false), minutes) : m + speed / 60)), 1000 / 10);
    return () => clearInterval(step);
  }, [playing, speed, minutes]);
  const at = window.start + Math.round(minute) * 60_000;
  const shown = leads.map((l) => ({ l, state: replayState(l, at) })).filter((x) => x.state !== 'hidden');
  const open = shown.filter((x) => x.state === 'open' || x.state === 'met' || x.state === 'overdue').length;
  return (
    <div className="replay" data-replay-at={at}>
      <div className="replay-controls">
        <button type="button" data-replay-play onClick={() => setPlaying((p) => !p)}>
          {playing ? '❚❚' : '▶'}
        </button>
        <input
          type="range"
          min={0}
          max={minutes}
          value={Math.round(minute)}
          aria-label="minute"
          onChange={(e) => {
            setPlaying(false);
            setMinute(Number(e.target.value));
          }}
          onMouseUp={() => go('review', { ...Object.fromEntries(parseRoute(location.hash).params), m: String(Math.round(minute)) })}
        />
        <span className="replay-clock">{clockText(at, false)}</span>
        <select aria-label="speed" value={speed} onChange={(e) => setSpeed(Number(e.target.value) as (typeof SPEEDS)[number])}>
          {SPEEDS.map((s) => (
            <option key={s} value={s}>
              ×{s}
            </option>
          ))}
        </select>
        <span className="muted" data-replay-open-count={open}>
          {t('openLeads')} {open}
        </span>
        <span className="replay-legend">
          <i className="st-open" /> {t('replay.open')} <i className="st-met" /> {t('replay.met')} <i className="st-overdue" /> {t('replay.overdue')} <i className="st-defrauded" /> {t('replay.defrauded')}
        </span>
      </div>
      {frame && geo && (
        <svg className="replay-map" viewBox={`-20 -20 ${frame.w + 40} ${frame.h + 40}`} preserveAspectRatio="xMidYMid meet">
          {frame.shapes.map((f) => (
            <path key={f.key} className={f.outline ? 'outline' : 'district grade-none'} d={f.d} />
          ))}
          {shown.map(({ l, state }) => {
            const [x, y] = frame.project(l.lng, l.lat);
            const isOpen = state === 'open' || state === 'met' || state === 'overdue';
            return <circle key={l.id} className={`replay-dot st-${state}`} cx={x} cy={y} r={isOpen ? 8 : 4} data-replay-lead={l.id} data-state={state} data-open={isOpen ? 'true' : 'false'} />;
          })}
        </svg>
      )}
    </div>
  );
}
