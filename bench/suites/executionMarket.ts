/** The execution bench's limit prices: each instrument's mark in the built-in chain, on its tick. */
import { markPrice, roundToTick } from '../../src/service/execution/market.js';
import type { MarketView } from '../../src/service/execution/market.js';

export function marketPrice(market: MarketView, instrument: string): number {
  const quote = market.quote('deribit', 'BTC', instrument);
  const mark = quote ? markPrice(quote) : null;
  if (!quote || mark === null) throw new Error(`execution bench: no mark for ${instrument} in the built-in chain`);
  return roundToTick(quote, mark, 'buy');
}
