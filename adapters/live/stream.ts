/**
 * The live market-data stream: ccxt pro's `watchTickers` / `watchTicker` / `watchOrderBook` turned into one async
 * iterable of normalised updates and typed status events, with reconnect (exponential backoff with jitter),
 * idle detection, staleness and a subscribe budget kept below the venue's rate limit. A dead feed never throws
 * out of the iteration: every failure becomes a `status` event and the stream keeps redialling until `close()`.
 *
 * The same code runs live and in replay: a replay only points ccxt's websocket URL at the loopback server
 * (`adapters/replayWs.ts`) and passes the replay clock, so staleness is judged on the recording's own time.
 *
 * Updates are taken from ccxt's own parsed results through a tap on its websocket client (see `tap.ts` for why
 * awaiting `watch*` alone would lose updates); the `watch*` loops keep the subscriptions alive and carry the
 * connection errors. ccxt's built-in reconnect backoff is set to zero (`options.ws.backoff.base`, ccxt
 * `calculateWsBackoffDelay`) so that this module's policy is the only one: otherwise the two delays would add up.
 *
 * This class wires the parts: the event queue (`eventQueue.ts`), the connection state machine (`connection.ts`),
 * the update handling (`updates.ts`) and the venue's live hooks (`VenueLiveHooks`: budget, rate-limit
 * recognition, frame fix-ups), so that nothing here names a venue.
 */
import type { Exchange, Ticker } from 'ccxt';
import { MS_PER_SECOND } from '../../pricing/time.js';
import type { Clock, Scheduler, TimerHandle } from '../clock.js';
import { sleep, systemClock, systemScheduler } from '../clock.js';
import { VenueError } from '../errors.js';
import type { Instrument, Quote, Venue } from '../model.js';
import type { VenueLiveHooks } from '../venues/common.js';
import { venueAdapter } from '../venues/index.js';
import { Backoff, defaultBackoffPolicy, type BackoffPolicy } from './backoff.js';
import { Connection, type StatusExtra } from './connection.js';
import { EventQueue } from './eventQueue.js';
import type { FeedStatus, LiveEvent, LiveStreamStats } from './events.js';
import { bucketFor, DEFAULT_REQUEST_BUDGET, type TokenBucket } from './rateLimit.js';
import { StalenessTracker } from './staleness.js';
import {
  DEFAULT_BOOK_DEPTH,
  DEFAULT_SYMBOLS_PER_SUBSCRIBE,
  describeSubscription as describe,
  splitSubscriptions,
  subscriptionSymbols,
  watchSubscription,
  type LiveExchange,
  type LiveSubscription,
} from './subscriptions.js';
import { dropConnections, tapExchange } from './tap.js';
import { LiveUpdates } from './updates.js';

// The stream's vocabulary, importable from here as before the split.
export type * from './events.js';
export type { CcxtTickerLike } from './updates.js';
export { splitSubscriptions, type LiveExchange, type LiveSubscription } from './subscriptions.js';

export interface LiveStreamOptions {
  /** A ccxt.pro exchange with markets loaded (H3's `createCcxtClient({ pro: true })` plus the venue's loader). */
  exchange: LiveExchange | Exchange;
  venue: Venue;
  /** Instruments the stream may report; updates for any other symbol are dropped (and counted). */
  instruments: readonly Instrument[];
  /**
   * Turns a ccxt ticker into the market model. Default: the venue adapter's `normaliseTicker(instrument, ticker)`
   * (`venues/index.ts`). May throw to reject an update (reported as a `rejected` event).
   */
  normalise?: (instrument: Instrument, ticker: Ticker) => Quote;
  /** Default: one `tickers` subscription for every instrument. */
  subscriptions?: readonly LiveSubscription[];
  /** Quotes older than this on `clock` are stale (ms). Default 10 000. */
  maxAgeMs?: number;
  /** No frame for this long on an open socket means a dead feed: drop and redial (ms, wall). Default 15 000. */
  idleTimeoutMs?: number;
  /** How often ages are re-checked to raise `stale` events between updates (ms, wall). Default maxAgeMs / 2. */
  staleCheckIntervalMs?: number;
  backoff?: BackoffPolicy;
  /** Random source for the backoff jitter, in [0, 1). */
  random?: () => number;
  /** Time for staleness and event stamps: the wall clock live, the replay clock in a replay. */
  clock?: Clock;
  /** Timers for backoff, idle detection and stale sweeps. */
  scheduler?: Scheduler;
  /** Budget for subscribe requests (one token each); default: the venue's `requestBudget`, below its limit. */
  bucket?: TokenBucket;
  /** Wait after a venue rate-limit error before redialling (ms). Default: the venue budget's cool-down (Deribit 5 s). */
  rateLimitCooldownMs?: number;
  /** Close the ccxt exchange (its sockets) on `close()`. Default true. */
  closeExchange?: boolean;
  /**
   * Multi-symbol subscriptions are split into requests of at most this many symbols (default 100): Deribit
   * refuses a subscribe message over 32 KiB (ccxt `watchMultipleWrapper`), about 800 channel names.
   */
  maxSymbolsPerSubscribe?: number;
  /**
   * Events held for a consumer that does not keep up (default 1 000 000); beyond it the oldest are dropped and
   * counted in `stats.overflowDropped`, so a stalled consumer cannot exhaust memory.
   */
  maxQueuedEvents?: number;
}

