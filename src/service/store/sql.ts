/**
 * The one way the store talks to a database, whatever the database: a session that runs parameterised SQL and
 * returns rows, and transactions around it. The store's logic (tickets, the ledger, keys, the audit chain, orders) is
 * written once against this interface; two drivers implement it:
 *
 * - `sqlite/driver.ts`: better-sqlite3 (the embedded default). Statements run synchronously; transactions are
 *   serialised by an in-process queue, since a transaction body awaits and one connection cannot interleave two.
 * - `pg/driver.ts`: PostgreSQL through `pg` (several service instances on one database). Write transactions take one
 *   transaction-scoped advisory lock first, so writes of all instances are serialised as SQLite's are and a
 *   read-then-write (a ticket's status check, the audit chain's last row) can never race another instance.
 *
 * SQL is written in the dialect both share: `?` placeholders (the PostgreSQL driver numbers them), `INSERT ... ON
 * CONFLICT DO NOTHING`, `RETURNING`, `LIMIT ? OFFSET ?`; JSON is stored as TEXT; times are integer UTC milliseconds
 * (BIGINT in PostgreSQL, read back as numbers). What differs (DDL, migrations, integrity checks, backups) lives in
 * each driver.
 */

/** A value bound to a `?` placeholder. Booleans are stored as 0/1 by the callers. */
export type SqlValue = string | number | null;

export type SqlDialect = 'sqlite' | 'postgres';

export interface SqlSession {
  readonly dialect: SqlDialect;
  /** Every row of a query. */
  all<R>(sql: string, params?: readonly SqlValue[]): Promise<R[]>;
  /** The first row of a query, or undefined. */
  get<R>(sql: string, params?: readonly SqlValue[]): Promise<R | undefined>;
  /** A statement that returns no rows; `changes` is the number of rows it inserted, updated or deleted. */
  run(sql: string, params?: readonly SqlValue[]): Promise<{ changes: number }>;
}

/** A change another instance made, as `LISTEN/NOTIFY` carries it (PostgreSQL) or this process made (both). */
export interface StoreChange {
  /** What changed: the book and the streams refresh what depends on it. */
  kind: 'position' | 'ticket' | 'fill' | 'key' | 'order' | 'halt' | 'config';
  /** The changed record's id, when there is one. */
  id: string | null;
}

export interface SqlDatabase extends SqlSession {
  /** Where the database is, for messages and `/ready` (a file path, or a URL without its password). */
  readonly location: string;
  /**
   * Runs `body` in one transaction: committed when it resolves, rolled back when it throws (the error is rethrown,
   * database failures as coded StoreErrors naming `what`). Write transactions of every connection and instance are
   * serialised. Calls are not nested: a body passes its `tx` down.
   */
  transaction<T>(what: string, body: (tx: SqlSession) => Promise<T>): Promise<T>;
  /** A read outside any transaction whose database failure comes out as a StoreError naming `what`. */
  read<T>(what: string, body: (session: SqlSession) => Promise<T>): Promise<T>;
  /** The database's own integrity findings (damaged pages, broken foreign keys, missing triggers); empty if none. */
  integrityProblems(): Promise<string[]>;
  /** The applied schema version (the same numbering in both dialects). */
  schemaVersion(): Promise<number>;
  /**
   * Publishes a change once the transaction that made it has committed (`NOTIFY` in PostgreSQL; in SQLite only this
   * process's listeners hear it, as only this process has the file open for writing).
   */
  publish(tx: SqlSession, change: StoreChange): Promise<void>;
  /**
   * Claims `name` (e.g. "execution:<ticket id>") for as long as the caller holds it, across every instance on the
   * database: resolves to the release, or null when someone holds it already. SQLite: within this process (the only
   * one writing the file). PostgreSQL: a session-level advisory lock on a connection kept for the claim, so a claim
   * of an instance that dies is released with its session.
   */
  claim(name: string): Promise<(() => Promise<void>) | null>;
  /** Listens to every published change, this instance's and the others'. Returns the unsubscribe. */
  onChange(listener: (change: StoreChange) => void): () => void;
  close(): Promise<void>;
}
