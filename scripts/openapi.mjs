// npm run openapi: (re)writes central/openapi.json from central/openapi.ts.
import { build } from 'esbuild';
import { writeFileSync } from 'node:fs';

const out = 'dist/node/openapi.js';
await build({ entryPoints: ['central/openapi.ts'], bundle: true, platform: 'node', format: 'esm', packages: 'external', outfile: out, logLevel: 'warning' });
const { openApiText } = await import(`../${out}`);
writeFileSync('central/openapi.json', openApiText());
console.log('wrote central/openapi.json');
