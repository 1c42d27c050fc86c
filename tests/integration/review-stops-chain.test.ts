// Issue 15 items 6 and 7 on a hand-worked day served by the real centre: the stop-payments per
// bank as they stood at the cut-off (not as they are now), coverage and money frozen and returned,
// in the plan and in the export's sheet; and a person's repeat chain on the timeline and in the
// case review, never with the person id for the wall.
import ExcelJS from 'exceljs';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Centre } from '../../central/centre.js';
import { Scenario } from '../../central/scenario.js';
import type { Core } from '../../electron/core/core.js';
import type { Lead, StopPayment } from '../../shared/protocol.js';
import { viewFor } from '../../shared/privacy.js';
import { centreForTest, converged, coreFor, tempDir } from '../support/harness.js';
import { CUTOFF, DAY_START, REVIEW_NOW as NOW } from '../support/review-expected.js';

const H = 3_600_000;
const M = 60_000;
const tmp = tempDir();
let centre: Centre;
let core: Core;

const template = new Scenario({ seed: 11, leadsPerDay: 40 }).leadsBetween(DAY_START, DAY_START + 24 * H)[0]!.lead;
const lead = (id: string, issuedAt: number, extra: Partial<Lead> = {}): Lead => {
  const l: Lead = { ...template, id, personId: `P-${id}`, issuedAt, phoneDueAt: issuedAt + 30 * M, feedbackDueAt: issuedAt + 6 * H, feedbackAt: issuedAt + 2 * H, metAt: issuedAt + H, outcome: 'dissuaded', lossAmount: 0, preventedAmount: 0, voided: false, ...extra };
  for (const k of ['smsAt', 'phonedAt', 'dispatchedAt', 'closedAt'] as const) delete l[k];
  return l;
};
const stop = (id: string, leadId: string, bank: string, requestedAt: number, amount: number, extra: Partial<StopPayment>): StopPayment => ({ id, leadId, bank, accountMasked: '6222****0001', amount, requestedAt, status: 'requested', ...extra });

// Seven leads of the day; the romance-scam person P-R warned on the 17th, 18th and the 20th (the third defrauded).
const d = (h: number) => DAY_START + h * H;
const leads = [
  lead('L1', d(9)), lead('L2', d(10)), lead('L3', d(11)), lead('L4', d(12)), lead('L5', d(13)), lead('L6', d(14)), lead('L7', d(15)),
  lead('R1', d(-72), { personId: 'P-R', fraudType: 'romance_investment' }),
  lead('R2', d(-48), { personId: 'P-R', fraudType: 'romance_investment', outcome: 'refused' }),
  lead('R3', d(16), { personId: 'P-R', fraudType: 'romance_investment', outcome: 'defrauded_after_warning', lossAmount: 30_000_00 }),
];
const stops = [
  stop('S1', 'L1', 'ICBC', d(9) + 5 * M, 10_000_00, { status: 'frozen', frozenAt: d(9) + 20 * M }), // fast
  stop('S2', 'L2', 'ICBC', d(10) + 5 * M, 5_000_00, { status: 'returned', frozenAt: d(10) + 55 * M, returnedAt: CUTOFF - H, returnedAmount: 4_500_00 }), // slow, returned by T
  stop('S3', 'L3', 'CCB', d(11) + 5 * M, 8_000_00, { status: 'returned', frozenAt: d(11) + 15 * M, returnedAt: NOW + 2 * 24 * H, returnedAmount: 8_000_00 }), // fast, returned after T: frozen at T
  stop('S4', 'L4', 'ABC', d(12) + 5 * M, 2_000_00, { status: 'failed' }), // failed, known by T
  stop('S5', 'L5', 'CCB', d(13) + 5 * M, 3_000_00, { status: 'requested' }), // never frozen, older than 30 min: decided, slow
  stop('S6', 'L7', 'ABC', CUTOFF + 10 * M, 1_000_00, { status: 'frozen', frozenAt: CUTOFF + 20 * M }), // requested after T: not yet
];

