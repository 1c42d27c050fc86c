// The alert map and the trend in Chromium against the reference centre: real district outlines
// shaded in graded bins with a legend, labels that never collide and are never cut, English
// names in English; the trend's axes hold every day's value.
import { expect, test, type Page } from '@playwright/test';
import { FIXED_NOW } from '../support/harness.js';
import { startInProcess, type InProcess } from './support.js';

type Box = { id: string; text: string; x: number; y: number; w: number; h: number };

async function labelBoxes(page: Page): Promise<{ labels: Box[]; map: { x: number; y: number; w: number; h: number } }> {
  return page.evaluate(() => {
    const svg = document.querySelector('[data-panel="map"] svg')!.getBoundingClientRect();
    const labels = [...document.querySelectorAll('[data-panel="map"] [data-label]')].map((el) => {
      const r = el.getBoundingClientRect();
      return { id: el.getAttribute('data-label')!, text: el.textContent ?? '', x: r.x, y: r.y, w: r.width, h: r.height };
    });
    return { labels, map: { x: svg.x, y: svg.y, w: svg.width, h: svg.height } };
  });
}

function collisions(labels: Box[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < labels.length; i++)
    for (let j = i + 1; j < labels.length; j++) {
      const [a, b] = [labels[i]!, labels[j]!];
      if (a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h) out.push(`${a.text} × ${b.text}`);
    }
  return out;
}

test.describe('the alert map', () => {
  let app: InProcess;
  test.afterEach(async () => {
    await app?.stop();
  });

  for (const [w, h] of [
    [1920, 1080],
    [3840, 2160],
  ] as const) {
    for (const lang of ['zh-CN', 'en'] as const) {
      test(`at ${w}×${h} in ${lang}: ten districts in graded bins, labels apart and whole`, async ({ page }, info) => {
        app = await startInProcess({ historyDays: 31, leadsPerDay: 300, speed: 1, now: FIXED_NOW });
        await page.setViewportSize({ width: w, height: h });
        await page.goto(`${app.host.url}#/wall${lang === 'en' ? '?lang=en' : ''}`);
        await expect(page.locator('[data-sync-state]')).toHaveAttribute('data-sync-state', 'live', { timeout: 30_000 });
        await expect(page.locator('[data-panel="map"] [data-label]')).toHaveCount(10, { timeout: 20_000 });
        // The whole wall has today's figures (the screenshot shows one moment, all panels agreeing).
        await expect(page.locator('[data-panel="branch-board"] [data-rank]').first()).toHaveAttribute('data-rank', /\d/, { timeout: 20_000 });
        const branches = await app.core.handlers['map:features']({});
        // Shaded: the branches at or over the rankings' minimum volume (default 5 leads).
        const values = branches.branches.flatMap((b) => (b.indicators.leads >= 5 && b.indicators.faceToFace.value !== null ? [b.indicators.faceToFace.value] : []));
        // Branches whose values differ are told apart: as many bins as the values span, up to five.
        const bins = await page.locator('[data-panel="map"] path.district[data-bin]').evaluateAll((els) => els.map((e) => e.getAttribute('data-bin')).filter((b) => b !== ''));
        expect(bins.length).toBe(values.length);
        if (new Set(values).size > 1) expect(new Set(bins).size).toBeGreaterThan(1);
        await expect(page.locator('.map-legend .legend-swatch[class*="bin-"]')).toHaveCount(5);
        await expect(page.locator('.map-legend .legend-note')).toBeVisible();

        // Labels: none overlaps another, each lies whole inside the map.
        const { labels, map } = await labelBoxes(page);
        expect(collisions(labels)).toEqual([]);
        for (const l of labels) {
          expect(l.x, l.text).toBeGreaterThanOrEqual(map.x - 1);
          expect(l.x + l.w, l.text).toBeLessThanOrEqual(map.x + map.w + 1);
          expect(l.y, l.text).toBeGreaterThanOrEqual(map.y - 1);
          expect(l.y + l.h, l.text).toBeLessThanOrEqual(map.y + map.h + 1);
        }
        if (lang === 'en') {
          const names = labels.map((l) => l.text);
          for (const n of ['Longgang', 'Luohu', 'Futian', 'Pingshan', 'Dapeng']) expect(names.some((t) => t.startsWith(n)), n).toBe(true);
          await expect(page.locator('.map-legend .legend-note')).toContainText('approximate');
        }
        // The trend's axes hold every day's value (none clipped off the chart). The trend panel
        // refreshes at most every 10 s, so it may still show what it read while catching up: wait
        // until its axes are those of the whole history, then check every day against them.
        const trend = (await app.core.handlers['trends:get']({ days: 31 })).slice(0, -1);
        const domains = async () => {
          const d = (name: string) => page.locator('.trend-chart').getAttribute(name).then((v) => (v ?? '').split(',').map(Number));
          return { victim: await d('data-victim-domain'), f2f: await d('data-f2f-domain') };
        };
        const clipped = async () => {
          const { victim, f2f } = await domains();
          return trend.filter((p) => (p.victimisation.value !== null && p.victimisation.value * 100 > victim[1]!) || (p.faceToFace.value !== null && p.faceToFace.value * 100 < f2f[0]!)).map((p) => p.day);
        };
        await expect.poll(clipped, { timeout: 30_000 }).toEqual([]);
        await page.screenshot({ path: info.outputPath(`map-${lang}-${w}x${h}.png`) });
      });
    }
  }
});
