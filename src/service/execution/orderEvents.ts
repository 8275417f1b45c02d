/**
 * The orders' event log, `execution_order_events`: every state transition of an order, with who moved it and why.
 * Append-only (the migration's triggers refuse updates and deletes), so an order's history can be replayed as it
 * happened.
 */
import type { SqlSession } from '../store/sql.js';
import type { OrderState } from './orderState.js';

export interface OrderEvent {
  id: number;
  orderId: string;
  from: OrderState | null;
  to: OrderState;
  filledContracts: number;
  actor: string;
  note: string | null;
  detail: unknown;
  atMs: number;
}

/** Appends one transition of an order (`from` null for its creation), stamped with `now()` as it is written. */
export async function appendOrderEvent(
  tx: SqlSession,
  now: () => number,
  event: {
    orderId: string;
    from: OrderState | null;
    to: OrderState;
    filled: number;
    actor: string;
    note: string | null;
    detail?: unknown;
  },
): Promise<void> {
  const { orderId, from, to, filled, actor, note, detail } = event;
  await tx.run(
    `INSERT INTO execution_order_events (order_id, from_state, to_state, filled_contracts, actor, note, detail_json, at_ms)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    [orderId, from, to, filled, actor, note, detail === undefined ? null : JSON.stringify(detail), now()],
  );
}

/** The events of order `orderId`, oldest first. */
export async function readOrderEvents(session: SqlSession, orderId: string): Promise<OrderEvent[]> {
  const rows = await session.all<{
    id: number;
    order_id: string;
    from_state: OrderState | null;
    to_state: OrderState;
    filled_contracts: number;
    actor: string;
    note: string | null;
    detail_json: string | null;
    at_ms: number;
  }>('SELECT * FROM execution_order_events WHERE order_id = ? ORDER BY id', [orderId]);
  return rows.map((r) => ({
    id: r.id,
    orderId: r.order_id,
    from: r.from_state,
    to: r.to_state,
    filledContracts: r.filled_contracts,
    actor: r.actor,
    note: r.note,
    detail: r.detail_json === null ? null : (JSON.parse(r.detail_json) as unknown),
    atMs: r.at_ms,
  }));
}
