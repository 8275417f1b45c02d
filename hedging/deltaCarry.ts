/**
 * The delta leg's carry to the LP's horizon (hedging/horizon.ts's model): a perp held to the horizon pays (long,
 * rate > 0) or earns (short) its funding, base x mark x funding APR x horizon years, the APR being the snapshot's or
 * the policy's `fundingAprAssumption`; a dated future carries its basis instead (mark / index - 1 per year to its
 * expiry), rolled into futures of the same basis rate when it expires before the horizon. USD throughout.
 */
import type { FutureQuote, PerpQuote } from '../adapters/model.js';
import { yearFractionAct365 } from '../pricing/index.js';
import { linearMark } from './book.js';
import { InvalidHedgeInputError } from './errors.js';
import type { HorizonContext } from './horizon.js';
import type { HorizonSettings } from './policySchema.js';

/** The delta leg's carry to the horizon. */
export interface DeltaCarry {
  instrument: string;
  kind: 'perp' | 'future';
  /** Carry of a long position, decimal per year (funding APR, or the future's basis per year to its expiry). */
  carryApr: number;
  source: 'snapshot' | 'assumption' | 'basis';
  /** Expected carry of one base unit held long to the horizon (or to its expiry, then rolled), USD. */
  costPerBaseLongQuote: number;
  /** Whether it has a two-sided quote to trade now. */
  tradable: boolean;
  expiry: string | null;
}

/**
 * The perp's funding APR (decimal, > 0: longs pay): the snapshot's annualised rate, else the policy's assumption;
 * null when neither is known.
 */
export function fundingAprOf(
  perp: PerpQuote | null,
  settings: HorizonSettings,
): { apr: number; source: 'snapshot' | 'assumption' } | null {
  if (perp && perp.fundingRateAnnualised !== null && Number.isFinite(perp.fundingRateAnnualised))
    return { apr: perp.fundingRateAnnualised, source: 'snapshot' };
  if (settings.fundingAprAssumption !== null) return { apr: settings.fundingAprAssumption, source: 'assumption' };
  return null;
}

/** Carry of one base unit of the delta leg held long to the horizon, USD, and the rate it comes from. */
export function deltaCarry(ctx: HorizonContext, quote: PerpQuote | FutureQuote): DeltaCarry {
  const years = yearFractionAct365(ctx.asOfMs, ctx.horizonEndMs);
  const mark = linearMark(quote);
  const tradable = quote.bid !== null && quote.ask !== null;
  if (quote.kind === 'perp') {
    const f = fundingAprOf(quote, ctx.settings);
    if (!f)
      throw new InvalidHedgeInputError(
        'policy.fundingAprAssumption',
        undefined,
        `${quote.instrument.venueId} has no funding rate in the snapshot: state the funding to assume (decimal per year)`,
      );
    return {
      instrument: quote.instrument.venueId,
      kind: 'perp',
      carryApr: f.apr,
      source: f.source,
      costPerBaseLongQuote: mark * f.apr * years,
      tradable,
      expiry: null,
    };
  }
  // A future converges to the index at expiry: a long pays its basis (mark - index), spread evenly over its life;
  // one that expires before the horizon is taken to be rolled into futures of the same basis rate.
  const index = quote.index ?? ctx.market.index ?? mark;
  const toExpiry = yearFractionAct365(ctx.asOfMs, quote.instrument.expiryMs!);
  const apr = toExpiry > 0 ? (mark / index - 1) / toExpiry : 0;
  return {
    instrument: quote.instrument.venueId,
    kind: 'future',
    carryApr: apr,
    source: 'basis',
    costPerBaseLongQuote: index * apr * years,
    tradable,
    expiry: quote.instrument.expiryIso,
  };
}

/** The perp's and every unexpired future's carry to the horizon, for the perp-or-future choice. */
export function carryTable(ctx: HorizonContext): DeltaCarry[] {
  const out: DeltaCarry[] = [];
  const perp = ctx.market.perp;
  if (perp && fundingAprOf(perp, ctx.settings)) out.push(deltaCarry(ctx, perp));
  for (const f of ctx.market.futures) {
    if ((f.instrument.expiryMs ?? 0) <= ctx.asOfMs) continue;
    try {
      out.push(deltaCarry(ctx, f));
    } catch {
      // A future without a mark, mid or index has no carry to show.
    }
  }
  return out;
}

/**
 * Expected cost of the delta leg beyond its entry, per base unit bought / sold, USD: the close at the horizon (half-
 * spread plus fee), one roll (a close and an open) for a future that expires before the horizon end, and the carry
 * (a long pays the funding or basis, a short earns it).
 */
export function deltaHedgeHorizonCost(
  ctx: HorizonContext,
  quote: PerpQuote | FutureQuote,
  halfSpreadQuote: number,
  feeQuotePerBase: number,
): { buyQuote: number; sellQuote: number; rollQuote: number; closeQuote: number; carry: DeltaCarry } {
  const carry = deltaCarry(ctx, quote);
  const trade = halfSpreadQuote + feeQuotePerBase;
  const rolls = quote.kind === 'future' && quote.instrument.expiryMs! < ctx.horizonEndMs ? 1 : 0;
  const rollQuote = 2 * trade * rolls;
  const later = trade + rollQuote;
  return {
    buyQuote: later + carry.costPerBaseLongQuote,
    sellQuote: later - carry.costPerBaseLongQuote,
    rollQuote,
    closeQuote: trade,
    carry,
  };
}
