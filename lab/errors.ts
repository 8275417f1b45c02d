/**
 * lab/ errors: every bad input gets a named error that says which input and why, with a code of the one registry
 * (pricing/errors.ts) so the CLI, the batch and the service's backtest route report them alike.
 */
import { INTERNAL, INVALID_INPUT, IlhedgeError, defineError, type ErrorDefinition } from '../pricing/errors.js';

export const LAB = defineError('lab', 422, 'a backtest or simulation could not run for a reason no finer code names');
export const HISTORY_FORMAT = defineError(
  'history-format',
  400,
  'a history CSV that cannot be read: the message names the file, the line, the column and why',
);

export class LabError extends IlhedgeError {
  static override readonly definition: ErrorDefinition = LAB;
}

/** A value passed to the lab (a CLI option, a model parameter, a position) that is out of its domain. */
export class LabInputError extends LabError {
  static override readonly definition: ErrorDefinition = INVALID_INPUT;
  constructor(
    readonly field: string,
    readonly value: unknown,
    readonly reason: string,
  ) {
    super(`${field}: ${reason} (got ${JSON.stringify(value)})`);
  }
}

/** A history CSV that cannot be read: the file, the line (1-based, the header is line 1), the column and why. */
export class HistoryFormatError extends LabError {
  static override readonly definition: ErrorDefinition = HISTORY_FORMAT;
  constructor(
    readonly file: string,
    readonly line: number | null,
    readonly column: string | null,
    readonly reason: string,
  ) {
    super(`${file}${line !== null ? `:${line}` : ''}${column !== null ? ` column ${column}` : ''}: ${reason}`);
  }
}

/** The simulation's worker script was not found (the lab runs workers from the compiled `dist/`). */
export class WorkerScriptError extends LabError {
  static override readonly definition: ErrorDefinition = INTERNAL;
}

export function requireFiniteLab(field: string, value: number): number {
  if (!Number.isFinite(value)) throw new LabInputError(field, value, 'must be a finite number');
  return value;
}

export function requirePositiveLab(field: string, value: number): number {
  if (!(value > 0 && value < Infinity)) throw new LabInputError(field, value, 'must be a finite number greater than 0');
  return value;
}

export function requireNonNegativeLab(field: string, value: number): number {
  if (!(value >= 0 && value < Infinity)) throw new LabInputError(field, value, 'must be a finite number at least 0');
  return value;
}
