/**
 * The live feed in the service under the ways a venue fails (issue 10, Deliver 2): a dropped connection, Deribit's
 * rate-limit refusal 10028, malformed frames, a feed that goes silent, and clock skew between the venue's timestamps
 * and ours. Each test asserts what the hedge stream and `/ready` show: no crash, nothing double-counted, stale data
 * flagged and not hedged on, recovery after the reconnect.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { LiveMarketFeed } from '../../src/service/feeds/live.js';
import type { RunServiceResult } from '../../src/service/run.js';
import {
  get,
  hedgeClient,
  MAX_AGE_MS,
  serveLive,
  startDeribitLoopback,
  until,
  type DeribitLoopback,
  type Json,
} from './liveVenue.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface Running {
  loop: DeribitLoopback;
  service: RunServiceResult;
  feed: LiveMarketFeed;
  key: string;
  client: Awaited<ReturnType<typeof hedgeClient>>;
  ready(): Promise<{ status: number; json: Json }>;
  health(): Promise<Json>;
}

const isHedge = (m: Json) => m.type === 'hedge' && m.positionId === 'v3';

/** A live service on a loopback Deribit that streams every 150 ms, past its first fresh hedge message. */
async function running(opts: Parameters<typeof serveLive>[2] = {}, streamOpts: { skewMs?: number } = {}) {
  const loop = await startDeribitLoopback();
  cleanups.push(() => loop.close());
  const service = await serveLive(loop, cleanups, opts);
  const key = service.handle.firstAdminKey!;
  const feed = service.handle.hub.feedList()[0] as LiveMarketFeed;
  await loop.venue.waitForSubscribed(['ticker.BTC-PERPETUAL']);
  const client = await hedgeClient(service.handle.url, key);
  cleanups.push(() => client.close());
  let venueStream = loop.stream(150, streamOpts);
  cleanups.push(() => venueStream.stop());
  const r: Running & { restart(o?: { skewMs?: number }): void; silence(): Promise<void> } = {
    loop,
    service,
    feed,
    key,
    client,
    ready: () => get(service.handle.url + '/ready', key),
    health: async () => (await get(service.handle.url + '/health')).json,
    restart(o = streamOpts) {
      venueStream = loop.stream(150, o);
    },
    silence: () => venueStream.stop(),
  };
  return r;
}

/** Resolves once `count()` has not changed for 300 ms. */
async function quiet(count: () => number): Promise<void> {
  let last = count();
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 300));
    const now = count();
    if (now === last) return;
    last = now;
  }
}

async function fresh(r: Running, what: string, timeoutMs = 10_000): Promise<Json> {
  return r.client.next((m: Json) => isHedge(m) && m.stale === false && m.toTrade !== null, timeoutMs, what);
}

