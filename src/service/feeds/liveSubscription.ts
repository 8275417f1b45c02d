/**
 * What a live feed subscribes to, and the stream that carries it. At start the instruments and the whole chain are
 * loaded through ccxt REST (the first market state), then the live stream (`adapters/live/stream.ts`: reconnect
 * with backoff, idle detection, the venue's request budget and rate-limit cool-down) subscribes the tickers the
 * policies can use (`liveInstruments.ts`), the perp and each chosen expiry's future; the index rides on every
 * ticker (`index_price`). Instruments are reloaded periodically, so listings and expiries during the day are picked
 * up without a restart (a changed set gets a new stream; the market state carries over).
 */
import type { Exchange } from 'ccxt';
import {
  fromCcxtError,
  createLiveStream,
  tickerAndBookSubscriptions,
  venueAdapter,
  type FeedStatus,
  type Instrument,
  type LiveEvent,
  type LiveStream,
  type OptionQuote,
  type Quote,
  type TokenBucket,
  type Venue,
} from '../../../adapters/index.js';
import { createLiveExchange, describeRest } from './liveExchange.js';
import { chooseLiveInstruments } from './liveInstruments.js';
import type { LiveFeedOptions, LiveFeedStats } from './liveOptions.js';
import type { LiveQuoteBook } from './liveQuotes.js';
import type { LiveRecording } from './liveRecording.js';

export interface LiveSubscriptionOptions {
  venue: Venue;
  underlying: string;
  feed: LiveFeedOptions;
  now: () => number;
  /** One budget for REST calls and websocket subscribes: the venue counts them against the same credits. */
  bucket: TokenBucket;
  fetchImplementation: (url: string, init?: RequestInit) => Promise<Response>;
  recording: LiveRecording | null;
  /** The stream ages quotes by this. */
  streamMaxAgeMs: number;
  /** The market state: its quotes centre the moneyness band on a reload, and lose their expired instruments. */
  book: LiveQuoteBook;
  stats: Pick<LiveFeedStats, 'instrumentReloads' | 'resubscribes'>;
  stopped: () => boolean;
  /** The current stream's events (a replaced stream's late events are dropped). */
  onEvent: (event: LiveEvent) => void;
  onError: (error: unknown) => void;
}

/** The first market state: the REST quotes of the instruments the stream will keep current. */
export interface LiveStart {
  exchange: Exchange;
  selection: Instrument[];
  quotes: Quote[];
}

export class LiveSubscription {
  /** The socket's state, from the current stream's status events. */
  status: FeedStatus = 'connecting';
  private exchangeNow: Exchange | undefined;
  private streamNow: LiveStream | undefined;
  private chosen: Instrument[] = [];
  private generation = 0;
  private consumers: Promise<void>[] = [];

  constructor(private readonly o: LiveSubscriptionOptions) {}

  /** The newest client (the current stream's, once a stream is open). */
  get exchange(): Exchange | undefined {
    return this.exchangeNow;
  }

  get stream(): LiveStream | undefined {
    return this.streamNow;
  }

  /** The ccxt symbols subscribed now. */
  subscribedSymbols(): string[] {
    return this.chosen.map((i) => i.symbol);
  }

  /** Loads the instruments and the whole chain through REST, and chooses what to subscribe. */
  async load(): Promise<LiveStart> {
    const adapter = venueAdapter(this.o.venue);
    const exchange = await this.newExchange();
    const opts = { underlying: this.o.underlying };
    let instruments: Awaited<ReturnType<typeof adapter.loadInstruments>>;
    let rest: Awaited<ReturnType<typeof adapter.fetchQuotes>>;
    try {
      instruments = await adapter.loadInstruments(exchange, opts);
      rest = await adapter.fetchQuotes(exchange, instruments, opts);
    } catch (error) {
      await exchange.close().catch(() => undefined);
      // Named: which venue, which underlying, at which step, with ccxt's reason (unreachable, refused, bad answer).
      throw fromCcxtError(error, {
        venue: this.o.venue,
        symbol: this.o.underlying,
        operation: `live feed start via ${describeRest(exchange)}`,
      });
    }
    const selection = this.select(instruments.all(), rest.options, rest.perp?.mark ?? rest.index);
    // The REST chain is the first market state; only what the stream will keep current is kept.
    const keep = new Set(selection.map((i) => i.symbol));
    const quotes = [...rest.options, ...rest.futures, ...(rest.perp ? [rest.perp] : [])].filter((q) =>
      keep.has(q.instrument.symbol),
    );
    return { exchange, selection, quotes };
  }

