// Display formatting shared by the panels (pure; tested in jsdom-free units).
export { clockText, dateText } from '../../shared/time.js';
export { pctText } from '../../shared/indicators.js';

const pad = (n: number) => String(n).padStart(2, '0');

/** A duration as H:MM:SS (or M:SS under an hour); never negative. */
export function durationText(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h}:${pad(m)}:${pad(s % 60)}` : `${m}:${pad(s % 60)}`;
}

/**
 * Money in fen, the one formatter of every screen: whole yuan below ¥100,000; above, 万元 in
 * Chinese (1681.1万元) and thousands or millions in English (¥250k, ¥16.8M), the way each
 * language reads large sums.
 */
/** One formatter: toLocaleString builds a new one at every call, and a wall formats money thousands of times a minute. */
const GROUPED = new Intl.NumberFormat('en-US');

export function moneyText(fen: number, lang: 'zh-CN' | 'en'): string {
  const yuan = fen / 100;
  const sign = yuan < 0 ? '-' : '';
  const abs = Math.abs(yuan);
  if (abs < 100_000) return `${sign}¥${GROUPED.format(Math.round(abs))}`;
  if (lang === 'zh-CN') return `${sign}${(abs / 10_000).toFixed(1)}万元`;
  return abs < 1_000_000 ? `${sign}¥${Math.round(abs / 1_000)}k` : `${sign}¥${(abs / 1_000_000).toFixed(1)}M`;
}

/** A duration as 1h05 (or 45m under an hour); — when there is none. */
export function hoursText(ms: number | null): string {
  if (ms === null) return '—';
  const m = Math.round(ms / 60_000);
  return m >= 60 ? `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}` : `${m}m`;
}
