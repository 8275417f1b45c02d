/**
 * What the venue says of an order, applied with its fills in one transaction (the caller's: `OrderStore.applyUpdate`
 * opens it). Each venue fill is stored once, keyed by the venue's trade id, so a trade read again (after a timeout,
 * at reconcile) is never booked twice; for `testnet` and `live` it is also a ledger fill of the ticket (the store's
 * `recordTicketFills`, which nests as a savepoint), so the book follows the venue with no hand entry and a crash
 * leaves either the fill and the order's new state or neither. Dry-run fills are stored here only.
 */
import type { SqlSession } from '../store/sql.js';
import type { Store, StoredTicket } from '../store/index.js';
import type { VenueTrade } from './gateway.js';
import { readOrderRow } from './orderRecords.js';
import type { OrderRow } from './orderRecords.js';
import { appendOrderEvent } from './orderEvents.js';
import { checkTransition } from './orderState.js';
import type { OrderState } from './orderState.js';

export interface ExecutionFill {
  venue: string;
  venueTradeId: string;
  orderId: string;
  contracts: number;
  price: number;
  feeQuote: number;
  atMs: number;
  /** The ledger fill it became; null for a dry run. */
  ledgerFillId: string | null;
}

/** What the venue says of an order now. */
export interface OrderUpdate {
  state: OrderState;
  filledContracts: number;
  averagePrice?: number | null;
  venueOrderId?: string | null;
}

const FILL_EPSILON = 1e-9;

/**
 * Applies what the venue says of an order and records its new fills, inside the caller's transaction: each fill not
 * seen before (by venue trade id) is stored and, unless the order is a dry run, recorded as a ledger fill of the
 * ticket; then the order's state and filled contracts move (checked against `ORDER_TRANSITIONS`) with an event.
 * Returns the fills recorded now and the ticket as the last ledger fill left it (null when none was recorded).
 */
export async function applyOrderUpdate(
  store: Store,
  tx: SqlSession,
  now: () => number,
  orderId: string,
  update: OrderUpdate,
  trades: readonly VenueTrade[],
  actor: string,
  note: string | null,
): Promise<{ recorded: ExecutionFill[]; ticket: StoredTicket | null }> {
  const row = await readOrderRow(tx, orderId);
  if (!row) throw new Error(`order ${orderId} not found`);
  const recorded: ExecutionFill[] = [];
  let ticket: StoredTicket | null = null;
  for (const trade of trades) {
    if (row.venue_order_id !== null && trade.venueOrderId !== row.venue_order_id) continue;
    if (update.venueOrderId && trade.venueOrderId !== update.venueOrderId) continue;
    const seen = await tx.get('SELECT 1 AS seen FROM execution_fills WHERE venue = ? AND venue_trade_id = ?', [
      row.venue,
      trade.tradeId,
    ]);
    if (seen || !(trade.contracts > 0)) continue;
    let ledgerFillId: string | null = null;
    if (row.mode !== 'dry-run') {
      ticket = await recordLedgerFill(store, tx, row, trade, actor);
      ledgerFillId = ticket.fills.at(-1)?.id ?? null;
    }
    recorded.push(await storeFill(store, tx, now, row, trade, actor, ledgerFillId));
  }
  await moveOrderState(store, tx, now, row, update, actor, note);
  return { recorded, ticket };
}

/** The trade as a ledger fill of the order's ticket, signed by the order's side. */
function recordLedgerFill(
  store: Store,
  tx: SqlSession,
  row: OrderRow,
  trade: VenueTrade,
  actor: string,
): Promise<StoredTicket> {
  return store.recordTicketFillsIn(
    tx,
    row.ticket_id,
    [
      {
        instrument: row.instrument,
        contracts: row.side === 'buy' ? trade.contracts : -trade.contracts,
        price: trade.price,
        feeQuote: trade.feeQuote,
        venueOrderId: trade.venueOrderId,
        atMs: trade.atMs,
      },
    ],
    actor,
    { note: `order ${row.id} (${row.mode}) trade ${trade.tradeId}` },
  );
}

