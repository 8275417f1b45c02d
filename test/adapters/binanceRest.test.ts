/**
 * Binance REST paths through ccxt 4.5.84 on real payloads from ccxt's own static tests
 * (`test/fixtures/exchanges/SOURCES.md`): USD-M and COIN-M perp `exchangeInfo` entries of ccxt's `markets/binance.json`
 * (replayed below ccxt through loadMarkets) and the `eapi/v1/mark` answer of its `fetchAllGreeks` test. ccxt's static
 * data holds no Binance option ticker, option `exchangeInfo` or funding answer. Values are read by hand from the files.
 */
import type { Ticker } from 'ccxt';
import { describe, expect, it } from 'vitest';
import type { Instrument, OptionQuote } from '../../adapters/model.js';
import { createReplayClient } from '../../adapters/replayRest.js';
import { binance, binanceNormaliseTicker } from '../../adapters/venues/binance.js';
import { fixtureJson, recordingOf } from './fixtures.js';

const ROUTES = [
  ['https://fapi.binance.com/fapi/v1/exchangeInfo', 'fapi_v1_exchangeInfo_BTCUSDT_ccxt-static.json'],
  ['https://dapi.binance.com/dapi/v1/exchangeInfo', 'dapi_v1_exchangeInfo_BTCUSD_PERP_ccxt-static.json'],
] as const;

async function loadBtc(log?: string[]) {
  // No option exchangeInfo in ccxt's static data: load the perp types only.
  const ex = createReplayClient(recordingOf('binance', ROUTES), {
    log,
    options: { fetchMarkets: { types: ['linear', 'inverse'] } },
  });
  const index = await binance.loadInstruments(ex, { underlying: 'BTC' });
  return { ex, index };
}

describe('binance perps (exchangeInfo entries of ccxt markets/binance.json, through loadMarkets)', () => {
  it('requests the USD-M and COIN-M exchangeInfo only', async () => {
    const log: string[] = [];
    await loadBtc(log);
    expect(log.map((l) => new URL(l.split(' ')[1]!).pathname).sort()).toEqual([
      '/dapi/v1/exchangeInfo',
      '/fapi/v1/exchangeInfo',
    ]);
  });

  it('BTCUSDT (USD-M): linear, amounts in BTC, min and step 0.001 (LOT_SIZE), tick 0.10 (PRICE_FILTER)', async () => {
    const { index } = await loadBtc();
    expect(index.resolve('BTCUSDT')).toMatchObject({
      symbol: 'BTC/USDT:USDT',
      kind: 'perp',
      linear: true,
      settle: 'USDT',
      contractSize: 1,
      contractValueQuote: null,
      minAmount: 0.001,
      amountStep: 0.001,
      priceTick: 0.1,
      priceCurrency: 'USDT',
      venueAmountPerContract: 1,
    });
  });

  it('BTCUSD_PERP (COIN-M): inverse, 100 USD per contract (contractSize "100"), sizes in contracts, tick 0.1', async () => {
    const { ex, index } = await loadBtc();
    expect(ex.market('BTC/USD:BTC').contractSize).toBe(100);
    expect(index.resolve('BTCUSD_PERP')).toMatchObject({
      symbol: 'BTC/USD:BTC',
      kind: 'perp',
      inverse: true,
      settle: 'BTC',
      contractSize: null,
      contractValueQuote: 100,
      minAmount: 1,
      amountStep: 1,
      priceTick: 0.1,
      priceCurrency: 'USD',
      venueAmountPerContract: 1,
    });
  });
});

describe('binance option mark (eapi/v1/mark, the fetchAllGreeks answer in ccxt static response/binance.json)', () => {
  /**
   * ccxt's static market entry for ETH/USDT:USDT-231229-800-C has no `info` (contractSize 1, USDT-settled, linear);
   * the rest of the spec follows from the id (expiry 2023-12-29 08:00 UTC, strike 800).
   */
  const eth800: Instrument = {
    venue: 'binance',
    symbol: 'ETH/USDT:USDT-231229-800-C',
    venueId: 'ETH-231229-800-C',
    base: 'ETH',
    quote: 'USDT',
    settle: 'USDT',
    kind: 'option',
    optionType: 'call',
    strike: 800,
    expiryMs: Date.parse('2023-12-29T08:00:00Z'),
    expiryIso: '2023-12-29T08:00:00.000Z',
    inverse: false,
    linear: true,
    contractSize: 1,
    contractValueQuote: null,
    minAmount: 0.01,
    amountStep: 0.01,
    priceTick: 0.1,
    priceTickSteps: [],
    priceCurrency: 'USDT',
    venueAmountPerContract: 1,
    takerFee: null,
    makerFee: null,
    active: true,
  };
  const [mark] = fixtureJson<Record<string, unknown>[]>('binance', 'eapi_v1_mark_ETH-231229-800-C_ccxt-static.json');
  const bare = { symbol: eth800.symbol, info: {} } as unknown as Ticker;

  it('mark 1789.2 USDT is the quote-currency premium; markIV 0.708575 is a decimal already', () => {
    const q = binanceNormaliseTicker(eth800, bare, mark) as OptionQuote;
    expect(q).toMatchObject({ markSettle: 1789.2, markQuote: 1789.2, markIv: 0.708575 });
    // Binance sends no forward: the chain's parity forward is used (source.ts).
    expect(q.forward).toBeNull();
  });

  it('bidIV/askIV "-0.00000001" are the venue saying "none": null, never a negative vol', () => {
    const q = binanceNormaliseTicker(eth800, bare, mark) as OptionQuote;
    expect(q.bidIv).toBeNull();
    expect(q.askIv).toBeNull();
    expect(q.bidSettle).toBeNull();
    expect(q.askSettle).toBeNull();
  });

  it('greeks are passed as sent, with their units stated (the payload has delta -0.91 on a call: see SOURCES.md)', () => {
    const q = binanceNormaliseTicker(eth800, bare, mark) as OptionQuote;
    expect(q.venueGreeks).toMatchObject({
      delta: -0.91110168,
      gamma: 0.0001436,
      theta: -1.0575559,
      vega: 2.00337645,
      rho: null,
    });
    expect(q.venueGreeks?.convention).toMatch(/^binance: /);
  });
});
