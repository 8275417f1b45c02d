/**
 * From a chain of ~900 options to the handful the MIP sees. Filters (policy.candidates): venue, usable for hedging
 * (passed adapters/sanity), both sides quoted, expiry window, |ln K/F|, relative spread, open interest. Ranking:
 * gamma bought per dollar of cost, since gamma is the scarce quantity (the perp does delta for almost nothing);
 * the best put and the best call of each expiry are kept first so the optimiser can trade expiry against cost and
 * put against call, then the rest by rank up to `maxCandidates`.
 *
 * Fees come from the venue's published fee table (adapters/venues/fees: maker or taker rate per `policy.feeRole`,
 * the venue's own premium cap: Deribit 12.5%, Bybit, OKX 7%, Binance 10%), with the account tier's overrides of
 * `policy.fees`; not from ccxt's generic per-market figure. Under the horizon objective (`policy.objective`) each
 * candidate's cost is its expected cost over the LP's horizon (hedging/horizon.ts), which is also what ranks them.
 *
 * Across venues (`selectCandidatesAcross`, hedging/venueMarkets.ts) each venue's options are filtered on that venue's
 * own clock with its own contract size, settlement, fee table and lots, and ranked together; when several venues
 * have eligible options, each one's best put and best call come first so that every allowed venue reaches the MIP.
 */
import { msToDays, perYearToPerDay } from '../pricing/index.js';
import type { MarketSnapshot, OptionQuote } from '../adapters/model.js';
import { optionQuoteFee } from '../adapters/venues/fees/index.js';
import { baseUnitsPerContract, optionUnitGreeks, type UnitGreeks } from './book.js';
import type { CostModel, HedgeCandidate } from './optimise.js';
import { legMaxBase } from './limits.js';
import { horizonCandidateCost, horizonContext, type HorizonCandidateCost } from './horizon.js';
import { horizonSettingsOf, type HedgePolicy } from './policySchema.js';
import { limitOnGrid } from './ticks.js';
import type { VenueMarket } from './venueMarkets.js';

export interface OptionCandidate {
  quote: OptionQuote;
  /** The clock (UTC ms) the candidate was timed and priced at: its venue's own (hedging/venueMarkets.ts). */
  asOfMs: number;
  unit: UnitGreeks;
  /** Quotes in USD per base unit. */
  bidQuote: number;
  askQuote: number;
  midQuote: number;
  /** Venue fee per base unit bought at the ask, USD (the fee table's rate for `policy.feeRole`, capped). */
  feeQuote: number;
  /** True when the venue's premium cap, not its rate, set `feeQuote`. */
  feeCapped: boolean;
  /** Horizon objective: the candidate's expected cost over the horizon per base unit (null under one-off). */
  horizon: HorizonCandidateCost | null;
  /** Base units per contract, lot and minimum in base units. */
  basePerContract: number;
  lotBase: number;
  minBase: number;
  relativeSpread: number;
  candidate: HedgeCandidate;
}

export interface CandidateSelection {
  listed: number;
  eligible: number;
  used: OptionCandidate[];
}

/** The fee policy of a ticket: which side of the table, and the account's tier overrides. */
export type FeePolicy = Pick<HedgePolicy, 'fees' | 'feeRole'>;

/**
 * Venue fee per base unit of an option traded at `premiumQuote` (USD per base), USD, and whether the venue's premium
 * cap set it (adapters/venues/fees `optionQuoteFee`: coin-settled options on their forward, linear on the index).
 */
export function optionFeeOf(
  quote: OptionQuote,
  premiumQuote: number,
  policy: FeePolicy,
): { feeQuote: number; capped: boolean } {
  const fee = optionQuoteFee(quote, premiumQuote, { role: policy.feeRole, overrides: policy.fees });
  return { feeQuote: fee.feeQuote, capped: fee.capped };
}

/** `optionFeeOf`'s fee alone, USD per base unit. */
export function optionFeeQuote(quote: OptionQuote, premiumQuote: number, policy: FeePolicy): number {
  return optionFeeOf(quote, premiumQuote, policy).feeQuote;
}

