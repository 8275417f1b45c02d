/**
 * Ticket assembly: request -> book before -> engine (`engines/`: dynamic MIP or static strip) -> checks of the legs'
 * quotes -> totals, scenarios, rebalancing band, reviews, id -> the zod-validated ticket. Time is `asOfMs`, passed
 * in; ids are injected or derived from the inputs (a hash), never random, so the same inputs give the same ticket.
 * A request may bring further venues' markets (`venueMarkets`, hedging/venueMarkets.ts): each is checked and its
 * legs' quotes aged on its own clock, and the ticket groups the legs by venue (hedging/venueGroups.ts).
 */
import { hoursToMs, yearFractionAct365 } from '../pricing/index.js';
import type { MarketSnapshot } from '../adapters/model.js';
import { findQuote, valueBook, type BookPosition, type BookValuation } from './book.js';
import { horizonCarry, horizonVol, type CarryOptionLeg } from './carry.js';
import { deltaHedgeInstrument, deltaHedgeSide } from './deltaHedge.js';
import { HEDGE_ENGINES } from './engines/index.js';
import { horizonContext, horizonSummary } from './horizon.js';
import { StaleMarketError } from './errors.js';
import { ticketIdFor } from './ids.js';
import { holdingsOfBook } from './legs.js';
import { vegaBoundPerUnitVol } from './limits.js';
import { atmVol, checkMarket } from './marketChecks.js';
import type { BookGreeks } from './optimise.js';
import { deltaBandHalfWidth, deltaBandOf, nextReviewTimes, rebalanceDecision } from './policy.js';
import { horizonSettingsOf, type HedgePolicy } from './policySchema.js';
import { resolveRequest, type TicketRequest } from './request.js';
import { venueGroups } from './venueGroups.js';
import { clockOffsetMs, marketOfVenue, type VenueMarket } from './venueMarkets.js';
import { defaultHorizons, scenarioPnl } from './scenarios.js';
import {
  displayGreeksOf,
  ticketSchema,
  type Ticket,
  type TicketCarry,
  type TicketLeg,
  type TicketWarning,
} from './ticket.js';

/** An option leg whose bid-ask spread is wider than this fraction of its mid gets a `wide-spread` warning. */
export const WIDE_SPREAD_WARNING_FRACTION = 0.1;
/** A leg quote older than this fraction of `maxQuoteAgeMs` gets a `stale-quotes` warning (older is refused). */
export const STALE_QUOTE_WARNING_FRACTION = 0.5;
/** How many upcoming review times a ticket lists. */
export const TICKET_REVIEW_COUNT = 3;

/** Refuses a leg quoted longer ago than the policy allows; warns on ageing quotes, wide spreads and thin books. */
function checkLegQuotes(
  legs: readonly TicketLeg[],
  markets: readonly VenueMarket[],
  policy: HedgePolicy,
): TicketWarning[] {
  const warnings: TicketWarning[] = [];
  for (const leg of legs) {
    // Each leg's quote is aged on its own venue's clock.
    const venue = marketOfVenue(markets, leg.venue) ?? markets[0]!;
    const asOfMs = venue.asOfMs;
    const quote = findQuote(venue.market, leg.instrument);
    const ageMs = quote ? asOfMs - quote.timestampMs : 0;
    if (ageMs > policy.maxQuoteAgeMs) {
      throw new StaleMarketError(
        `${leg.instrument}: quote is ${(ageMs / 1000).toFixed(1)} s old at ${new Date(asOfMs).toISOString()}; ` +
          `the policy allows ${(policy.maxQuoteAgeMs / 1000).toFixed(1)} s (maxQuoteAgeMs)`,
        ageMs,
        policy.maxQuoteAgeMs,
      );
    }
    if (ageMs > policy.maxQuoteAgeMs * STALE_QUOTE_WARNING_FRACTION) {
      warnings.push({
        code: 'stale-quotes',
        message: `${leg.instrument}: quote is ${(ageMs / 1000).toFixed(1)} s old (limit ${(policy.maxQuoteAgeMs / 1000).toFixed(1)} s)`,
      });
    }
    if (leg.kind !== 'option' || leg.bid === null || leg.ask === null || leg.mid === null) continue;
    const rel = (leg.ask - leg.bid) / leg.mid;
    if (rel > WIDE_SPREAD_WARNING_FRACTION) {
      warnings.push({
        code: 'wide-spread',
        message: `${leg.instrument}: bid-ask spread is ${(rel * 100).toFixed(1)}% of mid`,
      });
    }
    const optionQuote = quote?.kind === 'option' ? quote : null;
    const size = leg.side === 'buy' ? optionQuote?.askSizeContracts : optionQuote?.bidSizeContracts;
    const oi = optionQuote?.openInterestContracts;
    if ((size != null && size < leg.contracts) || (oi != null && oi < leg.contracts)) {
      warnings.push({
        code: 'thin-book',
        message: `${leg.instrument}: ${leg.contracts} contracts against ${size != null ? `${size} at the touch` : ''}${
          size != null && oi != null ? ', ' : ''
        }${oi != null ? `open interest ${oi}` : ''}`,
      });
    }
  }
  return warnings;
}

