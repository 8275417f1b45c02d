/**
 * Typed errors of the market-data layer, registered in the one error registry (pricing/errors.ts: a stable
 * kebab-case `code` and an HTTP status per class). ccxt raises its own hierarchy (`js/src/base/errorHierarchy.js`); every
 * ccxt error that leaves an adapter is translated by `fromCcxtError` into a `VenueError` whose message names the
 * venue, the symbol and the operation, and whose `kind` says whether a retry can help. This file does not import
 * ccxt (so the CLI can load it cheaply): ccxt classes are recognised by their class names along the prototype chain.
 */
import type { Venue } from './model.js';
import { defineError, IlhedgeError, type ErrorDefinition } from '../pricing/errors.js';
import { MS_PER_DAY, MS_PER_HOUR, MS_PER_MINUTE, MS_PER_SECOND } from '../pricing/time.js';

export const MARKET_DATA = defineError(
  'market-data',
  502,
  'market data could not be loaded or read (a bad source spec, an unreadable recording, a feed without data)',
);
export const VENUE_ERROR = defineError(
  'venue-error',
  502,
  'a venue call failed (timeout, rate limit, maintenance, rejection); `kind` and `retryable` say whether to retry',
);
export const STALE_QUOTES = defineError(
  'stale-quotes',
  503,
  "quotes older than the caller's or the policy's maximum age, judged on the caller's asOfMs (the data's own clock in replay)",
);
export const UNKNOWN_INSTRUMENT = defineError(
  'unknown-instrument',
  404,
  'a symbol or venue id the venue does not list (refused before ccxt can invent a market)',
);
export const INCONSISTENT_MARKET = defineError(
  'inconsistent-market',
  502,
  'venue data that contradicts itself (a contract size that disagrees with the raw field, a missing forward)',
);
export const REPLAY_MISS = defineError(
  'replay-miss',
  502,
  'a replay asked for a response the recording does not hold (replay never falls through to the network)',
);

