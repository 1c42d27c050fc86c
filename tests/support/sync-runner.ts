// The core as its own process, for the SIGKILL test: syncs a replica and reports its status.
import { createCore } from '../../electron/core/core.js';

const [url, dataDir] = process.argv.slice(2) as [string, string];
const core = createCore({ dataDir, central: { url, token: 'test-token' }, backoffMinMs: 50, backoffMaxMs: 200 });
core.on('sync:status', (s) => process.stdout.write(`${s.state} ${s.seq}\n`));
core.start();
