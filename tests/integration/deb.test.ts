// The wall PC's package (`npm run dist:host`, README "Install on a wall PC"), installed on this
// machine with dpkg as a bureau's IT staff would: the installed `guardpost`, run as the service
// user with the installed configuration, shows the wall live from the reference centre in
// Chromium; killed, it comes back from its replica with the same figures while the centre is
// down; an upgrade keeps configuration and replica; removal keeps them; purge removes them and
// the user. Needs dpkg and root (as in CI); elsewhere skipped, saying why.
import { chromium, type Browser, type Page } from '@playwright/test';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import playwrightConfig from '../../playwright.config.js';
import { writeFixtureDay, type FixtureLine } from '../support/fixture-day.js';
import { tempDir } from '../support/harness.js';

const H = 3_600_000;
const has = (cmd: string) => spawnSync(cmd, ['--version'], { stdio: 'ignore' }).status === 0;
const installed = () => spawnSync('dpkg-query', ['-W', '-f=${Status}', 'guardpost'], { encoding: 'utf8' }).stdout.includes('installed');

const why = !has('dpkg')
  ? 'dpkg is absent: the package is for Debian-family systems'
  : process.getuid?.() !== 0
    ? 'not root: installing a package needs root (CI runs as root)'
    : installed()
      ? 'a guardpost package is already installed on this machine; this test would replace and purge it'
      : null;

const run = (cmd: string, args: string[]) => {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status ?? r.signal}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout + r.stderr;
};

/** Starts a process and resolves with the first match of `pattern` in its output. */
function launch(cmd: string, args: string[], pattern: RegExp, env: NodeJS.ProcessEnv = process.env): Promise<{ child: ChildProcess; match: RegExpExecArray; output: () => string }> {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${cmd}: nothing matching ${pattern} within 60 s; output:\n${out}`)), 60_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = pattern.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, match: m, output: () => out });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${cmd} exited (${code ?? signal}) before printing ${pattern}; output:\n${out}`));
    });
  });
}

const exited = (child: ChildProcess) => new Promise<void>((r) => (child.exitCode !== null || child.signalCode !== null ? r() : child.once('exit', () => r())));

// A past day of the seeded scenario, reviewed the morning after: the review's figures are frozen
// at 08:00 that morning, so the wall shows the same figures from its replica whatever the
// machine's clock says after the restart (live, the app keeps the centre's fixed clock).
const DAY = 24 * H;
const SHANGHAI = 8 * H;
const DAY_START = Math.floor((Date.now() - 7 * DAY + SHANGHAI) / DAY) * DAY - SHANGHAI;
const NOW = DAY_START + 33 * H; // 09:00 the morning after
const CUTOFF = DAY_START + 32 * H;
const DATE = new Date(DAY_START + SHANGHAI).toISOString().slice(0, 10);
const TOKEN = 'wall-token-deb-test';
const CONF = '/etc/guardpost/guardpost.conf';

