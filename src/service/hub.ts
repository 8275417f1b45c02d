/**
 * The hedge hub: on every market update it computes each affected position's hedge state once, serialises the
 * websocket message once, recomputes the book, and hands the results to every consumer (the stream fans the
 * prepared strings out; the REST routes read the latest states). Work per tick is O(positions), never
 * O(positions x clients).
 */
import type {
  BookHedgeState,
  FeedSnapshot,
  HedgeEngine,
  MarketFeed,
  PositionHedgeState,
  StoredPosition,
} from './types.js';
import { marketKey } from './types.js';
import { bookFrame, hedgeFrame } from './wire.js';

export interface PreparedState {
  state: PositionHedgeState;
  /**
   * The `{"type":"hedge",...}` message (wire.ts) as a complete websocket text frame, built once per tick and written
   * as is to every subscriber. Only the frame is kept: the string would be one more object per position surviving
   * into the next garbage collection, and those survivors are what the collector's pauses scale with.
   */
  frame: Buffer;
}

/** The book's state and its websocket frame. */
export interface PreparedBook {
  state: BookHedgeState;
  frame: Buffer;
}

export interface TickResult {
  marketKey: string;
  seq: number;
  /** Wall-clock ms when the feed delivered the tick (for tick-to-push latency). */
  receivedAtMs: number;
  /** High-resolution receipt time (performance.now()), for the latency histogram. */
  receivedAtHr: number;
  positions: PreparedState[];
  book: PreparedBook;
}

export type TickListener = (tick: TickResult) => void;

export class HedgeHub {
  private readonly feeds = new Map<string, MarketFeed>();
  private readonly unsubscribers: (() => void)[] = [];
  private positions: StoredPosition[] = [];
  /** marketKey of each entry of `positions`, computed once per position set instead of once per tick. */
  private positionMarkets: string[] = [];
  private readonly latest = new Map<string, PreparedState>();
  private book: PreparedBook;
  private readonly listeners = new Set<TickListener>();
  onError: (error: unknown) => void = () => {};

  constructor(
    private readonly engine: HedgeEngine,
    feeds: readonly MarketFeed[],
    private readonly now: () => number = Date.now,
  ) {
    for (const feed of feeds) this.feeds.set(marketKey(feed.venue, feed.underlying), feed);
    this.book = this.computeBook(0, 0);
  }

  get engineName(): string {
    return this.engine.name;
  }

  feedList(): MarketFeed[] {
    return [...this.feeds.values()];
  }

  feed(venue: string, underlying: string): MarketFeed | undefined {
    return this.feeds.get(marketKey(venue, underlying));
  }

  markets(): Map<string, FeedSnapshot> {
    const out = new Map<string, FeedSnapshot>();
    for (const [key, feed] of this.feeds) {
      const snapshot = feed.current();
      if (snapshot) out.set(key, snapshot);
    }
    return out;
  }

  start(): void {
    for (const [key, feed] of this.feeds) {
      this.unsubscribers.push(feed.onUpdate((snapshot) => this.onMarket(key, snapshot)));
    }
  }

  stop(): void {
    for (const off of this.unsubscribers.splice(0)) off();
  }

  onTick(listener: TickListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Replaces the position set (after a create/update/delete) and recomputes every state on the current markets. */
  setPositions(positions: readonly StoredPosition[]): void {
    this.positions = [...positions];
    this.positionMarkets = this.positions.map((p) => marketKey(p.venue, p.underlying));
    const ids = new Set(positions.map((p) => p.id));
    for (const id of [...this.latest.keys()]) if (!ids.has(id)) this.latest.delete(id);
    const nowMs = this.now();
    let seq = 0;
    let asOf = 0;
    for (const position of this.positions) {
      const market = this.feeds.get(marketKey(position.venue, position.underlying))?.current();
      this.prepare(position, market, nowMs);
      if (market) {
        seq = Math.max(seq, market.seq);
        asOf = Math.max(asOf, market.asOfMs);
      }
    }
    this.book = this.computeBook(seq, asOf);
  }

  getPositions(): readonly StoredPosition[] {
    return this.positions;
  }

  /** The latest state of a position, refreshed for quote age. */
  state(positionId: string): PositionHedgeState | undefined {
    const prepared = this.latest.get(positionId);
    if (!prepared) return undefined;
    const market = this.feeds.get(marketKey(prepared.state.venue, prepared.state.underlying))?.current();
    if (!market) return prepared.state;
    return Object.assign(Object.create(null) as object, prepared.state, {
      quoteAgeMs: Math.max(0, this.now() - market.receivedAtMs),
    }) as PositionHedgeState;
  }

  prepared(positionId: string): PreparedState | undefined {
    return this.latest.get(positionId);
  }

  bookState(): PreparedBook {
    return this.book;
  }

  private prepare(position: StoredPosition, market: FeedSnapshot | undefined, nowMs: number): PreparedState {
    let state: PositionHedgeState;
    try {
      state = this.engine.positionState(position, market, nowMs);
    } catch (error) {
      this.onError(error);
      state = this.engine.positionState(position, undefined, nowMs);
      state.error = error instanceof Error ? error.message : String(error);
    }
    const prepared = { state, frame: hedgeFrame(state) };
    this.latest.set(position.id, prepared);
    return prepared;
  }

  private onMarket(key: string, snapshot: FeedSnapshot): void {
    const receivedAtHr = performance.now();
    const nowMs = this.now();
    const affected: PreparedState[] = [];
    for (let i = 0; i < this.positions.length; i++) {
      if (this.positionMarkets[i] !== key) continue;
      affected.push(this.prepare(this.positions[i]!, snapshot, nowMs));
    }
    this.book = this.computeBook(snapshot.seq, snapshot.asOfMs);
    const tick: TickResult = {
      marketKey: key,
      seq: snapshot.seq,
      receivedAtMs: snapshot.receivedAtMs,
      receivedAtHr,
      positions: affected,
      book: this.book,
    };
    for (const listener of this.listeners) {
      try {
        listener(tick);
      } catch (error) {
        this.onError(error);
      }
    }
  }

  private computeBook(seq: number, asOfMs: number): PreparedBook {
    const byUnderlying: BookHedgeState['byUnderlying'] = {};
    let valueQuote = 0;
    let bandBreaches = 0;
    for (const position of this.positions) {
      const state = this.latest.get(position.id)?.state;
      if (!state || !Number.isFinite(state.delta)) continue;
      const key = marketKey(state.venue, state.underlying);
      const agg = (byUnderlying[key] ??= { delta: 0, gamma: 0, valueQuote: 0, perpQuantityBase: 0 });
      agg.delta += state.delta;
      agg.gamma += state.gamma;
      agg.valueQuote += state.valueQuote;
      agg.perpQuantityBase += state.perp?.quantityBase ?? 0;
      valueQuote += state.valueQuote;
      if (state.band.status === 'breach') bandBreaches++;
    }
    const state: BookHedgeState = {
      seq,
      asOfMs,
      positions: this.positions.length,
      valueQuote,
      byUnderlying,
      bandBreaches,
    };
    return { state, frame: bookFrame(state) };
  }
}