/** An option quote of the snapshot as the horizon carry reads it (type, strike, expiry, forward, mark IV). */
function carryLegOf(
  market: MarketSnapshot,
  instrument: string,
  baseAmount: number,
  asOfMs: number,
): CarryOptionLeg | null {
  const quote = findQuote(market, instrument);
  if (quote?.kind !== 'option') return null;
  const i = quote.instrument;
  if (quote.forward === null || quote.markIv === null || i.strike === null || i.expiryMs === null || !i.optionType)
    return null;
  return {
    type: i.optionType,
    strike: i.strike,
    expiryYears: Math.max(0, yearFractionAct365(asOfMs, i.expiryMs)),
    forward: quote.forward,
    iv: quote.markIv,
    baseAmount,
  };
}

/**
 * The ticket's carry section (hedging/carry.ts) over the LP's horizon (`policy.static.horizonDays`): the book
 * after the ticket is the hedged one, its option legs and the options already held; the LP alone is the unhedged.
 */
function ticketCarry(
  positions: readonly BookPosition[],
  valuation: BookValuation,
  legs: readonly TicketLeg[],
  spreadAndFeesQuote: number,
  markets: readonly VenueMarket[],
  asOfMs: number,
  policy: HedgePolicy,
): TicketCarry | null {
  const market = markets[0]!.market;
  const lps = positions.flatMap((p) =>
    p.kind === 'lp' ? [{ id: p.id, position: p.position, carry: p.carry ?? null }] : [],
  );
  if (lps.length === 0) return null;
  const horizonDays = policy.static.horizonDays;
  const { vol, expiry } = horizonVol(market, asOfMs, horizonDays);
  const optionLegs: CarryOptionLeg[] = [];
  for (const row of valuation.positions)
    if (row.kind === 'option' && row.instrument !== null && row.baseAmount !== null) {
      const leg = carryLegOf(market, row.instrument, row.baseAmount, asOfMs);
      if (leg) optionLegs.push(leg);
    }
  for (const leg of legs)
    if (leg.kind === 'option') {
      // A leg of another venue is timed on that venue's clock (its time to expiry is what decays).
      const venue = marketOfVenue(markets, leg.venue) ?? markets[0]!;
      const carryLeg = carryLegOf(venue.market, leg.instrument, leg.baseAmount, venue.asOfMs);
      if (carryLeg) optionLegs.push(carryLeg);
    }
  const c = horizonCarry({ lps, price: valuation.price, vol, horizonDays, legs: optionLegs, spreadAndFeesQuote });
  return {
    horizonDays: c.horizonDays,
    vol: c.vol,
    volExpiry: expiry,
    thetaBasis: c.thetaBasis,
    lpValueQuote: c.lpValueQuote,
    expectedFeesQuote: c.expectedFeesQuote,
    lvrQuote: c.lvrQuote,
    hedgeCostQuote: c.hedgeCostQuote,
    spreadAndFeesQuote: c.spreadAndFeesQuote,
    optionDecayQuote: c.optionDecayQuote,
    gammaIncomeQuote: c.gammaIncomeQuote,
    lvrLeftQuote: c.lvrLeftQuote,
    netQuote: c.netQuote,
    breakEvenFeeApr: c.breakEvenFeeApr,
    assumptions: [
      `vol ${vol}: ATM mark IV of the ${expiry.slice(0, 10)} expiry (the first covering the horizon)`,
      ...c.assumptions,
      'hedged = the book after the ticket (its option legs and the options already held); unhedged = the LP alone',
    ],
  };
}

