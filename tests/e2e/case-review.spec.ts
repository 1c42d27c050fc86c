// Issue 15 item 8 on the review screen in Chromium: the duty desk (unmask key) fills a case's
// structured review; an incomplete one is refused in the form and nothing is queued; the review
// goes through the outbox and the centre, comes back through the feed, shows on the case and
// moves the week's pattern table. A review another system wrote as text shows as text. A wall
// key may not write one, and the form says so.
import { expect, test, type Page } from '@playwright/test';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Scenario } from '../../central/scenario.js';
import { StaticKeys } from '../../electron/host/auth.js';
import type { Lead, Note } from '../../shared/protocol.js';
import { tempDir } from '../support/harness.js';
import { startInProcess, type InProcess } from './support.js';

const H = 3_600_000;
const M = 60_000;
const MON = Date.UTC(2026, 10, 15, 16); // Monday 2026-11-16 00:00 Shanghai
const NOW = MON + 7 * 24 * H + 9 * H; // Monday 2026-11-23 09:00: the weekly meeting
const WALL = 'w'.repeat(40);
const DESK = 'd'.repeat(40);

const template = new Scenario({ seed: 11, leadsPerDay: 40 }).leadsBetween(MON, MON + 24 * H)[0]!.lead;
const lead = (id: string, issuedAt: number, extra: Partial<Lead> = {}): Lead => {
  const l: Lead = { ...template, id, personId: `P-${id}`, issuedAt, phoneDueAt: issuedAt + 30 * M, feedbackDueAt: issuedAt + 6 * H, feedbackAt: issuedAt + 2 * H, metAt: issuedAt + H, outcome: 'defrauded_after_warning', lossAmount: 0, preventedAmount: 0, voided: false, ...extra };
  for (const k of ['smsAt', 'phonedAt', 'dispatchedAt', 'closedAt'] as const) delete l[k];
  return l;
};
const day = (n: number, h: number) => MON + n * 24 * H + h * H;
const leads = [
  lead('C1', day(0, 10), { fraudType: 'rebate_task', lossAmount: 1_000_00, personOccupation: '学生', personAge: 21 }),
  lead('C2', day(2, 11), { fraudType: 'rebate_task', lossAmount: 500_00, personOccupation: '外卖骑手', personAge: 34 }),
  lead('C3', day(4, 12), { fraudType: 'romance_investment', lossAmount: 30_000_00, personOccupation: '财务人员', personAge: 45 }),
  lead('D1', day(1, 9), { outcome: 'dissuaded' }),
];
const textReview: Note = { id: 'N-OTHER-1', leadId: 'C3', unitId: template.unitId, kind: 'review', body: '文字复盘：当事人与“军官”网恋三个月，多次否认被骗', author: '分局复盘组', createdAt: NOW - 30 * M };

let app: InProcess;
const tmp = tempDir('guardpost-case-review-');