const DEFAULT_MAX_AGE_MS = 10 * MS_PER_SECOND;
const DEFAULT_IDLE_MS = 15 * MS_PER_SECOND;
const DEFAULT_MAX_QUEUED_EVENTS = 1_000_000;
/** How long `close()` waits for the subscription loops once ccxt's sockets are closed. */
const CLOSE_WAIT_MS = 2 * MS_PER_SECOND;

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object';
}

/**
 * A running stream. Iterate it (`for await (const event of stream)`); `close()` ends the iteration and closes
 * ccxt's sockets. Only one consumer may iterate.
 */
export class LiveStream implements AsyncIterable<LiveEvent> {
  readonly venue: Venue;
  readonly staleness: StalenessTracker;
  readonly stats: LiveStreamStats = {
    frames: 0,
    quotes: 0,
    books: 0,
    rejected: 0,
    unknownSymbols: 0,
    connects: 0,
    disconnects: 0,
    overflowDropped: 0,
  };
  private readonly exchange: LiveExchange;
  private readonly hooks: VenueLiveHooks;
  private readonly subscriptions: readonly LiveSubscription[];
  private readonly clock: Clock;
  private readonly scheduler: Scheduler;
  private readonly backoff: Backoff;
  private readonly bucket: TokenBucket;
  private readonly staleCheckIntervalMs: number;
  private readonly closeExchange: boolean;
  private readonly abort = new AbortController();
  private readonly queue: EventQueue<LiveEvent>;
  private readonly connection: Connection;
  private readonly updates: LiveUpdates;
  private readonly untap: () => void;
  private currentStatus: FeedStatus = 'connecting';
  private closing: Promise<void> | undefined;
  private staleTimer: TimerHandle | undefined;
  private loops: Promise<void>[] = [];

