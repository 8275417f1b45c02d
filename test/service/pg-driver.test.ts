/**
 * The PostgreSQL driver (src/service/store/pg/driver.ts) against a real server (test/globalSetup.ts): placeholders,
 * numbers, transactions (rollback, the write lock across two pools, retries, timeouts), change notifications
 * between two instances and the listener's reconnection.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoreBusyError, StoreError } from '../../src/service/store/errors.js';
import type { PgDatabase } from '../../src/service/store/pg/driver.js';
import { openPgDatabase } from '../../src/service/store/pg/driver.js';
import { RESYNC_CHANGE } from '../../src/service/store/pg/listener.js';
import { numberPlaceholders } from '../../src/service/store/pg/placeholders.js';
import type { StoreChange } from '../../src/service/store/sql.js';
import { adminQuery, freshPgUrl } from '../helpers/postgres.js';

describe('numberPlaceholders', () => {
  it('numbers each ? and leaves those in strings, identifiers, dollar quotes and comments', () => {
    const sql = `SELECT ?, '?', 'it''s ?', E'\\'?', "a?b", $$?$$, $f$ ? $f$ -- ? here
      /* ? */ FROM t WHERE a = ? AND b = '?' AND c IN (?, ?)`;
    const { text, count } = numberPlaceholders(sql);
    expect(count).toBe(4);
    expect(text).toBe(`SELECT $1, '?', 'it''s ?', E'\\'?', "a?b", $$?$$, $f$ ? $f$ -- ? here
      /* ? */ FROM t WHERE a = $2 AND b = '?' AND c IN ($3, $4)`);
  });

  it('caches a conversion by its text', () => {
    const first = numberPlaceholders('SELECT ? AS cached_once');
    expect(numberPlaceholders('SELECT ? AS cached_once')).toBe(first);
  });
});

describe('PgDatabase', () => {
  let url: string;
  let a: PgDatabase;
  let b: PgDatabase;

  beforeAll(async () => {
    url = await freshPgUrl('driver');
    [a, b] = await Promise.all([openPgDatabase(url, { poolSize: 6 }), openPgDatabase(url, { poolSize: 6 })]);
    await a.run('CREATE TABLE scratch (id BIGINT PRIMARY KEY, note TEXT, x DOUBLE PRECISION)');
    await a.run('CREATE TABLE counter (n BIGINT NOT NULL)');
  });

  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  it('runs ? placeholders, keeping a quoted ?', async () => {
    const row = await a.get<{ v: string; q: string }>("SELECT ?::text AS v, '?' AS q", ['x']);
    expect(row).toEqual({ v: 'x', q: '?' });
  });

  it('refuses a statement given the wrong number of values, naming it', async () => {
    await expect(a.get('SELECT ?::int AS v', [1, 2])).rejects.toThrow(/1 placeholders but was given 2 values/);
  });

  it('reads BIGINT and NUMERIC as numbers, exact, and refuses an unsafe integer', async () => {
    const ms = 1_764_768_000_123;
    expect((await a.run('INSERT INTO scratch (id, note, x) VALUES (?, ?, ?)', [ms, 'int8', 0.1 + 0.2])).changes).toBe(
      1,
    );
    const row = await a.get<{ id: number; x: number; total: number; mean: number; n: number }>(
      'SELECT id, x, sum(id) OVER () AS total, avg(id) OVER () AS mean, count(*) OVER () AS n FROM scratch WHERE id = ?',
      [ms],
    );
    expect(row).toEqual({ id: ms, x: 0.1 + 0.2, total: ms, mean: ms, n: 1 });
    expect(typeof row!.total).toBe('number');
    await expect(a.get('SELECT 9007199254740993::bigint AS big')).rejects.toThrow(/beyond JavaScript's safe integers/);
    await expect(a.get('SELECT (2::numeric ^ 60) AS big')).rejects.toBeInstanceOf(StoreError);
  });

  it('leaves pg global type parsers alone (the conversion is per pool)', async () => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      expect((await client.query('SELECT 5::bigint AS v')).rows[0].v).toBe('5');
    } finally {
      await client.end();
    }
  });

  it('rolls a throwing body back and rethrows its error unchanged', async () => {
    const failure = new Error('refused by the body');
    await expect(
      a.transaction('scratch insert', async (tx) => {
        await tx.run('INSERT INTO scratch (id, note) VALUES (?, ?)', [1, 'rolled back']);
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(await a.get('SELECT id FROM scratch WHERE id = 1')).toBeUndefined();
  });

  it('passes a constraint violation through and refuses further statements in the aborted transaction', async () => {
    await a.run('INSERT INTO scratch (id, note) VALUES (2, ?)', ['first']);
    const error = await a
      .transaction('duplicate', (tx) => tx.run('INSERT INTO scratch (id) VALUES (2)'))
      .catch((e: unknown) => e);
    expect(error).not.toBeInstanceOf(StoreError);
    expect((error as { code: string }).code).toBe('23505');
    const after = await a
      .transaction('after a failure', async (tx) => {
        await tx.run('INSERT INTO scratch (id) VALUES (2)').catch(() => undefined);
        return tx.get('SELECT 1 AS one');
      })
      .catch((e: unknown) => e);
    expect(String(after)).toMatch(/an earlier statement failed .* aborted the transaction/);
  });

  it('refuses a transaction nested in another on the same database', async () => {
    await expect(a.transaction('outer', () => a.transaction('inner', async () => 1))).rejects.toThrow(
      /transaction "inner" was started inside transaction "outer"/,
    );
  });

  it('serialises read-then-write transactions of two instances: 50 "max + 1" inserts, no duplicate, no gap', async () => {
    const step = (db: PgDatabase) =>
      db.transaction('counter step', async (tx) => {
        const row = await tx.get<{ m: number }>('SELECT coalesce(max(n), 0) AS m FROM counter');
        await sleep(2); // widen the window between the read and the write
        await tx.run('INSERT INTO counter (n) VALUES (?)', [row!.m + 1]);
      });
    await Promise.all(Array.from({ length: 50 }, (_, i) => step(i % 2 === 0 ? a : b)));
    const ns = (await b.all<{ n: number }>('SELECT n FROM counter ORDER BY n')).map((r) => r.n);
    expect(ns).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
  });

  it('(control) the same workload without the write lock does race, so the test above can fail', async () => {
    await a.run('DELETE FROM counter');
    const pool = new pg.Pool({ connectionString: url, max: 10 });
    try {
      const step = async () => {
        const client = await pool.connect();
        try {
          await client.query('BEGIN');
          const { rows } = await client.query<{ m: string }>('SELECT coalesce(max(n), 0) AS m FROM counter');
          await sleep(2);
          await client.query('INSERT INTO counter (n) VALUES ($1)', [Number(rows[0]!.m) + 1]);
          await client.query('COMMIT');
        } finally {
          client.release();
        }
      };
      await Promise.all(Array.from({ length: 20 }, step));
    } finally {
      await pool.end();
    }
    const distinct = await a.get<{ n: number; d: number }>('SELECT count(*) AS n, count(DISTINCT n) AS d FROM counter');
    expect(distinct!.n).toBe(20);
    expect(distinct!.d).toBeLessThan(20);
  });

  it('refuses a write as busy when the write lock is held past the lock timeout', async () => {
    const impatient = await openPgDatabase(url, { poolSize: 2, busyTimeoutMs: 200 });
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let locked!: () => void;
    const isLocked = new Promise<void>((resolve) => (locked = resolve));
    const holder = a.transaction('holding the lock', async () => {
      locked();
      await held;
    });
    try {
      await isLocked;
      const error = await impatient.run('INSERT INTO scratch (id) VALUES (3)').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StoreBusyError);
      expect((error as StoreBusyError).retryAfterS).toBe(1);
      expect(String(error)).toMatch(/locked by another connection: statement was not written .*55P03/);
    } finally {
      release();
      await holder;
      await impatient.close();
    }
  });

  it("queues an instance's own writes without holding connections, and refuses one waiting past the timeout", async () => {
    const impatient = await openPgDatabase(url, { poolSize: 2, busyTimeoutMs: 200 });
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let locked!: () => void;
    const isLocked = new Promise<void>((resolve) => (locked = resolve));
    const holder = impatient.transaction('holding the lock', async () => {
      locked();
      await held;
    });
    try {
      await isLocked;
      // Queued in-process: no pool connection is taken, so the pool's second connection still serves reads.
      const queued = impatient.run('INSERT INTO scratch (id) VALUES (4)').catch((e: unknown) => e);
      expect(await impatient.get<{ one: number }>('SELECT 1 AS one')).toEqual({ one: 1 });
      const error = await queued;
      expect(error).toBeInstanceOf(StoreBusyError);
      expect(String(error)).toMatch(/statement was not written: this instance's earlier writes held the write lock/);
    } finally {
      release();
      await holder;
      await impatient.close();
    }
    expect(await a.get('SELECT id FROM scratch WHERE id = 4')).toBeUndefined();
  });

  it('reruns a transaction that failed with a serialization failure, then gives up as busy', async () => {
    let runs = 0;
    const result = await a.transaction('flaky', async () => {
      runs++;
      if (runs < 3) throw Object.assign(new Error('could not serialize access'), { code: '40001' });
      return 'done';
    });
    expect({ result, runs }).toEqual({ result: 'done', runs: 3 });
    runs = 0;
    const error = await a
      .transaction('always conflicting', async () => {
        runs++;
        throw Object.assign(new Error('deadlock detected'), { code: '40P01' });
      })
      .catch((e: unknown) => e);
    expect(runs).toBe(5);
    expect(error).toBeInstanceOf(StoreBusyError);
  });

  it("delivers one instance's change to the other's and to its own listeners within 1 s, never a rolled-back one", async () => {
    const heardByA: StoreChange[] = [];
    const heardByB: StoreChange[] = [];
    const stopA = a.onChange((c) => heardByA.push(c));
    const stopB = b.onChange((c) => heardByB.push(c));
    await Promise.all([a.listening(), b.listening()]);
    expect(heardByA).toEqual([RESYNC_CHANGE]);
    await b
      .transaction('rolled back change', async (tx) => {
        await b.publish(tx, { kind: 'fill', id: 'never' });
        throw new Error('rollback');
      })
      .catch(() => undefined);
    const sentAt = Date.now();
    await b.transaction('ticket change', (tx) => b.publish(tx, { kind: 'ticket', id: 't-1' }));
    await expect.poll(() => heardByA.length, { timeout: 1_000, interval: 10 }).toBe(2);
    expect(Date.now() - sentAt).toBeLessThan(1_000);
    expect(heardByA[1]).toEqual({ kind: 'ticket', id: 't-1' });
    await expect.poll(() => heardByB.at(-1), { timeout: 1_000, interval: 10 }).toEqual({ kind: 'ticket', id: 't-1' });
    stopA();
    stopB();
  });

  it('reconnects its listener after pg_terminate_backend and asks listeners to resync', async () => {
    const heard: StoreChange[] = [];
    const stop = a.onChange((c) => heard.push(c));
    await a.listening();
    const before = a.listenerConnections;
    const pid = a.listenerBackendPid;
    expect(pid).not.toBeNull();
    const [row] = await adminQuery<{ terminated: boolean }>('SELECT pg_terminate_backend($1) AS terminated', [pid]);
    expect(row?.terminated).toBe(true);
    await expect.poll(() => a.listenerConnections, { timeout: 5_000, interval: 20 }).toBe(before + 1);
    expect(a.listenerBackendPid).not.toBe(pid);
    expect(heard).toContainEqual(RESYNC_CHANGE);
    await b.transaction('after reconnect', (tx) => b.publish(tx, { kind: 'key', id: 'k-9' }));
    await expect.poll(() => heard.at(-1), { timeout: 1_000, interval: 10 }).toEqual({ kind: 'key', id: 'k-9' });
    stop();
  });
});
