// Issue 15 item 8 through the real reference centre and a real replica: a structured case review
// written with review:add goes through the outbox, comes back through the feed and lands in the
// week's pattern table (plan and exports); a review another system wrote as plain text arrives
// through the feed and is counted as such; the wall role, a malformed review, a versioned body
// slipped through notes:add and a review of a case that is no victimisation are refused, and
// nothing of them is queued.
import ExcelJS from 'exceljs';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Centre } from '../../central/centre.js';
import { Scenario } from '../../central/scenario.js';
import type { Core } from '../../electron/core/core.js';
import { dispatch } from '../../electron/core/dispatch.js';
import { parseReviewBody } from '../../shared/caseReview.js';
import type { Lead, Note } from '../../shared/protocol.js';
import { centreForTest, converged, coreFor, tempDir } from '../support/harness.js';

const H = 3_600_000;
const M = 60_000;
const MON = Date.UTC(2026, 10, 15, 16); // Monday 2026-11-16 00:00 Shanghai: the week of the 20th
const NOW = MON + 7 * 24 * H + 9 * H; // Monday 2026-11-23 09:00 Shanghai: the weekly meeting, after the 08:00 cut-off
const tmp = tempDir();
let centre: Centre;
let core: Core;

const template = new Scenario({ seed: 11, leadsPerDay: 40 }).leadsBetween(MON, MON + 24 * H)[0]!.lead;
const lead = (id: string, issuedAt: number, extra: Partial<Lead> = {}): Lead => {
  const l: Lead = { ...template, id, personId: `P-${id}`, issuedAt, phoneDueAt: issuedAt + 30 * M, feedbackDueAt: issuedAt + 6 * H, feedbackAt: issuedAt + 2 * H, metAt: issuedAt + H, outcome: 'dissuaded', lossAmount: 0, preventedAmount: 0, voided: false, ...extra };
  for (const k of ['smsAt', 'phonedAt', 'dispatchedAt', 'closedAt'] as const) delete l[k];
  return l;
};
const victim = (id: string, issuedAt: number, extra: Partial<Lead>): Lead => lead(id, issuedAt, { outcome: 'defrauded_after_warning', ...extra });
const day = (n: number, h: number) => MON + n * 24 * H + h * H;

const leads = [
  victim('C1', day(0, 10), { fraudType: 'rebate_task', lossAmount: 1_000_00, personOccupation: '学生', personAge: 21 }),
  victim('C2', day(2, 11), { fraudType: 'rebate_task', lossAmount: 500_00, personOccupation: '外卖骑手', personAge: 34 }),
  victim('C3', day(4, 12), { fraudType: 'romance_investment', lossAmount: 30_000_00, personOccupation: '财务人员', personAge: 45 }),
  victim('C4', day(6, 9), { fraudType: 'investment', lossAmount: 7_00 }),
  // The Sunday before the week: not its case.
  victim('C0', day(-1, 9), { fraudType: 'loan', lossAmount: 9_00 }),
  lead('D1', day(1, 9)),
  lead('D2', day(4, 9)),
];
// A review another system wrote in plain text, arriving through the feed like any note.
const textReview: Note = { id: 'N-OTHER-1', leadId: 'C3', unitId: template.unitId, kind: 'review', body: '文字复盘：当事人与“军官”网恋三个月，多次否认被骗', author: '分局复盘组', createdAt: NOW - 30 * M };

const UNMASK = { viewer: { role: 'unmask' as const, name: 'duty-desk' } };
const WALL = { viewer: { role: 'wall' as const, name: 'wall-1' } };
const review = { occupation: 'student', ageBand: '20–29', missed: ['late_call', 'repeat_ignored'], failed: ['denial', 'coached'], psychology: 'greed', text: '返利到账后继续加码' };

