/**
 * PostgreSQL's part of `ilhedge db check`: what SQLite's `PRAGMA integrity_check` and `foreign_key_check` stand for
 * on a server that keeps its own pages consistent. What can go wrong there is a schema someone altered by hand: a
 * table missing, an append-only trigger dropped or disabled (after which fills or audit rows could be edited in
 * place), a foreign key or index left invalid (`NOT VALID`, a failed `CREATE INDEX CONCURRENTLY`), or the audit
 * log's highest issued id below its last row. The ledger's own invariants and the audit chain are checked by the
 * store (../check.ts), the same for both databases.
 */
import type { SqlSession } from '../sql.js';
import { PG_SCHEMA_VERSION, appliedVersion, expectedTriggers } from './migrations.js';

/** Every table of the schema (migrations.ts). */
export const PG_TABLES = [
  'positions',
  'tickets',
  'ticket_status_history',
  'api_keys',
  'audit_log',
  'fills',
  'execution_orders',
  'execution_order_events',
  'execution_fills',
  'execution_control',
  'ilhedge_sequence',
  'schema_migrations',
] as const;

/** The schema's integrity findings, each naming the table or trigger; empty when all is in place. */
export async function pgIntegrityProblems(session: SqlSession): Promise<string[]> {
  const problems: string[] = [];
  const tables = new Set(
    (
      await session.all<{ name: string }>(
        "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'",
      )
    ).map((r) => r.name),
  );
  for (const table of PG_TABLES) if (!tables.has(table)) problems.push(`table ${table} is missing`);

  // tgenabled: 'O' fires (origin), 'A' always; 'D' disabled, 'R' replica only (skipped in normal sessions).
  const triggers = new Map(
    (
      await session.all<{ table_name: string; name: string; enabled: string }>(
        `SELECT c.relname AS table_name, t.tgname AS name, t.tgenabled::text AS enabled
           FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
          WHERE NOT t.tgisinternal AND c.relnamespace = current_schema()::regnamespace`,
      )
    ).map((r) => [`${r.table_name}.${r.name}`, r.enabled]),
  );
  for (const { table, name } of expectedTriggers()) {
    const enabled = triggers.get(`${table}.${name}`);
    if (enabled === undefined) problems.push(`trigger ${name} on ${table} is missing (the table is not protected)`);
    else if (enabled !== 'O' && enabled !== 'A') problems.push(`trigger ${name} on ${table} is disabled (${enabled})`);
  }

  const invalid = await session.all<{ name: string; kind: string }>(
    `SELECT conname AS name, 'constraint' AS kind FROM pg_constraint
      WHERE NOT convalidated AND connamespace = current_schema()::regnamespace
     UNION ALL
     SELECT c.relname, 'index' FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
      WHERE NOT i.indisvalid AND c.relnamespace = current_schema()::regnamespace
     ORDER BY 1`,
  );
  for (const r of invalid) problems.push(`${r.kind} ${r.name} is not valid (its rows were never checked)`);

  if (tables.has('audit_log') && tables.has('ilhedge_sequence')) {
    const row = await session.get<{ last: number | null; issued: number | null }>(
      `SELECT (SELECT max(id) FROM audit_log) AS last,
              (SELECT seq FROM ilhedge_sequence WHERE name = 'audit_log') AS issued`,
    );
    if (row?.last != null && (row.issued ?? 0) < row.last) {
      problems.push(`ilhedge_sequence says audit id ${row.issued ?? 'none'} was the highest issued, below ${row.last}`);
    }
  }
  return problems;
}

export interface PgCheckReport {
  ok: boolean;
  schemaVersion: number;
  problems: string[];
}

/** The schema check with the version: this code's (`PG_SCHEMA_VERSION`) expected. */
export async function checkPgSchema(session: SqlSession): Promise<PgCheckReport> {
  const schemaVersion = await appliedVersion(session);
  const problems =
    schemaVersion === PG_SCHEMA_VERSION ? [] : [`schema version ${schemaVersion}, expected ${PG_SCHEMA_VERSION}`];
  problems.push(...(await pgIntegrityProblems(session)));
  return { ok: problems.length === 0, schemaVersion, problems };
}