beforeAll(async () => {
  const file = join(tmp.dir, 'day.ndjson');
  const lines = [...leads.map((d) => ({ t: 'put', e: 'lead', id: d.id, d })), ...stops.map((d) => ({ t: 'put', e: 'stop_payment', id: d.id, d }))];
  writeFileSync(file, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
  centre = await centreForTest({ fixture: file, historyDays: 0, speed: 0, now: NOW });
  core = coreFor(centre.url, join(tmp.dir, 'app'));
  core.start();
  await converged(core, centre);
});
afterAll(async () => {
  await core.close();
  await centre.close();
  tmp.remove();
});

describe('stop-payments at the cut-off (issue 15 item 6)', () => {
  it('gives each bank its 30-minute rate, frozen and returned amounts, and the coverage, as of the cut-off', async () => {
    const plan = await core.handlers['review:plan']({ date: '2026-11-20' });
    expect(plan.asOf).toBe(CUTOFF);
    expect(plan.stops.map((s) => `${s.id}:${s.status}:${String(s.within30)}`)).toEqual(['S1:frozen:true', 'S2:returned:false', 'S3:frozen:true', 'S4:failed:false', 'S5:requested:false']);
    const bank = Object.fromEntries(plan.stopSummary.banks.map((b) => [b.bank, b]));
    expect(bank['ICBC']).toMatchObject({ count: 2, rate30: { num: 1, den: 2 }, frozenAmount: 15_000_00, returnedAmount: 4_500_00, failed: 0 });
    expect(bank['CCB']).toMatchObject({ count: 2, rate30: { num: 1, den: 2 }, frozenAmount: 8_000_00, returnedAmount: 0, failed: 0 });
    expect(bank['ABC']).toMatchObject({ count: 1, rate30: { num: 0, den: 1 }, frozenAmount: 0, returnedAmount: 0, failed: 1 });
    expect(plan.stopSummary.total).toMatchObject({ count: 5, rate30: { num: 2, den: 5 }, frozenAmount: 23_000_00, returnedAmount: 4_500_00, failed: 1 });
    // L1–L5 have a stop-payment by T; L6 none; L7's came after the cut-off; R3 none.
    expect(plan.stopSummary.coverage).toEqual({ num: 5, den: 8, value: 5 / 8 });
    // The indicator strip's rate is the same rule.
    expect(plan.indicators.now.stopPayment30).toEqual({ num: 2, den: 5, value: 0.4 });
  });

  it('writes the bank table with its total and coverage into the export', async () => {
    const f = (await core.handlers['review:export']({ date: '2026-11-20', format: 'xlsx' })) as { base64: string };
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(Buffer.from(f.base64, 'base64') as unknown as ArrayBuffer);
    const rows: unknown[][] = [];
    wb.getWorksheet('各银行止付')!.eachRow((r) => rows.push((r.values as unknown[]).slice(1)));
    expect(rows[0]).toEqual(['银行', '笔数', '30分钟止付率', '分子/分母', '失败', '冻结金额（元）', '返还金额（元）']);
    const byName = Object.fromEntries(rows.slice(1).map((r) => [r[0], r.slice(1)]));
    expect(byName['ICBC']).toEqual([2, 0.5, '1/2', 0, 15000, 4500]);
    expect(byName['ABC']).toEqual([1, 0, '0/1', 1, 0, 0]);
    expect(byName['合计']).toEqual([5, 0.4, '2/5', 1, 23000, 4500]);
    expect(byName['止付覆盖率']?.slice(1, 3)).toEqual([5 / 8, '5/8']);
  });
});

describe('repeat chains (issue 15 item 7)', () => {
  it('shows the two earlier warnings on the third’s timeline and in the case review, without the person id for the wall', async () => {
    const tl = await core.handlers['lead:timeline']({ leadId: 'R3' });
    expect(tl!.earlier).toEqual([
      { id: 'R1', issuedAt: d(-72), fraudType: 'romance_investment', outcome: 'dissuaded' },
      { id: 'R2', issuedAt: d(-48), fraudType: 'romance_investment', outcome: 'refused' },
    ]);
    expect((await core.handlers['lead:timeline']({ leadId: 'R1' }))!.earlier).toEqual([]);
    const plan = await core.handlers['review:plan']({ date: '2026-11-20' });
    const kase = plan.cases.rows.find((c) => c.id === 'R3')!;
    expect(kase.timeline!.earlier.map((e) => e.id)).toEqual(['R1', 'R2']);
    // What a wall receives: the chain's ids, dates and outcomes, never the person's id.
    const wall = JSON.stringify(viewFor('wall', 'review:plan', plan)) + JSON.stringify(viewFor('wall', 'lead:timeline', tl));
    expect(wall).toContain('"earlier":[{"id":"R1"');
    expect(wall).not.toContain('P-R');
  });
});