describe.skipIf(why)(`the wall PC's .deb${why ? ` — skipped: ${why}` : ''}`, () => {
  const tmp = tempDir('guardpost-deb-');
  let deb = '';
  let buildMs = 0;
  let fixture: FixtureLine[] = [];
  let centre: ChildProcess | null = null;
  let centreUrl = '';
  let app: ChildProcess | null = null;
  let browser: Browser;
  let page: Page;

  /** The installed command, as the service runs it: user guardpost, the installed configuration. */
  const startInstalled = async () => {
    const started = await launch('setpriv', ['--reuid=guardpost', '--regid=guardpost', '--init-groups', '/usr/bin/guardpost', '--browser'], /Open (http:\/\/\S+)/, {
      PATH: '/usr/bin:/bin',
      HOME: '/var/lib/guardpost',
      GUARDPOST_CONF: CONF,
    });
    app = started.child;
    return started;
  };
  const kill = async () => {
    const a = app!;
    a.kill('SIGKILL');
    await exited(a);
    expect(a.signalCode).toBe('SIGKILL');
    app = null;
  };
  /** Opens the review of the fixture day on the URL the host printed (kept whole: it may carry a key). */
  const review = async (printed: string, state: 'live' | 'offline') => {
    const url = new URL(printed);
    url.hash = `/review?date=${DATE}`;
    await page.goto(url.toString());
    await page.locator(`[data-sync-state="${state}"]`).waitFor({ timeout: 30_000 });
    await page.locator(`.review-cutoff[data-cutoff="${CUTOFF}"]`).waitFor({ timeout: 30_000 });
    await expect.poll(() => page.locator('[data-kpi]').count(), { timeout: 30_000 }).toBe(8);
  };
  const figures = () => page.locator('[data-kpi]').evaluateAll((els) => els.map((e) => `${e.getAttribute('data-kpi')}=${e.getAttribute('data-value')}`));

  beforeAll(async () => {
    const t0 = Date.now();
    run(process.execPath, ['scripts/dist-host.mjs', '--out', tmp.dir]);
    buildMs = Date.now() - t0;
    const arch = run('dpkg', ['--print-architecture']).trim();
    deb = join(tmp.dir, `guardpost_${JSON.parse(readFileSync('package.json', 'utf8')).version}_${arch}.deb`);
    const file = join(tmp.dir, 'day.ndjson');
    fixture = writeFixtureDay(file, DAY_START, NOW);
    const c = await launch(process.execPath, [join('dist', 'node', 'central.js'), '--port', '0', '--fixture', file, '--history-days', '0', '--speed', '0', '--now', String(NOW), '--token', TOKEN, '--heartbeat-ms', '1000'], /centre listening on (\S+)/);
    centre = c.child;
    centreUrl = c.match[1]!;
    browser = await chromium.launch(playwrightConfig.use!.launchOptions);
    page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    if (app) await kill().catch(() => {});
    centre?.kill('SIGKILL');
    // Leaves the machine as it found it, whatever failed above.
    if (installed() || existsSync('/etc/guardpost')) spawnSync('dpkg', ['--purge', 'guardpost'], { stdio: 'ignore' });
    tmp.remove();
  }, 60_000);

  it('builds one self-contained .deb: the app, its runtime packages, this Node; depends on chromium and fonts only', () => {
    const info = run('dpkg-deb', ['-f', deb, 'Package', 'Depends']);
    expect(info).toMatch(/^Package: guardpost$/m);
    expect(info).toMatch(/^Depends: chromium, fonts-noto-cjk$/m);
    const files = run('dpkg-deb', ['-c', deb]);
    for (const f of ['./usr/bin/guardpost', './usr/lib/guardpost/node', './usr/lib/guardpost/dist/node/start.js', './usr/lib/guardpost/dist/renderer/index.html', './usr/lib/guardpost/node_modules/better-sqlite3/build/Release/better_sqlite3.node', './lib/systemd/system/guardpost.service']) {
      expect(files).toContain(f);
    }
    // Dev tools and the UI's packages (bundled into dist/renderer) stay out.
    for (const dev of ['typescript', 'vite', 'electron', 'esbuild', 'react', 'prebuild-install']) expect(files).not.toContain(`/node_modules/${dev}/`);
    const size = statSync(deb).size;
    console.log(`deb: ${(size / 1e6).toFixed(1)} MB, built in ${(buildMs / 1000).toFixed(1)} s`);
    expect(size).toBeLessThan(80e6);
  });

  it('installs the command, the configuration (token readable only by root and guardpost), the user and a valid unit', () => {
    // Not configured yet: the install says what to set.
    expect(run('dpkg', ['-i', deb])).toContain('set CENTRAL_URL in /etc/guardpost/guardpost.conf');
    expect(installed()).toBe(true);
    expect(run('dpkg-query', ['-W', '-f=${Conffiles}', 'guardpost'])).toMatch(/\/etc\/guardpost\/guardpost\.conf[\s\S]*\/etc\/guardpost\/display\.json/);
    const gid = Number(run('getent', ['group', 'guardpost']).split(':')[2]);
    expect(run('getent', ['passwd', 'guardpost'])).toMatch(/^guardpost:x:\d+:\d+:[^:]*:\/var\/lib\/guardpost:\/usr\/sbin\/nologin$/m);
    const token = statSync('/etc/guardpost/token');
    expect({ mode: (token.mode & 0o777).toString(8), uid: token.uid, gid: token.gid }).toEqual({ mode: '640', uid: 0, gid });
    const state = statSync('/var/lib/guardpost');
    expect((state.mode & 0o777).toString(8)).toBe('750');
    // The installed runtime is the one this suite runs on.
    expect(run('/usr/lib/guardpost/node', ['--version']).trim()).toBe(process.version);
    expect(run('/usr/bin/guardpost', ['--help'])).toContain('--kiosk');
    const verify = spawnSync('systemd-analyze', ['verify', '/lib/systemd/system/guardpost.service'], { encoding: 'utf8' });
    if (verify.error) console.log(`systemd-analyze not available: ${verify.error.message}`);
    else expect(`${verify.status} ${verify.stdout}${verify.stderr}`.trim()).toBe('0');
    const unit = readFileSync('/lib/systemd/system/guardpost.service', 'utf8');
    expect(unit).toMatch(/^ExecStart=\/usr\/bin\/guardpost --kiosk$/m);
    expect(unit).toMatch(/^Restart=always$/m);
    expect(unit).toMatch(/^User=guardpost$/m);
    expect(existsSync('/etc/systemd/system/graphical.target.wants/guardpost.service')).toBe(true);
  });

  it('refuses to start without a centre or a token, saying which file to edit', () => {
    const r = spawnSync('setpriv', ['--reuid=guardpost', '--regid=guardpost', '--init-groups', '/usr/bin/guardpost', '--browser'], { encoding: 'utf8', env: { PATH: '/usr/bin:/bin', GUARDPOST_CONF: CONF }, timeout: 30_000 });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`${CONF}: CENTRAL_URL is empty`);
  });

  let before: string[] = [];
  it('shows the wall live from the centre; killed, it comes back from its replica with the same figures while the centre is down', async () => {
    writeFileSync(CONF, readFileSync(CONF, 'utf8').replace(/^CENTRAL_URL=.*$/m, `CENTRAL_URL=${centreUrl}`));
    writeFileSync('/etc/guardpost/token', `${TOKEN}\n`);
    const first = await startInstalled();
    // The token was handed over inside the process, never on its command line.
    expect(readFileSync(`/proc/${first.child.pid}/cmdline`, 'utf8')).not.toContain(TOKEN);
    await page.goto(first.match[1]!);
    await page.locator('[data-sync-state="live"]').waitFor({ timeout: 60_000 });
    await expect.poll(() => page.locator('[data-kpi]').count(), { timeout: 30_000 }).toBe(8);
    await review(first.match[1]!, 'live');
    before = await figures();
    // The figures are the fixture's, not an empty replica's: face-to-face = met / issued, by 08:00.
    const leads = fixture.filter((l) => l.e === 'lead').map((l) => l.d as { issuedAt: number; metAt?: number | null; voided: boolean });
    const issued = leads.filter((l) => !l.voided && l.issuedAt >= DAY_START && l.issuedAt < DAY_START + DAY && l.issuedAt <= CUTOFF);
    const met = issued.filter((l) => typeof l.metAt === 'number' && l.metAt <= CUTOFF);
    expect(issued.length).toBeGreaterThan(100);
    expect(Number(before.find((f) => f.startsWith('faceToFace='))!.split('=')[1])).toBeCloseTo(met.length / issued.length, 12);

    await kill();
    centre!.kill('SIGTERM');
    await exited(centre!);
    const second = await startInstalled();
    await review(second.match[1]!, 'offline');
    expect(await figures()).toEqual(before);
    await kill();
  }, 240_000);

  it('an upgrade keeps the configuration, the token and the replica', async () => {
    // The same package as a newer version, as the next release would be.
    const tree = join(tmp.dir, 'next');
    run('dpkg-deb', ['-R', deb, tree]);
    const control = join(tree, 'DEBIAN', 'control');
    writeFileSync(control, readFileSync(control, 'utf8').replace(/^Version: (.*)$/m, 'Version: $1+next1'));
    const next = join(tmp.dir, 'next.deb');
    run('dpkg-deb', ['--root-owner-group', '-Znone', '--build', tree, next]);
    const conf = readFileSync(CONF, 'utf8');
    expect(run('dpkg', ['-i', next])).not.toContain('set CENTRAL_URL'); // configured: nothing to say
    expect(run('dpkg-query', ['-W', '-f=${Version}', 'guardpost'])).toMatch(/\+next1$/);
    expect(readFileSync(CONF, 'utf8')).toBe(conf);
    expect(readFileSync('/etc/guardpost/token', 'utf8')).toBe(`${TOKEN}\n`);
    const again = await startInstalled();
    await review(again.match[1]!, 'offline');
    expect(await figures()).toEqual(before);
    await kill();
  }, 240_000);

  it('removal keeps the configuration and the replica; purge removes them, the unit’s links and the user', () => {
    run('dpkg', ['-r', 'guardpost']);
    expect(existsSync('/usr/bin/guardpost')).toBe(false);
    expect(existsSync('/usr/lib/guardpost')).toBe(false);
    expect(existsSync('/lib/systemd/system/guardpost.service')).toBe(false);
    expect(readFileSync(CONF, 'utf8')).toContain(`CENTRAL_URL=${centreUrl}`);
    expect(existsSync('/etc/guardpost/token')).toBe(true);
    expect(existsSync('/var/lib/guardpost/replica.db')).toBe(true);
    run('dpkg', ['--purge', 'guardpost']);
    expect(installed()).toBe(false);
    for (const gone of ['/etc/guardpost', '/var/lib/guardpost', '/etc/systemd/system/graphical.target.wants/guardpost.service']) expect(existsSync(gone), gone).toBe(false);
    expect(spawnSync('getent', ['passwd', 'guardpost']).status).not.toBe(0);
    expect(spawnSync('getent', ['group', 'guardpost']).status).not.toBe(0);
  });
});
