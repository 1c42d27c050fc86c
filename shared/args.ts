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
