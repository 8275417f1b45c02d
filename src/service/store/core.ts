/**
 * What every part of the store shares: the database (sql.ts: SQLite or PostgreSQL behind one interface), the clock,
 * and the two ways to use it: `write` (one transaction; writes of every instance are serialised by the driver, and
 * database failures come out as coded StoreErrors naming what was not written) and `read`.
 */
import type { SqlDatabase, SqlDialect, SqlSession, StoreChange } from './sql.js';

export class StoreCore {
  readonly db: SqlDatabase;
  protected readonly now: () => number;
  private closed = false;

  constructor(db: SqlDatabase, now: () => number = Date.now) {
    this.db = db;
    this.now = now;
  }

  get dialect(): SqlDialect {
    return this.db.dialect;
  }

  /** Where the database is (a file path, or a URL without its password), for messages and `/ready`. */
  get path(): string {
    return this.db.location;
  }

  schemaVersion(): Promise<number> {
    return this.db.schemaVersion();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Waits for the writes already under way, then closes the database. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.db.close();
  }

  /** Listens to the store's changes, this instance's and (PostgreSQL) every other instance's. */
  onChange(listener: (change: StoreChange) => void): () => void {
    return this.db.onChange(listener);
  }

  /** Runs `body` in one transaction; a database failure is rethrown as a StoreError saying `what` was not written. */
  protected write<T>(what: string, body: (tx: SqlSession) => Promise<T>): Promise<T> {
    return this.db.transaction(what, body);
  }

  /** A read whose database failure (a damaged page, an I/O error) comes out as a StoreError naming `what`. */
  protected read<T>(what: string, body: (session: SqlSession) => Promise<T>): Promise<T> {
    return this.db.read(what, body);
  }

  /** Announces a change at commit (other instances' books and streams refresh on it). */
  protected publish(tx: SqlSession, kind: StoreChange['kind'], id: string | null): Promise<void> {
    return this.db.publish(tx, { kind, id });
  }
}
