// Unattended operation: scenes in rotation with a dwell time each, a new urgent lead that
// interrupts and holds the wall until someone acknowledges it (any key or click) or a timeout,
// an optional alarm sound, slow pixel drift against burn-in, and night mode.
import { memo, useEffect, useRef, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { DisplayConfig } from '../../../shared/display.js';
import { minuteOfDay } from '../../../shared/time.js';
import { useApp } from '../store.js';
import { AlertMap } from './AlertMap.js';
import { BranchBoard, StationBoard } from './Leaderboards.js';
import { StatusBar } from './StatusBar.js';
import { TrendChart } from './TrendChart.js';
import { Wall } from './Wall.js';

type Scene = DisplayConfig['scenes'][number];

/** `scenes=wall:20,map:10` in the URL overrides the configured rotation (for trying one out). */
export function scenesFrom(param: string | null, configured: Scene[]): Scene[] {
  if (!param) return configured;
  return param.split(',').flatMap((part) => {
    const [kind, secs] = part.split(':');
    const dwellSeconds = Number(secs);
    return (kind === 'wall' || kind === 'rankings' || kind === 'map' || kind === 'trends') && Number.isFinite(dwellSeconds) && dwellSeconds >= 1 ? [{ kind, dwellSeconds }] : [];
  });
}

// Memoised: the rotation above re-renders with the one clock every second, and the scene's
// panels (each subscribed to its own slice) must not draw again with it.
const SceneView = memo(function SceneView({ kind }: { kind: Scene['kind'] }) {
  if (kind === 'wall') return <Wall />;
  return (
    <div className={`wall scene-${kind}`}>
      <StatusBar />
      <main className="scene-body">
        {kind === 'map' && <AlertMap />}
        {kind === 'trends' && <TrendChart />}
        {kind === 'rankings' && (
          <div className="scene-boards">
            <BranchBoard />
            <StationBoard />
          </div>
        )}
      </main>
    </div>
  );
});

const ALARM_GAP_MS = 30_000;

export function Unattended({ params }: { params: URLSearchParams }) {
  const { config, firstSeen, urgentIds, tier3, now } = useApp(
    useShallow((s) => ({
      config: s.config,
      firstSeen: s.firstSeen,
      urgentIds: (s.countdowns.data?.urgentIds ?? []).join(','),
      tier3: (s.ticker.data ?? []).filter((e) => e.kind === 'escalation' && e.tier === 3).map((e) => e.id).join(','),
      now: s.now,
    })),
  );
  const scenes = scenesFrom(params.get('scenes'), config.scenes);
  const [index, setIndex] = useState(0);
  const [since, setSince] = useState(() => Date.now());
  // Nothing acknowledged yet: leads present at start are first seen at 0 and never interrupt. (Not
  // "now" at mount: the centre's offset is not known then, and a machine clock ahead of the
  // centre's would silence every interruption until that gap had passed.)
  const [ackAt, setAckAt] = useState(0);
  // The newest urgent lead first seen after the last acknowledgement, if it is still holding.
  const newest = urgentIds
    .split(',')
    .filter(Boolean)
    .map((id) => firstSeen[id] ?? 0)
    .reduce((a, b) => Math.max(a, b), 0);
  const interrupted = newest > ackAt && now - newest < config.interruptSeconds * 1000;

  // Rotation: the one clock (`now`) advances it; an interruption pauses it, and when it ends the
  // rotation resumes with the next scene.
  const paused = useRef(false);
  const dwell = scenes.length ? scenes[index % scenes.length]!.dwellSeconds : 0;
  useEffect(() => {
    if (scenes.length < 2) return;
    if (interrupted) {
      paused.current = true;
      return;
    }
    if (paused.current || Date.now() - since >= dwell * 1000) {
      paused.current = false;
      setIndex((i) => (i + 1) % scenes.length);
      setSince(Date.now());
    }
  }, [now, interrupted, scenes.length, dwell, since]);

  // Anyone at the keyboard or mouse acknowledges an interruption.
  useEffect(() => {
    if (!interrupted) return;
    const ack = () => setAckAt(useApp.getState().now + 1);
    window.addEventListener('keydown', ack);
    window.addEventListener('pointerdown', ack);
    return () => {
      window.removeEventListener('keydown', ack);
      window.removeEventListener('pointerdown', ack);
    };
  }, [interrupted]);

  // The alarm, for a new urgent lead or a third-tier reminder, at most once per 30 s.
  const lastAlarm = useRef(0);
  const seenTier3 = useRef<string | null>(null);
  useEffect(() => {
    const freshTier3 = seenTier3.current !== null && tier3 !== seenTier3.current && tier3 !== '';
    seenTier3.current = tier3;
    if (!config.alarm || !(interrupted || freshTier3) || Date.now() - lastAlarm.current < ALARM_GAP_MS) return;
    lastAlarm.current = Date.now();
    void new Audio('sounds/alarm.wav').play().catch(() => {});
    document.documentElement.dataset['alarmAt'] = String(lastAlarm.current);
  }, [interrupted, tier3, config.alarm]);

  const scene: Scene['kind'] = interrupted || scenes.length === 0 ? 'wall' : scenes[index % scenes.length]!.kind;
  // Burn-in care: drift the whole picture a few pixels, one step a minute, round a small square.
  const step = Math.floor(now / 60_000) % 16;
  const drift = [(step % 4) - 1.5, Math.floor(step / 4) - 1.5].map((v) => v * 2);
  const dim = config.night && inNight(now, config.night.from, config.night.to) ? config.night.brightness : 1;
  return (
    <div className="unattended" data-scene={scene} data-interrupt={interrupted ? 'true' : 'false'} data-night={dim < 1 ? 'true' : 'false'} style={{ transform: `translate(${drift[0]}px, ${drift[1]}px)`, filter: dim < 1 ? `brightness(${dim})` : undefined }}>
      <SceneView kind={scene} />
    </div>
  );
}

/** Whether a time (ms) falls in [from, to) of the day in Shanghai, across midnight if need be. */
export function inNight(t: number, from: string, to: string): boolean {
  const m = minuteOfDay(t);
  const [a, b] = [from, to].map((x) => Number(x.slice(0, 2)) * 60 + Number(x.slice(3)));
  return a! <= b! ? m >= a! && m < b! : m >= a! || m < b!;
}
