// Display keys for the browser host: who may load the app and open its WebSocket, and with
// which role (shared/privacy.ts). Keys live in a JSON file the host re-reads when it changes,
// so a key is revoked without a restart; the file holds only SHA-256 hashes of the secrets
// (random 192-bit values, so a plain hash is enough: there is nothing to guess).
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import type http from 'node:http';
import { z } from 'zod';
import { FlagError, flagHelp, parseFlags } from '../../shared/args.js';
import { roles, type Role, type Viewer } from '../../shared/privacy.js';

export class KeyFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeyFileError';
  }
}

const keyEntry = z
  .object({
    name: z.string().min(1).max(100),
    role: z.enum(roles),
    hash: z.string().regex(/^sha256:[0-9a-f]{64}$/, 'must be sha256:<64 hex digits>'),
    revoked: z.boolean().optional(),
    created: z.string().max(40).optional(),
  })
  .strict();
const keysFile = z.object({ keys: z.array(keyEntry).max(1000) }).strict();
export type KeyEntry = z.infer<typeof keyEntry>;

export function hashKey(secret: string): string {
  return `sha256:${createHash('sha256').update(secret, 'utf8').digest('hex')}`;
}

export function newSecret(): string {
  return randomBytes(24).toString('base64url');
}

/** The keys a host accepts. `find` answers for the current set: a revoked key is refused at once. */
export interface KeyRing {
  find(secret: string | null | undefined): Viewer | null;
}

function match(entries: readonly KeyEntry[], secret: string | null | undefined): Viewer | null {
  if (!secret || secret.length > 200) return null;
  const h = Buffer.from(hashKey(secret));
  let found: Viewer | null = null;
  // Compare against every entry in constant time, so timing tells nothing of which is close.
  for (const e of entries) {
    const eh = Buffer.from(e.hash);
    if (eh.length === h.length && timingSafeEqual(eh, h) && !e.revoked) found = { role: e.role, name: e.name };
  }
  return found;
}

/** Keys given in memory: the key `npm start` makes for a loopback host, or one from `--key`. */
export class StaticKeys implements KeyRing {
  readonly #entries: KeyEntry[];
  constructor(keys: { name: string; role: Role; secret: string }[]) {
    this.#entries = keys.map((k) => ({ name: k.name, role: k.role, hash: hashKey(k.secret) }));
  }
  find(secret: string | null | undefined): Viewer | null {
    return match(this.#entries, secret);
  }
}

/** Several rings as one: a key any of them accepts is accepted (e.g. a keys file and the kiosk's own key). */
export class AnyKeys implements KeyRing {
  readonly #rings: KeyRing[];
  constructor(rings: KeyRing[]) {
    this.#rings = rings;
  }
  find(secret: string | null | undefined): Viewer | null {
    for (const r of this.#rings) {
      const v = r.find(secret);
      if (v) return v;
    }
    return null;
  }
}

export function parseKeysFile(text: string, file: string): KeyEntry[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new KeyFileError(`${file}: not JSON`);
  }
  const parsed = keysFile.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new KeyFileError(`${file}: ${issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid'}`);
  }
  const names = new Set<string>();
  for (const k of parsed.data.keys) {
    if (names.has(k.name)) throw new KeyFileError(`${file}: key name ${JSON.stringify(k.name)} appears twice`);
    names.add(k.name);
  }
  return parsed.data.keys;
}

/**
 * A keys file, re-read whenever it changes (checked on every request, by its size, time and
 * inode). A file that turns bad fails closed: every key is refused until it is fixed, and the
 * reason is logged, because a half-written revocation must not leave the revoked key working.
 */
export class FileKeys implements KeyRing {
  readonly file: string;
  readonly #log: (m: string) => void;
  #entries: KeyEntry[];
  #stamp: string;

  constructor(file: string, log: (m: string) => void = () => {}) {
    this.file = file;
    this.#log = log;
    if (!existsSync(file)) throw new KeyFileError(`${file}: no such keys file (make one with: keys add NAME --keys ${file})`);
    this.#stamp = this.#statStamp();
    this.#entries = parseKeysFile(readFileSync(file, 'utf8'), file);
  }

