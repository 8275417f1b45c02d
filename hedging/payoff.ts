/**
 * Payoff curves for the dashboard: the LP's value, HODL (the entry amounts held) and the LP with its hedges
 * (held and suggested) across pool prices, at the market's time. Each hedge is revalued with the whole market moved
 * to the price (options by Black-76 on their forward scaled with the pool price, at their mark IV, sticky-strike;
 * perps and futures linear in the price), and only its change from now is added, so `hedged = lp` at the current
 * price.
 */
import type { MarketSnapshot } from '../adapters/model.js';
import { black76Price, lpStateUnchecked, yearFractionAct365 } from '../pricing/index.js';
import { baseUnitsPerContract, findQuote, linearMark, spotPrice, type BookPosition } from './book.js';
import { MarketSanityError } from './errors.js';

export interface PayoffCurves {
  prices: number[];
  lp: number[];
  hodl: number[];
  hedged: number[];
  /** Strikes of the option hedges (held and suggested). */
  strikes: number[];
  currentPrice: number | null;
}

/** A hedge to revalue: an instrument and signed contracts. */
export interface PayoffHedge {
  instrument: string;
  contracts: number;
}

export const PAYOFF_POINTS = 121;

/** Value, quote currency, of `contracts` of `instrument` with every price of the market scaled by `factor`. */
function hedgeValue(market: MarketSnapshot, asOfMs: number, hedge: PayoffHedge, factor: number): number {
  const quote = findQuote(market, hedge.instrument);
  if (!quote) throw new MarketSanityError(`${hedge.instrument}: not listed on ${market.venue} ${market.underlying}`);
  if (quote.kind === 'option') {
    const i = quote.instrument;
    if (quote.forward === null || quote.markIv === null || i.strike === null || i.expiryMs === null || !i.optionType)
      throw new MarketSanityError(`${i.venueId}: no forward, mark IV, strike or expiry to price it with`);
    const base = hedge.contracts * baseUnitsPerContract(i, quote.forward);
    const years = Math.max(0, yearFractionAct365(asOfMs, i.expiryMs));
    return base * black76Price(i.optionType, quote.forward * factor, i.strike, years, quote.markIv);
  }
  const mark = linearMark(quote);
  return hedge.contracts * baseUnitsPerContract(quote.instrument, mark) * mark * factor;
}

export function payoffCurves(
  lp: Extract<BookPosition, { kind: 'lp' }>,
  held: readonly BookPosition[],
  suggested: readonly PayoffHedge[],
  market: MarketSnapshot,
  asOfMs: number,
): PayoffCurves {
  const price = spotPrice(market);
  const position = lp.position;
  const entry = lpStateUnchecked(position, position.entryPrice);
  const low = position.model === 'v3' ? Math.min(0.7 * price, 0.9 * position.lower) : 0.5 * price;
  const high = position.model === 'v3' ? Math.max(1.3 * price, 1.1 * position.upper) : 1.5 * price;
  const hedges: PayoffHedge[] = [
    // Balances are the market book's, not a position's: the curve holds the position's own hedges.
    ...held.flatMap((h) =>
      h.kind === 'lp' || h.kind === 'balance' ? [] : [{ instrument: h.instrument, contracts: h.contracts }],
    ),
    ...suggested,
  ];
  const now = hedges.map((h) => hedgeValue(market, asOfMs, h, 1));
  const out: PayoffCurves = { prices: [], lp: [], hodl: [], hedged: [], strikes: [], currentPrice: price };
  for (let k = 0; k < PAYOFF_POINTS; k++) {
    const p = low + ((high - low) * k) / (PAYOFF_POINTS - 1);
    const value = lpStateUnchecked(position, p).value;
    let hedged = value;
    hedges.forEach((h, j) => (hedged += hedgeValue(market, asOfMs, h, p / price) - now[j]!));
    out.prices.push(p);
    out.lp.push(value);
    out.hodl.push(entry.amountBase * p + entry.amountQuote);
    out.hedged.push(hedged);
  }
  const strikes = new Set<number>();
  for (const h of hedges) {
    const q = findQuote(market, h.instrument);
    if (q?.kind === 'option' && q.instrument.strike !== null) strikes.add(q.instrument.strike);
  }
  out.strikes = [...strikes].sort((a, b) => a - b);
  return out;
}
