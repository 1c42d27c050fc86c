// The centre's display tokens: who may call it, bound to which scope, in which role. Issued
// tokens live in the store (SQLite file or PostgreSQL database), hashed; the tokens given on the command line (`--token`,
// `scopedTokens`) are "configured" tokens, held in memory, hashed the same way.
//
// sha256, not a slow password hash: an issued secret is 32 random bytes (256 bits), so there is
// no dictionary to try and nothing a slow hash would protect; a fast hash lets every request be
// checked against the store, which is what makes a revocation take effect on the next request.
import { createHash, randomBytes } from 'node:crypto';
import type { TokenTable } from './store.js';

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
  resolve(secret: string): Promise<Principal | null>;
  /** Which of these principal ids are no longer valid (revoked since they were resolved). */
  revoked(ids: readonly string[]): Promise<Set<string>>;
}

/** The issued tokens: their rules here, their rows in the store (each store's tokens table). */
export class Tokens {
  constructor(readonly table: TokenTable) {}

  /**
   * Issues a token; the secret is returned once and only its hash is kept. Names are unique
   * among live tokens, so `revoke NAME` always means one token.
   */
  async issue(opts: { name: string; scope: string; role: TokenRole; now: number }): Promise<{ id: string; secret: string }> {
    if (!/^[\p{L}\p{N}][\p{L}\p{N} ._@-]{0,59}$/u.test(opts.name)) throw new TokenError(`token name must be 1–60 letters, digits, spaces or . _ @ -, got ${JSON.stringify(opts.name)}`);
    if (!(tokenRoles as readonly string[]).includes(opts.role)) throw new TokenError(`role must be one of ${tokenRoles.join(', ')}, got ${JSON.stringify(opts.role)}`);
    const id = 'tk-' + randomBytes(6).toString('hex');
    // The prefix lets secret scanners and log scrubbers recognise a Guardpost token.
    const secret = 'gpt_' + randomBytes(32).toString('base64url');
    const clash = await this.table.insertToken({ id, name: opts.name, scope: opts.scope, role: opts.role, hash: hashSecret(secret), createdAt: opts.now, revokedAt: null });
    if (clash !== null) throw new TokenError(`a live token is already named ${JSON.stringify(opts.name)} (${clash}); revoke it first or choose another name`);
    return { id, secret };
  }

  async list(): Promise<TokenInfo[]> {
    return (await this.table.listTokens()) as TokenInfo[];
  }

  /** Revokes the live token with this id or name; an unknown or already revoked one is an error. */
  async revoke(nameOrId: string, now: number): Promise<TokenInfo> {
    const row = await this.table.revokeToken(nameOrId, now);
    if (!row) throw new TokenError(`no live token with id or name ${JSON.stringify(nameOrId)}`);
    return row as TokenInfo;
  }

  async resolve(secret: string): Promise<Principal | null> {
    const row = await this.table.tokenByHash(hashSecret(secret));
    return row ? { ...row, role: row.role as TokenRole, source: 'issued' } : null;
  }

  revokedIds(): Promise<Set<string>> {
    return this.table.revokedTokenIds();
  }
}

/**
 * The registry a centre serves with: the configured tokens (command line; admin, as the
 * operator's own) and the issued ones in the store. Configured tokens end with the process.
 */
export function createTokenRegistry(configured: ReadonlyMap<string, string>, issued: Tokens | null): TokenRegistry {
  const byHash = new Map<string, Principal>();
  let n = 0;
  for (const [secret, scope] of configured) {
    n++;
    byHash.set(hashSecret(secret), { id: `configured-${n}`, name: `configured token ${n}`, scope, role: 'admin', source: 'configured' });
  }
  return {
    async resolve(secret) {
      return byHash.get(hashSecret(secret)) ?? (await issued?.resolve(secret)) ?? null;
    },
    async revoked(ids) {
      if (!issued || !ids.some((id) => id.startsWith('tk-'))) return new Set();
      const all = await issued.revokedIds();
      return new Set(ids.filter((id) => all.has(id)));
    },
  };
}
