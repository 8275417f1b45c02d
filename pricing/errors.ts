/**
 * Typed errors of the pricing layer. Every error names the input that was wrong and why, so the CLI and the
 * service can turn it into a clear message (and never into a NaN).
 */
export class PricingError extends Error {
  override name = 'PricingError';
}

/** An input outside its domain: not finite, negative where it must be positive, an unknown option type... */
export class InvalidInputError extends PricingError {
  override name = 'InvalidInputError';
  constructor(
    /** The name of the offending input, as the caller spelled it (e.g. `strike`, `vol`, `legs[2].quantity`). */
    readonly field: string,
    readonly value: unknown,
    readonly reason: string,
  ) {
    super(`${field}: ${reason} (got ${formatValue(value)})`);
  }
}

function formatValue(value: unknown): string {
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') return Number.isNaN(value) ? 'NaN' : String(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** Throws `InvalidInputError` unless `value` is a finite number. */
export function requireFinite(field: string, value: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new InvalidInputError(field, value, 'must be a finite number');
  }
  return value;
}

/** Throws `InvalidInputError` unless `value` is a finite number > 0. */
export function requirePositive(field: string, value: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new InvalidInputError(field, value, 'must be a finite number greater than 0');
  }
  return value;
}

/** Throws `InvalidInputError` unless `value` is a finite number >= 0. */
export function requireNonNegative(field: string, value: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new InvalidInputError(field, value, 'must be a finite number at least 0');
  }
  return value;
}
