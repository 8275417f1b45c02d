/**
 * The market as the order manager reads it: the current snapshot of the desk's feeds (the same state the book and
 * the tickets are computed on), an instrument's touch, mark and notional, and the venue fee of a fill from the fee
 * tables (adapters/venues/fees). Prices are in the instrument's price currency (coin premiums for inverse options).
 */
import type { FutureQuote, MarketSnapshot, OptionQuote, PerpQuote } from '../../../adapters/model.js';
import { linearQuoteFeePerBase, optionQuoteFee } from '../../../adapters/venues/fees/index.js';
import type { FeeRole } from '../../../adapters/venues/fees/index.js';
import { findQuote, linearMark } from '../../../hedging/book.js';
import type { OrderSide } from './gateway.js';

export type InstrumentQuote = OptionQuote | PerpQuote | FutureQuote;

/** Where the current market comes from: `hub.markets()` in the service, a fixed snapshot in tests. */
export interface MarketView {
  quote(venue: string, underlying: string, instrument: string): InstrumentQuote | null;
}

export function marketViewOf(markets: () => ReadonlyMap<string, { market: MarketSnapshot }>): MarketView {
  return {
    quote(venue, underlying, instrument) {
      const snapshot = markets().get(`${venue.toLowerCase()}/${underlying.toUpperCase()}`);
      return snapshot ? findQuote(snapshot.market, instrument) : null;
    },
  };
}

/** The best price a `side` order trades against now (buy: the ask, sell: the bid), price currency; null if none. */
export function touchPrice(quote: InstrumentQuote, side: OrderSide): number | null {
  const p =
    quote.kind === 'option'
      ? side === 'buy'
        ? quote.askSettle
        : quote.bidSettle
      : side === 'buy'
        ? quote.ask
        : quote.bid;
  return p !== null && Number.isFinite(p) && p > 0 ? p : null;
}

/** The mark in the price currency (options: the settle-currency mark; perps and futures: mark, else mid, else index). */
export function markPrice(quote: InstrumentQuote): number | null {
  if (quote.kind === 'option') {
    const m = quote.markSettle;
    return m !== null && m > 0 ? m : null;
  }
  try {
    return linearMark(quote);
  } catch {
    return null;
  }
}

/** The underlying's price an option is quoted on (its forward, else the index), quote per base. */
function underlyingPrice(quote: OptionQuote): number | null {
  const u = quote.forward ?? quote.index;
  return u !== null && u > 0 ? u : null;
}

/** Base units of `contracts` at `price` (price currency): options x contract size; inverse perps USD value / price. */
export function baseOf(quote: InstrumentQuote, contracts: number, price: number): number {
  const i = quote.instrument;
  if (i.contractSize !== null) return contracts * i.contractSize;
  if (i.contractValueQuote !== null) return (contracts * i.contractValueQuote) / price;
  throw new RangeError(`${i.venueId}: neither a contract size nor a contract value`);
}

/** What `contracts` are worth in the quote currency at the current price (options: base x forward). */
export function notionalQuote(quote: InstrumentQuote, contracts: number): number | null {
  const i = quote.instrument;
  if (quote.kind === 'option') {
    const u = underlyingPrice(quote);
    return u === null || i.contractSize === null ? null : contracts * i.contractSize * u;
  }
  if (i.contractValueQuote !== null) return contracts * i.contractValueQuote;
  const mark = markPrice(quote);
  return mark === null || i.contractSize === null ? null : contracts * i.contractSize * mark;
}

/** A price in the instrument's price currency as quote currency per base (coin premiums x the forward). */
export function priceInQuote(quote: InstrumentQuote, price: number): number | null {
  if (quote.kind !== 'option') return price;
  if (!quote.instrument.inverse) return price;
  const u = underlyingPrice(quote);
  return u === null ? null : price * u;
}

/** The venue fee of a fill, quote currency, from the fee tables (maker or taker). */
export function feeQuoteOf(quote: InstrumentQuote, contracts: number, price: number, role: FeeRole): number {
  const base = baseOf(quote, contracts, price);
  if (quote.kind === 'option') {
    const premiumQuote = priceInQuote(quote, price);
    if (premiumQuote === null) throw new RangeError(`${quote.instrument.venueId}: no forward to price the fee on`);
    return optionQuoteFee(quote, premiumQuote, { role }).feeQuote * base;
  }
  return linearQuoteFeePerBase(quote, price, { role }) * base;
}

/** Rounds a price to the instrument's tick, toward the side's safe direction (buy: down, sell: up). */
export function roundToTick(quote: InstrumentQuote, price: number, side: OrderSide): number {
  const tick = quote.instrument.priceTick;
  if (!(tick > 0)) return price;
  const steps = price / tick;
  const n = side === 'buy' ? Math.floor(steps + 1e-9) : Math.ceil(steps - 1e-9);
  return Number((n * tick).toPrecision(12));
}
