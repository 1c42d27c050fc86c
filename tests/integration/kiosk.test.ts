// The browser host's kiosk, with a real Chromium on the real host: a page whose script hangs
// is replaced, a browser that is killed is launched again, and each time the wall comes back
// live. (A page that still runs script but stops drawing is the host's own watchdog's job: see
// the e2e `unattended.spec.ts`.)
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, symlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { startKiosk, type Kiosk } from '../../electron/host/kiosk.js';
import { startInProcess, type InProcess } from '../e2e/support.js';
import { FIXED_NOW, tempDir } from '../support/harness.js';

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
let app: InProcess;
let kiosk: Kiosk;
const tmp = tempDir('guardpost-kiosk-');
const logs: string[] = [];

/** The kiosk's options for these tests: headless, probed every 0.5 s, hung after 3 s. */
const options = (profileDir: string) => ({
  url: `${app.host.url}#/wall`,
  chromium: CHROMIUM,
  profileDir,
  args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--window-size=1280,720'],
  probeMs: 500,
  hungMs: 3_000,
  log: (m: string) => logs.push(m),
});

/** Waits until the wall in this kiosk's page is live (the kiosk's log is in the error if not). */
const live = (k: Kiosk, what: string) =>
  vi.waitFor(
    async () => {
      const state = await k.evaluate(`document.querySelector('[data-sync-state]')?.getAttribute('data-sync-state') ?? null`, 2_000);
      expect(state, `${what}; kiosk log: ${logs.join(' | ')}`).toBe('live');
    },
    { timeout: 30_000, interval: 200 },
  );

/** Waits until the kiosk has replaced its browser n times, and returns the restarts. */
const restarts = (n: number) =>
  vi.waitFor(
    () => {
      expect(kiosk.restarts(), `kiosk log: ${logs.join(' | ')}`).toHaveLength(n);
      return kiosk.restarts();
    },
    { timeout: 15_000, interval: 200 },
  );

beforeAll(async () => {
  // The centre's clock starts at a fixed time (running at real speed): nothing here depends on the hour.
  app = await startInProcess({ historyDays: 0, speed: 1, now: FIXED_NOW });
  kiosk = startKiosk(options(join(tmp.dir, 'profile')));
  await live(kiosk, 'the wall goes live in the kiosk');
});

afterAll(async () => {
  await kiosk?.close();
  await app?.stop();
  tmp.remove();
});

it('replaces a page whose script hangs, and the wall comes back live', async () => {
  const before = kiosk.pid();
  // The page's main thread never returns: no reload frame from the host could reach it.
  await kiosk.evaluate('setTimeout(() => { for (;;) {} }, 0); 1');
  const [first] = await restarts(1);
  expect(first!.reason).toMatch(/hung/);
  await live(kiosk, 'the wall is live again in a new browser');
  expect(kiosk.pid()).not.toBe(before);
});

it('launches the browser again when it is killed', async () => {
  const pid = kiosk.pid()!;
  process.kill(pid, 'SIGKILL');
  const [, second] = await restarts(2);
  expect(second!.reason).toMatch(/exited \(SIGKILL\)/);
  await live(kiosk, 'the wall is live again');
  expect(kiosk.pid()).not.toBe(pid);
});

it('closes a kiosk browser left over from an earlier run that still holds the profile', async () => {
  // An earlier run of the app was killed without closing its browser. Headless Chromium takes no
  // profile lock, so the left-over browser is played by a process with the same command line, and
  // the lock is the one a windowed Chromium writes: a link to "host-pid".
  const profileDir = join(tmp.dir, 'profile-2');
  mkdirSync(profileDir, { recursive: true });
  const left = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', '--', `--user-data-dir=${profileDir}`], { stdio: 'ignore' });
  const leftExit = new Promise<string | null>((r) => left.once('exit', (_code, signal) => r(signal)));
  symlinkSync(`${hostname()}-${left.pid}`, join(profileDir, 'SingletonLock'));
  const second = startKiosk(options(profileDir));
  try {
    expect(await leftExit).toBe('SIGKILL');
    expect(logs.some((l) => l.includes(`(pid ${left.pid})`))).toBe(true);
    await live(second, 'the new kiosk shows the wall');
    expect(second.restarts()).toEqual([]);
  } finally {
    await second.close();
    left.kill('SIGKILL');
  }
});

it('npm start refuses a kiosk browser it cannot find, naming it, before anything starts', () => {
  const run = (...args: string[]) => spawnSync(process.execPath, [join('dist', 'node', 'start.js'), ...args], { encoding: 'utf8', timeout: 20_000 });
  const missing = run('--kiosk', '--chromium', '/nonexistent/chromium');
  expect(missing.status).toBe(2);
  expect(missing.stderr).toContain('--kiosk: no browser at /nonexistent/chromium');
  expect(missing.stdout).not.toContain('demo centre');
  const alone = run('--chromium', CHROMIUM);
  expect(alone.status).toBe(2);
  expect(alone.stderr).toContain('--chromium goes with --kiosk');
});
