/**
 * The initial margin a ticket's legs need on their venue: a simple, stated model, the same shape on all four venues,
 * meant to tell a desk how much collateral to have where before it works a multi-venue ticket, not to reproduce a
 * venue's risk engine (portfolio margin, offsets between legs and the account's existing positions are ignored, so
 * the figure is an upper bound for a hedge that only adds long options).
 *
 * - Long option: the premium paid at the leg's limit price; nothing more (the buyer's loss is the premium).
 * - Short option, per base unit: `max(0.15 U - OTM, 0.10 U) + mark`, U the option's forward (its underlying), OTM
 *   the out-of-the-money amount (`max(K - U, 0)` for a call, `max(U - K, 0)` for a put), mark the option's mark in
 *   USD. The premium received is not netted (conservative). This is the "standard margin" rule Bybit publishes for
 *   its options ("Initial and Maintenance Margin Calculation (Options)", Bybit help centre article 000001546:
 *   `(0.15 x Index Price - OTM amount, 0.1 x Index Price) max + mark`) and the one Deribit published in coin terms
 *   (`max(0.15 - OTM/underlying, 0.1) + mark`, https://deribit.freshdesk.com/support/solutions/articles/1000197268;
 *   Deribit's current page raises the first fraction, so this under-states a Deribit short somewhat). OKX and
 *   Binance publish their own fractions; the same 15%/10% is assumed there.
 * - Perpetual or future: `PERP_INITIAL_MARGIN_FRACTION` of the notional (|base| x price), i.e. 10x leverage: a
 *   desk's assumption, not a venue's minimum (the venues allow 50-125x on BTC).
 *
 * Margins are stated in the venue's settle currency of each leg (BTC for coin-settled instruments: USD / price) and
 * in USD.
 */
import type { Instrument } from '../adapters/model.js';

/** Short options: the larger fraction of the underlying, before the out-of-the-money amount is taken off. */
export const SHORT_OPTION_MARGIN_FRACTION = 0.15;
/** Short options: the floor, as a fraction of the underlying. */
export const SHORT_OPTION_MIN_MARGIN_FRACTION = 0.1;
/** Perpetuals and futures: initial margin as a fraction of notional (10x), a desk assumption. */
export const PERP_INITIAL_MARGIN_FRACTION = 0.1;

/** The model in one sentence, as the ticket prints it. */
export const MARGIN_MODEL_TEXT =
  'initial margin, standard (per leg, no offsets): long option = premium paid; short option = ' +
  `max(${SHORT_OPTION_MARGIN_FRACTION} F - OTM, ${SHORT_OPTION_MIN_MARGIN_FRACTION} F) + mark per base unit ` +
  `(Bybit's published rule, Deribit's earlier one); perp/future = ${PERP_INITIAL_MARGIN_FRACTION} x notional ` +
  '(10x, assumed)';

/** What the margin of one leg depends on. */
export interface MarginLegInput {
  instrument: Instrument;
  kind: 'option' | 'perp' | 'future';
  /** Signed base units (+ bought). */
  baseAmount: number;
  /** Premium paid (+) or received (-) at the limit price, USD (options). */
  premiumQuote: number;
  /** Options: the forward (the option's underlying), USD per base; perps: their price, USD per base. */
  priceQuote: number;
  /** Options: mark in USD per base unit (null: the mid is used by the caller, or 0). */
  markQuote: number | null;
}

/** Initial margin of one leg, USD. */
export function legInitialMarginQuote(leg: MarginLegInput): number {
  const size = Math.abs(leg.baseAmount);
  if (leg.kind !== 'option') return PERP_INITIAL_MARGIN_FRACTION * size * leg.priceQuote;
  if (leg.baseAmount > 0) return Math.max(0, leg.premiumQuote);
  const U = leg.priceQuote;
  const K = leg.instrument.strike ?? U;
  const otm = leg.instrument.optionType === 'call' ? Math.max(K - U, 0) : Math.max(U - K, 0);
  const perBase =
    Math.max(SHORT_OPTION_MARGIN_FRACTION * U - otm, SHORT_OPTION_MIN_MARGIN_FRACTION * U) + (leg.markQuote ?? 0);
  return size * perBase;
}

/** The currency a leg's margin is posted in: the instrument's settle currency (BTC for coin-settled ones). */
export function marginCurrencyOf(instrument: Instrument): string {
  return instrument.settle;
}

/** A USD margin in the leg's settle currency: coin-settled legs post coin (USD / price), linear ones the stable coin. */
export function marginInSettle(instrument: Instrument, marginQuote: number, priceQuote: number): number {
  return instrument.inverse ? marginQuote / priceQuote : marginQuote;
}