describe('live feed faults, as the stream and /ready show them', () => {
  it('a dropped connection: not hedged on while down, /ready 503, recovers, nothing double-counted', async () => {
    const r = await running();
    await fresh(r, 'a fresh hedge message');
    await until(async () => (await r.ready()).status === 200, 'ready');
    const subscribedBefore = [...r.loop.venue.subscribed()].sort();
    const connectsBefore = r.loop.venue.stats.connections;

    // The venue goes away: every socket killed, new ones refused.
    r.loop.venue.setAccepting(false);
    r.loop.venue.dropConnections();
    const down = await until(async () => {
      const ready = await r.ready();
      return ready.status === 503 && ready.json.feeds[0].connected === false ? ready : null;
    }, '/ready 503 while the venue is down');
    expect(down.json.feeds[0].notReady).toMatch(/feed (down|connecting)/);
    // Every hedge message while down is stale at once (the feed says it is down, before its quotes age past the
    // limit) and offers nothing to trade; later ones show the data ageing beyond the limit.
    const whileDown = await r.client.next((m: Json) => isHedge(m) && m.stale === true, 10_000, 'stale while down');
    expect(whileDown.toTrade).toBeNull();
    expect(whileDown.band.status).toBe('stale');
    const aged = await r.client.next(
      (m: Json) => isHedge(m) && m.stale === true && m.quoteAgeMs > MAX_AGE_MS,
      10_000,
      'aged past the limit while down',
    );
    expect(aged.toTrade).toBeNull();
    const downSince = r.client.messages.findIndex((m: Json) => m === whileDown);
    expect(r.client.messages.slice(downSince).filter((m: Json) => isHedge(m) && m.toTrade !== null)).toEqual([]);

    // Back: one new connection, the same subscriptions (not doubled), fresh data, ready.
    r.loop.venue.setAccepting(true);
    await fresh(r, 'fresh after the reconnect', 15_000);
    await until(async () => (await r.ready()).status === 200, 'ready after the reconnect');
    await r.loop.venue.waitForSubscribed(subscribedBefore);
    expect(r.loop.venue.openConnections).toBe(1);
    expect([...r.loop.venue.subscribed()].sort()).toEqual(subscribedBefore);
    expect(r.loop.venue.stats.connections).toBeGreaterThan(connectsBefore);

    // The same update delivered twice (a venue re-sending after a reconnect) changes nothing the second time.
    await r.silence();
    // Let the feed consume what the stream already queued before counting.
    await quiet(() => r.feed.stats.accepted + r.feed.stats.duplicates + r.feed.stats.outOfOrder);
    const accepted = r.feed.stats.accepted;
    const duplicates = r.feed.stats.duplicates;
    const at = r.loop.clock.now();
    const perpFrame = r.loop.frame('BTC-PERPETUAL', at);
    await r.loop.venue.publish(perpFrame);
    await r.loop.venue.publish(perpFrame);
    await until(() => r.feed.stats.duplicates === duplicates + 1, 'the repeat counted as a duplicate');
    expect(r.feed.stats.accepted).toBe(accepted + 1);
  }, 60_000);

  it("Deribit's 10028 refusal: rate-limited, /ready 503, redial after the cool-down, recovery", async () => {
    const r = await running();
    await fresh(r, 'a fresh hedge message');
    // The next subscribe (after the drop) is refused with 10028 and the session killed, as Deribit does.
    r.loop.venue.rateLimitNextSubscribes(1);
    const subscribesBefore = r.loop.venue.stats.subscribeRequests;
    r.loop.venue.dropConnections();
    const limited = await until(async () => {
      const h = await r.health();
      return h.dataSource[0].status === 'rate-limited' ? h : null;
    }, 'the feed reports rate-limited');
    expect(limited.dataSource[0].kind).toBe('live');
    // While refused, the stream offers nothing to trade (nothing is hedged on while the feed is not up).
    const refused = await r.client.next((m: Json) => isHedge(m) && m.toTrade === null, 10_000, 'not hedged on');
    expect(refused.suggestion).toBeNull();
    const notReady = await r.ready();
    expect(notReady.status).toBe(503);
    expect(notReady.json.feeds[0].notReady).toContain('rate-limited');
    await fresh(r, 'fresh after the cool-down', 15_000);
    await until(async () => (await r.ready()).status === 200, 'ready after the cool-down');
    // One refused subscribe, then the stream's resubscriptions: the service did not crash or hammer the venue.
    expect(r.loop.venue.stats.subscribeRequests - subscribesBefore).toBeLessThan(10);
    expect(r.loop.venue.openConnections).toBe(1);
  }, 60_000);

  it('malformed frames: no crash, the market is not changed by them, the feed stays up', async () => {
    const r = await running();
    const index = r.loop.chain.perp!.index!;
    await r.client.next((m: Json) => isHedge(m) && m.stale === false && m.price === index, 10_000, 'fresh');
    await r.silence();
    const connections = r.loop.venue.stats.connections;
    // Not JSON; JSON of the wrong shape; a ticker whose numbers are nonsense (negative index, a mark that is text).
    await r.loop.venue.broadcast('{"jsonrpc":"2.0","method":"subscription","params":{"channel":');
    await r.loop.venue.broadcast(
      '{"jsonrpc":"2.0","method":"subscription","params":{"channel":"ticker.BTC-PERPETUAL.100ms"}}',
    );
    const bad = JSON.parse(r.loop.frame('BTC-PERPETUAL', r.loop.clock.now())) as Json;
    bad.params.data.index_price = -5;
    bad.params.data.mark_price = 'not a number';
    await r.loop.venue.publish(JSON.stringify(bad));
    // The good stream resumes; the service answers, and the prices are the venue's real ones.
    r.restart();
    const after = await fresh(r, 'fresh after the malformed frames', 15_000);
    expect(after.price).toBe(index);
    // Nothing after the bad frames was priced on their numbers (index -5).
    expect(r.client.messages.filter((m: Json) => isHedge(m) && !(m.price > 0))).toEqual([]);
    expect((await r.ready()).status).toBe(200);
    // The socket survived them: no redial was needed.
    expect(r.loop.venue.stats.connections).toBe(connections);
  }, 60_000);

  it('a silent feed: stale and not hedged on, the idle socket redialled, fresh again when data returns', async () => {
    const r = await running();
    await fresh(r, 'a fresh hedge message');
    const connections = r.loop.venue.stats.connections;
    await r.silence();
    const stale = await r.client.next((m: Json) => isHedge(m) && m.stale === true, 10_000, 'stale');
    expect(stale.toTrade).toBeNull();
    expect(stale.suggestion).toBeNull();
    expect((await r.ready()).status).toBe(503);
    // No frame for the idle timeout (2.5 s here): the stream drops the socket and dials again.
    await until(() => r.loop.venue.stats.connections > connections, 'the idle socket redialled');
    await r.loop.venue.waitForSubscribed(['ticker.BTC-PERPETUAL']);
    r.restart();
    await fresh(r, 'fresh after the silence', 15_000);
    await until(async () => (await r.ready()).status === 200, 'ready again');
  }, 60_000);

  it('clock skew: a venue clock behind by more than the limit is stale; ahead of ours is refused', async () => {
    // A small lag (300 ms) is the data's real age: fresh, and the age says so.
    const r = await running({}, { skewMs: -300 });
    // Past the REST start-up quotes' usable age (half the limit), everything hedged on came through the lagging frames.
    await new Promise((resolve) => setTimeout(resolve, MAX_AGE_MS / 2 + 200));
    const lagging = await fresh(r, 'fresh with a small lag');
    expect(lagging.quoteAgeMs).toBeGreaterThanOrEqual(300);
    expect(lagging.quoteAgeMs).toBeLessThan(MAX_AGE_MS);

    // The venue's stamps 5 s behind ours: every quote arrives older than the limit, stale, nothing to trade.
    await r.silence();
    r.restart({ skewMs: -5000 });
    const behind = await r.client.next((m: Json) => isHedge(m) && m.stale === true, 10_000, 'stale when behind');
    expect(behind.toTrade).toBeNull();
    expect(behind.quoteAgeMs).toBeGreaterThan(MAX_AGE_MS);
    expect((await r.ready()).status).toBe(503);

    // The venue's stamps 10 s ahead of ours: an age cannot be measured, so the quotes are refused and the market
    // ages on what was last good: stale, not hedged on, and the refusals are counted.
    await r.silence();
    r.restart({ skewMs: 10_000 });
    await until(() => r.feed.stats.skewed > 20, 'future-stamped quotes refused');
    const ahead = await r.client.next((m: Json) => isHedge(m) && m.stale === true, 10_000, 'stale when ahead');
    expect(ahead.toTrade).toBeNull();
    expect((await r.ready()).status).toBe(503);
    expect(r.feed.lastProblem).toMatch(/ahead of our clock/);

    // Clocks agree again: fresh and ready.
    await r.silence();
    r.restart({ skewMs: 0 });
    await fresh(r, 'fresh once the clocks agree', 15_000);
    await until(async () => (await r.ready()).status === 200, 'ready once the clocks agree');
  }, 60_000);
});
