// The review and rankings screens against a fixture day in the reference centre. Expected
// figures and rank orders are computed here from the fixture by kpis.md's definitions, with
// this file's own code, not the app's.
import { expect, test, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sqliteDb, tempDir } from '../support/harness.js';
import { writeFixtureDay, type FixtureLine } from '../support/fixture-day.js';
import { branchOf, branchRanking, CUTOFF, DAY_START, expected, leadsOf as leadsIn, REVIEW_NOW, stopsOf as stopsIn, type L } from '../support/review-expected.js';
import { makeLead } from '../support/records.js';
import type { Lead } from '../../shared/protocol.js';
import { REVIEW_SECTIONS } from '../../shared/contract.js';
import { startInProcess, type InProcess } from './support.js';
import { watchFor } from './watch.js';

const H = 3_600_000;
const NOW = REVIEW_NOW;

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

const leadsOf = () => leadsIn(fixture);

/**
 * Writes leads at the centre and waits until this display's replica holds them. A test whose
 * claim the fixture day alone leaves empty (nothing overdue, nothing open at the meeting) adds
 * its own, and its expectation counts them with the fixture's.
 */
async function addLeads(leads: Lead[]): Promise<L[]> {
  await app.centre.store.write(leads.map((d) => ({ t: 'put' as const, e: 'lead' as const, d })));
  const ids = leads.map((l) => `'${l.id}'`).join(',');
  await expect.poll(() => (app.core.replica.db.prepare(`SELECT COUNT(*) AS n FROM lead WHERE id IN (${ids})`).get() as { n: number }).n, { timeout: 15_000 }).toBe(leads.length);
  return leads as unknown as L[];
}
const stopsOf = () => stopsIn(fixture);

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
  const ranked = branchRanking(leadsOf(), CUTOFF);
  expect(ranked.length).toBeGreaterThan(3);
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
  // Stop-payments: the bank table's total is the 30-minute rate of the indicators (one rule), with coverage above it.
  await page.keyboard.press('ArrowRight');
  await expect(page.locator('[data-screen="review"]')).toHaveAttribute('data-section', 'stops');
  const inDay = stopsOf().filter((s) => s.requestedAt >= DAY_START && s.requestedAt < DAY_START + 24 * 3_600_000);
  await expect(page.locator('[data-stop-bank="total"]')).toContainText(`${want.stopNum}/${want.stopDen}`);
  await expect(page.locator('[data-stop-coverage]')).toBeVisible();
  expect(await page.locator('[data-stop]').count()).toBe(inDay.length);
  await page.screenshot({ path: info.outputPath('review-stops-1920x1080.png') });

  // Classified handling: the day's leads by method, counted here from the fixture.
  await page.keyboard.press('ArrowRight');
  await expect(page.locator('[data-screen="review"]')).toHaveAttribute('data-section', 'handling');
  const dayLeads = leadsOf().filter((l) => !l.voided);
  for (const m of ['visit', 'phone', 'sms', 'publicity'] as const) {
    await expect(page.locator(`[data-method="${m}"]`)).toHaveAttribute('data-count', String(dayLeads.filter((l) => (l as unknown as Lead).method === m).length));
  }
  await expect(page.locator('[data-hop="city>branch"]')).toBeVisible();
  await page.screenshot({ path: info.outputPath('review-handling-1920x1080.png') });

  // Revisits as of the cut-off: a lead counts when a revisit event of the fixture is at or before
  // it (the fixture's day runs to 09:00, so some revisits came after the 08:00 cut-off).
  await page.keyboard.press('ArrowRight');
  await expect(page.locator('[data-screen="review"]')).toHaveAttribute('data-section', 'revisits');
  const revisitedBy = (t: number) => new Set(fixture.filter((l) => l.e === 'event' && l.d['kind'] === 'revisit' && (l.d['at'] as number) <= t).map((l) => l.d['leadId'] as string));
  const byCutoff = revisitedBy(CUTOFF);
  expect(revisitedBy(NOW).size).toBeGreaterThan(byCutoff.size);
  const revisited = dayLeads.filter((l) => byCutoff.has(l.id));
  expect(revisited.length).toBeGreaterThan(dayLeads.length / 2);
  await expect(page.locator('[data-revisit-coverage]')).toHaveAttribute('data-revisit-coverage', `${revisited.length}/${dayLeads.length}`);
  const ftLeads = dayLeads.filter((l) => branchOf(l.unitId) === 'SZ-FT');
  await expect(page.locator('[data-revisit-unit="SZ-FT"]')).toHaveAttribute('data-parts', `${ftLeads.filter((l) => byCutoff.has(l.id)).length}/${ftLeads.length}`);
  const missing = dayLeads.filter((l) => !byCutoff.has(l.id)).map((l) => l.id).sort();
  await expect(page.locator('[data-not-revisited]')).toHaveAttribute('data-not-revisited', String(missing.length));
  expect((await page.locator('[data-not-revisited] [data-review-lead]').evaluateAll((els) => els.map((e) => e.getAttribute('data-review-lead')))).sort()).toEqual(missing);
  await page.screenshot({ path: info.outputPath('review-revisits-1920x1080.png') });
  await page.keyboard.press('ArrowLeft');

  // Live events arrive for the same day; the frozen view does not move. A wall in a second page
  // is the control: it follows live events, so once it shows the new lead of today the event has
  // reached the displays, and the review, which saw the same event, must still show its figures.
  // Same page, new hash (the host's URL carries a key, so a goto would load the page afresh).
  await page.evaluate(() => (location.hash = '#/review?s=0'));
  await expect(page.locator('[data-screen="review"]')).toHaveAttribute('data-section', 'indicators');
  const before = await page.locator('[data-kpi]').evaluateAll((els) => els.map((e) => e.getAttribute('data-value')));
  const wall = await page.context().newPage();
  await wall.goto(`${app.host.url}#/wall`);
  await expect(wall.locator('[data-sync-state]')).toHaveAttribute('data-sync-state', 'live', { timeout: 20_000 });
  await expect(wall.locator('[data-kpi="faceToFace"]')).toHaveAttribute('data-value', '');
  await app.centre.store.write([
    { t: 'put', e: 'lead', d: makeLead('L-LATE-1', 'SZ-FT-S01-B1', DAY_START + 10 * H, { metAt: DAY_START + 11 * H, feedbackAt: DAY_START + 12 * H, outcome: 'dissuaded' }) },
    { t: 'put', e: 'lead', d: makeLead('L-TODAY-1', 'SZ-FT-S01-B1', NOW - H, { metAt: NOW - H / 2 }) },
  ]);
  await expect(wall.locator('[data-kpi="faceToFace"]')).toHaveAttribute('data-value', '1', { timeout: 15_000 });
  await wall.close();
  await expect(page.locator('[data-sync-state]')).toHaveAttribute('data-sync-state', 'live');
  expect(app.core.replica.db.prepare("SELECT COUNT(*) AS n FROM lead WHERE id = 'L-LATE-1'").get()).toEqual({ n: 1 });
  expect(await page.locator('[data-kpi]').evaluateAll((els) => els.map((e) => e.getAttribute('data-value')))).toEqual(before);
});

