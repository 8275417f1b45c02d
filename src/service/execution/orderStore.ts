/**
 * Orders in SQLite, beside the ledger, through the store's own connection (`store.db`, better-sqlite3): every order
 * with its state, every transition as an event (append-only, orderEvents.ts), every venue fill once (keyed by the
 * venue's trade id) and, for `testnet` and `live`, as a ledger fill of the ticket **in the same transaction**
 * (fillRecording.ts): the book, the holdings and `toTrade` follow the venue with no hand entry, and a crash leaves
 * either the fill and the order's new state or neither. Dry-run fills are stored here only (marked `dry-run`), never
 * in the ledger. Every order, cancel and fill has its audit row.
 *
 * The tables are created by `ORDERS_MIGRATION` (ordersMigration.ts, version 5 of store/migrations.ts); the rows
 * map to records in orderRecords.ts.
 */
import type { Store, StoredTicket } from '../store/index.js';
import type { ExecutionMode } from './config.js';
import type { VenueTrade } from './gateway.js';
import { applyOrderUpdate, readExecutionFills } from './fillRecording.js';
import type { ExecutionFill, OrderUpdate } from './fillRecording.js';
import { appendOrderEvent, readOrderEvents } from './orderEvents.js';
import type { OrderEvent } from './orderEvents.js';
import { readOrderRow, toOrder } from './orderRecords.js';
import type { OrderRow, StoredOrder } from './orderRecords.js';
import { executionTablesPresent } from './ordersMigration.js';
import { TERMINAL_ORDER_STATES } from './orderState.js';
import { MS_PER_DAY } from '../../../pricing/time.js';
import { IlhedgeError } from '../../../pricing/errors.js';

// The store's records and its migration stay importable from here, where the rest of the service finds them.
export { ORDERS_MIGRATION, applyOrdersMigration } from './ordersMigration.js';
export type { StoredOrder } from './orderRecords.js';
export type { OrderEvent } from './orderEvents.js';
export type { ExecutionFill, OrderUpdate } from './fillRecording.js';

export interface HaltState {
  halted: boolean;
  actor: string;
  reason: string | null;
  atMs: number;
}

/** An order before it is sent: its client order id (its id in the store) and what the manager decided of it. */
export interface NewOrder extends Pick<
  StoredOrder,
  | 'ticketId'
  | 'legIndex'
  | 'attempt'
  | 'mode'
  | 'venue'
  | 'underlying'
  | 'instrument'
  | 'kind'
  | 'side'
  | 'contracts'
  | 'limitPrice'
  | 'timeInForce'
  | 'notionalQuote'
> {
  clientOrderId: string;
}

export class OrderStore {
  constructor(
    readonly store: Store,
    private readonly now: () => number = Date.now,
  ) {
    if (!executionTablesPresent(store)) {
      // Coded (internal): the message reaches the API's caller, not only the log.
      throw new IlhedgeError(
        `database ${store.path}: the execution tables are missing (ORDERS_MIGRATION, src/service/execution/ordersMigration.ts, is not applied)`,
      );
    }
  }

  private tx<T>(body: () => T): T {
    const run = this.store.db.transaction(body);
    return this.store.db.inTransaction ? run() : run.immediate();
  }

  /** Stores an order in state `new` (before it is sent), with its event and audit row. */
  createOrder(input: NewOrder, actor: string): StoredOrder {
    return this.tx(() => {
      const at = this.now();
      this.store.db
        .prepare(
          `INSERT INTO execution_orders (id, ticket_id, leg_index, attempt, mode, venue, underlying, instrument, kind, side,
             contracts, limit_price, time_in_force, notional_quote, state, created_by, created_at_ms, updated_at_ms)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'new', ?, ?, ?)`,
        )
        .run(
          input.clientOrderId,
          input.ticketId,
          input.legIndex,
          input.attempt,
          input.mode,
          input.venue,
          input.underlying,
          input.instrument,
          input.kind,
          input.side,
          input.contracts,
          input.limitPrice,
          input.timeInForce,
          input.notionalQuote,
          actor,
          at,
          at,
        );
      appendOrderEvent(this.store, this.now, {
        orderId: input.clientOrderId,
        from: null,
        to: 'new',
        filled: 0,
        actor,
        note: null,
      });
      this.store.audit(actor, 'order.place', input.clientOrderId, {
        ticketId: input.ticketId,
        legIndex: input.legIndex,
        attempt: input.attempt,
        mode: input.mode,
        venue: input.venue,
        instrument: input.instrument,
        side: input.side,
        contracts: input.contracts,
        limitPrice: input.limitPrice,
        timeInForce: input.timeInForce,
        notionalQuote: input.notionalQuote,
      });
      return this.getOrder(input.clientOrderId)!;
    });
  }

