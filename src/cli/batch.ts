/**
 * `ilhedge batch`: JSON lines in on stdin, one JSON line out per request, in order, with the request's `id` and
 * either `result` or `error`. The contract is fixed (desks call it from other languages): one bad line never stops
 * the batch, and every non-blank input line gets exactly one output line.
 */
import readline from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { once } from 'node:events';
import { z } from 'zod';
import { describeError, INVALID_JSON, INVALID_REQUEST, UNKNOWN_OP, type BatchError } from './errors.js';
import { jsonReplacer } from './output.js';
import { batchOps } from './ops/index.js';
import { NotRepresentableError } from '../../pricing/errors.js';

type RequestId = string | number | null;

export type BatchResponse = { id: RequestId; result: unknown } | { id: RequestId; error: BatchError };

const envelopeSchema = z.object({
  id: z.union([z.string(), z.number(), z.null()]).optional(),
  op: z.string({ error: 'op: required, one of ' + Object.keys(batchOps).join(', ') }),
});

/** Answers one input line. Never throws: every failure becomes an `error` response. */
export function answerLine(line: string): BatchResponse {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch (error) {
    return { id: null, error: { code: INVALID_JSON.code, message: `not valid JSON: ${(error as Error).message}` } };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return { id: null, error: { code: INVALID_REQUEST.code, message: 'each line must be a JSON object' } };
  }
  const rawId = (parsed as { id?: unknown }).id;
  const id: RequestId = typeof rawId === 'string' || typeof rawId === 'number' ? rawId : null;
  const envelope = envelopeSchema.safeParse(parsed);
  if (!envelope.success) return { id, error: describeError(envelope.error) };
  const op = batchOps[envelope.data.op];
  if (!op) {
    return {
      id,
      error: {
        code: UNKNOWN_OP.code,
        field: 'op',
        message: `op: unknown operation ${JSON.stringify(envelope.data.op)}; expected one of ${Object.keys(batchOps).join(', ')}`,
      },
    };
  }
  try {
    const request = op.schema.parse(parsed);
    const result = op.run(request);
    // The maths may return a limit that is infinite (gamma as the forward goes to 0, rho for a 1e308-year
    // option); JSON would write it as null, so it is refused here, naming the field, instead of answered.
    const overflow = firstNonFinite(result, 'result');
    if (overflow) {
      throw new NotRepresentableError(
        overflow.path,
        `${overflow.path}: ${overflow.value} does not fit in JSON (a double overflowed for these inputs)`,
      );
    }
    return { id, result };
  } catch (error) {
    return { id, error: describeError(error) };
  }
}

/** The first number in `value` that is NaN or infinite, with its path (`result.points[2].gamma`), or null. */
function firstNonFinite(value: unknown, path: string): { path: string; value: number } | null {
  if (typeof value === 'number') return Number.isFinite(value) ? null : { path, value };
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = firstNonFinite(value[i], `${path}[${i}]`);
      if (found) return found;
    }
  } else if (value !== null && typeof value === 'object') {
    for (const [key, v] of Object.entries(value)) {
      const found = firstNonFinite(v, `${path}.${key}`);
      if (found) return found;
    }
  }
  return null;
}

/** Streams requests from `input` to `output`; resolves with counts once the input ends and output is flushed. */
export async function runBatch(input: Readable, output: Writable): Promise<{ requests: number; errors: number }> {
  const lines = readline.createInterface({ input, crlfDelay: Infinity });
  let requests = 0;
  let errors = 0;
  for await (const line of lines) {
    if (line.trim() === '') continue;
    requests++;
    const response = answerLine(line);
    if ('error' in response) errors++;
    if (!output.write(JSON.stringify(response, jsonReplacer) + '\n')) await once(output, 'drain');
  }
  return { requests, errors };
}
