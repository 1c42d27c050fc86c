// `npm test`'s check of the machine (scripts/prereq.mjs): a missing browser, font or pdftotext
// stops the run at once with one line naming the install command, or is installed as root.
import { spawnSync } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
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
  for (const [name, out] of Object.entries(tools)) {
    const file = join(tmp.dir, name);
    writeFileSync(file, `#!/bin/sh\nprintf '%s\\n' '${out}'\n`);
    chmodSync(file, 0o755);
  }
  return tmp.dir;
}
const FONTS = 'Noto Sans CJK SC,Noto Sans CJK SC Regular';

describe('npm test on a machine without its browser', () => {
  it('stops at once with one line naming the command, exit 1 (the script as npm test runs it)', () => {
    const bin = fakeBin({ 'fc-list': FONTS, pdftotext: '' });
    const t0 = performance.now();
    const r = spawnSync(process.execPath, ['scripts/prereq.mjs'], { encoding: 'utf8', env: { PATH: bin, CHROMIUM_PATH: join(bin, 'no-chromium') } });
    const elapsed = performance.now() - t0;
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trimEnd().split('\n')).toEqual([`npm test needs Chromium (CHROMIUM_PATH=${join(bin, 'no-chromium')} is not an executable): run \`apt-get install -y chromium fonts-noto-cjk poppler-utils\` as root (or set CHROMIUM_PATH to a Chromium)`]);
    // "At once": a node start-up, not minutes of typecheck and tests (the limit is generous for a loaded machine).
    expect(elapsed).toBeLessThan(10_000);
  });

  it('names every missing piece in the one line', () => {
    const bin = fakeBin({});
    const lines: string[] = [];
    const code = ensure({ env: { PATH: bin, CHROMIUM_PATH: join(bin, 'chromium') }, isRoot: false, install: () => expect.fail('not root: must not install'), log: (l) => lines.push(l), info: () => {} });
    expect(code).toBe(1);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('Chromium (CHROMIUM_PATH=');
    expect(lines[0]).toContain('CJK fonts (Noto Sans CJK)');
    expect(lines[0]).toContain('pdftotext');
    expect(lines[0]).toContain(`\`${INSTALL}\``);
  });

  it('as root with apt-get, installs, and goes on when the install brought everything', () => {
    const bin = fakeBin({ 'fc-list': FONTS, pdftotext: '', 'apt-get': '' });
    const chromium = join(bin, 'chromium');
    const env: Env = { PATH: bin, CHROMIUM_PATH: chromium };
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
    const bin = fakeBin({ 'fc-list': 'DejaVu Sans', pdftotext: '', 'apt-get': '' });
    const lines: string[] = [];
    let installed = 0;
    const code = ensure({ env: { PATH: bin, CHROMIUM_PATH: '/bin/sh' }, isRoot: true, install: () => installed++, log: (l) => lines.push(l), info: () => {} });
    expect(installed).toBe(1);
    expect(code).toBe(1);
    expect(lines).toEqual([`npm test needs CJK fonts (Noto Sans CJK): run \`${INSTALL}\` as root`]);
  });

  it('finds nothing missing on a machine that has it all (this one, as npm test requires)', () => {
    expect(missing(process.env)).toEqual([]);
  });
});
