/**
 * The hedge hub: on every market update the desk book (one engine, `deskBook.ts`) recomputes each affected
 * position and the market's book once; the hub serialises each websocket message once and hands the results to
 * every consumer (the stream fans the prepared frames out; the REST routes read the latest states). Work per tick is
 * O(positions), never O(positions x clients).
 *
 * Two more things reach the stream through the hub: a recompute of every state off a market tick (the ledger changed:
 * fills, entries, closes), handed to `onRefresh` listeners so the book on screen moves with the fills; and the
 * orders' updates (`attachOrders`, the store's `OrderUpdates`), each serialised once as an `order` message.
 */
import type { DeskBook } from './deskBook.js';
import type { BookHedgeState, PositionHedgeState } from './hedgeState.js';
import type { FeedSnapshot, MarketFeed, StoredPosition } from './types.js';
import { marketKey } from './types.js';
import { bookFrame, hedgeFrame, textFrame } from './wire.js';
import type { OrderUpdateEvent, OrderUpdates } from './execution/orderUpdates.js';

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

/** Every state recomputed off a market tick (after a ledger change). */
export interface RefreshResult {
  positions: PreparedState[];
  book: PreparedBook;
}

/** One order's update as a complete websocket frame: `{"type":"order","order":{..},"fills":[..]}`. */
export interface PreparedOrder {
  orderId: string;
  frame: Buffer;
}

export class HedgeHub {
  private readonly feeds = new Map<string, MarketFeed>();
  private readonly unsubscribers: (() => void)[] = [];
  private readonly latest = new Map<string, PreparedState>();
  private book: PreparedBook;
  private readonly listeners = new Set<TickListener>();
  private readonly refreshListeners = new Set<(refresh: RefreshResult) => void>();
  private readonly orderListeners = new Set<(order: PreparedOrder) => void>();
  private orders: OrderUpdates | null = null;
  private offOrders: (() => void) | null = null;
  onError: (error: unknown) => void = () => {};

  constructor(
    readonly desk: DeskBook,
    feeds: readonly MarketFeed[],
    private readonly now: () => number = Date.now,
  ) {
    for (const feed of feeds) this.feeds.set(marketKey(feed.venue, feed.underlying), feed);
    this.book = this.prepareBook(0, 0);
    desk.onBookChanged = () => this.recomputeAll();
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
    this.offOrders?.();
    this.offOrders = null;
  }

  onTick(listener: TickListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Listens to recomputes off a market tick (the ledger changed). */
  onRefresh(listener: (refresh: RefreshResult) => void): () => void {
    this.refreshListeners.add(listener);
    return () => this.refreshListeners.delete(listener);
  }

  /** Follows the orders' updates of the service's store (one source at a time: a new one replaces the last). */
  attachOrders(updates: OrderUpdates): void {
    this.offOrders?.();
    this.orders = updates;
    this.offOrders = updates.subscribe((event) => this.onOrder(event));
  }

  onOrderUpdate(listener: (order: PreparedOrder) => void): () => void {
    this.orderListeners.add(listener);
    return () => this.orderListeners.delete(listener);
  }

  /** `{"type":"orders","orders":[..]}`: the working orders and the recent finished ones (sent once per subscriber). */
  ordersSnapshotMessage(): string {
    return JSON.stringify({ type: 'orders', orders: this.orders?.snapshot() ?? [] });
  }

  private onOrder(event: OrderUpdateEvent): void {
    const prepared: PreparedOrder = {
      orderId: event.order.id,
      frame: textFrame(JSON.stringify({ type: 'order', order: event.order, fills: event.fills })),
    };
    for (const listener of this.orderListeners) {
      try {
        listener(prepared);
      } catch (error) {
        this.onError(error);
      }
    }
  }

  /** Replaces the position set (after a create/update/delete) and recomputes every state on the current markets. */
  setPositions(positions: readonly StoredPosition[]): void {
    this.desk.setPositions(positions);
    const ids = new Set(positions.map((p) => p.id));
    for (const id of [...this.latest.keys()]) if (!ids.has(id)) this.latest.delete(id);
    this.recomputeAll();
  }

  /** Re-reads the ledger and recomputes every state on the current markets (after fills, entries, closes). */
  refreshHoldings(): void {
    this.desk.refreshHoldings();
  }

  private recomputeAll(): void {
    const markets = new Set([
      ...this.feeds.keys(),
      ...this.desk.getPositions().map((p) => marketKey(p.venue, p.underlying)),
    ]);
    let seq = 0;
    let asOf = 0;
    const positions: PreparedState[] = [];
    for (const key of markets) {
      const snapshot = this.feeds.get(key)?.current();
      for (const state of this.desk.tick(key, snapshot)) positions.push(this.prepare(state));
      if (snapshot) {
        seq = Math.max(seq, snapshot.seq);
        asOf = Math.max(asOf, snapshot.asOfMs);
      }
    }
    this.book = this.prepareBook(seq, asOf);
    const refresh: RefreshResult = { positions, book: this.book };
    for (const listener of this.refreshListeners) {
      try {
        listener(refresh);
      } catch (error) {
        this.onError(error);
      }
    }
  }

  getPositions(): readonly StoredPosition[] {
    return this.desk.getPositions();
  }

  /** The latest state of a position. */
  state(positionId: string): PositionHedgeState | undefined {
    return this.latest.get(positionId)?.state;
  }

  prepared(positionId: string): PreparedState | undefined {
    return this.latest.get(positionId);
  }

  bookState(): PreparedBook {
    return this.book;
  }

  private prepare(state: PositionHedgeState): PreparedState {
    const prepared = { state, frame: hedgeFrame(state) };
    this.latest.set(state.positionId, prepared);
    return prepared;
  }

  private prepareBook(seq: number, asOfMs: number): PreparedBook {
    const state = this.desk.bookState(seq, asOfMs);
    return { state, frame: bookFrame(state) };
  }

  private onMarket(key: string, snapshot: FeedSnapshot): void {
    const receivedAtHr = performance.now();
    const affected: PreparedState[] = [];
    let states: PositionHedgeState[];
    try {
      states = this.desk.tick(key, snapshot);
    } catch (error) {
      this.onError(error);
      return;
    }
    for (const state of states) {
      state.tickAtMs = snapshot.receivedAtMs;
      affected.push(this.prepare(state));
    }
    this.book = this.prepareBook(snapshot.seq, snapshot.asOfMs);
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
}
