/**
 * The price and size of each attempt of a leg. The first attempt is at the ticket's limit; an order not filled in
 * time is cancelled and the rest re-priced, up to `maxReprices` times, within `priceToleranceFraction` of the limit
 * (buy: up to limit x (1 + t), on a ladder toward that cap or at the touch when it is inside; sell: the mirror
 * image). Sizes are rounded down to the instrument's lot: the venue takes whole lots, and a leg never trades more
 * than it asks for.
 */
import type { StoredTicketLegState } from '../store/index.js';
import type { ExecutionConfig } from './config.js';
import { EPS } from './executionContext.js';
import { roundToTick, touchPrice } from './market.js';
import type { InstrumentQuote } from './market.js';

/** The price of attempt `attempt` (0: the ticket's limit). */
export function priceFor(
  config: Pick<ExecutionConfig, 'priceToleranceFraction' | 'maxReprices'>,
  leg: StoredTicketLegState,
  quote: InstrumentQuote,
  attempt: number,
): number {
  if (attempt === 0) return leg.limitPrice;
  const t = config.priceToleranceFraction;
  const buy = leg.side === 'buy';
  const cap = buy ? leg.limitPrice * (1 + t) : leg.limitPrice * (1 - t);
  const steps = Math.max(1, config.maxReprices);
  const ladder = leg.limitPrice + ((cap - leg.limitPrice) * Math.min(attempt, steps)) / steps;
  const touch = touchPrice(quote, leg.side);
  let price = buy ? Math.max(ladder, touch ?? ladder) : Math.min(ladder, touch ?? ladder);
  price = buy ? Math.min(price, cap) : Math.max(price, cap);
  const rounded = roundToTick(quote, price, leg.side);
  // Rounding toward the safe side may fall behind the ticket's own limit: never worse than the ticket for us.
  return buy ? Math.max(rounded, leg.limitPrice) : Math.min(rounded, leg.limitPrice);
}

/** `contracts` rounded down to the instrument's lot (unchanged when the instrument states none). */
export function roundDownToLot(quote: InstrumentQuote, contracts: number): number {
  const lot = quote.instrument.amountStep;
  if (!(lot > 0)) return contracts;
  return Number((Math.floor(contracts / lot + EPS) * lot).toPrecision(12));
}
