/**
 * The small interfaces the desk service consumes. The service owns HTTP, websockets, SQLite and the process; the
 * market comes in through `MarketFeed` (the built-in replay, a recording, a scripted test feed), the hedging through
 * the desk book (`deskBook.ts`, on `hedging/`).
 */
import type { MarketSnapshot, Venue } from '../../adapters/index.js';
import type { LpPositionSpec } from '../../hedging/index.js';

/**
 * One market state for one venue/underlying: the adapters' snapshot itself (chains, forwards, perp, futures, the
 * sanity checks' usable set), which the stream, the book and the tickets all read. `asOfMs` is the market's own
 * clock (the replay clock on a replay): quotes are aged and options timed against it.
 */
export interface FeedSnapshot {
  venue: string;
  underlying: string;
  /** Where the numbers come from: a replay runs on its recording's own clock and must say so. */
  source: 'replay' | 'live' | 'scripted' | 'synthetic';
  /** Human description of the source, e.g. which recording and that it runs on the replay's own clock. */
  label: string;
  /** Monotonic update counter of the feed (one per tick). */
  seq: number;
  /** Time of the market state on the feed's own clock (replay time for a replay), ms since epoch. */
  asOfMs: number;
  /** Wall-clock time when the service received this snapshot, ms since epoch. */
  receivedAtMs: number;
  market: MarketSnapshot;
}

export type MarketListener = (snapshot: FeedSnapshot) => void;

/** A source of market snapshots for one venue/underlying. */
export interface MarketFeed {
  readonly venue: string;
  readonly underlying: string;
  current(): FeedSnapshot | undefined;
  /** Subscribe to updates; returns the unsubscribe function. */
  onUpdate(listener: MarketListener): () => void;
  /** Connected (or, for a replay, running); `/ready` also checks freshness. */
  connected(): boolean;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export const marketKey = (venue: string, underlying: string): string =>
  `${venue.toLowerCase()}/${underlying.toUpperCase()}`;

/** An LP position as the service stores it: the one position schema's LP spec, with its market and policy fixed. */
export type PositionSpec = LpPositionSpec & { venue: Venue; underlying: string };

export type StoredPosition = PositionSpec & {
  id: string;
  createdAtMs: number;
  updatedAtMs: number;
  version: number;
};
