// The core as its own process, for the SIGKILL test: syncs a replica and reports its status.
// With --wait it loads, then waits for a line on stdin before it opens the replica, so the test
// can load the next process while the current one syncs (loading is most of a start on a
// loaded machine) without two processes ever holding the replica.
import { createInterface } from 'node:readline';
import { createCore } from '../../electron/core/core.js';

const [url, dataDir, wait] = process.argv.slice(2) as [string, string, string | undefined];
function start(): void {
  const core = createCore({ dataDir, central: { url, token: 'test-token' }, backoffMinMs: 50, backoffMaxMs: 200 });
  core.on('sync:status', (s) => process.stdout.write(`${s.state} ${s.seq}\n`));
  core.start();
}
if (wait === '--wait') {
  const rl = createInterface({ input: process.stdin });
  rl.once('line', () => {
    rl.close();
    start();
  });
} else start();
