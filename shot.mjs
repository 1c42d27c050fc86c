import { chromium } from '@playwright/test';
const b = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox','--disable-gpu','--disable-background-networking','--disable-component-update','--disable-sync','--no-first-run'] });
for (const [w, h] of [[1920, 1080], [3840, 2160]]) {
  const p = await b.newPage({ viewport: { width: w, height: h } });
  p.on('console', m => m.type() === 'error' && console.log('console:', m.text()));
  p.on('pageerror', e => console.log('pageerror:', e.message));
  await p.goto('http://127.0.0.1:4555/#/wall');
  await p.waitForSelector('[data-sync-state="live"]', { timeout: 30000 });
  await p.waitForTimeout(2500);
  await p.screenshot({ path: `/tmp/wall-${w}.png` });
  console.log(w, await p.evaluate(() => [document.documentElement.scrollHeight, innerHeight, document.documentElement.scrollWidth, innerWidth]));
}
await b.close();
