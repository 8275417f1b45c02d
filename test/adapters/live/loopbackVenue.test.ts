/**
 * Configurable endpoints and the loopback venue: ccxt pointed at a local server runs its whole REST and websocket
 * path against it; a venue that refuses connections for a while makes the stream redial, never drop a
 * subscription for good (a subscribe sent on a socket the venue closed at once fails with ws's plain
 * `WebSocket is not open`, which ccxt passes through untranslated).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { builtinRecording } from '../../../adapters/builtin/index.js';
import { createCcxtClient } from '../../../adapters/client.js';
import { applyEndpoints, checkEndpointUrl, pointRestAt } from '../../../adapters/live/endpoints.js';
import { deribitTickerFrame, startLoopbackVenue, type LoopbackVenue } from '../../../adapters/live/loopbackVenue.js';
import { createLiveStream, type LiveEvent } from '../../../adapters/live/stream.js';
import { deribit } from '../../../adapters/venues/deribit.js';

const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function venue(): Promise<LoopbackVenue> {
  const v = await startLoopbackVenue({ venue: 'deribit', http: builtinRecording('deribit', 'BTC').recording.http });
  cleanups.push(() => v.close());
  return v;
}

describe('endpoints', () => {
  it('refuses a URL of the wrong kind, naming the setting', () => {
    expect(() => checkEndpointUrl('wss://test.deribit.com/ws/api/v2', 'rest', 'ILHEDGE_DERIBIT_REST_URL')).toThrow(
      /ILHEDGE_DERIBIT_REST_URL: a REST URL must start with http:\/\/ or https:\/\//,
    );
    expect(() => checkEndpointUrl('https://test.deribit.com', 'ws', 'market.endpoints.deribit.ws')).toThrow(
      /market\.endpoints\.deribit\.ws: a websocket URL must start with ws:\/\/ or wss:\/\//,
    );
    expect(() => checkEndpointUrl('not a url', 'rest', 'X')).toThrow(/X: not a URL/);
    expect(checkEndpointUrl('https://test.deribit.com', 'rest', 'X')).toBe('https://test.deribit.com');
  });

  it("moves every REST origin of ccxt's urls.api and keeps the websocket URL", () => {
    const ex = createCcxtClient({ venue: 'deribit', pro: true });
    const wsBefore = (ex.urls.api as Record<string, unknown>).ws;
    pointRestAt(ex, 'https://test.deribit.com');
    expect((ex.urls.api as Record<string, unknown>).rest).toBe('https://test.deribit.com');
    expect((ex.urls.api as Record<string, unknown>).ws).toEqual(wsBefore);
  });

  it('runs the REST start-up through ccxt against the loopback venue', async () => {
    const v = await venue();
    const ex = createCcxtClient({ venue: 'deribit', pro: true, fetchImplementation: (u, i) => fetch(u, i) });
    cleanups.push(() => ex.close());
    await applyEndpoints(ex, { restUrl: v.restUrl, wsUrl: v.wsUrl });
    expect((ex.urls.api as Record<string, unknown>).ws).toBe(v.wsUrl);
    const instruments = await deribit.loadInstruments(ex, { underlying: 'BTC' });
    const quotes = await deribit.fetchQuotes(ex, instruments, { underlying: 'BTC' });
    // The built-in chain: 878 options, served over HTTP by the loopback venue and parsed by ccxt.
    expect(quotes.options.length).toBe(878);
    expect(quotes.perp?.instrument.venueId).toBe('BTC-PERPETUAL');
    expect(v.requests.some((r) => r.startsWith('GET /api/v2/public/get_book_summary_by_currency'))).toBe(true);
  });
});

describe('a venue refusing connections', () => {
  it('is redialled until it accepts; the subscription is never dropped for good', async () => {
    const v = await venue();
    const ex = createCcxtClient({ venue: 'deribit', pro: true, fetchImplementation: (u, i) => fetch(u, i) });
    await applyEndpoints(ex, { restUrl: v.restUrl, wsUrl: v.wsUrl });
    const instruments = await deribit.loadInstruments(ex, { underlying: 'BTC' });
    const perp = instruments.resolve('BTC-PERPETUAL');
    v.setAccepting(false);
    const stream = createLiveStream({
      exchange: ex,
      venue: 'deribit',
      instruments: [perp],
      backoff: { initialDelayMs: 20, maxDelayMs: 100, factor: 2, jitter: 0, resetAfterMs: 1000 },
      idleTimeoutMs: 0,
    });
    cleanups.push(() => stream.close());
    const events: LiveEvent[] = [];
    const quote = new Promise<LiveEvent>((resolve) => {
      void (async () => {
        for await (const e of stream) {
          events.push(e);
          if (e.type === 'quote') resolve(e);
        }
      })();
    });
    const deadline = Date.now() + 10_000;
    while (v.stats.refusedConnections < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(v.stats.refusedConnections).toBeGreaterThanOrEqual(3);
    v.setAccepting(true);
    await v.waitForSubscribed(['ticker.BTC-PERPETUAL']);
    const at = Date.now();
    await v.publish(
      deribitTickerFrame({
        instrument_name: 'BTC-PERPETUAL',
        timestamp: at,
        mark_price: 76_000.5,
        index_price: 75_990,
        best_bid_price: 76_000,
        best_ask_price: 76_001,
        best_bid_amount: 1000,
        best_ask_amount: 1000,
        state: 'open',
      }),
    );
    const q = (await quote) as Extract<LiveEvent, { type: 'quote' }>;
    expect(q.quote.kind === 'perp' && q.quote.mark).toBe(76_000.5);
    expect(q.quote.timestampMs).toBe(at);
    expect(q.stale).toBe(false);
    // Down and redialling while refused, never "dropped" (a permanent subscription failure).
    const statuses = events.filter((e) => e.type === 'status').map((e) => e.status);
    expect(statuses).toContain('down');
    expect(statuses).not.toContain('error');
    expect(stream.status).toBe('up');
  }, 30_000);
});
