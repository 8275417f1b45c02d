/**
 * PostgreSQL for a test file: `freshPgUrl(name)` creates a new database on the run's server (test/globalSetup.ts)
 * and returns its URL. Each call is a new database, so test files (which run in parallel) never see each other's
 * rows, and a test may take several. It is a copy of the run's template, already migrated to this code's schema
 * (copying is faster than migrating each); `{ empty: true }` gives a database never migrated.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';

let created = 0;

/** The run's server: its admin URL, and whether it is the embedded one. */
export function testPgServer(): { adminUrl: string; embedded: boolean; startMs: number } {
  const server = inject('ilhedgePg');
  if (!server) throw new Error('no test PostgreSQL server: test/globalSetup.ts must be vitest.config.ts globalSetup');
  return server;
}

/** `url` with its database replaced by `database`. */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/** Creates the database `name` on the server of `adminUrl`, as a copy of `template` when given. */
export async function createDatabase(adminUrl: string, name: string, template?: string): Promise<void> {
  if (Buffer.byteLength(name) > 63) throw new Error(`database name ${name} is longer than 63 bytes`);
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE "${name}"${template ? ` TEMPLATE "${template}"` : ''}`);
  } finally {
    await client.end();
  }
}

/** Creates a new database (its name from `name`, made unique) and returns its URL. */
export async function freshPgUrl(name: string, options: { empty?: boolean } = {}): Promise<string> {
  const { adminUrl, databasePrefix, template } = inject('ilhedgePg');
  const slug = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .slice(0, 16);
  // At most 63 bytes (PostgreSQL cuts longer names short, and the URL would name a database that is not there).
  const database = `${databasePrefix}${slug}_${process.pid.toString(36)}${++created}${randomBytes(2).toString('hex')}`;
  await createDatabase(adminUrl, database, options.empty ? undefined : template);
  return withDatabase(adminUrl, database);
}

/** Runs one statement as the server's admin (e.g. `pg_terminate_backend`), outside any test database. */
export async function adminQuery<R extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: testPgServer().adminUrl });
  await client.connect();
  try {
    return (await client.query<R>(sql, params)).rows;
  } finally {
    await client.end();
  }
}