test('the rankings screen shows a branch’s place, its stations and what pulls it down', async ({ page }, info) => {
  // Two overdue leads and a victimisation case in Bao'an, and an overdue lead in Futian that must not count.
  const added = await addLeads([
    makeLead('L-BA-LATE-1', 'SZ-BA-S01-B1', DAY_START + 20 * H),
    makeLead('L-BA-LATE-2', 'SZ-BA-S02-B1', DAY_START + 21 * H, { metAt: DAY_START + 22 * H }),
    makeLead('L-BA-LOSS-1', 'SZ-BA-S01-B2', DAY_START + 12 * H, { metAt: DAY_START + 13 * H, feedbackAt: DAY_START + 14 * H, outcome: 'defrauded_after_warning', lossAmount: 1_000_000 }),
    makeLead('L-FT-LATE-1', 'SZ-FT-S01-B1', DAY_START + 20 * H),
  ]);
  await page.goto(`${app.host.url}#/rankings?branch=SZ-BA`);
  await expect(page.locator('[data-screen="rankings"] h1')).toContainText('宝安分局');
  await expect(page.locator('[data-my-rank="rankWeek"]')).toBeVisible();
  await expect(page.locator('.rank-trend')).toHaveAttribute('data-points', '30');
  // What pulls it down, by the definitions applied to the fixture: this week's overdue leads and
  // victimisation cases of the branch as of now (the fixture's day is the only one in the week).
  const mine = expected([...leadsOf(), ...added].filter((l) => branchOf(l.unitId) === 'SZ-BA'), [], NOW);
  expect(mine.overdueIds).toEqual(expect.arrayContaining(['L-BA-LATE-1', 'L-BA-LATE-2']));
  expect(mine.victimIds).toContain('L-BA-LOSS-1');
  await expect(page.locator('[data-open="overdue"]')).toHaveText(new RegExp(` ${mine.overdueIds.length}$`));
  await expect(page.locator('[data-open="victims"]')).toHaveText(new RegExp(` ${mine.victimIds.length}$`));
  await page.locator('[data-open="overdue"]').click();
  const pulled = page.locator('[data-pull-list="overdue"] [data-review-lead]');
  await expect(pulled).toHaveCount(mine.overdueIds.length);
  expect((await pulled.evaluateAll((els) => els.map((e) => e.getAttribute('data-review-lead')))).sort()).toEqual(mine.overdueIds);
  await page.screenshot({ path: info.outputPath('rankings-1920x1080.png') });
});

