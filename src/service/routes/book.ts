/** The book and the market the service is using. */
import type { ServiceContext } from '../context.js';
import { route } from '../registry.js';
import type { RouteDef } from '../registry.js';
import * as s from '../schemas.js';
import { marketKey } from '../types.js';
import type { PositionHedgeState } from '../hedgeState.js';
import { servableChain } from '../feeds/fromAdapters.js';
import { jsonSafe, notFound } from './common.js';

export function bookRoutes(ctx: ServiceContext): RouteDef[] {
  return [
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
        return { body: jsonSafe({ book: ctx.hub.bookState().state, positions, engine: 'hedging' }) };
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
        const { market, ...rest } = snapshot;
        return {
          body: jsonSafe({
            ...rest,
            ageMs: Math.max(0, ctx.now() - snapshot.receivedAtMs),
            chain: servableChain(market),
          }),
        };
      },
    }),
  ];
}
