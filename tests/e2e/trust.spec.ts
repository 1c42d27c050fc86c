// The wall never shows a guess as a fact (issue 13): with the replica's disk full during the
// first sync it names the fault (not "offline") and shows "no data yet", never 0 or ¥0; once
// the disk has room it fills. Offline, a panel's age is when the centre last confirmed the data.
import { expect, test } from '@playwright/test';
import { startInProcess, type InProcess } from './support.js';

let app: InProcess | null = null;
test.afterEach(async () => {
  await app?.stop();
  app = null;
});

test('a full disk during the first sync is named, figures say no data yet, and it fills when there is room; offline the age is the last confirmation', async ({ page }) => {
  test.setTimeout(90_000);
  app = await startInProcess({ historyDays: 1, leadsPerDay: 150, speed: 1 }, {
    // A real SQLITE_FULL: the replica may not grow beyond its empty schema.
    beforeStart: (core) => void core.replica.db.pragma(`max_page_count = ${core.replica.db.pragma('page_count', { simple: true }) as number}`),
  });
  await page.goto(`${app.host.url}#/wall`);
  await expect(page.locator('[data-sync-state]')).toHaveAttribute('data-local-fault', 'disk_full', { timeout: 20_000 });
  await expect(page.locator('.sync-label')).toHaveText(/磁盘已满/);
  await expect(page.locator('.sync-label')).not.toHaveText(/离线/);
  for (const kind of ['kpi', 'map', 'countdowns', 'branch-board', 'station-board', 'trend']) {
    await expect(page.locator(`[data-panel="${kind}"]`)).toHaveAttribute('data-no-data', 'true');
    await expect(page.locator(`[data-panel="${kind}"] .empty`)).toHaveText('尚无数据：首次同步未完成');
  }
  await expect(page.locator('[data-kpi]')).toHaveCount(0);
  await expect(page.locator('[data-open-count]')).toHaveCount(0);

  app.core.replica.db.pragma('max_page_count = 1073741823');
  await expect(page.locator('[data-sync-state]')).toHaveAttribute('data-sync-state', 'live', { timeout: 20_000 });
  await expect(page.locator('[data-sync-state]')).toHaveAttribute('data-local-fault', '');
  await expect(page.locator('[data-kpi]')).toHaveCount(8);

  const core = app.core;
  await app.restartCentre(async () => {
    await expect(page.locator('[data-sync-state]')).toHaveAttribute('data-sync-state', 'offline', { timeout: 5_000 });
    const confirmed = core.sync.status.confirmedAt!;
    await expect(page.locator('[data-data-age]')).toHaveAttribute('data-confirmed-at', String(confirmed));
    await expect(page.locator('[data-panel="kpi"] .panel-age')).toHaveAttribute('data-as-of', String(confirmed));
  });
});
