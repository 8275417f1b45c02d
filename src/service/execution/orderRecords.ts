/**
 * An order as the store holds it (`StoredOrder`) and its `execution_orders` row: the column names are snake_case,
 * the record's camelCase, and `dryRun` is derived from the mode rather than stored.
 */
import type { SqlSession } from '../store/sql.js';
import type { HeldKind } from '../../../hedging/ledger.js';
import type { ExecutionMode } from './config.js';
import type { OrderSide, TimeInForce } from './gateway.js';
import type { OrderState } from './orderState.js';

export interface StoredOrder {
  /** The client order id (the venue's label): the order's id here too. */
  id: string;
  ticketId: string;
  legIndex: number;
  attempt: number;
  mode: ExecutionMode;
  dryRun: boolean;
  venue: string;
  underlying: string;
  instrument: string;
  kind: HeldKind;
  side: OrderSide;
  contracts: number;
  limitPrice: number;
  timeInForce: TimeInForce;
  notionalQuote: number;
  state: OrderState;
  venueOrderId: string | null;
  filledContracts: number;
  averagePrice: number | null;
  createdBy: string;
  createdAtMs: number;
  updatedAtMs: number;
}

export interface OrderRow {
  id: string;
  ticket_id: string;
  leg_index: number;
  attempt: number;
  mode: ExecutionMode;
  venue: string;
  underlying: string;
  instrument: string;
  kind: HeldKind;
  side: OrderSide;
  contracts: number;
  limit_price: number;
  time_in_force: TimeInForce;
  notional_quote: number;
  state: OrderState;
  venue_order_id: string | null;
  filled_contracts: number;
  average_price: number | null;
  created_by: string;
  created_at_ms: number;
  updated_at_ms: number;
}

export function toOrder(r: OrderRow): StoredOrder {
  return {
    id: r.id,
    ticketId: r.ticket_id,
    legIndex: r.leg_index,
    attempt: r.attempt,
    mode: r.mode,
    dryRun: r.mode === 'dry-run',
    venue: r.venue,
    underlying: r.underlying,
    instrument: r.instrument,
    kind: r.kind,
    side: r.side,
    contracts: r.contracts,
    limitPrice: r.limit_price,
    timeInForce: r.time_in_force,
    notionalQuote: r.notional_quote,
    state: r.state,
    venueOrderId: r.venue_order_id,
    filledContracts: r.filled_contracts,
    averagePrice: r.average_price,
    createdBy: r.created_by,
    createdAtMs: r.created_at_ms,
    updatedAtMs: r.updated_at_ms,
  };
}

/** The row of order `id`, if there is one. */
export function readOrderRow(session: SqlSession, id: string): Promise<OrderRow | undefined> {
  return session.get<OrderRow>('SELECT * FROM execution_orders WHERE id = ?', [id]);
}
