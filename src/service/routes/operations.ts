/** Liveness, readiness and metrics. */
import { z } from 'zod';
import type { ServiceContext } from '../context.js';
import { route } from '../registry.js';
import type { RouteDef } from '../registry.js';
import * as s from '../schemas.js';
import { marketKey } from '../types.js';

export function operationRoutes(ctx: ServiceContext): RouteDef[] {
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
  ];
}
