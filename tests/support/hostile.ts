// A hostile centre's data: the seeded Shenzhen structure and a day and a half of its leads, with
// every text field a centre can send replaced by a payload — script, HTML, a javascript: URL, a
// NUL, bidi overrides, zalgo marks, or one unbroken string as long as the protocol allows
// (shared/protocol.ts) — so the screens and exports can be shown to treat them as inert text.
import { writeFileSync } from 'node:fs';
import { buildUnits, leadAsOf, Scenario, stopAsOf } from '../../central/scenario.js';
import type { Lead, LeadEvent, Note, StopPayment, Unit } from '../../shared/protocol.js';

/** Each sets window.__pwned to its own number if it ever runs. */
export const PAYLOADS = {
  img: '<img src=x onerror="window.__pwned=1">',
  script: '<script>window.__pwned=2</script>',
  svg: '"><svg onload=window.__pwned=3>',
  js: 'javascript:window.__pwned=4',
  // A spreadsheet app would run it if an export handed it over as a formula.
  formula: '=HYPERLINK("http://evil.example","click")',
  nul: 'NUL\u0000here',
  // Overrides left open: the text after them must not be reordered outside the field.
  rtl: '\u202Eevil\u2067isolate',
  zalgo: 'Z\u0336\u0353\u0329\u0347\u0315a\u0334\u0348\u0316\u0359l\u0335\u031b\u0354g\u0338\u0362\u0327o\u0337\u0358\u031e\u0355',
} as const;
export type PayloadKind = keyof typeof PAYLOADS | 'long';
export const KINDS: PayloadKind[] = [...(Object.keys(PAYLOADS) as (keyof typeof PAYLOADS)[]), 'long'];

/** The payload of a kind, within a field's length limit ('long' fills the limit with one unbroken word). */
export function payload(kind: PayloadKind, limit: number): string {
  if (kind === 'long') return 'W'.repeat(limit);
  return PAYLOADS[kind].slice(0, limit);
}
const pick = (i: number, limit: number) => payload(KINDS[i % KINDS.length]!, limit);

export type HostileLine = { t: 'put'; e: 'unit' | 'lead' | 'event' | 'stop_payment' | 'note'; id: string; d: Record<string, unknown> };

export type Hostile = {
  lines: HostileLine[];
  /** A lead raised on the day under review, with notes of its own and a stop-payment. */
  lead: Lead;
  /** Branches in code order, each named with the payload of its index (KINDS order). */
  branches: Unit[];
};

const H = 3_600_000;

/**
 * Writes the fixture: units with hostile names, codes and leaders; the leads raised from
 * `dayStart` until `now` (the day under review and the morning after), as known at `now`, with
 * hostile person fields, sources, addresses and risk-dimension keys; their events with hostile
 * details and roles; their stop-payments with hostile banks and accounts; and hostile notes.
 */
export function writeHostileFixture(file: string, dayStart: number, now: number, seed = 20, leadsPerDay = 120): Hostile {
  const units = buildUnits(seed).map((u, i): Unit => {
    const leader = (j: number) => ({ name: pick(j, 200), phone: pick(j + 1, 40) });
    return { ...u, code: `${i}${pick(i, 60)}`.slice(0, 64), name: pick(i, 200), nameEn: pick(i + 3, 200), leaders: { stationChief: leader(i), branchDeputy: leader(i + 2), branchChief: leader(i + 4) } };
  });
  // Branches get the payloads in order (by id), so every payload is on every branch ranking.
  const branchIdx = new Map(
    units
      .filter((u) => u.level === 'branch')
      .sort((a, b) => (a.id < b.id ? -1 : 1))
      .map((u, j) => [u.id, j]),
  );
  for (const u of units) if (u.level === 'branch') Object.assign(u, { name: pick(branchIdx.get(u.id)!, 200), nameEn: pick(branchIdx.get(u.id)! + 3, 200) });
  // The city's name is on every screen's status bar: markup, then as long as the protocol allows.
  units[0] = { ...units[0]!, name: `${PAYLOADS.img}${'W'.repeat(200 - PAYLOADS.img.length)}`, nameEn: `${PAYLOADS.script}${'W'.repeat(200 - PAYLOADS.script.length)}` };

  const lines: HostileLine[] = units.map((u) => ({ t: 'put', e: 'unit', id: u.id, d: u }));
  const plans = new Scenario({ seed, leadsPerDay }).leadsBetween(dayStart, now);
  let n = 0;
  let chosen: Lead | null = null;
  for (const p of plans) {
    const i = n++;
    const base = leadAsOf(p.lead, now);
    // Every screen's lists must hold hostile rows whatever the scenario's draw: some leads with
    // no feedback (overdue by the cut-off) and some defrauded after the warning (the cases).
    const unanswered: Lead = { ...base };
    delete unanswered.feedbackAt;
    delete unanswered.outcome;
    delete unanswered.closedAt;
    const known: Lead = i % 9 === 4 ? unanswered : i % 13 === 6 && base.feedbackAt !== undefined ? { ...base, outcome: 'defrauded_after_warning', lossAmount: base.amountAtRisk, preventedAmount: 0 } : base;
    const lead: Lead = {
      ...known,
      personName: pick(i, 200),
      personPhone: pick(i + 1, 40),
      personOccupation: pick(i + 2, 200),
      source: pick(i + 3, 200),
      address: pick(i + 4, 500),
      riskDims: { [pick(i + 5, 64)]: 1, [pick(i + 6, 64)]: 2 },
    };
    lines.push({ t: 'put', e: 'lead', id: lead.id, d: lead });
    const stops = p.stops.map((s) => stopAsOf(s, now)).filter((s): s is StopPayment => s !== null);
    for (const [j, s] of stops.entries()) lines.push({ t: 'put', e: 'stop_payment', id: s.id, d: { ...s, bank: pick(i + j, 200), accountMasked: pick(i + j + 1, 64) } });
    for (const [j, e] of p.events.entries()) {
      if (e.at > now) continue;
      const ev: LeadEvent = { ...e, detail: pick(i + j, 2000), ...(e.kind === 'escalation' ? { role: pick(i + j + 1, 64) } : {}) };
      lines.push({ t: 'put', e: 'event', id: ev.id, d: ev });
    }
    if (!chosen && lead.issuedAt < dayStart + 24 * H && stops.length > 0 && lead.issuedAt > dayStart + 8 * H) chosen = lead;
  }
  if (!chosen) throw new Error('the scenario raised no lead with a stop-payment on the day: choose another seed');

  // Notes: on the city, for the meeting, and on the chosen lead; one of each payload.
  const note = (id: string, k: number, extra: Partial<Note>): HostileLine => ({
    t: 'put',
    e: 'note',
    id,
    d: { id, kind: 'meeting', body: pick(k, 20000), author: pick(k + 1, 200), createdAt: dayStart + 20 * H + k * 60_000, ...extra } satisfies Note,
  });
  KINDS.forEach((_, k) => {
    lines.push(note(`N-CITY-${k}`, k, { unitId: units[0]!.id }));
    lines.push(note(`N-LEAD-${k}`, k, { leadId: chosen.id, unitId: chosen.unitId, kind: 'revisit' }));
  });
  writeFileSync(file, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
  const branches = units.filter((u) => u.level === 'branch').sort((a, b) => branchIdx.get(a.id)! - branchIdx.get(b.id)!);
  return { lines, lead: chosen, branches };
}
