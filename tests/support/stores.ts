// The centre's stores for one test suite run over both: SQLite (a temporary file) and PostgreSQL
// (a fresh database in the run's throwaway cluster, tests/support/pg.ts).
import type { CentreOptions } from '../../central/centre.js';
import { PgStore } from '../../central/pgStore.js';
import { SqliteStore, type CentralStore } from '../../central/store.js';
import { freshDatabase } from './pg.js';

export const STORE_KINDS = ['sqlite', 'postgres'] as const;
export type StoreKind = (typeof STORE_KINDS)[number];

/**
 * The centre options that put it on a store of this kind; `onCleanup` receives what to run after
 * the centre has closed (dropping its database).
 */
export async function storeOptions(kind: StoreKind, onCleanup: (f: () => Promise<void>) => void): Promise<Pick<CentreOptions, 'store'>> {
  if (kind === 'sqlite') return {};
  const db = await freshDatabase();
  onCleanup(() => db.drop());
  return { store: db.url };
}

/** How many rows a table of the store holds (for what no API shows, such as history kept). */
export async function countRows(store: CentralStore, table: 'history' | 'records' | 'audit'): Promise<number> {
  if (store instanceof SqliteStore) return (store.db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
  if (store instanceof PgStore) return Number((await store.pool.query<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`)).rows[0]!.n);
  throw new Error('unknown store');
}
