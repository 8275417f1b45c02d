import { describe, expect, it } from 'vitest';
import { black76Greeks } from '../../pricing/black.js';
import type { Instrument, MarketSnapshot, OptionQuote, PerpQuote } from '../../adapters/model.js';
import { valueBook } from '../../hedging/book.js';
import { UnknownPositionError } from '../../hedging/errors.js';

const asOf = Date.parse('2026-05-26T08:00:00Z');
const expiry = Date.parse('2026-06-26T08:00:00Z');

const base: Omit<Instrument, 'symbol' | 'venueId' | 'kind'> = {
  venue: 'deribit',
  base: 'BTC',
  quote: 'USD',
  settle: 'BTC',
  optionType: null,
  strike: null,
  expiryMs: null,
  expiryIso: null,
  inverse: true,
  linear: false,
  contractSize: null,
  contractValueQuote: null,
  minAmount: 1,
  amountStep: 1,
  priceTick: 0.5,
  priceTickSteps: [],
  priceCurrency: 'USD',
  venueAmountPerContract: 10,
  takerFee: 0.0005,
  makerFee: 0,
  active: true,
};

const perp: PerpQuote = {
  kind: 'perp',
  instrument: { ...base, symbol: 'BTC/USD:BTC', venueId: 'BTC-PERPETUAL', kind: 'perp', contractValueQuote: 10 },
  bid: 1999.5,
  ask: 2000.5,
  mark: 2000,
  index: 2000,
  bidSizeContracts: null,
  askSizeContracts: null,
  fundingRate: null,
  fundingIntervalMs: null,
  fundingRateAnnualised: null,
  nextFundingTimeMs: null,
  openInterestContracts: null,
  timestampMs: asOf,
};

const F = 2010;
const call: OptionQuote = {
  kind: 'option',
  instrument: {
    ...base,
    symbol: 'BTC/USD:BTC-260626-2200-C',
    venueId: 'BTC-26JUN26-2200-C',
    kind: 'option',
    optionType: 'call',
    strike: 2200,
    expiryMs: expiry,
    expiryIso: new Date(expiry).toISOString(),
    contractSize: 1,
    minAmount: 0.1,
    amountStep: 0.1,
    priceTick: 0.0001,
    priceCurrency: 'BTC',
    venueAmountPerContract: 1,
    takerFee: 0.0003,
  },
  bidSettle: 0.01,
  askSettle: 0.011,
  markSettle: 0.0105,
  bidQuote: 0.01 * F,
  askQuote: 0.011 * F,
  markQuote: 0.0105 * F,
  bidSizeContracts: null,
  askSizeContracts: null,
  markIv: 0.6,
  bidIv: null,
  askIv: null,
  venueGreeks: null,
  forward: F,
  index: 2000,
  openInterestContracts: 100,
  timestampMs: asOf,
};

const market: MarketSnapshot = {
  venue: 'deribit',
  underlying: 'BTC',
  source: { kind: 'builtin', label: 'test', dataTimeMs: asOf },
  chains: [
    {
      venue: 'deribit',
      underlying: 'BTC',
      expiryMs: expiry,
      expiryIso: new Date(expiry).toISOString(),
      forward: F,
      forwardMethod: 'future',
      forwardDetail: 'test',
      parityForward: null,
      options: [call],
    },
  ],
  perp,
  futures: [],
  index: 2000,
  issues: [],
  usableForHedging: new Set([perp.instrument.symbol, call.instrument.symbol]),
};

describe('valueBook', () => {
  it('v3 LP at the index: TEST-VECTORS V2 (L 1059.0170, delta 2.5, gamma -0.0059201)', () => {
    // L = 10000 / (2 sqrt(2000) - 2000/sqrt(2500) - sqrt(1600)) = 10000 / 9.4427191 = 1059.0170
    const L = 10_000 / (2 * Math.sqrt(2000) - 2000 / Math.sqrt(2500) - Math.sqrt(1600));
    const book = valueBook(
      [{ id: 'lp', kind: 'lp', position: { model: 'v3', liquidity: L, lower: 1600, upper: 2500, entryPrice: 2000 } }],
      market,
      asOf,
    );
    expect(L).toBeCloseTo(1059.017, 3);
    expect(book.price).toBe(2000);
    expect(book.total.delta).toBeCloseTo(2.5, 9);
    expect(book.total.gamma).toBeCloseTo(-0.0059201, 7);
    expect(book.total.value).toBeCloseTo(10_000, 6);
  });

  it('inverse perp: contracts x 10 USD / price in base units, no gamma', () => {
    const book = valueBook(
      [{ id: 'p', kind: 'perp', venue: 'deribit', instrument: 'BTC-PERPETUAL', contracts: -500 }],
      market,
      asOf,
    );
    expect(book.total.delta).toBeCloseTo((-500 * 10) / 2000, 12);
    expect(book.total.gamma).toBe(0);
    expect(book.positions[0]!.baseAmount).toBeCloseTo(-2.5, 12);
  });

  it('coin-settled option: premium-adjusted delta (Black delta minus coin premium), Black gamma', () => {
    const book = valueBook(
      [{ id: 'c', kind: 'option', venue: 'deribit', instrument: 'BTC-26JUN26-2200-C', contracts: 3 }],
      market,
      asOf,
    );
    const g = black76Greeks('call', F, 2200, 31 / 365, 0.6);
    expect(book.total.delta).toBeCloseTo(3 * (g.delta - g.price / F), 12);
    expect(book.total.delta).toBeLessThan(3 * g.delta);
    expect(book.total.gamma).toBeCloseTo(3 * g.gamma, 15);
    expect(book.total.vega).toBeCloseTo(3 * g.vega, 9);
  });

  it('refuses an instrument the snapshot does not list, and a position on another venue', () => {
    expect(() =>
      valueBook(
        [{ id: 'x', kind: 'option', venue: 'deribit', instrument: 'BTC-1JAN27-1-C', contracts: 1 }],
        market,
        asOf,
      ),
    ).toThrow(UnknownPositionError);
    expect(() =>
      valueBook([{ id: 'y', kind: 'perp', venue: 'okx', instrument: 'BTC-USD-SWAP', contracts: 1 }], market, asOf),
    ).toThrow(/held on okx/);
  });
});
