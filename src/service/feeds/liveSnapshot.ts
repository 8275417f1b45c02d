/**
 * The live feed's market state as a `MarketSnapshot`, with honest ages.
 *
 * Every quote keeps the venue's own timestamp. A snapshot's `market.source.dataTimeMs` is the oldest timestamp
 * among the quotes it lets hedging use, and its `asOfMs` our clock at emission, so the desk book's quote age
 * (`asOfMs - dataTimeMs` plus time since emission) is the age of the data on the venue's clock, never the time
 * since we received it. A quote older than `quoteMaxAgeMs`, or any quote while the stream is not up, is left out of
 * `usableForHedging` (not hedged on); with nothing usable the snapshot's data time is the newest data seen, so the
 * market visibly ages into `stale`.
 */
import { assembleSnapshot, type MarketSnapshot, type OptionQuote, type Venue } from '../../../adapters/index.js';
import type { LiveQuoteBook } from './liveQuotes.js';

export interface LiveMarketContext {
  venue: Venue;
  underlying: string;
  label: string;
  nowMs: number;
  quoteMaxAgeMs: number;
  /** Whether the stream is up: a quote that cannot be updated is not the market. */
  up: boolean;
}

/** The market state now, by the age and usability rules of the module comment. */
export function liveMarketSnapshot(book: LiveQuoteBook, c: LiveMarketContext): MarketSnapshot {
  const now = c.nowMs;
  const options: OptionQuote[] = [];
  const futures = [];
  let perp = null;
  let newest = 0;
  for (const q of book.values()) {
    if (q.instrument.expiryMs !== null && q.instrument.expiryMs <= now) continue;
    newest = Math.max(newest, q.timestampMs);
    if (q.kind === 'option') options.push(q);
    else if (q.kind === 'future') futures.push(q);
    else if (q.kind === 'perp' && q.instrument.settle === c.underlying) perp = q;
    else if (q.kind === 'perp' && perp === null) perp = q;
  }
  const assembled = assembleSnapshot(
    c.venue,
    c.underlying,
    { options, perp, futures, index: book.indexPrice(), unknown: [] },
    { kind: 'live', label: c.label, dataTimeMs: newest },
    { asOfMs: now, maxAgeMs: c.quoteMaxAgeMs },
  );
  // Nothing is hedged on while the stream is not up: a quote that cannot be updated is not the market.
  const usable = c.up ? new Set(assembled.usableForHedging) : new Set<string>();
  let oldestUsable = Number.POSITIVE_INFINITY;
  for (const q of book.values()) {
    if (usable.has(q.instrument.symbol)) oldestUsable = Math.min(oldestUsable, q.timestampMs);
  }
  const dataTimeMs = Math.min(now, Number.isFinite(oldestUsable) ? oldestUsable : newest);
  return {
    ...assembled,
    source: { kind: 'live', label: c.label, dataTimeMs },
    usableForHedging: usable,
  };
}
