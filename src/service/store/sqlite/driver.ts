/**
 * The SQLite driver of the store's SQL interface (sql.ts), on better-sqlite3: the embedded default, one file, one
 * process writing it.
 *
 * Statements run synchronously; a transaction body awaits (the store's logic is written once for both databases),
 * so two transactions on the one connection could interleave their statements at those awaits. They are therefore
 * queued: one transaction at a time, in order of arrival, and a read outside any transaction waits for the one
 * running (else it would see its uncommitted rows). Since every await inside a body resolves without I/O, a queued
 * transaction runs within the same turn of the event loop as on a synchronous store.
 *
 * Opening checks the file (not SQLite, damaged pages, a schema newer than this code), sets WAL with
 * `synchronous=FULL` (a write returns only after the WAL is fsynced, so anything acknowledged survives SIGKILL or
 * power loss) and migrates (migrations.ts).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { migrate } from '../migrations.js';
import { StoreCorruptError, sqliteCodeOf, storeErrorOf } from '../errors.js';
import type { SqlDatabase, SqlSession, SqlValue, StoreChange } from '../sql.js';

export const DEFAULT_BUSY_TIMEOUT_MS = 5_000;

export interface SqliteOptions {
  /** How long a write waits for another connection's lock before it is refused (default 5000 ms). */
  busyTimeoutMs?: number;
}

/**
 * Opens the database and refuses, with the reason, a file that is not a readable ilhedge database: not SQLite at
 * all, damaged pages (`PRAGMA quick_check`), or a schema newer than this code.
 */
