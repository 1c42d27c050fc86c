import { defineConfig } from '@playwright/test';

// Debian's Chromium: Playwright cannot download its own browsers on a machine without internet.
export const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

export default defineConfig({
  // The browser-host suite in Debian's Chromium, the browser half of the security suite (its
  // *.test.ts files run under vitest), and the Electron suite (skipped, with the reason, where
  // the Electron runtime is not installed).
  projects: [
    { name: 'browser-host', testDir: 'tests/e2e' },
    { name: 'security', testDir: 'tests/security', testMatch: '*.spec.ts' },
    { name: 'electron', testDir: 'tests/electron' },
  ],
  outputDir: 'test-results',
  timeout: 60_000,
  expect: { timeout: 10_000 },
  workers: 1,
  reporter: [['list'], ['json', { outputFile: 'reports/playwright.json' }]],
  use: {
    browserName: 'chromium',
    launchOptions: {
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    },
    viewport: { width: 1920, height: 1080 },
  },
});
