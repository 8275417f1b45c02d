/**
 * Versioned schema migrations, in code. `PRAGMA user_version` holds the applied version; each step runs in its own
 * transaction, so a crash mid-migration leaves the previous version intact.
 */
import type Database from 'better-sqlite3';
import { AUDIT_GENESIS_HASH, auditRowHash } from './types.js';
import type { AuditRow } from './types.js';
import { ORDERS_MIGRATION } from '../execution/ordersMigration.js';

export interface Migration {
  version: number;
  description: string;
  sql: string;
  /**
   * Run with foreign keys off (checked with `PRAGMA foreign_key_check` before commit): SQLite cannot alter a CHECK
   * constraint, so a migration that changes one rebuilds the table, and dropping the old table would otherwise
   * cascade into the rows that refer to it.
   */
  foreignKeysOff?: boolean;
  /** Code run after `sql`, in the same transaction (for what SQL cannot compute, such as a SHA-256 chain). */
  up?: (db: Database.Database) => void;
}

/**
 * Migration 4, first half: migration 3 renamed the fills' money columns but not the same names inside the ticket
 * legs stored as JSON (`feesUsd`, `contractValueUsd`), which the ledger reads when it fills a ticket; a ticket
 * proposed before the rename and filled after it would lose its fees and contract value. The legs are renamed here.
 */
function renameLegMoneyFields(db: Database.Database): void {
  const update = db.prepare('UPDATE tickets SET legs_json = ? WHERE id = ?');
  const rows = db.prepare('SELECT id, legs_json FROM tickets WHERE legs_json IS NOT NULL').all() as {
    id: string;
    legs_json: string;
  }[];
  for (const row of rows) {
    const legs = JSON.parse(row.legs_json) as Record<string, unknown>[];
    let changed = false;
    const renamed = legs.map((leg) => {
      const out: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(leg)) {
        const name = key === 'feesUsd' ? 'feesQuote' : key === 'contractValueUsd' ? 'contractValueQuote' : key;
        changed ||= name !== key;
        out[name] = value;
      }
      return out;
    });
    if (changed) update.run(JSON.stringify(renamed), row.id);
  }
}

/** Migration 4, second half: chains the audit rows already there, oldest first, then makes the log append-only. */
function chainExistingAudit(db: Database.Database): void {
  const update = db.prepare('UPDATE audit_log SET prev_hash = ?, row_hash = ? WHERE id = ?');
  let prev = AUDIT_GENESIS_HASH;
  for (const row of db.prepare('SELECT * FROM audit_log ORDER BY id').all() as AuditRow[]) {
    const hash = auditRowHash(prev, row);
    update.run(prev, hash, row.id);
    prev = hash;
  }
  db.exec(`
    CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit_log
      BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
    CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit_log
      BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
    CREATE TRIGGER ticket_history_no_update BEFORE UPDATE ON ticket_status_history
      BEGIN SELECT RAISE(ABORT, 'ticket history is append-only'); END;
    CREATE TRIGGER ticket_history_no_delete BEFORE DELETE ON ticket_status_history
      BEGIN SELECT RAISE(ABORT, 'ticket history is append-only'); END;
  `);
}

