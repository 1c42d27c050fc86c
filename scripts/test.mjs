// `npm test`: everything a newcomer must see pass, in order, stopping at the first failure:
// setup, typecheck (every tsconfig), lint (zero warnings), unit and integration tests (vitest),
// build, and the e2e suite in Chromium (Playwright). Ends with one summary line. First of all it
// checks the machine (scripts/prereq.mjs): without Chromium, CJK fonts or pdftotext it installs
// them as root, or stops at once with the command to run.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { ensurePrereqs } from './prereq.mjs';

const prereqs = ensurePrereqs();
if (prereqs !== 0) process.exit(prereqs);

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
rmSync('reports', { recursive: true, force: true });
mkdirSync('reports', { recursive: true });

function step(name, cmd, args, env = {}) {
  console.log(`\n=== ${name}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, ...env } });
  if (r.status !== 0) {
    console.error(`\n${name} failed (exit ${r.status ?? r.signal})`);
    process.exit(r.status || 1);
  }
}

step('setup', process.execPath, ['scripts/setup.mjs']);
step('typecheck', npm, ['run', '--silent', 'typecheck']);
step('lint', npm, ['run', '--silent', 'lint']);
// Built before the tests: some run the built entry points as a user would.
step('build', process.execPath, ['scripts/build.mjs']);
step('unit and integration', 'npx', ['vitest', 'run', '--reporter=default', '--reporter=json', '--outputFile.json=reports/vitest.json']);
step('e2e (Chromium)', 'npx', ['playwright', 'test']);

const counts = { passed: 0, failed: 0, skipped: 0 };
if (existsSync('reports/vitest.json')) {
  const v = JSON.parse(readFileSync('reports/vitest.json', 'utf8'));
  counts.passed += v.numPassedTests;
  counts.failed += v.numFailedTests;
  counts.skipped += v.numPendingTests + v.numTodoTests;
}
if (existsSync('reports/playwright.json')) {
  const p = JSON.parse(readFileSync('reports/playwright.json', 'utf8'));
  counts.passed += p.stats.expected + p.stats.flaky;
  counts.failed += p.stats.unexpected;
  counts.skipped += p.stats.skipped;
  // Say which tests were skipped, and why (the Electron suite where the runtime is absent).
  const walk = (suite) => {
    for (const spec of suite.specs ?? []) {
      for (const t of spec.tests ?? []) {
        if (t.status !== 'skipped') continue;
        const reason = [...(t.annotations ?? []), ...(t.results ?? []).flatMap((r) => r.annotations ?? [])].find((a) => a.type === 'skip')?.description ?? 'no reason given';
        console.log(`skipped: [${t.projectName}] ${spec.title} — ${reason}`);
      }
    }
    for (const s of suite.suites ?? []) walk(s);
  };
  for (const s of p.suites ?? []) walk(s);
}
console.log(`\n${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
process.exit(counts.failed > 0 ? 1 : 0);
