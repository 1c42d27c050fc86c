// `npm run central -- --port 8787 --seed 7 --speed 60 --history-days 35 --token T`
// `npm run central -- --store postgres://guardpost@db.example/guardpost …`: the same on PostgreSQL.
// `npm run central -- token issue|list|revoke … --db FILE | --store URL`: the display tokens in a store.
// `npm run central -- import FILE --db FILE | --store URL`: records from the bureau's systems (central/ingest.ts).
import { existsSync } from 'node:fs';
import { FlagError, flagHelp, parseFlags } from '../shared/args.js';
import { FixtureError, isPostgresUrl, openStore, startCentre } from './centre.js';
import { importFile, MAX_INGEST_LINES } from './ingest.js';
import { describeUrl } from './pgStore.js';
import { StoreError } from './store.js';
import { TokenError, tokenRoles, Tokens, type TokenRole } from './tokens.js';

const spec = {
  port: { kind: 'int', help: 'TCP port (default 8787; 0 = any free port)', min: 0, max: 65535 },
  host: { kind: 'string', help: 'address to listen on (default 127.0.0.1)' },
  seed: { kind: 'int', help: 'scenario seed (default 7)' },
  speed: { kind: 'number', help: 'clock speed: 1 real time, 60 a minute a second, 0 fixed (default 1)', min: 0, max: 10000 },
  now: { kind: 'time', help: 'start time, ISO 8601 or ms since the epoch (default: now)' },
  'lead-hours': { kind: 'number', help: 'run the first N simulated hours at --lead-speed, then at --speed (a soak\'s warm-up)', min: 0, max: 10000 },
  'lead-speed': { kind: 'number', help: 'clock speed of the first --lead-hours (default: --speed)', min: 1, max: 100000 },
  'history-days': { kind: 'int', help: 'days of history to backfill (default 35)', min: 0, max: 400 },
  'leads-per-day': { kind: 'int', help: 'mean new leads a day (default 700)', min: 1, max: 1000000 },
  token: { kind: 'string', help: 'the display token to accept (default: a random demo token, printed)' },
  db: { kind: 'string', help: 'SQLite store file (default: a fresh temporary file)' },
  store: { kind: 'string', help: 'the store: postgres://USER@HOST:PORT/DB (PostgreSQL; many centre processes may share it; PGPASSWORD or the URL gives the password) or a SQLite file' },
  fixture: { kind: 'string', help: 'NDJSON fixture of {"t":"put","e":…,"id":…,"d":{…}} lines to load' },
  'tombstone-days': { kind: 'number', help: 'purge deletions older than this many days (default 7)', min: 0, max: 3650 },
  'keep-history-days': { kind: 'number', help: 'days of history kept for as-of snapshots of past reviews (default 40)', min: 0, max: 3650 },
  'no-history': { kind: 'bool', help: 'keep no history: answer asOf with 400, as a centre without history does' },
  'heartbeat-ms': { kind: 'int', help: 'heartbeat interval on live streams (default 15000)', min: 100, max: 600000 },
  help: { kind: 'bool', help: 'show this help' },
} as const;

const tokenSpec = {
  db: { kind: 'string', help: "the centre's SQLite store file (the centre's --db)" },
  store: { kind: 'string', help: "the centre's store (the centre's --store: postgres://… or a SQLite file)" },
  name: { kind: 'string', help: 'issue: the display this token is for, unique among live tokens' },
  scope: { kind: 'string', help: 'issue: the unit id the token is bound to (it reads and writes that unit and below)' },
  role: { kind: 'string', help: `issue: ${tokenRoles.join(' | ')} (default display)` },
  help: { kind: 'bool', help: 'show this help' },
} as const;

const TOKEN_USAGE = `Guardpost centre tokens

  central token issue --db FILE|--store URL --name NAME --scope UNIT [--role ${tokenRoles.join('|')}]
  central token list --db FILE|--store URL
  central token revoke NAME|ID --db FILE|--store URL

${flagHelp(tokenSpec)}`;

