/**
 * Turns any failure into the `error` object of the batch contract and the message of the CLI: a stable `code`
 * from the one error registry (pricing/errors.ts), a `message` that says what was wrong and where, and the
 * offending `field` when one is known. The batch's own codes (a line that is not JSON, a request of the wrong
 * shape, an unknown op) are registered here.
 */
import { ZodError } from 'zod';
import { defineError, errorBodyOf, type ErrorBody } from '../../pricing/errors.js';

export const INVALID_JSON = defineError('invalid-json', 400, 'a batch line (or request body) that is not valid JSON');
export const INVALID_REQUEST = defineError(
  'invalid-request',
  400,
  'a request of the wrong shape or type (a missing field, a string for a number); `field` is the path',
);
export const UNKNOWN_OP = defineError('unknown-op', 400, 'a batch line whose `op` is not one of the operations');

/** The batch contract's error object: `{code, message, field?}`, the same body every edge writes. */
export type BatchError = ErrorBody;

export function describeError(error: unknown): BatchError {
  if (error instanceof ZodError) {
    const issue = error.issues[0];
    const field = issue ? issue.path.map(String).join('.') : undefined;
    const message = error.issues
      .map((i) => (i.path.length ? `${i.path.map(String).join('.')}: ${i.message}` : i.message))
      .join('; ');
    return field ? { code: INVALID_REQUEST.code, field, message } : { code: INVALID_REQUEST.code, message };
  }
  return errorBodyOf(error);
}
