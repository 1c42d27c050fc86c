// The layering is enforced by lint: these feed ESLint (the project's own config) files that
// break it and check that each is an error, so `npm run lint` fails on them.
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: process.cwd() });

async function errors(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).filter((m) => m.severity === 2).map((m) => `${m.ruleId}: ${m.message}`);
}

describe('import layering', () => {
  it.each([
    ['renderer/src/bad.ts', "import Database from 'better-sqlite3';\nexport const db = new Database(':memory:');\n", /database lives in the core/],
    ['renderer/src/bad.ts', "import { ipcRenderer } from 'electron';\nexport const r = ipcRenderer;\n", /only through the contract/],
    ['renderer/src/bad.ts', "import { readFileSync } from 'node:fs';\nexport const r = readFileSync;\n", /no Node built-ins/],
    ['renderer/src/bad.ts', "import { createCore } from '../../electron/core/core.js';\nexport const c = createCore;\n", /only renderer\/ and shared\//],
    ['shared/bad.ts', "import { join } from 'node:path';\nexport const j = join;\n", /pure TypeScript/],
    ['electron/core/bad.ts', "import { app } from 'electron';\nexport const a = app;\n", /plain Node/],
  ])('%s: %s is an error', async (file, code, message) => {
    const found = await errors(file, code);
    expect(found.some((m) => m.startsWith('no-restricted-imports') && message.test(m)), found.join('\n')).toBe(true);
  });

  it('allows the renderer to use the contract', async () => {
    expect(await errors('renderer/src/ok.ts', "import type { ApiClient } from '../../shared/contract.js';\nexport type C = ApiClient;\n")).toEqual([]);
  });
});
