// The rankings screen in Chromium against the reference centre's generated week: every station's
// five indicators today and this week as the core computes them, the weekly evaluation in its own
// columns, what pulls the branch down as the leads themselves (each opening its timeline), live
// refresh without a reload, the data's age, and the room used at 1080p and 4K.
import { expect, test, type Page } from '@playwright/test';
import type { RankingRow, ReviewLead } from '../../shared/contract.js';
import { weekWindow } from '../../shared/kpi.js';
import { FIXED_NOW } from '../support/harness.js';
import { makeLead } from '../support/records.js';
import { join } from 'node:path';
import { startInProcess, type InProcess } from './support.js';

const BRANCH = 'SZ-BA';
const H = 3_600_000;

async function openRankings(page: Page, app: InProcess, query = ''): Promise<void> {
  await page.goto(`${app.host.url}#/rankings?branch=${BRANCH}${query}`);
  await expect(page.locator('[data-sync-state]')).toHaveAttribute('data-sync-state', 'live', { timeout: 30_000 });
  await expect(page.locator('[data-screen="rankings"] h1')).toBeVisible({ timeout: 20_000 });
}

test.describe('the rankings screen', () => {
  let app: InProcess;
  test.afterEach(async () => {
    await app?.stop();
  });

  for (const [w, h] of [
    [1920, 1080],
    [3840, 2160],
  ] as const) {
    test(`at ${w}×${h}: every station’s five indicators today and this week, the pulls as leads, the room used`, async ({ page }, info) => {
      app = await startInProcess({ historyDays: 6, leadsPerDay: 400, speed: 1, now: FIXED_NOW });
      await page.setViewportSize({ width: w, height: h });
      await openRankings(page, app);
      const stations = (await app.core.handlers['units:list']({})).filter((u) => u.parentId === BRANCH && u.level === 'station');
      await expect(page.locator('[data-station]')).toHaveCount(stations.length, { timeout: 20_000 });
      // The figures are the core's, by the shared definitions: today's and this week's rankings.
      const today = (await app.core.handlers['ranking:get']({ kind: 'daily', level: 'station', within: BRANCH })) as RankingRow[];
      const week = (await app.core.handlers['ranking:get']({ kind: 'weekly', level: 'station', within: BRANCH })) as RankingRow[];
      for (const s of stations) {
        const row = page.locator(`[data-station="${s.id}"]`);
        await expect(row.locator('[data-kpi]')).toHaveCount(10);
        const t = today.find((r) => r.unitId === s.id)!;
        const wk = week.find((r) => r.unitId === s.id)!;
        await expect(row.locator('[data-kpi="faceToFace"][data-window="today"]')).toHaveAttribute('data-value', String(t.indicators.faceToFace.value ?? ''));
        await expect(row.locator('[data-kpi="victimisation"][data-window="week"]')).toHaveAttribute('data-value', String(wk.indicators.victimisation.value ?? ''));
        await expect(row.locator('[data-kpi="amountDefrauded"][data-window="week"]')).toHaveAttribute('data-value', String(wk.indicators.amountDefrauded));
        await expect(row.locator('[data-week-rank]')).toHaveAttribute('data-week-rank', String(wk.rank ?? ''));
      }
      // The weekly evaluation shows its own keys, in order; the daily board its own.
      expect(await page.locator('[data-panel="rank-weekly"] tbody tr').first().locator('td[data-col]').evaluateAll((els) => els.map((e) => e.getAttribute('data-col')))).toEqual(['victimisation', 'amountDefrauded', 'faceToFace']);
      expect(await page.locator('[data-panel="rank-daily"] tbody tr').first().locator('td[data-col]').evaluateAll((els) => els.map((e) => e.getAttribute('data-col')))).toEqual(['faceToFace', 'overdue', 'timeToMeet']);
      // What pulls the branch down: this week's overdue leads and victimisation cases, listed.
      const overdue = (await app.core.handlers['review:leads']({ unitId: BRANCH, window: weekWindow(app.centre.clock()), asOf: app.centre.clock(), which: 'overdue', limit: 500 })) as ReviewLead[];
      expect(overdue.length).toBeGreaterThan(0);
      await expect(page.locator('[data-pull-list="overdue"] [data-review-lead]')).toHaveCount(overdue.length);
      const first = page.locator('[data-pull-list="overdue"] [data-open-lead]').first();
      const id = (await first.getAttribute('data-open-lead'))!;
      await first.click();
      const tl = await app.core.handlers['lead:timeline']({ leadId: id });
      expect(tl!.events.length).toBeGreaterThan(0);
      await expect(page.locator(`[data-timeline="${id}"] li`)).toHaveCount(tl!.events.length);
      // The data's age is the centre's last confirmation, as on the wall.
      const confirmed = (await app.core.handlers['sync:status']({})).confirmedAt;
      expect(Number(await page.locator('[data-as-of]').first().getAttribute('data-as-of'))).toBeGreaterThan(0);
      expect(confirmed).not.toBeNull();

      // The room is used: the three columns reach the bottom of the screen, nothing scrolls the page.
      const fill = await page.evaluate(() => {
        const cols = [...document.querySelectorAll('.rank-col, .station-bottom > *')].map((c) => c.getBoundingClientRect());
        return { bottoms: cols.map((r) => r.bottom), widths: cols.reduce((s, r) => s + r.width, 0), page: document.documentElement.scrollHeight };
      });
      for (const b of fill.bottoms) expect(b).toBeGreaterThan(h * 0.95);
      expect(fill.widths).toBeGreaterThan(w * 0.93);
      expect(fill.page).toBeLessThanOrEqual(h);
      // Nothing under the font floor.
      const smallest = await page.evaluate(() => {
        let min = Infinity;
        const walker = document.createTreeWalker(document.querySelector('main')!, NodeFilter.SHOW_TEXT);
        for (let n = walker.nextNode(); n; n = walker.nextNode()) {
          const el = n.parentElement!;
          if (!n.textContent?.trim() || el.closest('svg')) continue;
          const r = el.getBoundingClientRect();
          if (r.width > 0 && r.height > 0) min = Math.min(min, parseFloat(getComputedStyle(el).fontSize));
        }
        return min;
      });
      expect(smallest).toBeGreaterThanOrEqual(h / 60 - 0.5);
      await page.screenshot({ path: info.outputPath(`rankings-${w}x${h}.png`) });
      await page.goto(`${app.host.url}#/rankings?branch=${BRANCH}&lang=en`);
      await expect(page.locator('[data-station]')).toHaveCount(stations.length, { timeout: 20_000 });
      await page.screenshot({ path: info.outputPath(`rankings-en-${w}x${h}.png`) });
    });
  }

  test('refreshes live when the centre sends a new overdue lead, without a reload', async ({ page }) => {
    app = await startInProcess({ historyDays: 2, leadsPerDay: 200, speed: 1, now: FIXED_NOW });
    await openRankings(page, app);
    const list = page.locator('[data-pull-list="overdue"] [data-review-lead]');
    await expect(list.first()).toBeVisible({ timeout: 20_000 });
    const before = await list.count();
    const loadedAt = await page.locator('[data-loaded-at]').getAttribute('data-loaded-at');
    // Issued 7 h ago at a Bao'an beat, no feedback: past its 6 h deadline, overdue now.
    await app.centre.store.write([{ t: 'put', e: 'lead', d: makeLead('L-RK-LATE', 'SZ-BA-S01-B1', app.centre.clock() - 7 * H) }]);
    await expect(page.locator('[data-pull-list="overdue"] [data-review-lead="L-RK-LATE"]')).toBeVisible({ timeout: 15_000 });
    await expect(list).toHaveCount(before + 1);
    await expect(page.locator('[data-loaded-at]')).not.toHaveAttribute('data-loaded-at', loadedAt ?? '');
    await expect(page.locator('[data-open="overdue"]')).toHaveText(new RegExp(` ${before + 1}$`));
  });

  test('a display scoped to a branch ranks it among all the city’s branches from the centre’s aggregates, and holds no other branch’s leads', async ({ page }) => {
    app = await startInProcess({ historyDays: 3, leadsPerDay: 300, speed: 1, now: FIXED_NOW });
    const { createCore } = await import('../../electron/core/core.js');
    const { startHost } = await import('../../electron/host/host.js');
    const { tempDir } = await import('../support/harness.js');
    const tmp = tempDir();
    const scoped = createCore({ dataDir: join(tmp.dir, 'scoped'), central: { url: app.centre.url, token: app.centre.token, scope: BRANCH } });
    scoped.start();
    const host = await startHost({ core: scoped, rendererDir: join('dist', 'renderer') });
    try {
      await page.goto(`${host.url}#/rankings`);
      await expect(page.locator('[data-screen="rankings"] h1')).toContainText('宝安分局', { timeout: 20_000 });
      // The full display's ranking of the ten branches, by the same rule: the scoped one agrees.
      const full = (await app.core.handlers['ranking:get']({ kind: 'daily', level: 'branch' })) as RankingRow[];
      const fullWeek = (await app.core.handlers['ranking:get']({ kind: 'weekly', level: 'branch' })) as RankingRow[];
      const ranked = full.filter((r) => r.rank !== null).length;
      expect(ranked).toBeGreaterThan(1);
      await expect(page.locator('[data-my-rank="rankToday"]')).toHaveAttribute('data-of', String(ranked), { timeout: 20_000 });
      await expect(page.locator('[data-my-rank="rankToday"]')).toHaveAttribute('data-rank', String(full.find((r) => r.unitId === BRANCH)!.rank ?? ''));
      await expect(page.locator('[data-my-rank="rankWeek"]')).toHaveAttribute('data-rank', String(fullWeek.find((r) => r.unitId === BRANCH)!.rank ?? ''));
      await expect(page.locator('[data-panel="rank-daily"] [data-rank-unit]')).toHaveCount(full.length);
      // Privacy: the scoped replica holds its own branch's leads only; the figures carry no lead or person.
      const foreign = scoped.replica.db.prepare("SELECT COUNT(*) AS n FROM lead WHERE unit_id NOT LIKE 'SZ-BA%'").get() as { n: number };
      expect(foreign.n).toBe(0);
      const res = await fetch(`${app.centre.url}/v1/figures?windows=${FIXED_NOW - 86_400_000}-${FIXED_NOW}`, { headers: { Authorization: `Bearer ${app.centre.token}` } });
      const text = await res.text();
      expect(res.status).toBe(200);
      expect(text).not.toMatch(/"(personId|personName|personPhone|address)"|L-\d{8}-/);
    } finally {
      await host.close();
      await scoped.close();
      tmp.remove();
    }
  });
});
