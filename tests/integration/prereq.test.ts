// `npm test`'s check of the machine (scripts/prereq.mjs): a missing browser, font, pdftotext or
// PostgreSQL stops the run at once with one line naming the install command, or is installed as root.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
// @ts-expect-error -- a plain .mjs script, no declarations
import { ensurePrereqs, INSTALL, missingPrereqs } from '../../scripts/prereq.mjs';
import { tempDir } from '../support/harness.js';

type Env = Record<string, string | undefined>;
const ensure = ensurePrereqs as (o: { env: Env; isRoot: boolean; install: (aptGet: string, env: Env) => void; log: (l: string) => void; info: (l: string) => void }) => number;
const missing = missingPrereqs as (env: Env) => string[];

let cleanup: (() => void)[] = [];
afterEach(() => {
  for (const f of cleanup.reverse()) f();
  cleanup = [];
});

/** A folder of fake tools for PATH: each prints `out` (fc-list) or just exists. */
function fakeBin(tools: Record<string, string>): string {
  const tmp = tempDir('guardpost-prereq-');
  cleanup.push(() => tmp.remove());
  fakeBinAt(tmp.dir, tools);
  return tmp.dir;
}
function fakeBinAt(dir: string, tools: Record<string, string>): void {
  mkdirSync(dir, { recursive: true });
  for (const [name, out] of Object.entries(tools)) {
    const file = join(dir, name);
    writeFileSync(file, `#!/bin/sh\nprintf '%s\\n' '${out}'\n`);
    chmodSync(file, 0o755);
  }
}
const FONTS = 'Noto Sans CJK SC,Noto Sans CJK SC Regular';
/** PostgreSQL's server binaries, as fakes in the folder (PG_BINDIR points there). */
const PG = { initdb: '', pg_ctl: '', postgres: '' };

describe('npm test on a machine without its browser', () => {
  it('stops at once with one line naming the command, exit 1 (the script as npm test runs it)', () => {
    const bin = fakeBin({ 'fc-list': FONTS, pdftotext: '', ...PG });
    const t0 = performance.now();
    const r = spawnSync(process.execPath, ['scripts/prereq.mjs'], { encoding: 'utf8', env: { PATH: bin, CHROMIUM_PATH: join(bin, 'no-chromium'), PG_BINDIR: bin } });
    const elapsed = performance.now() - t0;
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trimEnd().split('\n')).toEqual([`npm test needs Chromium (CHROMIUM_PATH=${join(bin, 'no-chromium')} is not an executable): run \`apt-get install -y chromium fonts-noto-cjk poppler-utils postgresql\` as root (or set CHROMIUM_PATH to a Chromium)`]);
    // "At once": a node start-up, not minutes of typecheck and tests (the limit is generous for a loaded machine).
    expect(elapsed).toBeLessThan(10_000);
  });

  it('names every missing piece in the one line', () => {
    const bin = fakeBin({});
    const lines: string[] = [];
    const code = ensure({ env: { PATH: bin, CHROMIUM_PATH: join(bin, 'chromium'), PG_BINDIR: join(bin, 'no-postgresql') }, isRoot: false, install: () => expect.fail('not root: must not install'), log: (l) => lines.push(l), info: () => {} });
    expect(code).toBe(1);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('Chromium (CHROMIUM_PATH=');
    expect(lines[0]).toContain('CJK fonts (Noto Sans CJK)');
    expect(lines[0]).toContain('pdftotext');
    expect(lines[0]).toContain(`PostgreSQL (PG_BINDIR=${join(bin, 'no-postgresql')} lacks initdb, pg_ctl or postgres)`);
    expect(lines[0]).toContain(`\`${INSTALL}\``);
  });

  it('as root with apt-get, installs, and goes on when the install brought everything', () => {
    const bin = fakeBin({ 'fc-list': FONTS, pdftotext: '', 'apt-get': '', ...PG });
    const chromium = join(bin, 'chromium');
    const env: Env = { PATH: bin, CHROMIUM_PATH: chromium, PG_BINDIR: bin };
    const installs: string[] = [];
    const lines: string[] = [];
    const code = ensure({
      env,
      isRoot: true,
      // Stands in for apt-get: puts the browser where the check looks.
      install: (aptGet) => {
        installs.push(aptGet);
        writeFileSync(chromium, '#!/bin/sh\n');
        chmodSync(chromium, 0o755);
      },
      log: (l) => lines.push(l),
      info: () => {},
    });
    expect(installs).toEqual([join(bin, 'apt-get')]);
    expect(code).toBe(0);
    expect(lines).toEqual([]);
    expect(missing(env)).toEqual([]);
  });

  it('as root, stops with the one line when the install did not help', () => {
    const bin = fakeBin({ 'fc-list': 'DejaVu Sans', pdftotext: '', 'apt-get': '', ...PG });
    const lines: string[] = [];
    let installed = 0;
    const code = ensure({ env: { PATH: bin, CHROMIUM_PATH: '/bin/sh', PG_BINDIR: bin }, isRoot: true, install: () => installed++, log: (l) => lines.push(l), info: () => {} });
    expect(installed).toBe(1);
    expect(code).toBe(1);
    expect(lines).toEqual([`npm test needs CJK fonts (Noto Sans CJK): run \`${INSTALL}\` as root`]);
  });

  it('without PostgreSQL and not root: one line naming it and the command; as root it installs postgresql with the rest', () => {
    const bin = fakeBin({ 'fc-list': FONTS, pdftotext: '', 'apt-get': '' });
    const env: Env = { PATH: bin, CHROMIUM_PATH: '/bin/sh', PG_BINDIR: join(bin, 'pg') };
    const lines: string[] = [];
    expect(ensure({ env, isRoot: false, install: () => expect.fail('not root: must not install'), log: (l) => lines.push(l), info: () => {} })).toBe(1);
    expect(lines).toEqual([`npm test needs PostgreSQL (PG_BINDIR=${join(bin, 'pg')} lacks initdb, pg_ctl or postgres): run \`${INSTALL}\` as root`]);
    expect(INSTALL).toContain(' postgresql');
    let installed = 0;
    const code = ensure({
      env,
      isRoot: true,
      // Stands in for apt-get: puts the server binaries where the check looks.
      install: () => {
        installed++;
        fakeBinAt(join(bin, 'pg'), PG);
      },
      log: (l) => lines.push(l),
      info: () => {},
    });
    expect({ installed, code }).toEqual({ installed: 1, code: 0 });
  });

  it('finds nothing missing on a machine that has it all (this one, as npm test requires)', () => {
    expect(missing(process.env)).toEqual([]);
  });
});
