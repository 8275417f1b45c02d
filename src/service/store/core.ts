/**
 * The connection every part of the store shares: opening (WAL journal with `synchronous=FULL`: a write returns only
 * after the WAL is fsynced, so anything the API has acknowledged survives SIGKILL or power loss), the start-up
 * checks that refuse a damaged file, the migrations, and the one way writes are made (`write`: an IMMEDIATE
 * transaction whose database failures come out as coded StoreErrors).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { migrate } from './migrations.js';
import { StoreCorruptError, sqliteCodeOf, storeErrorOf } from './errors.js';
import type { StoreOptions } from './types.js';

export const DEFAULT_BUSY_TIMEOUT_MS = 5_000;

/**
 * Opens the database and refuses, with the reason, a file that is not a readable ilhedge database: not SQLite at
 * all, damaged pages (`PRAGMA quick_check`), or a schema newer than this code.
 */
function openDatabase(path: string, busyTimeoutMs: number): Database.Database {
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

export class StoreCore {
  readonly db: Database.Database;
  readonly path: string;
  protected readonly now: () => number;
  private closed = false;

  constructor(options: StoreOptions) {
    this.path = options.path;
    this.now = options.now ?? Date.now;
    this.db = openDatabase(options.path, options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS);
    try {
      migrate(this.db);
    } catch (error) {
      this.db.close();
      throw storeErrorOf(error, options.path, 'migrating the schema');
    }
  }

  get schemaVersion(): number {
    return this.db.pragma('user_version', { simple: true }) as number;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    // Folding the WAL back keeps the database a single file for backups; harmless if another reader holds it.
    try {
      this.db.pragma('wal_checkpoint(TRUNCATE)');
    } catch {
      /* a checkpoint is an optimisation, not a durability step */
    }
    this.db.close();
  }

  /**
   * Runs `body` in one IMMEDIATE transaction (the write lock is taken at BEGIN, so a busy database fails fast and
   * whole, never half-way through a read-then-write); nested calls become savepoints of the outer transaction. A
   * database failure (full, locked, I/O) is rethrown as a StoreError saying `what` was not written.
   */
  protected write<T>(what: string, body: () => T): T {
    try {
      const run = this.db.transaction(body);
      return this.db.inTransaction ? run() : run.immediate();
    } catch (error) {
      throw storeErrorOf(error, this.path, what);
    }
  }

  /** A read whose database failure (a damaged page, an I/O error) comes out as a StoreError naming `what`. */
  protected read<T>(what: string, body: () => T): T {
    try {
      return body();
    } catch (error) {
      throw storeErrorOf(error, this.path, what);
    }
  }
}
