// e2e support: the app as a newcomer runs it (dist/node/start.js, the `npm start` entry), or the
// centre, core and browser host started in this process when a test needs to drive the centre.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { startCentre, type Centre, type CentreOptions } from '../../central/centre.js';
import type { DisplayConfig } from '../../shared/display.js';
import { createCore, type Core } from '../../electron/core/core.js';
import { startHost, type Host, type HostOptions } from '../../electron/host/host.js';
import { startAdversary, type Adversary } from '../support/adversary.js';
import { tempDir } from '../support/harness.js';

export type Started = { url: string; centreUrl: string; token: string; child: ChildProcess; output: () => string; stop(): Promise<void> };

/** Runs the built `npm start` entry and resolves once it has printed the URL to open. */
export function runStart(args: string[], timeoutMs = 30_000): Promise<Started & { elapsedMs: number }> {
  const t0 = Date.now();
  const child = spawn(process.execPath, [join('dist', 'node', 'start.js'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no URL printed within ${timeoutMs} ms; output:\n${out}`));
    }, timeoutMs);
    const onData = (d: Buffer) => {
      out += d.toString();
      const open = /Open (http:\/\/\S+)/.exec(out);
      const centre = /demo centre on (\S+) \(token (\S+)\)/.exec(out);
      if (open && centre) {
        clearTimeout(timer);
        resolve({
          url: open[1]!,
          centreUrl: centre[1]!,
          token: centre[2]!,
          child,
          elapsedMs: Date.now() - t0,
          output: () => out,
          stop: () =>
            new Promise<void>((r) => {
              if (child.exitCode !== null) return r();
              child.once('exit', () => r());
              child.kill('SIGTERM');
            }),
        });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`start exited with ${code}; output:\n${out}`));
    });
  });
}

export type InProcess = {
  centre: Centre;
  core: Core;
  host: Host;
  adversary: Adversary | null;
  /** Stops the centre (its store file stays) and starts it again on the same port. */
  restartCentre(down: () => Promise<void>): Promise<void>;
  stop(): Promise<void>;
};

/**
 * Centre, core and browser host in this process, so a test can write at the centre directly.
 * The centre keeps its store in a file, so it can be stopped and started again.
 */
export async function startInProcess(opts: CentreOptions = {}, link: { adversary?: boolean; display?: DisplayConfig; beforeStart?: (core: Core) => void; keys?: Pick<HostOptions, 'keys' | 'urlKey'> } = {}): Promise<InProcess> {
  const tmp = tempDir('guardpost-e2e-');
  const centreOpts: CentreOptions = { token: 'e2e-token', seed: 5, historyDays: 1, leadsPerDay: 200, db: join(tmp.dir, 'centre.db'), heartbeatMs: 2_000, ...opts };
  let centre = await startCentre(centreOpts);
  const port = Number(new URL(centre.url).port);
  const adversary = link.adversary ? await startAdversary(centre.url) : null;
  const core = createCore({ dataDir: join(tmp.dir, 'app'), central: { url: adversary?.url ?? centre.url, token: centre.token }, backoffMinMs: 200, backoffMaxMs: 1_000, ...(link.display ? { display: link.display } : {}) });
  link.beforeStart?.(core);
  core.start();
  const host = await startHost({ core, rendererDir: join('dist', 'renderer'), ...link.keys });
  const self: InProcess = {
    centre,
    core,
    host,
    adversary,
    async restartCentre(down) {
      await centre.close();
      await down();
      centre = await startCentre({ ...centreOpts, port });
      self.centre = centre;
    },
    async stop() {
      await host.close();
      await core.close();
      await adversary?.close();
      await self.centre.close().catch(() => {});
      tmp.remove();
    },
  };
  return self;
}

