// The wall against the real reference centre, in Chromium: it fills, follows the centre live,
// shows what the core computes, and says when it is offline while every figure stays.
import { expect, test, type Page } from '@playwright/test';
import type { KpiStrip } from '../../shared/contract.js';
import type { IndicatorKey } from '../../shared/display.js';
import { makeLead } from '../support/records.js';
import { startInProcess, type InProcess } from './support.js';

const MIN = 60_000;

function seedLeads(app: InProcess, n: number): void {
  const now = app.centre.clock();
  app.centre.store.write(
    Array.from({ length: n }, (_, i) => ({
      t: 'put' as const,
      e: 'lead' as const,
      d: makeLead(`L-BASE-${i}`, ['SZ-FT-S01-B1', 'SZ-NS-S02-B2', 'SZ-BA-S03-B1'][i % 3]!, now - (60 + i * 20) * MIN, { riskLevel: i % 2 ? 'medium' : 'high', metAt: i % 2 ? now - 30 * MIN : undefined }),
    })),
  );
}

async function openWall(page: Page, app: InProcess, query = ''): Promise<void> {
  await page.goto(`${app.host.url}#/wall${query}`);
  await expect(page.locator('[data-sync-state]')).toHaveAttribute('data-sync-state', 'live', { timeout: 20_000 });
  await expect(page.locator('[data-kpi]')).toHaveCount(8);
}

/** The machine value the core gives for each indicator on the strip. */
function coreValue(strip: KpiStrip, k: IndicatorKey): number | null {
  const t = strip.today;
  if (k === 'faceToFace' || k === 'victimisation' || k === 'overdue' || k === 'stopPayment30') return t[k].value;
  if (k === 'timeToMeet') return t.timeToMeet.meanMs;
  return t[k];
}

