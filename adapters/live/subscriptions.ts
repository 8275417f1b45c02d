/**
 * What a live stream watches and how each kind is asked of ccxt pro: the subscription kinds, the ccxt surface the
 * stream calls (`LiveExchange`), the split of large multi-symbol requests, and the one `watch*` call per kind.
 */
import type { CcxtProExchangeLike } from './tap.js';

/** What to watch. */
export type LiveSubscription =
  /** One subscribe request for many tickers (`watchTickers`). */
  | { kind: 'tickers'; symbols: readonly string[] }
  /** One ticker (`watchTicker`). */
  | { kind: 'ticker'; symbol: string }
  /** One order book (`watchOrderBook`); `depth` levels are reported per side (default 10). */
  | { kind: 'orderBook'; symbol: string; depth?: number }
  /** Many order books in one subscribe request (`watchOrderBookForSymbols`). */
  | { kind: 'orderBooks'; symbols: readonly string[]; depth?: number };

/** A ccxt pro exchange: the tap's surface plus the unified watch methods and `close`. */
export interface LiveExchange extends CcxtProExchangeLike {
  options: Record<string, unknown>;
  /** ccxt's cached order books by symbol. */
  orderbooks?: Record<string, unknown>;
  watchTicker(symbol: string, params?: Record<string, unknown>): Promise<unknown>;
  watchTickers(symbols?: string[], params?: Record<string, unknown>): Promise<unknown>;
  watchOrderBook(symbol: string, limit?: number, params?: Record<string, unknown>): Promise<unknown>;
  watchOrderBookForSymbols(symbols: string[], limit?: number, params?: Record<string, unknown>): Promise<unknown>;
  close(): Promise<unknown>;
}

/** Levels reported per side of a book when the subscription names no depth. */
export const DEFAULT_BOOK_DEPTH = 10;

/**
 * Multi-symbol subscriptions are split into requests of at most this many symbols by default: Deribit refuses a
 * subscribe message over 32 KiB (ccxt `watchMultipleWrapper`), about 800 channel names.
 */
export const DEFAULT_SYMBOLS_PER_SUBSCRIBE = 100;

/** Splits multi-symbol subscriptions into chunks of at most `max` symbols. */
export function splitSubscriptions(subs: readonly LiveSubscription[], max: number): LiveSubscription[] {
  if (!Number.isInteger(max) || max < 1) throw new RangeError(`maxSymbolsPerSubscribe must be >= 1, got ${max}`);
  return subs.flatMap((sub): LiveSubscription[] => {
    if (sub.kind !== 'tickers' && sub.kind !== 'orderBooks') return [sub];
    if (sub.symbols.length <= max) return [sub];
    const out: LiveSubscription[] = [];
    for (let i = 0; i < sub.symbols.length; i += max) out.push({ ...sub, symbols: sub.symbols.slice(i, i + max) });
    return out;
  });
}

/**
 * One `tickers` subscription for `tickers` and one `orderBooks` subscription of `depth` levels for `books`; an
 * empty list asks for nothing.
 */
export function tickerAndBookSubscriptions(
  tickers: readonly string[],
  books: readonly string[],
  depth = DEFAULT_BOOK_DEPTH,
): LiveSubscription[] {
  const subscriptions: LiveSubscription[] = [];
  if (tickers.length > 0) subscriptions.push({ kind: 'tickers', symbols: tickers });
  if (books.length > 0) subscriptions.push({ kind: 'orderBooks', symbols: books, depth });
  return subscriptions;
}

export function subscriptionSymbols(sub: LiveSubscription): readonly string[] {
  return sub.kind === 'tickers' || sub.kind === 'orderBooks' ? sub.symbols : [sub.symbol];
}

/** `tickers(60 symbols)`, `ticker(BTC/USD:BTC)`: for status messages. */
export function describeSubscription(sub: LiveSubscription): string {
  if (sub.kind === 'tickers' || sub.kind === 'orderBooks') return `${sub.kind}(${sub.symbols.length} symbols)`;
  return `${sub.kind}(${sub.symbol})`;
}

/** The ccxt pro call that subscribes `sub` (it resolves on the next update and carries connection errors). */
export function watchSubscription(exchange: LiveExchange, sub: LiveSubscription): Promise<unknown> {
  switch (sub.kind) {
    case 'tickers':
      return exchange.watchTickers([...sub.symbols]);
    case 'ticker':
      return exchange.watchTicker(sub.symbol);
    case 'orderBook':
      // ccxt's deribit watchOrderBook writes into its params object: always pass a fresh one.
      return exchange.watchOrderBook(sub.symbol, undefined, {});
    case 'orderBooks':
      return exchange.watchOrderBookForSymbols([...sub.symbols], undefined, {});
  }
}
