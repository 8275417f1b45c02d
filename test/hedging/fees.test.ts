/**
 * The optimiser's fees come from the venue fee tables (adapters/venues/fees), not from ccxt's per-market figure: the
 * premium cap is the venue's own (Bybit 7%, Deribit 12.5%: the published pages cited beside the tables), maker or
 * taker per policy, and the account tier's overrides from the policy (the desk config's `policy.fees`).
 */
import { describe, expect, it } from 'vitest';
import type { Instrument, MarketSnapshot, OptionQuote, PerpQuote } from '../../adapters/model.js';
import { FeeInputError } from '../../adapters/venues/fees/index.js';
import { optionFeeOf, toCandidate } from '../../hedging/candidates.js';
import { deltaHedgeInstrument } from '../../hedging/deltaHedge.js';
import { legOf } from '../../hedging/legs.js';
import { optimiseHedge } from '../../hedging/optimise.js';
import { resolvePolicy, type HedgePolicyInput } from '../../hedging/policySchema.js';

const asOf = Date.parse('2026-05-26T08:00:00Z');
const expiry = Date.parse('2026-06-26T08:00:00Z');
const F = 42_000;
const INDEX = 41_900;

function instrument(over: Partial<Instrument>): Instrument {
  return {
    venue: 'deribit',
    symbol: 'X',
    venueId: 'X',
    base: 'BTC',
    quote: 'USD',
    settle: 'BTC',
    kind: 'option',
    optionType: 'put',
    strike: 38_000,
    expiryMs: expiry,
    expiryIso: new Date(expiry).toISOString(),
    inverse: true,
    linear: false,
    contractSize: 1,
    contractValueQuote: null,
    minAmount: 0.1,
    amountStep: 0.1,
    priceTick: 0.0001,
    priceTickSteps: [],
    priceCurrency: 'BTC',
    venueAmountPerContract: 1,
    // ccxt's generic figures, deliberately unlike the tables: the candidates must not read them.
    takerFee: 0.0015,
    makerFee: 0.0015,
    active: true,
    ...over,
  };
}

/** A put quoted at `askQuote` USD per base (bid 90% of it), coin-settled (Deribit) or linear (Bybit). */
function put(venue: 'deribit' | 'bybit' | 'okx', askQuote: number, inverse: boolean): OptionQuote {
  const i = instrument({
    venue,
    symbol: `${venue}-P`,
    venueId: `${venue}-P`,
    inverse,
    linear: !inverse,
    settle: inverse ? 'BTC' : 'USDC',
    priceCurrency: inverse ? 'BTC' : 'USDC',
    priceTick: inverse ? 0.0001 : 5,
  });
  const bidQuote = 0.9 * askQuote;
  const toSettle = (x: number) => (inverse ? x / F : x);
  return {
    kind: 'option',
    instrument: i,
    bidSettle: toSettle(bidQuote),
    askSettle: toSettle(askQuote),
    markSettle: toSettle(0.95 * askQuote),
    bidQuote,
    askQuote,
    markQuote: 0.95 * askQuote,
    bidSizeContracts: null,
    askSizeContracts: null,
    markIv: 0.5,
    bidIv: null,
    askIv: null,
    venueGreeks: null,
    forward: F,
    index: INDEX,
    openInterestContracts: 100,
    timestampMs: asOf,
  };
}

const policy = (input: HedgePolicyInput = {}) => resolvePolicy(input);

