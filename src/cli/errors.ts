/**
 * Turns any failure into the `error` object of the batch contract and the message of the CLI: a stable `code`, a
 * `message` that says what was wrong and where, and the offending `field` when one is known.
 */
import { ZodError } from 'zod';
import { InvalidInputError, PricingError } from '../../pricing/errors.js';

export interface BatchError {
  code: string;
  message: string;
  field?: string;
}

export function describeError(error: unknown): BatchError {
  if (error instanceof ZodError) {
    const issue = error.issues[0];
    const field = issue ? issue.path.map(String).join('.') : undefined;
    const message = error.issues
      .map((i) => (i.path.length ? `${i.path.map(String).join('.')}: ${i.message}` : i.message))
      .join('; ');
    return field ? { code: 'invalid-request', field, message } : { code: 'invalid-request', message };
  }
  if (error instanceof InvalidInputError) {
    return { code: 'invalid-input', field: error.field, message: error.message };
  }
  if (error instanceof PricingError) {
    const withReason = error as PricingError & { reason?: string; field?: string };
    const code = withReason.reason ?? kebab(error.name.replace(/Error$/, ''));
    return withReason.field
      ? { code, field: withReason.field, message: error.message }
      : { code, message: error.message };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'internal', message: `unexpected failure: ${message}` };
}

function kebab(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase() || 'error';
}
