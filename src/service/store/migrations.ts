/**
 * Versioned schema migrations, in code. `PRAGMA user_version` holds the applied version; each step runs in its own
 * transaction, so a crash mid-migration leaves the previous version intact.
 */
import type Database from 'better-sqlite3';

export interface Migration {
  version: number;
  description: string;
  sql: string;
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
    db.transaction(() => {
      db.exec(migration.sql);
      db.pragma(`user_version = ${migration.version}`);
    })();
  }
  return { from, to: currentVersion(db) };
}
