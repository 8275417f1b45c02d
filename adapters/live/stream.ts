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
 */
import type { Exchange, Ticker } from 'ccxt';
import type { Clock, Scheduler, TimerHandle } from '../clock.js';
import { sleep, systemClock, systemScheduler } from '../clock.js';
import { fromCcxtError, VenueError, type MarketDataError } from '../errors.js';
import type { Instrument, Quote, Venue } from '../model.js';
import { venueAdapter } from '../venues/index.js';
import { Backoff, defaultBackoffPolicy, type BackoffPolicy } from './backoff.js';
import { deribitRequestBucket, TokenBucket } from './rateLimit.js';
import { StalenessTracker, type StaleReason } from './staleness.js';
import { dropConnections, tapExchange, type CcxtProExchangeLike } from './tap.js';

/** What to watch. */
export type LiveSubscription =
  /** One subscribe request for many tickers (`watchTickers`). */
  | { kind: 'tickers'; symbols: readonly string[] }
  /** One ticker (`watchTicker`). */
  | { kind: 'ticker'; symbol: string }
  /** One order book (`watchOrderBook`); `depth` levels are reported per side (default 10). */
  | { kind: 'orderBook'; symbol: string; depth?: number }
  /** Many order books in one subscribe request (`watchOrderBookForSymbols`). */
  | { kind: 'orderBooks'; symbols: readonly string[]; depth?: number };

export type FeedStatus =
  /** Dialling (first connect, or after a backoff). */
  | 'connecting'
  /** Data is flowing on a (re)connected socket. */
  | 'up'
  /** The socket dropped or failed; a redial is scheduled (`retryInMs`). */
  | 'down'
  /** The venue refused us for rate (Deribit 10028): we drained our budget and wait the refill time. */
  | 'rate-limited'
  /** No frame for `idleTimeoutMs` on an open socket: the socket is dropped and redialled. */
  | 'idle'
  /** A subscription failed for good (unknown symbol, unsupported method): it is no longer watched. */
  | 'error'
  /** `close()` was called: the iteration ends after this event. */
  | 'closed';

export interface LiveQuoteEvent {
  type: 'quote';
  venue: Venue;
  symbol: string;
  quote: Quote;
  /** Stale by age (quote.timestampMs vs the stream's clock) or because the feed was down at delivery. */
  stale: boolean;
  staleReason?: StaleReason;
  /** Stream clock time when the update was handled (the replay clock in a replay). */
  receivedAtMs: number;
}

/** One price level; `price` is in `instrument.priceCurrency` (the settle coin for inverse options). */
export interface LiveBookLevel {
  price: number;
  sizeContracts: number;
}

export interface LiveBookEvent {
  type: 'book';
  venue: Venue;
  symbol: string;
  instrument: Instrument;
  bids: LiveBookLevel[];
  asks: LiveBookLevel[];
  /** The venue's timestamp of this book state (UTC ms). */
  timestampMs: number | undefined;
  stale: boolean;
  staleReason?: StaleReason;
  receivedAtMs: number;
}

export interface LiveStatusEvent {
  type: 'status';
  venue: Venue;
  status: FeedStatus;
  atMs: number;
  /** A sentence for logs and the desk. */
  message: string;
  /** Failed dials since the connection was last healthy. */
  attempt?: number;
  /** When status is down / rate-limited / idle: the wait before the next dial (ms, wall time). */
  retryInMs?: number;
  error?: MarketDataError;
  /** For status `error`: the subscription that was dropped. */
  subscription?: LiveSubscription;
}

export interface LiveStaleEvent {
  type: 'stale';
  venue: Venue;
  /** Symbols that just became stale (order-book keys are `book:<symbol>`). */
  symbols: string[];
  reason: StaleReason;
  atMs: number;
}

/** The normaliser refused an update (inconsistent data): reported, never used, never fatal. */
export interface LiveRejectedEvent {
  type: 'rejected';
  venue: Venue;
  symbol: string;
  reason: string;
  atMs: number;
}

export type LiveEvent = LiveQuoteEvent | LiveBookEvent | LiveStatusEvent | LiveStaleEvent | LiveRejectedEvent;

/** ccxt's ticker as far as the stream needs it (the normaliser reads the rest). */
export interface CcxtTickerLike {
  symbol: string;
  info?: unknown;
  [key: string]: unknown;
}

