import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeIndicators, dayWindow, weekWindow } from '../shared/kpi.js';
import type { Lead } from '../shared/protocol.js';
import { centreForTest, FIXED_NOW } from '../tests/support/harness.js';
import type { Centre } from './centre.js';
import { parseWindows } from './figures.js';

let centre: Centre;
beforeAll(async () => {
  centre = await centreForTest({ historyDays: 3, leadsPerDay: 300 });
});
afterAll(async () => {
  await centre.close();
});

describe('GET /v1/figures', () => {
  it('gives a branch-scoped token every branch’s indicators, as the shared definitions compute them, and no lead', async () => {
    const token = (await centre.tokens.issue({ name: 'ba-wall', scope: 'SZ-BA', role: 'display', now: FIXED_NOW })).secret;
    const day = dayWindow(FIXED_NOW);
    const week = weekWindow(FIXED_NOW);
    const res = await fetch(`${centre.url}/v1/figures?windows=${day.start}-${day.end},${week.start}-${week.end}`, { headers: { Authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    const text = await res.text();
    const body = JSON.parse(text) as { units: { id: string }[]; windows: { start: number; figures: Record<string, ReturnType<typeof computeIndicators>> }[] };
    // Every branch of the city, not only the token's own.
    const branches = (await centre.store.live('unit')).filter((u) => u.d.level === 'branch').map((u) => u.d.id);
    expect(body.units.map((u) => u.id).sort()).toEqual(branches.sort());
    expect(body.units.length).toBe(10);
    // The figures are the shared definitions over each branch's leads at the centre.
    const leads = (await centre.store.live('lead')).map((r) => r.d as Lead);
    for (const u of body.units) {
      const mine = leads.filter((l) => l.unitId.startsWith(`${u.id}-`) || l.unitId === u.id);
      const want = computeIndicators(mine.map((l) => ({ ...l, metAt: l.metAt ?? null, feedbackAt: l.feedbackAt ?? null, outcome: l.outcome ?? null })), [], day, FIXED_NOW);
      const got = body.windows[0]!.figures[u.id]!;
      expect(got.leads, u.id).toBe(want.leads);
      expect(got.faceToFace, u.id).toEqual(want.faceToFace);
      expect(got.victimisation, u.id).toEqual(want.victimisation);
    }
    expect(Object.values(body.windows[0]!.figures).reduce((s, f) => s + f.leads, 0)).toBeGreaterThan(20);
    // Aggregates only: no lead id, person or phone in the answer.
    expect(text).not.toMatch(/personId|personName|personPhone|"address"/);
    for (const l of leads.slice(0, 50)) expect(text).not.toContain(l.id);
  });

  it('refuses malformed windows naming them', () => {
    expect(() => parseWindows('5-1')).toThrow('"5-1" is not start-end');
    expect(() => parseWindows(null)).toThrow('windows is required');
    expect(() => parseWindows(Array.from({ length: 71 }, (_, i) => `${i}-${i + 1}`).join(','))).toThrow('at most 70');
  });
});
