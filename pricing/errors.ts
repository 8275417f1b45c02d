/**
 * The one error registry of ilhedge, in the manner of fastify's `lib/errors.js`: every error has a stable
 * kebab-case `code` and an HTTP status, fixed where the error is defined, and every edge (CLI, batch, HTTP,
 * websocket) maps an error by its code, never by its class name. README.md, "Error codes", lists every code.
 *
 * This module is the lowest layer's and imports nothing, so every layer can use it: pricing defines its codes
 * here, adapters/errors.ts, hedging/errors.ts and src/ define theirs with the same `defineError`.
 *
 * A class says its code with `static readonly definition = defineError(...)`; `IlhedgeError`'s constructor copies
 * `code` and `httpStatus` from the definition of the class actually constructed (`new.target`), so a subclass
 * that defines no code inherits its parent's, and sets `name` to the class name.
 *
 * Every pricing error also names the input that was wrong and why, so the CLI and the service can turn it into a
 * clear message (and never into a NaN).
 */

/** One registered error: its code, its HTTP status and what it means (the README's wording). */
export interface ErrorDefinition {
  /** Stable kebab-case code, e.g. `below-intrinsic`. */
  readonly code: string;
  /** HTTP status an edge answers with: 4xx the caller's input, 5xx the market's or ilhedge's fault. */
  readonly httpStatus: number;
  /** One sentence: when it is raised. */
  readonly meaning: string;
}

const KEBAB = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;
const registry: ErrorDefinition[] = [];
const byCode = new Map<string, ErrorDefinition>();

/** Every registered definition, in registration order (each layer's module registers its own on import). */
export const ERROR_REGISTRY: readonly ErrorDefinition[] = registry;

/**
 * Registers an error code. Throws on a code that is not kebab-case, a status outside 400-599, or a code already
 * registered (one code, one status, one meaning).
 */
export function defineError(code: string, httpStatus: number, meaning: string): ErrorDefinition {
  if (!KEBAB.test(code)) throw new Error(`error code ${JSON.stringify(code)}: must be kebab-case`);
  if (!Number.isInteger(httpStatus) || httpStatus < 400 || httpStatus > 599) {
    throw new Error(`error code ${code}: HTTP status ${httpStatus} must be an integer in 400-599`);
  }
  if (byCode.has(code)) throw new Error(`error code ${code}: defined twice`);
  const definition: ErrorDefinition = Object.freeze({ code, httpStatus, meaning });
  registry.push(definition);
  byCode.set(code, definition);
  return definition;
}

/** The definition of a registered code, or undefined. */
export function errorDefinition(code: string): ErrorDefinition | undefined {
  return byCode.get(code);
}

/** Anything ilhedge did not expect: a bug, or a failure of a dependency that no layer translated. */
export const INTERNAL = defineError(
  'internal',
  500,
  'an unexpected failure inside ilhedge (a bug); the message says what',
);

/**
 * Base class of every coded error of every layer. `code` and `httpStatus` come from the registry definition of
 * the class constructed (its static `definition`), or from `options.definition` for a class whose code depends on
 * its arguments (ImpliedVolError).
 */
export class IlhedgeError extends Error {
  static readonly definition: ErrorDefinition = INTERNAL;
  readonly code: string;
  readonly httpStatus: number;
  constructor(message: string, options?: { cause?: unknown; definition?: ErrorDefinition }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    const definition = options?.definition ?? (new.target as typeof IlhedgeError).definition;
    // The class name is the error's name (`InvalidInputError`), so no subclass repeats it as a string.
    this.name = new.target.name;
    this.code = definition.code;
    this.httpStatus = definition.httpStatus;
  }
}

/** The code an edge reports for anything thrown: the registered code of an `IlhedgeError`, else `internal`. */
export function errorCodeOf(error: unknown): string {
  return error instanceof IlhedgeError ? error.code : INTERNAL.code;
}

/** The HTTP status for anything thrown: the registered status of an `IlhedgeError`, else 500. */
export function httpStatusOf(error: unknown): number {
  return error instanceof IlhedgeError ? error.httpStatus : INTERNAL.httpStatus;
}

