// Row-level comparison of a replica with the centre: every row's id, version and a sha256 of its
// data, per entity. Ids and versions alone would call a replica "converged" while it held the
// wrong content under the right version (a mangled apply, a lost field, a stale update).
import { createHash } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { Centre } from '../../central/centre.js';
import { visibleIn } from '../../central/store.js';
import { entityNames, type EntityName } from '../../shared/protocol.js';

export type RowDigests = Record<EntityName, string[]>;

/** JSON with object keys sorted at every depth, so equal data gives equal text whatever its key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value as object)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value);
}

/** `id:v:sha256(canonical data)` for one stored row (data as the JSON text it was stored as). */
export function rowDigest(id: string, v: number, data: string): string {
  return `${id}:${v}:${createHash('sha256').update(canonicalJson(JSON.parse(data))).digest('hex')}`;
}

function empty(): RowDigests {
  return Object.fromEntries(entityNames.map((e) => [e, []])) as unknown as RowDigests;
}

/** Every row of a replica database, per entity, sorted by id. */
export function replicaDigests(db: Database.Database): RowDigests {
  const out = empty();
  for (const e of entityNames) {
    for (const r of db.prepare(`SELECT id, v, data FROM ${e} ORDER BY id`).iterate() as Iterable<{ id: string; v: number; data: string }>) out[e].push(rowDigest(r.id, r.v, r.data));
  }
  return out;
}

/** Every live record the centre holds within a scope, per entity, sorted by id. */
export async function centreDigests(centre: Pick<Centre, 'store'>, scope = 'SZ'): Promise<RowDigests> {
  const path = await centre.store.unitPath(scope);
  if (!path) throw new Error(`the centre has no unit ${scope}`);
  const out = empty();
  for (const e of entityNames) for (const r of await centre.store.live(e)) if (visibleIn(e, r.path, path)) out[e].push(rowDigest(r.id, r.v, r.data));
  return out;
}

/**
 * What differs between two sets of digests, one line per differing row (at most `limit`), or []
 * when they are the same. Names the row and how it differs, so a failure says where to look.
 */
export function rowDifferences(replica: RowDigests, centre: RowDigests, limit = 10): string[] {
  const out: string[] = [];
  for (const e of entityNames) {
    // Ids may hold ':'; the version and the hash never do.
    const key = (d: string) => d.slice(0, d.lastIndexOf(':', d.lastIndexOf(':') - 1));
    const mine = new Map(replica[e].map((d) => [key(d), d]));
    const theirs = new Map(centre[e].map((d) => [key(d), d]));
    for (const [id, d] of theirs) {
      const m = mine.get(id);
      if (m === undefined) out.push(`${e} ${id}: missing from the replica (centre ${d.slice(id.length + 1)})`);
      else if (m !== d) out.push(`${e} ${id}: replica ${m.slice(id.length + 1)}, centre ${d.slice(id.length + 1)}`);
    }
    for (const [id, m] of mine) if (!theirs.has(id)) out.push(`${e} ${id}: in the replica (${m.slice(id.length + 1)}) but not at the centre`);
  }
  return out.length > limit ? [...out.slice(0, limit), `… and ${out.length - limit} more`] : out;
}

/** Throws, naming the differing rows, unless the replica holds exactly the centre's rows and data. */
export async function assertSameRows(db: Database.Database, centre: Centre, scope = 'SZ'): Promise<void> {
  const diff = rowDifferences(replicaDigests(db), await centreDigests(centre, scope));
  if (diff.length) throw new Error(`replica rows differ from the centre's:\n${diff.join('\n')}`);
}
