// `npm start`: the embedded demo centre (or --central URL --token T) and the app against it:
// the Electron window where the Electron runtime and a display are present, otherwise the
// browser host, with the URL to open and one line saying why.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startCentre } from '../central/centre.js';
import { appFlagSpec, FlagError, flagArgs, flagHelp, parseFlags } from '../shared/args.js';
import { ConfigError, parseDisplayConfig } from '../shared/display.js';
import { createCore } from './core/core.js';
import { AnyKeys, FileKeys, isLoopback, keysCommand, KeyFileError, newSecret, StaticKeys, type KeyRing } from './host/auth.js';
import { startHost } from './host/host.js';
import { startKiosk } from './host/kiosk.js';
import { electronRuntime } from './runtime.js';

// The flags the Electron shell reads too live in shared/args.ts; these are the launcher's own.
const spec = {
  ...appFlagSpec,
  port: { kind: 'int', help: 'browser host port (default 0: any free port)', min: 0, max: 65535 },
  host: { kind: 'string', help: 'browser host address (default 127.0.0.1; 0.0.0.0 for kiosk browsers on the LAN, which needs --keys)' },
  keys: { kind: 'string', help: 'browser host: the display keys file (made with `keys add NAME --keys FILE`; re-read when it changes)' },
  key: { kind: 'string', help: 'browser host: one display key (role wall) instead of a keys file; it shows in the process list, so prefer --keys' },
  'tls-cert': { kind: 'string', help: 'browser host: serve HTTPS with this certificate (PEM), with --tls-key' },
  'tls-key': { kind: 'string', help: 'browser host: the private key (PEM) for --tls-cert' },
  browser: { kind: 'bool', help: 'serve the browser host even where Electron could run' },
  kiosk: { kind: 'bool', help: 'browser host: show the wall full-screen in a Chromium this process launches and watches (replaced if the page hangs or the browser dies)' },
  chromium: { kind: 'string', help: 'the Chromium for --kiosk (default: $CHROMIUM_PATH, else chromium or google-chrome on the PATH)' },
  seed: { kind: 'int', help: 'demo centre: scenario seed (default 7)' },
  speed: { kind: 'number', help: 'demo centre: clock speed (default 1)', min: 0, max: 10000 },
  now: { kind: 'time', help: 'demo centre: its clock starts at this time, ISO 8601 or ms since the epoch (default: now)' },
  'history-days': { kind: 'int', help: 'demo centre: days of history (default 35)', min: 0, max: 400 },
  help: { kind: 'bool', help: 'show this help' },
} as const;

const here = dirname(fileURLToPath(import.meta.url));

