/**
 * The PostgreSQL driver of the store's SQL interface (sql.ts), on a `pg.Pool`: several service instances on one
 * database share one ledger.
 *
 * - `?` placeholders are numbered `$1..$n` (placeholders.ts). BIGINT and NUMERIC come back as JS numbers (the
 *   pool's own type parsers, never `pg`'s global ones, which other code in the process may rely on); an integer
 *   beyond 2^53 is refused rather than rounded. DOUBLE PRECISION is a number already.
 * - Every write transaction first takes one transaction-scoped advisory lock (`WRITE_LOCK_KEY`), so the writes of
 *   every connection of every instance run one at a time, as SQLite's do. The store's logic depends on it: the
 *   audit chain appends after reading the last row (its id and hash), and a ticket's transition checks the status
 *   it read; under READ COMMITTED two instances could both read the same last row or status and both write. A
 *   serialization failure or deadlock (40001, 40P01, possible only with statements outside that lock) reruns the
 *   whole transaction a few times. Reads take no lock.
 * - Failures come out as the store's coded errors naming the database (its URL without the password) and `what`
 *   was not done (errors.ts); constraint violations pass through.
 * - `publish` is `pg_notify` inside the transaction (PostgreSQL delivers it at commit, never for a rollback);
 *   `onChange` listens on one dedicated connection that reconnects (listener.ts).
 *
 * A statement that fails inside a transaction aborts it in PostgreSQL (SQLite only undoes the statement), so a body
 * must not catch a database error and go on: the session refuses the next statement with the first failure.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { IlhedgeError } from '../../../../hedging/index.js';
import { StoreBusyError, StoreError } from '../errors.js';
import type { SqlDatabase, SqlSession, SqlValue, StoreChange } from '../sql.js';
import { isRetryable, pgStoreErrorOf, redactUrl, sqlStateOf } from './errors.js';
import { pgIntegrityProblems } from './check.js';
import { AdvisoryClaims } from './claims.js';
import { CHANGES_CHANNEL, ChangeListener } from './listener.js';
import type { ChangeListenerOptions } from './listener.js';
import { appliedVersion, migratePg } from './migrations.js';
import { numberPlaceholders } from './placeholders.js';

/** The advisory lock every write transaction takes (an arbitrary constant: "ilhedge" in ASCII as an integer). */
export const WRITE_LOCK_KEY = '29674068188096357';

export const DEFAULT_LOCK_TIMEOUT_MS = 5_000;

export interface PgDatabaseOptions {
  /** How long a write waits for the write lock (or a row lock) before it is refused as busy (default 5000 ms). */
  busyTimeoutMs?: number;
  /** Connections in the pool (default 10). */
  poolSize?: number;
  /** How long to wait for a connection before the operation fails as unreachable (default 5000 ms). */
  connectTimeoutMs?: number;
  /**
   * A session left idle inside a transaction this long is ended by the server (default 60 s), so an instance that
   * hangs mid-transaction cannot hold the write lock, and with it every instance's writes, forever.
   */
  idleInTransactionTimeoutMs?: number;
  /** How many times a transaction is run in all when it fails with 40001 or 40P01 (default 5). */
  attempts?: number;
  /** `application_name` of the connections (default "ilhedge"), as `pg_stat_activity` shows them. */
  applicationName?: string;
  listener?: ChangeListenerOptions;
  /** Where an idle connection's failure is reported (default: nowhere; the next query reports it). */
  log?: (message: string) => void;
}

function unsafeInteger(text: string): never {
  throw new StoreError(
    `the database returned the integer ${text}, beyond JavaScript's safe integers (±${Number.MAX_SAFE_INTEGER}): ` +
      'it cannot be read as a number without rounding; the row was not read',
  );
}

function parseInt8(text: string): number {
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : unsafeInteger(text);
}

function parseNumeric(text: string): number {
  const n = Number(text);
  if (/^-?\d+$/.test(text) && !Number.isSafeInteger(n)) unsafeInteger(text);
  return n;
}

