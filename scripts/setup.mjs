// Install scripts are off (.npmrc), so this does the two things they would have done:
// 1. build better-sqlite3 for this Node (needed everywhere; from source when no prebuilt binary
//    can be fetched), and
// 2. try once to fetch the Electron runtime; on a machine without internet access that fails,
//    and the app uses the browser host instead (README: "Why the Electron runtime may be absent").
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

function sqliteLoads() {
  const r = spawnSync(process.execPath, ['-e', "new (require('better-sqlite3'))(':memory:').prepare('select 1').get()"], { encoding: 'utf8' });
  return r.status === 0;
}

if (!sqliteLoads()) {
  console.log('setup: building better-sqlite3 for this Node…');
  execFileSync(npm, ['rebuild', 'better-sqlite3', '--ignore-scripts=false'], { stdio: 'inherit' });
  if (!sqliteLoads()) {
    console.error('setup: better-sqlite3 still does not load after the rebuild; see the output above');
    process.exit(1);
  }
}

const marker = 'node_modules/.cache/guardpost/electron-absent';
// Not require('electron'): that tries a download of its own when the runtime is missing.
const electronDir = dirname(require.resolve('electron/package.json'));
const pathFile = join(electronDir, 'path.txt');
const electronReady = existsSync(pathFile) && existsSync(join(electronDir, 'dist', readFileSync(pathFile, 'utf8').trim()));
if (!electronReady && !existsSync(marker)) {
  const r = spawnSync(process.execPath, [join(electronDir, 'install.js')], { encoding: 'utf8', timeout: 120_000 });
  if (r.status === 0) console.log('setup: Electron runtime installed');
  else {
    const lines = `${r.stderr ?? ''}\n${r.stdout ?? ''}`.split('\n').map((l) => l.trim());
    const why = lines.find((l) => /error|failed|ENOTFOUND|EAI_AGAIN/i.test(l)) ?? lines.find((l) => l) ?? 'unknown error';
    mkdirSync('node_modules/.cache/guardpost', { recursive: true });
    writeFileSync(marker, `${new Date().toISOString()} ${why}\n`);
    console.log(`setup: the Electron runtime could not be downloaded (${why.trim()}); the app will use the browser host. Delete ${marker} to try again.`);
  }
} else if (!electronReady) {
  console.log(`setup: Electron runtime absent (${readFileSync(marker, 'utf8').trim()}); browser host only`);
}
