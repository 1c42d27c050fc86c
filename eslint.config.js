// Lint with zero warnings; the import rules enforce the layering (style.md): the renderer talks
// to the core only through the contract, and shared/ imports nothing runtime-specific.
import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const nodeBuiltins = ['node:*', 'fs', 'path', 'os', 'http', 'https', 'net', 'child_process', 'crypto', 'events', 'stream', 'url', 'zlib', 'worker_threads', 'module'];
const banned = (names, message) => names.map((name) => ({ group: [name], message }));

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'test-results/**', 'reports/**', 'playwright-report/**', 'release/**', 'bench-results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ...banned(nodeBuiltins, 'The renderer runs in a browser: no Node built-ins.'),
            ...banned(['electron', 'electron/*'], 'The renderer reaches the core only through the contract (shared/contract.ts).'),
            ...banned(['better-sqlite3'], 'The database lives in the core; the renderer asks through the contract.'),
            ...banned(['**/electron/core/**', '**/electron/main/**', '**/electron/host/**', '**/central/**'], 'The renderer may import only renderer/ and shared/.'),
            ...banned(['ws'], 'The renderer uses the browser WebSocket through its client.'),
          ],
        },
      ],
    },
  },
  {
    files: ['shared/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ...banned(nodeBuiltins, 'shared/ is pure TypeScript: no Node built-ins.'),
            ...banned(['electron', 'better-sqlite3', 'ws', 'react', 'react-dom'], 'shared/ imports nothing runtime-specific.'),
            ...banned(['**/electron/**', '**/renderer/**', '**/central/**'], 'shared/ depends on nothing above it.'),
          ],
        },
      ],
    },
  },
  {
    files: ['electron/core/**/*.ts', 'electron/host/**/*.ts', 'central/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [...banned(['electron'], 'The core, host and centre run in plain Node: no electron import.'), ...banned(['**/renderer/**'], 'Node code does not import the UI.')] }],
    },
  },
  {
    files: ['electron/preload/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: banned(['zod', 'better-sqlite3', 'ws', '**/shared/contract*', '**/electron/core/**'], 'The preload stays tiny and dependency-free: import shared/channels only.') }],
    },
  },
);