test('a note written while the centre is stopped shows at once, reaches the centre once after it restarts, and shows on a second display', async ({ page, browser }) => {
  const { createCore } = await import('../../electron/core/core.js');
  const { startHost } = await import('../../electron/host/host.js');
  const second = createCore({ dataDir: join(tmp.dir, 'second'), central: { url: app.centre.url, token: app.centre.token }, backoffMinMs: 200, backoffMaxMs: 1_000 });
  second.start();
  const secondHost = await startHost({ core: second, rendererDir: join('dist', 'renderer') });
  try {
    await openReview(page, `?s=${REVIEW_SECTIONS.indexOf('notes')}`);
    const body = '会议纪要：宝安分局超期两起，明日复盘';
    await app.restartCentre(async () => {
      await expect(page.locator('[data-sync-state]')).toHaveAttribute('data-sync-state', 'offline', { timeout: 15_000 });
      await page.getByLabel('记录人').fill('值班长 王');
      await page.getByLabel('内容').fill(body);
      const shownAt = await watchFor(page, '[data-note][data-pending="true"]');
      const t0 = Date.now();
      await page.getByRole('button', { name: '保存' }).click();
      const mine = page.locator('[data-note]', { hasText: body });
      // "At once": from the click to the note on screen, timed by the page, with a wait well beyond it.
      expect((await shownAt(10_000)) - t0).toBeLessThan(1_000);
      await expect(mine).toBeVisible();
      await expect(mine).toHaveAttribute('data-pending', 'true');
      expect(sqliteDb(app.centre).open).toBe(false);
    });
    await expect(page.locator('[data-note]', { hasText: body })).toHaveAttribute('data-pending', 'false', { timeout: 15_000 });
    const atCentre = (await app.centre.store.live('note')).filter((r) => r.d.body === body);
    expect(atCentre).toHaveLength(1);
    const other = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
    await other.goto(`${secondHost.url}#/review?s=${REVIEW_SECTIONS.indexOf('notes')}`);
    await expect(other.locator('[data-note]', { hasText: body })).toBeVisible({ timeout: 15_000 });
    await other.close();
    // Still exactly once after everything has settled.
    expect(await app.centre.store.live('note')).toHaveLength(1);
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
    // The file itself, not only its name: a PDF, a zip-packaged workbook, a CSV with its BOM and header.
    const bytes = readFileSync((await download.path())!);
    expect(bytes.length).toBeGreaterThan(format === 'csv' ? 100 : 1_000);
    const head = { pdf: '%PDF-', xlsx: 'PK', csv: '\uFEFF指标,本期' }[format];
    expect(bytes.subarray(0, Buffer.byteLength(head)).toString('utf8')).toBe(head);
  }
});

test('the replay at a chosen minute shows exactly the leads open then, coloured by their state', async ({ page }, info) => {
  const minute = 600; // 10:00 on the day
  await openReview(page, `?s=${REVIEW_SECTIONS.indexOf('replay')}&m=${minute}`);
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
    expect(units.map((u) => u.id)).toContain('SZ-BA');
    expect(units.filter((u) => !u.id.startsWith('SZ-BA'))).toEqual([]);

    // The wall of that display: its leads are exactly the branch's open leads by the fixture (with
    // two added in each branch, since all of the fixture's are fed back by the meeting), and
    // another branch's, open at the same moment, never appear.
    const ours = [makeLead('L-BA-OPEN-1', 'SZ-BA-S01-B1', NOW - 2 * H, { riskLevel: 'urgent' }), makeLead('L-BA-OPEN-2', 'SZ-BA-S02-B3', NOW - H)];
    const theirs = [makeLead('L-FT-OPEN-1', 'SZ-FT-S01-B1', NOW - 2 * H, { riskLevel: 'urgent' }), makeLead('L-NS-OPEN-1', 'SZ-NS-S01-B1', NOW - H)];
    // The full display's replica takes all four; the scoped one only its branch's.
    await addLeads([...ours, ...theirs]);
    await expect.poll(() => (scoped.replica.db.prepare("SELECT COUNT(*) AS n FROM lead WHERE id LIKE 'L-BA-OPEN-%'").get() as { n: number }).n, { timeout: 15_000 }).toBe(2);
    const open = [...leadsOf(), ...([...ours, ...theirs] as unknown as L[])].filter((l) => !l.voided && l.issuedAt <= NOW && !(l.feedbackAt !== undefined && l.feedbackAt <= NOW));
    const mine = open.filter((l) => branchOf(l.unitId) === 'SZ-BA').map((l) => l.id);
    const others = new Set(open.filter((l) => branchOf(l.unitId) !== 'SZ-BA').map((l) => l.id));
    expect(mine.length).toBeGreaterThan(0);
    expect(others.size).toBeGreaterThan(0);
    await page.goto(`${host.url}#/wall`);
    await expect(page.locator('[data-sync-state]')).toHaveAttribute('data-sync-state', 'live', { timeout: 20_000 });
    await expect(page.locator('.status-scope')).toHaveText('宝安分局');
    await expect(page.locator('[data-open-count]')).toHaveAttribute('data-open-count', String(mine.length), { timeout: 15_000 });
    const tiles = await page.locator('[data-lead]').evaluateAll((els) => els.map((e) => e.getAttribute('data-lead')!));
    const markers = await page.locator('[data-marker]').evaluateAll((els) => els.map((e) => e.getAttribute('data-marker')!));
    expect(tiles.length).toBeGreaterThan(0);
    expect(tiles.filter((id) => !mine.includes(id))).toEqual([]);
    expect(markers.filter((id) => others.has(id))).toEqual([]);
    // The branch board ranks no other branch's unit on this display.
    const boardNames = await page.locator('[data-panel="branch-board"] td.name').allInnerTexts();
    expect(boardNames.filter((n) => n !== '宝安分局')).toEqual([]);
  } finally {
    await host.close();
    await scoped.close();
  }
});

