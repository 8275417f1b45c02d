/** Holdings: what the ledger's fills add up to, hedges entered by hand, and their close. */
import { z } from 'zod';
import type { ServiceContext } from '../context.js';
import { HttpError, route } from '../registry.js';
import { NOT_FOUND, NO_MARK } from '../httpErrors.js';
import { INVALID_REQUEST } from '../../cli/errors.js';
import { UNKNOWN_INSTRUMENT } from '../../../adapters/errors.js';
import type { RouteDef } from '../registry.js';
import * as s from '../schemas.js';
import * as ls from '../ledgerSchemas.js';
import { baseAmountOf, unrealisedPnlOf } from '../../../hedging/ledger.js';
import type { Holding } from '../../../hedging/ledger.js';
import { actor, jsonSafe, notFound } from './common.js';
import { deskOf, durableWrite, refreshHoldings } from './tickets.js';

export function holdingRoutes(ctx: ServiceContext): RouteDef[] {
  /** A holding as the API shows it: with its base amount, mark and unrealised P&L where the market marks it. */
  const view = (holding: Holding) => {
    const info = deskOf(ctx).instrument(holding.venue, holding.underlying, holding.instrument);
    const markPrice = info?.markPrice ?? null;
    return jsonSafe({
      ...holding,
      baseAmount: baseAmountOf(holding, markPrice),
      markPrice,
      unrealisedPnl: unrealisedPnlOf(holding, markPrice),
    });
  };

  const durably = <T>(write: () => Promise<T>) => durableWrite(ctx, write);

  return [
    route({
      method: 'get',
      path: '/api/holdings',
      summary: 'What is held: per instrument and scope, net contracts, base amount, average price, P&L, the fills',
      tag: 'holdings',
      auth: 'viewer',
      query: ls.holdingListQuery,
      responses: { 200: { description: 'holdings', schema: z.object({ holdings: z.array(ls.holdingSchema) }) } },
      handler: async ({ query }) => {
        const holdings = (await ctx.store.listHoldings()).filter((h) => query.open !== 'true' || h.netContracts !== 0);
        return { body: { holdings: holdings.map(view) } };
      },
    }),
    route({
      method: 'get',
      path: '/api/holdings/:id',
      summary: 'One holding with its fills',
      tag: 'holdings',
      auth: 'viewer',
      params: s.idParams,
      responses: {
        200: { description: 'the holding', schema: ls.holdingSchema },
        404: { description: 'no such holding' },
      },
      handler: async ({ params }) => {
        const holding = await ctx.store.getHolding(params.id);
        if (!holding) throw notFound('holding', params.id);
        return { body: view(holding) };
      },
    }),
    route({
      method: 'post',
      path: '/api/holdings',
      summary: 'Enter a hedge held outside any ticket (one manual fill; contract terms from the market)',
      tag: 'holdings',
      auth: 'trader',
      body: ls.holdingCreateSchema,
      responses: {
        201: { description: 'the holding the entry went into', schema: ls.holdingSchema },
        400: { description: 'an instrument the market does not list, or of another kind (names the field)' },
        404: { description: 'unknown position id (names the field)' },
      },
      handler: async ({ body, principal }) => {
        const info = deskOf(ctx).instrument(body.venue, body.underlying, body.instrument);
        if (!info) {
          throw new HttpError(
            UNKNOWN_INSTRUMENT,
            `body.instrument: ${body.instrument} is not listed on ${body.venue} ${body.underlying} (or that market is not configured)`,
          );
        }
        if (body.kind !== undefined && body.kind !== info.kind) {
          throw new HttpError(INVALID_REQUEST, `body.kind: ${body.instrument} is a ${info.kind}, not a ${body.kind}`);
        }
        for (const [i, id] of (body.positionIds ?? []).entries()) {
          if (!(await ctx.store.getPosition(id))) {
            throw new HttpError(NOT_FOUND, `body.positionIds.${i}: position ${id} not found`);
          }
        }
        const atMs = body.entryTime === undefined ? undefined : Date.parse(body.entryTime);
        // A minute of slack for clock skew between the desk and the service; later than that is a typo.
        if (atMs !== undefined && atMs > ctx.now() + 60_000) {
          throw new HttpError(INVALID_REQUEST, `body.entryTime: ${body.entryTime} is in the future`);
        }
        const feeQuote = body.feeQuote ?? body.fee ?? 0;
        const holding = await durably(() =>
          ctx.store.addManualHolding(
            {
              venue: body.venue,
              underlying: body.underlying,
              instrument: body.instrument,
              kind: info.kind,
              contracts: body.contracts,
              price: body.entryPrice,
              feeQuote,
              ...(atMs !== undefined ? { atMs } : {}),
              scope: body.positionIds ?? [],
              venueOrderId: body.venueOrderId ?? null,
              contractSize: info.contractSize,
              contractValueQuote: info.contractValueQuote,
              priceCurrency: info.priceCurrency,
            },
            actor(principal),
          ),
        );
        ctx.log.info(
          { holdingId: holding.id, instrument: holding.instrument, actor: actor(principal) },
          'hedge entered',
        );
        await refreshHoldings(ctx);
        return { status: 201, body: view(holding) };
      },
    }),
    route({
      method: 'post',
      path: '/api/holdings/:id/close',
      summary: 'Record closing a holding (one close fill of its net contracts; default price the mark)',
      tag: 'holdings',
      auth: 'trader',
      params: s.idParams,
      body: ls.holdingCloseSchema,
      responses: {
        200: { description: 'the holding, now flat, with its realised P&L', schema: ls.holdingSchema },
        404: { description: 'no such holding' },
        409: { description: '`holding-flat`: nothing to close' },
        503: { description: '`no-mark`: no price given and the market has no mark for the instrument' },
      },
      handler: async ({ params, body, principal }) => {
        const holding = await ctx.store.getHolding(params.id);
        if (!holding) throw notFound('holding', params.id);
        let price = body.price;
        if (price === undefined) {
          const mark = deskOf(ctx).instrument(holding.venue, holding.underlying, holding.instrument)?.markPrice ?? null;
          if (mark === null) {
            throw new HttpError(
              NO_MARK,
              `body.price: ${holding.instrument} has no mark on ${holding.venue} ${holding.underlying} now; give the closing price`,
            );
          }
          price = mark;
        }
        const closePrice = price;
        const closed = await durably(() =>
          ctx.store.closeHolding(
            params.id,
            { price: closePrice, feeQuote: body.feeQuote ?? body.fee ?? 0 },
            actor(principal),
          ),
        );
        ctx.log.info({ holdingId: closed.id, price: closePrice, actor: actor(principal) }, 'holding closed');
        await refreshHoldings(ctx);
        return { body: view(closed) };
      },
    }),
  ];
}
