/**
 * The codes only the HTTP edge raises (the resource a path names, the ticket workflow's rules, authentication and
 * the request itself), registered in the one registry beside every layer's (pricing/errors.ts). A route throws
 * `new HttpError(DEFINITION, message)`; the app's error handler answers every `IlhedgeError` the same way, with the
 * registered status and `{error: code, message}`.
 */
import { IlhedgeError, defineError, type ErrorDefinition } from '../../hedging/index.js';

export const NOT_FOUND = defineError(
  'not-found',
  404,
  'no position, ticket, holding or key with the id the path (or a body field, which the message names) gives',
);
export const FOUR_EYES = defineError(
  'four-eyes',
  409,
  'the key that proposed a ticket tried to approve it while the desk requires a second key (four-eyes)',
);
export const TICKET_EXPIRED = defineError(
  'ticket-expired',
  409,
  "a ticket past its time to live (the policy's approval.ttlMinutes) was approved or filled; propose a new one",
);
export const MARKET_MOVED = defineError(
  'market-moved',
  409,
  "on approval the re-priced ticket's price moved beyond approval.maxPriceMoveFraction from its proposal",
);
export const HOLDING_FLAT = defineError(
  'holding-flat',
  409,
  'a holding with no contracts left was closed (or a fill would close more than is held)',
);
export const CONFLICT = defineError(
  'conflict',
  409,
  'a ticket transition its status does not allow (approving a rejected ticket, filling a proposed one)',
);
export const NO_MARK = defineError(
  'no-mark',
  503,
  'a holding was closed without a price while its instrument has no mark to close at; give the closing price',
);
export const UNAUTHORIZED = defineError(
  'unauthorized',
  401,
  'no API key, or a key that is unknown, revoked or expired',
);
export const FORBIDDEN = defineError('forbidden', 403, "the key's role may not do this (viewer < trader < admin)");
export const PAYLOAD_TOO_LARGE = defineError('payload-too-large', 413, 'a request body over the size limit');

/** An error of the HTTP edge: a registered code and its status; `details` (validation issues) go in the body. */
export class HttpError extends IlhedgeError {
  /** The registered HTTP status (the same as `httpStatus`; routes and tests read it as `status`). */
  readonly status: number;
  constructor(
    definition: ErrorDefinition,
    message: string,
    readonly details?: unknown,
  ) {
    super(message, { definition });
    this.status = definition.httpStatus;
  }
}
