/**
 * The book report: the book's Greeks and the hedge ratios now (perp contracts for delta, option contracts for gamma
 * each instrument alone) and the rebalancing band status, without building a ticket.
 */
import type { MarketSnapshot } from '../adapters/model.js';
import { valueBook, type BookPosition, type BookValuation } from './book.js';
import { selectCandidates } from './candidates.js';
import { deltaHedgeInstrument, deltaHedgeSide } from './deltaHedge.js';
import { atmVol } from './marketChecks.js';
import { bookCarry, splitGreeks, type BookCarry } from './netBook.js';
import { deltaBandHalfWidth, deltaBandOf, rebalanceDecision } from './policy.js';
import { resolvePolicy, type HedgePolicy, type HedgePolicyInput } from './policySchema.js';
import { roundToStep } from './ticks.js';
import type { Ticket } from './ticket.js';

/** How many single-instrument gamma hedges the report lists by default. */
export const DEFAULT_GAMMA_HEDGES_SHOWN = 3;

export interface HedgeRatio {
  instrument: string;
  type: 'call' | 'put' | null;
  strike: number | null;
  expiry: string | null;
  /** Contracts (signed) of this instrument alone that would bring gamma to target. */
  contracts: number;
  baseAmount: number;
  /** Cost of doing so under the policy's cost model, USD. */
  cost: number;
}

export interface BookReport {
  asOfMs: number;
  price: number;
  source: Ticket['source'];
  positions: BookValuation['positions'];
  total: BookValuation['total'];
  /** The delta hedge that neutralises delta now: contracts (signed) of the perp/future and base units. */
  deltaHedge: { instrument: string; contracts: number; baseAmount: number } | null;
  /** Single-instrument gamma hedges among the best-ranked candidates (each alone, not combined). */
  gammaHedges: HedgeRatio[];
  band: { halfWidthBase: number; explanation: string; action: 'none' | 'rebalance'; message: string };
  /** The LP's fee income and LVR at the ATM vol, per part of the book (netBook.ts `bookCarry`). */
  carry: BookCarry;
}

/** Greeks and the hedge ratios now: perp contracts for delta, option contracts for gamma, and the band status. */
export function bookReport(
  positions: readonly BookPosition[],
  market: MarketSnapshot,
  asOfMs: number,
  policyInput?: HedgePolicy | HedgePolicyInput,
  options: { poolPrice?: number; gammaHedges?: number } = {},
): BookReport {
  const policy = resolvePolicy(policyInput as HedgePolicyInput);
  const valuation = valueBook(positions, market, asOfMs, { poolPrice: options.poolPrice });
  const hedge = deltaHedgeInstrument(
    market,
    asOfMs,
    policy,
    null,
    deltaHedgeSide(policy.target.delta, valuation.total.delta),
  );
  const deltaGap = policy.target.delta - valuation.total.delta;
  const gammaGap = policy.target.gamma - valuation.total.gamma;
  const selection = selectCandidates(market, asOfMs, policy);
  const gammaHedges = selection.used.slice(0, options.gammaHedges ?? DEFAULT_GAMMA_HEDGES_SHOWN).map((c) => {
    const lots = Math.round(gammaGap / c.unit.gamma / c.lotBase);
    const base = lots * c.lotBase;
    return {
      instrument: c.quote.instrument.venueId,
      type: c.quote.instrument.optionType,
      strike: c.quote.instrument.strike,
      expiry: c.quote.instrument.expiryIso,
      contracts: roundToStep(base / c.basePerContract, c.quote.instrument.amountStep, 'nearest'),
      baseAmount: base,
      cost: Math.abs(base) * (base >= 0 ? c.candidate.buyCost : c.candidate.sellCost),
    };
  });
  const vol = atmVol(market, asOfMs);
  const band = deltaBandHalfWidth(deltaBandOf(policy), {
    gamma: valuation.total.gamma,
    price: valuation.price,
    vol,
    minBase: hedge?.candidate.lotBase ?? 0,
  });
  const decision = rebalanceDecision(valuation.total.delta, policy.target.delta, band);
  let deltaHedge: BookReport['deltaHedge'] = null;
  if (hedge) {
    const lots = Math.round(deltaGap / hedge.candidate.lotBase);
    deltaHedge = {
      instrument: hedge.quote.instrument.venueId,
      contracts: roundToStep(lots * hedge.quote.instrument.amountStep, hedge.quote.instrument.amountStep, 'nearest'),
      baseAmount: lots * hedge.candidate.lotBase,
    };
  }
  return {
    asOfMs,
    price: valuation.price,
    source: {
      kind: market.source.kind,
      label: market.source.label,
      dataTimeMs: market.source.dataTimeMs,
      dataTime: new Date(market.source.dataTimeMs).toISOString(),
    },
    positions: valuation.positions,
    total: valuation.total,
    deltaHedge,
    gammaHedges,
    carry: bookCarry(positions, valuation.price, vol, splitGreeks(valuation)),
    band: {
      halfWidthBase: band.halfWidthBase,
      explanation: band.explanation,
      action: decision.action,
      message: decision.message,
    },
  };
}
