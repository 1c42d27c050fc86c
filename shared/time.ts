// Times as the command post reads them: its own zone (the calendar's, Asia/Shanghai), whatever
// zone the machine is set to. Used by the screens and by the exported minutes alike.
import { DEFAULT_CALENDAR } from './kpi.js';

const pad = (n: number) => String(n).padStart(2, '0');
const local = (t: number) => new Date(t + DEFAULT_CALENDAR.tzOffsetMs);

/** HH:MM:SS (or HH:MM) of an instant in the command post's zone. */
export function clockText(t: number, seconds = true): string {
  const d = local(t);
  return `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}${seconds ? `:${pad(d.getUTCSeconds())}` : ''}`;
}

/** YYYY-MM-DD of an instant in the command post's zone. */
export function dateText(t: number): string {
  const d = local(t);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

/** Minutes since midnight of an instant in the command post's zone. */
export function minuteOfDay(t: number): number {
  const d = local(t);
  return d.getUTCHours() * 60 + d.getUTCMinutes();
}