/** The error object every edge writes: batch lines, HTTP bodies and websocket messages. */
export interface ErrorBody {
  code: string;
  message: string;
  /** The offending input, when the error names one (`strike`, `legs[2].quantity`, `book.delta`). */
  field?: string;
}

/**
 * The `{code, message, field?}` body for anything thrown. Unexpected failures are `internal` with the message
 * prefixed `unexpected failure: `.
 */
export function errorBodyOf(error: unknown): ErrorBody {
  if (error instanceof IlhedgeError) {
    const field = (error as { field?: unknown }).field;
    return typeof field === 'string'
      ? { code: error.code, field, message: error.message }
      : { code: error.code, message: error.message };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { code: INTERNAL.code, message: `unexpected failure: ${message}` };
}

export const PRICING = defineError('pricing', 422, 'the maths refused its inputs for a reason no finer code names');
export const INVALID_INPUT = defineError(
  'invalid-input',
  400,
  'an input outside its domain (not finite, negative where it must be positive, an unknown option type); `field` names it',
);

/** Base class of the pricing layer's errors. */
export class PricingError extends IlhedgeError {
  static override readonly definition: ErrorDefinition = PRICING;
}

export const NOT_REPRESENTABLE = defineError(
  'not-representable',
  422,
  'a result exists but does not fit in a double (e.g. an implied vol for expiryYears ~ 1e-300, rho for a 1e308-year option)',
);

/** A result that overflows double precision: refused rather than returned as Infinity or NaN. `field` names it. */
export class NotRepresentableError extends PricingError {
  static override readonly definition: ErrorDefinition = NOT_REPRESENTABLE;
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Adds the `(field, value, reason)` constructor of an input error to a layer's base class, so that pricing's
 * InvalidInputError and hedging's InvalidHedgeInputError share one implementation (and one message format,
 * "strike: must be ... (got -1)") while each stays an instance of its own layer's base (at run time; the type
 * is IlhedgeError's, which the layer bases do not extend).
 */
export function invalidInputOf(Base: typeof IlhedgeError) {
  abstract class InputError extends Base {
    constructor(
      /** The name of the offending input, as the caller spelled it (e.g. `strike`, `vol`, `legs[2].quantity`). */
      readonly field: string,
      readonly value: unknown,
      readonly reason: string,
    ) {
      super(`${field}: ${reason} (got ${formatErrorValue(value)})`);
    }
  }
  return InputError;
}

/**
 * An input outside its domain: not finite, negative where it must be positive, an unknown option type... Code
 * `invalid-input` (400), shared with hedging's InvalidHedgeInputError.
 */
export class InvalidInputError extends invalidInputOf(PricingError) {
  static override readonly definition: ErrorDefinition = INVALID_INPUT;
}

/** An offending value as messages show it: `NaN`, `-1`, `"abc"`, `12n`, JSON for objects. */
export function formatErrorValue(value: unknown): string {
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') return Number.isNaN(value) ? 'NaN' : String(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** The error a `require*` check throws: `InvalidInputError` here, `InvalidHedgeInputError` in hedging. */
export type InvalidInputErrorClass = new (field: string, value: unknown, reason: string) => Error;

/** Throws `invalid` (default `InvalidInputError`) unless `value` is a finite number. */
export function requireFinite(
  field: string,
  value: number,
  invalid: InvalidInputErrorClass = InvalidInputError,
): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new invalid(field, value, 'must be a finite number');
  }
  return value;
}

/** Throws `invalid` (default `InvalidInputError`) unless `value` is a finite number > 0. */
export function requirePositive(
  field: string,
  value: number,
  invalid: InvalidInputErrorClass = InvalidInputError,
): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new invalid(field, value, 'must be a finite number greater than 0');
  }
  return value;
}

/** Throws `invalid` (default `InvalidInputError`) unless `value` is a finite number >= 0. */
export function requireNonNegative(
  field: string,
  value: number,
  invalid: InvalidInputErrorClass = InvalidInputError,
): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new invalid(field, value, 'must be a finite number at least 0');
  }
  return value;
}
