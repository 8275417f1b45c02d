/**
 * Orders in SQLite, beside the ledger, through the store's own connection (`store.db`, better-sqlite3): every order
 * with its state, every transition as an event (append-only), every venue fill once (keyed by the venue's trade id)
 * and, for `testnet` and `live`, as a ledger fill of the ticket **in the same transaction** (the store's
 * `recordTicketFills`, which nests as a savepoint): the book, the holdings and `toTrade` follow the venue with no
 * hand entry, and a crash leaves either the fill and the order's new state or neither. Dry-run fills are stored
 * here only (marked `dry-run`), never in the ledger. Every order, cancel and fill has its audit row.
 *
 * The tables are created by `ORDERS_MIGRATION` (to be registered as the next version of store/migrations.ts).
 */
import type { Store, StoredTicket } from '../store/index.js';
import type { HeldKind } from '../../../hedging/ledger.js';
import type { ExecutionMode } from './config.js';
import type { OrderSide, TimeInForce, VenueTrade } from './gateway.js';
import { ORDER_STATES, TERMINAL_ORDER_STATES, checkTransition } from './orderState.js';
import type { OrderState } from './orderState.js';
import { MS_PER_DAY } from '../../../pricing/time.js';
import { IlhedgeError } from '../../../pricing/errors.js';

const states = ORDER_STATES.map((s) => `'${s}'`).join(', ');

export const ORDERS_MIGRATION = {
  description:
    'execution: orders with their state, append-only order events and venue fills (each linked to its ledger fill), the kill switch',
  sql: `
    CREATE TABLE execution_orders (
      id TEXT PRIMARY KEY,
      ticket_id TEXT NOT NULL REFERENCES tickets (id),
      leg_index INTEGER NOT NULL CHECK (leg_index >= 0),
      attempt INTEGER NOT NULL CHECK (attempt >= 0),
      mode TEXT NOT NULL CHECK (mode IN ('dry-run', 'testnet', 'live')),
      venue TEXT NOT NULL,
      underlying TEXT NOT NULL,
      instrument TEXT NOT NULL,
      kind TEXT NOT NULL CHECK (kind IN ('option', 'perp', 'future')),
      side TEXT NOT NULL CHECK (side IN ('buy', 'sell')),
      contracts REAL NOT NULL CHECK (contracts > 0),
      limit_price REAL NOT NULL CHECK (limit_price > 0),
      time_in_force TEXT NOT NULL CHECK (time_in_force IN ('gtc', 'post-only', 'ioc')),
      notional_quote REAL NOT NULL,
      state TEXT NOT NULL CHECK (state IN (${states})),
      venue_order_id TEXT,
      filled_contracts REAL NOT NULL DEFAULT 0 CHECK (filled_contracts >= 0),
      average_price REAL,
      created_by TEXT NOT NULL,
      created_at_ms INTEGER NOT NULL,
      updated_at_ms INTEGER NOT NULL,
      UNIQUE (ticket_id, leg_index, attempt, mode)
    );
    CREATE INDEX execution_orders_ticket ON execution_orders (ticket_id);
    CREATE INDEX execution_orders_state ON execution_orders (state);
    CREATE INDEX execution_orders_created ON execution_orders (mode, created_at_ms);
    CREATE TABLE execution_order_events (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      order_id TEXT NOT NULL REFERENCES execution_orders (id),
      from_state TEXT,
      to_state TEXT NOT NULL CHECK (to_state IN (${states})),
      filled_contracts REAL NOT NULL,
      actor TEXT NOT NULL,
      note TEXT,
      detail_json TEXT,
      at_ms INTEGER NOT NULL
    );
    CREATE INDEX execution_order_events_order ON execution_order_events (order_id);
    CREATE TABLE execution_fills (
      venue TEXT NOT NULL,
      venue_trade_id TEXT NOT NULL,
      order_id TEXT NOT NULL REFERENCES execution_orders (id),
      contracts REAL NOT NULL CHECK (contracts > 0),
      price REAL NOT NULL CHECK (price > 0),
      fee_quote REAL NOT NULL,
      at_ms INTEGER NOT NULL,
      recorded_at_ms INTEGER NOT NULL,
      ledger_fill_id TEXT REFERENCES fills (id),
      PRIMARY KEY (venue, venue_trade_id)
    );
    CREATE INDEX execution_fills_order ON execution_fills (order_id);
    CREATE TABLE execution_control (
      id INTEGER PRIMARY KEY CHECK (id = 1),
      halted INTEGER NOT NULL CHECK (halted IN (0, 1)),
      actor TEXT NOT NULL,
      reason TEXT,
      at_ms INTEGER NOT NULL
    );
    CREATE TRIGGER execution_order_events_no_update BEFORE UPDATE ON execution_order_events
      BEGIN SELECT RAISE(ABORT, 'order events are append-only'); END;
    CREATE TRIGGER execution_order_events_no_delete BEFORE DELETE ON execution_order_events
      BEGIN SELECT RAISE(ABORT, 'order events are append-only'); END;
    CREATE TRIGGER execution_fills_no_update BEFORE UPDATE ON execution_fills
      BEGIN SELECT RAISE(ABORT, 'execution fills are append-only'); END;
    CREATE TRIGGER execution_fills_no_delete BEFORE DELETE ON execution_fills
      BEGIN SELECT RAISE(ABORT, 'execution fills are append-only'); END;
  `,
} as const;

