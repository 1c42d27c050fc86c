// The review and rankings screens against a fixture day in the reference centre. Expected
// figures and rank orders are computed here from the fixture by kpis.md's definitions, with
// this file's own code, not the app's.
import { expect, test, type Page } from '@playwright/test';
import { join } from 'node:path';
import { tempDir } from '../support/harness.js';
import { writeFixtureDay, type FixtureLine } from '../support/fixture-day.js';
import { makeLead } from '../support/records.js';
import { startInProcess, type InProcess } from './support.js';

const H = 3_600_000;
const DAY_START = Date.UTC(2026, 10, 19, 16); // 2026-11-20 00:00 Shanghai
const NOW = DAY_START + 33 * H; // 2026-11-21 09:00 Shanghai: the meeting
const CUTOFF = DAY_START + 32 * H; // 08:00 the morning after

type L = { id: string; unitId: string; personId: string; issuedAt: number; metAt?: number; feedbackAt?: number; feedbackDueAt: number; outcome?: string; lossAmount: number; voided: boolean };

/** kpis.md, written out again for the test. */
function expected(leads: L[], stops: { requestedAt: number; frozenAt?: number; status: string }[], T: number) {
  const inW = leads.filter((l) => !l.voided && l.issuedAt >= DAY_START && l.issuedAt < DAY_START + 24 * H && l.issuedAt <= T);
  const met = inW.filter((l) => l.metAt !== undefined && l.metAt <= T);
  const fedBack = (l: L) => l.feedbackAt !== undefined && l.feedbackAt <= T;
  const victims = inW.filter((l) => l.outcome === 'defrauded_after_warning' && fedBack(l));
  const D = inW.filter((l) => l.feedbackDueAt <= T || fedBack(l));
  const late = D.filter((l) => !fedBack(l) || l.feedbackAt! > l.feedbackDueAt);
  const S = stops.filter((s) => s.requestedAt >= DAY_START && s.requestedAt < DAY_START + 24 * H && s.requestedAt <= T && ((s.frozenAt !== undefined && s.frozenAt <= T) || s.status === 'failed' || T - s.requestedAt > 30 * 60_000));
  const fast = S.filter((s) => s.frozenAt !== undefined && s.frozenAt <= T && s.frozenAt - s.requestedAt <= 30 * 60_000);
  const waits = met.map((l) => l.metAt! - l.issuedAt).sort((a, b) => a - b);
  const n = waits.length;
  return {
    n: inW.length,
    faceToFace: inW.length ? met.length / inW.length : null,
    victimisation: inW.length ? victims.length / inW.length : null,
    overdue: D.length ? late.length / D.length : null,
    overdueIds: late.map((l) => l.id).sort(),
    victimIds: victims.map((l) => l.id).sort(),
    peopleDefrauded: new Set(victims.map((l) => l.personId)).size,
    amountDefrauded: victims.reduce((a, l) => a + l.lossAmount, 0),
    stopPayment30: S.length ? fast.length / S.length : null,
    median: n === 0 ? null : n % 2 ? waits[(n - 1) / 2]! : (waits[n / 2 - 1]! + waits[n / 2]!) / 2,
  };
}

let app: InProcess;
let fixture: FixtureLine[];
const tmp = tempDir('guardpost-review-');

test.beforeEach(async () => {
  const file = join(tmp.dir, 'day.ndjson');
  fixture = writeFixtureDay(file, DAY_START, NOW);
  app = await startInProcess({ fixture: file, historyDays: 0, speed: 0, now: NOW });
});
test.afterEach(async () => {
  await app?.stop();
});
test.afterAll(() => tmp.remove());

async function openReview(page: Page, query = ''): Promise<void> {
  await page.goto(`${app.host.url}#/review${query}`);
  await expect(page.locator('[data-sync-state]')).toHaveAttribute('data-sync-state', 'live', { timeout: 20_000 });
  await expect(page.locator('.review-cutoff')).toHaveAttribute('data-cutoff', String(CUTOFF), { timeout: 10_000 });
}