function costs(
  model: CostModel,
  c: { bidQuote: number; askQuote: number; midQuote: number; feeQuote: number; theta: number },
) {
  const buySpread = c.askQuote - c.midQuote + c.feeQuote;
  const sellSpread = c.midQuote - c.bidQuote + c.feeQuote;
  switch (model) {
    case 'spread':
      return { buy: buySpread, sell: sellSpread };
    case 'theta':
      // A day of theta bleed (theta < 0 for a long option) on top of the cost of crossing the spread.
      return { buy: buySpread - perYearToPerDay(c.theta), sell: sellSpread + perYearToPerDay(c.theta) };
    case 'premium':
      return { buy: c.askQuote + c.feeQuote, sell: -c.bidQuote + c.feeQuote };
  }
}

/**
 * Premium per base unit at the leg's limit price, USD: what a buy pays (the ask rounded up to the tick) or a sell
 * receives (the bid rounded down), as the ticket's legs price it (legs.ts), so the optimiser's premium limit and the
 * ticket's premium total agree.
 */
function limitPremiumQuote(quote: OptionQuote, side: 'buy' | 'sell'): number {
  const i = quote.instrument;
  const venuePrice = side === 'buy' ? quote.askSettle : quote.bidSettle;
  if (venuePrice === null) return side === 'buy' ? quote.askQuote! : quote.bidQuote!;
  const limit = limitOnGrid(i, venuePrice, side);
  return i.inverse ? limit * quote.forward! : limit;
}

/** Builds one candidate from a quote, or null when it cannot be traded both ways or priced. */
export function toCandidate(quote: OptionQuote, asOfMs: number, policy: HedgePolicy): OptionCandidate | null {
  const i = quote.instrument;
  if (quote.bidQuote === null || quote.askQuote === null || quote.forward === null || quote.markIv === null)
    return null;
  if (!(quote.askQuote > 0) || !(quote.bidQuote >= 0) || quote.bidQuote > quote.askQuote) return null;
  const unit = optionUnitGreeks(quote, asOfMs);
  const midQuote = (quote.bidQuote + quote.askQuote) / 2;
  const fee = optionFeeOf(quote, quote.askQuote, policy);
  const feeQuote = fee.feeQuote;
  const basePerContract = baseUnitsPerContract(i, quote.forward);
  const lotBase = i.amountStep * basePerContract;
  const minBase = Math.max(i.minAmount, i.amountStep) * basePerContract;
  const cost = costs(policy.costModel, {
    bidQuote: quote.bidQuote,
    askQuote: quote.askQuote,
    midQuote,
    feeQuote,
    theta: unit.theta,
  });
  return {
    quote,
    asOfMs,
    unit,
    bidQuote: quote.bidQuote,
    askQuote: quote.askQuote,
    midQuote,
    feeQuote,
    feeCapped: fee.capped,
    horizon: null,
    basePerContract,
    lotBase,
    minBase,
    relativeSpread: midQuote > 0 ? (quote.askQuote - quote.bidQuote) / midQuote : Infinity,
    candidate: {
      key: `${i.venue}:${i.venueId}`,
      delta: unit.delta,
      gamma: unit.gamma,
      vega: unit.vega,
      theta: unit.theta,
      buyCost: cost.buy,
      sellCost: cost.sell,
      lotBase,
      minBase,
      maxBase: legMaxBase(policy, quote.forward, basePerContract),
      buyPremiumQuote: limitPremiumQuote(quote, 'buy'),
      sellPremiumQuote: limitPremiumQuote(quote, 'sell'),
      canBuy: true,
      canSell: policy.candidates.allowSell,
    },
  };
}

