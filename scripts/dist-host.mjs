// `npm run dist:host`: the browser host and its kiosk as one Debian package for a wall PC,
// release/guardpost_<version>_<arch>.deb, installable offline. It holds the built app
// (dist/node/start.js, dist/renderer), the Node packages start.js loads at run time (and theirs),
// better-sqlite3 as scripts/setup.mjs built it for this Node, and this Node itself: the runtime
// the app was built and tested with (Debian 12's own nodejs is 18, too old). It depends only on
// Debian's chromium and fonts-noto-cjk. Packaging files: packaging/deb/. README "Install on a
// wall PC".
//
//   node scripts/dist-host.mjs [--out DIR]     (npm run dist:host builds the app first)
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { build as esbuild } from 'esbuild';
import { dirname, join, relative, resolve } from 'node:path';

const t0 = Date.now();
const args = process.argv.slice(2);
let outDir = 'release';
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--out' && args[i + 1]) outDir = args[++i];
  else fail(`unknown argument ${JSON.stringify(args[i])} (usage: node scripts/dist-host.mjs [--out DIR])`);
}

function fail(message) {
  console.error(`dist:host: ${message}`);
  process.exit(1);
}

for (const tool of ['dpkg', 'dpkg-deb']) {
  if (spawnSync(tool, ['--version'], { stdio: 'ignore' }).status !== 0) fail(`${tool} is not installed: a .deb is built on a Debian-family system`);
}
for (const f of ['dist/node/start.js', 'dist/renderer/index.html']) {
  if (!existsSync(f)) fail(`${f} is missing: build the app first (npm run build, or npm run dist:host which builds it)`);
}
const SQLITE_NODE = 'node_modules/better-sqlite3/build/Release/better_sqlite3.node';
if (!existsSync(SQLITE_NODE)) fail(`${SQLITE_NODE} is missing: run npm run setup, which builds it for this Node`);

const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
const version = pkg.version;
const arch = execFileSync('dpkg', ['--print-architecture'], { encoding: 'utf8' }).trim();
const stage = mkdtempSync(join(tmpdir(), 'guardpost-deb-'));
chmodSync(stage, 0o755); // the package's root directory
const lib = join(stage, 'usr/lib/guardpost');
const P = 'packaging/deb';

