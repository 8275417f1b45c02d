/**
 * PostgreSQL's failures as the store's coded errors (src/service/store/pg/errors.ts): each SQLSTATE class its code,
 * the message naming the database without its password and what was not done; and, against the real server, a
 * transaction whose connection is killed mid-way fails as unavailable, writes nothing, and the next one works.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoreBusyError, StoreError, StoreFullError } from '../../src/service/store/errors.js';
import { openPgDatabase } from '../../src/service/store/pg/driver.js';
import type { PgDatabase } from '../../src/service/store/pg/driver.js';
import { isRetryable, pgStoreErrorOf, redactUrl } from '../../src/service/store/pg/errors.js';
import { adminQuery, freshPgUrl } from '../helpers/postgres.js';

const where = 'postgres://desk@db.internal:5432/ilhedge';
const serverError = (code: string, message = 'server says no') => Object.assign(new Error(message), { code });

describe('pgStoreErrorOf', () => {
  it('maps a full disk to store-full, retry in 30 s', () => {
    const error = pgStoreErrorOf(serverError('53100', 'could not extend file'), where, 'fill record');
    expect(error).toBeInstanceOf(StoreFullError);
    expect((error as StoreFullError).retryAfterS).toBe(30);
    expect(String(error)).toMatch(
      /database postgres:\/\/desk@db.internal:5432\/ilhedge is full: fill record was not written \(could not extend file \(SQLSTATE 53100\)\)/,
    );
  });

  it('maps lock and statement timeouts, and spent retries, to store-busy', () => {
    for (const code of ['55P03', '57014', '40001', '40P01']) {
      const error = pgStoreErrorOf(serverError(code), where, 'ticket approve');
      expect(error, code).toBeInstanceOf(StoreBusyError);
      expect((error as StoreBusyError).code, code).toBe('store-busy');
    }
  });

  it('maps a lost or refused connection to store-unavailable, retry in 5 s', () => {
    const cases = [
      serverError('57P01', 'terminating connection due to administrator command'),
      serverError('08006', 'connection failure'),
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
      new Error('Connection terminated unexpectedly'),
    ];
    for (const cause of cases) {
      const error = pgStoreErrorOf(cause, where, 'key revoke');
      expect(error, cause.message).toBeInstanceOf(StoreError);
      expect((error as StoreError).code).toBe('store-unavailable');
      expect((error as StoreError).retryAfterS).toBe(5);
      expect(String(error)).toContain(`database ${where} is unreachable: key revoke was not done`);
      expect((error as StoreError).cause).toBe(cause);
    }
  });

  it('passes constraint violations, coded errors and errors of the logic through unchanged', () => {
    const unchanged = [
      serverError('23505', 'duplicate key'),
      serverError('23000', 'fills are append-only'),
      new StoreBusyError('already coded'),
      new TypeError('a bug in the caller'),
    ];
    for (const error of unchanged) expect(pgStoreErrorOf(error, where, 'x')).toBe(error);
    // Any other server error is the database's failure: a 503 naming it.
    expect(pgStoreErrorOf(serverError('42P01', 'relation "nope" does not exist'), where, 'x')).toBeInstanceOf(
      StoreError,
    );
  });

  it('knows which failures a rerun may cure, also when wrapped', () => {
    expect(isRetryable(serverError('40001'))).toBe(true);
    expect(isRetryable(new Error('wrapped', { cause: serverError('40P01') }))).toBe(true);
    expect(isRetryable(serverError('23505'))).toBe(false);
  });

  it('redacts the password of a URL, and of a string that is not one', () => {
    expect(redactUrl('postgres://desk:pa%3Ass@db:5432/ilhedge?sslmode=require')).toBe(
      'postgres://desk@db:5432/ilhedge?sslmode=require',
    );
    expect(redactUrl('postgres://desk:secret@[bad')).not.toContain('secret');
  });
});

describe('a connection killed inside a transaction', () => {
  let db: PgDatabase;

  beforeAll(async () => {
    db = await openPgDatabase(await freshPgUrl('errors'), { poolSize: 2 });
  });

  afterAll(async () => {
    await db?.close();
  });

  it('fails as store-unavailable, writes nothing, and the next transaction runs', async () => {
    const error = await db
      .transaction('position create', async (tx) => {
        await tx.run("INSERT INTO positions (id, spec_json, created_at_ms, updated_at_ms) VALUES ('p', '{}', 1, 1)");
        const me = await tx.get<{ pid: number }>('SELECT pg_backend_pid() AS pid');
        await adminQuery('SELECT pg_terminate_backend($1)', [me!.pid]);
        await tx.run("INSERT INTO positions (id, spec_json, created_at_ms, updated_at_ms) VALUES ('q', '{}', 1, 1)");
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).code).toBe('store-unavailable');
    expect(String(error)).toMatch(/is unreachable: position create was not done/);
    expect(String(error)).not.toContain('ilhedge-test');
    expect(await db.get<{ n: number }>('SELECT count(*) AS n FROM positions')).toEqual({ n: 0 });
    await db.run("INSERT INTO positions (id, spec_json, created_at_ms, updated_at_ms) VALUES ('r', '{}', 1, 1)");
    expect(await db.get<{ n: number }>('SELECT count(*) AS n FROM positions')).toEqual({ n: 1 });
  });

  it('fails a read whose connection is killed as store-unavailable, without an unhandled error', async () => {
    // Caught at once: it may fail before the test awaits it.
    const read = db.read('ticket list', (s) => s.get("SELECT pg_sleep(5), 'slow' AS v")).catch((e: unknown) => e);
    let pid: number | undefined;
    await expect
      .poll(async () => {
        const rows = await adminQuery<{ pid: number }>(
          "SELECT pid FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(5)%' AND state = 'active'",
        );
        pid = rows[0]?.pid;
        return pid;
      })
      .toBeTypeOf('number');
    await adminQuery('SELECT pg_terminate_backend($1)', [pid]);
    const error = await read;
    expect(error).toBeInstanceOf(StoreError);
    expect(String(error)).toMatch(/is unreachable: ticket list was not done/);
    expect(await db.get<{ one: number }>('SELECT 1 AS one')).toEqual({ one: 1 });
  });
});
