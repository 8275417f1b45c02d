/**
 * End to end on loopback: `ilhedge serve --source live` (runService, in process) with the desk config's
 * `market.endpoints` pointed at a loopback Deribit that serves the recorded REST chain and publishes ticker frames.
 * The hedge stream's price, delta and gamma follow the frames sent; a silent venue makes the stream stale and
 * `/ready` 503; the stream recovers when the venue speaks again.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { get, hedgeClient, serveLive, startDeribitLoopback, until, v3Delta, v3Gamma, type Json } from './liveVenue.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('ilhedge serve --source live on a loopback Deribit', () => {
  it('streams hedge messages that follow the frames sent, goes stale when the venue is silent, recovers', async () => {
    const loop = await startDeribitLoopback();
    cleanups.push(() => loop.close());
    const { handle } = await serveLive(loop, cleanups);
    const key = handle.firstAdminKey!;
    // Only what the policy can use is subscribed: the perp, options inside the expiry window and strike band.
    await loop.venue.waitForSubscribed(['ticker.BTC-PERPETUAL']);
    const subscribed = [...loop.venue.subscribed()];
    expect(subscribed.length).toBeGreaterThan(20);
    expect(subscribed.length).toBeLessThan(loop.chain.chains.reduce((n, c) => n + c.options.length, 0) / 2);
    // The far expiries (26MAR27 is 304 days out; the default policy stops at 60 days) are not subscribed.
    expect(subscribed.some((k) => k.includes('26MAR27'))).toBe(false);

    const client = await hedgeClient(handle.url, key);
    cleanups.push(() => client.close());
    const venueStream = loop.stream(150);
    cleanups.push(() => venueStream.stop());
    // The price every position is valued at: the index the frames carry (the recorded perp's index).
    const index = loop.chain.perp!.index!;

    const first = await client.next(
      (m: Json) => m.type === 'hedge' && m.positionId === 'v3' && m.stale === false && m.price === index,
      10_000,
      'a fresh hedge message at the recorded index',
    );
    expect(first.source).toBe('live');
    expect(first.market).toBe('deribit/BTC');
    expect(first.lp.delta).toBeCloseTo(v3Delta(index), 6);
    expect(first.lp.gamma).toBeCloseTo(v3Gamma(index), 12);
    expect(first.quoteAgeMs).toBeLessThan(2000);
    await until(async () => (await get(handle.url + '/ready', key)).status === 200, 'ready on live data');

    // The venue moves the market 3% up: the stream follows the frames.
    loop.factor = 1.03;
    const moved = await client.next(
      (m: Json) => m.type === 'hedge' && m.positionId === 'v3' && m.stale === false && m.price > index * 1.01,
      10_000,
      'a hedge message at the moved index',
    );
    expect(moved.price).toBeCloseTo(index * 1.03, 6);
    expect(moved.lp.delta).toBeCloseTo(v3Delta(index * 1.03), 6);
    expect(moved.lp.gamma).toBeCloseTo(v3Gamma(index * 1.03), 12);
    expect(moved.lp.delta).toBeLessThan(first.lp.delta);

    const health = await get(handle.url + '/health');
    expect(health.json.dataSource).toEqual([
      expect.objectContaining({ kind: 'live', venue: 'deribit', underlying: 'BTC', status: 'up' }),
    ]);
    expect(health.json.dataSource[0].endpoints.ws).toBe(loop.venue.wsUrl);

    // The venue goes silent: the data ages on the venue's clock, the stream says stale, nothing to trade.
    await venueStream.stop();
    const stale = await client.next(
      (m: Json) => m.type === 'hedge' && m.positionId === 'v3' && m.stale === true,
      10_000,
      'a stale hedge message',
    );
    expect(stale.toTrade).toBeNull();
    expect(stale.band.status).toBe('stale');
    expect(stale.quoteAgeMs).toBeGreaterThan(2000);
    const notReady = await get(handle.url + '/ready', key);
    expect(notReady.status).toBe(503);
    expect(notReady.json.feeds[0].fresh).toBe(false);

    // The venue speaks again: fresh, ready.
    const again = loop.stream(150);
    cleanups.push(() => again.stop());
    await client.next(
      (m: Json) => m.type === 'hedge' && m.positionId === 'v3' && m.stale === false,
      15_000,
      'a fresh hedge message after the silence',
    );
    await until(async () => (await get(handle.url + '/ready', key)).status === 200, 'ready again');
  }, 60_000);
});