beforeAll(async () => {
  const file = join(tmp.dir, 'week.ndjson');
  const lines = [...leads.map((d) => ({ t: 'put', e: 'lead', id: d.id, d })), { t: 'put', e: 'note', id: textReview.id, d: textReview }];
  writeFileSync(file, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
  centre = await centreForTest({ fixture: file, historyDays: 0, speed: 0, now: NOW });
  core = coreFor(centre.url, join(tmp.dir, 'app'), 'test-token', { outboxRetryMs: 200 });
  core.start();
  await converged(core, centre);
});
afterAll(async () => {
  await core.close();
  await centre.close();
  tmp.remove();
});

const queued = () => core.local.pending().length;

describe('writing a case review', () => {
  it('refuses the wall role, a malformed review, a versioned body through notes:add and a case that is no victimisation, queuing nothing', async () => {
    const before = queued();
    const asWall = await dispatch(core.handlers, 'review:add', { leadId: 'C1', review, author: '值班长' }, WALL);
    expect(asWall).toEqual({ ok: false, error: 'review:add: not for the wall role' });
    const noFailed = await dispatch(core.handlers, 'review:add', { leadId: 'C1', review: { ...review, failed: [] }, author: '值班长' }, UNMASK);
    expect(noFailed).toMatchObject({ ok: false, error: expect.stringMatching(/^review:add: review\.failed: /) });
    const badBand = await dispatch(core.handlers, 'review:add', { leadId: 'C1', review: { ...review, ageBand: '20-29' }, author: '值班长' }, UNMASK);
    expect(badBand).toMatchObject({ ok: false, error: expect.stringMatching(/review\.ageBand: not an age band/) });
    const smuggled = await dispatch(core.handlers, 'notes:add', { leadId: 'C1', kind: 'review', body: JSON.stringify({ v: 1, ...review }), author: '值班长' }, WALL);
    expect(smuggled).toEqual({ ok: false, error: 'notes:add: a structured case review is written with review:add' });
    const dissuaded = await dispatch(core.handlers, 'review:add', { leadId: 'D1', review, author: '值班长' }, UNMASK);
    expect(dissuaded).toEqual({ ok: false, error: 'review:add: lead D1 is not a post-warning victimisation case' });
    expect(queued()).toBe(before);
  });

  it('sends a review through the outbox; it comes back through the feed and lands in the week’s pattern table', async () => {
    const day0 = await core.handlers['review:plan']({ date: '2026-11-20', week: true });
    expect(day0.state.state).toBe('frozen');
    expect(day0.patterns).toMatchObject({ cases: 4, reviewed: 0, unstructured: 1, notReviewed: 3, lossAmount: 31_507_00 });

    const r = await dispatch(core.handlers, 'review:add', { leadId: 'C1', review, author: '值班长' }, UNMASK);
    expect(r.ok, r.ok ? '' : r.error).toBe(true);
    const written = (r as { value: Note & { pending: boolean } }).value;
    expect(written).toMatchObject({ leadId: 'C1', kind: 'review', pending: true });
    // The centre applies it and the feed brings it back: no longer pending, in the replica.
    await vi.waitFor(
      async () => {
        const notes = await core.handlers['notes:list']({ leadId: 'C1' });
        expect(notes.map((n) => [n.id, n.pending])).toEqual([[written.id, false]]);
      },
      { timeout: 20_000, interval: 100 },
    );
    expect(core.queries.notes().find((n) => n.id === written.id)).toBeDefined();
    expect(parseReviewBody(core.queries.notes().find((n) => n.id === written.id)!.body)).toEqual({ kind: 'structured', review });

    const plan = await core.handlers['review:plan']({ date: '2026-11-20', week: true });
    const p = plan.patterns!;
    expect(p).toMatchObject({ cases: 4, reviewed: 1, unstructured: 1, notReviewed: 2, lossAmount: 31_507_00 });
    const rows = (d: string) => p.rows.filter((x) => x.dimension === d).map((x) => [x.value, x.cases, x.lossAmount]);
    expect(rows('fraudType')).toEqual([
      ['rebate_task', 2, 1_500_00],
      ['romance_investment', 1, 30_000_00],
      ['investment', 1, 7_00],
    ]);
    expect(rows('occupation')).toEqual([
      ['student', 1, 1_000_00],
      ['unstructured', 1, 30_000_00],
      ['not_reviewed', 2, 507_00],
    ]);
    expect(rows('failed')).toEqual([
      ['coached', 1, 1_000_00],
      ['denial', 1, 1_000_00],
      ['unstructured', 1, 30_000_00],
      ['not_reviewed', 2, 507_00],
    ]);
    expect(rows('ageBand')).toEqual([
      ['20–29', 1, 1_000_00],
      ['unstructured', 1, 30_000_00],
      ['not_reviewed', 2, 507_00],
    ]);
    // A day's review has no pattern table.
    expect((await core.handlers['review:plan']({ date: '2026-11-20' })).patterns).toBeNull();
  });

  it('writes the pattern table into the CSV, the XLSX and the PDF minutes, in Chinese', async () => {
    const csv = (await core.handlers['review:export']({ date: '2026-11-20', week: true, format: 'csv', table: 'patterns' })) as { fileName: string; base64: string };
    expect(csv.fileName).toBe('guardpost-review-week-2026-11-20-SZ-patterns.csv');
    const lines = Buffer.from(csv.base64, 'base64').toString('utf8').replace(/^\uFEFF/, '').trim().split('\r\n');
    expect(lines[0]).toBe('维度,取值,案件数,被骗金额（元）');
    expect(lines).toContain('诈骗类型,刷单返利,2,1500');
    expect(lines).toContain('职业,学生,1,1000');
    expect(lines).toContain('职业,未复盘,2,507');
    expect(lines).toContain('失效环节,骗子话术反劝阻,1,1000');
    expect(lines).toContain('年龄段,20–29,1,1000');

    // The cases table carries each case's latest review in words (or its text, or "not reviewed").
    const cases = (await core.handlers['review:export']({ date: '2026-11-20', week: true, format: 'csv', table: 'cases' })) as { base64: string };
    const caseLines = Buffer.from(cases.base64, 'base64').toString('utf8').trim().split('\r\n');
    expect(caseLines[0]!.endsWith(',此前预警,案件复盘')).toBe(true);
    expect(caseLines.find((l) => l.startsWith('C1,'))).toMatch(/,职业：学生；年龄段：20–29；预警遗漏：电话劝阻过晚、未关注重复预警；失效环节：当事人隐瞒否认、骗子话术反劝阻；心理状态：急于获利回本；补充说明：返利到账后继续加码；值班长$/);
    expect(caseLines.find((l) => l.startsWith('C3,'))).toMatch(/,文字复盘：当事人与“军官”网恋三个月，多次否认被骗$/);
    expect(caseLines.find((l) => l.startsWith('C2,'))).toMatch(/,未复盘$/);

    const x = (await core.handlers['review:export']({ date: '2026-11-20', week: true, format: 'xlsx' })) as { base64: string };
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(Buffer.from(x.base64, 'base64') as unknown as ArrayBuffer);
    const sheet: unknown[][] = [];
    wb.getWorksheet('本周案件规律')!.eachRow((r) => sheet.push((r.values as unknown[]).slice(1)));
    expect(sheet).toContainEqual(['失效环节', '当事人隐瞒否认', 1, 1000]);
    expect(sheet).toContainEqual(['失效环节', '文字复盘（未结构化）', 1, 30000]);

    const pdf = (await core.handlers['review:export']({ date: '2026-11-20', week: true, format: 'pdf' })) as { fileName: string; base64: string };
    const file = join(tmp.dir, pdf.fileName);
    writeFileSync(file, Buffer.from(pdf.base64, 'base64'));
    const text = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
    expect(text).toContain('本周案件规律');
    expect(text).toMatch(/职业\s+学生\s+1\s+1,000\.00/);
    expect(text).toContain('未复盘 2 起');
  });
});
