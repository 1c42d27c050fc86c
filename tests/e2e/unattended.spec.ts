// Unattended operation: scenes rotate with their own dwell times, a new urgent lead interrupts
// and holds the wall until acknowledged, then the rotation resumes; each display's heartbeat
// reaches the centre with its data age.
import { expect, test, type Page } from '@playwright/test';
import { DEFAULT_DISPLAY } from '../../shared/display.js';
import { FIXED_NOW } from '../support/harness.js';
import { makeLead } from '../support/records.js';
import { startInProcess, type InProcess } from './support.js';

let app: InProcess;
test.afterEach(async () => app?.stop());

/** The scene shown (with `:interrupt` while an urgent lead holds it) and when it changed, over `ms`. */
async function sceneTimeline(page: Page, ms: number): Promise<{ scene: string; at: number }[]> {
  return page.evaluate(async (ms) => {
    const out: { scene: string; at: number }[] = [];
    const t0 = performance.now();
    while (performance.now() - t0 < ms) {
      const el = document.querySelector('[data-scene]');
      const scene = `${el?.getAttribute('data-scene') ?? ''}${el?.getAttribute('data-interrupt') === 'true' ? ':interrupt' : ''}`;
      if (out.at(-1)?.scene !== scene) out.push({ scene, at: Math.round(performance.now() - t0) });
      await new Promise((r) => setTimeout(r, 100));
    }
    return out;
  }, ms);
}

test('scenes rotate with two dwell times; an urgent lead interrupts, holds until acknowledged, then the rotation resumes', async ({ page }) => {
  app = await startInProcess({ historyDays: 1, leadsPerDay: 100, speed: 1, now: FIXED_NOW });
  await page.goto(`${app.host.url}#/wall?scenes=wall:4,map:2`);
  await expect(page.locator('[data-sync-state]')).toHaveAttribute('data-sync-state', 'live', { timeout: 20_000 });
  const timeline = await sceneTimeline(page, 13_000);
  const changes = timeline.slice(1);
  expect(changes.map((c) => c.scene).slice(0, 3)).toEqual(['map', 'wall', 'map']);
  const dwell = (i: number) => changes[i + 1]!.at - changes[i]!.at;
  expect(dwell(0)).toBeGreaterThan(1_500); // map: 2 s
  expect(dwell(0)).toBeLessThan(3_200);
  expect(dwell(1)).toBeGreaterThan(3_500); // wall: 4 s
  expect(dwell(1)).toBeLessThan(5_200);

  await expect(page.locator('[data-scene="map"]')).toBeVisible({ timeout: 6_000 });
  await app.centre.store.write([{ t: 'put', e: 'lead', d: makeLead('L-INTERRUPT', 'SZ-FT-S01-B1', app.centre.clock(), { riskLevel: 'urgent' }) }]);
  await expect(page.locator('[data-scene="wall"][data-interrupt="true"]')).toBeVisible({ timeout: 10_000 });
  // Watched for longer than both dwell times: the interrupted wall holds throughout.
  expect(await sceneTimeline(page, 5_000)).toEqual([{ scene: 'wall:interrupt', at: 0 }]);
  await page.keyboard.press('Space');
  await expect(page.locator('[data-scene]')).toHaveAttribute('data-interrupt', 'false');
  await expect(page.locator('[data-scene="map"]')).toBeVisible({ timeout: 6_000 });
});

test('a display’s heartbeat reaches the centre with its data age, and the wall shows its own health', async ({ page }) => {
  app = await startInProcess({ historyDays: 1, leadsPerDay: 100, speed: 1, now: FIXED_NOW });
  await page.goto(`${app.host.url}#/wall`);
  await expect(page.locator('[data-sync-state]')).toHaveAttribute('data-sync-state', 'live', { timeout: 20_000 });
  await expect
    .poll(async () => {
      const r = await fetch(`${app.centre.url}/v1/displays`, { headers: { Authorization: `Bearer ${app.centre.token}` } });
      return ((await r.json()) as { displays: { clientId: string; dataAgeMs: number | null; state: string }[] }).displays;
    }, { timeout: 10_000 })
    .toEqual([expect.objectContaining({ clientId: app.core.local.clientId, state: 'live', dataAgeMs: expect.any(Number) })]);
  await expect(page.locator('[data-health]')).toContainText(/内存 \d+MB · 心跳 \d\d:\d\d/);
});

test('the browser host reloads a page that has stopped drawing', async ({ page }) => {
  app = await startInProcess({ historyDays: 0, speed: 1 });
  await page.goto(`${app.host.url}#/wall?alive=300`);
  await expect(page.locator('[data-sync-state]')).toHaveAttribute('data-sync-state', 'live', { timeout: 20_000 });
  await page.evaluate(() => {
    (window as unknown as { marker: boolean }).marker = true;
    // Rendering stops: no more animation frames are drawn.
    window.requestAnimationFrame = () => 0;
  });
  await page.waitForEvent('load', { timeout: 10_000 });
  await expect(page.locator('[data-sync-state]')).toHaveAttribute('data-sync-state', 'live', { timeout: 20_000 });
  expect(await page.evaluate(() => (window as unknown as { marker?: boolean }).marker)).toBeUndefined();
});

test('night mode dims the wall inside its hours and not outside them', async ({ page }) => {
  // The centre's clock starts at 12:00 Shanghai (FIXED_NOW), whatever the hour this runs; the wall
  // follows the centre's clock, so one window holds its noon and the other does not.
  const inside = { ...DEFAULT_DISPLAY, night: { from: '11:00', to: '13:00', brightness: 0.6 } };
  app = await startInProcess({ historyDays: 0, speed: 1, now: FIXED_NOW }, { display: inside });
  await page.goto(`${app.host.url}#/wall`);
  await expect(page.locator('[data-sync-state]')).toHaveAttribute('data-sync-state', 'live', { timeout: 20_000 });
  const wall = page.locator('.unattended');
  await expect(wall).toHaveAttribute('data-night', 'true');
  // The dimming fades in over 5 s.
  await expect.poll(() => wall.evaluate((el) => getComputedStyle(el).filter), { timeout: 10_000 }).toBe('brightness(0.6)');
  await app.stop();

  const outside = { ...DEFAULT_DISPLAY, night: { from: '13:00', to: '14:00', brightness: 0.6 } };
  app = await startInProcess({ historyDays: 0, speed: 1, now: FIXED_NOW }, { display: outside });
  await page.goto(`${app.host.url}#/wall`);
  await expect(page.locator('[data-sync-state]')).toHaveAttribute('data-sync-state', 'live', { timeout: 20_000 });
  await expect(wall).toHaveAttribute('data-night', 'false');
  expect(await wall.evaluate((el) => getComputedStyle(el).filter)).toBe('none');
});