function openRaw(path: string, busyTimeoutMs: number): Database.Database {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const existed = path !== ':memory:' && existsSync(path);
  let db: Database.Database | null = null;
  try {
    db = new Database(path);
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(busyTimeoutMs))}`);
    db.pragma('journal_mode = WAL');
    // FULL: the WAL is fsynced at every commit, so an acknowledged write survives a crash of the OS too.
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    if (existed) {
      const problems = (db.pragma('quick_check(20)') as { quick_check: string }[]).map((r) => r.quick_check);
      if (problems.length !== 1 || problems[0] !== 'ok') {
        throw new StoreCorruptError(
          `database ${path} is damaged (PRAGMA quick_check: ${problems.join('; ')}); ` +
            'restore a backup with `ilhedge db restore <file>`',
        );
      }
    }
    return db;
  } catch (error) {
    db?.close();
    if (error instanceof StoreCorruptError) throw error;
    const code = sqliteCodeOf(error);
    if (code === 'SQLITE_NOTADB' || code?.startsWith('SQLITE_CORRUPT')) {
      throw new StoreCorruptError(
        `database ${path} is not a readable ilhedge database (${(error as Error).message}, ${code}); ` +
          'restore a backup with `ilhedge db restore <file>` or point --db at the right file',
        null,
        { cause: error },
      );
    }
    throw storeErrorOf(error, path, 'opening the database');
  }
}

/** The transaction the current async context runs in (a nested call would wait behind itself for ever). */
const running = new AsyncLocalStorage<{ database: SqliteDatabase; what: string }>();

/** A session on the one connection; inside a transaction it also collects the changes to publish at commit. */
class SqliteSession implements SqlSession {
  readonly dialect = 'sqlite' as const;
  readonly changes: StoreChange[] = [];

  constructor(private readonly database: SqliteDatabase) {}

  all<R>(sql: string, params: readonly SqlValue[] = []): Promise<R[]> {
    return Promise.resolve(this.database.statement(sql).all(...params) as R[]);
  }

  get<R>(sql: string, params: readonly SqlValue[] = []): Promise<R | undefined> {
    return Promise.resolve(this.database.statement(sql).get(...params) as R | undefined);
  }

  run(sql: string, params: readonly SqlValue[] = []): Promise<{ changes: number }> {
    return Promise.resolve({ changes: this.database.statement(sql).run(...params).changes });
  }
}

export class SqliteDatabase implements SqlDatabase {
  readonly dialect = 'sqlite' as const;
  /** The better-sqlite3 connection, for what only SQLite has (pragmas, online backup, integrity checks). */
  readonly raw: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();
  private readonly listeners = new Set<(change: StoreChange) => void>();
  private readonly session = new SqliteSession(this);
  /** The tail of the queue of transactions (and of reads that arrived while one was running). */
  private queue: Promise<unknown> = Promise.resolve();
  private queued = 0;
  private closed = false;

  constructor(
    readonly location: string,
    options: SqliteOptions = {},
  ) {
    this.raw = openRaw(location, options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS);
    try {
      migrate(this.raw);
    } catch (error) {
      this.raw.close();
      throw storeErrorOf(error, location, 'migrating the schema');
    }
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** A prepared statement, cached by its text (the store runs a few dozen distinct statements). */
  statement(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.raw.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  all<R>(sql: string, params?: readonly SqlValue[]): Promise<R[]> {
    return this.read('query', (s) => s.all<R>(sql, params));
  }

  get<R>(sql: string, params?: readonly SqlValue[]): Promise<R | undefined> {
    return this.read('query', (s) => s.get<R>(sql, params));
  }

  run(sql: string, params?: readonly SqlValue[]): Promise<{ changes: number }> {
    return this.transaction('statement', (tx) => tx.run(sql, params));
  }

  private enqueue<T>(job: () => Promise<T>): Promise<T> {
    this.queued++;
    const result = this.queue.then(job);
    const settle = () => {
      this.queued--;
    };
    this.queue = result.then(settle, settle);
    return result;
  }

  async read<T>(what: string, body: (session: SqlSession) => Promise<T>): Promise<T> {
    const outer = running.getStore();
    const job = async () => {
      try {
        return await body(this.session);
      } catch (error) {
        throw storeErrorOf(error, this.location, what);
      }
    };
    // With nothing queued the read runs at once; else it waits its turn so it never sees uncommitted rows. A read
    // from inside a transaction's own body runs in it (it sees that transaction's rows, as its session would).
    if (outer?.database === this) return job();
    return this.queued === 0 && !this.raw.inTransaction ? job() : this.enqueue(job);
  }

  transaction<T>(what: string, body: (tx: SqlSession) => Promise<T>): Promise<T> {
    const outer = running.getStore();
    if (outer?.database === this) {
      return Promise.reject(
        new Error(`transaction "${what}" was started inside transaction "${outer.what}"; pass its tx down`),
      );
    }
    // The changes are announced from the caller's context, outside the transaction's: a listener that reads later
    // must not be taken for a read inside it.
    return this.enqueue(() => running.run({ database: this, what }, () => this.runTransaction(what, body))).then(
      ({ result, changes }) => {
        for (const change of changes) this.emit(change);
        return result;
      },
    );
  }

  private async runTransaction<T>(
    what: string,
    body: (tx: SqlSession) => Promise<T>,
  ): Promise<{ result: T; changes: readonly StoreChange[] }> {
    const tx = new SqliteSession(this);
    try {
      // IMMEDIATE: the write lock is taken at BEGIN, so a busy database fails fast and whole, never half-way
      // through a read-then-write.
      this.raw.exec('BEGIN IMMEDIATE');
    } catch (error) {
      throw storeErrorOf(error, this.location, what);
    }
    let result: T;
    try {
      result = await body(tx);
      this.raw.exec('COMMIT');
    } catch (error) {
      if (this.raw.inTransaction) this.raw.exec('ROLLBACK');
      throw storeErrorOf(error, this.location, what);
    }
    return { result, changes: tx.changes };
  }

  integrityProblems(): Promise<string[]> {
    return this.read('checking integrity', () => {
      const problems: string[] = [];
      const integrity = (this.raw.pragma('integrity_check(100)') as { integrity_check: string }[]).map(
        (r) => r.integrity_check,
      );
      if (integrity.length !== 1 || integrity[0] !== 'ok') {
        problems.push(...integrity.map((line) => `integrity_check: ${line}`));
      }
      const broken = this.raw.pragma('foreign_key_check') as { table: string; rowid: number; parent: string }[];
      for (const b of broken) problems.push(`foreign key: ${b.table} row ${b.rowid} refers to a missing ${b.parent}`);
      return Promise.resolve(problems);
    });
  }

  schemaVersion(): Promise<number> {
    return Promise.resolve(this.raw.pragma('user_version', { simple: true }) as number);
  }

  publish(tx: SqlSession, change: StoreChange): Promise<void> {
    if (tx instanceof SqliteSession && tx !== this.session) tx.changes.push(change);
    else this.emit(change);
    return Promise.resolve();
  }

  private readonly claims = new Set<string>();

  claim(name: string): Promise<(() => Promise<void>) | null> {
    if (this.claims.has(name)) return Promise.resolve(null);
    this.claims.add(name);
    return Promise.resolve(() => {
      this.claims.delete(name);
      return Promise.resolve();
    });
  }

  onChange(listener: (change: StoreChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(change: StoreChange): void {
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch {
        /* a listener's failure is its own; the write is committed */
      }
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Let the transactions already queued finish (nothing acknowledged is lost), then fold the WAL back so the
    // database is a single file for backups; harmless if another reader holds it.
    await this.queue;
    try {
      this.raw.pragma('wal_checkpoint(TRUNCATE)');
    } catch {
      /* a checkpoint is an optimisation, not a durability step */
    }
    this.raw.close();
  }
}