/** Builds a hedge ticket. Throws a `HedgingError` subclass (stale, sanity, infeasible, invalid input) on refusal. */
export async function makeTicket(request: TicketRequest): Promise<Ticket> {
  const { market, asOfMs, mode } = request;
  const { policy, positions, markets } = resolveRequest(request);
  const warnings = checkMarket(market, asOfMs, policy);
  for (const m of markets.slice(1)) {
    // A further venue is checked on its own clock; one whose options the policy does not allow is not relied on.
    if (!(policy.candidates.venues as readonly string[]).includes(m.venue)) continue;
    warnings.push(
      ...checkMarket(m.market, m.asOfMs, policy).map((w) => ({ ...w, message: `${m.venue}: ${w.message}` })),
    );
  }
  const valuation = valueBook(positions, market, asOfMs, { poolPrice: request.poolPrice });
  const before: BookGreeks = {
    delta: valuation.total.delta,
    gamma: valuation.total.gamma,
    vega: valuation.total.vega,
    theta: valuation.total.theta,
  };
  for (const p of positions) {
    if (
      p.kind === 'lp' &&
      p.position.model === 'v3' &&
      (valuation.price <= p.position.lower || valuation.price >= p.position.upper)
    ) {
      warnings.push({
        code: 'out-of-range',
        message: `position ${p.id}: price ${valuation.price} is outside its range ${p.position.lower}-${p.position.upper} (no gamma)`,
      });
    }
  }
  const hedge = deltaHedgeInstrument(market, asOfMs, policy, null, deltaHedgeSide(policy.target.delta, before.delta));
  const lpGamma = valuation.positions.reduce((sum, p) => sum + (p.kind === 'lp' ? p.gamma : 0), 0);
  const outcome = await HEDGE_ENGINES[mode].hedge({
    positions,
    market,
    markets,
    asOfMs,
    policy,
    before,
    lpGamma,
    deltaHedge: hedge,
  });
  warnings.push(...outcome.warnings);
  if (markets.length > 1) {
    // Legs grouped by venue, the ticket's own first (options before the delta hedge within it, as the engine has them).
    const order = new Map(markets.map((m, i) => [m.venue as string, i]));
    const ranked = outcome.legs.map((leg, i) => ({ leg, holding: outcome.hedgeHoldings[i]!, i }));
    ranked.sort((a, b) => order.get(a.leg.venue)! - order.get(b.leg.venue)! || a.i - b.i);
    outcome.legs = ranked.map((r) => r.leg);
    outcome.hedgeHoldings = ranked.map((r) => r.holding);
  }
  warnings.push(...checkLegQuotes(outcome.legs, markets, policy));
  if (outcome.legs.length === 0) {
    warnings.push({
      code: 'within-tolerance',
      message:
        `the book is already within tolerance: delta ${before.delta.toPrecision(4)} (+-${policy.tolerance.deltaBase}), ` +
        `gamma ${before.gamma.toExponential(3)}` +
        (outcome.gammaTolerance !== null ? ` (+-${outcome.gammaTolerance.toExponential(3)})` : '') +
        '; nothing to trade',
    });
  }

  const totals = {
    cost: outcome.legs.reduce((s, l) => s + l.cost, 0),
    fees: outcome.legs.reduce((s, l) => s + l.fees, 0),
    premiumQuote: outcome.legs.reduce((s, l) => s + l.premiumQuote, 0),
  };

  const scenarios = scenarioPnl(
    holdingsOfBook(positions, market, valuation),
    outcome.hedgeHoldings,
    valuation.price,
    asOfMs,
    {
      spotMoves: policy.scenarios.spotMoves,
      volShifts: policy.scenarios.volShifts,
      horizons: defaultHorizons(asOfMs, outcome.firstExpiryMs),
    },
  );

  const carry = ticketCarry(positions, valuation, outcome.legs, totals.cost, markets, asOfMs, policy);
  // The horizon model (hedging/horizon.ts) on the legs: the same numbers whichever objective chose them.
  const horizon = horizonSettingsOf(policy).shown
    ? horizonSummary(horizonContext(market, asOfMs, policy), outcome.legs)
    : undefined;

  const vol = atmVol(market, asOfMs);
  // The rebalance section is about the book the trader holds once the legs are done: its band is drawn with the
  // gamma after, and the decision judges the delta after (the residual), not the pre-trade book.
  const band = deltaBandHalfWidth(deltaBandOf(policy), {
    gamma: outcome.after.gamma,
    price: valuation.price,
    vol,
    minBase: hedge?.candidate.lotBase ?? 0,
  });
  const decision = rebalanceDecision(outcome.after.delta, policy.target.delta, band);
  // Reviews run on the ticket's clock: another venue's expiries are moved onto it with the same time to run.
  const offsetOf = (venue: string) => {
    const m = marketOfVenue(markets, venue);
    return m ? clockOffsetMs(asOfMs, m) : 0;
  };
  const expiries = outcome.legs.flatMap((l) =>
    l.kind === 'option' && l.expiry ? [Date.parse(l.expiry) + offsetOf(l.venue)] : [],
  );
  const reviews = nextReviewTimes(
    asOfMs,
    { intervalMs: hoursToMs(policy.reviewIntervalHours), beforeExpiryMs: hoursToMs(policy.reviewBeforeExpiryHours) },
    expiries,
    TICKET_REVIEW_COUNT,
  );

  const id =
    request.id ??
    ticketIdFor({
      positions: positions,
      venue: market.venue,
      t: market.source.dataTimeMs,
      asOfMs,
      mode,
      policy,
      // Only multi-venue tickets hash their further markets, so one-venue ids stay what they were.
      ...(markets.length > 1
        ? { venueMarkets: markets.slice(1).map((m) => [m.venue, m.market.source.dataTimeMs, m.asOfMs]) }
        : {}),
    });
  const ticket: Ticket = {
    id,
    createdAt: new Date(asOfMs).toISOString(),
    asOfMs,
    mode,
    source: {
      kind: market.source.kind,
      label: market.source.label,
      dataTimeMs: market.source.dataTimeMs,
      dataTime: new Date(market.source.dataTimeMs).toISOString(),
    },
    venue: market.venue,
    underlying: market.underlying,
    price: valuation.price,
    positions: valuation.positions.map((p) => ({
      id: p.id,
      kind: p.kind,
      label: p.label,
      model: p.model,
      range: p.range,
      liquidity: p.liquidity,
      instrument: p.instrument,
      contracts: p.contracts,
      price: p.price,
      value: p.value,
      delta: p.delta,
      gamma: p.gamma,
      vega: p.vega,
      theta: p.theta,
    })),
    legs: outcome.legs,
    before,
    after: outcome.after,
    beforeDisplay: displayGreeksOf(before),
    afterDisplay: displayGreeksOf(outcome.after),
    target: policy.target,
    tolerance: {
      delta: policy.tolerance.deltaBase,
      gamma: outcome.gammaTolerance,
      vega: vegaBoundPerUnitVol(policy),
    },
    residual: {
      delta: outcome.after.delta - policy.target.delta,
      gamma: outcome.after.gamma - policy.target.gamma,
    },
    totals,
    venues: venueGroups(outcome.legs, markets, policy),
    optimiser: outcome.optimiser,
    strip: outcome.strip,
    carry,
    ...(horizon ? { horizon } : {}),
    rebalance: {
      action: decision.action,
      band: band.explanation,
      halfWidthBase: band.halfWidthBase,
      deviationBase: decision.deviationBase,
      message: decision.message,
      nextReviews: reviews.map((t) => new Date(t).toISOString()),
    },
    scenarios: {
      ...scenarios.grid,
      rows: scenarios.rows,
      worstBefore: scenarios.worstBefore,
      worstAfter: scenarios.worstAfter,
    },
    warnings,
    policy,
  };
  return ticketSchema.parse(ticket);
}
