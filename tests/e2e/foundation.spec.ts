import { expect, test } from '@playwright/test';
import { FIXED_NOW } from '../support/harness.js';
import { makeLead } from '../support/records.js';
import { runStart, startInProcess } from './support.js';

test('npm start prints a URL within 30 s and the page shows the demo centre’s leads, live', async ({ page }, info) => {
  const app = await runStart(['--browser', '--history-days', '2']);
  try {
    expect(app.elapsedMs).toBeLessThan(30_000);
    expect(app.output()).toMatch(/Browser host \(not the Electron window\): .+\./);
    await page.goto(app.url + '#/wall');
    await expect(page.locator('[data-sync-state]')).toHaveAttribute('data-sync-state', 'live', { timeout: 20_000 });
    await expect(page.locator('[data-lead]').first()).toBeVisible();
    expect(await page.locator('[data-lead]').count()).toBeGreaterThan(5);
    await expect(page.locator('.status-time')).toHaveText(/^\d\d:\d\d:\d\d$/);
    await page.screenshot({ path: info.outputPath('foundation-1920x1080.png') });
  } finally {
    await app.stop();
  }
});

test('a lead written at the centre appears on screen, pushed by db:changed', async ({ page }) => {
  const app = await startInProcess({ now: FIXED_NOW, speed: 1, historyDays: 0 });
  app.centre.store.write([{ t: 'put', e: 'lead', d: makeLead('L-E2E-BASE', 'SZ-FT-S01-B1', app.centre.clock()) }]);
  try {
    await page.goto(app.host.url + '#/wall');
    await expect(page.locator('[data-sync-state="live"]')).toBeVisible({ timeout: 20_000 });
    const id = 'L-E2E-0001';
    await expect(page.locator(`[data-lead="${id}"]`)).toHaveCount(0);
    app.centre.store.write([{ t: 'put', e: 'lead', d: makeLead(id, 'SZ-FT-S01-B1', app.centre.clock(), { riskLevel: 'urgent', personName: '张三丰' }) }]);
    const tile = page.locator(`[data-lead="${id}"]`);
    await expect(tile).toBeVisible({ timeout: 2_000 });
    await expect(tile).toContainText('张**');
    await expect(tile).not.toContainText('张三丰');
  } finally {
    await app.stop();
  }
});
