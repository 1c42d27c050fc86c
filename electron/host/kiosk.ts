// The browser host's kiosk: a Chromium this process launches full-screen on the wall's URL and
// watches, for walls driven by the browser host rather than the Electron shell.
//
// The host's own watchdog (host.ts) reloads a page that still runs script but has stopped
// drawing. A page whose script is stuck in a loop cannot be told anything, and a browser that
// crashed cannot reload itself: the kiosk covers both. It talks to Chromium over the DevTools
// protocol on a pipe (no debugging port is opened on the machine) and every `probeMs` asks the
// page to evaluate a trivial expression; a page that does not answer within `hungMs`, a renderer
// that crashed, or a browser that exited is replaced: the browser is killed and launched again,
// with a growing delay if it keeps failing (from 1 s again after a quiet minute).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { Backoff } from '../backoff.js';

export type KioskOptions = {
  /** The page to show, e.g. the host's `…#/wall`. */
  url: string;
  /** The Chromium (or Chrome) executable. */
  chromium: string;
  /** Profile folder for the kiosk browser (kept between launches: zoom, autoplay consent). */
  profileDir: string;
  /** Extra command-line switches (tests add --headless). */
  args?: string[];
  /** How often the page is probed (default 5 s). */
  probeMs?: number;
  /** How long a probe may go unanswered before the page counts as hung (default 15 s). */
  hungMs?: number;
  log?: (message: string) => void;
};

export type Kiosk = {
  /** The running browser's process id (changes on every relaunch). */
  pid(): number | undefined;
  /** How many times the browser has been replaced, and why, newest last. */
  restarts(): readonly { at: number; reason: string }[];
  /** Evaluates an expression in the page (for the operator's diagnostics and tests). */
  evaluate(expression: string, timeoutMs?: number): Promise<unknown>;
  close(): Promise<void>;
};

/** The switches every kiosk launch gets: full screen, no dialogs or bubbles, sound allowed. */
export const KIOSK_SWITCHES = [
  '--kiosk',
  '--no-first-run',
  '--no-default-browser-check',
  '--noerrdialogs',
  '--disable-session-crashed-bubble',
  '--disable-infobars',
  '--disable-translate',
  '--disable-features=Translate,TranslateUI',
  '--autoplay-policy=no-user-gesture-required',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--remote-debugging-pipe',
];

type Message = { id?: number; method?: string; sessionId?: string; params?: Record<string, unknown>; result?: Record<string, unknown>; error?: { message: string } };

/** One DevTools-protocol connection over Chromium's pipe (fd 3 in, fd 4 out; NUL-separated JSON). */
class Pipe {
  #id = 0;
  #buffer = '';
  readonly #waiting = new Map<number, { ok: (r: Record<string, unknown>) => void; fail: (e: Error) => void }>();
  readonly #out: Writable;
  onEvent: (m: Message) => void = () => {};

