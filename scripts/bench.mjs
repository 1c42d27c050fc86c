// npm run bench[:name]: bundles tests/bench/<name>.ts and runs it; each writes
// bench-results/<name>.json. With no name, runs every benchmark in turn. A benchmark that misses a
// goal (or fails) exits non-zero; the rest still run, and this exits non-zero naming each one.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const names = process.argv.slice(2).length ? process.argv.slice(2) : readdirSync('tests/bench').filter((f) => f.endsWith('.ts') && !f.includes('.worker') && !f.includes('.child')).map((f) => f.replace(/\.ts$/, ''));
mkdirSync('bench-results', { recursive: true });
// In this checkout's dist/, not node_modules/.cache: worktrees that share one node_modules must not
// overwrite each other's bundles while a benchmark runs.
const outdir = join('dist', 'bench');
const failed = [];
for (const name of names) {
  const entries = readdirSync('tests/bench').filter((f) => f === `${name}.ts` || f.startsWith(`${name}.worker`) || f.startsWith(`${name}.child`) || f === 'central.worker.ts').map((f) => join('tests/bench', f));
  await build({ entryPoints: entries, bundle: true, platform: 'node', format: 'esm', packages: 'external', outdir, logLevel: 'warning' });
  console.log(`\n=== bench ${name}`);
  const r = spawnSync(process.execPath, ['--expose-gc', join(outdir, `${name}.js`)], { stdio: 'inherit' });
  if (r.status !== 0) failed.push(`bench ${name} failed (exit ${r.status ?? r.signal}): see the goal lines above`);
}
for (const line of failed) console.error(line);
process.exit(failed.length ? 1 : 0);