  /**
   * Applies what the venue says of an order and records its new fills, in ONE transaction (fillRecording.ts: new
   * fills stored and, unless a dry run, booked in the ledger; then the order's state moves, with an event). Returns
   * the order and the fills recorded now.
   */
  applyUpdate(
    orderId: string,
    update: OrderUpdate,
    trades: readonly VenueTrade[],
    actor: string,
    note: string | null = null,
  ): { order: StoredOrder; recorded: ExecutionFill[]; ticket: StoredTicket | null } {
    return this.tx(() => {
      const { recorded, ticket } = applyOrderUpdate(this.store, this.now, orderId, update, trades, actor, note);
      return { order: this.getOrder(orderId)!, recorded, ticket };
    });
  }

  /** An audit row for a cancel request (the cancel's outcome arrives as an update). */
  auditCancel(orderId: string, actor: string, reason: string): void {
    this.store.audit(actor, 'order.cancel', orderId, { reason });
  }

  getOrder(id: string): StoredOrder | null {
    const row = readOrderRow(this.store, id);
    return row ? toOrder(row) : null;
  }

  listOrders(filter: { ticketId?: string; mode?: ExecutionMode } = {}): StoredOrder[] {
    const where: string[] = [];
    const args: unknown[] = [];
    if (filter.ticketId !== undefined) {
      where.push('ticket_id = ?');
      args.push(filter.ticketId);
    }
    if (filter.mode !== undefined) {
      where.push('mode = ?');
      args.push(filter.mode);
    }
    const sql = `SELECT * FROM execution_orders ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY created_at_ms, ticket_id, leg_index, attempt`;
    return (this.store.db.prepare(sql).all(...args) as OrderRow[]).map(toOrder);
  }

  /** Orders not in a terminal state (new, open, partially filled). */
  workingOrders(): StoredOrder[] {
    const terminal = [...TERMINAL_ORDER_STATES].map((s) => `'${s}'`).join(', ');
    return (
      this.store.db
        .prepare(`SELECT * FROM execution_orders WHERE state NOT IN (${terminal}) ORDER BY created_at_ms, id`)
        .all() as OrderRow[]
    ).map(toOrder);
  }

  events(orderId: string): OrderEvent[] {
    return readOrderEvents(this.store, orderId);
  }

  fills(orderId: string): ExecutionFill[] {
    return readExecutionFills(this.store, orderId);
  }

  /** Contracts filled per leg of a ticket by the orders of `mode` (dry runs have no ledger fills to count). */
  filledPerLeg(ticketId: string, mode: ExecutionMode, legs: number): number[] {
    const out = new Array<number>(legs).fill(0);
    for (const o of this.listOrders({ ticketId, mode })) if (o.legIndex < legs) out[o.legIndex]! += o.filledContracts;
    return out;
  }

  /** Notional of the orders of `mode` created in the UTC day of `atMs` (rejected ones not counted). */
  notionalPlacedInDay(mode: ExecutionMode, atMs: number): number {
    const dayStart = Math.floor(atMs / MS_PER_DAY) * MS_PER_DAY;
    const row = this.store.db
      .prepare(
        `SELECT COALESCE(SUM(notional_quote), 0) AS total FROM execution_orders
         WHERE mode = ? AND created_at_ms >= ? AND created_at_ms < ? AND state <> 'rejected'`,
      )
      .get(mode, dayStart, dayStart + MS_PER_DAY) as { total: number };
    return row.total;
  }

  haltState(): HaltState {
    const row = this.store.db.prepare('SELECT * FROM execution_control WHERE id = 1').get() as
      { halted: number; actor: string; reason: string | null; at_ms: number } | undefined;
    return row
      ? { halted: row.halted === 1, actor: row.actor, reason: row.reason, atMs: row.at_ms }
      : { halted: false, actor: 'system', reason: null, atMs: 0 };
  }

  setHalted(halted: boolean, actor: string, reason: string | null): HaltState {
    return this.tx(() => {
      this.store.db
        .prepare(
          `INSERT INTO execution_control (id, halted, actor, reason, at_ms) VALUES (1, ?, ?, ?, ?)
           ON CONFLICT (id) DO UPDATE SET halted = excluded.halted, actor = excluded.actor, reason = excluded.reason, at_ms = excluded.at_ms`,
        )
        .run(halted ? 1 : 0, actor, reason, this.now());
      this.store.audit(actor, halted ? 'execution.halt' : 'execution.resume', null, reason ? { reason } : undefined);
      return this.haltState();
    });
  }
}