test.describe.configure({ mode: 'serial' });
test.beforeAll(async () => {
  const file = join(tmp.dir, 'week.ndjson');
  const lines = [...leads.map((d) => ({ t: 'put', e: 'lead', id: d.id, d })), { t: 'put', e: 'note', id: textReview.id, d: textReview }];
  writeFileSync(file, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
  app = await startInProcess(
    { fixture: file, historyDays: 0, speed: 0, now: NOW },
    { keys: { keys: new StaticKeys([{ name: 'wall-1', role: 'wall', secret: WALL }, { name: 'duty-desk', role: 'unmask', secret: DESK }]) } },
  );
});
test.afterAll(async () => {
  await app?.stop();
  tmp.remove();
});

/** The week's review at its cases section, with a key (the host moves it into a cookie). */
async function openCases(page: Page, key: string, lang = ''): Promise<void> {
  await page.goto(`${app.host.origin}/?key=${key}#/review?date=2026-11-20&week=1${lang ? `&lang=${lang}` : ''}`);
  await expect(page.locator('[data-sync-state]')).toHaveAttribute('data-sync-state', 'live', { timeout: 20_000 });
  await page.locator('[data-agenda="cases"]').click();
  await expect(page.locator('[data-screen="review"]')).toHaveAttribute('data-section', 'cases');
  await expect(page.locator('[data-patterns]')).toBeVisible();
}

const reviewNotes = () => app.core.queries.notes().filter((n) => n.kind === 'review');
const row = (page: Page, key: string) => page.locator(`[data-pattern-row="${key}"]`);

test('the duty desk writes a case review; it comes back through the feed and moves the pattern table', async ({ page }, info) => {
  await openCases(page, DESK);
  const table = page.locator('[data-patterns]');
  await expect(table).toHaveAttribute('data-patterns', '3');
  await expect(table).toHaveAttribute('data-not-reviewed', '2');
  await expect(table).toHaveAttribute('data-unstructured', '1');
  await expect(row(page, 'occupation:not_reviewed')).toHaveAttribute('data-cases', '2');
  await expect(row(page, 'fraudType:rebate_task')).toHaveAttribute('data-loss', String(1_500_00));
  // A review written as text elsewhere is shown as its text, never dropped.
  await expect(page.locator('[data-case-review-of="C3"] [data-case-review="text"]')).toContainText('多次否认被骗');
  await expect(page.locator('[data-case-review-of="C1"] [data-case-review="none"]')).toBeVisible();

  await page.locator('[data-review-open="C1"]').click();
  const form = page.locator('[data-review-form="C1"]');
  // Prefilled from the lead: its occupation and the band of its age.
  await expect(form.locator('select[name="occupation"]')).toHaveValue('student');
  await expect(form.locator('select[name="ageBand"]')).toHaveValue('20–29');

  // Incomplete: the form names what is missing, and nothing goes to the outbox.
  const queued = app.core.local.pending().length;
  await form.locator('button[type="submit"]').click();
  await expect(form.locator('[data-review-error]')).toHaveCount(3);
  await expect(form.locator('[data-review-error="failed"]')).toContainText('失效环节');
  await expect(form.locator('[data-review-error="missed"]')).toBeVisible();
  await expect(form.locator('[data-review-error="author"]')).toBeVisible();
  expect(app.core.local.pending().length).toBe(queued);
  await form.locator('[data-review-errors]').scrollIntoViewIfNeeded();
  await page.screenshot({ path: info.outputPath('case-review-errors-1920x1080.png') });

  await form.locator('input[name="missed.late_call"]').check();
  await form.locator('input[name="missed.repeat_ignored"]').check();
  await form.locator('input[name="failed.denial"]').check();
  await form.locator('select[name="psychology"]').selectOption('greed');
  await form.locator('textarea[name="text"]').fill('返利到账后继续加码，家属未被告知');
  await form.locator('input[name="author"]').fill('值班长 张');
  await form.locator('button[type="submit"]').click();

  // Back through the centre and the feed: in the replica, no longer pending, shown on the case.
  const shown = page.locator('[data-case-review-of="C1"] [data-case-review="structured"]');
  await expect(shown).toHaveAttribute('data-pending', 'false', { timeout: 20_000 });
  expect(reviewNotes().filter((n) => n.leadId === 'C1')).toHaveLength(1);
  await expect(shown.locator('[data-review-field="occupation"]')).toHaveText('学生');
  await expect(shown.locator('[data-review-field="ageBand"]')).toHaveText('20–29');
  await expect(shown.locator('[data-review-field="missed"]')).toHaveText('电话劝阻过晚、未关注重复预警');
  await expect(shown.locator('[data-review-field="failed"]')).toHaveText('当事人隐瞒否认');
  await expect(shown.locator('[data-review-field="psychology"]')).toHaveText('急于获利回本');

  // The week's pattern table now counts it.
  await expect(table).toHaveAttribute('data-reviewed', '1');
  await expect(table).toHaveAttribute('data-not-reviewed', '1');
  await expect(row(page, 'occupation:student')).toHaveAttribute('data-cases', '1');
  await expect(row(page, 'failed:denial')).toHaveAttribute('data-loss', String(1_000_00));
  await expect(row(page, 'occupation:not_reviewed')).toHaveAttribute('data-cases', '1');
  await page.screenshot({ path: info.outputPath('case-review-1920x1080.png'), fullPage: true });

  // The same in English.
  await openCases(page, DESK, 'en');
  await expect(page.locator('[data-case-review-of="C1"] [data-review-field="failed"]')).toHaveText('Person hid or denied it');
  await expect(row(page, 'occupation:student').locator('td').first()).toHaveText('Student');
  await page.screenshot({ path: info.outputPath('case-review-en-1920x1080.png'), fullPage: true });
  // A 4K wall at the meeting: the same section, scaled.
  await page.setViewportSize({ width: 3840, height: 2160 });
  await expect(row(page, 'occupation:student')).toBeVisible();
  await page.screenshot({ path: info.outputPath('case-review-en-3840x2160.png') });
});

test('a wall key is offered no case-review form: each case says where reviews are written, and nothing is queued', async ({ page }, info) => {
  const queued = app.core.local.pending().length;
  await openCases(page, WALL);
  const cases = page.locator('[data-case-review-of]');
  expect(await cases.count()).toBeGreaterThan(0);
  // Every case says why there is no form, in words, and no case offers the form or its save button.
  await expect(page.locator('[data-review-refused="wall"]')).toHaveCount(await cases.count());
  await expect(page.locator('[data-case-review-of="C2"] [data-review-refused]')).toContainText('无权写入复盘');
  await expect(page.locator('[data-review-open]')).toHaveCount(0);
  await expect(page.locator('[data-review-form]')).toHaveCount(0);
  // The gate behind the screen still holds for a page that sends the request anyway.
  const refused = await page.evaluate(async () => {
    const ws = new WebSocket(`${location.origin.replace('http', 'ws')}/ws`);
    await new Promise((r) => ws.addEventListener('open', r, { once: true }));
    const answer = new Promise<string>((r) => ws.addEventListener('message', (m) => r(String(m.data)), { once: true }));
    ws.send(JSON.stringify({ type: 'invoke', id: 1, channel: 'review:add', args: { leadId: 'C2', review: { occupation: null, ageBand: null, missed: ['none'], failed: ['other'], text: '' }, author: '访客' } }));
    const text = await answer;
    ws.close();
    return text;
  });
  expect(refused).toMatch(/not for the wall role/);
  expect(app.core.local.pending().length).toBe(queued);
  expect(reviewNotes().filter((n) => n.leadId === 'C2')).toHaveLength(0);
  await page.screenshot({ path: info.outputPath('case-review-wall-no-form-1920x1080.png') });
  // The duty desk's key sees the form on the same case.
  await openCases(page, DESK);
  await expect(page.locator('[data-review-open="C2"]')).toBeVisible();
  await expect(page.locator('[data-review-refused]')).toHaveCount(0);
});
