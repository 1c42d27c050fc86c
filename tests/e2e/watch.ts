// In-page timing for e2e claims (DOM types: kept apart from support.ts, which Node-only tests import).
import type { Page } from '@playwright/test';

/**
 * Starts watching the page for `selector` and returns a function that resolves with the machine
 * clock's time (ms) at which it first matched. The page records the moment itself, so a "within
 * N s" claim is measured to the millisecond rather than to a wait's polling step, and the wait
 * for it can be given a timeout well beyond the claim.
 */
export async function watchFor(page: Page, selector: string): Promise<(timeoutMs: number) => Promise<number>> {
  await page.evaluate((sel) => {
    const w = window as unknown as { seenAt?: Record<string, number> };
    const seen = (w.seenAt ??= {});
    const check = () => {
      if (seen[sel] === undefined && document.querySelector(sel)) seen[sel] = Date.now();
      if (seen[sel] !== undefined) observer.disconnect();
    };
    const observer = new MutationObserver(check);
    observer.observe(document, { subtree: true, childList: true, attributes: true, characterData: true });
    check();
  }, selector);
  return async (timeoutMs) => {
    const handle = await page.waitForFunction((sel) => (window as unknown as { seenAt: Record<string, number> }).seenAt[sel], selector, { timeout: timeoutMs });
    return (await handle.jsonValue()) as number;
  };
}
