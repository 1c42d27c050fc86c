// The tests' PostgreSQL: one throwaway cluster (tests/support/pg-cluster.ts) per test run, started
// and stopped by tests/support/pg-global.ts; each test gets a database of its own.
import pg from 'pg';
import { inject } from 'vitest';

let counter = 0;

/** The running cluster's admin URL (from the run's global setup). */
export function clusterUrl(): string {
  const url = inject('pgUrl');
  if (!url) throw new Error('no PostgreSQL cluster: tests/support/pg-global.ts did not run');
  return url;
}

/** A URL with the database part replaced. */
export function databaseUrl(url: string, db: string): string {
  const u = new URL(url);
  u.pathname = '/' + db;
  return u.toString();
}

/**
 * A fresh, empty database for one test; `drop()` removes it (after every connection to it has
 * closed).
 */
export async function freshDatabase(): Promise<{ url: string; name: string; drop(): Promise<void> }> {
  const admin = clusterUrl();
  const name = `t_${process.pid}_${++counter}_${Math.random().toString(36).slice(2, 8)}`;
  const c = new pg.Client({ connectionString: admin });
  await c.connect();
  try {
    await c.query(`CREATE DATABASE ${name} TEMPLATE template0 ENCODING 'UTF8'`);
  } finally {
    await c.end();
  }
  return {
    url: databaseUrl(admin, name),
    name,
    async drop() {
      const d = new pg.Client({ connectionString: admin });
      await d.connect();
      try {
        await d.query(`DROP DATABASE IF EXISTS ${name}`);
      } finally {
        await d.end();
      }
    },
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    pgUrl: string;
  }
}
