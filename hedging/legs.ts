/**
 * Ticket legs and the scenario holdings they become. One `legOf` builds the leg of an option or of the delta hedge:
 * contracts on the venue's amount step, a limit on its tick grid (buy at the ask rounded up, sell at the bid rounded
 * down), the leg's Greeks, cost and fees. Only what differs between the two kinds (which bid/ask, the unit Greeks,
 * premium) is read from the source.
 */
import type { Instrument, MarketSnapshot, OptionQuote } from '../adapters/model.js';
import { optionUnitGreeks, type BookPosition, type BookValuation } from './book.js';
import type { OptionCandidate } from './candidates.js';
import type { DeltaHedgeInstrument } from './deltaHedge.js';
import type { ScenarioHolding } from './scenarios.js';
import { limitOnGrid, roundToStep } from './ticks.js';
import type { TicketLeg } from './ticket.js';

/** What a leg is made of: an option candidate or the delta-hedge instrument. */
export type LegSource = { kind: 'option'; option: OptionCandidate } | { kind: 'delta'; hedge: DeltaHedgeInstrument };

/** The per-kind parts of a leg. Prices are in the venue's price currency (coin for inverse options). */
interface LegTerms {
  instrument: Instrument;
  kind: TicketLeg['kind'];
  bid: number | null;
  ask: number | null;
  iv: number | null;
  forward: number | null;
  basePerContract: number;
  /** Cost per base unit bought / sold under the cost model, and the venue fee per base unit, USD. */
  buyCost: number;
  sellCost: number;
  feeQuotePerBase: number;
  greeks(baseAmount: number): Pick<TicketLeg, 'delta' | 'gamma' | 'vega' | 'theta'>;
  /** Premium paid for `baseAmount` at `limitPrice`, USD (0 for linear instruments: no premium changes hands). */
  premiumQuote(baseAmount: number, limitPrice: number): number;
}

function termsOf(source: LegSource): LegTerms {
  if (source.kind === 'option') {
    const c = source.option;
    const q = c.quote;
    return {
      instrument: q.instrument,
      kind: 'option',
      bid: q.bidSettle,
      ask: q.askSettle,
      iv: q.markIv,
      forward: q.forward,
      basePerContract: c.basePerContract,
      buyCost: c.candidate.buyCost,
      sellCost: c.candidate.sellCost,
      feeQuotePerBase: c.feeQuote,
      greeks: (base) => ({
        delta: base * c.unit.delta,
        gamma: base * c.unit.gamma,
        vega: base * c.unit.vega,
        theta: base * c.unit.theta,
      }),
      premiumQuote: (base, limit) => base * (q.instrument.inverse ? limit * q.forward! : limit),
    };
  }
  const h = source.hedge;
  const q = h.quote;
  return {
    instrument: q.instrument,
    kind: q.kind,
    bid: q.bid,
    ask: q.ask,
    iv: null,
    forward: null,
    basePerContract: h.basePerContract,
    buyCost: h.candidate.buyCost,
    sellCost: h.candidate.sellCost,
    feeQuotePerBase: h.feeQuotePerBase,
    greeks: (base) => ({ delta: base, gamma: 0, vega: 0, theta: 0 }),
    premiumQuote: () => 0,
  };
}

/** The ticket leg that trades `baseAmount` (signed, + bought) of `source`. */
export function legOf(source: LegSource, baseAmount: number): TicketLeg {
  const t = termsOf(source);
  const i = t.instrument;
  const side = baseAmount > 0 ? 'buy' : 'sell';
  const contracts = roundToStep(Math.abs(baseAmount) / t.basePerContract, i.amountStep, 'nearest');
  const limitPrice = limitOnGrid(i, side === 'buy' ? t.ask! : t.bid!, side);
  const option = t.kind === 'option';
  return {
    venue: i.venue,
    instrument: i.venueId,
    kind: t.kind,
    type: option ? i.optionType : null,
    strike: option ? i.strike : null,
    expiry: i.expiryIso,
    side,
    contracts,
    baseAmount,
    limitPrice,
    priceCurrency: i.priceCurrency,
    bid: t.bid,
    ask: t.ask,
    mid: t.bid !== null && t.ask !== null ? (t.bid + t.ask) / 2 : null,
    iv: t.iv,
    forward: t.forward,
    ...t.greeks(baseAmount),
    cost: Math.abs(baseAmount) * (side === 'buy' ? t.buyCost : t.sellCost),
    fees: Math.abs(baseAmount) * t.feeQuotePerBase,
    premiumQuote: t.premiumQuote(baseAmount, limitPrice),
  };
}

/**
 * An option held (book position or hedge leg) as the scenario grid revalues it, priced at `asOfMs` (its venue's
 * clock). The grid runs on the ticket's clock: `clockOffsetMs` (ticket clock minus the venue's, hedging/venueMarkets.ts)
 * moves the expiry onto it with the same time to run; 0 for the ticket's own venue.
 */
export function optionHolding(
  quote: OptionQuote,
  baseAmount: number,
  asOfMs: number,
  clockOffsetMs = 0,
): ScenarioHolding {
  const i = quote.instrument;
  const unit = optionUnitGreeks(quote, asOfMs);
  return {
    kind: 'option',
    type: i.optionType!,
    strike: i.strike!,
    expiryMs: i.expiryMs! + clockOffsetMs,
    forward: quote.forward!,
    vol: quote.markIv!,
    baseAmount,
    premiumCoin: i.inverse ? unit.value / quote.forward! : 0,
  };
}

/** The book's positions as scenario holdings: LPs by their position, options by their quote, the rest linear. */
export function holdingsOfBook(
  positions: readonly BookPosition[],
  market: MarketSnapshot,
  valuation: BookValuation,
): ScenarioHolding[] {
  const out: ScenarioHolding[] = [];
  positions.forEach((p, idx) => {
    if (p.kind === 'lp') {
      out.push({ kind: 'lp', position: p.position });
      return;
    }
    const row = valuation.positions[idx]!;
    // A balance (collateral) is linear: its coin (row.baseAmount; 0 for a stablecoin) moves with the price.
    if (p.kind === 'balance') return void out.push({ kind: 'linear', baseAmount: row.baseAmount ?? 0 });
    const quote = market.chains.flatMap((c) => c.options).find((o) => o.instrument.venueId === p.instrument);
    if (p.kind === 'option' && quote) out.push(optionHolding(quote, row.baseAmount ?? 0, valuation.asOfMs));
    else out.push({ kind: 'linear', baseAmount: row.baseAmount ?? 0 });
  });
  return out;
}
