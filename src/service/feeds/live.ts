/**
 * The live market feed: one venue/underlying on ccxt pro. This class wires the parts, each in its own module:
 * - what is subscribed and the stream carrying it, loaded at start and reloaded periodically
 *   (`liveSubscription.ts`, choosing with `liveInstruments.ts`; the ccxt client in `liveExchange.ts`);
 * - the market state, the latest quote per instrument on the venue's clock, nothing double-counted
 *   (`liveQuotes.ts`);
 * - the snapshot built from it with honest ages and what hedging may use (`liveSnapshot.ts`);
 * - `--record`, what the feed received below ccxt in the recording format (`liveRecording.ts`);
 * - the options, their defaults and the counters (`liveOptions.ts`).
 * Here: when snapshots are emitted (coalesced, and re-emitted while quiet or down so the data visibly ages).
 */
import {
  bucketFor,
  ccxtPackageVersion,
  DEFAULT_REQUEST_BUDGET,
  rateLimitedFetch,
  venueAdapter,
  type LiveEvent,
  type Quote,
  type TokenBucket,
  type Venue,
} from '../../../adapters/index.js';
import { MS_PER_MINUTE } from '../../../hedging/index.js';
import type { FeedSnapshot } from '../types.js';
import { BaseFeed } from './base.js';
import { describeRest, describeWs } from './liveExchange.js';
import { liveTimings, type LiveDataSource, type LiveFeedOptions, type LiveFeedStats } from './liveOptions.js';
import { LiveQuoteBook } from './liveQuotes.js';
import { LiveRecording } from './liveRecording.js';
import { liveMarketSnapshot } from './liveSnapshot.js';
import { LiveSubscription } from './liveSubscription.js';

export type { LiveDataSource, LiveFeedOptions, LiveFeedStats } from './liveOptions.js';

export class LiveMarketFeed extends BaseFeed {
  readonly stats: LiveFeedStats = {
    accepted: 0,
    duplicates: 0,
    outOfOrder: 0,
    skewed: 0,
    rejected: 0,
    emitted: 0,
    instrumentReloads: 0,
    resubscribes: 0,
  };
  /** The last refusal (skew, rejection), for the desk's logs. */
  lastProblem: string | null = null;
  private readonly venueId: Venue;
  private readonly now: () => number;
  private readonly maxAgeMs: number;
  private readonly quoteMaxAgeMs: number;
  private readonly emitIntervalMs: number;
  private readonly staleCheckMs: number;
  private readonly book: LiveQuoteBook;
  private readonly recording: LiveRecording | null;
  /** One budget for REST calls and websocket subscribes: the venue counts them against the same credits. */
  private readonly bucket: TokenBucket;
  private readonly subscription: LiveSubscription;
  private seq = 0;
  private label: string;
  private lastEmitWallMs = 0;
  private emitTimer: NodeJS.Timeout | undefined;
  private staleTimer: NodeJS.Timeout | undefined;
  private reloadTimer: NodeJS.Timeout | undefined;
  private acceptedSinceCheck = 0;
  private stopped = false;

  constructor(private readonly options: LiveFeedOptions) {
    super(options.venue, options.underlying);
    this.venueId = options.venue;
    const timings = liveTimings(options);
    this.now = timings.now;
    this.maxAgeMs = timings.maxAgeMs;
    this.quoteMaxAgeMs = timings.quoteMaxAgeMs;
    this.emitIntervalMs = timings.emitIntervalMs;
    this.staleCheckMs = timings.staleCheckMs;
    this.book = new LiveQuoteBook(this.stats, timings.maxClockSkewMs, (problem) => (this.lastProblem = problem));
    this.bucket = bucketFor(venueAdapter(options.venue).live?.requestBudget ?? DEFAULT_REQUEST_BUDGET);
    const limited = rateLimitedFetch((url, init) => fetch(url, init), this.bucket);
    this.recording = options.recordFile
      ? new LiveRecording({
          venue: options.venue,
          underlying: options.underlying,
          file: options.recordFile,
          maxFrames: options.recordMaxFrames,
          now: () => this.now(),
          fetch: limited,
        })
      : null;
    this.subscription = new LiveSubscription({
      venue: options.venue,
      underlying: options.underlying,
      feed: options,
      now: () => this.now(),
      bucket: this.bucket,
      fetchImplementation: this.recording?.fetchImplementation ?? limited,
      recording: this.recording,
      streamMaxAgeMs: this.quoteMaxAgeMs > 0 ? this.quoteMaxAgeMs : this.maxAgeMs,
      book: this.book,
      stats: this.stats,
      stopped: () => this.stopped,
      onEvent: (event) => this.onEvent(event),
      onError: (error) => this.onError(error),
    });
    this.label = `live: ${options.venue} ${options.underlying} via ccxt pro ${ccxtPackageVersion()}`;
  }

