/**
 * Liveness, readiness and metrics. `/health` and `/ready` say which data the service runs on (live, replay or demo,
 * per venue). A feed's age is the age of its data on the market's own clock (the venue's timestamps live, the
 * recording's on a replay) plus the time since the service received it: the desk book's quote age, so `/ready`
 * and the hedge stream agree on what is stale. `/ready` is 503 while any feed is down or stale, and on replayed or
 * demo data unless the service was started with `--demo`.
 */
import { z } from 'zod';
import type { ServiceContext } from '../context.js';
import { route } from '../registry.js';
import type { RouteDef } from '../registry.js';
import * as s from '../schemas.js';
import { marketKey, type DataSourceInfo, type MarketFeed } from '../types.js';

function dataSourceOf(feed: MarketFeed): DataSourceInfo {
  if (feed.dataSource) return feed.dataSource();
  const snapshot = feed.current();
  const source = snapshot?.source;
  const kind = source === 'live' || source === 'replay' || source === 'demo' ? source : 'scripted';
  return { kind, venue: feed.venue, underlying: feed.underlying, label: snapshot?.label ?? '(no data yet)' };
}

export function operationRoutes(ctx: ServiceContext): RouteDef[] {
  const feedStatus = () =>
    ctx.hub.feedList().map((feed) => {
      const snapshot = feed.current();
      const ageMs = snapshot
        ? Math.max(0, ctx.now() - snapshot.receivedAtMs) +
          Math.max(0, snapshot.asOfMs - snapshot.market.source.dataTimeMs)
        : null;
      const dataSource = dataSourceOf(feed);
      const recorded = dataSource.kind === 'replay' || dataSource.kind === 'demo';
      const connected = feed.connected();
      const fresh = ageMs !== null && ageMs <= ctx.maxFeedAgeMs;
      const reasons: string[] = [];
      if (!connected) reasons.push(dataSource.status ? `feed ${dataSource.status}` : 'feed not connected');
      if (!snapshot) reasons.push('no data yet');
      else if (!fresh) reasons.push(`data ${Math.round(ageMs!)} ms old (limit ${ctx.maxFeedAgeMs} ms)`);
      if (recorded && feed.readyOnRecordedData !== true) {
        reasons.push(`${dataSource.kind} data, not the market (start with --demo to accept it)`);
      }
      return {
        market: marketKey(feed.venue, feed.underlying),
        connected,
        source: snapshot?.source ?? null,
        dataSource,
        ageMs,
        fresh,
        ready: reasons.length === 0,
        ...(reasons.length > 0 ? { notReady: reasons.join('; ') } : {}),
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
        body: {
          status: 'ok',
          uptimeS: (ctx.now() - ctx.startedAtMs) / 1000,
          version: ctx.version,
          dataSource: ctx.hub.feedList().map(dataSourceOf),
        },
      }),
    }),
    route({
      method: 'get',
      path: '/ready',
      summary: 'Readiness: every feed connected and fresh, on live data (or replay/demo data under --demo)',
      tag: 'operations',
      auth: 'viewer',
      responses: {
        200: { description: 'ready', schema: s.readySchema },
        503: {
          description: 'a feed is down or stale, or runs on replay/demo data without --demo',
          schema: s.readySchema,
        },
      },
      handler: async () => {
        const feeds = feedStatus();
        const store = await storeStatus(ctx);
        const ready = feeds.length > 0 && feeds.every((f) => f.ready) && store.reachable;
        return { status: ready ? 200 : 503, body: { ready, feeds, store } };
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

/**
 * The store as `/ready` reports it: which database, where (no password), its schema version, whether it answers, and
 * whether this instance leads the desk's once-only work. A store that does not answer makes the instance not ready:
 * it could not record a fill.
 */
async function storeStatus(ctx: ServiceContext) {
  const base = {
    kind: ctx.store.dialect,
    location: ctx.store.path,
    leadership: ctx.leadership.kind,
    leader: ctx.leadership.isLeader(),
  };
  try {
    return { ...base, reachable: true, schemaVersion: await ctx.store.schemaVersion(), error: null };
  } catch (error) {
    return { ...base, reachable: false, schemaVersion: null, error: (error as Error).message };
  }
}