  constructor(options: LiveStreamOptions) {
    this.exchange = options.exchange as LiveExchange;
    this.venue = options.venue;
    const adapter = venueAdapter(options.venue);
    this.hooks = adapter.live ?? {};
    const budget = this.hooks.requestBudget ?? DEFAULT_REQUEST_BUDGET;
    const instruments = new Map(options.instruments.map((i) => [i.symbol, i]));
    const symbolsByVenueId = new Map(options.instruments.map((i) => [i.venueId, i.symbol]));
    this.queue = new EventQueue(options.maxQueuedEvents ?? DEFAULT_MAX_QUEUED_EVENTS, () => {
      this.stats.overflowDropped += 1;
    });
    this.subscriptions = splitSubscriptions(
      options.subscriptions ?? [{ kind: 'tickers', symbols: options.instruments.map((i) => i.symbol) }],
      options.maxSymbolsPerSubscribe ?? DEFAULT_SYMBOLS_PER_SUBSCRIBE,
    );
    const tickerSymbols = new Set<string>();
    const bookDepth = new Map<string, number>();
    for (const sub of this.subscriptions) {
      const bookSub = sub.kind === 'orderBook' || sub.kind === 'orderBooks';
      for (const s of subscriptionSymbols(sub)) {
        if (bookSub) bookDepth.set(s, sub.depth ?? DEFAULT_BOOK_DEPTH);
        else tickerSymbols.add(s);
      }
    }
    const maxAgeMs = options.maxAgeMs ?? DEFAULT_MAX_AGE_MS;
    this.clock = options.clock ?? systemClock;
    this.scheduler = options.scheduler ?? systemScheduler;
    this.staleness = new StalenessTracker(maxAgeMs, this.clock);
    this.backoff = new Backoff(options.backoff ?? defaultBackoffPolicy, options.random ?? Math.random);
    this.bucket = options.bucket ?? bucketFor(budget, this.scheduler);
    const idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_IDLE_MS;
    this.staleCheckIntervalMs = options.staleCheckIntervalMs ?? Math.max(1, maxAgeMs / 2);
    const rateLimitCooldownMs = options.rateLimitCooldownMs ?? budget.rateLimitCooldownMs;
    this.closeExchange = options.closeExchange ?? true;
    for (const [name, value] of [
      ['idleTimeoutMs', idleTimeoutMs],
      ['staleCheckIntervalMs', this.staleCheckIntervalMs],
      ['rateLimitCooldownMs', rateLimitCooldownMs],
    ] as const) {
      if (!Number.isFinite(value) || value < 0) throw new RangeError(`${name} must be >= 0, got ${value}`);
    }
    for (const sub of this.subscriptions) {
      for (const s of subscriptionSymbols(sub)) {
        if (!instruments.has(s)) throw new RangeError(`subscription ${describe(sub)}: ${s} is not an instrument`);
      }
    }
    this.updates = new LiveUpdates({
      venue: this.venue,
      instruments,
      tickerSymbols,
      bookDepth,
      normalise: options.normalise ?? adapter.normaliseTicker,
      staleness: this.staleness,
      clock: this.clock,
      stats: this.stats,
      push: (event) => this.queue.push(event),
    });
    this.connection = new Connection({
      venue: this.venue,
      clock: this.clock,
      scheduler: this.scheduler,
      signal: this.abort.signal,
      backoff: this.backoff,
      bucket: this.bucket,
      staleness: this.staleness,
      idleTimeoutMs,
      rateLimitCooldownMs,
      isRateLimitText: (text) => this.hooks.isRateLimit?.(text) === true,
      emitStatus: (status, message, extra) => this.emitStatus(status, message, extra),
      onFeedDown: (wasDown, atMs) => this.updates.feedDown(wasDown, atMs),
      dropSockets: () => dropConnections(this.exchange),
    });
    this.disableCcxtBackoff();
    const frameContext = { exchange: this.exchange, symbolOf: (id: string) => symbolsByVenueId.get(id) };
    this.untap = tapExchange(this.exchange, {
      onOpen: () => {
        if (this.closed) return;
        this.stats.connects += 1;
        this.connection.socketOpened();
      },
      onFrame: (_url, text) => {
        if (this.closed) return;
        this.stats.frames += 1;
        this.hooks.beforeParse?.(text, frameContext);
        this.connection.frame(text);
      },
      onResolved: (_url, resolved) => {
        if (!this.closed) this.updates.resolved(resolved, this.clock.now());
      },
      onReject: (_url, error) => this.connection.noteError(error, true),
      onError: (_url, error) => this.connection.noteError(error),
      onClose: (_url, code, error) => {
        if (!this.closed) this.stats.disconnects += 1;
        this.connection.socketClosed(code, error);
      },
    });
    this.emitStatus('connecting', `${this.venue}: connecting (${this.subscriptions.map(describe).join(', ')})`);
    this.loops = this.subscriptions.map((sub) => this.runLoop(sub));
    this.scheduleStaleSweep();
  }

  /** The feed's current state. */
  get status(): FeedStatus {
    return this.currentStatus;
  }

  get closed(): boolean {
    return this.abort.signal.aborted;
  }

  [Symbol.asyncIterator](): AsyncIterator<LiveEvent> {
    return {
      next: () => this.queue.next(),
      return: async () => {
        await this.close();
        return { done: true, value: undefined };
      },
    };
  }

