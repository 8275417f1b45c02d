/**
 * The PostgreSQL backup (src/service/store/pg/backup.ts) against a real server: a copy of every table restores into
 * a new database row for row (numbers exact, identities advanced); a truncated or damaged file, a non-empty target
 * and a schema mismatch are refused and leave the target as it was; the copy is one snapshot while writes go on.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoreCorruptError, StoreError } from '../../src/service/store/errors.js';
import { backupPg, restorePg, tablesInDependencyOrder } from '../../src/service/store/pg/backup.js';
import type { PgDatabase } from '../../src/service/store/pg/driver.js';
import { openPgDatabase } from '../../src/service/store/pg/driver.js';
import { freshPgUrl } from '../helpers/postgres.js';
import { insertSampleRows } from '../helpers/postgresRows.js';

/** Every row of every table (but the migrations record), as JSON text from the server, in a stable order. */
async function dump(db: PgDatabase): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const table of await tablesInDependencyOrder(db)) {
    if (table === 'schema_migrations') continue;
    const rows = await db.all<{ j: string }>(`SELECT row_to_json(t)::text AS j FROM "${table}" t`);
    out[table] = rows.map((r) => r.j).sort();
  }
  return out;
}

describe('PostgreSQL backup and restore', () => {
  let dir: string;
  let source: PgDatabase;
  const open: PgDatabase[] = [];
  const fresh = async (name: string) => {
    const db = await openPgDatabase(await freshPgUrl(name), { poolSize: 3 });
    open.push(db);
    return db;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ilhedge-pg-backup-'));
    source = await fresh('backup_source');
    await insertSampleRows(source, 'one');
    await insertSampleRows(source, 'two', 1_764_768_123_456);
  });

  afterAll(async () => {
    await Promise.all(open.map((db) => db.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('orders tables after the tables their foreign keys refer to', async () => {
    const order = await tablesInDependencyOrder(source);
    const before = (parent: string, child: string) => expect(order.indexOf(parent)).toBeLessThan(order.indexOf(child));
    before('tickets', 'fills');
    before('tickets', 'execution_orders');
    before('execution_orders', 'execution_fills');
    before('fills', 'execution_fills');
    before('tickets', 'ticket_status_history');
  });

  it('restores every row of every table exactly into a new database, and advances its identities', async () => {
    const file = join(dir, 'full.jsonl');
    const result = await backupPg(source, file);
    expect(result.schemaVersion).toBe(5);
    expect(result.rows).toMatchObject({ fills: 2, tickets: 2, audit_log: 2, execution_control: 1 });
    expect(result.bytes).toBe(readFileSync(file).length);

    const target = await fresh('backup_target');
    const restored = await restorePg(target, file);
    expect(restored).toMatchObject({ fills: 2, audit_log: 2, ilhedge_sequence: 1 });
    expect(await dump(target)).toEqual(await dump(source));
    const fill = await target.get<{ contracts: number; price: number }>(
      "SELECT contracts, price FROM fills WHERE id = 'one-fill'",
    );
    expect(fill).toEqual({ contracts: -0.1 - 0.2, price: 3123.456789012345 });

    // A new row without an id gets one past the restored ones (the identity was advanced).
    const seq = await target.get<{ seq: number }>(
      "INSERT INTO ticket_status_history (ticket_id, to_status, actor, at_ms) VALUES ('one-ticket', 'approved', 'b', 1) RETURNING id AS seq",
    );
    const max = await source.get<{ m: number }>('SELECT max(id) AS m FROM ticket_status_history');
    expect(seq?.seq).toBe(max!.m + 1);
    expect(await target.integrityProblems()).toEqual([]);
  });

  it('copies one snapshot while writes go on (rows written together are copied together)', async () => {
    const file = join(dir, 'snapshot.jsonl');
    let writes = 0;
    let stop = false;
    // Each write adds a position and an API key in one transaction: a copy of one snapshot has as many of each.
    const writer = (async () => {
      while (!stop) {
        const id = `w-${writes++}`;
        await source.transaction('pair', async (tx) => {
          await tx.run("INSERT INTO positions (id, spec_json, created_at_ms, updated_at_ms) VALUES (?, '{}', 1, 1)", [
            id,
          ]);
          await tx.run(
            "INSERT INTO api_keys (id, role, hash_sha256, created_at_ms, created_by) VALUES (?, 'viewer', 'h', 1, 'a')",
            [id],
          );
        });
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const result = await backupPg(source, file);
    await new Promise((resolve) => setTimeout(resolve, 20));
    stop = true;
    await writer;
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    const copied = (table: string) => lines.filter((l) => l.startsWith(`{"t":"${table}","r":{"id":"w-`)).length;
    expect(copied('positions')).toBeGreaterThan(0);
    expect(copied('api_keys')).toBe(copied('positions'));
    expect(result.rows['positions']).toBe(copied('positions') + 2);
    // Writes went on during and after the copy.
    expect(writes).toBeGreaterThan(copied('positions'));
  });

  it('refuses a truncated or damaged file and leaves the target empty', async () => {
    const file = join(dir, 'good.jsonl');
    await backupPg(source, file);
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    const truncated = join(dir, 'truncated.jsonl');
    writeFileSync(truncated, `${lines.slice(0, -3).join('\n')}\n`);
    const damaged = join(dir, 'damaged.jsonl');
    writeFileSync(damaged, `${lines.slice(0, 3).join('\n')}\n{"t":"fills","r":{"id":\n`);
    const notBackup = join(dir, 'not.jsonl');
    writeFileSync(notBackup, 'hello\n');
    const target = await fresh('backup_refused');
    for (const [path, why] of [
      [truncated, /ends before its trailer \(truncated\)/],
      [damaged, /a line is not JSON/],
      [notBackup, /first line is not a backup header/],
    ] as const) {
      const error = await restorePg(target, path).catch((e: unknown) => e);
      expect(error, path).toBeInstanceOf(StoreCorruptError);
      expect(String(error), path).toMatch(why);
    }
    expect((await target.get<{ n: number }>('SELECT count(*) AS n FROM positions'))!.n).toBe(0);
    expect((await target.get<{ n: number }>('SELECT count(*) AS n FROM ilhedge_sequence'))!.n).toBe(0);
  });

  it('refuses a database that has rows, or another schema version', async () => {
    const file = join(dir, 'again.jsonl');
    await backupPg(source, file);
    const error = await restorePg(source, file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreError);
    expect(String(error)).toMatch(/is not empty \(table .* has rows\).*nothing was restored/);

    const header = JSON.parse(readFileSync(file, 'utf8').split('\n')[0]!) as { schemaVersion: number };
    const older = join(dir, 'older.jsonl');
    const text = readFileSync(file, 'utf8').split('\n');
    text[0] = JSON.stringify({ ...header, schemaVersion: 4 });
    writeFileSync(older, text.join('\n'));
    const target = await fresh('backup_version');
    await expect(restorePg(target, older)).rejects.toThrow(/schema version 4, database .* 5: restore it into/);
  });
});
