/**
 * What the order manager asks of a venue, in contracts and in the instrument's price currency (option premiums in
 * the coin on Deribit, perps in USD): the gateway converts to the venue's own amounts (Deribit inverse perps trade in
 * USD, options in the coin). Two implementations: `DryRunGateway` (simulated against the current book, nothing is
 * sent) and `CcxtGateway` (the venue through ccxt, its testnet in sandbox mode).
 */
import type { HeldKind } from '../../../hedging/ledger.js';
import type { ExecutionMode } from './config.js';

export type OrderSide = 'buy' | 'sell';
export type TimeInForce = 'gtc' | 'post-only' | 'ioc';

export interface PlaceOrderRequest {
  clientOrderId: string;
  underlying: string;
  /** The venue's instrument id (`BTC-29MAY26-75000-P`, `BTC-PERPETUAL`). */
  instrument: string;
  kind: HeldKind;
  side: OrderSide;
  /** Unsigned contracts. */
  contracts: number;
  /** Limit price in the instrument's price currency. */
  price: number;
  timeInForce: TimeInForce;
}

/** The venue's view of one order. */
export interface VenueOrder {
  venueOrderId: string;
  /** The label / client order id the order carries, null when it has none. */
  clientOrderId: string | null;
  instrument: string;
  side: OrderSide;
  /** The venue's status word (ccxt unified: open, closed, canceled, rejected, expired). */
  status: string;
  contracts: number;
  filledContracts: number;
  /** Average fill price, price currency; null before any fill. */
  averagePrice: number | null;
  price: number | null;
  updatedAtMs: number | null;
}

/** One fill of one of the account's orders. */
export interface VenueTrade {
  tradeId: string;
  venueOrderId: string;
  clientOrderId: string | null;
  instrument: string;
  side: OrderSide;
  /** Unsigned contracts. */
  contracts: number;
  price: number;
  /** The fee in the quote currency (a coin fee converted at the trade's index price); negative: a rebate. */
  feeQuote: number;
  atMs: number;
}

export interface VenueGateway {
  readonly venue: string;
  readonly mode: ExecutionMode;
  /** Places a limit order carrying `clientOrderId`. A rejection throws; so does a failure of unknown outcome. */
  placeLimitOrder(request: PlaceOrderRequest): Promise<VenueOrder>;
  cancelOrder(venueOrderId: string, underlying: string, instrument: string): Promise<VenueOrder>;
  /** The order with this client order id (label), open or not, or null if the venue has none. */
  fetchOrderByClientId(clientOrderId: string, underlying: string, instrument: string): Promise<VenueOrder | null>;
  /** Every open order of the account on the underlying's instruments. */
  fetchOpenOrders(underlying: string): Promise<VenueOrder[]>;
  /** The account's fills on the underlying's instruments since `sinceMs`. */
  fetchMyTradesSince(underlying: string, sinceMs: number): Promise<VenueTrade[]>;
  /**
   * The venue's pushes of the account's orders and fills (ccxt pro `watchOrders` + `watchMyTrades`), where the venue
   * has them; absent, orders are followed by polling only (orderSync.ts).
   */
  readonly orderFeed?: OrderFeed;
  close(): Promise<void>;
}

/** What the feed last heard of one order: its state and every fill of it pushed so far. */
export interface PushedOrder {
  order: VenueOrder;
  trades: VenueTrade[];
}

/**
 * A push subscription of the account's orders and trades. It is `live` once the venue has acknowledged both
 * channels on the current connection; a dropped connection makes it not live until ccxt has reconnected and the
 * venue acknowledged again, and each time it comes up `generation` grows: a follower that last read an order at an
 * older generation (or while the feed was down) reads it once by REST before trusting pushes again, so nothing pushed
 * while the feed was down is missed.
 */
export interface OrderFeed {
  /**
   * Starts the subscription if it is not running, with the underlying's markets loaded, and waits up to `timeoutMs`
   * for it to be live; when it is already running, answers at once whether it is live.
   */
  start(underlying: string, timeoutMs: number): Promise<boolean>;
  isLive(): boolean;
  /** Grows by one each time the subscription comes up (0 before the first time). */
  readonly generation: number;
  /** The last pushed state of the order carrying this client order id, null if nothing was pushed for it. */
  latest(clientOrderId: string, underlying: string): Promise<PushedOrder | null>;
  /** Resolves at the next push of the order (or of a fill of it), a change of liveness, or after `timeoutMs`. */
  waitForChange(clientOrderId: string, timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * True when a failed call may still have reached the venue (a timeout, a dropped connection, an unreadable
 * answer): the order must be looked up by its client order id before anything else is sent.
 */
export function outcomeUnknown(error: unknown): boolean {
  const kind = (error as { kind?: unknown } | null)?.kind;
  if (typeof kind !== 'string') return true;
  return (
    kind === 'timeout' || kind === 'network' || kind === 'unavailable' || kind === 'bad-response' || kind === 'unknown'
  );
}
