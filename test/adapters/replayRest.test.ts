/** The REST replay below ccxt and the recording format. */
import { describe, expect, it } from 'vitest';
import { createCcxtClient } from '../../adapters/client.js';
import { ReplayMissError } from '../../adapters/errors.js';
import { loadMarketSnapshot } from '../../adapters/source.js';
import { ccxtPackageVersion, parseRecording, recordingSchema } from '../../adapters/recording.js';
import { createReplayClient, replayFetch, routeKey } from '../../adapters/replayRest.js';
import { DERIBIT_2026_ROUTES, recordingOf } from './fixtures.js';

describe('routeKey', () => {
  it('sorts query parameters and drops the ignored ones', () => {
    expect(routeKey('https://x.test/a/b?z=1&a=2&m=3')).toBe('/a/b?a=2&m=3&z=1');
    expect(routeKey('https://x.test/a?b=1&a=2', ['a'])).toBe('/a?b=1');
    expect(routeKey('https://x.test/a')).toBe('/a');
  });
});

describe('replayFetch', () => {
  it('never falls through to the network: an unrecorded route throws ReplayMissError through ccxt', async () => {
    const ex = createReplayClient(recordingOf('deribit', DERIBIT_2026_ROUTES), { label: 'test.json' });
    await expect(ex.fetchMarkets({ currency: 'ETH', kind: 'option' })).rejects.toThrow(ReplayMissError);
    await expect(ex.fetchMarkets({ currency: 'ETH', kind: 'option' })).rejects.toThrow(
      'replay test.json: no recorded response for GET /api/v2/public/get_instruments?currency=ETH&kind=option',
    );
  });

  it('serves repeated routes in recorded order, then repeats the last', async () => {
    const mk = (body: string) => ({ method: 'GET', url: 'https://x.test/p?a=1', status: 200, body, receivedAtMs: 0 });
    const f = replayFetch('deribit', [mk('"one"'), mk('"two"')]);
    const texts = [];
    for (let i = 0; i < 3; i++) texts.push(await (await f('https://x.test/p?a=1', { method: 'GET' })).text());
    expect(texts).toEqual(['"one"', '"two"', '"two"']);
  });

  it('ignores the wall-clock parameters of Deribit fetchFundingRate (start/end timestamps)', async () => {
    // The funding body is typed after Deribit's documented get_funding_rate_value result, not a capture.
    const recorded = {
      method: 'GET',
      url: 'https://www.deribit.com/api/v2/public/get_funding_rate_value?end_timestamp=1&instrument_name=BTC-PERPETUAL&start_timestamp=0',
      status: 200,
      body: JSON.stringify({ jsonrpc: '2.0', result: 0.00001234, usIn: 1, usOut: 2, usDiff: 1, testnet: false }),
      receivedAtMs: 0,
    };
    const rec = recordingOf('deribit', DERIBIT_2026_ROUTES);
    rec.http.push(recorded);
    const log: string[] = [];
    const ex = createReplayClient(rec, { log });
    const markets = [
      ...(await ex.fetchMarkets({ currency: 'BTC', kind: 'option' })),
      ...(await ex.fetchMarkets({ currency: 'BTC', kind: 'future' })),
    ];
    ex.setMarkets(markets);
    const fr = await ex.fetchFundingRate('BTC/USD:BTC');
    expect(fr.fundingRate).toBe(0.00001234);
    // ccxt really did put the clock in the query.
    expect(log.at(-1)).toMatch(/start_timestamp=\d{13}/);
  });

  it('keeps the recorded HTTP status so ccxt sees errors as recorded', async () => {
    const f = replayFetch('okx', [
      { method: 'GET', url: 'https://x.test/e', status: 503, body: 'down', receivedAtMs: 0 },
    ]);
    expect((await f('https://x.test/e')).status).toBe(503);
  });
});

describe('recording format', () => {
  it('accepts a minimal recording and rejects a wrong version or venue with the field named', () => {
    const ok = recordingOf('deribit', []);
    expect(parseRecording(ok)).toEqual(ok);
    expect(() => parseRecording({ ...ok, formatVersion: 2 }, 'f.json')).toThrow(
      /f.json: not a valid ilhedge recording \(formatVersion/,
    );
    expect(() => parseRecording({ ...ok, venue: 'kraken' })).toThrow(/venue/);
    expect(() => parseRecording({ ...ok, ws: [{ url: 'wss://x', data: 1, receivedAtMs: 0 }] })).toThrow(/ws\.0\.data/);
    expect(recordingSchema.safeParse({ ...ok, recordedAt: 'yesterday' }).success).toBe(false);
  });

  it("reads ccxt's version from its package.json (ccxt.version misreports 4.5.83)", () => {
    expect(ccxtPackageVersion()).toBe('4.5.84');
  });
});

describe('createCcxtClient', () => {
  it('narrows market loading per venue and keeps the injected fetch (passed in the constructor, P14)', async () => {
    const seen: string[] = [];
    const ex = createCcxtClient({
      venue: 'bybit',
      underlyings: ['BTC'],
      fetchImplementation: async (url) => {
        seen.push(url);
        return new Response(JSON.stringify({ retCode: 10001, retMsg: 'stop here', result: {} }), { status: 200 });
      },
    });
    expect(ex.options.fetchMarkets).toMatchObject({
      types: ['linear', 'option'],
      options: ['BTC'],
      loadAllOptions: true,
    });
    expect(ex.enableRateLimit).toBe(false);
    await expect(ex.loadMarkets()).rejects.toThrow();
    // Every request went to the injected fetch, none to the network.
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((u) => u.startsWith('https://api.bybit.com/v5/market/instruments-info'))).toBe(true);
    expect(createCcxtClient({ venue: 'binance' }).options.fetchMarkets).toMatchObject({
      types: ['linear', 'inverse', 'option'],
    });
    expect(createCcxtClient({ venue: 'okx', underlyings: ['ETH'] }).options.defaultUnderlying).toEqual(['ETH-USD']);
    expect(createCcxtClient({ venue: 'deribit' }).enableRateLimit).toBe(true);
  });

  it('live data without the caller clock is refused before any request', async () => {
    const ex = createCcxtClient({
      venue: 'deribit',
      fetchImplementation: async () => {
        throw new Error('no request expected');
      },
    });
    await expect(
      loadMarketSnapshot({ venue: 'deribit', underlying: 'BTC', source: 'live', client: ex }),
    ).rejects.toThrow(/live data needs asOfMs/);
  });
});
