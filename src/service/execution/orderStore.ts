/**
 * Orders in the store's database, beside the ledger, through the store's own transactions (`store.db`): every order
 * with its state, every transition as an event (append-only, orderEvents.ts), every venue fill once (keyed by the
 * venue's trade id) and, for `testnet` and `live`, as a ledger fill of the ticket **in the same transaction**
 * (fillRecording.ts): the book, the holdings and `toTrade` follow the venue with no hand entry, and a crash leaves
 * either the fill and the order's new state or neither. Dry-run fills are stored here only (marked `dry-run`), never
 * in the ledger. Every order, cancel and fill has its audit row.
 *
 * The tables are created by `ORDERS_MIGRATION` (ordersMigration.ts, version 5 of store/migrations.ts); the rows
 * map to records in orderRecords.ts.
 */
import type { SqlSession, SqlValue } from '../store/sql.js';
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
import { MS_PER_DAY, IlhedgeError } from '../../../hedging/index.js';

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
  /** The kill switch as last read or set; refreshed on every `halt` change (another instance's too). */
  private halt: HaltState = { halted: false, actor: 'system', reason: null, atMs: 0 };

  protected constructor(
    readonly store: Store,
    private readonly now: () => number,
  ) {}

  /** The order store of `store`, with the kill switch's state read. Refuses a database without the tables. */
  static async open(store: Store, now: () => number = Date.now): Promise<OrderStore> {
    const orders = new OrderStore(store, now);
    await orders.init();
    return orders;
  }

  /** Checks the tables are there and reads the kill switch (`open` calls it; so do subclasses' openers). */
  protected async init(): Promise<void> {
    if (!(await executionTablesPresent(this.store))) {
      // Coded (internal): the message reaches the API's caller, not only the log.
      throw new IlhedgeError(
        `database ${this.store.path}: the execution tables are missing (ORDERS_MIGRATION, src/service/execution/ordersMigration.ts, is not applied)`,
      );
    }
    await this.refreshHalt();
  }

  private tx<T>(what: string, body: (tx: SqlSession) => Promise<T>): Promise<T> {
    return this.store.db.transaction(what, body);
  }

  /** Stores an order in state `new` (before it is sent), with its event and audit row. */
  createOrder(input: NewOrder, actor: string): Promise<StoredOrder> {
    return this.tx('order create', async (tx) => {
      const at = this.now();
      await tx.run(
        `INSERT INTO execution_orders (id, ticket_id, leg_index, attempt, mode, venue, underlying, instrument, kind, side,
           contracts, limit_price, time_in_force, notional_quote, state, created_by, created_at_ms, updated_at_ms)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'new', ?, ?, ?)`,
        [
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
        ],
      );
      await appendOrderEvent(tx, this.now, {
        orderId: input.clientOrderId,
        from: null,
        to: 'new',
        filled: 0,
        actor,
        note: null,
      });
      await this.store.auditIn(tx, actor, 'order.place', input.clientOrderId, {
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
      await this.store.db.publish(tx, { kind: 'order', id: input.clientOrderId });
      return toOrder((await readOrderRow(tx, input.clientOrderId))!);
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
  ): Promise<{ order: StoredOrder; recorded: ExecutionFill[]; ticket: StoredTicket | null }> {
    return this.tx('order update', async (tx) => {
      const { recorded, ticket } = await applyOrderUpdate(
        this.store,
        tx,
        this.now,
        orderId,
        update,
        trades,
        actor,
        note,
      );
      await this.store.db.publish(tx, { kind: 'order', id: orderId });
      return { order: toOrder((await readOrderRow(tx, orderId))!), recorded, ticket };
    });
  }

  /** An audit row for a cancel request (the cancel's outcome arrives as an update). */
  auditCancel(orderId: string, actor: string, reason: string): Promise<void> {
    return this.store.audit(actor, 'order.cancel', orderId, { reason });
  }

  async getOrder(id: string): Promise<StoredOrder | null> {
    const row = await this.store.db.read('order lookup', (s) => readOrderRow(s, id));
    return row ? toOrder(row) : null;
  }

  async listOrders(filter: { ticketId?: string; mode?: ExecutionMode } = {}): Promise<StoredOrder[]> {
    const where: string[] = [];
    const args: SqlValue[] = [];
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
    return (await this.store.db.read('listing orders', (s) => s.all<OrderRow>(sql, args))).map(toOrder);
  }

  /** Orders not in a terminal state (new, open, partially filled). */
  async workingOrders(): Promise<StoredOrder[]> {
    const terminal = [...TERMINAL_ORDER_STATES].map((s) => `'${s}'`).join(', ');
    const rows = await this.store.db.read('listing working orders', (s) =>
      s.all<OrderRow>(`SELECT * FROM execution_orders WHERE state NOT IN (${terminal}) ORDER BY created_at_ms, id`),
    );
    return rows.map(toOrder);
  }

  events(orderId: string): Promise<OrderEvent[]> {
    return this.store.db.read('listing order events', (s) => readOrderEvents(s, orderId));
  }

  fills(orderId: string): Promise<ExecutionFill[]> {
    return this.store.db.read('listing execution fills', (s) => readExecutionFills(s, orderId));
  }

  /** Contracts filled per leg of a ticket by the orders of `mode` (dry runs have no ledger fills to count). */
  async filledPerLeg(ticketId: string, mode: ExecutionMode, legs: number): Promise<number[]> {
    const out = new Array<number>(legs).fill(0);
    for (const o of await this.listOrders({ ticketId, mode })) {
      if (o.legIndex < legs) out[o.legIndex]! += o.filledContracts;
    }
    return out;
  }

  /** Notional of the orders of `mode` created in the UTC day of `atMs` (rejected ones not counted). */
  async notionalPlacedInDay(mode: ExecutionMode, atMs: number): Promise<number> {
    const dayStart = Math.floor(atMs / MS_PER_DAY) * MS_PER_DAY;
    const row = await this.store.db.read('summing the day notional', (s) =>
      s.get<{ total: number }>(
        `SELECT COALESCE(SUM(notional_quote), 0) AS total FROM execution_orders
         WHERE mode = ? AND created_at_ms >= ? AND created_at_ms < ? AND state <> 'rejected'`,
        [mode, dayStart, dayStart + MS_PER_DAY],
      ),
    );
    return Number(row?.total ?? 0);
  }

  /** The kill switch as last known (read at each step of an execution, so it must not wait for the database). */
  haltState(): HaltState {
    return this.halt;
  }

  /** Reads the kill switch from the database (at start, and when any instance changed it). */
  async refreshHalt(): Promise<HaltState> {
    const row = await this.store.db.read('reading the kill switch', (s) => readHalt(s));
    this.halt = row;
    return row;
  }

  setHalted(halted: boolean, actor: string, reason: string | null): Promise<HaltState> {
    return this.tx(halted ? 'execution halt' : 'execution resume', async (tx) => {
      await tx.run(
        `INSERT INTO execution_control (id, halted, actor, reason, at_ms) VALUES (1, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET halted = excluded.halted, actor = excluded.actor, reason = excluded.reason, at_ms = excluded.at_ms`,
        [halted ? 1 : 0, actor, reason, this.now()],
      );
      await this.store.auditIn(
        tx,
        actor,
        halted ? 'execution.halt' : 'execution.resume',
        null,
        reason ? { reason } : undefined,
      );
      await this.store.db.publish(tx, { kind: 'halt', id: null });
      this.halt = await readHalt(tx);
      return this.halt;
    });
  }
}

async function readHalt(session: SqlSession): Promise<HaltState> {
  const row = await session.get<{ halted: number; actor: string; reason: string | null; at_ms: number }>(
    'SELECT * FROM execution_control WHERE id = 1',
  );
  return row
    ? { halted: Number(row.halted) === 1, actor: row.actor, reason: row.reason, atMs: row.at_ms }
    : { halted: false, actor: 'system', reason: null, atMs: 0 };
}
