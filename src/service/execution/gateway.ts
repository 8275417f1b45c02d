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
