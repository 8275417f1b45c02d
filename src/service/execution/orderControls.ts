/**
 * The controls before every order: the price collar against the instrument's mark (`collarFraction` of the mark, or
 * `collarMinTicks` ticks when that is more: config.ts says why), the per-order notional limit and the per-day one
 * (per mode, over the UTC day).
 */
import type { StoredTicketLegState } from '../store/index.js';
import type { ExecutionMode } from './config.js';
import { OrderRefusedError } from './errors.js';
import { EPS } from './executionContext.js';
import type { ExecutionContext } from './executionContext.js';
import { markPrice, notionalQuote } from './market.js';
import type { InstrumentQuote } from './market.js';

/**
 * The instrument's quote in the current market. An instrument missing from it is refused under the collar: with no
 * mark there is nothing to check the order's price against.
 */
export function quoteOf(ctx: ExecutionContext, leg: StoredTicketLegState): InstrumentQuote {
  const quote = ctx.market.quote(leg.venue, leg.underlying, leg.instrument);
  if (!quote) {
    throw new OrderRefusedError(
      'execution.collarFraction',
      `${leg.venue} ${leg.instrument} is not in the current market: no mark to check the order against`,
    );
  }
  return quote;
}

/**
 * Refuses an order (`OrderRefusedError`, naming the config key) priced beyond the collar, or whose notional is over
 * the per-order limit or, added to what was placed today in its mode, over the daily one. Returns its notional
 * (stored with the order: the next order's daily sum counts it).
 */
export async function checkControls(
  ctx: ExecutionContext,
  leg: StoredTicketLegState,
  quote: InstrumentQuote,
  price: number,
  contracts: number,
  mode: ExecutionMode,
): Promise<number> {
  const mark = markPrice(quote);
  if (mark === null) {
    throw new OrderRefusedError('execution.collarFraction', `${leg.instrument} has no mark to check the price against`);
  }
  const away = Math.abs(price - mark) / mark;
  const ticks = ctx.config.collarMinTicks * quote.instrument.priceTick;
  if (away > ctx.config.collarFraction && Math.abs(price - mark) > ticks + EPS * mark) {
    throw new OrderRefusedError(
      'execution.collarFraction',
      `${leg.instrument} ${leg.side} at ${price} is ${(away * 100).toPrecision(4)}% from the mark ${mark}, beyond the collar of ${(ctx.config.collarFraction * 100).toPrecision(4)}% (and more than ${ctx.config.collarMinTicks} ticks of ${quote.instrument.priceTick})`,
    );
  }
  const notional = notionalQuote(quote, contracts);
  if (notional === null) {
    throw new OrderRefusedError('execution.limits', `${leg.instrument}: no price to value ${contracts} contracts at`);
  }
  const perLeg = ctx.config.limits.maxNotionalQuotePerLeg;
  if (perLeg !== null && notional > perLeg) {
    throw new OrderRefusedError(
      'execution.limits.maxNotionalQuotePerLeg',
      `${contracts} contracts of ${leg.instrument} are ${notional.toFixed(2)} quote notional, over the per-order limit ${perLeg}`,
    );
  }
  const perDay = ctx.config.limits.maxNotionalQuotePerDay;
  if (perDay !== null) {
    const today = await ctx.orders.notionalPlacedInDay(mode, ctx.now());
    if (today + notional > perDay) {
      throw new OrderRefusedError(
        'execution.limits.maxNotionalQuotePerDay',
        `${leg.instrument}: ${today.toFixed(2)} placed today plus ${notional.toFixed(2)} is over the daily limit ${perDay}`,
      );
    }
  }
  return notional;
}
