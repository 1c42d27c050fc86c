// Builds everything `npm start`, the browser host and the Electron shell run:
//   dist/renderer  the UI (Vite)
//   dist/node      start.js and central.js (esbuild, ESM, packages external)
//   dist/electron  main.cjs, preload.cjs, core-process.cjs (esbuild, CJS: what Electron loads)
import { build as esbuild } from 'esbuild';
import { cpSync } from 'node:fs';
import { build as vite } from 'vite';

const common = { bundle: true, platform: 'node', target: 'node20', sourcemap: true, packages: 'external', logLevel: 'warning' };

await Promise.all([
  vite({ configFile: 'vite.config.ts', logLevel: 'warn' }),
  esbuild({ ...common, format: 'esm', entryPoints: { start: 'electron/start.ts', central: 'central/cli.ts' }, outdir: 'dist/node', outExtension: { '.js': '.js' } }),
  esbuild({
    ...common,
    format: 'cjs',
    entryPoints: { main: 'electron/main/main.ts', 'core-process': 'electron/core/process.ts' },
    outdir: 'dist/electron',
    outExtension: { '.js': '.cjs' },
    external: ['electron'],
  }),
  // A sandboxed preload can require only 'electron': bundle everything else in.
  esbuild({ ...common, packages: undefined, format: 'cjs', entryPoints: { preload: 'electron/preload/preload.ts' }, outdir: 'dist/electron', outExtension: { '.js': '.cjs' }, external: ['electron'] }),
]);

// The jurisdiction's geometry, served beside the UI (browser host and Electron alike).
cpSync('resources/geo', 'dist/renderer/geo', { recursive: true, filter: (f) => !f.endsWith('.md') });
cpSync('resources/sounds', 'dist/renderer/sounds', { recursive: true });
