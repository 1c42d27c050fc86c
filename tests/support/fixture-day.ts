// A fixture day for the review tests: one day of the seeded scenario as the centre knew it at
// a later time, written as fixture lines ({"t":"put","e":…,"id":…,"d":{…}}).
import { writeFileSync } from 'node:fs';
import { leadAsOf, Scenario, stopAsOf } from '../../central/scenario.js';

export type FixtureLine = { t: 'put'; e: 'lead' | 'event' | 'stop_payment'; id: string; d: Record<string, unknown> };

/** Writes the leads raised in [dayStart, dayStart + 24 h), with their events and stop-payments, as known at `knownAt`. */
export function writeFixtureDay(file: string, dayStart: number, knownAt: number, seed = 20, leadsPerDay = 150): FixtureLine[] {
  const plans = new Scenario({ seed, leadsPerDay }).leadsBetween(dayStart, dayStart + 24 * 3_600_000);
  const lines: FixtureLine[] = [];
  for (const p of plans) {
    const lead = leadAsOf(p.lead, knownAt);
    lines.push({ t: 'put', e: 'lead', id: lead.id, d: lead });
    for (const s of p.stops) {
      const known = stopAsOf(s, knownAt);
      if (known) lines.push({ t: 'put', e: 'stop_payment', id: known.id, d: known });
    }
    for (const e of p.events) if (e.at <= knownAt) lines.push({ t: 'put', e: 'event', id: e.id, d: e });
  }
  writeFileSync(file, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
  return lines;
}