const leadsOf = () => fixture.filter((l) => l.e === 'lead').map((l) => l.d as unknown as L);
const stopsOf = () => fixture.filter((l) => l.e === 'stop_payment').map((l) => l.d as unknown as { requestedAt: number; frozenAt?: number; status: string; leadId: string });

test('the review’s indicators and rank orders equal the definitions applied to the fixture; the view stays frozen', async ({ page }, info) => {
  await openReview(page);
  await expect(page.locator('h1')).toContainText('2026-11-20');
  const want = expected(leadsOf(), stopsOf(), CUTOFF);
  expect(want.n).toBeGreaterThan(100);
  const value = async (k: string) => page.locator(`[data-kpi="${k}"]`).getAttribute('data-value');
  const num = (v: string | null) => (v === '' || v === null ? null : Number(v));
  expect(num(await value('faceToFace'))).toBeCloseTo(want.faceToFace!, 12);
  expect(num(await value('victimisation'))).toBeCloseTo(want.victimisation!, 12);
  expect(num(await value('overdue'))).toBeCloseTo(want.overdue!, 12);
  expect(num(await value('peopleDefrauded'))).toBe(want.peopleDefrauded);
  expect(num(await value('amountDefrauded'))).toBe(want.amountDefrauded);
  expect(num(await value('stopPayment30'))).toBeCloseTo(want.stopPayment30!, 12);
  await page.screenshot({ path: info.outputPath('review-indicators-1920x1080.png') });

  // Daily progress ranking of branches: face-to-face ↓, overdue ↑, median time to meet ↑, code ↑; under 5 leads unranked.
  const byBranch = new Map<string, L[]>();
  for (const l of leadsOf()) {
    const branch = l.unitId.split('-').slice(0, 2).join('-');
    byBranch.set(branch, [...(byBranch.get(branch) ?? []), l]);
  }
  const rows = [...byBranch].map(([id, ls]) => ({ id, code: id.split('-')[1]!, ...expected(ls, [], CUTOFF) }));
  const ranked = rows
    .filter((r) => r.n >= 5)
    .sort((a, b) => b.faceToFace! - a.faceToFace! || (a.overdue ?? 2) - (b.overdue ?? 2) || (a.median ?? Infinity) - (b.median ?? Infinity) || (a.code < b.code ? -1 : 1));
  await page.keyboard.press('ArrowRight');
  await expect(page.locator('[data-screen="review"]')).toHaveAttribute('data-section', 'daily');
  const shown = await page.locator('[data-ranking="daily-branch"] [data-rank-unit]').evaluateAll((els) => els.filter((e) => e.getAttribute('data-rank') !== '').map((e) => e.getAttribute('data-rank-unit')));
  expect(shown).toEqual(ranked.map((r) => r.id));
  await page.screenshot({ path: info.outputPath('review-ranking-1920x1080.png') });

  // The overdue list and the victimisation cases are exactly the definitions' sets.
  // A presenter remote's page keys, pressed in quick succession.
  await page.keyboard.press('PageDown');
  await page.keyboard.press('PageDown');
  await page.keyboard.press('PageDown');
  await expect(page.locator('[data-screen="review"]')).toHaveAttribute('data-section', 'overdue');
  await expect(page.locator('[data-review-lead]').first()).toBeVisible();
  expect((await page.locator('[data-review-lead]').evaluateAll((els) => els.map((e) => e.getAttribute('data-review-lead')))).sort()).toEqual(want.overdueIds);
  await page.keyboard.press('ArrowRight');
  await expect(page.locator('[data-screen="review"]')).toHaveAttribute('data-section', 'cases');
  expect((await page.locator('[data-case]').evaluateAll((els) => els.map((e) => e.getAttribute('data-case')))).sort()).toEqual(want.victimIds);
  await page.screenshot({ path: info.outputPath('review-cases-1920x1080.png') });

  // Live events arrive for the same day; the frozen view does not move.
  // Same page, new hash (the host's URL carries a key, so a goto would load the page afresh).
  await page.evaluate(() => (location.hash = '#/review?s=0'));
  await expect(page.locator('[data-screen="review"]')).toHaveAttribute('data-section', 'indicators');
  const before = await page.locator('[data-kpi]').evaluateAll((els) => els.map((e) => e.getAttribute('data-value')));
  app.centre.store.write([{ t: 'put', e: 'lead', d: makeLead('L-LATE-1', 'SZ-FT-S01-B1', DAY_START + 10 * H, { metAt: DAY_START + 11 * H, feedbackAt: DAY_START + 12 * H, outcome: 'dissuaded' }) }]);
  await expect(page.locator('[data-sync-state]')).toHaveAttribute('data-sync-state', 'live');
  await expect.poll(() => app.core.replica.db.prepare("SELECT COUNT(*) AS n FROM lead WHERE id = 'L-LATE-1'").get()).toEqual({ n: 1 });
  await page.waitForTimeout(1500);
  expect(await page.locator('[data-kpi]').evaluateAll((els) => els.map((e) => e.getAttribute('data-value')))).toEqual(before);
});