test.describe('the wall', () => {
  let app: InProcess;
  test.afterEach(async () => {
    await app?.stop();
  });

  test('fills, shows a new urgent lead within 1 s as a tile and a flashing marker, counts down, shows an escalation, and shows the core’s figures', async ({ page }, info) => {
    app = await startInProcess({ historyDays: 0, speed: 1 });
    seedLeads(app, 4);
    await openWall(page, app);
    for (const panel of ['kpi', 'map', 'countdowns', 'branch-board', 'station-board', 'trend', 'ticker']) await expect(page.locator(`[data-panel="${panel}"]`)).toBeVisible();
    await expect(page.locator('[data-lead]')).toHaveCount(4);

    const id = 'L-E2E-URGENT';
    const t0 = Date.now();
    app.centre.store.write([{ t: 'put', e: 'lead', d: makeLead(id, 'SZ-LG-S01-B1', app.centre.clock(), { riskLevel: 'urgent', personName: '李大海', warningCount: 3 }) }]);
    const tile = page.locator(`[data-lead="${id}"]`);
    await expect(tile).toBeVisible({ timeout: 1_000 });
    await expect(page.locator(`[data-marker="${id}"][data-flash="true"]`)).toBeVisible({ timeout: 1_000 });
    expect(Date.now() - t0).toBeLessThan(1_500);
    await expect(page.locator('[data-flash-banner]')).toContainText(id);
    await expect(tile).toContainText('李**');
    await expect(tile).toContainText('第3次预警');

    const left1 = Number(await tile.getAttribute('data-ms-left'));
    await expect.poll(async () => Number(await tile.getAttribute('data-ms-left')), { timeout: 3_000 }).toBeLessThan(left1);

    app.centre.store.write([{ t: 'put', e: 'event', d: { id: 'E-E2E-1', leadId: id, at: app.centre.clock(), kind: 'escalation', unitId: 'SZ-LG-S01', tier: 1, role: 'station_chief' } }]);
    await expect(tile.locator('[data-tier="1"]')).toHaveAttribute('data-fired', 'true', { timeout: 3_000 });
    await expect(tile.locator('[data-tier="2"]')).toHaveAttribute('data-fired', 'false');

    const asOf = Number(await page.locator('.kpi-strip').getAttribute('data-as-of'));
    const strip = app.core.handlers['kpi:strip']({ asOf }) as KpiStrip;
    for (const k of ['faceToFace', 'victimisation', 'overdue', 'peopleDefrauded', 'amountDefrauded', 'timeToMeet', 'stopPayment30', 'amountKept'] as const) {
      const shown = await page.locator(`[data-kpi="${k}"]`).getAttribute('data-value');
      const want = coreValue(strip, k);
      expect(shown, k).toBe(want === null ? '' : String(want));
    }
    await page.screenshot({ path: info.outputPath('wall-1920x1080.png') });
  });

  test('says “offline since” within 5 s when the centre stops, keeps every figure, and returns to live', async ({ page }) => {
    app = await startInProcess({ historyDays: 1, leadsPerDay: 150, speed: 1 });
    await openWall(page, app);
    const values = () => page.locator('[data-kpi]').evaluateAll((els) => els.map((e) => `${e.getAttribute('data-kpi')}=${e.getAttribute('data-value')}`));
    const before = await values();
    const tiles = await page.locator('[data-lead]').count();
    await app.restartCentre(async () => {
      const t0 = Date.now();
      await expect(page.locator('[data-sync-state]')).toHaveAttribute('data-sync-state', 'offline', { timeout: 5_000 });
      expect(Date.now() - t0).toBeLessThan(5_000);
      await expect(page.locator('.sync-label')).toHaveText(/^离线，自 \d\d:\d\d$/);
      await expect(page.locator('[data-data-age]')).toBeVisible();
      expect(await values()).toEqual(before);
      expect(await page.locator('[data-lead]').count()).toBe(tiles);
      await expect(page.locator('[data-panel="kpi"]')).toHaveAttribute('data-stale', 'true');
    });
    await expect(page.locator('[data-sync-state]')).toHaveAttribute('data-sync-state', 'live', { timeout: 15_000 });
  });

  test('says “offline since” within 50 s when the link goes silent instead of closing', async ({ page }) => {
    test.setTimeout(120_000);
    app = await startInProcess({ historyDays: 0, speed: 1, heartbeatMs: 15_000 }, { adversary: true });
    seedLeads(app, 2);
    await openWall(page, app);
    app.adversary!.inject({ kind: 'silence' });
    const t0 = Date.now();
    await expect(page.locator('[data-sync-state]')).toHaveAttribute('data-sync-state', 'offline', { timeout: 50_000 });
    expect(Date.now() - t0).toBeLessThan(50_000);
    await expect(page.locator('[data-lead]')).toHaveCount(2);
    app.adversary!.clear();
    // Back within a heartbeat (15 s) of the link speaking again.
    await expect(page.locator('[data-sync-state]')).toHaveAttribute('data-sync-state', 'live', { timeout: 20_000 });
  });

  for (const [w, h] of [
    [1920, 1080],
    [3840, 2160],
    [3440, 1440],
  ] as const) {
    test(`at ${w}×${h}: no scrollbars, no text under the floor, screenshot kept`, async ({ page }, info) => {
      app = await startInProcess({ historyDays: 3, leadsPerDay: 300, speed: 1 });
      await page.setViewportSize({ width: w, height: h });
      await openWall(page, app);
      await expect(page.locator('.trend-chart')).toHaveAttribute('data-points', '30');
      await page.waitForTimeout(500);
      const dims = await page.evaluate(() => ({ sh: document.documentElement.scrollHeight, sw: document.documentElement.scrollWidth, ih: innerHeight, iw: innerWidth }));
      expect(dims.sh).toBe(dims.ih);
      expect(dims.sw).toBe(dims.iw);
      const smallest = await page.evaluate(() => {
        let min = Infinity;
        let what = '';
        const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
        for (let n = walker.nextNode(); n; n = walker.nextNode()) {
          const el = n.parentElement!;
          if (!n.textContent?.trim()) continue;
          const r = el.getBoundingClientRect();
          if (r.width === 0 || r.height === 0) continue;
          // SVG text scales with its viewBox: there, the rendered size is the box height over the line height.
          const size = el.closest('svg') ? r.height / 1.2 : parseFloat(getComputedStyle(el).fontSize);
          if (size < min) [min, what] = [size, `${el.tagName}.${el.className} "${n.textContent.slice(0, 20)}"`];
        }
        return { min, what };
      });
      expect(smallest.min, smallest.what).toBeGreaterThanOrEqual(h / 60 - 0.5);
      await page.screenshot({ path: info.outputPath(`wall-${w}x${h}.png`) });
    });
  }

  test('speaks English when set, with every panel translated', async ({ page }) => {
    app = await startInProcess({ historyDays: 1, leadsPerDay: 100, speed: 1 });
    await openWall(page, app, '?lang=en');
    await expect(page.locator('.status-title')).toContainText('Funds early-warning command wall');
    await expect(page.locator('[data-kpi="faceToFace"] .kpi-label')).toHaveText('Face-to-face');
    const chrome = await page.locator('.panel-title, .kpi-label, .board th, .ticker-title, .map-legend').allInnerTexts();
    for (const text of chrome) expect(text, text).not.toMatch(/[\u4e00-\u9fff]/);
  });
});