  constructor(out: Writable, input: Readable) {
    this.#out = out;
    input.on('data', (d: Buffer) => {
      this.#buffer += d.toString();
      let end: number;
      while ((end = this.#buffer.indexOf('\0')) >= 0) {
        const text = this.#buffer.slice(0, end);
        this.#buffer = this.#buffer.slice(end + 1);
        const m = JSON.parse(text) as Message;
        if (m.id !== undefined) {
          const w = this.#waiting.get(m.id);
          this.#waiting.delete(m.id);
          if (m.error) w?.fail(new Error(m.error.message));
          else w?.ok(m.result ?? {});
        } else this.onEvent(m);
      }
    });
    out.on('error', () => this.failAll(new Error('the browser closed its pipe')));
  }

  send(method: string, params: Record<string, unknown> = {}, sessionId?: string, timeoutMs = 10_000): Promise<Record<string, unknown>> {
    return new Promise((ok, fail) => {
      const id = ++this.#id;
      const timer = setTimeout(() => {
        this.#waiting.delete(id);
        fail(new Error(`${method}: no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#waiting.set(id, {
        ok: (r) => {
          clearTimeout(timer);
          ok(r);
        },
        fail: (e) => {
          clearTimeout(timer);
          fail(e);
        },
      });
      this.#out.write(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }) + '\0');
    });
  }

  failAll(err: Error): void {
    for (const w of this.#waiting.values()) w.fail(err);
    this.#waiting.clear();
  }
}

/**
 * A kiosk browser left over from an earlier run (this process was killed without closing it)
 * still holds the profile: a new launch would hand its URL over to it and exit at once. The
 * profile's lock names the holder; if it is a browser on this machine using this profile, it is
 * killed, so the new launch is the one on the wall.
 */
function killStale(profileDir: string, log: (m: string) => void): void {
  const lock = join(profileDir, 'SingletonLock');
  let target: string;
  try {
    target = readlinkSync(lock);
  } catch {
    return;
  }
  const m = /^(.*)-(\d+)$/.exec(target);
  if (!m || m[1] !== hostname()) return;
  const pid = Number(m[2]);
  const cmdline = `/proc/${pid}/cmdline`;
  if (!existsSync(cmdline) || !readFileSync(cmdline, 'utf8').includes(`--user-data-dir=${profileDir}`)) return;
  log(`kiosk: a browser from an earlier run (pid ${pid}) still holds the profile; closing it`);
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Gone in the meantime.
  }
}

export function startKiosk(opts: KioskOptions): Kiosk {
  const probeMs = opts.probeMs ?? 5_000;
  const hungMs = opts.hungMs ?? 15_000;
  const log = opts.log ?? (() => {});
  mkdirSync(opts.profileDir, { recursive: true });
  const restarts: { at: number; reason: string }[] = [];
  let child: ChildProcess | null = null;
  let pipe: Pipe | null = null;
  let session: string | null = null;
  let closed = false;
  let replacing = false;
  // 1 s, doubling up to a minute while it keeps failing; from 1 s again after a quiet minute.
  const backoff = new Backoff(1_000, 60_000, 60_000);
  let launchedAt = 0;
  let probe: ReturnType<typeof setInterval> | null = null;
  let relaunch: ReturnType<typeof setTimeout> | null = null;

  const launch = () => {
    if (closed) return;
    killStale(opts.profileDir, log);
    const args = [...KIOSK_SWITCHES, `--user-data-dir=${opts.profileDir}`, ...(opts.args ?? []), `--app=${opts.url}`];
    const c = spawn(opts.chromium, args, { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] });
    child = c;
    session = null;
    let stderr = '';
    c.stderr!.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-2000);
    });
    c.once('error', (err) => replace(`the browser could not start: ${err.message}`));
    c.once('exit', (code, signal) => {
      if (child === c) replace(`the browser exited (${signal ?? `code ${code}`})${stderr ? `: ${stderr.trim().split('\n').at(-1)}` : ''}`);
    });
    const p = new Pipe(c.stdio[3] as Writable, c.stdio[4] as Readable);
    pipe = p;
    p.onEvent = (m) => {
      if (m.method === 'Target.targetCrashed') replace('the page’s renderer crashed');
      if (m.method === 'Target.detachedFromTarget' && m.params?.['sessionId'] === session) session = null;
    };
    launchedAt = Date.now();
  };

  /** Attaches to the kiosk's page (once it exists), for probes and evaluation. */
  const attach = async (p: Pipe): Promise<string> => {
    if (session) return session;
    await p.send('Target.setDiscoverTargets', { discover: true });
    const { targetInfos } = (await p.send('Target.getTargets')) as { targetInfos: { targetId: string; type: string }[] };
    const page = targetInfos.find((t) => t.type === 'page');
    if (!page) throw new Error('the browser has no page yet');
    const { sessionId } = (await p.send('Target.attachToTarget', { targetId: page.targetId, flatten: true })) as { sessionId: string };
    session = sessionId;
    return sessionId;
  };

  const evaluate = async (expression: string, timeoutMs = hungMs): Promise<unknown> => {
    const p = pipe;
    if (!p) throw new Error('the kiosk browser is not running');
    const s = await attach(p);
    const r = (await p.send('Runtime.evaluate', { expression, returnByValue: true, awaitPromise: true }, s, timeoutMs)) as { result: { value?: unknown }; exceptionDetails?: { text: string } };
    if (r.exceptionDetails) throw new Error(r.exceptionDetails.text);
    return r.result.value;
  };

  /** Kills the browser and launches it again, sooner the first times, later if it keeps failing. */
  function replace(reason: string): void {
    if (closed || replacing) return;
    replacing = true;
    restarts.push({ at: Date.now(), reason });
    const delay = backoff.next(Date.now());
    log(`kiosk: ${reason}; relaunching the browser in ${delay / 1000} s`);
    const old = child;
    child = null;
    pipe?.failAll(new Error(reason));
    pipe = null;
    session = null;
    if (old && old.exitCode === null && old.signalCode === null) old.kill('SIGKILL');
    relaunch = setTimeout(() => {
      replacing = false;
      launch();
    }, delay);
  }

  launch();
  let probing = false;
  probe = setInterval(() => {
    if (probing || replacing || !pipe) return;
    probing = true;
    const started = Date.now();
    const probed = child;
    evaluate('1', hungMs)
      .catch(async (err: unknown) => {
        const msg = err instanceof Error ? err.message : String(err);
        // A browser still starting has no page yet: that is not a hang, unless it lasts.
        if (msg.includes('no page yet') && Date.now() - launchedAt < hungMs) return;
        // A closed pipe is a browser on its way out: its exit names the reason, if it comes.
        if (msg.includes('closed its pipe')) await new Promise((r) => setTimeout(r, 2_000));
        if (!closed && !replacing && child === probed) replace(Date.now() - started >= hungMs ? `the page did not answer for ${Math.round(hungMs / 1000)} s (hung)` : `the page cannot be reached: ${msg}`);
      })
      .finally(() => {
        probing = false;
      });
  }, probeMs);

  return {
    pid: () => child?.pid,
    restarts: () => restarts,
    evaluate,
    close: async () => {
      closed = true;
      if (probe) clearInterval(probe);
      if (relaunch) clearTimeout(relaunch);
      pipe?.failAll(new Error('kiosk closed'));
      const c = child;
      child = null;
      if (c && c.exitCode === null && c.signalCode === null) {
        await new Promise<void>((r) => {
          c.once('exit', () => r());
          c.kill('SIGTERM');
          setTimeout(() => c.kill('SIGKILL'), 3_000).unref();
        });
      }
    },
  };
}