const INT8_OID = 20;
const NUMERIC_OID = 1700;

/** The pool's type parsers: BIGINT and NUMERIC as numbers, the rest as `pg` reads them. */
export const NUMBER_TYPES: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (format !== 'binary' && oid === INT8_OID) return parseInt8;
    if (format !== 'binary' && oid === NUMERIC_OID) return parseNumeric;
    return pg.types.getTypeParser(oid, format ?? 'text');
  }) as typeof pg.types.getTypeParser,
};

/** The transaction running in this async context, to refuse a nested one (which would wait on its own lock). */
const running = new AsyncLocalStorage<{ database: PgDatabase; what: string; done: boolean }>();

type Queryable = Pick<pg.PoolClient, 'query'>;

/** Statements on the pool (outside transactions) or on one client (inside one). */
class PgSession implements SqlSession {
  readonly dialect = 'postgres' as const;
  /** Set when the transaction ended, or when a statement failed in it (after which PostgreSQL refuses any). */
  private ended: string | null = null;

  constructor(
    private readonly target: Queryable,
    private readonly inTransaction: string | null,
  ) {}

  end(reason: string): void {
    this.ended ??= reason;
  }

  async query<R>(sql: string, params: readonly SqlValue[]): Promise<pg.QueryResult<R & pg.QueryResultRow>> {
    if (this.ended !== null) {
      throw new IlhedgeError(`statement refused in transaction "${this.inTransaction}": ${this.ended}`);
    }
    const { text, count } = numberPlaceholders(sql);
    if (count !== params.length) {
      throw new IlhedgeError(`statement has ${count} placeholders but was given ${params.length} values: ${sql}`);
    }
    try {
      // No values: the simple protocol, which also runs several statements (the migrations' DDL).
      return await this.target.query<R & pg.QueryResultRow>(text, params.length > 0 ? [...params] : undefined);
    } catch (error) {
      if (this.inTransaction !== null) {
        this.end(`an earlier statement failed (${(error as Error).message}) and PostgreSQL aborted the transaction`);
      }
      throw error;
    }
  }

  async all<R>(sql: string, params: readonly SqlValue[] = []): Promise<R[]> {
    return (await this.query<R>(sql, params)).rows;
  }

  async get<R>(sql: string, params: readonly SqlValue[] = []): Promise<R | undefined> {
    return (await this.query<R>(sql, params)).rows[0];
  }

  async run(sql: string, params: readonly SqlValue[] = []): Promise<{ changes: number }> {
    return { changes: (await this.query(sql, params)).rowCount ?? 0 };
  }
}

