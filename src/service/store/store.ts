/**
 * The desk's durable state: positions, tickets with their full content and status history, the hedge ledger, hashed
 * API keys and a hash-chained audit log, in SQLite (the embedded default, better-sqlite3) or PostgreSQL (several
 * service instances on one database). The logic is written once, on the SQL interface of sql.ts; one class, built up
 * by job, one file each (every layer adds its methods to the one below it, so the store's API is one object):
 *
 * - core.ts: the database, the clock, the transaction helper, change notifications;
 * - audit.ts: the append-only, hash-chained audit log;
 * - keys.ts: API keys (hashed, expiring, rotated, revoked);
 * - positions.ts, tickets.ts (tickets and their transitions), ledger.ts (fills and holdings);
 * - check.ts: the consistency check of the whole store (`ilhedge db check`); backup.ts: online backup and restore;
 * - sqlite/driver.ts and pg/driver.ts: the two databases.
 */
import { LedgerStore } from './ledger.js';
import { SqliteDatabase } from './sqlite/driver.js';
import { canonicalJson, sha256Hex } from './types.js';
import type { StoredTicket, StoreOptions } from './types.js';
import type { SqlDatabase } from './sql.js';

export * from './types.js';
export * from './errors.js';
export type { KeyLifetime } from './keys.js';
export type { AuditChainReport } from './audit.js';
export type { SqlDatabase, SqlSession, SqlDialect, StoreChange } from './sql.js';

export class Store extends LedgerStore {
  /** True if the stored content still matches its checksum (used by the crash test and `GET /api/tickets/:id`). */
  static verifyTicket(ticket: StoredTicket): boolean {
    return sha256Hex(canonicalJson(ticket.content)) === ticket.contentSha256;
  }
}

/** True when `location` names a PostgreSQL database (`postgres://` or `postgresql://`) rather than a SQLite file. */
export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}

/** Opens the database at `location` (a SQLite file path, `:memory:`, or a PostgreSQL URL), migrated to this code. */
export async function openDatabase(
  location: string,
  options: Omit<StoreOptions, 'path' | 'now'> = {},
): Promise<SqlDatabase> {
  if (!isPostgresUrl(location)) return new SqliteDatabase(location, options);
  // Loaded only when asked for, so the embedded default never loads the PostgreSQL client.
  const { openPgDatabase } = await import('./pg/driver.js');
  return openPgDatabase(location, options);
}

/** Opens the store at `location` (see `openDatabase`). */
export async function openStore(
  location: string,
  now?: () => number,
  options: Omit<StoreOptions, 'path' | 'now'> = {},
): Promise<Store> {
  return new Store(await openDatabase(location, options), now);
}
