/**
 * `claim(name)` of the SQL interface on PostgreSQL: a named claim (e.g. "execution:<ticket id>") held across every
 * instance on the database, as a session-level advisory lock on one connection kept for the claims. The lock's key
 * is `hashtextextended(name, 0)` (64 bits: two names colliding is as likely as guessing a random 64-bit number).
 *
 * A session's advisory locks are re-entrant, so two claims of one name by this instance would both succeed at the
 * server: the names held here are also kept in a set, and a second claim of a held name is refused locally, as the
 * SQLite driver does. When the connection is lost, the server has released every claim of this instance with it
 * (that is the point: an instance that dies frees its claims); the holders here are not interrupted, a release
 * after that is a no-op, and the next claim opens a new connection.
 */
import pg from 'pg';
import { pgStoreErrorOf } from './errors.js';

export class AdvisoryClaims {
  private readonly held = new Set<string>();
  private client: pg.Client | null = null;
  private connecting: Promise<pg.Client> | null = null;
  /** Incremented for each new connection: a release unlocks only on the session that took the lock. */
  private session = 0;
  private closed = false;

  constructor(
    private readonly config: pg.ClientConfig,
    private readonly location: string,
    private readonly log?: (message: string) => void,
  ) {}

  /** The server process of the claims' connection, or null (for the test that ends it). */
  get backendPid(): number | null {
    return (this.client as (pg.Client & { processID?: number | null }) | null)?.processID ?? null;
  }

  async claim(name: string): Promise<(() => Promise<void>) | null> {
    if (this.closed || this.held.has(name)) return null;
    this.held.add(name);
    let session: number;
    try {
      const client = await this.connection();
      session = this.session;
      const { rows } = await client.query<{ locked: boolean }>(
        'SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS locked',
        [name],
      );
      if (rows[0]?.locked !== true) {
        this.held.delete(name);
        return null;
      }
    } catch (error) {
      this.held.delete(name);
      throw pgStoreErrorOf(error, this.location, `claiming ${name}`);
    }
    let released = false;
    return async () => {
      if (released) return;
      released = true;
      this.held.delete(name);
      const client = this.client;
      // On a newer session the lock is gone already (it went with the lost one).
      if (!client || this.session !== session) return;
      await client.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [name]).catch(() => undefined);
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.connecting?.catch(() => undefined);
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
  }

  private connection(): Promise<pg.Client> {
    if (this.client) return Promise.resolve(this.client);
    this.connecting ??= this.open().finally(() => {
      this.connecting = null;
    });
    return this.connecting;
  }

  private async open(): Promise<pg.Client> {
    const client = new pg.Client(this.config);
    const lost = (reason: string) => {
      if (this.client !== client) return;
      this.client = null;
      client.end().catch(() => undefined);
      if (!this.closed && this.held.size > 0) {
        this.log?.(`database ${this.location}: claims connection ${reason}; the server released ${[...this.held]}`);
      }
    };
    client.on('error', (error) => lost(`failed (${error.message})`));
    client.on('end', () => lost('ended'));
    await client.connect();
    this.session++;
    this.client = client;
    return client;
  }
}
