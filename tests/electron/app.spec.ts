// The Electron shell in the real Electron runtime: launch, the wall visible, crash recovery,
// navigation blocked. It runs wherever the runtime is installed and reports itself skipped,
// with the reason, where it is not (the runtime cannot be downloaded without internet access).
import { _electron as electron, expect, test } from '@playwright/test';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { electronRuntime } from '../../electron/runtime.js';
import { tempDir } from '../support/harness.js';
import { startInProcess, type InProcess } from '../e2e/support.js';

const runtime = electronRuntime();
const why = 'why' in runtime ? runtime.why : '';
if (why) console.log(`Electron suite skipped: ${why}`);

test.describe('the Electron shell', () => {
  test.skip(Boolean(why), `Electron runtime absent: ${why}`);
  let centre: InProcess;
  const tmp = tempDir('guardpost-electron-');
  test.afterEach(async () => centre?.stop());

  async function launch(...args: string[]) {
    return electron.launch({ executablePath: (runtime as { path: string }).path, args: [join('dist', 'electron', 'main.cjs'), ...args], env: { ...process.env, GUARDPOST_USER_DATA: tmp.dir } });
  }

  test('launches, shows the live wall, recovers from a renderer crash, and blocks navigation', async () => {
    centre = await startInProcess({ historyDays: 1, leadsPerDay: 100 });
    writeFileSync(join(tmp.dir, 'config.json'), JSON.stringify({ central: { url: centre.centre.url }, profiles: [{ name: 'wall', screen: 0, route: '#/wall', mode: 'window' }] }));
    const setter = await launch('--set-token', centre.centre.token);
    await setter.waitForEvent('close');
    const app = await launch();
    const page = await app.firstWindow();
    await expect(page.locator('[data-sync-state="live"]')).toBeVisible({ timeout: 30_000 });
    await expect(page.locator('[data-kpi]')).toHaveCount(8);
    await page.evaluate(() => (location.href = 'https://example.com/'));
    await expect(page).toHaveURL(/^guardpost:\/\/app\//);
    await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0]!.webContents.forcefullyCrashRenderer());
    await expect(page.locator('[data-sync-state="live"]')).toBeVisible({ timeout: 30_000 });
    await app.close();
  });

  test('opens the live wall from the flags npm start passes, without config.json, and has no menu in kiosk', async () => {
    centre = await startInProcess({ historyDays: 1, leadsPerDay: 100 });
    const fresh = tempDir('guardpost-electron-flags-');
    try {
      const app = await electron.launch({
        executablePath: (runtime as { path: string }).path,
        args: [join('dist', 'electron', 'main.cjs'), '--central', centre.centre.url, '--token', centre.centre.token, '--data-dir', join(fresh.dir, 'replica')],
        env: { ...process.env, GUARDPOST_USER_DATA: fresh.dir },
      });
      const page = await app.firstWindow();
      await expect(page.locator('[data-sync-state="live"]')).toBeVisible({ timeout: 30_000 });
      await app.close();
      // A kiosk profile: no application menu, and a closed window comes back.
      writeFileSync(join(fresh.dir, 'config.json'), JSON.stringify({ central: { url: centre.centre.url }, profiles: [{ name: 'wall', screen: 0, route: '#/wall', mode: 'kiosk' }] }));
      const kiosk = await electron.launch({
        executablePath: (runtime as { path: string }).path,
        args: [join('dist', 'electron', 'main.cjs'), '--central', centre.centre.url, '--token', centre.centre.token],
        env: { ...process.env, GUARDPOST_USER_DATA: fresh.dir },
      });
      await kiosk.firstWindow();
      expect(await kiosk.evaluate(({ Menu }) => Menu.getApplicationMenu())).toBeNull();
      await kiosk.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0]!.close());
      await expect.poll(() => kiosk.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows().length), { timeout: 15_000 }).toBe(1);
      await kiosk.close();
    } finally {
      fresh.remove();
    }
  });

  test('shows a bad config.json on the first-run screen with the file, key and reason', async () => {
    const bad = tempDir('guardpost-electron-bad-');
    try {
      writeFileSync(join(bad.dir, 'config.json'), JSON.stringify({ central: { url: 'http://127.0.0.1:1' }, profiles: [{ name: 'a', screen: 0, route: '#/wall', mode: 'kiosk', colour: 1 }] }));
      const app = await electron.launch({ executablePath: (runtime as { path: string }).path, args: [join('dist', 'electron', 'main.cjs')], env: { ...process.env, GUARDPOST_USER_DATA: bad.dir } });
      const page = await app.firstWindow();
      await expect(page.locator('[data-screen="setup"][data-why="bad-config"]')).toBeVisible({ timeout: 30_000 });
      await expect(page.locator('[data-setup-error]')).toHaveText(`${join(bad.dir, 'config.json')}: profiles.0.colour: unknown key`);
      await app.close();
    } finally {
      bad.remove();
    }
  });
});