/** The admin's token commands, on the centre's store (the centre may be running: SQLite WAL and PostgreSQL let both write). */
async function tokenCommand(argv: string[]): Promise<void> {
  const [verb, ...rest] = argv;
  if (verb === undefined || verb === '--help') {
    console.log(TOKEN_USAGE);
    return;
  }
  const target = verb === 'revoke' && rest[0] !== undefined && !rest[0].startsWith('--') ? rest.shift() : undefined;
  const flags = parseFlags(tokenSpec, rest);
  if (flags.help) {
    console.log(TOKEN_USAGE);
    return;
  }
  if (!['issue', 'list', 'revoke'].includes(verb)) throw new FlagError(`token: unknown command ${JSON.stringify(verb)}; use issue, list or revoke`);
  if (flags.db && flags.store) throw new FlagError(`token ${verb}: give --db FILE or --store URL, not both`);
  const where = flags.store ?? flags.db;
  if (!where) throw new FlagError(`token ${verb} needs --db FILE or --store URL (the centre's store)`);
  if (!isPostgresUrl(where) && !existsSync(where)) throw new FlagError(`token ${verb}: no store at ${where} (start the centre with --db ${where} first)`);
  const store = await openStore(where, Date.now);
  try {
    const tokens = new Tokens(store);
    if (verb === 'issue') {
      if (!flags.name) throw new FlagError('token issue needs --name NAME');
      if (!flags.scope) throw new FlagError('token issue needs --scope UNIT');
      const role = (flags.role ?? 'display') as TokenRole;
      if (!tokenRoles.includes(role)) throw new FlagError(`--role must be one of ${tokenRoles.join(', ')}, got ${JSON.stringify(flags.role)}`);
      if (!(await store.unitPath(flags.scope))) throw new FlagError(`--scope ${flags.scope} is not a unit in ${isPostgresUrl(where) ? describeUrl(where) : where}`);
      const { id, secret } = await tokens.issue({ name: flags.name, scope: flags.scope, role, now: Date.now() });
      console.log(`issued ${id} "${flags.name}" (${role}, scope ${flags.scope})`);
      console.log(`secret: ${secret}`);
      console.log('The secret is shown this once; the centre keeps only its sha256.');
    } else if (verb === 'list') {
      const list = await tokens.list();
      if (list.length === 0) console.log('no issued tokens');
      for (const t of list) {
        const state = t.revokedAt === null ? 'live' : `revoked ${new Date(t.revokedAt).toISOString()}`;
        console.log([t.id, JSON.stringify(t.name), t.role, `scope ${t.scope}`, `issued ${new Date(t.createdAt).toISOString()}`, state].join('  '));
      }
    } else {
      if (target === undefined) throw new FlagError('token revoke needs the token’s NAME or ID');
      const t = await tokens.revoke(target, Date.now());
      console.log(`revoked ${t.id} "${t.name}" (scope ${t.scope}); the centre refuses it from its next request`);
    }
  } finally {
    await store.close();
  }
}

const importSpec = {
  db: { kind: 'string', help: "the centre's store file (the centre's --db; it may be running)" },
  store: { kind: 'string', help: "the centre's PostgreSQL store (postgres://…; the centre's --store)" },
  batch: { kind: 'int', help: `lines a batch, each checked and written whole (default and most ${MAX_INGEST_LINES})`, min: 1, max: MAX_INGEST_LINES },
  help: { kind: 'bool', help: 'show this help' },
} as const;

const IMPORT_USAGE = `Guardpost centre import

  central import FILE --db FILE | --store URL [--batch N]

FILE holds NDJSON lines {"t":"put","e":ENTITY,"id":ID,"d":{…}} and {"t":"del","e":ENTITY,"id":ID}
(POST /v1/ingest's format). Every line is checked first: a malformed file writes nothing. Then the
file is written in batches, each whole; a batch whose references fail is refused whole and the
import stops, the batches before it written. Importing the same file again changes nothing twice.
Exit status: 0 imported, 1 a bad line (named with its line number), 2 bad arguments.

${flagHelp(importSpec)}`;

