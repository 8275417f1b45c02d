/**
 * The desk's durable state in SQLite (better-sqlite3): positions, tickets with their full content and status
 * history, the hedge ledger, hashed API keys and a hash-chained audit log. One class, built up by job, one file
 * each (every layer adds its methods to the one below it, so the store's API is one object):
 *
 * - core.ts: the connection (WAL, `synchronous=FULL`: a write returns only after the WAL is fsynced, so anything the
 *   API has acknowledged survives SIGKILL or power loss), start-up checks, migrations, the transaction helper;
 * - audit.ts: the append-only, hash-chained audit log;
 * - keys.ts: API keys (hashed, expiring, rotated, revoked);
 * - positions.ts, tickets.ts (tickets and their transitions), ledger.ts (fills and holdings);
 * - check.ts: the consistency check of the whole store (`ilhedge db check`); backup.ts: online backup and restore.
 */
import { LedgerStore } from './ledger.js';
import { canonicalJson, sha256Hex } from './types.js';
import type { StoredTicket, StoreOptions } from './types.js';

export * from './types.js';
export * from './errors.js';
export type { KeyLifetime } from './keys.js';
export type { AuditChainReport } from './audit.js';

export class Store extends LedgerStore {
  /** True if the stored content still matches its checksum (used by the crash test and `GET /api/tickets/:id`). */
  static verifyTicket(ticket: StoredTicket): boolean {
    return sha256Hex(canonicalJson(ticket.content)) === ticket.contentSha256;
  }
}

export function openStore(path: string, now?: () => number, options: Omit<StoreOptions, 'path' | 'now'> = {}): Store {
  return new Store({ path, ...(now ? { now } : {}), ...options });
}
