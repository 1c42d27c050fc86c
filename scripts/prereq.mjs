// What `npm test` needs from the machine beyond node_modules: Chromium (Playwright cannot download
// one here), CJK fonts (the wall is Chinese), pdftotext (the export test reads the minutes) and
// PostgreSQL's server binaries (the centre's store suite runs on a throwaway cluster).
// Checked before the long steps, so a machine without them learns it in a second, not after
// minutes of typecheck, lint and unit tests. As root with apt-get it installs them, as .ci/run
// does; otherwise it stops with one line naming the command to run.
// `node scripts/prereq.mjs` runs the check alone.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, readdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const INSTALL = 'apt-get install -y chromium fonts-noto-cjk poppler-utils postgresql';
const PACKAGES = ['chromium', 'fonts-noto-cjk', 'poppler-utils', 'postgresql'];

function executable(file) {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The first executable `name` on the given PATH, or null. */
export function which(name, env) {
  for (const dir of (env.PATH ?? '').split(delimiter)) if (dir && executable(join(dir, name))) return join(dir, name);
  return null;
}

/**
 * The folder of PostgreSQL's server binaries (initdb, pg_ctl, postgres): PG_BINDIR when set, else
 * the newest version Debian's postgresql package installed under /usr/lib/postgresql. Null if none.
 */
export function pgBinDir(env = process.env) {
  const has = (dir) => ['initdb', 'pg_ctl', 'postgres'].every((b) => executable(join(dir, b)));
  if (env.PG_BINDIR) return has(env.PG_BINDIR) ? env.PG_BINDIR : null;
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
  for (const v of versions) if (has(join(root, v, 'bin'))) return join(root, v, 'bin');
  return null;
}

/** What is missing, as the words for the message (empty when nothing is). */
export function missingPrereqs(env = process.env) {
  const missing = [];
  const chromium = env.CHROMIUM_PATH || '/usr/bin/chromium';
  if (!executable(chromium)) missing.push(env.CHROMIUM_PATH ? `Chromium (CHROMIUM_PATH=${chromium} is not an executable)` : `Chromium (${chromium})`);
  const fcList = which('fc-list', env);
  const fonts = fcList ? spawnSync(fcList, [':', 'family'], { encoding: 'utf8', env }).stdout ?? '' : '';
  if (!/Noto Sans CJK/i.test(fonts)) missing.push('CJK fonts (Noto Sans CJK)');
  if (!which('pdftotext', env)) missing.push('pdftotext');
  if (!pgBinDir(env)) missing.push(env.PG_BINDIR ? `PostgreSQL (PG_BINDIR=${env.PG_BINDIR} lacks initdb, pg_ctl or postgres)` : 'PostgreSQL (/usr/lib/postgresql/*/bin)');
  return missing;
}

function aptInstall(aptGet, env) {
  const opts = { stdio: 'inherit', env: { ...env, DEBIAN_FRONTEND: 'noninteractive' } };
  return spawnSync(aptGet, ['update', '-qq'], opts).status === 0 && spawnSync(aptGet, ['install', '-y', '-qq', ...PACKAGES], opts).status === 0;
}

/**
 * Checks the machine; installs what is missing when it can (root and apt-get on the PATH).
 * Returns the exit code: 0 when everything is there, else 1 after one line naming the command.
 */
export function ensurePrereqs({ env = process.env, isRoot = process.getuid?.() === 0, install = aptInstall, log = (l) => console.error(l), info = (l) => console.log(l) } = {}) {
  let missing = missingPrereqs(env);
  if (missing.length === 0) return 0;
  const aptGet = which('apt-get', env);
  if (isRoot && aptGet) {
    info(`missing ${missing.join(', ')}: installing with ${INSTALL} (as .ci/run does)`);
    install(aptGet, env);
    missing = missingPrereqs(env);
    if (missing.length === 0) return 0;
  }
  log(`npm test needs ${missing.join(', ')}: run \`${INSTALL}\` as root${missing.some((m) => m.startsWith('Chromium')) ? ' (or set CHROMIUM_PATH to a Chromium)' : ''}`);
  return 1;
}

// By name too: a bundle that includes this module (bench:province's, via tests/support/pg-cluster.ts)
// has its own URL as import.meta.url and must not run the check and exit in its place.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1] && /prereq\.mjs$/.test(process.argv[1])) process.exit(ensurePrereqs());