/** A ccxt pro exchange: the tap's surface plus the unified watch methods and `close`. */
export interface LiveExchange extends CcxtProExchangeLike {
  options: Record<string, unknown>;
  /** ccxt's cached order books by symbol. */
  orderbooks?: Record<string, unknown>;
  watchTicker(symbol: string, params?: Record<string, unknown>): Promise<unknown>;
  watchTickers(symbols?: string[], params?: Record<string, unknown>): Promise<unknown>;
  watchOrderBook(symbol: string, limit?: number, params?: Record<string, unknown>): Promise<unknown>;
  watchOrderBookForSymbols(symbols: string[], limit?: number, params?: Record<string, unknown>): Promise<unknown>;
  close(): Promise<unknown>;
}

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
  /** Budget for subscribe requests (one token each); default: Deribit's, kept below the venue's limit. */
  bucket?: TokenBucket;
  /** Wait after a venue rate-limit error before redialling (ms). Default: Deribit's full refill time, 5 s. */
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

export interface LiveStreamStats {
  frames: number;
  quotes: number;
  books: number;
  rejected: number;
  /** Parsed updates for symbols not in `instruments`. */
  unknownSymbols: number;
  connects: number;
  disconnects: number;
  /** Events dropped because the consumer fell more than `maxQueuedEvents` behind. */
  overflowDropped: number;
}

const DEFAULT_MAX_AGE_MS = 10_000;
const DEFAULT_IDLE_MS = 15_000;
const DEFAULT_BOOK_DEPTH = 10;
/** Deribit answers a request over its credit budget with error 10028 `too_many_requests` (ccxt-notes P8). */
const RATE_LIMIT_TEXT = /\b10028\b|too_many_requests/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object';
}

function isOrderBook(
  value: unknown,
): value is { symbol: string; bids: unknown[]; asks: unknown[]; timestamp?: number } {
  return isRecord(value) && Array.isArray(value.bids) && Array.isArray(value.asks) && typeof value.symbol === 'string';
}

function isTicker(value: unknown): value is CcxtTickerLike {
  return isRecord(value) && typeof value.symbol === 'string' && 'bid' in value && 'ask' in value && 'info' in value;
}

const DEFAULT_SYMBOLS_PER_SUBSCRIBE = 100;

/** Splits multi-symbol subscriptions into chunks of at most `max` symbols. */
export function splitSubscriptions(subs: readonly LiveSubscription[], max: number): LiveSubscription[] {
  if (!Number.isInteger(max) || max < 1) throw new RangeError(`maxSymbolsPerSubscribe must be >= 1, got ${max}`);
  return subs.flatMap((sub): LiveSubscription[] => {
    if (sub.kind !== 'tickers' && sub.kind !== 'orderBooks') return [sub];
    if (sub.symbols.length <= max) return [sub];
    const out: LiveSubscription[] = [];
    for (let i = 0; i < sub.symbols.length; i += max) out.push({ ...sub, symbols: sub.symbols.slice(i, i + max) });
    return out;
  });
}

function subscriptionSymbols(sub: LiveSubscription): readonly string[] {
  return sub.kind === 'tickers' || sub.kind === 'orderBooks' ? sub.symbols : [sub.symbol];
}

