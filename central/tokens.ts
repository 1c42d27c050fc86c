// The centre's display tokens: who may call it, bound to which scope, in which role. Issued
// tokens live in the store file, hashed; the tokens given on the command line (`--token`,
// `scopedTokens`) are "configured" tokens, held in memory, hashed the same way.
//
// sha256, not a slow password hash: an issued secret is 32 random bytes (256 bits), so there is
// no dictionary to try and nothing a slow hash would protect; a fast hash lets every request be
// checked against the store, which is what makes a revocation take effect on the next request.
import type Database from 'better-sqlite3';
import { createHash, randomBytes } from 'node:crypto';

export const tokenRoles = ['display', 'ingest', 'admin'] as const;
export type TokenRole = (typeof tokenRoles)[number];

/**
 * What a request may do, by role. Least privilege: a wall reads and writes notes; only admin sees
 * other displays; only a feeding system writes records (POST /v1/ingest), so a display's or an
 * operator's leaked token cannot forge leads.
 */
export type TokenAction = 'changes' | 'mutations' | 'heartbeat' | 'displays' | 'ingest';
const allowed: Record<TokenRole, readonly TokenAction[]> = {
  display: ['changes', 'mutations', 'heartbeat'],
  // A feeding system writes; it has no need to read the personal data the feed carries.
  ingest: ['mutations', 'ingest'],
  admin: ['changes', 'mutations', 'heartbeat', 'displays'],
};

export function roleAllows(role: TokenRole, action: TokenAction): boolean {
  return allowed[role].includes(action);
}

/** Who a bearer secret belongs to. */
export type Principal = { id: string; name: string; scope: string; role: TokenRole; source: 'configured' | 'issued' };

export type TokenInfo = { id: string; name: string; scope: string; role: TokenRole; createdAt: number; revokedAt: number | null };

export class TokenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TokenError';
  }
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** What the HTTP layer asks of tokens. */
export interface TokenRegistry {
  /** The principal of a bearer secret, or null (unknown or revoked). Read from the store on every call. */
  resolve(secret: string): Principal | null;
  /** Which of these principal ids are no longer valid (revoked since they were resolved). */
  revoked(ids: readonly string[]): Set<string>;
}

/** The tokens table's schema lives with the store's migrations (central/store.ts, migration 3). */
export class SqliteTokens {
  readonly #byHash: Database.Statement<[string], { id: string; name: string; scope: string; role: TokenRole }>;
  readonly #revoked: Database.Statement<[], { id: string }>;

  constructor(readonly db: Database.Database) {
    this.#byHash = db.prepare('SELECT id, name, scope, role FROM tokens WHERE hash = ? AND revoked_at IS NULL');
    this.#revoked = db.prepare('SELECT id FROM tokens WHERE revoked_at IS NOT NULL');
  }

  /**
   * Issues a token; the secret is returned once and only its hash is kept. Names are unique
   * among live tokens, so `revoke NAME` always means one token.
   */
  issue(opts: { name: string; scope: string; role: TokenRole; now: number }): { id: string; secret: string } {
    if (!/^[\p{L}\p{N}][\p{L}\p{N} ._@-]{0,59}$/u.test(opts.name)) throw new TokenError(`token name must be 1–60 letters, digits, spaces or . _ @ -, got ${JSON.stringify(opts.name)}`);
    if (!(tokenRoles as readonly string[]).includes(opts.role)) throw new TokenError(`role must be one of ${tokenRoles.join(', ')}, got ${JSON.stringify(opts.role)}`);
    const id = 'tk-' + randomBytes(6).toString('hex');
    // The prefix lets secret scanners and log scrubbers recognise a Guardpost token.
    const secret = 'gpt_' + randomBytes(32).toString('base64url');
    this.db.transaction(() => {
      const clash = this.db.prepare('SELECT id FROM tokens WHERE name = ? AND revoked_at IS NULL').get(opts.name) as { id: string } | undefined;
      if (clash) throw new TokenError(`a live token is already named ${JSON.stringify(opts.name)} (${clash.id}); revoke it first or choose another name`);
      this.db
        .prepare('INSERT INTO tokens (id, name, scope, role, hash, created_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, NULL)')
        .run(id, opts.name, opts.scope, opts.role, hashSecret(secret), opts.now);
    }).immediate();
    return { id, secret };
  }

  list(): TokenInfo[] {
    return this.db
      .prepare('SELECT id, name, scope, role, created_at AS createdAt, revoked_at AS revokedAt FROM tokens ORDER BY created_at, id')
      .all() as TokenInfo[];
  }

  /** Revokes the live token with this id or name; an unknown or already revoked one is an error. */
  revoke(nameOrId: string, now: number): TokenInfo {
    return this.db.transaction(() => {
      const row = this.db
        .prepare('SELECT id, name, scope, role, created_at AS createdAt, revoked_at AS revokedAt FROM tokens WHERE (id = ? OR name = ?) AND revoked_at IS NULL')
        .get(nameOrId, nameOrId) as TokenInfo | undefined;
      if (!row) throw new TokenError(`no live token with id or name ${JSON.stringify(nameOrId)}`);
      this.db.prepare('UPDATE tokens SET revoked_at = ? WHERE id = ?').run(now, row.id);
      return { ...row, revokedAt: now };
    }).immediate();
  }

  resolve(secret: string): Principal | null {
    const row = this.#byHash.get(hashSecret(secret));
    return row ? { ...row, source: 'issued' } : null;
  }

  revokedIds(): Set<string> {
    return new Set(this.#revoked.all().map((r) => r.id));
  }
}

/**
 * The registry a centre serves with: the configured tokens (command line; admin, as the
 * operator's own) and the issued ones in the store. Configured tokens end with the process.
 */
export function createTokenRegistry(configured: ReadonlyMap<string, string>, issued: SqliteTokens | null): TokenRegistry {
  const byHash = new Map<string, Principal>();
  let n = 0;
  for (const [secret, scope] of configured) {
    n++;
    byHash.set(hashSecret(secret), { id: `configured-${n}`, name: `configured token ${n}`, scope, role: 'admin', source: 'configured' });
  }
  return {
    resolve(secret) {
      return byHash.get(hashSecret(secret)) ?? issued?.resolve(secret) ?? null;
    },
    revoked(ids) {
      if (!issued || !ids.some((id) => id.startsWith('tk-'))) return new Set();
      const all = issued.revokedIds();
      return new Set(ids.filter((id) => all.has(id)));
    },
  };
}
