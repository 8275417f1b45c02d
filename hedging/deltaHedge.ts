/**
 * The instrument that takes the book's delta (the venue's perp, its nearest future, or none, by policy), reduced to
 * what the optimiser and the legs need: mark, lot and minimum in base units, fee and half-spread per base unit.
 * The fee is the venue's published perp or future rate (adapters/venues/fees, maker or taker per `policy.feeRole`,
 * the account tier's `policy.fees` overrides), not ccxt's per-market figure. Under the horizon objective its cost
 * also carries the funding (or basis) to the horizon and the close there (hedging/horizon.ts).
 */
import type { FutureQuote, MarketSnapshot, PerpQuote } from '../adapters/model.js';
import { linearQuoteFeePerBase } from '../adapters/venues/fees/index.js';
import { baseUnitsPerContract, linearMark } from './book.js';
import { MarketSanityError } from './errors.js';
import { MIN_USABLE_EXPIRY_MS } from './marketChecks.js';
import type { DeltaHedgeCandidate } from './optimise.js';
import { legMaxBase } from './limits.js';
import { deltaHedgeHorizonCost, horizonContext, type DeltaCarry, type HorizonContext } from './horizon.js';
import { horizonSettingsOf, type HedgePolicy } from './policySchema.js';

export interface DeltaHedgeInstrument {
  quote: PerpQuote | FutureQuote;
  /** Mark of the perp/future, USD per base. */
  mark: number;
  basePerContract: number;
  feeQuotePerBase: number;
  /** Horizon objective: the carry to the horizon the candidate's cost includes (null under one-off). */
  carry: DeltaCarry | null;
  candidate: DeltaHedgeCandidate;
}

/** Venue fee per base unit of a perp or future at `price`, USD (the fee table under the policy's tier and role). */
export function linearFeeQuotePerBase(
  quote: PerpQuote | FutureQuote,
  price: number,
  policy: Pick<HedgePolicy, 'fees' | 'feeRole'>,
): number {
  return linearQuoteFeePerBase(quote, price, { role: policy.feeRole, overrides: policy.fees });
}

function tradableFutures(market: MarketSnapshot, asOfMs: number): FutureQuote[] {
  return market.futures
    .filter((f) => (f.instrument.expiryMs ?? 0) > asOfMs + MIN_USABLE_EXPIRY_MS && f.bid !== null && f.ask !== null)
    .sort((a, b) => a.instrument.expiryMs! - b.instrument.expiryMs!);
}

/**
 * Expected cost of holding one base unit of `quote` on `side` to the horizon, USD: entry, close, a roll of a future
 * that expires before the horizon end, and its carry (the funding or basis a long pays, which a short earns).
 */
export function deltaHedgeCarryCost(
  ctx: HorizonContext,
  quote: PerpQuote | FutureQuote,
  policy: Pick<HedgePolicy, 'fees' | 'feeRole'>,
  side: 'buy' | 'sell',
): { costQuote: number; carry: DeltaCarry } {
  const half = (quote.ask! - quote.bid!) / 2;
  const fee = linearFeeQuotePerBase(quote, linearMark(quote), policy);
  const later = deltaHedgeHorizonCost(ctx, quote, half, fee);
  return { costQuote: half + fee + (side === 'buy' ? later.buyQuote : later.sellQuote), carry: later.carry };
}

/**
 * The side of the delta-hedge trade that brings `bookDelta` to `targetDelta`: the one rule the stream's `toTrade`
 * (netBook) and the ticket (assemble) both use, so that `least-carry` picks the same instrument in both.
 */
export function deltaHedgeSide(targetDelta: number, bookDelta: number): 'buy' | 'sell' {
  return targetDelta - bookDelta >= 0 ? 'buy' : 'sell';
}

/**
 * The delta-hedge instrument the policy asks for, or null for `deltaHedge: 'none'`; refuses unusable quotes.
 * `least-carry` compares the perp with every tradable future by `deltaHedgeCarryCost` over the horizon for a hedge
 * on `side` (an LP's delta hedge sells, the default) and takes the cheapest.
 */
export function deltaHedgeInstrument(
  market: MarketSnapshot,
  asOfMs: number,
  policy: HedgePolicy,
  horizon: HorizonContext | null = null,
  side: 'buy' | 'sell' = 'sell',
): DeltaHedgeInstrument | null {
  if (policy.deltaHedge === 'none') return null;
  let quote: PerpQuote | FutureQuote | null = null;
  if (policy.deltaHedge === 'perp') {
    quote = market.perp;
  } else if (policy.deltaHedge === 'future') {
    quote = tradableFutures(market, asOfMs)[0] ?? null;
  } else {
    const ctx = horizon ?? horizonContext(market, asOfMs, policy);
    const choices: (PerpQuote | FutureQuote)[] = [
      ...(market.perp && market.perp.bid !== null && market.perp.ask !== null ? [market.perp] : []),
      ...tradableFutures(market, asOfMs),
    ].filter((q) => market.usableForHedging.has(q.instrument.symbol));
    let best = Infinity;
    for (const q of choices) {
      const cost = deltaHedgeCarryCost(ctx, q, policy, side).costQuote;
      if (cost < best) {
        best = cost;
        quote = q;
      }
    }
  }
  if (!quote) {
    throw new MarketSanityError(
      `${market.venue} ${market.underlying}: no ${policy.deltaHedge} quote to hedge delta with`,
    );
  }
  if (!market.usableForHedging.has(quote.instrument.symbol)) {
    const why = market.issues.filter((i) => i.symbol === quote!.instrument.symbol).map((i) => i.detail);
    throw new MarketSanityError(`${quote.instrument.venueId} fails its sanity checks: ${why.join('; ')}`);
  }
  if (quote.bid === null || quote.ask === null) {
    throw new MarketSanityError(`${quote.instrument.venueId}: needs both a bid and an ask to trade delta`);
  }
  const mark = linearMark(quote);
  const basePerContract = baseUnitsPerContract(quote.instrument, mark);
  const feeQuotePerBase = linearFeeQuotePerBase(quote, mark, policy);
  const halfSpread = (quote.ask - quote.bid) / 2;
  const lotBase = quote.instrument.amountStep * basePerContract;
  const later =
    horizonSettingsOf(policy).objective === 'horizon'
      ? deltaHedgeHorizonCost(horizon ?? horizonContext(market, asOfMs, policy), quote, halfSpread, feeQuotePerBase)
      : null;
  return {
    quote,
    mark,
    basePerContract,
    feeQuotePerBase,
    carry: later?.carry ?? null,
    candidate: {
      key: `${quote.instrument.venue}:${quote.instrument.venueId}`,
      delta: 1,
      buyCost: halfSpread + feeQuotePerBase + (later?.buyQuote ?? 0),
      sellCost: halfSpread + feeQuotePerBase + (later?.sellQuote ?? 0),
      lotBase,
      minBase: Math.max(quote.instrument.minAmount, quote.instrument.amountStep) * basePerContract,
      // maxContractsPerLeg counts option contracts only: a perp contract (10 USD on Deribit) is no unit of risk.
      maxBase: legMaxBase(policy, mark, null),
    },
  };
}