/** The trade as an execution fill of the order (linked to its ledger fill, if any), with its audit row. */
async function storeFill(
  store: Store,
  tx: SqlSession,
  now: () => number,
  row: OrderRow,
  trade: VenueTrade,
  actor: string,
  ledgerFillId: string | null,
): Promise<ExecutionFill> {
  const orderId = row.id;
  const fill: ExecutionFill = {
    venue: row.venue,
    venueTradeId: trade.tradeId,
    orderId,
    contracts: trade.contracts,
    price: trade.price,
    feeQuote: trade.feeQuote,
    atMs: trade.atMs,
    ledgerFillId,
  };
  await tx.run(
    `INSERT INTO execution_fills (venue, venue_trade_id, order_id, contracts, price, fee_quote, at_ms, recorded_at_ms, ledger_fill_id)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [fill.venue, fill.venueTradeId, orderId, fill.contracts, fill.price, fill.feeQuote, fill.atMs, now(), ledgerFillId],
  );
  await store.auditIn(tx, actor, 'order.fill', orderId, {
    tradeId: trade.tradeId,
    contracts: trade.contracts,
    price: trade.price,
    feeQuote: trade.feeQuote,
    mode: row.mode,
    ledgerFillId,
  });
  return fill;
}

/** The order's state, filled contracts and venue id moved to the update's, with an event when state or fill moved. */
async function moveOrderState(
  store: Store,
  tx: SqlSession,
  now: () => number,
  row: OrderRow,
  update: OrderUpdate,
  actor: string,
  note: string | null,
): Promise<void> {
  const orderId = row.id;
  const filled = Math.max(row.filled_contracts, update.filledContracts);
  const to = update.state;
  const filledChanged = Math.abs(filled - row.filled_contracts) > FILL_EPSILON;
  const venueId = update.venueOrderId ?? row.venue_order_id;
  if (to !== row.state || filledChanged) {
    // A further fill without a state change is allowed only as partially-filled -> partially-filled.
    checkTransition(orderId, row.state, to);
    await tx.run(
      `UPDATE execution_orders SET state = ?, filled_contracts = ?, average_price = ?, venue_order_id = ?, updated_at_ms = ?
       WHERE id = ?`,
      [to, filled, update.averagePrice ?? row.average_price, venueId, now(), orderId],
    );
    await appendOrderEvent(tx, now, {
      orderId,
      from: row.state,
      to,
      filled,
      actor,
      note,
      detail: venueId ? { venueOrderId: venueId } : undefined,
    });
    if (to === 'cancelled' || to === 'rejected' || to === 'expired') {
      await store.auditIn(tx, actor, `order.${to}`, orderId, { filledContracts: filled, ...(note ? { note } : {}) });
    }
  } else if (venueId !== row.venue_order_id) {
    await tx.run('UPDATE execution_orders SET venue_order_id = ?, updated_at_ms = ? WHERE id = ?', [
      venueId,
      now(),
      orderId,
    ]);
  }
}

/** The execution fills of order `orderId`, in the order they happened at the venue. */
export async function readExecutionFills(session: SqlSession, orderId: string): Promise<ExecutionFill[]> {
  const rows = await session.all<{
    venue: string;
    venue_trade_id: string;
    order_id: string;
    contracts: number;
    price: number;
    fee_quote: number;
    at_ms: number;
    ledger_fill_id: string | null;
  }>('SELECT * FROM execution_fills WHERE order_id = ? ORDER BY at_ms, recorded_at_ms, venue_trade_id', [orderId]);
  return rows.map((r) => ({
    venue: r.venue,
    venueTradeId: r.venue_trade_id,
    orderId: r.order_id,
    contracts: r.contracts,
    price: r.price,
    feeQuote: r.fee_quote,
    atMs: r.at_ms,
    ledgerFillId: r.ledger_fill_id,
  }));
}
