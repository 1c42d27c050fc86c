// Every text field a centre can send, filled with script, HTML, a javascript: URL, NUL, bidi
// overrides, zalgo marks and unbroken strings as long as the protocol allows
// (tests/support/hostile.ts), shown on every screen in Chromium at 1920×1080: no script runs,
// no element is made from the text, the text is on screen as text, and the layout holds.
// The pages run with the CSP bypassed, so what is shown here is the renderer's own doing (the
// host's CSP is a second wall, tested in host.test.ts).
import { expect, test, type Browser, type BrowserContext, type Locator, type Page } from '@playwright/test';
import { join } from 'node:path';
import { StaticKeys } from '../../electron/host/auth.js';
import { REVIEW_SECTIONS } from '../../shared/contract.js';
import { layoutFaults } from '../e2e/layout.js';
import { startInProcess, type InProcess } from '../e2e/support.js';
import { tempDir } from '../support/harness.js';
import { PAYLOADS, writeHostileFixture, type Hostile } from '../support/hostile.js';

const H = 3_600_000;
const DAY_START = Date.UTC(2026, 10, 19, 16); // 2026-11-20 00:00 Shanghai: the day under review
const NOW = DAY_START + 33 * H; // 2026-11-21 09:00: the morning's meeting, the wall's today
const WALL = 'w'.repeat(32);
const DESK = 'd'.repeat(32);
const HTML = [PAYLOADS.img, PAYLOADS.script, PAYLOADS.svg, PAYLOADS.js];

let app: InProcess;
let hostile: Hostile;
const tmp = tempDir('guardpost-inert-');

test.describe.configure({ mode: 'serial' });
test.beforeAll(async () => {
  const file = join(tmp.dir, 'hostile.ndjson');
  hostile = writeHostileFixture(file, DAY_START, NOW);
  app = await startInProcess(
    { fixture: file, historyDays: 0, speed: 0, now: NOW },
    {
      keys: {
        keys: new StaticKeys([
          { name: 'wall-1', role: 'wall', secret: WALL },
          { name: 'duty-desk', role: 'unmask', secret: DESK },
        ]),
      },
    },
  );
});
test.afterAll(async () => {
  await app?.stop();
  tmp.remove();
});

/** A page under watch: dialogs, page errors and console errors are collected, never dismissed unseen. */
type Watched = { page: Page; context: BrowserContext; seen: string[] };

async function open(browser: Browser, key: string): Promise<Watched> {
  const context = await browser.newContext({ bypassCSP: true, viewport: { width: 1920, height: 1080 } });
  const page = await context.newPage();
  const seen: string[] = [];
  page.on('dialog', (d) => {
    seen.push(`dialog ${d.type()}: ${d.message()}`);
    void d.dismiss();
  });
  page.on('pageerror', (e) => seen.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') seen.push(`console error: ${m.text()}`);
  });
  // The key once, in the URL; the host moves it into a cookie.
  await page.goto(`${app.host.origin}/?key=${key}#/wall`);
  await expect(page.locator('[data-sync-state]')).toHaveAttribute('data-sync-state', 'live', { timeout: 20_000 });
  // The screens run on the centre's fixed clock, so "today" is the fixture's.
  await expect.poll(async () => Math.abs(Number(await page.locator('[data-server-time]').getAttribute('data-server-time')) - NOW)).toBeLessThan(H);
  return { page, context, seen };
}

/** Same page, new hash (a goto would reload the page: the key is no longer in its URL). */
async function go(page: Page, hash: string): Promise<void> {
  await page.evaluate((h) => (location.hash = h), hash);
}

/** Nothing ran and nothing was made from the payloads. */
async function expectInert(w: Watched, where: string): Promise<void> {
  const found = await w.page.evaluate(() => ({
    pwned: (window as unknown as { __pwned?: unknown }).__pwned ?? null,
    made: [...document.querySelectorAll('img[src="x"], svg[onload], [onerror], [onload], a[href^="javascript:" i], iframe, object, embed')].map((e) => e.outerHTML.slice(0, 80)),
    scripts: [...document.querySelectorAll('script')].filter((s) => !s.src || /__pwned/.test(s.textContent ?? '')).map((s) => s.outerHTML.slice(0, 80)),
  }));
  expect(found, where).toEqual({ pwned: null, made: [], scripts: [] });
  expect(w.seen, where).toEqual([]);
}

/** The locator shows each of these texts, as text, in a visible element. */
async function expectShown(scope: Locator, texts: readonly string[], where: string): Promise<void> {
  for (const t of texts) await expect(scope.filter({ hasText: t }).first(), `${where}: ${t}`).toBeVisible();
}

