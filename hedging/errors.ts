/**
 * Typed errors of the hedging layer, registered in the one error registry (pricing/errors.ts): each has a stable
 * kebab-case `code` and an HTTP status, and says which input (position, candidate, policy field, quote) was wrong
 * and why, so the CLI prints it as a clear message with a non-zero exit and the service answers with its status.
 */
import {
  defineError,
  IlhedgeError,
  INVALID_INPUT,
  invalidInputOf,
  requireFinite,
  requirePositive,
  type ErrorDefinition,
} from '../pricing/errors.js';
import { STALE_QUOTES } from '../adapters/errors.js';

export const HEDGING = defineError('hedging', 422, 'a hedge could not be built for a reason no finer code names');
export const INFEASIBLE = defineError(
  'infeasible',
  422,
  "no admissible set of candidates puts the book's Greeks within the tolerances",
);
export const MARKET_SANITY = defineError(
  'market-sanity',
  503,
  'the chain fails its sanity checks (too many excluded quotes, a missing forward, a crossed perp)',
);
export const UNKNOWN_POSITION = defineError(
  'unknown-position',
  400,
  'a position or instrument named by the request or config that the book or the market does not list',
);
export const SOLVER_FAILED = defineError(
  'solver-failed',
  500,
  'the optimiser failed for a reason other than infeasibility (a bug or a numerical breakdown)',
);

/** Base class of the hedging layer's errors. */
export class HedgingError extends IlhedgeError {
  static override readonly definition: ErrorDefinition = HEDGING;
}

/** A book, policy or candidate input outside its domain (code `invalid-input`, as pricing's InvalidInputError). */
export class InvalidHedgeInputError extends invalidInputOf(HedgingError) {
  static override readonly definition: ErrorDefinition = INVALID_INPUT;
}

/** No admissible set of candidates can put the book's Greeks within the tolerances. */
export class InfeasibleHedgeError extends HedgingError {
  static override readonly definition: ErrorDefinition = INFEASIBLE;
}

/** Quotes the ticket would rely on are older than the policy allows (code `stale-quotes`, as StaleQuoteError). */
export class StaleMarketError extends HedgingError {
  static override readonly definition: ErrorDefinition = STALE_QUOTES;
  constructor(
    message: string,
    /** Data age in ms relative to the ticket's `asOfMs`. */
    readonly ageMs: number,
    readonly maxAgeMs: number,
  ) {
    super(message);
  }
}

/** The chain fails its sanity checks (too many excluded quotes, a missing forward, a crossed perp...). */
export class MarketSanityError extends HedgingError {
  static override readonly definition: ErrorDefinition = MARKET_SANITY;
}

/** A position or instrument named by the config that the market does not list. */
export class UnknownPositionError extends HedgingError {
  static override readonly definition: ErrorDefinition = UNKNOWN_POSITION;
}

/** The solver failed for a reason other than infeasibility (a bug or a numerical breakdown). */
export class SolverError extends HedgingError {
  static override readonly definition: ErrorDefinition = SOLVER_FAILED;
}

/** Throws `InvalidHedgeInputError` unless `value` is finite (pricing's `requireFinite`, hedging's error). */
export function requireFiniteField(field: string, value: number): number {
  return requireFinite(field, value, InvalidHedgeInputError);
}

/** Throws `InvalidHedgeInputError` unless `value` is finite and > 0. */
export function requirePositiveField(field: string, value: number): number {
  return requirePositive(field, value, InvalidHedgeInputError);
}
