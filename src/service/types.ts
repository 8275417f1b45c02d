/**
 * The small interfaces the desk service consumes. The service owns HTTP, websockets, SQLite and the process; the
 * market comes in through `MarketFeed` (the built-in replay, a recording, a scripted test feed), the hedging through
 * the desk book (`deskBook.ts`, on `hedging/`).
 */
import type { MarketSnapshot, Venue } from '../../adapters/index.js';
import type { BalancePositionSpec, LpPositionSpec } from '../../hedging/index.js';

/**
 * One market state for one venue/underlying: the adapters' snapshot itself (chains, forwards, perp, futures, the
 * sanity checks' usable set), which the stream, the book and the tickets all read. `asOfMs` is the market's own
 * clock (the replay clock on a replay): quotes are aged and options timed against it.
 */
export interface FeedSnapshot {
  venue: string;
  underlying: string;
  /**
   * Where the numbers come from: `live` a venue's feed; `replay` a recording replayed on its own clock; `demo` the
   * packaged data moved along a synthetic path (`npm start`). A replay or demo must say so everywhere.
   */
  source: 'replay' | 'live' | 'demo' | 'scripted' | 'synthetic';
  /** Human description of the source, e.g. which recording and that it runs on the replay's own clock. */
  label: string;
  /** Monotonic update counter of the feed (one per tick). */
  seq: number;
  /** Time of the market state on the feed's own clock (replay time for a replay), ms since epoch. */
  asOfMs: number;
  /** Wall-clock time when the service received this snapshot, ms since epoch. */
  receivedAtMs: number;
  market: MarketSnapshot;
  /**
   * The feed knows its data is not the market now (a live stream that is down or rate-limited), whatever the age
   * of its last quotes: the book shows it stale at once and hedges nothing on it.
   */
  stale?: boolean;
}

/** Which data a feed runs on: the kind, the venue and a human label (which recording, which endpoint). */
export interface DataSourceInfo {
  kind: 'live' | 'replay' | 'demo' | 'scripted';
  venue: string;
  underlying: string;
  label: string;
  /** Live feeds: the stream's state (`up`, `down`, `rate-limited`...), the endpoints and the symbols subscribed. */
  status?: string;
  endpoints?: { rest: string; ws: string };
  subscribed?: number;
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
  /** What data this feed runs on, for `/health`, `/ready` and the logs (default: from the snapshot's source). */
  dataSource?(): DataSourceInfo;
  /**
   * Set by `--demo`: this feed's replayed or demo data may make `/ready` 200. Without it `/ready` is 503 on
   * anything but live data, so no orchestrator routes a desk to a service that is not on the market.
   */
  readyOnRecordedData?: boolean;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export const marketKey = (venue: string, underlying: string): string =>
  `${venue.toLowerCase()}/${underlying.toUpperCase()}`;

/**
 * A position as the service stores it: the one position schema's LP spec, with its market and policy fixed, or a
 * venue balance (collateral) with the market it is counted in (hedging/collateral.ts).
 */
export type PositionSpec = LpStoredSpec | BalanceStoredSpec;
export type LpStoredSpec = LpPositionSpec & { venue: Venue; underlying: string };
/** A balance has no hedge policy of its own (`policy` is never set: code reading a position's policy reads none). */
export type BalanceStoredSpec = BalancePositionSpec & { underlying: string; policy?: undefined };

export type StoredPosition = PositionSpec & {
  id: string;
  createdAtMs: number;
  updatedAtMs: number;
  version: number;
};
