// `npm run central -- --port 8787 --seed 7 --speed 60 --history-days 35 --token T`
import { FlagError, flagHelp, parseFlags } from '../shared/args.js';
import { FixtureError, startCentre } from './centre.js';
import { StoreError } from './store.js';

const spec = {
  port: { kind: 'int', help: 'TCP port (default 8787; 0 = any free port)', min: 0, max: 65535 },
  host: { kind: 'string', help: 'address to listen on (default 127.0.0.1)' },
  seed: { kind: 'int', help: 'scenario seed (default 7)' },
  speed: { kind: 'number', help: 'clock speed: 1 real time, 60 a minute a second, 0 fixed (default 1)', min: 0, max: 10000 },
  now: { kind: 'string', help: 'start time, ISO 8601 or ms since the epoch (default: now)' },
  'history-days': { kind: 'int', help: 'days of history to backfill (default 35)', min: 0, max: 400 },
  'leads-per-day': { kind: 'int', help: 'mean new leads a day (default 700)', min: 1, max: 1000000 },
  token: { kind: 'string', help: 'the display token to accept (default: a random demo token, printed)' },
  db: { kind: 'string', help: 'store file (default: a fresh temporary file)' },
  fixture: { kind: 'string', help: 'NDJSON fixture of {"t":"put","e":…,"id":…,"d":{…}} lines to load' },
  'tombstone-days': { kind: 'number', help: 'purge deletions older than this many days (default 7)', min: 0, max: 3650 },
  'keep-history-days': { kind: 'number', help: 'days of history kept for as-of snapshots of past reviews (default 40)', min: 0, max: 3650 },
  'no-history': { kind: 'bool', help: 'keep no history: answer asOf with 400, as a centre without history does' },
  'heartbeat-ms': { kind: 'int', help: 'heartbeat interval on live streams (default 15000)', min: 100, max: 600000 },
  help: { kind: 'bool', help: 'show this help' },
} as const;

function parseTime(raw: string): number {
  const n = /^\d+$/.test(raw) ? Number(raw) : Date.parse(raw);
  if (!Number.isFinite(n)) throw new FlagError(`--now must be ISO 8601 or ms since the epoch, got ${JSON.stringify(raw)}`);
  return n;
}

async function main(): Promise<void> {
  const flags = parseFlags(spec, process.argv.slice(2));
  if (flags.help) {
    console.log(`Guardpost reference centre\n\n${flagHelp(spec)}`);
    return;
  }
  const centre = await startCentre({
    port: flags.port ?? 8787,
    ...(flags.host !== undefined ? { host: flags.host } : {}),
    ...(flags.seed !== undefined ? { seed: flags.seed } : {}),
    ...(flags.speed !== undefined ? { speed: flags.speed } : {}),
    ...(flags.now !== undefined ? { now: parseTime(flags.now) } : {}),
    ...(flags['history-days'] !== undefined ? { historyDays: flags['history-days'] } : {}),
    ...(flags['leads-per-day'] !== undefined ? { leadsPerDay: flags['leads-per-day'] } : {}),
    ...(flags.token !== undefined ? { token: flags.token } : {}),
    ...(flags.db !== undefined ? { db: flags.db } : {}),
    ...(flags.fixture !== undefined ? { fixture: flags.fixture } : {}),
    ...(flags['tombstone-days'] !== undefined ? { tombstoneDays: flags['tombstone-days'] } : {}),
    ...(flags['keep-history-days'] !== undefined ? { keepHistoryDays: flags['keep-history-days'] } : {}),
    ...(flags['no-history'] ? { keepHistory: false } : {}),
    ...(flags['heartbeat-ms'] !== undefined ? { heartbeatMs: flags['heartbeat-ms'] } : {}),
  });
  const stop = () => void centre.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  console.log(`centre listening on ${centre.url}`);
  console.log(`seq ${centre.store.headSeq()}, epoch ${centre.store.epoch}, server time ${new Date(centre.clock()).toISOString()}`);
  console.log(`token: ${centre.token}`);
}

main().catch((err: unknown) => {
  if (err instanceof FlagError || err instanceof FixtureError || err instanceof StoreError) {
    console.error(`central: ${err.message}`);
    process.exit(2);
  }
  console.error(err);
  process.exit(1);
});
