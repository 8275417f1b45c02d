/** Positions: create, read, replace, delete, payoff curves. */
import { z } from 'zod';
import type { ServiceContext } from '../context.js';
import { HttpError, route } from '../registry.js';
import { NO_MARKET } from '../deskBook.js';
import {
  balanceBookPosition,
  balanceUnderlying,
  lpPositionOf,
  type BalancePositionSpec,
  type LpPositionSpec,
  INVALID_INPUT,
} from '../../../hedging/index.js';
import type { PositionSpec } from '../types.js';
import type { RouteDef } from '../registry.js';
import * as s from '../schemas.js';
import { NotFoundError } from '../store/index.js';
import { actor, jsonSafe, notFound } from './common.js';

/** The body with its market filled in from the desk's default, checked by building the position (errors name the field). */
function positionOf(ctx: ServiceContext, body: LpPositionSpec | BalancePositionSpec): PositionSpec {
  // A balance (collateral) is counted in its coin's book, a stablecoin in the desk market's unless it names one.
  const spec: PositionSpec =
    body.kind === 'balance'
      ? { ...body, underlying: balanceUnderlying(body, ctx.defaultMarket.underlying) }
      : {
          ...body,
          venue: body.venue ?? ctx.defaultMarket.venue,
          underlying: body.underlying ?? ctx.defaultMarket.underlying,
        };
  try {
    if (spec.kind === 'balance') balanceBookPosition(spec.id ?? 'body', spec);
    else lpPositionOf(spec);
  } catch (error) {
    const field = (error as { field?: unknown }).field;
    if (typeof field === 'string') throw new HttpError(INVALID_INPUT, `body.${(error as Error).message}`);
    throw error;
  }
  return spec;
}

export function positionRoutes(ctx: ServiceContext): RouteDef[] {
  return [
    route({
      method: 'post',
      path: '/api/positions',
      summary: 'Create a position',
      tag: 'positions',
      auth: 'admin',
      body: s.positionSpecSchema,
      responses: { 201: { description: 'created', schema: s.storedPositionSchema } },
      handler: async ({ body, principal }) => {
        const position = await ctx.store.createPosition(positionOf(ctx, body), actor(principal));
        await ctx.refreshPositions();
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
      handler: async () => ({ body: { positions: await ctx.store.listPositions() } }),
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
      handler: async ({ params }) => {
        const position = await ctx.store.getPosition(params.id);
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
      handler: async ({ params }) => {
        const position = await ctx.store.getPosition(params.id);
        if (!position) throw notFound('position', params.id);
        const curves = ctx.desk.payoff(params.id);
        if (!curves) throw new HttpError(NO_MARKET, `no market data to value position ${params.id} on`);
        return { body: jsonSafe(curves) };
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
      handler: async ({ params, body, principal }) => {
        try {
          const position = await ctx.store.updatePosition(params.id, positionOf(ctx, body), actor(principal));
          await ctx.refreshPositions();
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
      handler: async ({ params, principal }) => {
        try {
          await ctx.store.deletePosition(params.id, actor(principal));
          await ctx.refreshPositions();
          return { status: 204 };
        } catch (error) {
          if (error instanceof NotFoundError) throw notFound('position', params.id);
          throw error;
        }
      },
    }),
  ];
}
