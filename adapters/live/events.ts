/**
 * What a live stream delivers: quote and book updates with their staleness, and typed status, stale and rejected
 * events. Iterating a stream yields `LiveEvent`s.
 */
import type { MarketDataError } from '../errors.js';
import type { Instrument, Quote, Venue } from '../model.js';
import type { StaleReason } from './staleness.js';
import type { LiveSubscription } from './subscriptions.js';

export type FeedStatus =
  /** Dialling (first connect, or after a backoff). */
  | 'connecting'
  /** Data is flowing on a (re)connected socket. */
  | 'up'
  /** The socket dropped or failed; a redial is scheduled (`retryInMs`). */
  | 'down'
  /** The venue refused us for rate (Deribit 10028): we drained our budget and wait the refill time. */
  | 'rate-limited'
  /** No frame for `idleTimeoutMs` on an open socket: the socket is dropped and redialled. */
  | 'idle'
  /** A subscription failed for good (unknown symbol, unsupported method): it is no longer watched. */
  | 'error'
  /** `close()` was called: the iteration ends after this event. */
  | 'closed';

export interface LiveQuoteEvent {
  type: 'quote';
  venue: Venue;
  symbol: string;
  quote: Quote;
  /** Stale by age (quote.timestampMs vs the stream's clock) or because the feed was down at delivery. */
  stale: boolean;
  staleReason?: StaleReason;
  /** Stream clock time when the update was handled (the replay clock in a replay). */
  receivedAtMs: number;
}

/** One price level; `price` is in `instrument.priceCurrency` (the settle coin for inverse options). */
export interface LiveBookLevel {
  price: number;
  sizeContracts: number;
}

export interface LiveBookEvent {
  type: 'book';
  venue: Venue;
  symbol: string;
  instrument: Instrument;
  bids: LiveBookLevel[];
  asks: LiveBookLevel[];
  /** The venue's timestamp of this book state (UTC ms). */
  timestampMs: number | undefined;
  stale: boolean;
  staleReason?: StaleReason;
  receivedAtMs: number;
}

export interface LiveStatusEvent {
  type: 'status';
  venue: Venue;
  status: FeedStatus;
  atMs: number;
  /** A sentence for logs and the desk. */
  message: string;
  /** Failed dials since the connection was last healthy. */
  attempt?: number;
  /** When status is down / rate-limited / idle: the wait before the next dial (ms, wall time). */
  retryInMs?: number;
  error?: MarketDataError;
  /** For status `error`: the subscription that was dropped. */
  subscription?: LiveSubscription;
}

export interface LiveStaleEvent {
  type: 'stale';
  venue: Venue;
  /** Symbols that just became stale (order-book keys are `book:<symbol>`). */
  symbols: string[];
  reason: StaleReason;
  atMs: number;
}

/** The normaliser refused an update (inconsistent data): reported, never used, never fatal. */
export interface LiveRejectedEvent {
  type: 'rejected';
  venue: Venue;
  symbol: string;
  reason: string;
  atMs: number;
}

export type LiveEvent = LiveQuoteEvent | LiveBookEvent | LiveStatusEvent | LiveStaleEvent | LiveRejectedEvent;

/** Counters of a running stream. */
export interface LiveStreamStats {
  frames: number;
  quotes: number;
  books: number;
  rejected: number;
  /** Parsed updates for symbols not in `instruments`. */
  unknownSymbols: number;
  connects: number;
  disconnects: number;
  /** Events dropped because the consumer fell more than `maxQueuedEvents` behind. */
  overflowDropped: number;
}