test('the rankings screen shows a branch’s place, its stations and what pulls it down', async ({ page }, info) => {
  await page.goto(`${app.host.url}#/rankings?branch=SZ-BA`);
  await expect(page.locator('[data-screen="rankings"] h1')).toContainText('宝安分局');
  await expect(page.locator('[data-my-rank="rankWeek"]')).toBeVisible();
  await expect(page.locator('.rank-trend')).toHaveAttribute('data-points', '30');
  const count = Number((await page.locator('[data-open="overdue"]').innerText()).match(/\d+$/)![0]);
  await page.locator('[data-open="overdue"]').click();
  await expect(page.locator('[data-pull-list="overdue"]')).toBeVisible();
  await expect(page.locator('[data-pull-list="overdue"] [data-review-lead]')).toHaveCount(count);
  await page.screenshot({ path: info.outputPath('rankings-1920x1080.png') });
});

test('a note written while the centre is stopped shows at once, reaches the centre once after it restarts, and shows on a second display', async ({ page, browser }) => {
  const { createCore } = await import('../../electron/core/core.js');
  const { startHost } = await import('../../electron/host/host.js');
  const second = createCore({ dataDir: join(tmp.dir, 'second'), central: { url: app.centre.url, token: app.centre.token }, backoffMinMs: 200, backoffMaxMs: 1_000 });
  second.start();
  const secondHost = await startHost({ core: second, rendererDir: join('dist', 'renderer') });
  try {
    await openReview(page, '?s=7');
    const body = '会议纪要：宝安分局超期两起，明日复盘';
    await app.restartCentre(async () => {
      await expect(page.locator('[data-sync-state]')).toHaveAttribute('data-sync-state', 'offline', { timeout: 5_000 });
      await page.getByLabel('记录人').fill('值班长 王');
      await page.getByLabel('内容').fill(body);
      await page.getByRole('button', { name: '保存' }).click();
      const mine = page.locator('[data-note]', { hasText: body });
      await expect(mine).toBeVisible({ timeout: 1_000 });
      await expect(mine).toHaveAttribute('data-pending', 'true');
      expect(app.centre.store.db.open).toBe(false);
    });
    await expect(page.locator('[data-note]', { hasText: body })).toHaveAttribute('data-pending', 'false', { timeout: 15_000 });
    const atCentre = app.centre.store.db.prepare("SELECT COUNT(*) AS n FROM records WHERE entity = 'note' AND data LIKE ?").get(`%${body}%`);
    expect(atCentre).toEqual({ n: 1 });
    const other = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
    await other.goto(`${secondHost.url}#/review?s=7`);
    await expect(other.locator('[data-note]', { hasText: body })).toBeVisible({ timeout: 15_000 });
    await other.close();
    // Still exactly once after everything has settled.
    expect(app.centre.store.db.prepare("SELECT COUNT(*) AS n FROM records WHERE entity = 'note'").get()).toEqual({ n: 1 });
  } finally {
    await secondHost.close();
    await second.close();
  }
});

