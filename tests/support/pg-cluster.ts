// A throwaway PostgreSQL cluster, started from the Debian package's binaries in a temporary folder
// (unix socket in that folder, a free TCP port on 127.0.0.1), stopped and removed after. Free of
// vitest, so a benchmark (bench:province) starts the same cluster the tests run on.
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// @ts-expect-error -- a plain .mjs script, no declarations
import { pgBinDir as findPgBinDir } from '../../scripts/prereq.mjs';

/** PostgreSQL's server binaries: the one rule, scripts/prereq.mjs's (PG_BINDIR, else Debian's newest). */
export const pgBinDir = findPgBinDir as (env?: NodeJS.ProcessEnv) => string | null;

export const PG_INSTALL = 'apt-get install -y postgresql';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export type Cluster = { dir: string; port: number; url: string; stop(): void };

/**
 * Starts a cluster. PostgreSQL refuses to run as root, so as root its folder is given to the
 * `postgres` user and the binaries run as that user.
 */
export async function startCluster(): Promise<Cluster> {
  const bin = pgBinDir();
  if (!bin) throw new Error(`the PostgreSQL tests need the postgresql package: run \`${PG_INSTALL}\` as root`);
  const dir = mkdtempSync(join(tmpdir(), 'guardpost-pg-'));
  const data = join(dir, 'data');
  const asRoot = process.getuid?.() === 0;
  const owner = asRoot ? spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }) : null;
  const uid = owner ? Number(owner.stdout.trim()) : null;
  if (asRoot) {
    if (!owner || owner.status !== 0) throw new Error('running as root, the PostgreSQL tests need the postgres user (the postgresql package creates it)');
    const gid = Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout.trim());
    chownSync(dir, uid!, gid);
    chmodSync(dir, 0o700);
  }
  const run = (cmd: string, args: string[]) => {
    const r = asRoot ? spawnSync('runuser', ['-u', 'postgres', '--', join(bin, cmd), ...args], { encoding: 'utf8' }) : spawnSync(join(bin, cmd), args, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${cmd} failed: ${(r.stderr || r.stdout || String(r.error)).trim()}`);
  };
  run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync']);
  const port = await freePort();
  // A throwaway cluster: durability off for speed; enough connections for many centres at once.
  const options = [`-p ${port}`, `-k ${dir}`, '-c listen_addresses=127.0.0.1', '-c fsync=off', '-c synchronous_commit=off', '-c full_page_writes=off', '-c max_connections=300'];
  run('pg_ctl', ['-D', data, '-l', join(dir, 'server.log'), '-o', options.join(' '), '-w', '-t', '120', 'start']);
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  return {
    dir,
    port,
    url,
    stop() {
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