function describe(sub: LiveSubscription): string {
  if (sub.kind === 'tickers' || sub.kind === 'orderBooks') return `${sub.kind}(${sub.symbols.length} symbols)`;
  return `${sub.kind}(${sub.symbol})`;
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
  private readonly instruments: ReadonlyMap<string, Instrument>;
  private readonly symbolsByVenueId: ReadonlyMap<string, string>;
  private readonly normalise: (instrument: Instrument, ticker: Ticker) => Quote;
  private readonly subscriptions: readonly LiveSubscription[];
  private readonly tickerSymbols = new Set<string>();
  private readonly bookDepth = new Map<string, number>();
  private readonly clock: Clock;
  private readonly scheduler: Scheduler;
  private readonly backoff: Backoff;
  private readonly bucket: TokenBucket;
  private readonly idleTimeoutMs: number;
  private readonly staleCheckIntervalMs: number;
  private readonly rateLimitCooldownMs: number;
  private readonly closeExchange: boolean;
  private readonly abort = new AbortController();
  private readonly untap: () => void;

  private queue: LiveEvent[] = [];
  private queueHead = 0;
  private readonly maxQueuedEvents: number;
  private waiter: ((result: IteratorResult<LiveEvent>) => void) | undefined;
  private ended = false;
  private closing: Promise<void> | undefined;

  private currentStatus: FeedStatus = 'connecting';
  private openSockets = 0;
  private gotFrameSinceOpen = false;
  /** Set once the current dial generation has been declared down; cleared when the next dial starts. */
  private downHandled = false;
  private gate: Promise<boolean> = Promise.resolve(true);
  /** Incremented each time the feed goes down; loops wait on `downWaiters` for the next increment. */
  private generation = 0;
  private downWaiters: ((ended: boolean) => void)[] = [];
  private readonly reported = new WeakSet<object>();
  private rateLimitSeen = false;
  /** Whether the current down generation was already treated as a rate limit. */
  private downRateLimited = false;
  private lastError: unknown;
  private idleTimer: TimerHandle | undefined;
  private staleTimer: TimerHandle | undefined;
  private readonly staleNow = new Set<string>();
  private loops: Promise<void>[] = [];

  constructor(options: LiveStreamOptions) {
    this.exchange = options.exchange as LiveExchange;
    this.venue = options.venue;
    this.instruments = new Map(options.instruments.map((i) => [i.symbol, i]));
    this.symbolsByVenueId = new Map(options.instruments.map((i) => [i.venueId, i.symbol]));
    this.normalise = options.normalise ?? venueAdapter(options.venue).normaliseTicker;
    this.maxQueuedEvents = options.maxQueuedEvents ?? 1_000_000;
    this.subscriptions = splitSubscriptions(
      options.subscriptions ?? [{ kind: 'tickers', symbols: options.instruments.map((i) => i.symbol) }],
      options.maxSymbolsPerSubscribe ?? DEFAULT_SYMBOLS_PER_SUBSCRIBE,
    );
    for (const sub of this.subscriptions) {
      const bookSub = sub.kind === 'orderBook' || sub.kind === 'orderBooks';
      for (const s of subscriptionSymbols(sub)) {
        if (bookSub) this.bookDepth.set(s, sub.depth ?? DEFAULT_BOOK_DEPTH);
        else this.tickerSymbols.add(s);
      }
    }
    const maxAgeMs = options.maxAgeMs ?? DEFAULT_MAX_AGE_MS;
    this.clock = options.clock ?? systemClock;
    this.scheduler = options.scheduler ?? systemScheduler;
    this.staleness = new StalenessTracker(maxAgeMs, this.clock);
    this.backoff = new Backoff(options.backoff ?? defaultBackoffPolicy, options.random ?? Math.random);
    this.bucket =
      options.bucket ??
      new TokenBucket({
        capacity: deribitRequestBucket.capacity,
        refillPerSecond: deribitRequestBucket.refillPerSecond,
        scheduler: this.scheduler,
      });
    this.idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_IDLE_MS;
    this.staleCheckIntervalMs = options.staleCheckIntervalMs ?? Math.max(1, maxAgeMs / 2);
    this.rateLimitCooldownMs = options.rateLimitCooldownMs ?? deribitRequestBucket.rateLimitCooldownMs;
    this.closeExchange = options.closeExchange ?? true;
    for (const [name, value] of [
      ['idleTimeoutMs', this.idleTimeoutMs],
      ['staleCheckIntervalMs', this.staleCheckIntervalMs],
      ['rateLimitCooldownMs', this.rateLimitCooldownMs],
    ] as const) {
      if (!Number.isFinite(value) || value < 0) throw new RangeError(`${name} must be >= 0, got ${value}`);
    }
    for (const sub of this.subscriptions) {
      for (const s of subscriptionSymbols(sub)) {
        if (!this.instruments.has(s)) throw new RangeError(`subscription ${describe(sub)}: ${s} is not an instrument`);
      }
    }
    this.disableCcxtBackoff();
    this.untap = tapExchange(this.exchange, {
      onOpen: () => this.onSocketOpen(),
      onFrame: (_url, text) => this.onFrame(text),
      onResolved: (_url, resolved) => this.onResolved(resolved),
      onReject: (_url, error) => this.noteError(error, true),
      onError: (_url, error) => this.noteError(error),
      onClose: (_url, code, error) => this.onSocketClose(code, error),
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
      next: () => this.next(),
      return: async () => {
        await this.close();
        return { done: true, value: undefined };
      },
    };
  }

  private next(): Promise<IteratorResult<LiveEvent>> {
    if (this.queueHead < this.queue.length) {
      const event = this.queue[this.queueHead]!;
      this.queueHead += 1;
      // Compact now and then: shift() on a long array is O(n) per event.
      if (this.queueHead >= 1024 && this.queueHead * 2 >= this.queue.length) {
        this.queue = this.queue.slice(this.queueHead);
        this.queueHead = 0;
      }
      return Promise.resolve({ done: false, value: event });
    }
    if (this.ended) return Promise.resolve({ done: true, value: undefined });
    return new Promise((resolve) => {
      this.waiter = resolve;
    });
  }

  private push(event: LiveEvent): void {
    if (this.ended) return;
    const waiter = this.waiter;
    if (waiter) {
      this.waiter = undefined;
      waiter({ done: false, value: event });
    } else {
      this.queue.push(event);
      if (this.queue.length - this.queueHead > this.maxQueuedEvents) {
        this.queueHead += 1;
        this.stats.overflowDropped += 1;
      }
    }
  }

  private end(): void {
    this.ended = true;
    const waiter = this.waiter;
    this.waiter = undefined;
    if (waiter && this.queueHead >= this.queue.length) waiter({ done: true, value: undefined });
  }

  /** Ends the iteration (after the events already queued) and closes ccxt's sockets. Idempotent. */
  close(): Promise<void> {
    if (this.closing) return this.closing;
    this.closing = (async () => {
      this.abort.abort();
      for (const wake of this.downWaiters.splice(0)) wake(false);
      if (this.idleTimer !== undefined) this.scheduler.clearTimeout(this.idleTimer);
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
      if (this.closeExchange) await Promise.race([Promise.allSettled(this.loops), sleep(this.scheduler, 2_000)]);
      this.emitStatus('closed', `${this.venue}: stream closed`, undefined, true);
      this.end();
    })();
    return this.closing;
  }

  private disableCcxtBackoff(): void {
    const ws = isRecord(this.exchange.options.ws) ? this.exchange.options.ws : {};
    const backoff = isRecord(ws.backoff) ? ws.backoff : {};
    this.exchange.options.ws = { ...ws, backoff: { ...backoff, base: 0 } };
  }

  private emitStatus(
    status: FeedStatus,
    message: string,
    extra: Partial<Pick<LiveStatusEvent, 'attempt' | 'retryInMs' | 'error' | 'subscription'>> = {},
    force = false,
  ): void {
    if (this.closed && !force) return;
    if (status !== 'error') this.currentStatus = status;
    this.push({ type: 'status', venue: this.venue, status, atMs: this.clock.now(), message, ...extra });
  }

  private onSocketOpen(): void {
    if (this.closed) return;
    this.openSockets += 1;
    this.stats.connects += 1;
    this.gotFrameSinceOpen = false;
    this.backoff.connected(this.clock.now());
    this.armIdle();
  }

  private onFrame(text: string): void {
    if (this.closed) return;
    this.stats.frames += 1;
    // An error frame carrying 10028 precedes Deribit's session kill: remember it so the close is read as a
    // rate-limit event (longer cool-down, drained budget), not as an ordinary drop.
    if (text.includes('"error"') && RATE_LIMIT_TEXT.test(text)) {
      this.rateLimitSeen = true;
      if (this.downHandled) this.escalateRateLimit();
    }
    if (this.venue === 'deribit' && text.includes('"snapshot"') && text.includes('"book.')) this.resetDeribitBook(text);
    if (!this.gotFrameSinceOpen) {
      this.gotFrameSinceOpen = true;
      this.staleness.markUp();
      this.emitStatus('up', `${this.venue}: receiving`, { attempt: this.backoff.attempts });
    }
    this.armIdle();
  }

  /**
   * ccxt 4.5.84's deribit `handleOrderBook` applies a `type: "snapshot"` notification as deltas onto the book it
   * already holds and never clears it (`js/src/pro/deribit.js`), so after a reconnect (Deribit sends a fresh
   * snapshot) or a looped replay, levels deleted in between would survive as ghosts. This runs before ccxt parses
   * the frame and drops the cached book, so the snapshot rebuilds it from scratch.
   */
  private resetDeribitBook(text: string): void {
    let data: { type?: unknown; instrument_name?: unknown } | undefined;
    try {
      data = (JSON.parse(text) as { params?: { data?: typeof data } }).params?.data;
    } catch {
      return;
    }
    if (data?.type !== 'snapshot' || typeof data.instrument_name !== 'string') return;
    const symbol = this.symbolsByVenueId.get(data.instrument_name);
    if (symbol !== undefined && this.exchange.orderbooks) delete this.exchange.orderbooks[symbol];
  }

  private onResolved(resolved: readonly unknown[]): void {
    if (this.closed) return;
    const receivedAtMs = this.clock.now();
    for (const item of resolved) {
      if (isOrderBook(item)) this.onBook(item, receivedAtMs);
      else if (isTicker(item)) this.onTicker(item, receivedAtMs);
    }
  }

  private onTicker(ticker: CcxtTickerLike, receivedAtMs: number): void {
    const instrument = this.instruments.get(ticker.symbol);
    if (!instrument || !this.tickerSymbols.has(ticker.symbol)) {
      this.stats.unknownSymbols += 1;
      return;
    }
    let quote: Quote;
    try {
      quote = this.normalise(instrument, ticker as unknown as Ticker);
    } catch (error) {
      this.stats.rejected += 1;
      const reason = error instanceof Error ? error.message : String(error);
      this.push({ type: 'rejected', venue: this.venue, symbol: ticker.symbol, reason, atMs: receivedAtMs });
      return;
    }
    this.staleness.record(ticker.symbol, quote.timestampMs);
    const view = this.staleness.view(ticker.symbol);
    // A quote delivered stale says so in its own event; the sweep only announces quotes that age afterwards.
    if (view.stale) this.staleNow.add(ticker.symbol);
    else this.staleNow.delete(ticker.symbol);
    this.stats.quotes += 1;
    this.push({
      type: 'quote',
      venue: this.venue,
      symbol: ticker.symbol,
      quote,
      stale: view.stale,
      ...(view.reason ? { staleReason: view.reason } : {}),
      receivedAtMs,
    });
  }

  private onBook(
    book: { symbol: string; bids: unknown[]; asks: unknown[]; timestamp?: number },
    receivedAtMs: number,
  ): void {
    const depth = this.bookDepth.get(book.symbol);
    const instrument = this.instruments.get(book.symbol);
    if (depth === undefined || !instrument) {
      this.stats.unknownSymbols += 1;
      return;
    }
    // ccxt's book object is mutated in place by the next delta: copy the levels now.
    const perContract = instrument.venueAmountPerContract > 0 ? instrument.venueAmountPerContract : 1;
    const levels = (side: unknown[]): LiveBookLevel[] =>
      side.slice(0, depth).flatMap((level) => {
        if (!Array.isArray(level)) return [];
        const [price, amount] = level as unknown[];
        if (typeof price !== 'number' || typeof amount !== 'number') return [];
        return [{ price, sizeContracts: amount / perContract }];
      });
    const key = `book:${book.symbol}`;
    const timestampMs = typeof book.timestamp === 'number' ? book.timestamp : undefined;
    this.staleness.record(key, timestampMs);
    const view = this.staleness.view(key);
    if (view.stale) this.staleNow.add(key);
    else this.staleNow.delete(key);
    this.stats.books += 1;
    this.push({
      type: 'book',
      venue: this.venue,
      symbol: book.symbol,
      instrument,
      bids: levels(book.bids),
      asks: levels(book.asks),
      timestampMs,
      stale: view.stale,
      ...(view.reason ? { staleReason: view.reason } : {}),
      receivedAtMs,
    });
  }

  private noteError(error: unknown, fromReject = false): void {
    if (error === undefined || this.closed) return;
    this.lastError = error;
    const text = error instanceof Error ? error.message : String(error);
    if (RATE_LIMIT_TEXT.test(text)) {
      this.rateLimitSeen = true;
      if (this.downHandled) this.escalateRateLimit();
      return;
    }
    // ccxt rejects its futures with an error frame's ExchangeError while the socket stays up: nobody may be
    // waiting on a future then (see runLoop), so report it here. Network errors belong to the close path.
    if (fromReject && this.openSockets > 0 && !this.downHandled) {
      const kind = this.classify(error);
      if (!(kind instanceof VenueError && (kind.kind === 'network' || kind.kind === 'timeout'))) {
        this.reportTransient(error);
      }
    }
  }

  private onSocketClose(code: number | undefined, error: unknown): void {
    this.openSockets = Math.max(0, this.openSockets - 1);
    if (this.closed) return;
    this.stats.disconnects += 1;
    this.disarmIdle();
    this.goDown(error ?? this.lastError, `socket closed${code !== undefined ? ` (code ${code})` : ''}`);
  }

  private classify(error: unknown): MarketDataError {
    return fromCcxtError(error, { venue: this.venue, operation: 'watch' });
  }

  private isRateLimit(error: MarketDataError): boolean {
    return (error instanceof VenueError && error.kind === 'rate-limit') || RATE_LIMIT_TEXT.test(error.message);
  }

  /** Declares the current dial generation down (once), marks everything stale and schedules the redial. */
  private goDown(cause: unknown, what: string): void {
    if (this.closed || this.downHandled) return;
    this.downHandled = true;
    this.generation += 1;
    for (const wake of this.downWaiters.splice(0)) wake(true);
    this.disarmIdle();
    const error = cause === undefined ? undefined : this.classify(cause);
    const rateLimited = this.rateLimitSeen || (error !== undefined && this.isRateLimit(error));
    this.rateLimitSeen = false;
    this.downRateLimited = rateLimited;
    this.lastError = undefined;
    const now = this.clock.now();
    let delay = this.backoff.next(now);
    if (rateLimited) {
      // Our count said we had budget, the venue says we had none: believe the venue and wait a full refill.
      this.bucket.drain();
      delay = Math.max(delay, this.rateLimitCooldownMs);
    }
    const wasDown = this.staleness.feedDown;
    this.staleness.markDown();
    const detail = error ? `: ${error.message}` : '';
    this.emitStatus(
      rateLimited ? 'rate-limited' : 'down',
      `${this.venue}: ${what}${detail}; redialling in ${Math.round(delay)} ms`,
      { attempt: this.backoff.attempts, retryInMs: delay, ...(error ? { error } : {}) },
    );
    const keys = this.staleness.views().map((v) => v.key);
    const fresh = keys.filter((k) => !this.staleNow.has(k));
    for (const k of fresh) this.staleNow.add(k);
    if (!wasDown || fresh.length > 0) {
      this.push({ type: 'stale', venue: this.venue, symbols: fresh, reason: 'feed-down', atMs: now });
    }
    this.setGate(delay);
  }

  /** Redials wait on this gate; a later `setGate` (a rate-limit escalation) supersedes the current one. */
  private setGate(delayMs: number): void {
    const gate: Promise<boolean> = sleep(this.scheduler, delayMs, this.abort.signal).then((ok) => {
      if (ok && !this.closed && this.gate === gate) {
        this.downHandled = false;
        this.emitStatus('connecting', `${this.venue}: redialling (attempt ${this.backoff.attempts})`, {
          attempt: this.backoff.attempts,
        });
      }
      return ok;
    });
    this.gate = gate;
  }

  private async waitGate(): Promise<boolean> {
    for (;;) {
      const gate = this.gate;
      if (!(await gate)) return false;
      if (gate === this.gate) return true;
    }
  }

  /**
   * A 10028 frame processed after the drop was already handled as an ordinary one (ccxt may deliver the last
   * buffered frame after the close event): escalate to the rate-limit cool-down.
   */
  private escalateRateLimit(): void {
    if (this.closed || !this.downHandled) return;
    this.rateLimitSeen = false;
    if (this.downRateLimited) return;
    this.downRateLimited = true;
    this.bucket.drain();
    const delay = this.rateLimitCooldownMs;
    this.emitStatus('rate-limited', `${this.venue}: rate limited by the venue; redialling in ${Math.round(delay)} ms`, {
      attempt: this.backoff.attempts,
      retryInMs: delay,
    });
    this.setGate(delay);
  }

  /**
   * One subscription's life: spend a token, `watch*` until the first update proves the subscription (ccxt sends
   * the subscribe request), then rest until this connection generation goes down; updates meanwhile arrive through
   * the tap. Not re-arming `watch*` after every update matters: ccxt's `watchTickers` rebuilds its request for all
   * its symbols on every call, O(symbols) per update. After a drop: wait for the backoff gate and start over.
   */
  private async runLoop(sub: LiveSubscription): Promise<void> {
    while (!this.closed) {
      const generation = this.generation;
      try {
        // Each (re)subscribe is a request against the venue's budget: wait for a token rather than be cut off.
        if (!(await this.bucket.take(1, this.abort.signal))) return;
        await this.watch(sub);
        if (!(await this.generationEnded(generation))) return;
        if (!(await this.waitGate())) return;
      } catch (raw) {
        if (this.closed) return;
        const error = this.classify(raw);
        if (error instanceof VenueError && !error.retryable && error.kind !== 'rejected') {
          // Unknown symbol, unsupported method, bad arguments: retrying cannot help, the rest of the feed goes on.
          this.emitStatus('error', `${this.venue}: ${describe(sub)} dropped: ${error.message}`, {
            error,
            subscription: sub,
          });
          return;
        }
        if (this.generation === generation && this.openSockets > 0 && !this.isRateLimit(error) && !this.rateLimitSeen) {
          // The socket is still up (an error frame, a handler exception): report once, retry this loop alone.
          this.reportTransient(raw, sub);
          const wait = this.backoff.next(this.clock.now());
          if (!(await sleep(this.scheduler, wait, this.abort.signal))) return;
          continue;
        }
        // Declare down first (with this error as the cause), then drop what is left of the session: the close
        // that follows belongs to the same generation and changes nothing.
        this.goDown(raw, `${describe(sub)} failed`);
        if (this.openSockets > 0) dropConnections(this.exchange);
        if (!(await this.waitGate())) return;
      }
    }
  }

  /** Resolves true when the connection generation `generation` has gone down, false when the stream closed. */
  private generationEnded(generation: number): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    if (this.generation !== generation) return Promise.resolve(true);
    return new Promise((resolve) => this.downWaiters.push(resolve));
  }

  /** Reports a non-fatal error once (ccxt rejects every waiting future with the same error object). */
  private reportTransient(raw: unknown, sub?: LiveSubscription): void {
    if (raw !== null && typeof raw === 'object') {
      if (this.reported.has(raw)) return;
      this.reported.add(raw);
    }
    const error = this.classify(raw);
    this.emitStatus('error', `${this.venue}: ${sub ? `${describe(sub)}: ` : ''}${error.message}`, {
      error,
      ...(sub ? { subscription: sub } : {}),
    });
  }

  private watch(sub: LiveSubscription): Promise<unknown> {
    switch (sub.kind) {
      case 'tickers':
        return this.exchange.watchTickers([...sub.symbols]);
      case 'ticker':
        return this.exchange.watchTicker(sub.symbol);
      case 'orderBook':
        // ccxt's deribit watchOrderBook writes into its params object: always pass a fresh one.
        return this.exchange.watchOrderBook(sub.symbol, undefined, {});
      case 'orderBooks':
        return this.exchange.watchOrderBookForSymbols([...sub.symbols], undefined, {});
    }
  }

  private armIdle(): void {
    this.disarmIdle();
    if (this.idleTimeoutMs <= 0 || this.closed) return;
    this.idleTimer = this.scheduler.setTimeout(() => {
      this.idleTimer = undefined;
      if (this.closed || this.openSockets === 0) return;
      this.emitStatus('idle', `${this.venue}: no frame for ${this.idleTimeoutMs} ms; dropping the socket`);
      dropConnections(this.exchange);
    }, this.idleTimeoutMs);
  }

  private disarmIdle(): void {
    if (this.idleTimer !== undefined) {
      this.scheduler.clearTimeout(this.idleTimer);
      this.idleTimer = undefined;
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

  /** Raises a `stale` event for quotes that aged past the limit since the last sweep (feed up but quiet). */
  sweepStale(): string[] {
    if (this.closed || this.staleness.feedDown) return [];
    const fresh: string[] = [];
    for (const view of this.staleness.views()) {
      if (view.stale && !this.staleNow.has(view.key)) {
        this.staleNow.add(view.key);
        fresh.push(view.key);
      }
    }
    if (fresh.length > 0) {
      this.push({ type: 'stale', venue: this.venue, symbols: fresh, reason: 'age', atMs: this.clock.now() });
    }
    return fresh;
  }
}

/** Starts a live stream (it begins dialling at once; iterate it to receive events). */
export function createLiveStream(options: LiveStreamOptions): LiveStream {
  return new LiveStream(options);
}
