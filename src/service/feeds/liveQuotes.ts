/**
 * The live feed's market state: the latest quote per instrument, on the venue's own timestamps.
 *
 * Nothing is double-counted: the latest venue timestamp wins; a repeat of the same update, as after a reconnect,
 * replaces it with itself; an older one is dropped, so reconnects, duplicated and reordered frames change no state.
 * A quote stamped further in the future than `maxClockSkewMs` cannot be aged at all and is refused (counted in
 * `skewed`): the venue's clock and ours disagree.
 */
import type { OptionQuote, PerpQuote, Quote } from '../../../adapters/index.js';
import type { LiveFeedStats } from './liveOptions.js';

/** The feed's counters this book keeps. */
export type QuoteCounters = Pick<LiveFeedStats, 'accepted' | 'duplicates' | 'outOfOrder' | 'skewed'>;

export class LiveQuoteBook {
  private readonly quotes = new Map<string, Quote>();

  constructor(
    private readonly stats: QuoteCounters,
    private readonly maxClockSkewMs: number,
    /** Told why a quote was refused, for the desk's logs. */
    private readonly onRefused: (problem: string) => void,
  ) {}

  /** Keeps `q` if it is the newest state of its instrument; returns whether the market state changed. */
  accept(q: Quote, nowMs: number): boolean {
    if (!Number.isFinite(q.timestampMs) || q.timestampMs - nowMs > this.maxClockSkewMs) {
      this.stats.skewed += 1;
      this.onRefused(
        `${q.instrument.symbol}: venue timestamp ${new Date(q.timestampMs).toISOString()} is ` +
          `${Math.round(q.timestampMs - nowMs)} ms ahead of our clock (more than ${this.maxClockSkewMs} ms): refused`,
      );
      return false;
    }
    const symbol = q.instrument.symbol;
    const held = this.quotes.get(symbol);
    if (held && held.timestampMs > q.timestampMs) {
      this.stats.outOfOrder += 1;
      return false;
    }
    if (held && held.timestampMs === q.timestampMs) {
      this.stats.duplicates += 1;
      this.quotes.set(symbol, q);
      return false;
    }
    this.quotes.set(symbol, q);
    this.stats.accepted += 1;
    return true;
  }

  /** Every quote held, in the order their instruments were first seen. */
  values(): IterableIterator<Quote> {
    return this.quotes.values();
  }

  optionQuotes(): OptionQuote[] {
    return [...this.quotes.values()].filter((q): q is OptionQuote => q.kind === 'option');
  }

  /** The first perp quote seen (whatever its settle currency). */
  firstPerp(): PerpQuote | undefined {
    return [...this.quotes.values()].find((q): q is PerpQuote => q.kind === 'perp');
  }

  /** Expired instruments leave the market state (they are also skipped at emission until this runs). */
  dropExpired(nowMs: number): void {
    for (const [symbol, q] of this.quotes) {
      if (q.instrument.expiryMs !== null && q.instrument.expiryMs <= nowMs) this.quotes.delete(symbol);
    }
  }

  /**
   * The index of the newest quote that carries one (every Deribit ticker has `index_price`); at equal times the
   * perp's, then a future's, so one update's index does not flip between instruments' rounding.
   */
  indexPrice(): number | null {
    const rank = (q: Quote) => (q.kind === 'perp' ? 2 : q.kind === 'future' ? 1 : 0);
    let best: Quote | undefined;
    for (const q of this.quotes.values()) {
      if (q.index === null || !(q.index > 0)) continue;
      if (!best || q.timestampMs > best.timestampMs || (q.timestampMs === best.timestampMs && rank(q) > rank(best))) {
        best = q;
      }
    }
    return best?.index ?? null;
  }
}
