/**
 * The store a test runs on. The service's tests run twice (vitest.config.ts, projects `sqlite` and `postgres`): on
 * the embedded SQLite store, and with `ILHEDGE_TEST_STORE=postgres` on a fresh PostgreSQL database of the run's
 * server (globalSetup.ts). Tests that are about SQLite itself (its files, its backup, its crash recovery) open
 * their files directly and run in the `sqlite` project only.
 */
import { freshPgUrl } from './postgres.js';

export type TestStoreKind = 'sqlite' | 'postgres';

export function testStoreKind(): TestStoreKind {
  const kind = process.env['ILHEDGE_TEST_STORE'] ?? 'sqlite';
  if (kind !== 'sqlite' && kind !== 'postgres') {
    throw new Error(`ILHEDGE_TEST_STORE=${kind}: must be sqlite or postgres`);
  }
  return kind;
}

/** Where a test's store is: an in-memory SQLite database, or a new PostgreSQL database named after `name`. */
export async function testStoreLocation(name: string): Promise<string> {
  return testStoreKind() === 'postgres' ? freshPgUrl(name) : ':memory:';
}
