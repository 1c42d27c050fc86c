// A strict command-line flag parser: every flag is declared, values are checked, and an error
// names the flag and what was wrong, so a bad invocation never half-starts a program.
export type FlagSpec = {
  [name: string]: { kind: 'string' | 'int' | 'number' | 'bool' | 'time'; help: string; min?: number; max?: number };
};
export type FlagValues<S extends FlagSpec> = {
  [K in keyof S]?: S[K]['kind'] extends 'string' ? string : S[K]['kind'] extends 'bool' ? boolean : number;
};

export class FlagError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FlagError';
  }
}

export function parseFlags<S extends FlagSpec>(spec: S, argv: readonly string[]): FlagValues<S> {
  const out: Record<string, unknown> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const m = /^--([a-z][a-z0-9-]*)(?:=(.*))?$/.exec(arg);
    if (!m) throw new FlagError(`unexpected argument ${JSON.stringify(arg)} (flags look like --name value)`);
    const name = m[1]!;
    const def = spec[name];
    if (!def) throw new FlagError(`unknown flag --${name}; known: ${Object.keys(spec).map((k) => `--${k}`).join(', ')}`);
    if (def.kind === 'bool' && m[2] === undefined) {
      out[name] = true;
      continue;
    }
    const raw = m[2] ?? argv[++i];
    if (raw === undefined) throw new FlagError(`--${name} needs a value (${def.help})`);
    if (def.kind === 'string') {
      if (raw === '') throw new FlagError(`--${name} must not be empty`);
      out[name] = raw;
    } else if (def.kind === 'time') {
      // A moment: ISO 8601 (with its zone) or ms since the epoch, as a centre's `now` is given.
      const n = /^\d+$/.test(raw) ? Number(raw) : Date.parse(raw);
      if (!Number.isFinite(n)) throw new FlagError(`--${name} must be ISO 8601 or ms since the epoch, got ${JSON.stringify(raw)}`);
      out[name] = n;
    } else if (def.kind === 'bool') {
      if (raw !== 'true' && raw !== 'false') throw new FlagError(`--${name} must be true or false, got ${JSON.stringify(raw)}`);
      out[name] = raw === 'true';
    } else {
      const n = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(n) || (def.kind === 'int' && !Number.isInteger(n))) {
        throw new FlagError(`--${name} must be ${def.kind === 'int' ? 'an integer' : 'a number'}, got ${JSON.stringify(raw)}`);
      }
      if (def.min !== undefined && n < def.min) throw new FlagError(`--${name} must be ≥ ${def.min}, got ${n}`);
      if (def.max !== undefined && n > def.max) throw new FlagError(`--${name} must be ≤ ${def.max}, got ${n}`);
      out[name] = n;
    }
  }
  return out as FlagValues<S>;
}

export function flagHelp(spec: FlagSpec): string {
  return Object.entries(spec)
    .map(([k, v]) => `  --${k.padEnd(16)} ${v.help}`)
    .join('\n');
}

/**
 * The flags every way of running the app shares (`npm start`'s browser host and the Electron
 * shell it spawns): one spec, so the shell reads exactly what the launcher passes.
 */
export const appFlagSpec = {
  central: { kind: 'string', help: 'URL of a real centre (default: start the embedded demo centre)' },
  token: { kind: 'string', help: 'display token for --central' },
  scope: { kind: 'string', help: 'unit id this display shows (default: the token’s scope)' },
  'data-dir': { kind: 'string', help: 'replica folder (default ~/.guardpost, or a fresh folder for the demo centre)' },
  display: { kind: 'string', help: 'display configuration JSON: name, language, targets, map indicator, font floor (see README)' },
} as const satisfies FlagSpec;

// Switches Chromium, Electron or Node put on an Electron process's command line (Playwright's
// _electron adds --inspect=0 and --remote-debugging-port=0); they are the runtime's, not ours.
const runtimeSwitch = /^--(inspect(-brk|-port)?|remote-debugging-(port|pipe)|no-sandbox|enable-logging|v|vmodule|js-flags|lang|user-data-dir|enable-features|disable-features|disable-gpu[a-z-]*|ozone-platform[a-z-]*|force-device-scale-factor|no-zygote|enable-crash-reporter|allow-file-access-from-files|in-process-gpu|headless)(=.*)?$/;

/**
 * Our own arguments from an Electron process's argv: without the executable, the app path (when
 * run as `electron app.js`, `defaultApp`), a macOS process serial number, and runtime switches.
 */
export function electronArgs(argv: readonly string[], defaultApp: boolean): string[] {
  const rest = argv.slice(1).filter((a) => !runtimeSwitch.test(a) && !a.startsWith('-psn_'));
  // The first non-switch argument is the app path Electron was given.
  if (defaultApp) {
    const app = rest.findIndex((a) => !a.startsWith('-'));
    if (app >= 0) rest.splice(app, 1);
  }
  return rest;
}

/** The command line that gives these values back through {@link parseFlags}: how `npm start` hands its flags on. */
export function flagArgs<S extends FlagSpec>(spec: S, values: FlagValues<S>): string[] {
  const out: string[] = [];
  for (const [name, def] of Object.entries(spec)) {
    const v = values[name as keyof S];
    if (v === undefined) continue;
    if (def.kind === 'bool') {
      if (v) out.push(`--${name}`);
    } else out.push(`--${name}`, String(v));
  }
  return out;
}
