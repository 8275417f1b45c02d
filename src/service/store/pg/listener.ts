/**
 * The receiving end of the store's change notifications: one dedicated connection that `LISTEN`s on the changes
 * channel and hands each change to every listener, this instance's own changes included (a NOTIFY reaches every
 * session listening, the sender's instance too), so a book reacts the same way to its own writes and to another
 * instance's.
 *
 * A NOTIFY sent while nobody listens is lost. So when the connection drops (the server restarted, a network cut,
 * `pg_terminate_backend`) it reconnects with a doubling backoff, and every time the LISTEN is (re)established,
 * including the first, listeners are given `RESYNC_CHANGE` ({kind: 'config', id: null}): "you may have missed
 * changes, reload everything". The first one covers the window between a listener subscribing and the LISTEN taking
 * effect, which would otherwise lose a change made in it.
 */
import pg from 'pg';
import type { StoreChange } from '../sql.js';

/** The channel of `pg_notify`: one per database, every instance on it listens. */
export const CHANGES_CHANNEL = 'ilhedge_changes';

/** What listeners hear after the listening connection was (re)established: reload everything. */
export const RESYNC_CHANGE: Readonly<StoreChange> = Object.freeze({ kind: 'config', id: null });

const KINDS = new Set<StoreChange['kind']>(['position', 'ticket', 'fill', 'key', 'order', 'halt', 'config']);

/** The payload of a notification as a change, or null when it is not one (another program on the channel). */
export function parseChange(payload: string | undefined): StoreChange | null {
  try {
    const value = JSON.parse(payload ?? '') as { kind?: unknown; id?: unknown };
    if (!KINDS.has(value.kind as StoreChange['kind'])) return null;
    if (value.id !== null && typeof value.id !== 'string') return null;
    return { kind: value.kind as StoreChange['kind'], id: value.id };
  } catch {
    return null;
  }
}

export interface ChangeListenerOptions {
  /** The first delay before a reconnect, doubled after each failure up to `maxBackoffMs` (default 100 ms). */
  minBackoffMs?: number;
  /** Default 5000 ms. */
  maxBackoffMs?: number;
  /** Where a lost connection or a throwing listener is reported (default: nowhere). */
  log?: (message: string) => void;
}

export class ChangeListener {
  private readonly listeners = new Set<(change: StoreChange) => void>();
  private client: pg.Client | null = null;
  private timer: NodeJS.Timeout | null = null;
  private backoffMs: number;
  private stopped = false;
  private connecting: Promise<void> | null = null;
  private waiters: (() => void)[] = [];
  /** How many times the LISTEN was established (1 after the first connection). */
  connections = 0;

  constructor(
    private readonly config: pg.ClientConfig,
    private readonly options: ChangeListenerOptions = {},
  ) {
    this.backoffMs = options.minBackoffMs ?? 100;
  }

  /** Adds a listener; the connection is opened with the first one. Returns the unsubscribe. */
  subscribe(listener: (change: StoreChange) => void): () => void {
    this.listeners.add(listener);
    if (!this.client && !this.connecting && !this.timer && !this.stopped) this.connect();
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Resolves once the LISTEN is in effect (immediately when it is). */
  listening(): Promise<void> {
    if (this.client) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** The server process of the listening connection, or null while there is none. */
  get backendPid(): number | null {
    return (this.client as (pg.Client & { processID?: number | null }) | null)?.processID ?? null;
  }

  /** Ends the connection; no reconnect follows. */
  async close(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.connecting?.catch(() => undefined);
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
    for (const resolve of this.waiters.splice(0)) resolve();
  }

  private emit(change: StoreChange): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(change);
      } catch (error) {
        // One listener's failure must not keep the change from the others.
        this.options.log?.(`a store change listener threw on ${change.kind} ${change.id}: ${String(error)}`);
      }
    }
  }

  private connect(): void {
    this.connecting = this.open().finally(() => {
      this.connecting = null;
    });
  }

  private async open(): Promise<void> {
    const client = new pg.Client(this.config);
    let lost = false;
    const onLost = (reason: string) => {
      if (lost) return;
      lost = true;
      if (this.client === client) this.client = null;
      client.end().catch(() => undefined);
      if (this.stopped) return;
      this.options.log?.(`store change listener: ${reason}; reconnecting in ${this.backoffMs} ms`);
      this.scheduleReconnect();
    };
    client.on('error', (error) => onLost(`connection lost (${error.message})`));
    client.on('end', () => onLost('connection ended'));
    client.on('notification', (message) => {
      if (message.channel !== CHANGES_CHANNEL) return;
      const change = parseChange(message.payload);
      if (change) this.emit(change);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANGES_CHANNEL}`);
    } catch (error) {
      onLost(`could not listen (${(error as Error).message})`);
      return;
    }
    if (this.stopped || lost) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.connections++;
    this.backoffMs = this.options.minBackoffMs ?? 100;
    for (const resolve of this.waiters.splice(0)) resolve();
    this.emit(RESYNC_CHANGE);
  }

  private scheduleReconnect(): void {
    if (this.timer || this.stopped) return;
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, this.options.maxBackoffMs ?? 5_000);
    this.timer = setTimeout(() => {
      this.timer = null;
      if (!this.stopped) this.connect();
    }, delay);
    this.timer.unref();
  }
}
