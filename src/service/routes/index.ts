/** Every route of the desk API, declared once (schemas, role, handler) for express and the OpenAPI document. */
import { z } from 'zod';
import type { ServiceContext } from '../context.js';
import { HttpError, route } from '../registry.js';
import type { RouteDef } from '../registry.js';
import { actorOf } from '../auth.js';
import { NotFoundError, Store, TransitionError } from '../store/index.js';
import type { StoredTicket, TicketStatus } from '../store/index.js';
import * as s from '../schemas.js';
import { marketKey } from '../types.js';
import type { PositionHedgeState } from '../types.js';

function withIntegrity(ticket: StoredTicket) {
  return { ...ticket, intact: Store.verifyTicket(ticket) };
}

/** JSON has no NaN: missing numbers travel as null. */
function jsonSafe<T>(value: T): T {
  return JSON.parse(
    JSON.stringify(value, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v)),
  ) as T;
}

/** Typed failures of ticket generation -> HTTP: the market's fault 503, the request's 400, the maths' 422. */
function ticketError(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  switch (error.name) {
    case 'NoMarketError':
      return new HttpError(503, 'no_market', error.message);
    case 'StaleMarketError':
    case 'MarketSanityError':
      return new HttpError(503, 'market_unusable', error.message);
    case 'InvalidHedgeInputError':
    case 'UnknownPositionError':
    case 'UnsupportedPositionError':
      return new HttpError(400, 'bad_request', error.message);
    case 'InfeasibleHedgeError':
      return new HttpError(422, 'infeasible', error.message);
    default:
      return error;
  }
}

function notFound(kind: string, id: string): HttpError {
  return new HttpError(404, 'not_found', `${kind} ${id} not found`);
}