describe('option candidates pay the venue table fee', () => {
  it('a cheap Bybit option leg is capped at 7% of its premium, a Deribit one at 12.5%', () => {
    // 0.03% of the underlying is 12.6 USD per BTC, far above either cap on a 40 USD option.
    const bybit = toCandidate(put('bybit', 40, false), asOf, policy())!;
    const deribit = toCandidate(put('deribit', 40, true), asOf, policy())!;
    expect(bybit.feeCapped).toBe(true);
    expect(deribit.feeCapped).toBe(true);
    expect(bybit.feeQuote).toBeCloseTo(0.07 * 40, 12);
    expect(deribit.feeQuote).toBeCloseTo(0.125 * 40, 12);
    // ... and the optimiser's cost is that fee plus the half-spread (spread cost model).
    expect(bybit.candidate.buyCost).toBeCloseTo(40 - 0.95 * 40 + 0.07 * 40, 12);
    expect(deribit.candidate.buyCost).toBeCloseTo(40 - 0.95 * 40 + 0.125 * 40, 12);
  });

  it('the optimiser pays those fees: the MIP cost and the ticket leg of each venue', async () => {
    for (const [venue, inverse, cap] of [
      ['bybit', false, 0.07],
      ['deribit', true, 0.125],
    ] as const) {
      const c = toCandidate(put(venue, 40, inverse), asOf, policy())!;
      const lots = 7;
      const result = await optimiseHedge({
        book: { delta: 0, gamma: -lots * c.lotBase * c.unit.gamma, vega: 0, theta: 0 },
        target: { delta: 0, gamma: 0 },
        tolerance: { delta: 1e6, gamma: 0.01 * c.lotBase * c.unit.gamma },
        options: [c.candidate],
        deltaHedge: null,
      });
      expect(result.rounded.optionLots).toEqual([lots]);
      const base = lots * c.lotBase;
      expect(result.rounded.cost).toBeCloseTo(base * (40 - 0.95 * 40 + cap * 40), 9);
      const leg = legOf({ kind: 'option', option: c }, base);
      expect(leg.fees).toBeCloseTo(base * cap * 40, 9);
    }
  });

  it('above the cap the rate applies: Deribit 0.03% of the forward (coin-settled), Bybit 0.03% of the index', () => {
    const deribit = toCandidate(put('deribit', 2_000, true), asOf, policy())!;
    const bybit = toCandidate(put('bybit', 2_000, false), asOf, policy())!;
    expect(deribit.feeCapped).toBe(false);
    expect(deribit.feeQuote).toBeCloseTo(0.0003 * F, 12);
    expect(bybit.feeQuote).toBeCloseTo(0.0003 * INDEX, 12);
  });

  it('maker rates per policy (Bybit maker 0.02%) and the account tier overrides of policy.fees', () => {
    const q = put('bybit', 2_000, false);
    expect(optionFeeOf(q, 2_000, policy({ feeRole: 'maker' })).feeQuote).toBeCloseTo(0.0002 * INDEX, 12);
    const vip = policy({ fees: { deribit: { tier: 'VIP 2', options: { inverse: { takerRate: 0.00025 } } } } });
    expect(toCandidate(put('deribit', 2_000, true), asOf, vip)!.feeQuote).toBeCloseTo(0.00025 * F, 12);
    // An override of the cap moves the capped fee with it.
    const cap = policy({ fees: { bybit: { options: { linear: { premiumCap: 0.125 } } } } });
    expect(toCandidate(put('bybit', 40, false), asOf, cap)!.feeQuote).toBeCloseTo(0.125 * 40, 12);
  });

  it("OKX coin-settled options pay the published 0.03% capped at 7%, not ccxt's generic 0.15%", () => {
    expect(toCandidate(put('okx', 2_000, true), asOf, policy())!.feeQuote).toBeCloseTo(0.0003 * F, 12);
    const cheap = toCandidate(put('okx', 40, true), asOf, policy())!;
    expect(cheap.feeQuote).toBeCloseTo(0.07 * 40, 12);
    expect(cheap.feeCapped).toBe(true);
  });

  it('a product the venue does not list is refused, naming the field (OKX lists no linear options)', () => {
    expect(() => toCandidate(put('okx', 40, false), asOf, policy())).toThrow(FeeInputError);
    expect(() => toCandidate(put('okx', 40, false), asOf, policy())).toThrow(/settlement/);
  });

  it('the desk config refuses a fee override outside the table schema, naming the path', () => {
    expect(() => policy({ fees: { deribit: { options: { inverse: { takerRate: 0.5 } } } } })).toThrow(/takerRate/);
    expect(() => policy({ fees: { kraken: {} } as never })).toThrow();
  });
});

describe('the delta hedge pays the venue table perp fee', () => {
  function perpMarket(venue: 'deribit' | 'bybit', inverse: boolean): MarketSnapshot {
    const i = instrument({
      venue,
      symbol: `${venue}-PERP`,
      venueId: `${venue}-PERP`,
      kind: 'perp',
      optionType: null,
      strike: null,
      expiryMs: null,
      expiryIso: null,
      inverse,
      linear: !inverse,
      contractSize: inverse ? null : 0.001,
      contractValueQuote: inverse ? 10 : null,
      minAmount: 1,
      amountStep: 1,
      priceTick: 0.5,
      priceCurrency: 'USD',
    });
    const perp: PerpQuote = {
      kind: 'perp',
      instrument: i,
      bid: 41_999.5,
      ask: 42_000.5,
      mark: 42_000,
      index: INDEX,
      bidSizeContracts: null,
      askSizeContracts: null,
      fundingRate: 0.0001,
      fundingIntervalMs: 8 * 3_600_000,
      fundingRateAnnualised: 0.0001 * 3 * 365,
      nextFundingTimeMs: null,
      openInterestContracts: null,
      timestampMs: asOf,
    };
    return {
      venue,
      underlying: 'BTC',
      source: { kind: 'builtin', label: 'test', dataTimeMs: asOf },
      chains: [],
      perp,
      futures: [],
      index: INDEX,
      issues: [],
      usableForHedging: new Set([i.symbol]),
    };
  }

  it('Deribit taker 0.05% and Bybit taker 0.055% of the mark; maker 0 and 0.02%', () => {
    const d = deltaHedgeInstrument(perpMarket('deribit', true), asOf, policy())!;
    const b = deltaHedgeInstrument(perpMarket('bybit', false), asOf, policy())!;
    expect(d.feeQuotePerBase).toBeCloseTo(0.0005 * 42_000, 12);
    expect(b.feeQuotePerBase).toBeCloseTo(0.00055 * 42_000, 12);
    expect(d.candidate.buyCost).toBeCloseTo(0.5 + 0.0005 * 42_000, 12);
    const maker = policy({ feeRole: 'maker' });
    expect(deltaHedgeInstrument(perpMarket('deribit', true), asOf, maker)!.feeQuotePerBase).toBe(0);
    expect(deltaHedgeInstrument(perpMarket('bybit', false), asOf, maker)!.feeQuotePerBase).toBeCloseTo(
      0.0002 * 42_000,
      12,
    );
  });
});
