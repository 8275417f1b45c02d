/**
 * Bybit v5 option websocket tickers (2023-04-05, real frames) through ccxt.pro's handleMessage (no sockets), then
 * the normaliser. ccxt loses the option book on these frames (P10); the normaliser keeps it.
 */
import ccxt from 'ccxt';
import type { Ticker } from 'ccxt';
import { describe, expect, it } from 'vitest';
import type { Instrument, OptionQuote } from '../../adapters/model.js';
import { bybit } from '../../adapters/venues/bybit.js';
import { normaliseTicker } from '../../adapters/venues/index.js';
import { fixtureJson } from './fixtures.js';

/** Bybit USDC option contract spec: 1 unit of base per contract (ccxt hard-codes 1, which is right for Bybit). */
function bybitOption(
  id: string,
  base: string,
  strike: number,
  type: 'call' | 'put',
  expiryIso: string,
  tick: number,
): Instrument {
  return {
    venue: 'bybit',
    symbol: `${base}/USDC:USDC-${expiryIso.slice(2, 4)}${expiryIso.slice(5, 7)}${expiryIso.slice(8, 10)}-${strike}-${type === 'call' ? 'C' : 'P'}`,
    venueId: id,
    base,
    quote: 'USDC',
    settle: 'USDC',
    kind: 'option',
    optionType: type,
    strike,
    expiryMs: Date.parse(expiryIso),
    expiryIso,
    inverse: false,
    linear: true,
    contractSize: 1,
    contractValueQuote: null,
    minAmount: 1,
    amountStep: 1,
    priceTick: tick,
    priceTickSteps: [],
    priceCurrency: 'USDC',
    venueAmountPerContract: 1,
    takerFee: null,
    makerFee: null,
    active: true,
  };
}

const frames = fixtureJson<Record<string, unknown>[]>(
  'bybit',
  'ws_option_publicTrade_orderbook_tickers_2023-04-05.json',
);

function parsedTickers(): Record<string, Ticker> {
  const ex = new ccxt.pro.bybit({ enableRateLimit: false });
  ex.setMarkets([]);
  const client = ex.client('wss://stream.bybit.com/v5/public/option');
  for (const f of frames) ex.handleMessage(client, f);
  return ex.tickers as Record<string, Ticker>;
}

describe('bybit option websocket tickers', () => {
  it('ccxt parses them but drops bid and ask (it reads bid1Price/ask1Price; the frames say bidPrice/askPrice)', () => {
    const t = parsedTickers()['SOL/USDC:USDC-230428-24-C']!;
    expect(t.bid).toBeUndefined();
    expect(t.ask).toBeUndefined();
    expect(t.bidVolume).toBe(10);
  });

  it('the normaliser keeps bid and ask, decimal IVs, the forward and the greeks (SOL-28APR23-24-C)', () => {
    const t = parsedTickers()['SOL/USDC:USDC-230428-24-C']!;
    const sol = bybitOption('SOL-28APR23-24-C', 'SOL', 24, 'call', '2023-04-28T08:00:00.000Z', 0.01);
    const q = normaliseTicker('bybit', sol, t) as OptionQuote;
    // Raw: bidPrice 0.34 x 10, askPrice 3.11 x 51, bidIv 0.6004, askIv 2.0007, markPrice 1.99054639,
    // markPriceIv 1.4674, underlyingPrice 20.93, indexPrice 20.93, openInterest 20, delta 0.42723543, ts 1680652810254.
    expect(q).toMatchObject({
      bidSettle: 0.34,
      askSettle: 3.11,
      bidQuote: 0.34,
      askQuote: 3.11,
      markSettle: 1.99054639,
      markQuote: 1.99054639,
      bidSizeContracts: 10,
      askSizeContracts: 51,
      markIv: 1.4674,
      bidIv: 0.6004,
      askIv: 2.0007,
      forward: 20.93,
      index: 20.93,
      openInterestContracts: 20,
      timestampMs: 1680652810254,
    });
    expect(q.venueGreeks).toMatchObject({ delta: 0.42723543, gamma: 0.0505193, vega: 0.02075941, theta: -0.06527514 });
  });

  it('an empty ask side ("0") is null, not a zero price (ETH-30JUN23-200-P)', () => {
    const t = parsedTickers()['ETH/USDC:USDC-230630-200-P']!;
    const eth = bybitOption('ETH-30JUN23-200-P', 'ETH', 200, 'put', '2023-06-30T08:00:00.000Z', 0.1);
    const q = bybit.normaliseTicker(eth, t) as OptionQuote;
    expect(q.bidSettle).toBe(0.1);
    expect(q.askSettle).toBeNull();
    expect(q.askIv).toBeNull();
    expect(q.askSizeContracts).toBeNull();
    expect(q.markIv).toBe(1.5991);
    expect(q.forward).toBe(1886.16);
    expect(q.index).toBe(1871.27);
  });

  it('the recorded vega is per vol point and theta per day: Black-76 on the frame reproduces them', async () => {
    const { black76Greeks } = await import('../../pricing/black.js');
    const t = parsedTickers()['SOL/USDC:USDC-230428-24-C']!;
    const sol = bybitOption('SOL-28APR23-24-C', 'SOL', 24, 'call', '2023-04-28T08:00:00.000Z', 0.01);
    const q = bybit.normaliseTicker(sol, t) as OptionQuote;
    const T = (sol.expiryMs! - q.timestampMs) / (365 * 86_400_000);
    const g = black76Greeks('call', q.forward!, 24, T, q.markIv!);
    expect(g.price).toBeCloseTo(q.markQuote!, 2);
    expect(g.delta).toBeCloseTo(q.venueGreeks!.delta!, 3);
    expect(g.vega / 100).toBeCloseTo(q.venueGreeks!.vega!, 3);
    expect(g.theta / 365).toBeCloseTo(q.venueGreeks!.theta!, 2);
  });
});