try {
  // The app, without source maps (nothing in the package reads them).
  const noMaps = (f) => !f.endsWith('.map');
  mkdirSync(join(lib, 'dist/node'), { recursive: true });
  copyFileSync('dist/node/start.js', join(lib, 'dist/node/start.js'));
  cpSync('dist/renderer', join(lib, 'dist/renderer'), { recursive: true, filter: noMaps });
  writeFileSync(join(lib, 'package.json'), JSON.stringify({ name: 'guardpost', version, private: true, type: 'module' }, null, 2) + '\n');
  copyFileSync(join(P, 'launch.mjs'), join(lib, 'launch.mjs'));

  // This Node. Symbols and debug sections removed (as Debian's own packages do); the code is
  // the same, and it is the one the package is tested with.
  const node = join(lib, 'node');
  if (spawnSync('strip', ['--version'], { stdio: 'ignore' }).status === 0) execFileSync('strip', ['-o', node, process.execPath]);
  else {
    console.log('dist:host: strip (binutils) is not installed: the Node runtime is packaged with its symbols (about 12 MB more)');
    copyFileSync(process.execPath, node);
  }
  chmodSync(node, 0o755);

  const modules = await copyRuntimeModules(lib);

  // Proof the packaged tree is whole: the bundled Node, from the staged files only, uses the
  // native module and both exporters, and the command loads the whole app (--help).
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
  const check = spawnSync(
    node,
    [
      '--input-type=module',
      '-e',
      `const { default: Database } = await import('better-sqlite3');
       const db = new Database(':memory:'); db.prepare('select sqlite_version() v').get(); db.close();
       const { default: ExcelJS } = await import('exceljs');
       const wb = new ExcelJS.Workbook(); wb.addWorksheet('t').addRow(['测试', 1]); await wb.xlsx.writeBuffer();
       const { default: PDFDocument } = await import('pdfkit');
       await new Promise((ok, no) => { const d = new PDFDocument(); d.on('data', () => {}); d.on('end', ok); d.on('error', no); d.text('ok'); d.end(); });`,
    ],
    { cwd: lib, encoding: 'utf8', env },
  );
  if (check.status !== 0) fail(`the staged packages do not work on the bundled Node:\n${check.stderr || check.stdout}`);
  const help = spawnSync(node, [join(lib, 'launch.mjs'), '--help'], { cwd: stage, encoding: 'utf8', env });
  if (help.status !== 0 || !help.stdout.includes('--kiosk')) fail(`the staged command does not start:\n${help.stderr || help.stdout}`);

  const nodeInfo = JSON.parse(execFileSync(node, ['-p', 'JSON.stringify({ node: process.version, modules: process.versions.modules })'], { encoding: 'utf8' }));
  writeFileSync(join(lib, 'build-info.json'), JSON.stringify({ guardpost: version, arch, node: nodeInfo.node, nodeAbi: nodeInfo.modules, nodeFrom: process.execPath, modules }, null, 2) + '\n');

  // The command, the service, the configuration and the documentation.
  install(join(P, 'guardpost'), 'usr/bin/guardpost', 0o755);
  install(join(P, 'guardpost.service'), 'lib/systemd/system/guardpost.service', 0o644);
  install(join(P, 'guardpost.conf'), 'etc/guardpost/guardpost.conf', 0o644);
  install(join(P, 'display.json'), 'etc/guardpost/display.json', 0o644);
  install('README.md', 'usr/share/doc/guardpost/README.md', 0o644);

  const installedKb = duKb(stage);
  mkdirSync(join(stage, 'DEBIAN'));
  writeFileSync(
    join(stage, 'DEBIAN/control'),
    [
      'Package: guardpost',
      `Version: ${version}`,
      `Architecture: ${arch}`,
      'Maintainer: Guardpost project <guardpost@localhost>',
      `Installed-Size: ${installedKb}`,
      // Node and better-sqlite3 are inside; they need only libc and libstdc++, which every
      // Debian system has (both are Priority: required).
      'Depends: chromium, fonts-noto-cjk',
      'Section: misc',
      'Priority: optional',
      `Description: ${pkg.description}`,
      ` Guardpost's browser host and kiosk: the wall shows the centre's early-warning`,
      ` leads live from a local replica, full-screen in Chromium, started at boot by`,
      ` guardpost.service. Bundles Node.js ${nodeInfo.node}; fetches nothing at install or run time.`,
      '',
    ].join('\n'),
  );
  writeFileSync(join(stage, 'DEBIAN/conffiles'), '/etc/guardpost/guardpost.conf\n/etc/guardpost/display.json\n');
  for (const s of ['postinst', 'prerm', 'postrm']) install(join(P, s), `DEBIAN/${s}`, 0o755);

  mkdirSync(outDir, { recursive: true });
  const deb = join(outDir, `guardpost_${version}_${arch}.deb`);
  // gzip: every dpkg reads it (older UOS and Kylin dpkg cannot read zstd), and it builds in
  // seconds where xz takes minutes on a busy two-core machine, for about a third more size.
  execFileSync('dpkg-deb', ['--root-owner-group', '-Zgzip', '-z9', '--build', stage, deb], { stdio: ['ignore', 'ignore', 'inherit'] });
  const mb = (n) => `${(n / 1e6).toFixed(1)} MB`;
  console.log(`dist:host: ${deb} (${mb(statSync(deb).size)}; ${mb(installedKb * 1024)} installed; Node ${nodeInfo.node}; ${modules.length} packages) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
} finally {
  rmSync(stage, { recursive: true, force: true });
}

function install(from, to, mode) {
  const dest = join(stage, to);
  mkdirSync(dirname(dest), { recursive: true });
  copyFileSync(from, dest);
  chmodSync(dest, mode);
}

function duKb(dir) {
  let bytes = 0;
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else bytes += statSync(p).size;
    }
  };
  walk(dir);
  return Math.ceil(bytes / 1024);
}

/**
 * Copies the packages start.js imports, and their dependencies, from node_modules into the
 * package, keeping npm's nested layout. Only what runs: the UI's packages (React, Recharts…)
 * are already bundled into dist/renderer, and the dev tools are not needed at all.
 */
async function copyRuntimeModules(dest) {
  // Only what runs on the wall; each left out for the reason given.
  const skipDeps = { 'better-sqlite3': ['prebuild-install'] }; // fetches prebuilt binaries at install time
  const skipPaths = {
    'better-sqlite3': ['deps', 'src', 'build'], // SQLite's sources and the build tree; the binary is added below
    exceljs: ['dist'], // browser bundles; Node loads lib/
  };
  // The packages start.js imports, as esbuild itself resolved them (reading the bundle's text
  // would mistake a string that happens to say `from '…'`, such as SQL, for an import).
  const { metafile } = await esbuild({ entryPoints: ['electron/start.ts'], bundle: true, platform: 'node', format: 'esm', packages: 'external', write: false, metafile: true, logLevel: 'silent' });
  const roots = new Set();
  for (const input of Object.values(metafile.inputs)) {
    for (const imp of input.imports) {
      if (!imp.external || imp.path.startsWith('node:')) continue;
      const spec = imp.path;
      roots.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]);
    }
  }
  const root = resolve('node_modules');
  const seen = new Map(); // package dir (absolute) → name
  const resolveFrom = (fromDir, name) => {
    for (let d = fromDir; d.startsWith(root); d = dirname(d)) {
      const candidate = join(d, d === root ? '' : 'node_modules', name);
      if (existsSync(join(candidate, 'package.json'))) return candidate;
      if (d === root) break;
    }
    return null;
  };
  const visit = (dir, name, from) => {
    if (seen.has(dir)) return;
    seen.set(dir, name);
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    const optional = Object.keys(manifest.optionalDependencies ?? {});
    for (const dep of Object.keys({ ...manifest.dependencies, ...manifest.optionalDependencies })) {
      if (skipDeps[name]?.includes(dep)) continue;
      const found = resolveFrom(dir, dep);
      if (!found) {
        if (optional.includes(dep)) continue; // an optional dependency npm did not install here
        fail(`${dep}, needed by ${name} (${from}), is not in node_modules: run npm ci`);
      }
      visit(found, dep, `${from} → ${dep}`);
    }
  };
  for (const name of roots) {
    const dir = resolveFrom(root, name);
    if (!dir) fail(`${name}, imported by dist/node/start.js, is not in node_modules: run npm ci`);
    visit(dir, name, name);
  }
  for (const [dir, name] of seen) {
    const to = join(dest, 'node_modules', relative(root, dir));
    const skip = (skipPaths[name] ?? []).map((p) => join(dir, p));
    cpSync(dir, to, {
      recursive: true,
      dereference: true,
      // Type declarations, TypeScript sources, source maps and READMEs: nothing at run time reads
      // them (licences stay).
      filter: (f) => !skip.includes(f) && !(f !== dir && f.startsWith(join(dir, 'node_modules'))) && !/\.([cm]?ts|map|md)$/i.test(f),
    });
  }
  // The native module as scripts/setup.mjs built it for this Node.
  mkdirSync(join(dest, 'node_modules/better-sqlite3/build/Release'), { recursive: true });
  copyFileSync(SQLITE_NODE, join(dest, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node'));
  return [...seen].map(([dir, name]) => `${name}@${JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).version}`).sort();
}
