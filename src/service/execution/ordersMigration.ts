/**
 * The execution tables' schema: `ORDERS_MIGRATION` is version 5 of store/migrations.ts (orders, their append-only
 * events and venue fills, the kill switch), and the check that its tables are present, which the order store makes
 * before it opens (orderStore.ts).
 */
import type { Store } from '../store/index.js';
import type { SqliteDatabase } from '../store/sqlite/driver.js';
import { ORDER_STATES } from './orderState.js';

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

/** Whether every table `ORDERS_MIGRATION` creates is in the store's database. */
export async function executionTablesPresent(store: Store): Promise<boolean> {
  const names = EXECUTION_TABLES.map(() => '?').join(', ');
  const sql =
    store.dialect === 'sqlite'
      ? `SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name IN (${names})`
      : `SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = current_schema() AND table_name IN (${names})`;
  const row = await store.db.get<{ n: number }>(sql, EXECUTION_TABLES);
  return Number(row?.n ?? 0) === EXECUTION_TABLES.length;
}

/**
 * Applies `ORDERS_MIGRATION` to a SQLite store's database unless its tables are there already. A store opened
 * through store/migrations.ts has them (version 5), so there this does nothing; the tests call it on the stores they
 * build. (PostgreSQL's migrations, store/pg/migrations.ts, create them with the rest of the schema.)
 */
export async function applyOrdersMigration(store: Store): Promise<void> {
  if (await executionTablesPresent(store)) return;
  if (store.dialect !== 'sqlite') {
    throw new Error(`database ${store.path}: the execution tables are missing; run \`ilhedge db migrate\``);
  }
  const raw = (store.db as SqliteDatabase).raw;
  raw.transaction(() => raw.exec(ORDERS_MIGRATION.sql))();
}