export function buildRoutes(ctx: ServiceContext): RouteDef[] {
  const actor = (principal: { keyId: string; role: string } | null) =>
    principal ? actorOf(principal as Parameters<typeof actorOf>[0]) : 'anonymous';

  const feedStatus = () =>
    ctx.hub.feedList().map((feed) => {
      const snapshot = feed.current();
      const ageMs = snapshot ? Math.max(0, ctx.now() - snapshot.receivedAtMs) : null;
      return {
        market: marketKey(feed.venue, feed.underlying),
        connected: feed.connected(),
        source: snapshot?.source ?? null,
        ageMs,
        fresh: ageMs !== null && ageMs <= ctx.maxFeedAgeMs,
      };
    });

  const transition = (to: TicketStatus, verb: string) =>
    route({
      method: 'post',
      path: `/api/tickets/:id/${verb}`,
      summary: `Move a ticket to ${to} (enforced: proposed -> approved | rejected, approved -> executed)`,
      tag: 'tickets',
      auth: 'trader',
      params: s.idParams,
      body: s.ticketActionSchema,
      responses: {
        200: { description: `the ticket, now ${to}`, schema: s.ticketSchema },
        404: { description: 'no such ticket' },
        409: { description: 'transition not allowed from the current status' },
      },
      handler: ({ params, body, principal }) => {
        try {
          const ticket = ctx.store.transitionTicket(params.id, to, actor(principal), body.note);
          ctx.metrics.tickets.inc({ status: to });
          ctx.log.info({ ticketId: ticket.id, to, actor: actor(principal) }, 'ticket status changed');
          return { body: withIntegrity(ticket) };
        } catch (error) {
          if (error instanceof NotFoundError) throw notFound('ticket', params.id);
          if (error instanceof TransitionError) throw new HttpError(409, 'conflict', error.message);
          throw error;
        }
      },
    });

  return [
    route({
      method: 'get',
      path: '/health',
      summary: 'Liveness (no key needed)',
      tag: 'operations',
      auth: null,
      responses: { 200: { description: 'alive', schema: s.healthSchema } },
      handler: () => ({
        body: { status: 'ok', uptimeS: (ctx.now() - ctx.startedAtMs) / 1000, version: ctx.version },
      }),
    }),
    route({
      method: 'get',
      path: '/ready',
      summary: 'Readiness: every feed connected and fresh',
      tag: 'operations',
      auth: 'viewer',
      responses: {
        200: { description: 'ready', schema: s.readySchema },
        503: { description: 'a feed is disconnected or stale', schema: s.readySchema },
      },
      handler: () => {
        const feeds = feedStatus();
        const ready = feeds.length > 0 && feeds.every((f) => f.connected && f.fresh);
        return { status: ready ? 200 : 503, body: { ready, feeds } };
      },
    }),
    route({
      method: 'get',
      path: '/metrics',
      summary: 'Prometheus metrics',
      tag: 'operations',
      auth: 'viewer',
      responses: { 200: { description: 'Prometheus text format', schema: z.string(), contentType: 'text/plain' } },
      handler: async ({ res }) => {
        for (const f of feedStatus())
          if (f.ageMs !== null) ctx.metrics.feedAge.set({ market: f.market }, f.ageMs / 1000);
        res.setHeader('Content-Type', ctx.metrics.registry.contentType);
        res.end(await ctx.metrics.registry.metrics());
        return { raw: true };
      },
    }),

    // ---- positions ----
    route({
      method: 'post',
      path: '/api/positions',
      summary: 'Create a position',
      tag: 'positions',
      auth: 'admin',
      body: s.positionSpecSchema,
      responses: { 201: { description: 'created', schema: s.storedPositionSchema } },
      handler: ({ body, principal }) => {
        const position = ctx.store.createPosition(body, actor(principal));
        ctx.refreshPositions();
        return { status: 201, body: position };
      },
    }),
    route({
      method: 'get',
      path: '/api/positions',
      summary: 'List positions',
      tag: 'positions',
      auth: 'viewer',
      responses: {
        200: { description: 'positions', schema: z.object({ positions: z.array(s.storedPositionSchema) }) },
      },
      handler: () => ({ body: { positions: ctx.store.listPositions() } }),
    }),
    route({
      method: 'get',
      path: '/api/positions/:id',
      summary: 'One position with its current hedge state',
      tag: 'positions',
      auth: 'viewer',
      params: s.idParams,
      responses: {
        200: {
          description: 'the position',
          schema: z.object({ position: s.storedPositionSchema, hedge: s.hedgeStateSchema.nullable() }),
        },
        404: { description: 'no such position' },
      },
      handler: ({ params }) => {
        const position = ctx.store.getPosition(params.id);
        if (!position) throw notFound('position', params.id);
        return { body: jsonSafe({ position, hedge: ctx.hub.state(params.id) ?? null }) };
      },
    }),
    route({
      method: 'get',
      path: '/api/positions/:id/payoff',
      summary: 'Payoff curves of a position: LP, HODL and hedged value across prices, strip strikes',
      tag: 'positions',
      auth: 'viewer',
      params: s.idParams,
      responses: { 200: { description: 'curves', schema: s.payoffSchema }, 404: { description: 'no such position' } },
      handler: ({ params }) => {
        const position = ctx.store.getPosition(params.id);
        if (!position) throw notFound('position', params.id);
        const market = ctx.hub.feed(position.venue, position.underlying)?.current();
        return { body: jsonSafe(ctx.engine.payoff(position, market, ctx.now())) };
      },
    }),
    route({
      method: 'put',
      path: '/api/positions/:id',
      summary: 'Replace a position',
      tag: 'positions',
      auth: 'admin',
      params: s.idParams,
      body: s.positionSpecSchema,
      responses: {
        200: { description: 'updated', schema: s.storedPositionSchema },
        404: { description: 'no such position' },
      },
      handler: ({ params, body, principal }) => {
        try {
          const position = ctx.store.updatePosition(params.id, body, actor(principal));
          ctx.refreshPositions();
          return { body: position };
        } catch (error) {
          if (error instanceof NotFoundError) throw notFound('position', params.id);
          throw error;
        }
      },
    }),
    route({
      method: 'delete',
      path: '/api/positions/:id',
      summary: 'Delete a position (soft: tickets keep their reference)',
      tag: 'positions',
      auth: 'admin',
      params: s.idParams,
      responses: { 204: { description: 'deleted' }, 404: { description: 'no such position' } },
      handler: ({ params, principal }) => {
        try {
          ctx.store.deletePosition(params.id, actor(principal));
          ctx.refreshPositions();
          return { status: 204 };
        } catch (error) {
          if (error instanceof NotFoundError) throw notFound('position', params.id);
          throw error;
        }
      },
    }),

    // ---- book and market ----
    route({
      method: 'get',
      path: '/api/book',
      summary: 'Greeks and hedge ratios of every position, and the book totals',
      tag: 'book',
      auth: 'viewer',
      responses: { 200: { description: 'the book', schema: s.bookSchema } },
      handler: () => {
        const positions = ctx.hub
          .getPositions()
          .map((p) => ctx.hub.state(p.id))
          .filter((x): x is PositionHedgeState => x !== undefined);
        return { body: jsonSafe({ book: ctx.hub.bookState().state, positions, engine: ctx.engine.name }) };
      },
    }),
    route({
      method: 'get',
      path: '/api/market/:venue/:underlying',
      summary: 'The normalised chain the service is using, with its age',
      tag: 'market',
      auth: 'viewer',
      params: s.marketParams,
      responses: { 200: { description: 'the market', schema: s.marketSchema }, 404: { description: 'no such feed' } },
      handler: ({ params }) => {
        const feed = ctx.hub.feed(params.venue, params.underlying);
        const snapshot = feed?.current();
        if (!snapshot) throw notFound('market', marketKey(params.venue, params.underlying));
        // `adapter` is the engine's copy of the same snapshot (with class instances): `chain` is its JSON form.
        const { chain, adapter: _adapter, ...rest } = snapshot;
        return {
          body: jsonSafe({
            ...rest,
            ageMs: Math.max(0, ctx.now() - snapshot.receivedAtMs),
            chain: chain ?? null,
          }),
        };
      },
    }),

    // ---- tickets ----
    route({
      method: 'post',
      path: '/api/tickets',
      summary: 'Propose a hedge ticket for positions (stored durably before the response)',
      tag: 'tickets',
      auth: 'trader',
      body: s.ticketCreateSchema,
      responses: {
        201: { description: 'the ticket, status proposed', schema: s.ticketSchema },
        404: { description: 'unknown position id (the message names the field)' },
        503: { description: 'no market data for a position' },
      },
      handler: async ({ body, principal, req }) => {
        const positions = body.positionIds.map((id, i) => {
          const position = ctx.store.getPosition(id);
          if (!position) throw new HttpError(404, 'not_found', `body.positionIds.${i}: position ${id} not found`);
          return position;
        });
        let content: Record<string, unknown>;
        try {
          // The overrides go on as sent (validated above), so unspecified sections keep the desk's values.
          const rawPolicy = (req.body as { policy?: Record<string, unknown> }).policy;
          content = await ctx.engine.makeTicket({
            positions,
            mode: body.mode,
            policy: ctx.policy,
            ...(rawPolicy ? { policyOverrides: rawPolicy } : {}),
            markets: ctx.hub.markets(),
            nowMs: ctx.now(),
          });
        } catch (error) {
          throw ticketError(error);
        }
        // The insert is synchronous and fsynced (WAL, synchronous=FULL): when it returns the ticket is durable.
        const write = Promise.resolve().then(() =>
          ctx.store.createTicket({
            mode: body.mode,
            positionIds: body.positionIds,
            content: jsonSafe(content),
            actor: actor(principal),
          }),
        );
        ctx.inflight.add(write);
        try {
          const ticket = await write;
          ctx.metrics.tickets.inc({ status: 'proposed' });
          ctx.log.info({ ticketId: ticket.id, mode: ticket.mode, actor: actor(principal) }, 'ticket proposed');
          return { status: 201, body: withIntegrity(ticket) };
        } finally {
          ctx.inflight.delete(write);
        }
      },
    }),
    route({
      method: 'get',
      path: '/api/tickets',
      summary: 'List tickets, newest first',
      tag: 'tickets',
      auth: 'viewer',
      query: s.ticketListQuery,
      responses: { 200: { description: 'tickets', schema: z.object({ tickets: z.array(s.ticketSchema) }) } },
      handler: ({ query }) => ({
        body: {
          tickets: ctx.store
            .listTickets({
              ...(query.status ? { status: query.status } : {}),
              ...(query.limit !== undefined ? { limit: query.limit } : {}),
              ...(query.offset !== undefined ? { offset: query.offset } : {}),
            })
            .map(withIntegrity),
        },
      }),
    }),
    route({
      method: 'get',
      path: '/api/tickets/:id',
      summary: 'One ticket with its full content and status history',
      tag: 'tickets',
      auth: 'viewer',
      params: s.idParams,
      responses: { 200: { description: 'the ticket', schema: s.ticketSchema }, 404: { description: 'no such ticket' } },
      handler: ({ params }) => {
        const ticket = ctx.store.getTicket(params.id);
        if (!ticket) throw notFound('ticket', params.id);
        return { body: withIntegrity(ticket) };
      },
    }),
    transition('approved', 'approve'),
    transition('rejected', 'reject'),
    transition('executed', 'executed'),

    // ---- keys and audit (admin) ----
    route({
      method: 'get',
      path: '/api/keys',
      summary: 'List API keys (ids and roles; never the keys)',
      tag: 'admin',
      auth: 'admin',
      responses: { 200: { description: 'keys', schema: z.object({ keys: z.array(s.keyRecordSchema) }) } },
      handler: () => ({ body: { keys: ctx.store.listApiKeys() } }),
    }),
    route({
      method: 'post',
      path: '/api/keys',
      summary: 'Create an API key; the key is in this response only',
      tag: 'admin',
      auth: 'admin',
      body: s.keyCreateSchema,
      responses: {
        201: { description: 'the new key (shown once)', schema: s.keyRecordSchema.extend({ key: z.string() }) },
      },
      handler: ({ body, principal }) => {
        const created = ctx.store.createApiKey(body.role, actor(principal), body.label);
        return { status: 201, body: { ...created.record, key: created.key } };
      },
    }),
    route({
      method: 'delete',
      path: '/api/keys/:id',
      summary: 'Revoke an API key',
      tag: 'admin',
      auth: 'admin',
      params: s.idParams,
      responses: { 204: { description: 'revoked' }, 404: { description: 'no such active key' } },
      handler: ({ params, principal }) => {
        if (!ctx.store.revokeApiKey(params.id, actor(principal))) throw notFound('key', params.id);
        ctx.auth.invalidate();
        return { status: 204 };
      },
    }),
    route({
      method: 'get',
      path: '/api/audit',
      summary: 'The audit log, newest first',
      tag: 'admin',
      auth: 'admin',
      query: s.auditQuery,
      responses: { 200: { description: 'entries', schema: z.object({ entries: z.array(z.unknown()) }) } },
      handler: ({ query }) => ({ body: { entries: ctx.store.listAudit(query.limit ?? 100) } }),
    }),
  ];
}
