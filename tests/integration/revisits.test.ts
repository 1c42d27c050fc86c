// Supervision revisits (issue 15 item 5) through the real centre on a clock the test moves and a
// real replica: a revisit event from the centre and a revisit note written at the display through
// the outbox both count; what came after the cut-off does not, in the frozen review or its
// minutes; coverage per branch and station and the list not yet revisited are the rule's.
import ExcelJS from 'exceljs';
import { afterEach, describe, expect, it } from 'vitest';
import type { Centre } from '../../central/centre.js';
import type { Core } from '../../electron/core/core.js';
import { HOUR, MINUTE } from '../../shared/domain.js';
import { dateWindow, reviewCutoff } from '../../shared/kpi.js';
import type { Lead, LeadEvent } from '../../shared/protocol.js';
import { revisitCoverage } from '../../shared/revisit.js';
import { viewFor } from '../../shared/privacy.js';
import { centreForTest, coreFor, FIXED_NOW, tempDir, waitForStatus } from '../support/harness.js';
import { makeLead } from '../support/records.js';

let cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanup.reverse()) await f();
  cleanup = [];
});

const W = dateWindow('2026-11-20'); // FIXED_NOW is 12:00 of it, Shanghai
const CUTOFF = reviewCutoff(W, Infinity); // 2026-11-21 08:00
const at = (h: number) => W.start + h * HOUR;
const FT1 = 'SZ-FT-S01-B1';
const FT2 = 'SZ-FT-S02-B1';
const NS1 = 'SZ-NS-S01-B1';

async function caughtUp(k: Core, c: Centre, t: number): Promise<void> {
  const head = await c.store.headSeq();
  await waitForStatus(k, (s) => s.state === 'live' && s.seq >= head);
  await expect.poll(() => k.sync.serverNow(), { timeout: 10_000 }).toBeGreaterThanOrEqual(t);
}
const revisitEvent = (id: string, leadId: string, t: number, unitId: string): LeadEvent => ({ id, leadId, at: t, kind: 'revisit', unitId, detail: 'phone' });

describe('revisit coverage in the review', () => {
  it('counts revisit events and the display’s revisit notes by the cut-off, per branch and station, and lists the rest', async () => {
    const clock = { t: FIXED_NOW };
    const c = await centreForTest({ historyDays: 0, heartbeatMs: 200, clock: () => clock.t });
    cleanup.push(() => c.close());
    const fed = (id: string, unitId: string, h: number, extra: Partial<Lead> = {}) =>
      makeLead(id, unitId, at(h), { metAt: at(h) + 40 * MINUTE, feedbackAt: at(h) + HOUR, outcome: 'dissuaded', ...extra });
    const leads = [
      fed('A1', FT1, 9), // revisited by the branch's group at 14:00 (event)
      fed('A2', FT1, 9.5), // revisited by a note written at the display at 07:00 the next morning
      fed('A3', FT2, 10), // revisited at 08:30 the next morning: after the cut-off
      fed('A4', NS1, 10.5), // a revisit note only after the cut-off
      fed('A5', NS1, 10.75, { voided: true }), // voided: counts nowhere
      fed('A6', FT2, 11), // only a meeting note: not a revisit
    ];
    await c.store.write(leads.map((d) => ({ t: 'put' as const, e: 'lead' as const, d })));
    const dir = tempDir();
    const k = coreFor(c.url, dir.dir, 'test-token', { backoffMinMs: 50, backoffMaxMs: 200, outboxRetryMs: 200 });
    cleanup.push(() => dir.remove());
    cleanup.push(() => k.close());
    k.start();
    await caughtUp(k, c, FIXED_NOW);

    clock.t = at(14);
    await c.store.write([{ t: 'put', e: 'event', d: revisitEvent('RV-1', 'A1', at(14), 'SZ-FT') }]);
    await caughtUp(k, c, at(14));

    // 07:00 the next morning: the supervisor writes A2's revisit (and a meeting note on A6) at the display.
    clock.t = CUTOFF - HOUR;
    await caughtUp(k, c, CUTOFF - HOUR);
    await k.handlers['notes:add']({ leadId: 'A2', kind: 'revisit', body: '电话回访，确认已见面劝阻', author: '督导组' });
    await k.handlers['notes:add']({ leadId: 'A6', kind: 'meeting', body: '待回访', author: '值班长' });
    // Sent through the outbox, applied once at the centre, back in the replica through the feed.
    await expect.poll(async () => (await k.handlers['notes:list']({ leadId: 'A2' })).map((n) => n.pending), { timeout: 15_000 }).toEqual([false]);
    await expect.poll(async () => (await k.handlers['notes:list']({ leadId: 'A6' })).map((n) => n.pending), { timeout: 15_000 }).toEqual([false]);
    // Half an hour on (the fixed clock stands still while the display's estimate runs on a little).
    clock.t = CUTOFF - 30 * MINUTE;
    await caughtUp(k, c, CUTOFF - 30 * MINUTE);
    const provisional = await k.handlers['review:plan']({ date: '2026-11-20' });
    expect(provisional.state.state).toBe('provisional');
    expect(provisional.revisits.coverage).toEqual({ num: 2, den: 5, value: 2 / 5 });

    // After the cut-off: A3 revisited at 08:30, and a revisit note on A4 at 09:00.
    clock.t = CUTOFF + HOUR;
    await c.store.write([{ t: 'put', e: 'event', d: revisitEvent('RV-3', 'A3', CUTOFF + 30 * MINUTE, 'SZ-FT') }]);
    await caughtUp(k, c, CUTOFF + HOUR);
    await k.handlers['notes:add']({ leadId: 'A4', kind: 'revisit', body: '回访', author: '督导组' });
    await expect.poll(async () => (await k.handlers['notes:list']({ leadId: 'A4' })).map((n) => n.pending), { timeout: 15_000 }).toEqual([false]);
    await caughtUp(k, c, CUTOFF + HOUR);
    // The live replica now holds four of the five revisited (as of any later time: the note is
    // stamped by the display's running estimate of the centre's clock); the review must still say two.
    expect(revisitCoverage(k.queries.revisitLeads('SZ', W), W, CUTOFF + 2 * HOUR)).toEqual({ num: 4, den: 5, value: 4 / 5 });

    const plan = await k.handlers['review:plan']({ date: '2026-11-20' });
    expect(plan.state.state).toBe('frozen');
    expect(plan.asOf).toBe(CUTOFF);
    // A1 (event 14:00) and A2 (note 07:00) of A1 A2 A3 A4 A6.
    expect(plan.revisits.coverage).toEqual({ num: 2, den: 5, value: 2 / 5 });
    const cov = (rows: { id: string; coverage: { num: number; den: number } }[]) => Object.fromEntries(rows.filter((r) => r.coverage.den > 0).map((r) => [r.id, `${r.coverage.num}/${r.coverage.den}`]));
    // Futian: A1 A2 A3 A6 → 2/4; Nanshan: A4 → 0/1 (A5 voided). Every branch is listed, the empty ones as 0/0.
    expect(cov(plan.revisits.branches)).toEqual({ 'SZ-FT': '2/4', 'SZ-NS': '0/1' });
    expect(plan.revisits.branches).toHaveLength(10);
    expect(plan.revisits.branches.find((b) => b.id === 'SZ-LH')!.coverage.value).toBeNull();
    expect(cov(plan.revisits.stations)).toEqual({ 'SZ-FT-S01': '2/2', 'SZ-FT-S02': '0/2', 'SZ-NS-S01': '0/1' });
    expect(plan.revisits.notRevisited.rows.map((r) => r.id)).toEqual(['A3', 'A4', 'A6']);
    expect(plan.revisits.notRevisited.total).toBe(3);
    // Masked like every review list, for the wall's view too.
    expect(plan.revisits.notRevisited.rows[0]!.personName).toBe('测**');
    expect(JSON.stringify(viewFor('wall', 'review:plan', plan.revisits))).not.toContain('13800001234');

    // A branch's review: its own coverage and its stations, no other branch.
    const ft = await k.handlers['review:plan']({ date: '2026-11-20', unitId: 'SZ-FT' });
    expect(ft.revisits.coverage).toEqual({ num: 2, den: 4, value: 0.5 });
    expect(ft.revisits.branches.map((b) => b.id)).toEqual(['SZ-FT']);
    expect(cov(ft.revisits.stations)).toEqual({ 'SZ-FT-S01': '2/2', 'SZ-FT-S02': '0/2' });
    expect(ft.revisits.notRevisited.rows.map((r) => r.id)).toEqual(['A3', 'A6']);

    // The minutes: the coverage table and the list, from the same plan.
    const f = await k.handlers['review:export']({ date: '2026-11-20', format: 'xlsx' });
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(Buffer.from(f.base64, 'base64') as unknown as ArrayBuffer);
    const rows = (name: string) => {
      const out: unknown[][] = [];
      wb.getWorksheet(name)!.eachRow((r) => out.push((r.values as unknown[]).slice(1)));
      return out;
    };
    const cover = rows('回访督导');
    expect(cover[0]).toEqual(['单位', '已回访', '预警数', '回访覆盖率']);
    expect(cover[1]).toEqual(['深圳市公安局', 2, 5, 0.4]);
    expect(cover.find((r) => r[0] === '福田分局')).toEqual(['福田分局', 2, 4, 0.5]);
    expect(rows('未回访指令').slice(1).map((r) => r[0])).toEqual(['A3', 'A4', 'A6']);
    const csv = Buffer.from((await k.handlers['review:export']({ date: '2026-11-20', format: 'csv', table: 'not-revisited' })).base64, 'base64').toString('utf8');
    expect(csv.split('\r\n').filter((l) => /^A\d,/.test(l)).map((l) => l.slice(0, 2))).toEqual(['A3', 'A4', 'A6']);
  });
});
