/**
 * Typed errors of the hedging layer. Each says which input (position, candidate, policy field, quote) was wrong and
 * why, so the CLI prints it as a clear message with a non-zero exit and the service maps it to a 4xx body.
 */
export class HedgingError extends Error {
  override name = 'HedgingError';
  /** A stable kebab-case code for APIs (`infeasible`, `stale-quotes`, `sanity`, `invalid-input`, ...). */
  readonly code: string = 'hedging';
}

/** A book, policy or candidate input outside its domain. */
export class InvalidHedgeInputError extends HedgingError {
  override name = 'InvalidHedgeInputError';
  override readonly code = 'invalid-input';
  constructor(
    readonly field: string,
    readonly value: unknown,
    readonly reason: string,
  ) {
    super(`${field}: ${reason} (got ${safeString(value)})`);
  }
}

/** No admissible set of candidates can put the book's Greeks within the tolerances. */
export class InfeasibleHedgeError extends HedgingError {
  override name = 'InfeasibleHedgeError';
  override readonly code = 'infeasible';
  constructor(message: string) {
    super(message);
  }
}

/** Quotes the ticket would rely on are older than the policy allows. */
export class StaleMarketError extends HedgingError {
  override name = 'StaleMarketError';
  override readonly code = 'stale-quotes';
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
  override name = 'MarketSanityError';
  override readonly code = 'sanity';
  constructor(message: string) {
    super(message);
  }
}

/** A position or instrument named by the config that the market does not list. */
export class UnknownPositionError extends HedgingError {
  override name = 'UnknownPositionError';
  override readonly code = 'unknown-position';
  constructor(message: string) {
    super(message);
  }
}

/** The solver failed for a reason other than infeasibility (a bug or a numerical breakdown). */
export class SolverError extends HedgingError {
  override name = 'SolverError';
  override readonly code = 'solver';
  constructor(message: string) {
    super(message);
  }
}

function safeString(value: unknown): string {
  if (typeof value === 'number') return Number.isNaN(value) ? 'NaN' : String(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** Throws `InvalidHedgeInputError` unless `value` is finite. */
export function requireFiniteField(field: string, value: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new InvalidHedgeInputError(field, value, 'must be a finite number');
  }
  return value;
}

/** Throws `InvalidHedgeInputError` unless `value` is finite and > 0. */
export function requirePositiveField(field: string, value: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new InvalidHedgeInputError(field, value, 'must be a finite number greater than 0');
  }
  return value;
}