async function main(): Promise<void> {
  // `keys add|revoke|list`: the display keys of the browser host (electron/host/auth.ts).
  if (process.argv[2] === 'keys') return keysCommand(process.argv.slice(3));
  const flags = parseFlags(spec, process.argv.slice(2));
  if (flags.help) {
    console.log(`Guardpost\n\n${flagHelp(spec)}`);
    return;
  }
  if (flags.central && !flags.token) throw new FlagError('--central needs --token (the display token the centre issued)');
  if (flags.token && !flags.central) throw new FlagError('--token goes with --central');
  if (flags.central && (flags.seed !== undefined || flags.speed !== undefined || flags.now !== undefined || flags['history-days'] !== undefined)) {
    throw new FlagError('--seed, --speed, --now and --history-days set the demo centre; they do not go with --central');
  }
  if (flags.chromium && !flags.kiosk) throw new FlagError('--chromium goes with --kiosk');
  if (flags.keys && flags.key) throw new FlagError('--keys and --key: give one of them');
  if (!!flags['tls-cert'] !== !!flags['tls-key']) throw new FlagError('--tls-cert and --tls-key go together');
  // Read before anything starts: a bad keys file or certificate never half-starts the app.
  const fileKeys = flags.keys ? new FileKeys(flags.keys, (m) => console.log(m)) : null;
  if (flags.host && !isLoopback(flags.host) && !flags.keys && !flags.key) {
    throw new FlagError(`--host ${flags.host} serves beyond this machine: give --keys FILE (make one with \`npm start -- keys add wall-1 --keys FILE\`) or --key`);
  }
  const tls = flags['tls-cert'] && flags['tls-key'] ? { cert: readFileSync(flags['tls-cert']), key: readFileSync(flags['tls-key']) } : undefined;
  const chromium = flags.kiosk ? findChromium(flags.chromium) : null;
  // Checked before anything starts, so a bad file never half-starts the app.
  const display = flags.display ? parseDisplayConfig(readFileSync(flags.display, 'utf8'), flags.display) : undefined;

  const centre = flags.central
    ? null
    : await startCentre({
        ...(flags.seed !== undefined ? { seed: flags.seed } : {}),
        ...(flags.speed !== undefined ? { speed: flags.speed } : {}),
        ...(flags.now !== undefined ? { now: flags.now } : {}),
        ...(flags['history-days'] !== undefined ? { historyDays: flags['history-days'] } : {}),
      });
  if (centre) console.log(`demo centre on ${centre.url} (token ${centre.token})`);
  const central = { url: flags.central ?? centre!.url, token: flags.token ?? centre!.token, ...(flags.scope ? { scope: flags.scope } : {}) };
  const dataDir = flags['data-dir'] ?? (centre ? mkdtempSync(join(tmpdir(), 'guardpost-demo-')) : join(homedir(), '.guardpost'));

  const runtime = flags.browser ? { why: '--browser was given' } : flags.kiosk ? { why: '--kiosk was given' } : electronRuntime();
  if ('path' in runtime) {
    // The shell parses these with the same spec; it re-reads and checks the display file itself.
    const args = [
      join(here, '..', 'electron', 'main.cjs'),
      ...flagArgs(appFlagSpec, { central: central.url, token: central.token, 'data-dir': dataDir, ...(central.scope ? { scope: central.scope } : {}), ...(flags.display ? { display: resolve(flags.display) } : {}) }),
    ];
    const child = spawn(runtime.path, args, { stdio: 'inherit' });
    child.on('exit', (code) => {
      void centre?.close().then(() => process.exit(code ?? 0));
    });
    return;
  }

  const core = createCore({ dataDir, central, log: (m) => console.log(m), ...(display ? { display } : {}) });
  core.start();
  // The kiosk browser this process launches gets a key of its own, given on its command line.
  const kioskKey = chromium && (fileKeys || flags.key) ? newSecret() : null;
  const rings: KeyRing[] = [
    ...(fileKeys ? [fileKeys] : []),
    ...(flags.key ? [new StaticKeys([{ name: 'flag', role: 'wall', secret: flags.key }])] : []),
    ...(kioskKey ? [new StaticKeys([{ name: 'kiosk', role: 'wall', secret: kioskKey }])] : []),
  ];
  const host = await startHost({
    core,
    rendererDir: join(here, '..', 'renderer'),
    log: (m) => console.log(m),
    ...(rings.length ? { keys: new AnyKeys(rings) } : {}),
    ...(tls ? { tls } : {}),
    ...(flags.port !== undefined ? { port: flags.port } : {}),
    ...(flags.host ? { host: flags.host } : {}),
  });
  console.log(`Browser host (not the Electron window): ${runtime.why}.`);
  console.log(`Open ${host.url}#/wall`);
  if (rings.length) console.log('A browser opens it with ?key=<its display key> once; the key is then kept in a cookie and leaves the address bar.');
  const kioskUrl = kioskKey ? `${host.origin}/?key=${encodeURIComponent(kioskKey)}#/wall` : `${host.url}#/wall`;
  const kiosk = chromium ? startKiosk({ url: kioskUrl, chromium, profileDir: join(dataDir, 'kiosk-profile'), log: (m) => console.log(m) }) : null;
  if (kiosk) console.log(`Kiosk: ${chromium} shows the wall full-screen and is replaced if it hangs or dies.`);
  const stop = () => {
    void (async () => {
      await kiosk?.close();
      await host.close();
      await core.close();
      await centre?.close();
      process.exit(0);
    })();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

/** The kiosk's browser: the one named, else $CHROMIUM_PATH, else the first on the PATH. */
function findChromium(named: string | undefined): string {
  const given = named ?? process.env['CHROMIUM_PATH'];
  if (given) {
    if (!existsSync(given)) throw new FlagError(`--kiosk: no browser at ${given}`);
    return given;
  }
  const dirs = (process.env['PATH'] ?? '').split(delimiter).filter(Boolean);
  for (const name of ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable']) {
    for (const d of dirs) if (existsSync(join(d, name))) return join(d, name);
  }
  throw new FlagError('--kiosk: no chromium or google-chrome on the PATH; name one with --chromium PATH');
}

main().catch((err: unknown) => {
  console.error(`guardpost: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(err instanceof FlagError || err instanceof ConfigError || err instanceof KeyFileError ? 2 : 1);
});