  /**
   * Connected while the stream's data is live: its staleness tracker is up from the first frame on a (re)opened
   * socket until the connection goes down (the tracker, not the last status event, is what the stream itself ages
   * quotes by).
   */
  override connected(): boolean {
    const stream = this.subscription.stream;
    return this.running && stream !== undefined && !stream.closed && !stream.staleness.feedDown;
  }

  /** The ccxt symbols subscribed now. */
  subscribedSymbols(): string[] {
    return this.subscription.subscribedSymbols();
  }

  override dataSource(): LiveDataSource {
    const ex = this.subscription.exchange;
    const status = this.subscription.status;
    return {
      kind: 'live',
      venue: this.venue,
      underlying: this.underlying,
      label: this.label,
      status: this.connected() ? 'up' : status === 'up' ? 'down' : status,
      subscribed: this.subscription.subscribedSymbols().length,
      endpoints: { rest: ex ? describeRest(ex) : '?', ws: ex ? describeWs(ex) : '?' },
    };
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.stopped = false;
    const { exchange, selection, quotes } = await this.subscription.load();
    for (const q of quotes) this.accept(q);
    this.label = `live: ${this.venueId} ${this.underlying} via ccxt pro ${ccxtPackageVersion()} (${describeWs(exchange)})`;
    this.running = true;
    this.subscription.open(exchange, selection);
    this.emitNow();
    this.staleTimer = setInterval(() => this.staleCheck(), this.staleCheckMs);
    this.staleTimer.unref();
    const reloadMs = this.options.instrumentReloadMs ?? 15 * MS_PER_MINUTE;
    if (reloadMs > 0) {
      this.reloadTimer = setInterval(() => {
        this.reloadInstruments().catch((error: unknown) => this.onError(error));
      }, reloadMs);
      this.reloadTimer.unref();
    }
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.running = false;
    for (const t of [this.staleTimer, this.reloadTimer]) if (t) clearInterval(t);
    if (this.emitTimer) clearTimeout(this.emitTimer);
    await this.subscription.close();
    await this.recording?.finish();
  }

  /**
   * Reloads the instruments through REST and, when the set to subscribe changed (a listing, an expiry, a forward
   * that moved the band), opens a new stream on it and closes the old one. Returns whether the set changed.
   */
  reloadInstruments(): Promise<boolean> {
    return this.subscription.reload();
  }

  private onEvent(event: LiveEvent): void {
    switch (event.type) {
      case 'quote':
        if (this.accept(event.quote)) this.scheduleEmit();
        return;
      case 'status':
        // The socket's state is kept by the subscription; a subscription failing for good is reported here.
        if (event.status === 'error') this.lastProblem = event.message;
        this.scheduleEmit();
        return;
      case 'stale':
        this.scheduleEmit();
        return;
      case 'rejected':
        this.stats.rejected += 1;
        this.lastProblem = `${event.symbol}: ${event.reason}`;
        return;
      case 'book':
        return;
    }
  }

  /** Keeps `q` if it is the newest state of its instrument; returns whether the market state changed. */
  private accept(q: Quote): boolean {
    if (!this.book.accept(q, this.now())) return false;
    this.acceptedSinceCheck += 1;
    return true;
  }

  /** While quiet or not up, re-emit so the stream shows the data ageing (and going stale). */
  private staleCheck(): void {
    const capped = this.recording?.checkCap() ?? null;
    if (capped !== null) {
      this.lastProblem = capped;
      this.onError(new Error(`live ${this.venueId} ${this.underlying}: ${this.lastProblem}`));
    }
    const quiet = this.acceptedSinceCheck === 0;
    this.acceptedSinceCheck = 0;
    if (quiet || !this.connected()) this.scheduleEmit();
  }

  private scheduleEmit(): void {
    if (this.emitTimer || this.stopped) return;
    const wait = Math.max(0, this.lastEmitWallMs + this.emitIntervalMs - Date.now());
    this.emitTimer = setTimeout(() => {
      this.emitTimer = undefined;
      this.emitNow();
    }, wait);
  }

  private emitNow(): void {
    if (this.stopped) return;
    this.lastEmitWallMs = Date.now();
    const snapshot = this.snapshot();
    this.stats.emitted += 1;
    this.emit(snapshot);
  }

  /** The market state now (see `liveSnapshot.ts` for the age and usability rules). */
  snapshot(): FeedSnapshot {
    const now = this.now();
    const up = this.connected();
    const market = liveMarketSnapshot(this.book, {
      venue: this.venueId,
      underlying: this.underlying,
      label: this.label,
      nowMs: now,
      quoteMaxAgeMs: this.quoteMaxAgeMs,
      up,
    });
    return {
      venue: this.venue,
      underlying: this.underlying,
      source: 'live',
      label: this.label,
      seq: ++this.seq,
      asOfMs: now,
      receivedAtMs: now,
      market,
      // A stream that is not up is not the market now, whatever the age of its last quotes.
      ...(up ? {} : { stale: true }),
    };
  }
}
