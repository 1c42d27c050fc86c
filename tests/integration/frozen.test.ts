// A review frozen at its cut-off, against the real centre on a clock the test moves: corrections
// written after the cut-off do not change it, a display that was running then (its own versions)
// and one started the next day (the centre's as-of snapshot) agree, a review before its cut-off
// is provisional, and against a centre without history it is not verifiable.
import { afterEach, describe, expect, it } from 'vitest';
import type { Centre } from '../../central/centre.js';
import type { Core } from '../../electron/core/core.js';
import { HOUR, MINUTE } from '../../shared/domain.js';
import { computeIndicators, dateWindow, reviewCutoff, type KpiLead } from '../../shared/kpi.js';
import type { Lead } from '../../shared/protocol.js';
import { centreForTest, coreFor, FIXED_NOW, tempDir, waitForStatus } from '../support/harness.js';
import { makeLead } from '../support/records.js';

let cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanup.reverse()) await f();
  cleanup = [];
});

const DAY_D = dateWindow('2026-11-20'); // FIXED_NOW is 12:00 of it, Shanghai
const CUTOFF = reviewCutoff(DAY_D, Infinity); // 2026-11-21 08:00
const UNIT = 'SZ-FT-S01-B1';

async function start(clock: { t: number }, opts: { keepHistory?: boolean } = {}): Promise<Centre> {
  const c = await centreForTest({ historyDays: 0, heartbeatMs: 200, clock: () => clock.t, ...opts });
  cleanup.push(() => c.close());
  return c;
}
function core(c: Centre): Core {
  const dir = tempDir();
  const k = coreFor(c.url, dir.dir, 'test-token', { backoffMinMs: 50, backoffMaxMs: 200 });
  cleanup.push(() => dir.remove());
  cleanup.push(() => k.close());
  k.start();
  return k;
}
/** Waits until the core has applied the centre's head and believes the centre's clock. */
async function caughtUp(k: Core, c: Centre, t: number): Promise<void> {
  const head = (await c.store.headSeq());
  await waitForStatus(k, (s) => s.state === 'live' && s.seq >= head);
  await expect.poll(() => k.sync.serverNow(), { timeout: 10_000 }).toBeGreaterThanOrEqual(t);
}
const kpi = (l: Lead): KpiLead => ({ ...l, feedbackAt: l.feedbackAt ?? null, metAt: l.metAt ?? null, outcome: l.outcome ?? null });

