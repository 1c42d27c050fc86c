import { describe, expect, it } from 'vitest';
import { FlagError, parseFlags } from './args.js';

const spec = {
  port: { kind: 'int', help: 'port', min: 0, max: 65535 },
  speed: { kind: 'number', help: 'speed', min: 0 },
  token: { kind: 'string', help: 'token' },
  browser: { kind: 'bool', help: 'browser' },
  now: { kind: 'time', help: 'start time' },
} as const;

describe('parseFlags', () => {
  it('reads every kind, in both --k v and --k=v forms', () => {
    expect(parseFlags(spec, ['--port', '8787', '--speed=60', '--token', 'T', '--browser'])).toEqual({ port: 8787, speed: 60, token: 'T', browser: true });
  });

  it('reads a time as ISO 8601 with its zone, or as ms since the epoch', () => {
    expect(parseFlags(spec, ['--now', '2026-11-20T12:00:00+08:00'])).toEqual({ now: Date.UTC(2026, 10, 20, 4) });
    expect(parseFlags(spec, ['--now=1700000000000'])).toEqual({ now: 1_700_000_000_000 });
  });

  it.each([
    [['--nope', '1'], /unknown flag --nope/],
    [['--port', 'x'], /--port must be an integer, got "x"/],
    [['--port', '1.5'], /--port must be an integer/],
    [['--port', '70000'], /--port must be ≤ 65535/],
    [['--speed', '-1'], /--speed must be ≥ 0/],
    [['--token'], /--token needs a value/],
    [['stray'], /unexpected argument "stray"/],
    [['--now', 'yesterday'], /--now must be ISO 8601 or ms since the epoch, got "yesterday"/],
  ])('rejects %j naming the flag', (argv, message) => {
    expect(() => parseFlags(spec, argv)).toThrow(FlagError);
    expect(() => parseFlags(spec, argv)).toThrow(message);
  });
});
