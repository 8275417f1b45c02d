/**
 * The express 5 application: JSON body limit, request logging without secrets, the route registry mounted with
 * zod validation and role checks, `/openapi.json` generated from the same registry, the dashboard's static files,
 * and one error handler that maps typed errors to 4xx and anything else to a logged 500.
 */
import express from 'express';
import type { Express, NextFunction, Request, Response } from 'express';
import type { ServiceContext } from './context.js';
import { redactUrl } from './auth.js';
import { mountDashboard } from './dashboard/index.js';
import { HttpError, mountRoutes, openApiDocument, route } from './registry.js';
import { IlhedgeError } from '../../hedging/index.js';
import { StoreError, storeErrorOf } from './store/index.js';
import { PAYLOAD_TOO_LARGE } from './httpErrors.js';
import { INVALID_REQUEST } from '../cli/errors.js';
import type { RouteDef } from './registry.js';
import { buildRoutes } from './routes/index.js';
import { orderUpdatesOf } from './execution/orderUpdates.js';
import { z } from 'zod';

export interface AppOptions {
  /** Largest JSON body accepted (express/body-parser syntax). */
  bodyLimit?: string;
  /** Serve the dashboard (default true). */
  dashboard?: boolean;
  /** A request still unanswered after this long gets 503 (default 30 s). */
  handlerTimeoutMs?: number;
}

export function createApp(ctx: ServiceContext, options: AppOptions = {}): { app: Express; routes: RouteDef[] } {
  // The stream's `order` messages: the hub follows the orders written on this store, by whichever order manager.
  ctx.hub.attachOrders(orderUpdatesOf(ctx.store));
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  app.use((req: Request, res: Response, next: NextFunction) => {
    const started = performance.now();
    res.on('finish', () => {
      const routePath = (req.route as { path?: string } | undefined)?.path ?? 'unmatched';
      const ms = performance.now() - started;
      ctx.metrics.httpRequests.inc({ method: req.method, route: routePath, status: String(res.statusCode) });
      ctx.metrics.httpDuration.observe({ method: req.method, route: routePath }, ms / 1000);
      if (res.statusCode === 401 || res.statusCode === 403)
        ctx.metrics.authFailures.inc({ status: String(res.statusCode) });
      const principal = res.locals.principal as { keyId: string } | undefined;
      ctx.log.info(
        {
          method: req.method,
          url: redactUrl(req.originalUrl),
          status: res.statusCode,
          ms: Math.round(ms * 100) / 100,
          ...(principal ? { keyId: principal.keyId } : {}),
        },
        'request',
      );
    });
    next();
  });

  const handlerTimeoutMs = options.handlerTimeoutMs ?? 30_000;
  app.use((req: Request, res: Response, next: NextFunction) => {
    const timer = setTimeout(() => {
      if (res.headersSent) return;
      ctx.log.warn({ method: req.method, url: redactUrl(req.originalUrl), ms: handlerTimeoutMs }, 'request timed out');
      res.status(503).json({ error: 'timeout', message: `no answer within ${handlerTimeoutMs} ms` });
    }, handlerTimeoutMs);
    timer.unref();
    res.on('close', () => clearTimeout(timer));
    next();
  });

  app.use(express.json({ limit: options.bodyLimit ?? '64kb', strict: true }));

  const routes = buildRoutes(ctx);
  const openapi = route({
    method: 'get',
    path: '/openapi.json',
    summary: 'This OpenAPI 3.1 document (generated from the zod schemas)',
    tag: 'operations',
    auth: 'viewer',
    responses: { 200: { description: 'the document', schema: z.record(z.string(), z.unknown()) } },
    handler: () => ({ body: document }),
  });
  const all = [...routes, openapi];
  const document = openApiDocument(all, {
    title: 'ilhedge desk service',
    version: ctx.version,
    description:
      'Hedge ratios, tickets and positions of the ilhedge desk. Every route but /health needs ' +
      '`Authorization: Bearer <key>`; roles are ordered viewer < trader < admin. Prices are quote per base, ' +
      'deltas in base units, gammas in base per quote. The websocket stream is at /ws (see the README).',
  });
  mountRoutes(app, all, ctx.auth);

  if (options.dashboard !== false) mountDashboard(app);

  app.use((req: Request, res: Response) => {
    res.status(404).json({ error: 'not-found', message: `no route ${req.method} ${redactUrl(req.path)}` });
  });

  app.use((thrown: unknown, req: Request, res: Response, _next: NextFunction) => {
    if (res.headersSent) {
      res.end();
      return;
    }
    // A database failure (disk full, locked past the busy timeout, I/O): a coded 503 with Retry-After, logged.
    const error = storeErrorOf(thrown, ctx.store.path, `${req.method} ${redactUrl(req.path)}`);
    if (error instanceof StoreError) {
      if (error.retryAfterS !== null) res.setHeader('Retry-After', String(error.retryAfterS));
      ctx.log.warn({ code: error.code, method: req.method, url: redactUrl(req.originalUrl) }, error.message);
    }
    // Coded errors of every layer (the registry in pricing/errors.ts): their own status and code, never by name.
    // HttpError is one of them, with the validation issues (if any) beside the message.
    if (error instanceof IlhedgeError) {
      const details = error instanceof HttpError ? error.details : undefined;
      res.status(error.httpStatus).json({
        error: error.code,
        message: error.message,
        ...(Array.isArray(details) ? { issues: details } : {}),
      });
      return;
    }
    // body-parser errors carry a 4xx status: malformed JSON, too large, wrong charset.
    const status =
      (error as { status?: unknown; statusCode?: unknown }).status ?? (error as { statusCode?: unknown }).statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      const type = (error as { type?: string }).type;
      const message =
        type === 'entity.parse.failed'
          ? 'body: malformed JSON'
          : type === 'entity.too.large'
            ? `body: larger than the ${options.bodyLimit ?? '64kb'} limit`
            : `body: ${(error as Error).message}`;
      // One code, one status: a body over the limit is payload-too-large (413), any other unreadable body 400.
      const definition = status === PAYLOAD_TOO_LARGE.httpStatus ? PAYLOAD_TOO_LARGE : INVALID_REQUEST;
      res.status(definition.httpStatus).json({ error: definition.code, message });
      return;
    }
    ctx.log.error({ err: error, method: req.method, url: redactUrl(req.originalUrl) }, 'unhandled error');
    res.status(500).json({ error: 'internal', message: 'internal error' });
  });

  return { app, routes: all };
}