test('the wall, its scenes and English: every payload inert, shown as text, every panel intact', async ({ browser }, info) => {
  const w = await open(browser, WALL);
  const { page } = w;
  await expect(page.locator('[data-lead]').first()).toBeVisible();
  await expect(page.locator('.ticker-item').first()).toBeVisible();
  await expect(page.locator('[data-panel="branch-board"] td.name')).toHaveCount(hostile.branches.length);
  // The city's name (status bar), the branches' (board, every payload), stations' (tiles, ticker).
  await expect(page.locator('.status-scope')).toContainText(PAYLOADS.img);
  await expectShown(page.locator('[data-panel="branch-board"] td.name'), HTML, 'branch board');
  await expectShown(page.locator('[data-panel="branch-board"] td.name'), ['W'.repeat(200)], 'branch board');
  expect(await page.locator('.tile-unit').allTextContents()).toEqual(expect.arrayContaining([expect.stringMatching(/<|javascript:|W{60}|NUL/)]));
  expect(await page.locator('.ticker-item').allTextContents()).toEqual(expect.arrayContaining([expect.stringMatching(/<|javascript:|W{60}|NUL/)]));
  await expectInert(w, '#/wall');
  expect(await layoutFaults(page), '#/wall').toEqual([]);
  await page.screenshot({ path: info.outputPath('hostile-wall-1920x1080.png') });

  // The language is read when the page loads; the key is in the cookie by now.
  await go(page, '#/wall?lang=en');
  await page.reload();
  await expect(page.locator('[data-sync-state]')).toHaveAttribute('data-sync-state', 'live', { timeout: 20_000 });
  await expect(page.locator('.status-scope')).toContainText(PAYLOADS.script);
  await expectShown(page.locator('[data-panel="branch-board"] td.name'), [PAYLOADS.js, PAYLOADS.script], 'branch board, English');
  await expectInert(w, '#/wall?lang=en');
  await page.screenshot({ path: info.outputPath('hostile-wall-en-1920x1080.png') });
  expect(await layoutFaults(page), '#/wall?lang=en').toEqual([]);

  for (const scene of ['map', 'trends', 'rankings'] as const) {
    await go(page, `#/wall?scenes=${scene}:600`);
    await expect(page.locator(`[data-scene="${scene}"]`)).toBeVisible();
    // Still in English (read at load): the city's English name.
    await expect(page.locator('.status-scope')).toContainText(PAYLOADS.script);
    if (scene === 'map') {
      await expect(page.locator('[data-marker]').first()).toBeAttached();
      // Labels are cut short on the map (SVG text neither wraps nor ellipsizes), and stay on it.
      await expectShown(page.locator('.district-label'), ['<img src=x', '<script>wi', '"><svg onl', 'javascript'], 'map labels');
      const off = await page.locator('.map-svg').evaluate((svg) => {
        const box = svg.getBoundingClientRect();
        return [...svg.querySelectorAll('.district-label')].map((t) => t.getBoundingClientRect()).filter((r) => r.left < box.left - 1 || r.right > box.right + 1).map((r) => `${r.left}–${r.right} outside ${box.left}–${box.right}`);
      });
      expect(off, 'map labels on the map').toEqual([]);
    }
    if (scene === 'rankings') await expectShown(page.locator('[data-panel="branch-board"] td.name'), HTML, 'rankings scene');
    await expectInert(w, `scene ${scene}`);
    expect(await layoutFaults(page), `scene ${scene}`).toEqual([]);
  }
  await w.context.close();
});

/** The review's body does not scroll sideways, and the status bar keeps to the viewport. */
async function reviewLayout(page: Page, where: string): Promise<void> {
  const faults = await layoutFaults(page);
  const body = await page.locator('.review-body, .rankings-body').evaluate((el) => (el.scrollWidth > el.clientWidth + 1 ? [`body scrolls sideways: ${el.scrollWidth} in ${el.clientWidth}`] : []));
  expect([...faults, ...body], where).toEqual([]);
}

