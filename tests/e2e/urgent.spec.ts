// Urgent first, nothing hidden (issue 13, item 4): with 1,000 open leads from a fixture on a fixed
// clock, every lead is in the rotation, the panel counts them all, and a new urgent lead is a
// pinned tile on screen within 1 s of its commit at the centre, whatever page is showing.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { buildUnits } from '../../central/scenario.js';
import { DEFAULT_DISPLAY } from '../../shared/display.js';
import { FIXED_NOW, tempDir } from '../support/harness.js';
import { makeLead } from '../support/records.js';
import { startInProcess, type InProcess } from './support.js';

const MIN = 60_000;
const CLAIM_MS = 1_000;
const RISKS = ['medium', 'low', 'high', 'urgent'] as const;

/** 1,000 open leads over the last 7 h: most acknowledged, a few overdue, two still unacknowledged. */
function fixture(dir: string): string {
  const units = buildUnits(5);
  const beats = units.filter((u) => u.level === 'beat').map((u) => u.id);
  const lines = units.map((u) => JSON.stringify({ t: 'put', e: 'unit', id: u.id, d: u }));
  for (let i = 0; i < 1000; i++) {
    const issuedAt = FIXED_NOW - 7 * 60 * MIN + i * 25_000;
    const acked = i < 998;
    const lead = makeLead(`L-OPEN-${String(i).padStart(4, '0')}`, beats[i % beats.length]!, issuedAt, { riskLevel: RISKS[i % 4]!, ...(acked ? { phonedAt: issuedAt + 5 * MIN } : {}) });
    lines.push(JSON.stringify({ t: 'put', e: 'lead', id: lead.id, d: lead }));
  }
  const file = join(dir, 'open-1000.ndjson');
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

/** Records, in the page, when each tile first enters the DOM (epoch ms). */
async function watchTiles(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { tileSeen: Record<string, number> };
    w.tileSeen = {};
    const note = (n: Node) => {
      if (!(n instanceof HTMLElement)) return;
      for (const el of [n, ...n.querySelectorAll<HTMLElement>('[data-lead]')]) {
        const id = el.dataset['lead'];
        if (id && !(id in w.tileSeen)) w.tileSeen[id] = performance.timeOrigin + performance.now();
      }
    };
    new MutationObserver((ms) => ms.forEach((m) => m.addedNodes.forEach(note))).observe(document.body, { childList: true, subtree: true });
  });
}

test.describe('urgent first, nothing hidden', () => {
  let app: InProcess;
  const tmp = tempDir('guardpost-urgent-');
  test.afterEach(async () => {
    await app?.stop();
  });
  test.afterAll(() => tmp.remove());

  for (const [w, h] of [
    [1920, 1080],
    [3840, 2160],
  ] as const) {
    test(`at ${w}×${h}: counts all 1,000, pages through every one, and a new urgent lead is a pinned tile within 1 s`, async ({ page }, info) => {
      test.setTimeout(120_000);
      app = await startInProcess({ fixture: fixture(tmp.dir), historyDays: 0, speed: 0, now: FIXED_NOW });
      await page.setViewportSize({ width: w, height: h });
      await page.goto(`${app.host.url}#/wall`);
      await expect(page.locator('[data-sync-state]')).toHaveAttribute('data-sync-state', 'live', { timeout: 30_000 });
      const count = page.locator('[data-panel="countdowns"] [data-open-count]');
      await expect(count).toHaveAttribute('data-open-count', '1000', { timeout: 20_000 });
      // The two unacknowledged high/urgent leads are pinned on whatever page shows.
      await expect(page.locator('[data-lead][data-pinned="true"]')).toHaveCount(2);
      // The panel measures how many tiles fit, tells the core, and shows the pages of that size:
      // wait until what it shows is the core's paging for its measured size.
      const grid = page.locator('[data-panel="countdowns"] .tiles');
      const sized = async () => {
        const fit = Number(await grid.getAttribute('data-fit'));
        const cols = Number(await grid.getAttribute('data-cols'));
        const shownPages = Number(await page.locator('[data-pages]').getAttribute('data-pages'));
        return { fit, cols, shownPages, pages: (await app.core.handlers['countdowns:wall']({ fit, cols, page: 0 })).pages };
      };
      await expect.poll(async () => { const z = await sized(); return z.shownPages === z.pages; }, { timeout: 20_000 }).toBe(true);
      const { fit, cols, pages } = await sized();
      const cycle = Number(await page.locator('[data-pages]').getAttribute('data-cycle-seconds'));
      const shown = await page.locator('[data-lead]').count();
      // Every lead is on the pinned strip or on one page of the rotation: walk every page the core
      // serves for the panel's measured size (whatever page the fixed clock shows now, perhaps the
      // short last one) and collect the tiles.
      const seen = new Set<string>();
      for (let p = 0; p < pages; p++) {
        const screen = await app.core.handlers['countdowns:wall']({ fit, cols, page: p });
        expect(screen.pinned.length + screen.tiles.length, `page ${p}`).toBeLessThanOrEqual(fit);
        for (const t of [...screen.pinned, ...screen.tiles]) seen.add(t.id);
      }
      expect(seen.size).toBe(1000);
      expect(shown).toBeLessThanOrEqual(fit);
      expect(cycle).toBe(pages * DEFAULT_DISPLAY.tilePageSeconds);
      info.annotations.push({ type: 'rotation', description: `${w}×${h}: ${shown} tiles a screen, ${pages} pages, every lead within ${cycle} s` });

      // A wall that has been running: every panel filled and the page idle, before the lead arrives.
      // (The fixture's leads are all today's and the trend draws the 30 days before it: the panel says so.)
      await expect(page.locator('[data-trend-empty]')).toBeVisible();
      await page.evaluate(() => new Promise((r) => requestIdleCallback(r, { timeout: 3_000 })));
      await watchTiles(page);
      const elapsed: number[] = [];
      for (let k = 0; k < 3; k++) {
        const id = `L-NEW-URGENT-${k}`;
        const committedAt = Date.now();
        await app.centre.store.write([{ t: 'put', e: 'lead', d: makeLead(id, 'SZ-LG-S01-B1', FIXED_NOW + k * 1000, { riskLevel: 'urgent', personName: '李大海' }) }]);
        const tile = page.locator(`[data-lead="${id}"]`);
        await expect(tile).toBeVisible({ timeout: 5 * CLAIM_MS });
        await expect(tile).toHaveAttribute('data-pinned', 'true');
        elapsed.push((await page.evaluate((i) => (window as unknown as { tileSeen: Record<string, number> }).tileSeen[i]!, id)) - committedAt);
        await expect(count).toHaveAttribute('data-open-count', String(1001 + k));
      }
      // The newest is first of all tiles: urgent, unacknowledged, nobody has seen it yet.
      await expect(page.locator('[data-lead]').first()).toHaveAttribute('data-lead', 'L-NEW-URGENT-2');
      info.annotations.push({ type: 'commit→tile ms', description: elapsed.map((e) => e.toFixed(0)).join(', ') });
      await page.screenshot({ path: info.outputPath(`urgent-${w}x${h}.png`) });
      for (const e of elapsed) expect(e).toBeLessThan(CLAIM_MS);
    });
  }
});