describe('the review frozen at its cut-off', () => {
  it('ignores corrections after the cut-off; a display running then and one started later agree with the state at the cut-off', async () => {
    const clock = { t: FIXED_NOW };
    const c = await start(clock);
    const at = (h: number) => DAY_D.start + h * HOUR;
    const leads: Lead[] = [
      makeLead('L-1', UNIT, at(9), { metAt: at(9) + 20 * MINUTE, feedbackAt: at(10), outcome: 'dissuaded' }),
      makeLead('L-2', UNIT, at(10)),
      makeLead('L-3', UNIT, at(11), { metAt: at(11) + 30 * MINUTE }),
      makeLead('L-4', UNIT, at(11)),
      makeLead('L-5', UNIT, at(11), { metAt: at(11) + 10 * MINUTE, feedbackAt: at(12), outcome: 'dissuaded' }),
    ];
    await c.store.write(leads.map((d) => ({ t: 'put' as const, e: 'lead' as const, d })));
    const a = core(c);
    await caughtUp(a, c, FIXED_NOW);
    expect(await a.handlers['review:state']({ window: DAY_D })).toMatchObject({ state: 'provisional', cutoff: CUTOFF });

    // Before the cut-off: a feedback that counts.
    clock.t = CUTOFF - HOUR;
    const l2 = makeLead('L-2', UNIT, at(10), { metAt: at(10) + 40 * MINUTE, feedbackAt: CUTOFF - 2 * HOUR, outcome: 'dissuaded' });
    await c.store.write([{ t: 'put', e: 'lead', d: l2 }]);
    const atCutoff = [leads[0]!, l2, leads[2]!, leads[3]!, leads[4]!];
    await caughtUp(a, c, CUTOFF - HOUR);

    // After it: an outcome corrected (and back-dated), a lead voided, a late feedback back-dated, one deleted.
    clock.t = CUTOFF + HOUR;
    await c.store.write([{ t: 'put', e: 'lead', d: { ...leads[0]!, outcome: 'defrauded_after_warning', lossAmount: 2_000_000 } }]);
    await c.store.write([{ t: 'put', e: 'lead', d: { ...leads[2]!, voided: true } }]);
    await c.store.write([{ t: 'put', e: 'lead', d: { ...leads[3]!, metAt: at(12), feedbackAt: at(13), outcome: 'defrauded_after_warning', lossAmount: 500_000 } }]);
    await c.store.write([{ t: 'del', e: 'lead', id: 'L-5' }]);
    await caughtUp(a, c, CUTOFF + HOUR);

    // The live data filtered by timestamps has moved: that is what the freeze must not show.
    const live = a.queries.indicators(UNIT, DAY_D, CUTOFF);
    const expected = computeIndicators(atCutoff.map(kpi), [], DAY_D, CUTOFF);
    expect(live).not.toEqual(expected);

    const stA = await a.handlers['review:state']({ window: DAY_D });
    expect(stA).toMatchObject({ state: 'frozen', cutoff: CUTOFF, source: 'display' });
    const b = core(c);
    await caughtUp(b, c, CUTOFF + HOUR);
    const stB = await b.handlers['review:state']({ window: DAY_D });
    expect(stB).toMatchObject({ state: 'frozen', cutoff: CUTOFF, source: 'centre' });

    for (const k of [a, b]) {
      expect(await k.handlers['kpi:get']({ unitId: UNIT, window: DAY_D, asOf: CUTOFF })).toEqual(expected);
      const rows = (await k.handlers['review:leads']({ unitId: UNIT, window: DAY_D, asOf: CUTOFF, which: 'all', limit: 100 })).map((l) => `${l.id}:${l.outcome ?? ''}`);
      expect(rows).toEqual(['L-1:dissuaded', 'L-2:dissuaded', 'L-3:', 'L-4:', 'L-5:dissuaded']);
      expect(await k.handlers['review:leads']({ unitId: UNIT, window: DAY_D, asOf: CUTOFF, which: 'victimised', limit: 100 })).toEqual([]);
      expect((await k.handlers['lead:timeline']({ leadId: 'L-1', asOf: CUTOFF }))!.lead.outcome).toBe('dissuaded');
    }
    expect(await a.handlers['ranking:get']({ kind: 'daily', level: 'branch', within: 'SZ', asOf: CUTOFF, window: DAY_D })).toEqual(
      await b.handlers['ranking:get']({ kind: 'daily', level: 'branch', within: 'SZ', asOf: CUTOFF, window: DAY_D }),
    );
    // The minutes export the frozen figures too.
    const csv = async (k: Core) => Buffer.from((await k.handlers['review:export']({ date: '2026-11-20', unitId: UNIT, format: 'csv', table: 'cases' })).base64, 'base64').toString('utf8');
    expect(await csv(a)).not.toContain('L-1');
    expect(await csv(a)).toEqual(await csv(b));
  });

  it('against a centre that keeps no history the past review is not verifiable (and still shows what it can)', async () => {
    const clock = { t: FIXED_NOW };
    const c = await start(clock, { keepHistory: false });
    await c.store.write([{ t: 'put', e: 'lead', d: makeLead('L-1', UNIT, DAY_D.start + 9 * HOUR) }]);
    clock.t = CUTOFF + HOUR;
    const k = core(c);
    await caughtUp(k, c, CUTOFF + HOUR);
    expect(await k.handlers['review:state']({ window: DAY_D })).toMatchObject({ state: 'unverifiable', reason: 'asOf not supported' });
    expect((await k.handlers['kpi:get']({ unitId: UNIT, window: DAY_D, asOf: CUTOFF })).leads).toBe(1);
  });
});