test('drills down city → branch → station → a lead’s timeline, and reviews a week', async ({ page }) => {
  await openReview(page, `?s=${REVIEW_SECTIONS.indexOf('drill')}`);
  await page.locator('[data-drill="SZ-BA"] a').click();
  await expect(page.locator('[data-crumb="SZ-BA"]')).toBeVisible();
  const station = page.locator('[data-drill] a').first();
  const stationId = await station.evaluate((a) => a.closest('[data-drill]')!.getAttribute('data-drill'));
  await station.click();
  await expect(page.locator(`[data-crumb="${stationId}"]`)).toBeVisible();
  const lead = page.locator('[data-review-lead] button').first();
  const leadId = await lead.innerText();
  await lead.click();
  const timeline = page.locator(`[data-timeline="${leadId}"]`);
  await expect(timeline).toContainText('下发预警');
  // The lead's way down the four levels, each hop by the names of the units that passed it on
  // and received it (the detail is the sender's id, the event's unit the receiver).
  const hops = fixture.filter((l) => l.e === 'event' && l.d['leadId'] === leadId && l.d['kind'] === 'reassign').sort((a, b) => (a.d['at'] as number) - (b.d['at'] as number));
  expect(hops.map((h) => h.d['detail'])).toEqual(['SZ', 'SZ-BA', stationId]);
  const stationName = (await page.locator(`[data-crumb="${stationId}"]`).innerText()).trim();
  await expect(timeline.locator('[data-event="reassign"]')).toHaveCount(3);
  await expect(timeline.locator('[data-event="reassign"]').nth(0)).toContainText('深圳市公安局 → 宝安分局');
  await expect(timeline.locator('[data-event="reassign"]').nth(1)).toContainText(`宝安分局 → ${stationName}`);
  await expect(timeline.locator('[data-event="reassign"]').nth(2)).toContainText(`${stationName} → ${stationName.replace('派出所', '')}第`);
  expect(await timeline.locator('.timeline').first().innerText()).not.toMatch(/SZ-|SZ →|\b(patrol|beat|phone|visit)\b|\d+h\b/);
  await page.goto(`${app.host.url}#/review?week=1&date=2026-11-20`);
  await expect(page.locator('h1')).toContainText('每周研判 2026-11-16 – 2026-11-22');
});

test('a case’s timeline reads in words: units by name, dispatch, revisit, reminder and bank in the display’s language', async ({ page }, info) => {
  const cases = new Set(expected(leadsOf(), stopsOf(), CUTOFF).victimIds);
  const events = fixture.filter((l) => l.e === 'event' && cases.has(l.d['leadId'] as string) && (l.d['at'] as number) <= CUTOFF);
  const kinds = new Set(events.filter((l) => l.d['detail'] !== undefined).map((l) => l.d['kind'] as string));
  // The fixture's cases carry every kind of coded detail the check below reads.
  for (const k of ['reassign', 'feedback', 'stop_payment']) expect(kinds.has(k), k).toBe(true);
  for (const [lang, words] of [
    ['zh-CN', { city: '深圳市公安局 → ', bank: /工商银行|建设银行|农业银行|中国银行|招商银行|平安银行|交通银行|邮储银行|兴业银行|中信银行/ }],
    ['en', { city: 'Shenzhen PSB → ', bank: /ICBC|China Construction Bank|Agricultural Bank of China|Bank of China|China Merchants Bank|Ping An Bank|Bank of Communications|Postal Savings Bank|Industrial Bank|China CITIC Bank/ }],
  ] as const) {
    await openReview(page, `?s=${REVIEW_SECTIONS.indexOf('cases')}${lang === 'en' ? '&lang=en' : ''}`);
    await expect(page.locator('[data-case]')).toHaveCount(cases.size);
    const lines = page.locator('[data-case] [data-event]');
    await expect(lines).toHaveCount(events.length);
    // Every coded detail the centre wrote became words: none is left as text.
    await expect(page.locator('[data-case] [data-event-detail="text"]')).toHaveCount(0);
    const text = (await lines.allInnerTexts()).join('\n');
    expect(text).not.toMatch(lang === 'en' ? /SZ-|\d+h\b|_/ : /SZ-|[a-z]/);
    expect(text).toContain(words.city);
    await expect(page.locator('[data-case] [data-event="stop_payment"]').first()).toContainText(words.bank);
    if (lang === 'zh-CN') {
      await expect(page.locator('[data-case] [data-event="feedback"]').first()).toContainText('预后被骗');
      if (kinds.has('dispatch')) await expect(page.locator('[data-case] [data-event="dispatch"]').first()).toContainText(/派巡逻警力|派社区民警/);
      if (kinds.has('revisit')) await expect(page.locator('[data-case] [data-event="revisit"]').first()).toContainText(/电话|上门|短信|宣防/);
      if (kinds.has('escalation')) await expect(page.locator('[data-case] [data-event="escalation"]').first()).toContainText(/距时限\d+小时/);
    } else {
      expect(text).not.toMatch(/[\u4e00-\u9fff]/);
      await expect(page.locator('[data-case] [data-event="feedback"]').first()).toContainText('defrauded after warning');
    }
    await page.screenshot({ path: info.outputPath(`review-case-timeline-${lang}-1920x1080.png`) });
  }
});
