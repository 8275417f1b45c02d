/**
 * PostgreSQL's failures as the store's coded errors (../errors.ts), as `storeErrorOf` does for SQLite's: a full disk
 * is `store-full`, a lock held past the lock timeout `store-busy`, a lost or refused connection (the server shut
 * down, restarted, unreachable) `store-unavailable`; each message names the database (its URL without the password)
 * and what was not done. Constraint violations (SQLSTATE class 23, which the append-only triggers raise too) are
 * passed through unchanged: the store treats them as it treats SQLite's SQLITE_CONSTRAINT.
 */
import { StoreBusyError, StoreError, StoreFullError } from '../errors.js';

/** The SQLSTATE of a server error (`pg`'s DatabaseError has a five-character `code`), or null. */
export function sqlStateOf(error: unknown): string | null {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : null;
}

/** A serialization failure or a deadlock: the transaction was rolled back by the server and may simply be rerun. */
export function isRetryable(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const state = sqlStateOf(e);
    if (state === '40001' || state === '40P01') return true;
  }
  return false;
}

/** Node's socket errors and `pg`'s own connection messages: the server could not be reached or went away. */
const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH']);
const CONNECTION_MESSAGES = [
  /Connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /not queryable/i,
  /Client was closed/i,
  /connection (?:is )?(?:closed|ended)/i,
];

export function isConnectionFailure(error: unknown): boolean {
  const state = sqlStateOf(error);
  // 08: connection exception; 57P01-03: the server is shutting down, crashed, or not yet accepting connections.
  if (state !== null) return state.startsWith('08') || /^57P0[1-3]$/.test(state);
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && CONNECTION_CODES.has(code)) return true;
  const message = error instanceof Error ? error.message : '';
  return CONNECTION_MESSAGES.some((m) => m.test(message));
}

/**
 * A PostgreSQL failure as a coded StoreError naming `location` and `what` (e.g. "ticket create"); a constraint
 * violation, an error of the store's own logic (a refused transition) or one already coded is returned unchanged.
 */
export function pgStoreErrorOf(error: unknown, location: string, what: string): unknown {
  if (error instanceof StoreError) return error;
  const state = sqlStateOf(error);
  const message = error instanceof Error ? error.message : String(error);
  const reason = state === null ? message : `${message} (SQLSTATE ${state})`;
  if (state?.startsWith('23')) return error;
  if (state === '53100') {
    return new StoreFullError(
      `database ${location} is full: ${what} was not written (${reason}); reads go on; free space and retry`,
      30,
      { cause: error },
    );
  }
  // 55P03: lock_timeout passed while waiting (for the write lock or a row); 57014: statement_timeout;
  // 40001/40P01 once the retries are spent (see driver.ts).
  if (state === '55P03' || state === '57014' || state === '40001' || state === '40P01') {
    return new StoreBusyError(
      `database ${location} is locked by another connection: ${what} was not written (${reason}); retry`,
      1,
      { cause: error },
    );
  }
  if (isConnectionFailure(error)) {
    return new StoreError(
      `database ${location} is unreachable: ${what} was not done (${reason}); retry once the server is back`,
      5,
      { cause: error },
    );
  }
  // Any other server error (a syntax error, a type mismatch, out of memory): as SQLite's other codes, a 503.
  if (state !== null) return new StoreError(`database ${location}: ${what} failed (${reason})`, 5, { cause: error });
  return error;
}

/** `url` without its password (for messages, logs and `/ready`); a string that is not a URL is returned whole. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.password = '';
    return parsed.toString();
  } catch {
    return url.replace(/:[^:@/]*@/, '@');
  }
}
