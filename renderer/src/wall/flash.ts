// Which new urgent leads flash. A lead flashes for a minute after this display first saw it,
// but at most MAX_FLASHING at once, the newest: a burst of urgent leads (a scam wave reaching
// many people in one hour) must read as "several new", not turn the wall into a siren. The
// others keep their urgent colour and are all listed in the map's banner.
export const FLASH_MS = 60_000;
export const MAX_FLASHING = 3;

type Lead = { id: string; riskLevel: string };

/** New urgent leads still inside their minute, newest first. */
export function newUrgent(leads: readonly Lead[], firstSeen: Readonly<Record<string, number>>, now: number): string[] {
  return leads
    .filter((l) => l.riskLevel === 'urgent' && (firstSeen[l.id] ?? 0) > 0 && now - firstSeen[l.id]! < FLASH_MS)
    .sort((a, b) => firstSeen[b.id]! - firstSeen[a.id]! || (a.id < b.id ? -1 : 1))
    .map((l) => l.id);
}

/** The ones that flash: the newest MAX_FLASHING of them. */
export function flashing(leads: readonly Lead[], firstSeen: Readonly<Record<string, number>>, now: number): Set<string> {
  return new Set(newUrgent(leads, firstSeen, now).slice(0, MAX_FLASHING));
}