  /**
   * Reloads the instruments through REST and, when the set to subscribe changed (a listing, an expiry, a forward
   * that moved the band), opens a new stream on it and closes the old one. Returns whether the set changed.
   */
  async reload(): Promise<boolean> {
    const exchange = this.exchangeNow;
    if (!exchange || this.o.stopped()) return false;
    const adapter = venueAdapter(this.o.venue);
    let instruments: Awaited<ReturnType<typeof adapter.loadInstruments>>;
    try {
      instruments = await adapter.loadInstruments(exchange, { underlying: this.o.underlying });
    } catch (error) {
      throw fromCcxtError(error, { venue: this.o.venue, symbol: this.o.underlying, operation: 'instrument reload' });
    }
    this.o.stats.instrumentReloads += 1;
    const book = this.o.book;
    const selection = this.select(instruments.all(), book.optionQuotes(), book.firstPerp()?.mark ?? book.indexPrice());
    book.dropExpired(this.o.now());
    const before = this.chosen.map((i) => i.symbol).join('\n');
    const after = selection.map((i) => i.symbol).join('\n');
    if (before === after || this.o.stopped()) return false;
    this.o.stats.resubscribes += 1;
    const next = await this.newExchange();
    next.setMarkets(Object.values(exchange.markets ?? {}));
    const old = this.streamNow;
    this.open(next, selection);
    await old?.close();
    return true;
  }

  /** Subscribes `selection` on a new stream; the events of any earlier stream are dropped from now on. */
  open(exchange: Exchange, selection: Instrument[]): void {
    if (selection.length === 0) {
      throw new Error(`live ${this.o.venue} ${this.o.underlying}: nothing to subscribe (no perp, no usable option)`);
    }
    this.chosen = selection;
    const generation = ++this.generation;
    const feed = this.o.feed;
    const stream = createLiveStream({
      exchange,
      venue: this.o.venue,
      instruments: selection,
      subscriptions: tickerAndBookSubscriptions(
        selection.map((i) => i.symbol),
        [],
      ),
      clock: { kind: 'live', now: () => this.o.now() },
      bucket: this.o.bucket,
      maxAgeMs: this.o.streamMaxAgeMs,
      ...(feed.idleTimeoutMs !== undefined ? { idleTimeoutMs: feed.idleTimeoutMs } : {}),
      ...(feed.backoff !== undefined ? { backoff: feed.backoff } : {}),
      ...(feed.rateLimitCooldownMs !== undefined ? { rateLimitCooldownMs: feed.rateLimitCooldownMs } : {}),
    });
    this.streamNow = stream;
    this.status = 'connecting';
    this.consumers.push(
      (async () => {
        try {
          for await (const event of stream) {
            if (generation !== this.generation) continue;
            // A subscription failing for good is reported, but the feed's state is that of its socket.
            if (event.type === 'status' && event.status !== 'error' && event.status !== 'closed') {
              this.status = event.status;
            }
            this.o.onEvent(event);
          }
        } catch (error) {
          this.o.onError(error);
        }
      })(),
    );
  }

  /** Closes the stream and waits for its events to be consumed; late events are dropped. */
  async close(): Promise<void> {
    this.generation += 1;
    const stream = this.streamNow;
    this.streamNow = undefined;
    await stream?.close();
    await Promise.allSettled(this.consumers);
  }

  private select(listed: Instrument[], options: readonly OptionQuote[], reference: number | null): Instrument[] {
    const forwards = new Map<number, number>();
    for (const q of options) {
      const e = q.instrument.expiryMs;
      if (e !== null && q.forward !== null && q.forward > 0 && !forwards.has(e)) forwards.set(e, q.forward);
    }
    return chooseLiveInstruments(listed, {
      venue: this.o.venue,
      perpSettle: this.o.underlying,
      nowMs: this.o.now(),
      policies: this.o.feed.policies,
      forwards,
      reference,
    }).all;
  }

  private async newExchange(): Promise<Exchange> {
    const exchange = await createLiveExchange({
      venue: this.o.venue,
      underlying: this.o.underlying,
      fetchImplementation: this.o.fetchImplementation,
      endpoints: this.o.feed.endpoints,
      recording: this.o.recording,
    });
    this.exchangeNow = exchange;
    return exchange;
  }
}