/** Base class of every market-data error: the CLI prints its message alone. */
export class MarketDataError extends IlhedgeError {
  static override readonly definition: ErrorDefinition = MARKET_DATA;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** What went wrong talking to a venue, coarse enough to decide on a retry or a back-off. */
export type VenueErrorKind =
  | 'timeout'
  | 'rate-limit'
  | 'maintenance'
  | 'unavailable'
  | 'network'
  | 'bad-symbol'
  | 'auth'
  | 'bad-request'
  | 'not-supported'
  | 'bad-response'
  | 'rejected'
  | 'unknown';

export interface VenueErrorContext {
  venue: Venue | string;
  /** ccxt symbol or venue id the call was about, when there was one. */
  symbol?: string;
  /** The unified method, e.g. `fetchOptionChain`. */
  operation?: string;
}

/** A failure reported by (or on the way to) a venue, translated from ccxt. */
export class VenueError extends MarketDataError {
  static override readonly definition: ErrorDefinition = VENUE_ERROR;
  constructor(
    readonly kind: VenueErrorKind,
    /** The ccxt class that was raised, e.g. `RateLimitExceeded`; `Error` for a non-ccxt error. */
    readonly ccxtClass: string,
    readonly context: VenueErrorContext,
    /** True when waiting and retrying can succeed (network, timeout, rate limit, maintenance). */
    readonly retryable: boolean,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A quote older than the allowed age relative to the caller's `asOfMs`. */
export class StaleQuoteError extends MarketDataError {
  static override readonly definition: ErrorDefinition = STALE_QUOTES;
  constructor(
    readonly symbol: string,
    readonly ageMs: number,
    readonly maxAgeMs: number,
  ) {
    super(`${symbol}: quote is ${formatAge(ageMs)} old, more than the allowed ${formatAge(maxAgeMs)}`);
  }
}

/** A symbol or venue id the venue does not list (checked before ccxt can invent a market: ccxt's `safeMarket` never throws and builds one from the id). */
export class UnknownInstrumentError extends MarketDataError {
  static override readonly definition: ErrorDefinition = UNKNOWN_INSTRUMENT;
  constructor(
    readonly venue: string,
    readonly symbol: string,
    hint?: string,
  ) {
    super(`${venue}: unknown instrument ${JSON.stringify(symbol)}${hint ? ` (${hint})` : ''}`);
  }
}

/** Data that contradicts itself: a contract size that disagrees with the raw field, a missing forward, ... */
export class InconsistentMarketError extends MarketDataError {
  static override readonly definition: ErrorDefinition = INCONSISTENT_MARKET;
  constructor(
    readonly venue: string,
    readonly symbol: string,
    readonly reason: string,
  ) {
    super(`${venue} ${symbol}: ${reason}`);
  }
}

/** A replay asked for a response that is not in the recording (never falls through to the network). */
export class ReplayMissError extends MarketDataError {
  static override readonly definition: ErrorDefinition = REPLAY_MISS;
  constructor(
    readonly method: string,
    readonly routeKey: string,
    readonly recording: string,
  ) {
    super(`replay ${recording}: no recorded response for ${method} ${routeKey}`);
  }
}

/** ccxt class name -> kind, most specific first (ccxt's hierarchy: RateLimitExceeded < NetworkError, ...). */
const CCXT_KINDS: readonly (readonly [string, VenueErrorKind, boolean])[] = [
  ['RequestTimeout', 'timeout', true],
  ['RateLimitExceeded', 'rate-limit', true],
  ['DDoSProtection', 'rate-limit', true],
  ['OnMaintenance', 'maintenance', true],
  ['ExchangeNotAvailable', 'unavailable', true],
  ['InvalidNonce', 'network', true],
  ['NetworkError', 'network', true],
  ['BadSymbol', 'bad-symbol', false],
  ['AuthenticationError', 'auth', false],
  ['PermissionDenied', 'auth', false],
  ['ArgumentsRequired', 'bad-request', false],
  ['BadRequest', 'bad-request', false],
  ['NotSupported', 'not-supported', false],
  ['NullResponse', 'bad-response', true],
  ['BadResponse', 'bad-response', true],
  ['ExchangeError', 'rejected', false],
  ['OperationFailed', 'unknown', true],
  ['BaseError', 'unknown', false],
];

const KIND_TEXT: Record<VenueErrorKind, string> = {
  timeout: 'request timed out',
  'rate-limit': 'rate limit exceeded (backing off is required; Deribit closes the session on repeated excess)',
  maintenance: 'venue is under maintenance',
  unavailable: 'venue is not available',
  network: 'network error',
  'bad-symbol': 'venue rejected the symbol',
  auth: 'authentication or permission error',
  'bad-request': 'venue rejected the request',
  'not-supported': 'not supported by this venue in ccxt',
  'bad-response': 'unreadable response from the venue',
  rejected: 'venue returned an error',
  unknown: 'failed',
};

function classNames(error: unknown): string[] {
  const names: string[] = [];
  let proto = error !== null && typeof error === 'object' ? Object.getPrototypeOf(error) : null;
  while (proto && proto !== Object.prototype) {
    const ctor = (proto as { constructor?: { name?: string } }).constructor;
    if (ctor?.name) names.push(ctor.name);
    proto = Object.getPrototypeOf(proto);
  }
  return names;
}

/** The ccxt class of an error, or undefined when it is not a ccxt error. */
export function ccxtErrorClass(error: unknown): string | undefined {
  const names = classNames(error);
  return names.includes('BaseError') ? names[0] : undefined;
}

/**
 * Translates anything thrown while talking to a venue into a `MarketDataError`. Errors that already are
 * market-data errors pass through unchanged.
 */
export function fromCcxtError(error: unknown, context: VenueErrorContext): MarketDataError {
  if (error instanceof MarketDataError) return error;
  const names = classNames(error);
  const where = `${context.venue}${context.symbol ? ` ${context.symbol}` : ''}${context.operation ? ` (${context.operation})` : ''}`;
  const raw = error instanceof Error ? error.message : String(error);
  const detail = raw.length > 300 ? raw.slice(0, 300) + '...' : raw;
  if (names.includes('BaseError')) {
    for (const [cls, kind, retryable] of CCXT_KINDS) {
      if (names.includes(cls)) {
        return new VenueError(kind, names[0] ?? cls, context, retryable, `${where}: ${KIND_TEXT[kind]}: ${detail}`, {
          cause: error,
        });
      }
    }
  }
  return new VenueError('unknown', names[0] ?? 'Error', context, false, `${where}: ${detail}`, { cause: error });
}

/** `1.5 s`, `3 min`, `2.1 h`, `4.0 d`: ages for messages. */
export function formatAge(ms: number): string {
  const abs = Math.abs(ms);
  const sign = ms < 0 ? '-' : '';
  if (abs < MS_PER_SECOND) return `${sign}${Math.round(abs)} ms`;
  if (abs < 2 * MS_PER_MINUTE) return `${sign}${(abs / MS_PER_SECOND).toFixed(1)} s`;
  if (abs < 2 * MS_PER_HOUR) return `${sign}${(abs / MS_PER_MINUTE).toFixed(1)} min`;
  if (abs < 2 * MS_PER_DAY) return `${sign}${(abs / MS_PER_HOUR).toFixed(1)} h`;
  return `${sign}${(abs / MS_PER_DAY).toFixed(1)} d`;
}
