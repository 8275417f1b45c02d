/**
 * How the CLI talks: human tables by default, JSON for machines, and one place that turns a typed error into a
 * clear message and an exit code.
 */
import Table from 'cli-table3';
import { ZodError } from 'zod';
import { INTERNAL, IlhedgeError } from '../../pricing/errors.js';

export interface Column<Row> {
  header: string;
  value: (row: Row) => string | number | undefined | null;
  align?: 'left' | 'right';
}

/** Renders rows as a plain aligned table (no colours: output is often piped or logged). */
export function renderTable<Row>(rows: readonly Row[], columns: readonly Column<Row>[]): string {
  const table = new Table({
    head: columns.map((c) => c.header),
    colAligns: columns.map((c) => c.align ?? 'right'),
    style: { head: [], border: [], compact: true },
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
  });
  for (const row of rows) table.push(columns.map((c) => formatCell(c.value(row))));
  return table.toString();
}

function formatCell(value: string | number | undefined | null): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'number') return formatNumber(value);
  return value;
}

/** Numbers for humans: enough significant digits to compare with a venue screen, no exponent for ordinary sizes. */
export function formatNumber(value: number, significant = 8): string {
  if (!Number.isFinite(value)) return String(value);
  if (value === 0) return '0';
  const magnitude = Math.abs(value);
  if (magnitude >= 1e-4 && magnitude < 1e15) {
    return Number(value.toPrecision(significant)).toString();
  }
  return value.toExponential(significant - 1);
}

/** Renders key/value pairs (a record) as a two-column table. */
export function renderKeyValues(entries: readonly (readonly [string, string | number | undefined | null])[]): string {
  return renderTable(entries, [
    { header: 'field', value: (e) => e[0], align: 'left' },
    { header: 'value', value: (e) => e[1], align: 'right' },
  ]);
}

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, jsonReplacer) + '\n');
}

/** JSON has no BigInt: raw on-chain integers travel as decimal strings. */
export function jsonReplacer(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}

/** Exit codes: 1 for an error in the input or the market, 2 for a usage error, 3 for an unexpected failure. */
export const EXIT_INPUT = 1;
export const EXIT_USAGE = 2;
export const EXIT_INTERNAL = 3;

/** An error the user can act on: printed as its message alone, without a stack. */
export class CliError extends Error {
  override name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: number = EXIT_INPUT,
  ) {
    super(message);
  }
}

/** Prints an error for a human and returns the exit code to use. Known error kinds print their message only. */
export function reportFailure(error: unknown): number {
  if (error instanceof Error && isExpectedError(error)) {
    process.stderr.write(`ilhedge: ${error.message}\n`);
    return error instanceof CliError ? error.exitCode : EXIT_INPUT;
  }
  const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.stderr.write(`ilhedge: unexpected failure: ${text}\n`);
  return EXIT_INTERNAL;
}

/**
 * Errors that describe a problem with the input, the market or the store rather than a bug in ilhedge: every coded
 * error of the registry (pricing/errors.ts) but `internal`, by its code, plus the CLI's own and zod's.
 */
export function isExpectedError(error: Error): boolean {
  if (error instanceof CliError || error instanceof ZodError) return true;
  return error instanceof IlhedgeError && error.code !== INTERNAL.code;
}

/** Parses a CLI number option with a message naming the option. */
export function parseNumberOption(name: string): (raw: string) => number {
  return (raw: string) => {
    const value = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(value)) {
      throw new CliError(`--${name}: expected a number, got ${JSON.stringify(raw)}`, EXIT_USAGE);
    }
    return value;
  };
}