test('the review, every section, the week and the drill-down to a lead’s timeline: inert, shown as text, nothing pushed sideways', async ({ browser }) => {
  const w = await open(browser, WALL);
  const { page } = w;
  const section = async (s: number, name: string) => {
    expect(REVIEW_SECTIONS[s]).toBe(name);
    await go(page, `#/review?s=${s}`);
    await expect(page.locator('[data-screen="review"]')).toHaveAttribute('data-section', name);
    await expect(page.locator('.review-cutoff')).toBeVisible({ timeout: 20_000 });
  };
  await section(0, 'indicators');
  await expect(page.locator('[data-kpi]')).toHaveCount(8);
  await expectInert(w, 'review indicators');
  await reviewLayout(page, 'review indicators');

  for (const [s, name] of [
    [1, 'daily'],
    [2, 'weekly'],
  ] as const) {
    await section(s, name);
    await expectShown(page.locator(`[data-ranking="${name}-branch"] td.name`), HTML, `review ${name}`);
    await expectInert(w, `review ${name}`);
    await reviewLayout(page, `review ${name}`);
  }
  await section(3, 'drill');
  await expectShown(page.locator('[data-drill] a'), HTML, 'drill-down');
  await expectInert(w, 'review drill');
  await reviewLayout(page, 'review drill');

  await section(4, 'overdue');
  await expect(page.locator('[data-review-lead]').first()).toBeVisible();
  expect(await page.locator('[data-review-lead]').allTextContents()).toEqual(expect.arrayContaining([expect.stringMatching(/<img|<script|javascript:/)]));
  await expectInert(w, 'review overdue');
  await reviewLayout(page, 'review overdue');

  await section(5, 'cases');
  await expect(page.locator('[data-case]').first()).toBeVisible();
  // Event details (a feedback's too) and stop-payment banks, in the cases' timelines.
  await expectShown(page.locator('.timeline li'), HTML, 'case timelines');
  await expectInert(w, 'review cases');
  await reviewLayout(page, 'review cases');

  await section(6, 'stops');
  await expectShown(page.locator('[data-stop]'), HTML, 'stop-payments');
  await expectInert(w, 'review stops');
  await reviewLayout(page, 'review stops');

  // Classified handling: counts and times only, laid out whole.
  await section(REVIEW_SECTIONS.indexOf('handling'), 'handling');
  await expect(page.locator('[data-method="visit"]')).toBeVisible();
  await expectInert(w, 'review handling');
  await reviewLayout(page, 'review handling');

  // Revisits: the units' (hostile) names in the coverage tables, and the leads not yet revisited.
  await section(REVIEW_SECTIONS.indexOf('revisits'), 'revisits');
  await expectShown(page.locator('[data-revisit-unit] td:first-child'), HTML, 'revisit coverage');
  await expectInert(w, 'review revisits');
  await reviewLayout(page, 'review revisits');

  await section(REVIEW_SECTIONS.indexOf('notes'), 'notes');
  await expectShown(page.locator('[data-note]'), [...HTML, 'W'.repeat(20000)], 'notes');
  await expectInert(w, 'review notes');
  await reviewLayout(page, 'review notes');

  await section(REVIEW_SECTIONS.indexOf('replay'), 'replay');
  await expect(page.locator('[data-replay-at]')).toBeVisible();
  await expectInert(w, 'review replay');
  await reviewLayout(page, 'review replay');

  await go(page, '#/review?week=1&date=2026-11-20&s=2');
  await expect(page.locator('h1')).toContainText('2026-11-16');
  await expect(page.locator('[data-ranking="weekly-branch"] td.name')).toHaveCount(hostile.branches.length, { timeout: 20_000 });
  await expectShown(page.locator('[data-ranking="weekly-branch"] td.name'), HTML, 'week');
  await expectInert(w, 'review week');
  await reviewLayout(page, 'review week');

  await drillToLead(w, 'review timeline (wall key)');
  await w.context.close();
});

/** From the lead's station in the drill-down, open its timeline and notes. */
async function drillToLead(w: Watched, where: string): Promise<void> {
  const { page } = w;
  const lead = hostile.lead;
  const station = hostile.lines.find((l) => l.e === 'unit' && l.id === lead.unitId)!.d['parentId'] as string;
  await go(w.page, `#/review?date=2026-11-20&unit=${station}&s=3`);
  await page.locator(`[data-review-lead="${lead.id}"] button`).click();
  const panel = page.locator(`[data-timeline="${lead.id}"]`);
  await expect(panel).toBeVisible();
  await expect(panel.locator('.timeline li').first()).toBeVisible();
  expect(await panel.locator('.timeline li, .timeline .muted').allTextContents()).toEqual(expect.arrayContaining([expect.stringMatching(/<|javascript:|W{60}|NUL/)]));
  await expectShown(panel.locator('[data-note]'), [...HTML, 'W'.repeat(20000)], `${where} notes`);
  await expectInert(w, where);
  await reviewLayout(page, where);
}

test('the unmasked timeline of a lead (the duty desk’s key) is as inert', async ({ browser }) => {
  const w = await open(browser, DESK);
  await drillToLead(w, 'review timeline (unmask key)');
  // The view really was the unmasked one: the host recorded it.
  await expect.poll(() => app.core.local.auditList(10).some((a) => a.leadId === hostile.lead.id && a.keyName === 'duty-desk')).toBe(true);
  await w.context.close();
});

test('the rankings screen of a branch named with script, and of one named with an unbroken 200-character word', async ({ browser }) => {
  const w = await open(browser, WALL);
  const { page } = w;
  const [script, long] = [hostile.branches[1]!, hostile.branches[8]!];
  expect([script.name, long.name]).toEqual([PAYLOADS.script, 'W'.repeat(200)]);
  for (const b of [script, long]) {
    // Loaded afresh, so the pull-down list starts closed.
    await go(page, `#/rankings?branch=${b.id}`);
    await page.reload();
    await expect(page.locator('[data-screen="rankings"] h1')).toContainText(b.name);
    await expect(page.locator('.rank-trend')).toHaveAttribute('data-points', '30');
    await expectShown(page.locator('.breadcrumb a'), HTML, `rankings ${b.id}`);
    await page.locator('[data-open="overdue"]').click();
    await expect(page.locator('[data-pull-list="overdue"]')).toBeVisible();
    await expectInert(w, `rankings ${b.id}`);
    await reviewLayout(page, `rankings ${b.id}`);
  }
  await w.context.close();
});
