/**
 * Which instruments the live feed subscribes (the policies' expiry window and strike band, the perp, each chosen
 * expiry's future), and instruments listed or expired during the day picked up by the periodic reload without a
 * restart.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { builtinRecording, type Instrument } from '../../adapters/index.js';
import { resolvePolicy } from '../../hedging/index.js';
import { LiveMarketFeed } from '../../src/service/feeds/live.js';
import { chooseLiveInstruments } from '../../src/service/feeds/liveInstruments.js';
import { builtinChain, startDeribitLoopback, until } from './liveVenue.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const DAY = 86_400_000;

describe('chooseLiveInstruments', () => {
  it('keeps the options of the expiry window and strike band (with margins), the perp and those expiries futures', async () => {
    const chain = await builtinChain();
    const listed = chain.instruments.all();
    const now = chain.source.dataTimeMs;
    const forwards = new Map(chain.chains.map((c) => [c.expiryMs, c.forward]));
    const policy = resolvePolicy({ candidates: { minExpiryDays: 5, maxExpiryDays: 20, maxAbsLogMoneyness: 0.1 } });
    const s = chooseLiveInstruments(listed, {
      venue: 'deribit',
      perpSettle: 'BTC',
      nowMs: now,
      policies: [policy],
      forwards,
      reference: chain.index,
      moneynessMargin: 0.05,
      expiryMarginDays: 1,
    });
    expect(s.options.length).toBeGreaterThan(0);
    for (const o of s.options) {
      const days = (o.expiryMs! - now) / DAY;
      expect(days).toBeGreaterThanOrEqual(4);
      expect(days).toBeLessThanOrEqual(21);
      expect(Math.abs(Math.log(o.strike! / forwards.get(o.expiryMs!)!))).toBeLessThanOrEqual(0.15 + 1e-12);
    }
    // Every option of the window and band is there, not a sample of it.
    const expected = listed.filter(
      (i) =>
        i.kind === 'option' &&
        (i.expiryMs! - now) / DAY >= 4 &&
        (i.expiryMs! - now) / DAY <= 21 &&
        Math.abs(Math.log(i.strike! / forwards.get(i.expiryMs!)!)) <= 0.15,
    );
    expect(s.options.map((i) => i.symbol).sort()).toEqual(expected.map((i) => i.symbol).sort());
    expect(s.perp?.venueId).toBe('BTC-PERPETUAL');
    const expiries = new Set(s.options.map((i) => i.expiryMs));
    for (const f of s.futures) expect(expiries.has(f.expiryMs)).toBe(true);
    // A policy restricted to other venues subscribes no option here: only the perp (delta) is left.
    const okxOnly = resolvePolicy({ candidates: { venues: ['okx'] } });
    const none = chooseLiveInstruments(listed, {
      venue: 'deribit',
      nowMs: now,
      policies: [okxOnly],
      forwards,
      reference: chain.index,
    });
    expect(none.options).toEqual([]);
    expect(none.all.map((i: Instrument) => i.venueId)).toEqual(['BTC-PERPETUAL']);
  });
});

describe('the live feed picks up listings and expiries during the day', () => {
  it('a new listing in range is subscribed, expired instruments leave, without a restart', async () => {
    const loop = await startDeribitLoopback();
    cleanups.push(() => loop.close());
    let nowMs = loop.chain.source.dataTimeMs;
    const feed = new LiveMarketFeed({
      venue: 'deribit',
      underlying: 'BTC',
      policies: [resolvePolicy({})],
      endpoints: { restUrl: loop.venue.restUrl, wsUrl: loop.venue.wsUrl },
      instrumentReloadMs: 0,
      now: () => nowMs,
    });
    cleanups.push(() => feed.stop());
    await feed.start();
    await loop.venue.waitForSubscribed(['ticker.BTC-PERPETUAL']);
    expect(feed.subscribedSymbols().length).toBe(loop.venue.subscribed().size);
    expect(loop.venue.subscribed().has('ticker.BTC-28MAY26-76000-C')).toBe(true);

    // The venue lists a new strike inside the band (the real 12JUN26 76000 call's spec at strike 76250).
    const { recording } = builtinRecording('deribit', 'BTC');
    const route = recording.http.find((h) => h.url.includes('get_instruments') && h.url.includes('kind=option'))!;
    const body = JSON.parse(route.body) as { result: Record<string, unknown>[] };
    const template = body.result.find((i) => i.instrument_name === 'BTC-12JUN26-76000-C')!;
    body.result.push({ ...template, instrument_name: 'BTC-12JUN26-76250-C', strike: 76250, instrument_id: 999_999 });
    loop.venue.setRoute('/api/v2/public/get_instruments?currency=BTC&kind=option', JSON.stringify(body));
    expect(await feed.reloadInstruments()).toBe(true);
    await loop.venue.waitForSubscribed(['ticker.BTC-12JUN26-76250-C', 'ticker.BTC-PERPETUAL']);
    expect(feed.subscribedSymbols()).toContain('BTC/USD:BTC-260612-76250-C');
    expect(feed.stats.resubscribes).toBe(1);

    // The day passes 28MAY26 08:00 UTC: those options are no longer subscribed nor in the market.
    nowMs = Date.parse('2026-05-28T08:00:01Z');
    expect(await feed.reloadInstruments()).toBe(true);
    await until(() => !feed.subscribedSymbols().some((s) => s.includes('-260528-')), 'the 28MAY26 options dropped');
    expect(feed.subscribedSymbols().some((s) => s.includes('-260527-'))).toBe(false);
    const market = feed.snapshot().market;
    expect(market.chains.some((c) => c.expiryMs <= nowMs)).toBe(false);
    // Nothing changed since: a reload keeps the stream it has.
    expect(await feed.reloadInstruments()).toBe(false);
    expect(feed.stats.instrumentReloads).toBe(3);
  }, 60_000);
});
