/**
 * What ccxt resolved for a frame, as the stream's events: tickers through the venue's normaliser into `quote`
 * events, order books into `book` events (levels copied, sizes in contracts), each flagged stale by age or feed
 * state. It also keeps which keys were already announced stale, so each key is announced once per staleness:
 * by its own stale delivery, by the feed going down, or by an age sweep while the feed is up but quiet.
 */
import type { Ticker } from 'ccxt';
import type { Clock } from '../clock.js';
import type { Instrument, Quote, Venue } from '../model.js';
import type { LiveBookLevel, LiveEvent, LiveStreamStats } from './events.js';
import type { StaleReason, StalenessTracker } from './staleness.js';

/** ccxt's ticker as far as the stream needs it (the normaliser reads the rest). */
export interface CcxtTickerLike {
  symbol: string;
  info?: unknown;
  [key: string]: unknown;
}

interface CcxtBookLike {
  symbol: string;
  bids: unknown[];
  asks: unknown[];
  timestamp?: number;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object';
}

function isOrderBook(value: unknown): value is CcxtBookLike {
  return isRecord(value) && Array.isArray(value.bids) && Array.isArray(value.asks) && typeof value.symbol === 'string';
}

function isTicker(value: unknown): value is CcxtTickerLike {
  return isRecord(value) && typeof value.symbol === 'string' && 'bid' in value && 'ask' in value && 'info' in value;
}

export interface LiveUpdatesOptions {
  venue: Venue;
  /** The stream's instruments by ccxt symbol. */
  instruments: ReadonlyMap<string, Instrument>;
  /** Symbols subscribed as tickers, and book depth per symbol subscribed as a book. */
  tickerSymbols: ReadonlySet<string>;
  bookDepth: ReadonlyMap<string, number>;
  normalise: (instrument: Instrument, ticker: Ticker) => Quote;
  staleness: StalenessTracker;
  clock: Clock;
  /** The stream's counters (quotes, books, rejected, unknownSymbols are counted here). */
  stats: LiveStreamStats;
  push: (event: LiveEvent) => void;
}

export class LiveUpdates {
  private readonly staleNow = new Set<string>();

  constructor(private readonly o: LiveUpdatesOptions) {}

  /** The distinct objects ccxt resolved while handling one frame. */
  resolved(items: readonly unknown[], receivedAtMs: number): void {
    for (const item of items) {
      if (isOrderBook(item)) this.onBook(item, receivedAtMs);
      else if (isTicker(item)) this.onTicker(item, receivedAtMs);
    }
  }

  /** The feed went down: every key not yet announced is announced stale (an empty event if it just went down). */
  feedDown(wasDown: boolean, atMs: number): void {
    const keys = this.o.staleness.views().map((v) => v.key);
    const fresh = keys.filter((k) => !this.staleNow.has(k));
    for (const k of fresh) this.staleNow.add(k);
    if (!wasDown || fresh.length > 0) {
      this.o.push({ type: 'stale', venue: this.o.venue, symbols: fresh, reason: 'feed-down', atMs });
    }
  }

  /** Announces the keys that aged past the limit since the last sweep (feed up but quiet); returns them. */
  sweep(): string[] {
    const fresh: string[] = [];
    for (const view of this.o.staleness.views()) {
      if (view.stale && !this.staleNow.has(view.key)) {
        this.staleNow.add(view.key);
        fresh.push(view.key);
      }
    }
    if (fresh.length > 0) {
      this.o.push({ type: 'stale', venue: this.o.venue, symbols: fresh, reason: 'age', atMs: this.o.clock.now() });
    }
    return fresh;
  }

  /** Records `key`'s timestamp and returns its staleness now; a key delivered stale says so in its own event. */
  private record(key: string, timestampMs: number | undefined): { stale: boolean; staleReason?: StaleReason } {
    this.o.staleness.record(key, timestampMs);
    const view = this.o.staleness.view(key);
    if (view.stale) this.staleNow.add(key);
    else this.staleNow.delete(key);
    return { stale: view.stale, ...(view.reason ? { staleReason: view.reason } : {}) };
  }

  private onTicker(ticker: CcxtTickerLike, receivedAtMs: number): void {
    const { venue, stats } = this.o;
    const instrument = this.o.instruments.get(ticker.symbol);
    if (!instrument || !this.o.tickerSymbols.has(ticker.symbol)) {
      stats.unknownSymbols += 1;
      return;
    }
    let quote: Quote;
    try {
      quote = this.o.normalise(instrument, ticker as unknown as Ticker);
    } catch (error) {
      stats.rejected += 1;
      const reason = error instanceof Error ? error.message : String(error);
      this.o.push({ type: 'rejected', venue, symbol: ticker.symbol, reason, atMs: receivedAtMs });
      return;
    }
    const staleness = this.record(ticker.symbol, quote.timestampMs);
    stats.quotes += 1;
    this.o.push({ type: 'quote', venue, symbol: ticker.symbol, quote, ...staleness, receivedAtMs });
  }

  private onBook(book: CcxtBookLike, receivedAtMs: number): void {
    const depth = this.o.bookDepth.get(book.symbol);
    const instrument = this.o.instruments.get(book.symbol);
    if (depth === undefined || !instrument) {
      this.o.stats.unknownSymbols += 1;
      return;
    }
    // ccxt's book object is mutated in place by the next delta: copy the levels now.
    const perContract = instrument.venueAmountPerContract > 0 ? instrument.venueAmountPerContract : 1;
    const levels = (side: unknown[]): LiveBookLevel[] =>
      side.slice(0, depth).flatMap((level) => {
        if (!Array.isArray(level)) return [];
        const [price, amount] = level as unknown[];
        if (typeof price !== 'number' || typeof amount !== 'number') return [];
        return [{ price, sizeContracts: amount / perContract }];
      });
    const timestampMs = typeof book.timestamp === 'number' ? book.timestamp : undefined;
    const staleness = this.record(`book:${book.symbol}`, timestampMs);
    this.o.stats.books += 1;
    this.o.push({
      type: 'book',
      venue: this.o.venue,
      symbol: book.symbol,
      instrument,
      bids: levels(book.bids),
      asks: levels(book.asks),
      timestampMs,
      ...staleness,
      receivedAtMs,
    });
  }
}
