/**
 * The store's errors. The ticket and ledger conflicts (a refused transition, an expired ticket, four-eyes, a flat
 * holding, an unknown id) carry the HTTP edge's codes (src/service/httpErrors.ts: 404/409), so a route lets them
 * through as they are. The database's own failures are coded errors of the
 * one registry (pricing/errors.ts): a full disk, a lock held past the busy timeout and other I/O failures are 503
 * (the write was not made, reads go on, retry later: `retryAfterS`), a damaged file is `store-corrupt`.
 */
import { IlhedgeError, defineError } from '../../../hedging/index.js';
import { CONFLICT, FOUR_EYES, HOLDING_FLAT, NOT_FOUND, TICKET_EXPIRED } from '../httpErrors.js';
import type { TicketStatus } from './types.js';

/** A transition the ticket's status does not allow; from `expired` it is `ticket-expired`, else `conflict`. */
export class TransitionError extends IlhedgeError {
  static override readonly definition = CONFLICT;
  constructor(
    readonly ticketId: string,
    readonly from: TicketStatus,
    readonly to: TicketStatus,
  ) {
    super(`ticket ${ticketId} is ${from}; cannot move to ${to}`, {
      definition: from === 'expired' ? TICKET_EXPIRED : CONFLICT,
    });
  }
}

/** A proposed ticket past its TTL: it can only expire. */
export class TicketExpiredError extends IlhedgeError {
  static override readonly definition = TICKET_EXPIRED;
  constructor(
    readonly ticketId: string,
    readonly expiresAtMs: number,
  ) {
    super(`ticket ${ticketId} expired at ${new Date(expiresAtMs).toISOString()}; propose a new one`);
  }
}

/** Four-eyes: the key that proposed a ticket may not approve it. */
export class FourEyesError extends IlhedgeError {
  static override readonly definition = FOUR_EYES;
  constructor(
    readonly ticketId: string,
    readonly proposer: string,
  ) {
    super(`ticket ${ticketId} was proposed by ${proposer.replace(/^key:/, 'key ')}; a different key must approve it`);
  }
}

/** A holding that is flat cannot be closed again. */
export class HoldingFlatError extends IlhedgeError {
  static override readonly definition = HOLDING_FLAT;
  constructor(readonly holdingId: string) {
    super(`holding ${holdingId} is flat: nothing to close`);
  }
}

export class NotFoundError extends IlhedgeError {
  static override readonly definition = NOT_FOUND;
  constructor(
    readonly kind: string,
    readonly id: string,
  ) {
    super(`${kind} ${id} not found`);
  }
}

export const STORE_FULL = defineError(
  'store-full',
  503,
  'the database refused a write because the disk (or its size limit) is full; nothing was written, reads go on',
);
export const STORE_BUSY = defineError(
  'store-busy',
  503,
  'the database is locked by another connection past the busy timeout; nothing was written, retry',
);
export const STORE_UNAVAILABLE = defineError(
  'store-unavailable',
  503,
  "the database could not be written or read (an I/O failure, a read-only file); the message gives SQLite's reason",
);
export const STORE_CORRUPT = defineError(
  'store-corrupt',
  500,
  'the database file is damaged or not an ilhedge database (start-up refuses it; restore a backup)',
);

/** A failure of the database itself (not of the request): the message says what was not done and why. */
export class StoreError extends IlhedgeError {
  static override readonly definition = STORE_UNAVAILABLE;
  constructor(
    message: string,
    /** Seconds after which a retry may succeed (HTTP `Retry-After`), or null. */
    readonly retryAfterS: number | null = null,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export class StoreFullError extends StoreError {
  static override readonly definition = STORE_FULL;
}

export class StoreBusyError extends StoreError {
  static override readonly definition = STORE_BUSY;
}

export class StoreCorruptError extends StoreError {
  static override readonly definition = STORE_CORRUPT;
}

/** SQLite's extended result code of a better-sqlite3 `SqliteError` (e.g. `SQLITE_FULL`, `SQLITE_BUSY_SNAPSHOT`). */
export function sqliteCodeOf(error: unknown): string | null {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_') ? code : null;
}

/**
 * A database failure as a coded StoreError naming the database and what was not done (`what`, e.g. "ticket
 * create"); any other error (a refused transition, a bad fill) is returned unchanged.
 */
export function storeErrorOf(error: unknown, path: string, what: string): unknown {
  const code = sqliteCodeOf(error);
  if (!code || error instanceof StoreError) return error;
  const reason = `${(error as Error).message} (${code})`;
  if (code === 'SQLITE_FULL') {
    return new StoreFullError(
      `database ${path} is full: ${what} was not written (${reason}); reads go on; free space and retry`,
      30,
      { cause: error },
    );
  }
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new StoreBusyError(
      `database ${path} is locked by another connection: ${what} was not written (${reason}); retry`,
      1,
      { cause: error },
    );
  }
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') {
    return new StoreCorruptError(`database ${path} is damaged: ${what} failed (${reason})`, null, { cause: error });
  }
  if (code.startsWith('SQLITE_CONSTRAINT')) return error;
  return new StoreError(`database ${path}: ${what} failed (${reason})`, 5, { cause: error });
}