test('the review downloads its minutes as PDF, XLSX and CSV with the date and scope in the name', async ({ page }) => {
  await openReview(page);
  for (const [format, name] of [
    ['pdf', 'guardpost-review-2026-11-20-SZ.pdf'],
    ['xlsx', 'guardpost-review-2026-11-20-SZ.xlsx'],
    ['csv', 'guardpost-review-2026-11-20-SZ-indicators.csv'],
  ] as const) {
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator(`[data-export="${format}"]`).click()]);
    expect(download.suggestedFilename()).toBe(name);
  }
});

test('the replay at a chosen minute shows exactly the leads open then, coloured by their state', async ({ page }, info) => {
  const minute = 600; // 10:00 on the day
  await openReview(page, `?s=8&m=${minute}`);
  const at = DAY_START + minute * 60_000;
  await expect(page.locator('[data-replay-at]')).toHaveAttribute('data-replay-at', String(at));
  // Open at `at`, by the definitions: raised by then, and no feedback by then.
  const open = leadsOf().filter((l) => !l.voided && l.issuedAt <= at && !(l.feedbackAt !== undefined && l.feedbackAt <= at));
  expect(open.length).toBeGreaterThan(5);
  await expect(page.locator('[data-replay-lead][data-open="true"]')).toHaveCount(open.length);
  const shown = await page.locator('[data-replay-lead][data-open="true"]').evaluateAll((els) => els.map((e) => `${e.getAttribute('data-replay-lead')}:${e.getAttribute('data-state')}`));
  const want = open.map((l) => `${l.id}:${l.feedbackDueAt <= at ? 'overdue' : l.metAt !== undefined && l.metAt <= at ? 'met' : 'open'}`);
  expect(shown.sort()).toEqual(want.sort());
  await page.screenshot({ path: info.outputPath('replay-1920x1080.png') });
});

test('a display scoped to one branch shows that branch only', async ({ page }) => {
  const { createCore } = await import('../../electron/core/core.js');
  const { startHost } = await import('../../electron/host/host.js');
  const scoped = createCore({ dataDir: join(tmp.dir, 'scoped'), central: { url: app.centre.url, token: app.centre.token, scope: 'SZ-BA' } });
  scoped.start();
  const host = await startHost({ core: scoped, rendererDir: join('dist', 'renderer') });
  try {
    await page.goto(`${host.url}#/rankings`);
    await expect(page.locator('[data-screen="rankings"] h1')).toContainText('宝安分局', { timeout: 20_000 });
    await expect(page.locator('.breadcrumb a')).toHaveText(['宝安分局']);
    const units = scoped.handlers['units:list']({}) as { id: string }[];
    expect(units.every((u) => u.id.startsWith('SZ-BA'))).toBe(true);
  } finally {
    await host.close();
    await scoped.close();
  }
});

test('drills down city → branch → station → a lead’s timeline, and reviews a week', async ({ page }) => {
  await openReview(page, '?s=3');
  await page.locator('[data-drill="SZ-BA"] a').click();
  await expect(page.locator('[data-crumb="SZ-BA"]')).toBeVisible();
  const station = page.locator('[data-drill] a').first();
  const stationId = await station.evaluate((a) => a.closest('[data-drill]')!.getAttribute('data-drill'));
  await station.click();
  await expect(page.locator(`[data-crumb="${stationId}"]`)).toBeVisible();
  const lead = page.locator('[data-review-lead] button').first();
  const leadId = await lead.innerText();
  await lead.click();
  await expect(page.locator(`[data-timeline="${leadId}"]`)).toContainText('下发预警');
  await page.goto(`${app.host.url}#/review?week=1&date=2026-11-20`);
  await expect(page.locator('h1')).toContainText('每周研判 2026-11-16 – 2026-11-22');
});