  #statStamp(): string {
    try {
      const s = statSync(this.file);
      return `${s.ino}:${s.size}:${s.mtimeMs}`;
    } catch {
      return 'missing';
    }
  }

  #current(): KeyEntry[] {
    const stamp = this.#statStamp();
    if (stamp !== this.#stamp) {
      this.#stamp = stamp;
      try {
        this.#entries = parseKeysFile(readFileSync(this.file, 'utf8'), this.file);
        this.#log(`host: keys file re-read (${this.#entries.filter((e) => !e.revoked).length} active keys)`);
      } catch (err) {
        this.#entries = [];
        this.#log(`host: refusing every key until the keys file is fixed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    return this.#entries;
  }

  find(secret: string | null | undefined): Viewer | null {
    return match(this.#current(), secret);
  }
}

/** The cookie a paired browser presents; named by port, since cookies ignore ports. */
export function cookieName(port: number): string {
  return `guardpost_key_${port}`;
}

export function readCookie(req: http.IncomingMessage, name: string): string | null {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return decodeURIComponent(part.slice(i + 1).trim());
  }
  return null;
}

/** Chromium keeps a cookie at most 400 days; the host renews it at every page load and socket. */
const COOKIE_MAX_AGE_S = 400 * 24 * 3600;

export function keyCookie(port: number, secret: string, secure: boolean): string {
  return `${cookieName(port)}=${encodeURIComponent(secret)}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${COOKIE_MAX_AGE_S}${secure ? '; Secure' : ''}`;
}

export function bearer(req: http.IncomingMessage): string | null {
  return /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? null;
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function readEntries(file: string): KeyEntry[] {
  return existsSync(file) ? parseKeysFile(readFileSync(file, 'utf8'), file) : [];
}

/** Written whole and renamed into place, so the host never reads half a file. */
function writeEntries(file: string, entries: KeyEntry[]): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify({ keys: entries }, null, 2) + '\n', { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
}

const keysSpec = {
  keys: { kind: 'string', help: 'the keys file the host reads (--keys on the host)' },
  role: { kind: 'string', help: 'add: wall (default: masked view) or unmask (the full record, every view recorded)' },
  help: { kind: 'bool', help: 'show this help' },
} as const;

/**
 * `start keys add NAME [--role wall|unmask] --keys FILE` prints a new key once (only its hash is
 * kept); `keys revoke NAME --keys FILE` revokes it (a running host refuses it at its next
 * request and closes its sockets); `keys list --keys FILE` lists names, roles and states.
 */
export function keysCommand(argv: readonly string[], out: (line: string) => void = console.log): void {
  const [verb, name, ...rest] = argv;
  const usage = `usage: keys add NAME [--role wall|unmask] --keys FILE | keys revoke NAME --keys FILE | keys list --keys FILE\n\n${flagHelp(keysSpec)}`;
  const flags = parseFlags(keysSpec, verb === 'list' ? argv.slice(1) : rest);
  if (flags.help || !verb) {
    out(usage);
    return;
  }
  if (!flags.keys) throw new FlagError('keys: --keys FILE is needed');
  const file = flags.keys;
  const entries = readEntries(file);
  if (verb === 'list') {
    for (const e of entries) out(`${e.name}\t${e.role}\t${e.revoked ? 'revoked' : 'active'}\t${e.created ?? ''}`);
    return;
  }
  if (!name || name.startsWith('--')) throw new FlagError(`keys ${verb}: a key NAME is needed\n${usage}`);
  if (verb === 'add') {
    const role = flags.role ?? 'wall';
    if (!(roles as readonly string[]).includes(role)) throw new FlagError(`keys add: --role must be one of ${roles.join(', ')}, got ${JSON.stringify(role)}`);
    if (entries.some((e) => e.name === name)) throw new FlagError(`keys add: a key named ${JSON.stringify(name)} exists; revoke it and choose another name`);
    const secret = newSecret();
    const entry = keyEntry.parse({ name, role, hash: hashKey(secret), created: new Date().toISOString() });
    writeEntries(file, [...entries, entry]);
    out(secret);
    return;
  }
  if (verb === 'revoke') {
    const e = entries.find((k) => k.name === name);
    if (!e) throw new FlagError(`keys revoke: no key named ${JSON.stringify(name)} in ${file}`);
    writeEntries(file, entries.map((k) => (k.name === name ? { ...k, revoked: true } : k)));
    out(`revoked ${name}`);
    return;
  }
  throw new FlagError(`keys: unknown command ${JSON.stringify(verb)}\n${usage}`);
}
