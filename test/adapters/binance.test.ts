/**
 * Binance European options websocket frames (2023-10-01, real, old `eoptions` stream names) through ccxt.pro's
 * handleMessage (no sockets), then the normaliser.
 */
import ccxt from 'ccxt';
import type { Ticker } from 'ccxt';
import { describe, expect, it } from 'vitest';
import type { Instrument, OptionQuote } from '../../adapters/model.js';
import { binance, binanceOptionFromWsTicker } from '../../adapters/venues/binance.js';
import { fixtureJson } from './fixtures.js';

const put25k: Instrument = {
  venue: 'binance',
  symbol: 'BTC/USDT:USDT-240927-25000-P',
  venueId: 'BTC-240927-25000-P',
  base: 'BTC',
  quote: 'USDT',
  settle: 'USDT',
  kind: 'option',
  optionType: 'put',
  strike: 25000,
  expiryMs: Date.parse('2024-09-27T08:00:00Z'),
  expiryIso: '2024-09-27T08:00:00.000Z',
  inverse: false,
  linear: true,
  contractSize: 1,
  contractValueQuote: null,
  minAmount: 0.01,
  amountStep: 0.01,
  priceTick: 5,
  priceTickSteps: [],
  priceCurrency: 'USDT',
  venueAmountPerContract: 1,
  takerFee: null,
  makerFee: null,
  active: true,
};

const frames = fixtureJson<{ stream: string; data: Record<string, unknown> }[]>(
  'binance',
  'ws_eoptions_trade_depth_index_markPrice_ticker_2023-10-01.json',
);

describe('binance eoptions @ticker frames', () => {
  it('ccxt 4.5.84 parses them but puts the bid/ask IVs (b, a) into bid/ask', () => {
    const ex = new ccxt.pro.binance({ enableRateLimit: false });
    ex.setMarkets([]);
    const client = ex.client('wss://nbstream.binance.com/eoptions/ws');
    for (const f of frames) ex.handleMessage(client, f);
    const t = ex.tickers['BTC/USDT:USDT-240927-25000-P'] as Ticker;
    expect(t.bid).toBe(0.38032115);
    expect(t.ask).toBe(0.47601342);
    // The normaliser reads the book from bo/ao instead (second frame: bo 3000, ao 3950, bq 2.55, aq 5.8).
    const q = binance.normaliseTicker(put25k, t) as OptionQuote;
    expect(q.bidSettle).toBe(3000);
    expect(q.askSettle).toBe(3950);
    expect(q.bidSizeContracts).toBe(2.55);
    expect(q.askSizeContracts).toBe(5.8);
    expect(q.bidIv).toBe(0.38032115);
    expect(q.askIv).toBe(0.47601342);
    expect(q.markIv).toBe(0.42816728);
    expect(q.markSettle).toBe(3475);
    expect(q.timestampMs).toBe(1696118448036);
  });

  it('the raw frame normalises the same way without ccxt (first frame)', () => {
    const first = frames.find((f) => f.stream === 'BTC-240927-25000-P@ticker')!;
    const q = binanceOptionFromWsTicker(put25k, first.data);
    expect(q).toMatchObject({
      bidSettle: 3000,
      askSettle: 3950,
      bidQuote: 3000,
      markSettle: 3475,
      markQuote: 3475,
      markIv: 0.42824954,
      bidIv: 0.3804034,
      askIv: 0.47609568,
      forward: null,
      timestampMs: 1696118400043,
    });
    expect(q.venueGreeks).toMatchObject({
      delta: -0.34807987,
      theta: -5.86856986,
      gamma: 0.00003213,
      vega: 99.30558193,
    });
  });
});