const EXECUTION_TABLES = ['execution_orders', 'execution_order_events', 'execution_fills', 'execution_control'];

function executionTablesPresent(store: Store): number {
  const row = store.db
    .prepare(
      `SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name IN (${EXECUTION_TABLES.map(() => '?').join(', ')})`,
    )
    .get(...EXECUTION_TABLES) as { n: number };
  return row.n;
}

/**
 * Applies `ORDERS_MIGRATION` to a store's database unless its tables are there already (tests, until it is a
 * registered version of store/migrations.ts; once it is, this does nothing).
 */
export function applyOrdersMigration(store: Store): void {
  if (executionTablesPresent(store) === EXECUTION_TABLES.length) return;
  store.db.transaction(() => store.db.exec(ORDERS_MIGRATION.sql))();
}

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

export interface HaltState {
  halted: boolean;
  actor: string;
  reason: string | null;
  atMs: number;
}

interface OrderRow {
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

function toOrder(r: OrderRow): StoredOrder {
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

export interface NewOrder {
  clientOrderId: string;
  ticketId: string;
  legIndex: number;
  attempt: number;
  mode: ExecutionMode;
  venue: string;
  underlying: string;
  instrument: string;
  kind: HeldKind;
  side: OrderSide;
  contracts: number;
  limitPrice: number;
  timeInForce: TimeInForce;
  notionalQuote: number;
}

/** What the venue says of an order now. */
export interface OrderUpdate {
  state: OrderState;
  filledContracts: number;
  averagePrice?: number | null;
  venueOrderId?: string | null;
}

const FILL_EPSILON = 1e-9;

export class OrderStore {
  constructor(
    readonly store: Store,
    private readonly now: () => number = Date.now,
  ) {
    const present = executionTablesPresent(store);
    if (present !== EXECUTION_TABLES.length) {
      // Coded (internal): the message reaches the API's caller, not only the log.
      throw new IlhedgeError(
        `database ${store.path}: the execution tables are missing (ORDERS_MIGRATION, src/service/execution/orderStore.ts, is not applied)`,
      );
    }
  }

  private tx<T>(body: () => T): T {
    const run = this.store.db.transaction(body);
    return this.store.db.inTransaction ? run() : run.immediate();
  }

  private event(
    orderId: string,
    from: OrderState | null,
    to: OrderState,
    filled: number,
    actor: string,
    note: string | null,
    detail?: unknown,
  ): void {
    this.store.db
      .prepare(
        `INSERT INTO execution_order_events (order_id, from_state, to_state, filled_contracts, actor, note, detail_json, at_ms)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(orderId, from, to, filled, actor, note, detail === undefined ? null : JSON.stringify(detail), this.now());
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
      this.event(input.clientOrderId, null, 'new', 0, actor, null);
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
   * Applies what the venue says of an order and records its new fills, in ONE transaction: each fill not seen
   * before (by venue trade id) is stored and, unless the order is a dry run, recorded as a ledger fill of the
   * ticket; then the order's state and filled contracts move (checked against `ORDER_TRANSITIONS`) with an event.
   * Returns the order and the fills recorded now.
   */
  applyUpdate(
    orderId: string,
    update: OrderUpdate,
    trades: readonly VenueTrade[],
    actor: string,
    note: string | null = null,
  ): { order: StoredOrder; recorded: ExecutionFill[]; ticket: StoredTicket | null } {
    return this.tx(() => {
      const row = this.store.db.prepare('SELECT * FROM execution_orders WHERE id = ?').get(orderId) as
        OrderRow | undefined;
      if (!row) throw new Error(`order ${orderId} not found`);
      const recorded: ExecutionFill[] = [];
      let ticket: StoredTicket | null = null;
      for (const trade of trades) {
        if (row.venue_order_id !== null && trade.venueOrderId !== row.venue_order_id) continue;
        if (update.venueOrderId && trade.venueOrderId !== update.venueOrderId) continue;
        const seen = this.store.db
          .prepare('SELECT 1 FROM execution_fills WHERE venue = ? AND venue_trade_id = ?')
          .get(row.venue, trade.tradeId);
        if (seen || !(trade.contracts > 0)) continue;
        let ledgerFillId: string | null = null;
        if (row.mode !== 'dry-run') {
          ticket = this.store.recordTicketFills(
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
            { note: `order ${orderId} (${row.mode}) trade ${trade.tradeId}` },
          );
          ledgerFillId = ticket.fills.at(-1)?.id ?? null;
        }
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
        this.store.db
          .prepare(
            `INSERT INTO execution_fills (venue, venue_trade_id, order_id, contracts, price, fee_quote, at_ms, recorded_at_ms, ledger_fill_id)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(
            fill.venue,
            fill.venueTradeId,
            orderId,
            fill.contracts,
            fill.price,
            fill.feeQuote,
            fill.atMs,
            this.now(),
            ledgerFillId,
          );
        this.store.audit(actor, 'order.fill', orderId, {
          tradeId: trade.tradeId,
          contracts: trade.contracts,
          price: trade.price,
          feeQuote: trade.feeQuote,
          mode: row.mode,
          ledgerFillId,
        });
        recorded.push(fill);
      }
      const filled = Math.max(row.filled_contracts, update.filledContracts);
      const to = update.state;
      const filledChanged = Math.abs(filled - row.filled_contracts) > FILL_EPSILON;
      const venueId = update.venueOrderId ?? row.venue_order_id;
      if (to !== row.state || filledChanged) {
        // A further fill without a state change is allowed only as partially-filled -> partially-filled.
        checkTransition(orderId, row.state, to);
        this.store.db
          .prepare(
            `UPDATE execution_orders SET state = ?, filled_contracts = ?, average_price = ?, venue_order_id = ?, updated_at_ms = ?
             WHERE id = ?`,
          )
          .run(to, filled, update.averagePrice ?? row.average_price, venueId, this.now(), orderId);
        this.event(orderId, row.state, to, filled, actor, note, venueId ? { venueOrderId: venueId } : undefined);
        if (to === 'cancelled' || to === 'rejected' || to === 'expired') {
          this.store.audit(actor, `order.${to}`, orderId, { filledContracts: filled, ...(note ? { note } : {}) });
        }
      } else if (venueId !== row.venue_order_id) {
        this.store.db
          .prepare('UPDATE execution_orders SET venue_order_id = ?, updated_at_ms = ? WHERE id = ?')
          .run(venueId, this.now(), orderId);
      }
      return { order: this.getOrder(orderId)!, recorded, ticket };
    });
  }

  /** An audit row for a cancel request (the cancel's outcome arrives as an update). */
  auditCancel(orderId: string, actor: string, reason: string): void {
    this.store.audit(actor, 'order.cancel', orderId, { reason });
  }

  getOrder(id: string): StoredOrder | null {
    const row = this.store.db.prepare('SELECT * FROM execution_orders WHERE id = ?').get(id) as OrderRow | undefined;
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
    const rows = this.store.db
      .prepare('SELECT * FROM execution_order_events WHERE order_id = ? ORDER BY id')
      .all(orderId) as {
      id: number;
      order_id: string;
      from_state: OrderState | null;
      to_state: OrderState;
      filled_contracts: number;
      actor: string;
      note: string | null;
      detail_json: string | null;
      at_ms: number;
    }[];
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

  fills(orderId: string): ExecutionFill[] {
    const rows = this.store.db
      .prepare('SELECT * FROM execution_fills WHERE order_id = ? ORDER BY at_ms, recorded_at_ms, venue_trade_id')
      .all(orderId) as {
      venue: string;
      venue_trade_id: string;
      order_id: string;
      contracts: number;
      price: number;
      fee_quote: number;
      at_ms: number;
      ledger_fill_id: string | null;
    }[];
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
