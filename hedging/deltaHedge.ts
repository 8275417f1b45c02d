/**
 * The instrument that takes the book's delta (the venue's perp, its nearest future, or none, by policy), reduced to
 * what the optimiser and the legs need: mark, lot and minimum in base units, fee and half-spread per base unit.
 */
import type { FutureQuote, MarketSnapshot, PerpQuote } from '../adapters/model.js';
import { baseUnitsPerContract, linearMark } from './book.js';
import { MarketSanityError } from './errors.js';
import { MIN_USABLE_EXPIRY_MS } from './marketChecks.js';
import type { DeltaHedgeCandidate } from './optimise.js';
import { legMaxBase } from './limits.js';
import type { HedgePolicy } from './policySchema.js';

export interface DeltaHedgeInstrument {
  quote: PerpQuote | FutureQuote;
  /** Mark of the perp/future, USD per base. */
  mark: number;
  basePerContract: number;
  feeQuotePerBase: number;
  candidate: DeltaHedgeCandidate;
}

/** The delta-hedge instrument the policy asks for, or null for `deltaHedge: 'none'`; refuses unusable quotes. */
export function deltaHedgeInstrument(
  market: MarketSnapshot,
  asOfMs: number,
  policy: HedgePolicy,
): DeltaHedgeInstrument | null {
  if (policy.deltaHedge === 'none') return null;
  let quote: PerpQuote | FutureQuote | null = null;
  if (policy.deltaHedge === 'perp') {
    quote = market.perp;
  } else {
    quote =
      market.futures
        .filter((f) => (f.instrument.expiryMs ?? 0) > asOfMs + MIN_USABLE_EXPIRY_MS && f.bid !== null && f.ask !== null)
        .sort((a, b) => a.instrument.expiryMs! - b.instrument.expiryMs!)[0] ?? null;
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
  const feeQuotePerBase = (quote.instrument.takerFee ?? 0) * mark;
  const halfSpread = (quote.ask - quote.bid) / 2;
  const lotBase = quote.instrument.amountStep * basePerContract;
  return {
    quote,
    mark,
    basePerContract,
    feeQuotePerBase,
    candidate: {
      key: `${quote.instrument.venue}:${quote.instrument.venueId}`,
      delta: 1,
      buyCost: halfSpread + feeQuotePerBase,
      sellCost: halfSpread + feeQuotePerBase,
      lotBase,
      minBase: Math.max(quote.instrument.minAmount, quote.instrument.amountStep) * basePerContract,
      // maxContractsPerLeg counts option contracts only: a perp contract (10 USD on Deribit) is no unit of risk.
      maxBase: legMaxBase(policy, mark, null),
    },
  };
}
