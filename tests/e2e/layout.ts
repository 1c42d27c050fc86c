// Layout checks for the browser tests (DOM code: compiled with the e2e tsconfig only).
import type { Page } from '@playwright/test';

/**
 * The wall's layout, measured: every panel (and the status bar) whose content is larger than
 * its box — text or a table pushed past the edge, cut off by `overflow: hidden` — and whether
 * the page itself scrolls or the status bar leaves the viewport.
 */
export async function layoutFaults(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const out: string[] = [];
    const d = document.documentElement;
    if (d.scrollWidth > innerWidth || d.scrollHeight > innerHeight) out.push(`page scrolls: ${d.scrollWidth}×${d.scrollHeight} in ${innerWidth}×${innerHeight}`);
    for (const el of document.querySelectorAll<HTMLElement>('[data-panel], .status-bar')) {
      const name = el.dataset['panel'] ?? el.className;
      if (el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1) out.push(`${name}: content ${el.scrollWidth}×${el.scrollHeight} in ${el.clientWidth}×${el.clientHeight}`);
    }
    const bar = document.querySelector('.status-bar');
    if (!bar) out.push('no status bar');
    // An unattended wall drifts the whole picture a few pixels against burn-in (Scenes.tsx): measure without it.
    const drift = document.querySelector('.unattended');
    const m = drift ? new DOMMatrix(getComputedStyle(drift).transform === 'none' ? undefined : getComputedStyle(drift).transform) : new DOMMatrix();
    for (const el of bar ? [bar, ...bar.children] : []) {
      const r = el.getBoundingClientRect();
      const [left, top, right, bottom] = [r.left - m.e, r.top - m.f, r.right - m.e, r.bottom - m.f];
      if (left < -0.5 || top < -0.5 || right > innerWidth + 0.5 || bottom > innerHeight + 0.5) out.push(`status bar ${el.className} outside the viewport: ${JSON.stringify({ left, top, right, bottom })}`);
    }
    return out;
  });
}
