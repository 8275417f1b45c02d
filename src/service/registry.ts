/**
 * One registry of routes drives both express and the OpenAPI 3.1 document: each route declares its zod schemas
 * for path parameters, query, body and responses once; `mountRoutes` validates requests with them and
 * `openApiDocument` turns them into JSON Schema (`z.toJSONSchema`, draft 2020-12 as OpenAPI 3.1 uses).
 */
import type { Express, NextFunction, Request, Response } from 'express';
import { z } from 'zod';
import type { Authenticator, Principal } from './auth.js';
import type { Role } from './store/index.js';
import { HttpError } from './httpErrors.js';
import { INVALID_REQUEST } from '../cli/errors.js';

export { HttpError } from './httpErrors.js';

export type Method = 'get' | 'post' | 'put' | 'delete';

export interface HandlerContext<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  principal: Principal | null;
  req: Request;
  res: Response;
}

/** What a handler returns: a status and a JSON body (or `raw` for non-JSON responses it wrote itself). */
export type HandlerResult = { status?: number; body?: unknown; raw?: true } | undefined;

export interface RouteDef<
  P extends z.ZodType = z.ZodType,
  Q extends z.ZodType = z.ZodType,
  B extends z.ZodType = z.ZodType,
> {
  method: Method;
  /** Express path, e.g. `/api/positions/:id`. */
  path: string;
  summary: string;
  tag: string;
  /** Minimum role, or null for an open route. */
  auth: Role | null;
  params?: P;
  query?: Q;
  body?: B;
  /** Status -> description and (optional) response schema. */
  responses: Record<number, { description: string; schema?: z.ZodType; contentType?: string }>;
  handler: (ctx: HandlerContext<z.output<P>, z.output<Q>, z.output<B>>) => Promise<HandlerResult> | HandlerResult;
}

/** Keeps the schema types of a route literal while storing it in a list of `RouteDef`. */
export function route<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType>(def: RouteDef<P, Q, B>): RouteDef {
  return def as unknown as RouteDef;
}

/** A 400 whose message names the offending field (`body.pool.lowerPrice: ...`). */
export function validationError(where: 'params' | 'query' | 'body', error: z.ZodError): HttpError {
  const issues = error.issues.map((issue) => ({
    field: [where, ...issue.path.map(String)].join('.'),
    message: issue.message,
  }));
  const first = issues[0];
  return new HttpError(INVALID_REQUEST, first ? `${first.field}: ${first.message}` : `${where}: invalid`, issues);
}

function parsePart<T extends z.ZodType>(where: 'params' | 'query' | 'body', schema: T | undefined, value: unknown) {
  if (!schema) return undefined;
  const result = schema.safeParse(value);
  if (!result.success) throw validationError(where, result.error);
  return result.data;
}

export function mountRoutes(app: Express, routes: readonly RouteDef[], auth: Authenticator): void {
  for (const def of routes) {
    const guards = def.auth ? [auth.require(def.auth)] : [];
    app[def.method](def.path, ...guards, async (req: Request, res: Response, next: NextFunction) => {
      try {
        const params = parsePart('params', def.params, req.params);
        const query = parsePart('query', def.query, req.query);
        const body = def.body ? parsePart('body', def.body, req.body === undefined ? {} : req.body) : undefined;
        const result = await def.handler({
          params,
          query,
          body,
          principal: (res.locals.principal as Principal | undefined) ?? null,
          req,
          res,
        });
        // Already answered (the request timeout fired while the handler ran): nothing more to send.
        if (result?.raw || res.headersSent) return;
        const status = result?.status ?? 200;
        if (result?.body === undefined) res.status(status).end();
        else res.status(status).json(result.body);
      } catch (error) {
        next(error);
      }
    });
  }
}

function toSchema(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const json = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  delete json.$schema;
  return json;
}

function parametersOf(schema: z.ZodType | undefined, where: 'path' | 'query'): unknown[] {
  if (!schema) return [];
  const json = toSchema(schema, 'input');
  const properties = (json.properties ?? {}) as Record<string, Record<string, unknown>>;
  const required = new Set((json.required as string[] | undefined) ?? []);
  return Object.entries(properties).map(([name, property]) => ({
    name,
    in: where,
    required: where === 'path' ? true : required.has(name),
    ...(typeof property.description === 'string' ? { description: property.description } : {}),
    schema: property,
  }));
}

/** The OpenAPI 3.1 document, generated from the same zod schemas that validate requests. */
export function openApiDocument(
  routes: readonly RouteDef[],
  info: { title: string; version: string; description?: string },
): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const def of routes) {
    const path = def.path.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, '{$1}');
    const responses: Record<string, unknown> = {};
    for (const [status, response] of Object.entries(def.responses)) {
      responses[status] = {
        description: response.description,
        ...(response.schema
          ? {
              content: {
                [response.contentType ?? 'application/json']: { schema: toSchema(response.schema, 'output') },
              },
            }
          : {}),
      };
    }
    if (def.auth) {
      responses['401'] ??= { description: 'missing or invalid API key', content: errorContent };
      responses['403'] ??= { description: `key lacks the ${def.auth} role`, content: errorContent };
    }
    if (def.params || def.query || def.body) {
      responses['400'] ??= { description: 'invalid input; the message names the field', content: errorContent };
    }
    (paths[path] ??= {})[def.method] = {
      summary: def.summary,
      tags: [def.tag],
      operationId: `${def.method}${path.replace(/[{}]/g, '').replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
      ...(def.auth ? { security: [{ bearer: [] }], 'x-required-role': def.auth } : { security: [] }),
      parameters: [...parametersOf(def.params, 'path'), ...parametersOf(def.query, 'query')],
      ...(def.body
        ? { requestBody: { required: true, content: { 'application/json': { schema: toSchema(def.body, 'input') } } } }
        : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info,
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'ilhedge API key (ilh_<id>_<secret>)' },
      },
      schemas: { Error: toSchema(errorSchema, 'output') },
    },
    paths,
  };
}

export const errorSchema = z.object({
  error: z.string(),
  message: z.string(),
  issues: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
});

const errorContent = { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } };
