/**
 * The PostgreSQL schema (src/service/store/pg/migrations.ts, check.ts) against a real server: it matches SQLite's
 * version 5 name for name, two instances migrating at once apply it once, a newer database is refused, the
 * append-only tables refuse UPDATE, DELETE and TRUNCATE with SQLite's messages, `ilhedge_sequence` tracks the audit
 * log's highest id, and the integrity check finds a dropped or disabled trigger.
 */
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoreError } from '../../src/service/store/errors.js';
import { migrate, migrations } from '../../src/service/store/migrations.js';
import { checkPgSchema, pgIntegrityProblems } from '../../src/service/store/pg/check.js';
import type { PgDatabase } from '../../src/service/store/pg/driver.js';
import { openPgDatabase } from '../../src/service/store/pg/driver.js';
import { APPEND_ONLY_TABLES, PG_SCHEMA_VERSION } from '../../src/service/store/pg/migrations.js';
import { freshPgUrl } from '../helpers/postgres.js';
import { insertSampleRows } from '../helpers/postgresRows.js';

/** SQLite's schema at this code's version: table -> columns, and the index and trigger names. */
function sqliteSchema(): { columns: Record<string, string[]>; indexes: string[]; triggers: string[] } {
  const db = new Database(':memory:');
  try {
    db.pragma('foreign_keys = ON');
    migrate(db);
    const objects = db
      .prepare("SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name")
      .all() as { type: string; name: string }[];
    const columns: Record<string, string[]> = {};
    for (const { name } of objects.filter((o) => o.type === 'table')) {
      columns[name] = (db.pragma(`table_info(${name})`) as { name: string }[]).map((c) => c.name);
    }
    const names = (type: string) => objects.filter((o) => o.type === type).map((o) => o.name);
    return { columns, indexes: names('index'), triggers: names('trigger') };
  } finally {
    db.close();
  }
}

describe('PostgreSQL migrations', () => {
  let url: string;
  let db: PgDatabase;

  beforeAll(async () => {
    url = await freshPgUrl('migrations', { empty: true });
    // Two instances starting together: both open, one applies the baseline, the other finds it applied.
    const [first, second] = await Promise.all([openPgDatabase(url), openPgDatabase(url)]);
    db = first;
    await second.close();
  });

  afterAll(async () => {
    await db?.close();
  });

  it('applies each version once when two instances migrate at the same time', async () => {
    const rows = await db.all<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
    expect(rows).toEqual([{ version: PG_SCHEMA_VERSION }]);
    expect(await db.schemaVersion()).toBe(PG_SCHEMA_VERSION);
    // The numbering is SQLite's: a new SQLite version needs its PostgreSQL step too.
    expect(PG_SCHEMA_VERSION).toBe(migrations[migrations.length - 1]!.version);
  });

  it("has SQLite's tables, columns, indexes and triggers, name for name", async () => {
    const sqlite = sqliteSchema();
    const columns = await db.all<{ table_name: string; column_name: string }>(
      `SELECT table_name, column_name FROM information_schema.columns
        WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position`,
    );
    const pgColumns: Record<string, string[]> = {};
    for (const c of columns) (pgColumns[c.table_name] ??= []).push(c.column_name);
    // PostgreSQL's own additions: the migrations record (SQLite has user_version) and sqlite_sequence's stand-in.
    const { schema_migrations: _versions, ilhedge_sequence: sequence, ...shared } = pgColumns;
    expect(shared).toEqual(sqlite.columns);
    expect(sequence).toEqual(['name', 'seq']);

    const indexes = (
      await db.all<{ name: string }>(
        `SELECT indexname AS name FROM pg_indexes WHERE schemaname = current_schema() AND indexname NOT LIKE '%_pkey'
           AND indexname NOT LIKE '%_key' ORDER BY indexname`,
      )
    ).map((r) => r.name);
    expect(indexes).toEqual(sqlite.indexes);

    const triggers = (
      await db.all<{ name: string }>(
        `SELECT tgname AS name FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
          WHERE NOT tgisinternal AND c.relnamespace = current_schema()::regnamespace ORDER BY tgname`,
      )
    ).map((r) => r.name);
    // Every SQLite trigger, plus TRUNCATE (which SQLite lacks) and the audit sequence's.
    expect(triggers.filter((t) => !t.endsWith('_no_truncate') && t !== 'audit_log_sequence')).toEqual(sqlite.triggers);
  });

  it("keeps SQLite's CHECK constraints", async () => {
    await insertSampleRows(db, 'check');
    const bad = [
      "UPDATE tickets SET status = 'lost' WHERE id = 'check-ticket'",
      "INSERT INTO api_keys (id, role, hash_sha256, created_at_ms, created_by) VALUES ('k', 'root', 'h', 1, 'a')",
      "UPDATE execution_orders SET state = 'gone' WHERE id = 'check-order'",
      'INSERT INTO execution_control (id, halted, actor, at_ms) VALUES (2, 0, ?, 1)',
    ];
    for (const sql of bad) {
      const error = await db.run(sql, sql.includes('?') ? ['a'] : []).catch((e: unknown) => e);
      expect((error as { code?: string }).code, sql).toBe('23514');
    }
  });

  it('refuses UPDATE, DELETE and TRUNCATE of every append-only table with SQLite messages', async () => {
    await insertSampleRows(db, 'append');
    for (const [table, { message }] of Object.entries(APPEND_ONLY_TABLES)) {
      for (const sql of [
        `UPDATE ${table} SET at_ms = at_ms + 1`,
        `DELETE FROM ${table}`,
        `TRUNCATE ${table} CASCADE`,
      ]) {
        const error = await db.run(sql).catch((e: unknown) => e);
        expect(error, sql).toBeInstanceOf(Error);
        expect((error as Error).message, sql).toBe(message);
        // A constraint violation: passed through as SQLite's SQLITE_CONSTRAINT_TRIGGER is, not a StoreError.
        expect((error as { code?: string }).code, sql).toBe('23000');
        expect(error, sql).not.toBeInstanceOf(StoreError);
      }
    }
    const count = await db.get<{ n: number }>("SELECT count(*) AS n FROM fills WHERE id = 'append-fill'");
    expect(count?.n).toBe(1);
  });

  it('records the highest audit id ever issued in ilhedge_sequence', async () => {
    const seq = () => db.get<{ seq: number }>("SELECT seq FROM ilhedge_sequence WHERE name = 'audit_log'");
    const max = (await db.get<{ m: number }>('SELECT max(id) AS m FROM audit_log'))!.m;
    expect((await seq())?.seq).toBe(max);
    await db.run(
      "INSERT INTO audit_log (id, at_ms, actor, action, prev_hash, row_hash) VALUES (?, 1, 'a', 'x', 'p', 'r')",
      [max + 10],
    );
    expect((await seq())?.seq).toBe(max + 10);
  });

  it('finds the schema intact, then a disabled and a dropped trigger', async () => {
    expect(await checkPgSchema(db)).toEqual({ ok: true, schemaVersion: PG_SCHEMA_VERSION, problems: [] });
    await db.run('ALTER TABLE fills DISABLE TRIGGER fills_no_update');
    await db.run('DROP TRIGGER audit_no_delete ON audit_log');
    expect(await db.integrityProblems()).toEqual([
      'trigger fills_no_update on fills is disabled (D)',
      'trigger audit_no_delete on audit_log is missing (the table is not protected)',
    ]);
    await db.run('ALTER TABLE fills ENABLE TRIGGER fills_no_update');
    expect(await pgIntegrityProblems(db)).toHaveLength(1);
  });

  it('refuses a database whose schema is newer than this code, writing nothing', async () => {
    const newer = await freshPgUrl('newer', { empty: true });
    const setup = await openPgDatabase(newer);
    await setup.run("INSERT INTO schema_migrations (version, description, applied_at_ms) VALUES (99, 'future', 1)");
    await setup.close();
    const error = await openPgDatabase(newer).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreError);
    expect(String(error)).toMatch(/schema version 99, newer than this ilhedge's 5: not opened/);
    expect(String(error)).not.toMatch(/ilhedge-test@|:ilhedge-test/);
  });

  it('refuses a server that does not answer with a coded error naming the URL without its password', async () => {
    const error = await openPgDatabase('postgres://desk:s3cret@127.0.0.1:1/ilhedge', { connectTimeoutMs: 1_000 }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).code).toBe('store-unavailable');
    expect(String(error)).toMatch(/database postgres:\/\/desk@127\.0\.0\.1:1\/ilhedge is unreachable: migrating/);
    expect(String(error)).not.toContain('s3cret');
  });
});