export class PgDatabase implements SqlDatabase {
  readonly dialect = 'postgres' as const;
  /** The URL without its password. */
  readonly location: string;
  private readonly pool: pg.Pool;
  private readonly session: PgSession;
  private readonly listener: ChangeListener;
  private readonly claims: AdvisoryClaims;
  private readonly attempts: number;
  private readonly busyTimeoutMs: number;
  /** The tail of this instance's queue of write transactions (see `oneAtATime`). */
  private writeQueue: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(url: string, options: PgDatabaseOptions = {}) {
    this.location = redactUrl(url);
    if (!/^postgres(ql)?:\/\//i.test(url)) {
      throw new StoreError(`${this.location} is not a PostgreSQL URL (postgres://user:password@host:port/database)`);
    }
    // PostgreSQL's lock_timeout of 0 means wait forever, SQLite's busy timeout of 0 fail at once: the nearest is 1 ms.
    const busyTimeoutMs = Math.max(1, Math.round(options.busyTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS));
    this.busyTimeoutMs = busyTimeoutMs;
    const config: pg.ClientConfig = {
      connectionString: url,
      types: NUMBER_TYPES,
      application_name: options.applicationName ?? 'ilhedge',
      connectionTimeoutMillis: options.connectTimeoutMs ?? 5_000,
      keepAlive: true,
    };
    this.pool = new pg.Pool({
      ...config,
      max: options.poolSize ?? 10,
      lock_timeout: busyTimeoutMs,
      idle_in_transaction_session_timeout: options.idleInTransactionTimeoutMs ?? 60_000,
    });
    // An idle connection that fails (the server restarted) is dropped by the pool; without a handler the
    // 'error' event would end the process.
    this.pool.on('error', (error) =>
      options.log?.(`database ${this.location}: idle connection lost (${error.message})`),
    );
    this.session = new PgSession(this.pool, null);
    this.listener = new ChangeListener(config, options.listener);
    this.claims = new AdvisoryClaims(config, this.location, options.log);
    this.attempts = Math.max(1, options.attempts ?? 5);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  all<R>(sql: string, params?: readonly SqlValue[]): Promise<R[]> {
    return this.read('query', (s) => s.all<R>(sql, params));
  }

  get<R>(sql: string, params?: readonly SqlValue[]): Promise<R | undefined> {
    return this.read('query', (s) => s.get<R>(sql, params));
  }

  /** A statement outside a transaction is a transaction of its own (so it, too, takes the write lock). */
  run(sql: string, params?: readonly SqlValue[]): Promise<{ changes: number }> {
    return this.transaction('statement', (tx) => tx.run(sql, params));
  }

  private refuseClosed(what: string): void {
    if (this.closed) throw new StoreError(`database ${this.location} is closed: ${what} was not done`);
  }

  async read<T>(what: string, body: (session: SqlSession) => Promise<T>): Promise<T> {
    this.refuseClosed(what);
    try {
      return await body(this.session);
    } catch (error) {
      throw pgStoreErrorOf(error, this.location, what);
    }
  }

  async transaction<T>(what: string, body: (tx: SqlSession) => Promise<T>): Promise<T> {
    this.refuseClosed(what);
    const outer = running.getStore();
    if (outer && outer.database === this && !outer.done) {
      throw new IlhedgeError(`transaction "${what}" was started inside transaction "${outer.what}"; pass its tx down`);
    }
    return this.oneAtATime(what, async () => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await this.attempt(what, body);
        } catch (error) {
          if (attempt < this.attempts && isRetryable(error)) {
            // The server rolled it back; a short random pause keeps two retrying instances from colliding again.
            await sleep(5 * attempt + Math.random() * 20);
            continue;
          }
          throw pgStoreErrorOf(error, this.location, what);
        }
      }
    });
  }

  /**
   * This instance's write transactions wait for each other here, in order, before taking a connection: they would
   * wait for the write lock one at a time anyway, and each waiter would hold a pool connection meanwhile, leaving
   * none for reads (and past the pool's connect timeout a waiting write would fail as "unreachable" rather than
   * busy). A wait longer than the busy timeout is refused as busy, as the write lock's is.
   */
  private async oneAtATime<T>(what: string, job: () => Promise<T>): Promise<T> {
    const previous = this.writeQueue;
    let done!: () => void;
    this.writeQueue = new Promise<void>((resolve) => (done = resolve));
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        previous,
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () =>
              reject(
                new StoreBusyError(
                  `database ${this.location}: ${what} was not written: this instance's earlier writes held the ` +
                    `write lock past the busy timeout (${this.busyTimeoutMs} ms); retry`,
                  1,
                ),
              ),
            this.busyTimeoutMs,
          );
        }),
      ]);
      clearTimeout(timer);
      return await job();
    } finally {
      clearTimeout(timer);
      // A waiter that gave up lets the next one go too: the write lock still orders them.
      done();
    }
  }

  /**
   * A pool connection for one transaction. While it is checked out the pool does not listen to its 'error' event
   * (a backend killed or the server gone mid-transaction), which unheard would end the process: the failure comes
   * out of the pending query instead, and `release` drops the connection.
   */
  private async checkout(): Promise<{ client: pg.PoolClient; release: (broken?: Error) => void }> {
    const client = await this.pool.connect();
    let failed: Error | undefined;
    const onError = (error: Error) => {
      failed ??= error;
    };
    client.on('error', onError);
    return {
      client,
      release: (broken) => {
        client.off('error', onError);
        client.release(broken ?? failed);
      },
    };
  }

  private async attempt<T>(what: string, body: (tx: SqlSession) => Promise<T>): Promise<T> {
    const { client, release } = await this.checkout();
    const session = new PgSession(client, what);
    const context = { database: this, what, done: false };
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      await client.query(`SELECT pg_advisory_xact_lock(${WRITE_LOCK_KEY})`);
      const result = await running.run(context, () => body(session));
      session.end('the transaction has committed');
      await client.query('COMMIT');
      return result;
    } catch (error) {
      session.end('the transaction was rolled back');
      await client.query('ROLLBACK').catch((rollback: Error) => {
        broken = rollback;
      });
      throw error;
    } finally {
      context.done = true;
      // A client whose ROLLBACK failed is in an unknown state (its connection likely gone): destroyed, not reused.
      release(broken);
    }
  }

  /**
   * A read of several statements that all see one snapshot (`REPEATABLE READ READ ONLY`), taking no lock: writers
   * go on meanwhile (the backup's consistent copy).
   */
  async snapshot<T>(what: string, body: (session: SqlSession) => Promise<T>): Promise<T> {
    this.refuseClosed(what);
    let checkedOut: Awaited<ReturnType<PgDatabase['checkout']>> | undefined;
    let broken: Error | undefined;
    try {
      checkedOut = await this.checkout();
      const { client } = checkedOut;
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const result = await body(new PgSession(client, what));
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await checkedOut?.client.query('ROLLBACK').catch((rollback: Error) => {
        broken = rollback;
      });
      throw pgStoreErrorOf(error, this.location, what);
    } finally {
      checkedOut?.release(broken);
    }
  }

  async schemaVersion(): Promise<number> {
    return this.read('reading the schema version', (s) => appliedVersion(s));
  }

  integrityProblems(): Promise<string[]> {
    return this.read('checking the schema', (s) => pgIntegrityProblems(s));
  }

  async publish(tx: SqlSession, change: StoreChange): Promise<void> {
    await tx.run('SELECT pg_notify(?, ?)', [CHANGES_CHANNEL, JSON.stringify({ kind: change.kind, id: change.id })]);
  }

  /** A claim across every instance, released with its session if this instance dies (claims.ts). */
  async claim(name: string): Promise<(() => Promise<void>) | null> {
    this.refuseClosed(`claiming ${name}`);
    return this.claims.claim(name);
  }

  /** The server process of the claims' connection, or null (for tests that end it). */
  get claimsBackendPid(): number | null {
    return this.claims.backendPid;
  }

  onChange(listener: (change: StoreChange) => void): () => void {
    return this.listener.subscribe(listener);
  }

  /** Resolves once the change listener's LISTEN is in effect (after the first `onChange`). */
  listening(): Promise<void> {
    return this.listener.listening();
  }

  /** How many times the change listener connected (it reconnects after a lost connection). */
  get listenerConnections(): number {
    return this.listener.connections;
  }

  /** The server process of the change listener's connection, or null (for tests that end it). */
  get listenerBackendPid(): number | null {
    return this.listener.backendPid;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.listener.close();
    await this.claims.close();
    await this.pool.end();
  }
}

/**
 * Connects to the database at `url`, migrates it to this code's schema (migrations.ts) and returns the driver; a
 * server that cannot be reached or a schema newer than this code is refused with a coded StoreError.
 */
export async function openPgDatabase(url: string, options: PgDatabaseOptions = {}): Promise<PgDatabase> {
  const db = new PgDatabase(url, options);
  try {
    await migratePg(db);
    return db;
  } catch (error) {
    await db.close();
    throw sqlStateOf(error) === null ? error : pgStoreErrorOf(error, db.location, 'migrating the schema');
  }
}
