/**
 * Leader election among the service instances on one database, for the work that must run once (expiring tickets,
 * order reconciliation, the recorder): the leader is the instance whose dedicated connection holds the session-level
 * advisory lock `LEADER_LOCK_KEY`. PostgreSQL releases a session's advisory locks when the session ends, so a leader
 * that dies (SIGKILL, machine gone: its backend ends once the socket is closed or the keepalive gives up) frees the
 * lock, and the next instance to retry `pg_try_advisory_lock` takes over.
 *
 * An instance that is not leader retries every `retryMs`. A leader loses leadership, and says so at once through
 * `onChange`, when its connection errors or ends (`pg_terminate_backend`, a server restart) or stops answering its
 * heartbeat (a network cut), every `retryMs`: the lock may already be someone else's. It then reconnects and
 * competes again like any follower.
 */
import pg from 'pg';
import { redactUrl } from './errors.js';

/** The advisory lock of leadership (distinct from the driver's write lock): "ilhedge" then "L" in ASCII. */
export const LEADER_LOCK_KEY = '7596561456152667468';

export interface LeaderOptions {
  /** How often a follower tries to take the lock (default 1000 ms). */
  retryMs?: number;
  /** The lock's key, for several independent elections on one database (default `LEADER_LOCK_KEY`). */
  key?: string;
  /** `application_name` of the connection (default "ilhedge-leader"). */
  applicationName?: string;
  /** Where a lost connection is reported (default: nowhere). */
  log?: (message: string) => void;
}

export class LeaderElector {
  readonly location: string;
  private client: pg.Client | null = null;
  private leader = false;
  private closed = false;
  private timer: NodeJS.Timeout | null = null;
  private attempt: Promise<void> | null = null;
  private readonly listeners = new Set<(leader: boolean) => void>();
  private readonly retryMs: number;
  private readonly key: string;

  constructor(
    private readonly url: string,
    private readonly options: LeaderOptions = {},
  ) {
    this.location = redactUrl(url);
    this.retryMs = options.retryMs ?? 1_000;
    this.key = options.key ?? LEADER_LOCK_KEY;
    if (!/^-?\d+$/.test(this.key)) throw new Error(`leader lock key ${this.key} is not an integer`);
  }

  /** Starts competing: resolves after the first try, leader or not. */
  async start(): Promise<boolean> {
    if (!this.attempt && !this.timer) await this.tryOnce();
    else await this.attempt;
    return this.leader;
  }

  isLeader(): boolean {
    return this.leader;
  }

  /** Hears every change of leadership (true: this instance now leads). Returns the unsubscribe. */
  onChange(listener: (leader: boolean) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** The server process of the election's connection, or null (for the test that ends it). */
  get backendPid(): number | null {
    return (this.client as (pg.Client & { processID?: number | null }) | null)?.processID ?? null;
  }

  /** Stops competing; a leader releases the lock (by ending its session) and hears `false`. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.attempt?.catch(() => undefined);
    const client = this.client;
    this.client = null;
    if (client) {
      await client.query('SELECT pg_advisory_unlock_all()').catch(() => undefined);
      await client.end().catch(() => undefined);
    }
    this.setLeader(false);
  }

  private setLeader(leader: boolean): void {
    if (this.leader === leader) return;
    this.leader = leader;
    for (const listener of [...this.listeners]) {
      try {
        listener(leader);
      } catch (error) {
        this.options.log?.(`a leadership listener threw: ${String(error)}`);
      }
    }
  }

  private tryOnce(): Promise<void> {
    this.attempt = this.compete()
      .catch((error: Error) => this.lose(`could not try the leader lock (${error.message})`))
      .finally(() => {
        this.attempt = null;
        this.schedule();
      });
    return this.attempt;
  }

  /** The next step in `retryMs`: a follower tries the lock again, a leader checks its connection still answers. */
  private schedule(): void {
    if (this.closed || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      if (!this.closed) void (this.leader ? this.heartbeat() : this.tryOnce());
    }, this.retryMs);
  }

  /**
   * A leader's check of its connection: a network cut raises no error on an idle socket until TCP keepalive gives
   * up (hours, by default), while the server may already have ended the session and freed the lock. A query that
   * fails or does not answer within the retry period ends the leadership at once.
   */
  private heartbeat(): Promise<void> {
    const client = this.client;
    this.attempt = (async () => {
      try {
        if (!client) throw new Error('no connection');
        await client.query('SELECT 1');
      } catch (error) {
        if (this.client === client) {
          this.client = null;
          client?.end().catch(() => undefined);
        }
        this.lose(`the connection did not answer (${(error as Error).message})`);
      }
    })().finally(() => {
      this.attempt = null;
      this.schedule();
    });
    return this.attempt;
  }

  private async connection(): Promise<pg.Client> {
    if (this.client) return this.client;
    const client = new pg.Client({
      connectionString: this.url,
      application_name: this.options.applicationName ?? 'ilhedge-leader',
      connectionTimeoutMillis: Math.max(1_000, this.retryMs),
      // A query (the try, the heartbeat) unanswered this long fails: the connection is taken as lost.
      query_timeout: Math.max(1_000, this.retryMs),
      keepAlive: true,
    });
    const onLost = (reason: string) => {
      if (this.client !== client) return;
      this.client = null;
      client.end().catch(() => undefined);
      this.lose(reason);
      this.schedule();
    };
    client.on('error', (error) => onLost(`the election's connection failed (${error.message})`));
    client.on('end', () => onLost("the election's connection ended"));
    await client.connect();
    this.client = client;
    return client;
  }

  private async compete(): Promise<void> {
    if (this.closed) return;
    const client = await this.connection();
    const { rows } = await client.query<{ locked: boolean }>(`SELECT pg_try_advisory_lock(${this.key}) AS locked`);
    if (this.closed || this.client !== client) {
      // Closed, or the connection was lost while asking: whatever it got went with the session.
      return;
    }
    this.setLeader(rows[0]?.locked === true);
  }

  private lose(reason: string): void {
    if (this.leader) this.options.log?.(`leader lock on ${this.location} lost: ${reason}`);
    else if (!this.closed) this.options.log?.(`leader election on ${this.location}: ${reason}`);
    this.setLeader(false);
  }
}
