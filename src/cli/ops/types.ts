import type { z } from 'zod';

/**
 * One operation of the batch protocol and of the matching CLI command: a zod schema for the request (the batch
 * line itself, `op` and `id` included) and a pure function from the parsed request to the result object.
 */
export interface BatchOp<Schema extends z.ZodType = z.ZodType> {
  schema: Schema;
  run(request: z.infer<Schema>): unknown;
}

/** Declares an op with its schema so `run` gets the parsed request's type. */
export function defineOp<Schema extends z.ZodType>(
  schema: Schema,
  run: (request: z.infer<Schema>) => unknown,
): BatchOp {
  return { schema, run: run as (request: unknown) => unknown };
}