  /** Ends the iteration (after the events already queued) and closes ccxt's sockets. Idempotent. */
  close(): Promise<void> {
    if (this.closing) return this.closing;
    this.closing = (async () => {
      this.abort.abort();
      this.connection.close();
      if (this.staleTimer !== undefined) this.scheduler.clearTimeout(this.staleTimer);
      this.staleness.markDown();
      if (this.closeExchange) {
        try {
          await this.exchange.close();
        } catch {
          // Closing a socket that is already gone must not turn a clean shutdown into a failure.
        }
      }
      this.untap();
      // ccxt rejects pending watch futures when it closes its sockets; without that close a loop may wait on a
      // future forever, so only wait for the loops (briefly) when the sockets were closed here.
      if (this.closeExchange) {
        await Promise.race([Promise.allSettled(this.loops), sleep(this.scheduler, CLOSE_WAIT_MS)]);
      }
      this.emitStatus('closed', `${this.venue}: stream closed`, undefined, true);
      this.queue.end();
    })();
    return this.closing;
  }

  /** Raises a `stale` event for quotes that aged past the limit since the last sweep (feed up but quiet). */
  sweepStale(): string[] {
    if (this.closed || this.staleness.feedDown) return [];
    return this.updates.sweep();
  }

  private disableCcxtBackoff(): void {
    const ws = isRecord(this.exchange.options.ws) ? this.exchange.options.ws : {};
    const backoff = isRecord(ws.backoff) ? ws.backoff : {};
    this.exchange.options.ws = { ...ws, backoff: { ...backoff, base: 0 } };
  }

  private emitStatus(status: FeedStatus, message: string, extra: StatusExtra = {}, force = false): void {
    if (this.closed && !force) return;
    if (status !== 'error') this.currentStatus = status;
    this.queue.push({ type: 'status', venue: this.venue, status, atMs: this.clock.now(), message, ...extra });
  }

  /**
   * One subscription's life: spend a token, `watch*` until the first update proves the subscription (ccxt sends
   * the subscribe request), then rest until this connection generation goes down; updates meanwhile arrive through
   * the tap. Not re-arming `watch*` after every update matters: ccxt's `watchTickers` rebuilds its request for all
   * its symbols on every call, O(symbols) per update. After a drop: wait for the backoff gate and start over.
   */
  private async runLoop(sub: LiveSubscription): Promise<void> {
    const connection = this.connection;
    while (!this.closed) {
      const generation = connection.generation;
      try {
        // Each (re)subscribe is a request against the venue's budget: wait for a token rather than be cut off.
        if (!(await this.bucket.take(1, this.abort.signal))) return;
        await watchSubscription(this.exchange, sub);
        if (!(await connection.generationEnded(generation))) return;
        if (!(await connection.waitGate())) return;
      } catch (raw) {
        if (this.closed) return;
        const error = connection.classify(raw);
        if (error instanceof VenueError && !error.retryable && error.kind !== 'rejected') {
          // Unknown symbol, unsupported method, bad arguments: retrying cannot help, the rest of the feed goes on.
          this.emitStatus('error', `${this.venue}: ${describe(sub)} dropped: ${error.message}`, {
            error,
            subscription: sub,
          });
          return;
        }
        if (
          connection.generation === generation &&
          connection.socketsOpen &&
          !connection.isRateLimit(error) &&
          !connection.rateLimitPending
        ) {
          // The socket is still up (an error frame, a handler exception): report once, retry this loop alone.
          connection.reportTransient(raw, sub);
          const wait = this.backoff.next(this.clock.now());
          if (!(await sleep(this.scheduler, wait, this.abort.signal))) return;
          continue;
        }
        // Declare down first (with this error as the cause), then drop what is left of the session: the close
        // that follows belongs to the same generation and changes nothing.
        connection.goDown(raw, `${describe(sub)} failed`);
        if (connection.socketsOpen) dropConnections(this.exchange);
        if (!(await connection.waitGate())) return;
      }
    }
  }

  private scheduleStaleSweep(): void {
    if (this.closed || this.staleCheckIntervalMs <= 0) return;
    this.staleTimer = this.scheduler.setTimeout(() => {
      this.staleTimer = undefined;
      this.sweepStale();
      this.scheduleStaleSweep();
    }, this.staleCheckIntervalMs);
  }
}

/** Starts a live stream (it begins dialling at once; iterate it to receive events). */
export function createLiveStream(options: LiveStreamOptions): LiveStream {
  return new LiveStream(options);
}
