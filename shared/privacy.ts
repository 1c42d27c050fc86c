// What each role of a display may see: the one place that turns the core's full records into a
// role's view, applied to every contract result by the dispatcher, whatever carries it (the
// browser host's WebSocket, Electron IPC). Walls are seen by visitors (screens.md "Privacy on
// screen"): the wall view masks names and phones, drops street addresses and person ids,
// gives an age band for an age, and rounds a lead's position to about 500 m.
import type { RequestName } from './contract.js';
import { maskName, maskPhone } from './domain.js';

export const roles = ['wall', 'unmask'] as const;
export type Role = (typeof roles)[number];

/** Who is asking: the role of the key (or the shell's configuration) and its name, for the audit. */
export type Viewer = { role: Role; name: string };

/** The Electron shell's default and any key that names no role: never the unmasked view. */
export const WALL_VIEWER: Viewer = { role: 'wall', name: 'wall' };

/** 0.005° of latitude is about 555 m; of longitude in Shenzhen (22.5° N) about 514 m. */
export const COORD_STEP = 0.005;

export function roundCoord(x: number): number {
  return Number((Math.round(x / COORD_STEP) * COORD_STEP).toFixed(3));
}

/** A ten-year band for an age: 67 → "60–69". */
export function ageBand(age: number): string {
  const lo = Math.floor(age / 10) * 10;
  return `${lo}–${lo + 9}`;
}

/** Requests only some roles may make; every other request is open to every role. */
const restricted: Partial<Record<RequestName, readonly Role[]>> = {
  'audit:list': ['unmask'],
  // A case review names the person's occupation, age and state of mind: the duty desk writes it, not a wall.
  'review:add': ['unmask'],
};

export function mayCall(role: Role, channel: RequestName): boolean {
  return restricted[channel]?.includes(role) ?? true;
}

/**
 * Requests whose result a role sees whole. Only a single lead's timeline is ever unmasked, and
 * only for `unmask`: lists (tiles, map, review lists, replay, exports) are what shared screens
 * show and what leaves the room, so they carry the wall view for every role, and an unmasked
 * view stays one lead at a time, each one recorded.
 */
const whole: Partial<Record<RequestName, readonly Role[]>> = {
  'lead:timeline': ['unmask'],
};

/** True when this role's result for this request is the full record (and must be audited). */
export function seesWhole(role: Role, channel: RequestName): boolean {
  return whole[channel]?.includes(role) ?? false;
}

/** The result of a request as a role may see it. Pure: the value given is not changed. */
export function viewFor<T>(role: Role, channel: RequestName, value: T): T {
  if (seesWhole(role, channel)) return value;
  if (channel === 'units:list') return wallView(value, true) as T;
  if (channel === 'map:features' && value !== null && typeof value === 'object') {
    // Stations and branches are public places, drawn where they are; the leads are people.
    const m = value as Record<string, unknown>;
    return { ...(wallView(m, false) as object), branches: wallView(m['branches'], true), stations: wallView(m['stations'], true) } as T;
  }
  return wallView(value, false) as T;
}

function wallView(value: unknown, exactCoords: boolean): unknown {
  if (Array.isArray(value)) return value.map((v) => wallView(v, exactCoords));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (k === 'address' || k === 'personId') continue;
    if (k === 'personName' && typeof v === 'string') out[k] = maskName(v);
    else if (k === 'personPhone' && typeof v === 'string') out[k] = maskPhone(v);
    // The people reminded are named on the ladder; visitors see them masked like anyone else.
    else if (k === 'leaderName' && typeof v === 'string') out[k] = maskName(v);
    else if (k === 'leaderPhone' && typeof v === 'string') out[k] = maskPhone(v);
    else if (k === 'leaders' && v !== null && typeof v === 'object') out[k] = Object.fromEntries(
      Object.entries(v as Record<string, { name?: unknown; phone?: unknown }>).map(([role, p]) => [role, { name: typeof p?.name === 'string' ? maskName(p.name) : p?.name, phone: typeof p?.phone === 'string' ? maskPhone(p.phone) : p?.phone }]),
    );
    else if (k === 'personAge') out['personAgeBand'] = typeof v === 'number' ? ageBand(v) : null;
    else if ((k === 'lat' || k === 'lng') && typeof v === 'number') out[k] = exactCoords ? v : roundCoord(v);
    else out[k] = wallView(v, exactCoords);
  }
  return out;
}