/** Exit status 1: the file had a bad line (the message says what was and was not written). */
async function importCommand(argv: string[]): Promise<number> {
  const file = argv[0] !== undefined && !argv[0].startsWith('--') ? argv.shift() : undefined;
  const flags = parseFlags(importSpec, argv);
  if (flags.help) {
    console.log(IMPORT_USAGE);
    return 0;
  }
  if (file === undefined) throw new FlagError('import needs the FILE to import');
  if (!existsSync(file)) throw new FlagError(`import: no file ${file}`);
  if (flags.db && flags.store) throw new FlagError('import: give --db FILE or --store URL, not both');
  const where = flags.store ?? flags.db;
  if (!where) throw new FlagError("import needs --db FILE or --store URL (the centre's store)");
  if (!isPostgresUrl(where) && !existsSync(where)) throw new FlagError(`import: no store at ${where} (start the centre with --db ${where} first)`);
  const store = await openStore(where, Date.now);
  try {
    const report = await importFile(store, file, {
      ...(flags.batch !== undefined ? { batchSize: flags.batch } : {}),
      onBatch: (b) => console.log(`lines ${b.from}–${b.to}: applied ${b.result.applied}, unchanged ${b.result.unchanged}${b.result.firstSeq === null ? '' : `, seq ${b.result.firstSeq}–${b.result.lastSeq}`}`),
    });
    if (report.errors.length === 0) {
      console.log(`imported ${file}: ${report.lines} lines, applied ${report.applied}, unchanged ${report.unchanged}; head seq ${await store.headSeq()}`);
      return 0;
    }
    for (const e of report.errors) console.error(`${file}:${e.line}: ${e.id !== undefined ? `${e.id}: ` : ''}${e.reason}`);
    if (report.more > 0) console.error(`… and ${report.more} more bad lines`);
    if (report.refused === null) console.error(`central import: ${file} refused, nothing written (every line is checked before any is written)`);
    else {
      const done = report.batches.length ? `lines 1–${report.batches[report.batches.length - 1]!.to} were written (applied ${report.applied}, unchanged ${report.unchanged}); ` : '';
      console.error(`central import: the batch of lines ${report.refused.from}–${report.refused.to} refused, nothing of it written; ${done}fix the file and import it again (what was written is unchanged the second time)`);
    }
    return 1;
  } finally {
    await store.close();
  }
}

async function main(): Promise<void> {
  if (process.argv[2] === 'token') return tokenCommand(process.argv.slice(3));
  if (process.argv[2] === 'import') {
    process.exitCode = await importCommand(process.argv.slice(3));
    return;
  }
  const flags = parseFlags(spec, process.argv.slice(2));
  if (flags.help) {
    console.log(`Guardpost reference centre\n\n${flagHelp(spec)}\n\nDisplay tokens: central token issue|list|revoke --db FILE (central token --help)\nRecords from a file: central import FILE --db FILE | --store URL (central import --help)`);
    return;
  }
  const centre = await startCentre({
    port: flags.port ?? 8787,
    ...(flags.host !== undefined ? { host: flags.host } : {}),
    ...(flags.seed !== undefined ? { seed: flags.seed } : {}),
    ...(flags.speed !== undefined ? { speed: flags.speed } : {}),
    ...(flags.now !== undefined ? { now: flags.now } : {}),
    ...(flags['lead-hours'] !== undefined ? { lead: { ms: flags['lead-hours'] * 3_600_000, speed: flags['lead-speed'] ?? flags.speed ?? 1 } } : {}),
    ...(flags['history-days'] !== undefined ? { historyDays: flags['history-days'] } : {}),
    ...(flags['leads-per-day'] !== undefined ? { leadsPerDay: flags['leads-per-day'] } : {}),
    ...(flags.token !== undefined ? { token: flags.token } : {}),
    ...(flags.db !== undefined ? { db: flags.db } : {}),
    ...(flags.store !== undefined ? { store: flags.store } : {}),
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
  if (flags.store && isPostgresUrl(flags.store)) console.log(`store: PostgreSQL ${describeUrl(flags.store)}`);
  console.log(`seq ${await centre.store.headSeq()}, epoch ${centre.store.epoch}, server time ${new Date(centre.clock()).toISOString()}`);
  console.log(`token: ${centre.token}`);
}

main().catch((err: unknown) => {
  if (err instanceof FlagError || err instanceof FixtureError || err instanceof StoreError || err instanceof TokenError) {
    console.error(`central: ${err.message}`);
    process.exit(2);
  }
  console.error(err);
  process.exit(1);
});