/** The eligible candidates of one venue's snapshot, timed on that venue's clock (the policy's filters). */
function eligibleOf(
  market: MarketSnapshot,
  asOfMs: number,
  policy: HedgePolicy,
): { listed: number; eligible: OptionCandidate[] } {
  const f = policy.candidates;
  let listed = 0;
  const eligible: OptionCandidate[] = [];
  const venueAllowed = (f.venues as readonly string[]).includes(market.venue);
  for (const chain of market.chains) {
    listed += chain.options.length;
    if (!venueAllowed) continue;
    const days = msToDays(chain.expiryMs - asOfMs);
    if (days < f.minExpiryDays || days > f.maxExpiryDays) continue;
    for (const quote of chain.options) {
      if (!market.usableForHedging.has(quote.instrument.symbol)) continue;
      const strike = quote.instrument.strike;
      if (strike === null || Math.abs(Math.log(strike / chain.forward)) > f.maxAbsLogMoneyness) continue;
      if ((quote.openInterestContracts ?? 0) < f.minOpenInterestContracts) continue;
      const c = toCandidate(quote, asOfMs, policy);
      if (!c || c.relativeSpread > f.maxRelativeSpread || !(c.unit.gamma > 0)) continue;
      eligible.push(c);
    }
  }
  if (horizonSettingsOf(policy).objective === 'horizon' && eligible.length > 0) {
    // The MIP and the ranking see each candidate's expected cost to the horizon instead of the cost of the trade now.
    const ctx = horizonContext(market, asOfMs, policy);
    for (const c of eligible) {
      const h = horizonCandidateCost(ctx, c);
      c.horizon = h;
      c.candidate.buyCost = h.buyCostQuote;
      c.candidate.sellCost = h.sellCostQuote;
    }
  }
  return { listed, eligible };
}

/** Filters and ranks the snapshot's options into the optimiser's candidates. */
export function selectCandidates(market: MarketSnapshot, asOfMs: number, policy: HedgePolicy): CandidateSelection {
  return selectCandidatesAcross([{ venue: market.venue, market, asOfMs, primary: true }], policy);
}

/**
 * Filters every venue's options on its own clock and ranks them together into the optimiser's candidates: one
 * candidate list, so one MIP over all venues' legs.
 */
export function selectCandidatesAcross(markets: readonly VenueMarket[], policy: HedgePolicy): CandidateSelection {
  const f = policy.candidates;
  let listed = 0;
  const eligible: OptionCandidate[] = [];
  for (const m of markets) {
    const one = eligibleOf(m.market, m.asOfMs, policy);
    listed += one.listed;
    eligible.push(...one.eligible);
  }
  const efficiency = (c: OptionCandidate) => {
    const cost = Math.min(c.candidate.buyCost, c.candidate.canSell ? c.candidate.sellCost : Infinity);
    return cost > 0 ? c.unit.gamma / cost : Infinity;
  };
  const ranked = [...eligible].sort(
    (a, b) =>
      efficiency(b) - efficiency(a) ||
      a.quote.instrument.venue.localeCompare(b.quote.instrument.venue) ||
      a.quote.instrument.venueId.localeCompare(b.quote.instrument.venueId),
  );
  const used: OptionCandidate[] = [];
  const seen = new Set<string>();
  const take = (c: OptionCandidate | undefined) => {
    if (c && used.length < f.maxCandidates && !seen.has(c.candidate.key)) {
      used.push(c);
      seen.add(c.candidate.key);
    }
  };
  const venues = [...new Set(ranked.map((c) => c.quote.instrument.venue))];
  // Several venues: each one's best put and best call first, so that no venue is crowded out by another's expiries.
  if (venues.length > 1) {
    for (const venue of venues)
      for (const type of ['put', 'call'] as const)
        take(ranked.find((c) => c.quote.instrument.venue === venue && c.quote.instrument.optionType === type));
  }
  // Then the best put and the best call of each expiry (per venue), nearest first on each venue's own clock.
  const toExpiryMs = (c: OptionCandidate) => c.quote.instrument.expiryMs! - c.asOfMs;
  const groups = new Map<string, { venue: string; expiryMs: number; toExpiryMs: number }>();
  for (const c of ranked) {
    const key = `${c.quote.instrument.venue}|${c.quote.instrument.expiryMs}`;
    if (!groups.has(key))
      groups.set(key, {
        venue: c.quote.instrument.venue,
        expiryMs: c.quote.instrument.expiryMs!,
        toExpiryMs: toExpiryMs(c),
      });
  }
  const byExpiry = [...groups.values()].sort((a, b) => a.toExpiryMs - b.toExpiryMs || a.venue.localeCompare(b.venue));
  for (const g of byExpiry) {
    for (const type of ['put', 'call'] as const) {
      take(
        ranked.find(
          (c) =>
            c.quote.instrument.venue === g.venue &&
            c.quote.instrument.expiryMs === g.expiryMs &&
            c.quote.instrument.optionType === type,
        ),
      );
    }
  }
  for (const c of ranked) {
    if (used.length >= f.maxCandidates) break;
    take(c);
  }
  return { listed, eligible: eligible.length, used };
}