export const migrations: readonly Migration[] = [
  {
    version: 1,
    description: 'positions, tickets with status history, API keys, audit log',
    sql: `
      CREATE TABLE positions (
        id TEXT PRIMARY KEY,
        spec_json TEXT NOT NULL,
        version INTEGER NOT NULL DEFAULT 1,
        created_at_ms INTEGER NOT NULL,
        updated_at_ms INTEGER NOT NULL,
        deleted_at_ms INTEGER
      );
      CREATE TABLE tickets (
        id TEXT PRIMARY KEY,
        status TEXT NOT NULL CHECK (status IN ('proposed', 'approved', 'rejected', 'executed')),
        mode TEXT NOT NULL,
        position_ids_json TEXT NOT NULL,
        content_json TEXT NOT NULL,
        content_sha256 TEXT NOT NULL,
        created_by TEXT NOT NULL,
        created_at_ms INTEGER NOT NULL,
        updated_at_ms INTEGER NOT NULL
      );
      CREATE INDEX tickets_created ON tickets (created_at_ms);
      CREATE TABLE ticket_status_history (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        ticket_id TEXT NOT NULL REFERENCES tickets (id),
        from_status TEXT,
        to_status TEXT NOT NULL,
        actor TEXT NOT NULL,
        note TEXT,
        at_ms INTEGER NOT NULL
      );
      CREATE INDEX ticket_history_ticket ON ticket_status_history (ticket_id);
      CREATE TABLE api_keys (
        id TEXT PRIMARY KEY,
        role TEXT NOT NULL CHECK (role IN ('viewer', 'trader', 'admin')),
        hash_sha256 TEXT NOT NULL,
        label TEXT,
        created_at_ms INTEGER NOT NULL,
        created_by TEXT NOT NULL,
        revoked_at_ms INTEGER
      );
      CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at_ms INTEGER NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        target TEXT,
        detail_json TEXT
      );
      CREATE INDEX audit_at ON audit_log (at_ms);
    `,
  },
  {
    version: 2,
    description:
      'ledger: ticket statuses expired and partially-executed, ticket expiry, request, legs and approval settings; append-only fills',
    foreignKeysOff: true,
    sql: `
      CREATE TABLE tickets_v2 (
        id TEXT PRIMARY KEY,
        status TEXT NOT NULL CHECK (status IN
          ('proposed', 'approved', 'rejected', 'expired', 'partially-executed', 'executed')),
        mode TEXT NOT NULL,
        position_ids_json TEXT NOT NULL,
        content_json TEXT NOT NULL,
        content_sha256 TEXT NOT NULL,
        created_by TEXT NOT NULL,
        created_at_ms INTEGER NOT NULL,
        updated_at_ms INTEGER NOT NULL,
        expires_at_ms INTEGER,
        request_json TEXT,
        legs_json TEXT,
        approval_json TEXT
      );
      INSERT INTO tickets_v2 (id, status, mode, position_ids_json, content_json, content_sha256, created_by,
          created_at_ms, updated_at_ms)
        SELECT id, status, mode, position_ids_json, content_json, content_sha256, created_by, created_at_ms,
          updated_at_ms FROM tickets;
      DROP TABLE tickets;
      ALTER TABLE tickets_v2 RENAME TO tickets;
      CREATE INDEX tickets_created ON tickets (created_at_ms);
      CREATE INDEX tickets_status_expiry ON tickets (status, expires_at_ms);
      CREATE TABLE fills (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        holding_id TEXT NOT NULL,
        at_ms INTEGER NOT NULL,
        recorded_at_ms INTEGER NOT NULL,
        venue TEXT NOT NULL,
        underlying TEXT NOT NULL,
        instrument TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('option', 'perp', 'future')),
        contracts REAL NOT NULL CHECK (contracts <> 0),
        price REAL NOT NULL CHECK (price > 0),
        fee_usd REAL NOT NULL,
        venue_order_id TEXT,
        ticket_id TEXT REFERENCES tickets (id),
        leg_index INTEGER,
        scope_json TEXT NOT NULL,
        source TEXT NOT NULL CHECK (source IN ('ticket', 'manual', 'close', 'config')),
        actor TEXT NOT NULL,
        contract_size REAL,
        contract_value_usd REAL,
        price_currency TEXT NOT NULL,
        CHECK ((ticket_id IS NULL) = (leg_index IS NULL)),
        CHECK (contract_size IS NOT NULL OR contract_value_usd IS NOT NULL)
      );
      CREATE INDEX fills_ticket ON fills (ticket_id);
      CREATE INDEX fills_holding ON fills (holding_id);
      -- The ledger is append-only: a correction is a new fill, never an edit.
      CREATE TRIGGER fills_no_update BEFORE UPDATE ON fills BEGIN SELECT RAISE(ABORT, 'fills are append-only'); END;
      CREATE TRIGGER fills_no_delete BEFORE DELETE ON fills BEGIN SELECT RAISE(ABORT, 'fills are append-only'); END;
    `,
  },
  {
    version: 3,
    description: 'one money suffix: fee_usd and contract_value_usd become fee_quote and contract_value_quote',
    sql: `
      ALTER TABLE fills RENAME COLUMN fee_usd TO fee_quote;
      ALTER TABLE fills RENAME COLUMN contract_value_usd TO contract_value_quote;
    `,
  },
  {
    version: 4,
    description:
      'security: API key expiry and rotation; the audit log hash-chained (prev_hash, row_hash) and append-only, ' +
      'ticket history append-only; ticket legs renamed to the quote money suffix',
    sql: `
      ALTER TABLE api_keys ADD COLUMN expires_at_ms INTEGER;
      ALTER TABLE api_keys ADD COLUMN rotated_to TEXT;
      ALTER TABLE audit_log ADD COLUMN prev_hash TEXT NOT NULL DEFAULT '';
      ALTER TABLE audit_log ADD COLUMN row_hash TEXT NOT NULL DEFAULT '';
      CREATE INDEX audit_target ON audit_log (target);
    `,
    up: (db) => {
      renameLegMoneyFields(db);
      chainExistingAudit(db);
    },
  },
  {
    version: 5,
    description: ORDERS_MIGRATION.description,
    sql: ORDERS_MIGRATION.sql,
  },
];

export function currentVersion(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/** Applies every migration above the database's version; refuses a database newer than this code. */
export function migrate(db: Database.Database): { from: number; to: number } {
  const from = currentVersion(db);
  const latest = migrations[migrations.length - 1]?.version ?? 0;
  if (from > latest) {
    throw new Error(`database schema version ${from} is newer than this ilhedge (${latest}); upgrade ilhedge`);
  }
  for (const migration of migrations) {
    if (migration.version <= from) continue;
    // `PRAGMA foreign_keys` is a no-op inside a transaction, so it is switched around it.
    const foreignKeys = db.pragma('foreign_keys', { simple: true }) as number;
    if (migration.foreignKeysOff) db.pragma('foreign_keys = OFF');
    try {
      db.transaction(() => {
        db.exec(migration.sql);
        migration.up?.(db);
        if (migration.foreignKeysOff) {
          const broken = db.pragma('foreign_key_check') as unknown[];
          if (broken.length > 0) {
            throw new Error(`migration ${migration.version}: ${broken.length} rows break a foreign key`);
          }
        }
        db.pragma(`user_version = ${migration.version}`);
      })();
    } finally {
      if (migration.foreignKeysOff) db.pragma(`foreign_keys = ${foreignKeys ? 'ON' : 'OFF'}`);
    }
  }
  return { from, to: currentVersion(db) };
}
