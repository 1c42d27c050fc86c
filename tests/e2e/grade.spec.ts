// Issue 15 item 1 on the wall as a duty officer reads it: every tile shows its grade and its top
// reasons whole (never cut with an ellipsis) on a 1080p screen and a 4K wall, with the demo's
// leads, and the reasons shown are those the core sent.
import { expect, test } from '@playwright/test';
import { FIXED_NOW } from '../support/harness.js';
import { startInProcess, type InProcess } from './support.js';

let app: InProcess | undefined;
test.afterEach(async () => {
  await app?.stop();
  app = undefined;
});

for (const [w, h, lang] of [
  [1920, 1080, 'zh-CN'],
  [3840, 2160, 'zh-CN'],
  [1920, 1080, 'en'],
] as const) {
  test(`at ${w}×${h} in ${lang} every tile's grade and top reasons are readable whole`, async ({ page }, info) => {
    app = await startInProcess({ historyDays: 1, leadsPerDay: 300, speed: 1, now: FIXED_NOW });
    await page.setViewportSize({ width: w, height: h });
    await page.goto(`${app.host.url}#/wall${lang === 'en' ? '?lang=en' : ''}`);
    await expect(page.locator('[data-sync-state]')).toHaveAttribute('data-sync-state', 'live', { timeout: 20_000 });
    await expect.poll(() => page.locator('[data-lead] [data-grade]').count(), { timeout: 20_000 }).toBeGreaterThan(3);
    const grades = () =>
      page.locator('[data-lead] [data-grade]').evaluateAll((els) =>
        els.map((el) => {
          const box = el as HTMLElement;
          const reasons = el.getAttribute('data-reasons')!.split(' ').filter(Boolean);
          const r = box.getBoundingClientRect();
          return {
            lead: el.closest('[data-lead]')!.getAttribute('data-lead'),
            reasons: reasons.length,
            shown: el.querySelectorAll('[data-reason]').length,
            // Whole: nothing of the text lies beyond the box, and the box lies inside its tile.
            cut: box.scrollWidth > box.clientWidth + 1 || r.right > el.closest('[data-lead]')!.getBoundingClientRect().right + 1,
            text: box.textContent,
          };
        }),
      );
    await page.screenshot({ path: info.outputPath(`grade-${lang}-${w}x${h}.png`) });
    await expect.poll(async () => (await grades()).filter((g) => g.cut || g.shown !== g.reasons), { timeout: 10_000 }).toEqual([]);
    expect((await grades()).some((g) => g.reasons === 2)).toBe(true);
  });
}
