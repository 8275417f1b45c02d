/**
 * The live market feed: one venue/underlying on ccxt pro. At start the instruments and the whole chain are loaded
 * through ccxt REST (the first market state), then the live stream (`adapters/live/stream.ts`: reconnect with
 * backoff, idle detection, the venue's request budget and rate-limit cool-down) subscribes the tickers the policies
 * can use (`liveInstruments.ts`), the perp and each chosen expiry's future; the index rides on every ticker
 * (`index_price`). Instruments are reloaded periodically, so listings and expiries during the day are picked up
 * without a restart (a changed set gets a new stream; the market state carries over).
 *
 * Honest age: every quote keeps the venue's own timestamp. A snapshot's `market.source.dataTimeMs` is the oldest
 * timestamp among the quotes it lets hedging use, and its `asOfMs` our clock at emission, so the desk book's
 * quote age (`asOfMs - dataTimeMs` plus time since emission) is the age of the data on the venue's clock, never
 * the time since we received it. A quote older than `quoteMaxAgeMs`, or any quote while the stream is not up, is
 * left out of `usableForHedging` (not hedged on); with nothing usable the snapshot's data time is the newest data
 * seen, so the market visibly ages into `stale`. A quote stamped further in the future than `maxClockSkewMs` cannot
 * be aged at all and is refused (counted in `stats.skewed`): the venue's clock and ours disagree.
 *
 * Nothing is double-counted: quotes are kept per instrument (latest venue timestamp wins; a repeat of the same
 * update, as after a reconnect, replaces it with itself; an older one is dropped), so reconnects, duplicated and
 * reordered frames change no state. `--record` captures what the feed received below ccxt (`adapters/record`) in
 * the recording format, so the file serves back through `replay:<file>`.
 */
import type { Exchange } from 'ccxt';
import {
  assembleSnapshot,
  bucketFor,
  fromCcxtError,
  ccxtPackageVersion,
  DEFAULT_REQUEST_BUDGET,
  rateLimitedFetch,
  createCcxtClient,
  createLiveStream,
  createRecorder,
  tickerAndBookSubscriptions,
  venueAdapter,
  type BackoffPolicy,
  type FeedStatus,
  type Instrument,
  type InstrumentIndex,
  type LiveEvent,
  type LiveStream,
  type MarketSnapshot,
  type OptionQuote,
  type Quote,
  type Recorder,
  type TokenBucket,
  type Venue,
} from '../../../adapters/index.js';
import { applyEndpoints, type VenueEndpoints } from '../../../adapters/live/endpoints.js';
import type { HedgePolicy } from '../../../hedging/index.js';
import { MS_PER_MINUTE, MS_PER_SECOND } from '../../../pricing/time.js';
import type { FeedSnapshot } from '../types.js';
import { BaseFeed, nowPrecise } from './base.js';
import { chooseLiveInstruments } from './liveInstruments.js';

export interface LiveFeedOptions {
  venue: Venue;
  underlying: string;
  /** The policies in force on this market: they decide which option tickers are subscribed. */
  policies: readonly HedgePolicy[];
  /** REST origin and websocket URL (default: the venue's own, as ccxt knows them). */
  endpoints?: VenueEndpoints;
  /** The market is stale (and `/ready` 503) when its data is older than this on the venue's clock. Default 10 s. */
  maxAgeMs?: number;
  /** A quote older than this is not hedged on. Default maxAgeMs / 2, so a quiet feed drops quotes before going stale. */
  quoteMaxAgeMs?: number;
  /** A quote stamped more than this ahead of our clock is refused (clock skew). Default 2 s. */
  maxClockSkewMs?: number;
  /** How often instruments are reloaded through REST (new listings, expiries). Default 15 min. */
  instrumentReloadMs?: number;
  /** At most one snapshot per this many ms (updates in between are coalesced into the next). Default 100. */
  emitIntervalMs?: number;
  /** While quiet or down, a snapshot is re-emitted this often so the desk sees the data age. Default maxAgeMs / 4. */
  staleCheckMs?: number;
  /** No frame for this long on an open socket: drop and redial (wall ms). Default 15 s. */
  idleTimeoutMs?: number;
  backoff?: BackoffPolicy;
  /** Wait after the venue's rate-limit refusal before redialling (default: the venue budget's cool-down). */
  rateLimitCooldownMs?: number;
  /** Write everything the feed received to this file (recording format) when the feed stops. */
  recordFile?: string;
  /**
   * Most websocket frames a recording keeps (default 300 000, about 250 MB of Deribit tickers: some minutes of a
   * full subscription). The recorder holds the session in memory until the service stops, so a day-long `--record`
   * must stop somewhere; the file keeps the first frames and the feed says where it stopped (`lastProblem`).
   */
  recordMaxFrames?: number;
  /** Our clock (epoch ms). Default the wall clock; tests run the whole service on one injected clock. */
  now?: () => number;
}

export interface LiveFeedStats {
  /** Quote updates accepted into the market state. */
  accepted: number;
  /** Updates identical in time to the state held (a repeat after a reconnect): no change. */
  duplicates: number;
  /** Updates older than the state held for that instrument: dropped. */
  outOfOrder: number;
  /** Updates stamped too far in our future (clock skew): refused. */
  skewed: number;
  /** Updates the venue adapter refused as inconsistent. */
  rejected: number;
  /** Snapshots emitted. */
  emitted: number;
  instrumentReloads: number;
  /** New streams opened because the instrument set changed. */
  resubscribes: number;
}

/** What the feed runs on, for `/health`, `/ready` and the logs. */
export interface LiveDataSource {
  kind: 'live';
  venue: string;
  underlying: string;
  label: string;
  status: FeedStatus;
  subscribed: number;
  endpoints: { rest: string; ws: string };
}

function describeWs(exchange: Exchange): string {
  const ws = (exchange.urls.api as Record<string, unknown>).ws;
  if (typeof ws === 'string') return ws;
  if (ws !== null && typeof ws === 'object') {
    const first = Object.values(ws as Record<string, unknown>).find((v) => typeof v === 'string');
    if (typeof first === 'string') return first;
  }
  return '?';
}

function describeRest(exchange: Exchange): string {
  const api = exchange.urls.api as Record<string, unknown>;
  for (const [key, value] of Object.entries(api)) {
    if (key === 'ws') continue;
    const url =
      typeof value === 'string'
        ? value
        : Object.values((value ?? {}) as Record<string, unknown>).find((v) => typeof v === 'string');
    if (typeof url === 'string') return new URL(url).origin;
  }
  return '?';
}

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
  private readonly maxClockSkewMs: number;
  private readonly emitIntervalMs: number;
  private readonly staleCheckMs: number;
  private readonly quotes = new Map<string, Quote>();
  private readonly recorder: Recorder | null;
  /** One budget for REST calls and websocket subscribes: the venue counts them against the same credits. */
  private readonly bucket: TokenBucket;
  private readonly fetchImpl: (url: string, init?: RequestInit) => Promise<Response>;
  private exchange: Exchange | undefined;
  private instruments: InstrumentIndex | undefined;
  private chosen: Instrument[] = [];
  private stream: LiveStream | undefined;
  private generation = 0;
  private streamStatus: FeedStatus = 'connecting';
  private consumers: Promise<void>[] = [];
  private seq = 0;
  private label: string;
  private lastEmitWallMs = 0;
  private emitTimer: NodeJS.Timeout | undefined;
  private staleTimer: NodeJS.Timeout | undefined;
  private reloadTimer: NodeJS.Timeout | undefined;
  private acceptedSinceCheck = 0;
  private recordingCapped = false;
  private stopped = false;

  constructor(private readonly options: LiveFeedOptions) {
    super(options.venue, options.underlying);
    this.venueId = options.venue;
    this.now = options.now ?? nowPrecise;
    this.maxAgeMs = options.maxAgeMs ?? 10 * MS_PER_SECOND;
    this.quoteMaxAgeMs = options.quoteMaxAgeMs ?? this.maxAgeMs / 2;
    this.maxClockSkewMs = options.maxClockSkewMs ?? 2 * MS_PER_SECOND;
    this.emitIntervalMs = options.emitIntervalMs ?? 100;
    this.staleCheckMs = options.staleCheckMs ?? Math.max(10, this.maxAgeMs / 4);
    for (const [name, value] of [
      ['maxAgeMs', this.maxAgeMs],
      ['quoteMaxAgeMs', this.quoteMaxAgeMs],
      ['maxClockSkewMs', this.maxClockSkewMs],
      ['emitIntervalMs', this.emitIntervalMs],
    ] as const) {
      if (!Number.isFinite(value) || value < 0) throw new RangeError(`live feed ${name} must be >= 0, got ${value}`);
    }
    this.bucket = bucketFor(venueAdapter(options.venue).live?.requestBudget ?? DEFAULT_REQUEST_BUDGET);
    const limited = rateLimitedFetch((url, init) => fetch(url, init), this.bucket);
    this.recorder = options.recordFile
      ? createRecorder({
          venue: options.venue,
          underlying: options.underlying,
          label: `${options.venue} ${options.underlying} recorded live by ilhedge serve --record`,
          clock: { kind: 'live', now: () => this.now() },
          fetch: limited,
        })
      : null;
    this.fetchImpl = this.recorder?.fetchImplementation ?? limited;
    this.label = `live: ${options.venue} ${options.underlying} via ccxt pro ${ccxtPackageVersion()}`;
  }

  /**
   * Connected while the stream's data is live: its staleness tracker is up from the first frame on a (re)opened
   * socket until the connection goes down (the tracker, not the last status event, is what the stream itself ages
   * quotes by).
   */
  override connected(): boolean {
    const stream = this.stream;
    return this.running && stream !== undefined && !stream.closed && !stream.staleness.feedDown;
  }

  /** The ccxt symbols subscribed now. */
  subscribedSymbols(): string[] {
    return this.chosen.map((i) => i.symbol);
  }

  override dataSource(): LiveDataSource {
    const ex = this.exchange;
    return {
      kind: 'live',
      venue: this.venue,
      underlying: this.underlying,
      label: this.label,
      status: this.connected() ? 'up' : this.streamStatus === 'up' ? 'down' : this.streamStatus,
      subscribed: this.chosen.length,
      endpoints: { rest: ex ? describeRest(ex) : '?', ws: ex ? describeWs(ex) : '?' },
    };
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.stopped = false;
    const adapter = venueAdapter(this.venueId);
    const exchange = await this.newExchange();
    const opts = { underlying: this.underlying };
    let rest: Awaited<ReturnType<typeof adapter.fetchQuotes>>;
    try {
      this.instruments = await adapter.loadInstruments(exchange, opts);
      rest = await adapter.fetchQuotes(exchange, this.instruments, opts);
    } catch (error) {
      await exchange.close().catch(() => undefined);
      // Named: which venue, which underlying, at which step, with ccxt's reason (unreachable, refused, bad answer).
      throw fromCcxtError(error, {
        venue: this.venueId,
        symbol: this.underlying,
        operation: `live feed start via ${describeRest(exchange)}`,
      });
    }
    const selection = this.select(this.instruments.all(), rest.options, rest.perp?.mark ?? rest.index);
    // The REST chain is the first market state; only what the stream will keep current is kept.
    const keep = new Set(selection.map((i) => i.symbol));
    for (const q of [...rest.options, ...rest.futures, ...(rest.perp ? [rest.perp] : [])]) {
      if (keep.has(q.instrument.symbol)) this.accept(q);
    }
    this.label = `live: ${this.venueId} ${this.underlying} via ccxt pro ${ccxtPackageVersion()} (${describeWs(exchange)})`;
    this.running = true;
    this.openStream(exchange, selection);
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
    this.generation += 1;
    const stream = this.stream;
    this.stream = undefined;
    await stream?.close();
    await Promise.allSettled(this.consumers);
    if (this.recorder) {
      this.recorder.stop();
      await this.recorder.writeFile(this.options.recordFile!);
    }
  }

  /**
   * Reloads the instruments through REST and, when the set to subscribe changed (a listing, an expiry, a forward
   * that moved the band), opens a new stream on it and closes the old one. Returns whether the set changed.
   */
  async reloadInstruments(): Promise<boolean> {
    const exchange = this.exchange;
    if (!exchange || this.stopped) return false;
    const adapter = venueAdapter(this.venueId);
    let instruments: InstrumentIndex;
    try {
      instruments = await adapter.loadInstruments(exchange, { underlying: this.underlying });
    } catch (error) {
      throw fromCcxtError(error, { venue: this.venueId, symbol: this.underlying, operation: 'instrument reload' });
    }
    this.stats.instrumentReloads += 1;
    this.instruments = instruments;
    const options = [...this.quotes.values()].filter((q): q is OptionQuote => q.kind === 'option');
    const perp = [...this.quotes.values()].find((q) => q.kind === 'perp');
    const selection = this.select(instruments.all(), options, perp?.mark ?? this.indexPrice());
    const now = this.now();
    for (const [symbol, q] of this.quotes) {
      // Expired instruments leave the market state (they are also skipped at emission until this runs).
      if (q.instrument.expiryMs !== null && q.instrument.expiryMs <= now) this.quotes.delete(symbol);
    }
    const before = this.chosen.map((i) => i.symbol).join('\n');
    const after = selection.map((i) => i.symbol).join('\n');
    if (before === after || this.stopped) return false;
    this.stats.resubscribes += 1;
    const next = await this.newExchange();
    next.setMarkets(Object.values(exchange.markets ?? {}));
    const old = this.stream;
    this.openStream(next, selection);
    await old?.close();
    return true;
  }

  private select(listed: Instrument[], options: readonly OptionQuote[], reference: number | null): Instrument[] {
    const forwards = new Map<number, number>();
    for (const q of options) {
      const e = q.instrument.expiryMs;
      if (e !== null && q.forward !== null && q.forward > 0 && !forwards.has(e)) forwards.set(e, q.forward);
    }
    return chooseLiveInstruments(listed, {
      venue: this.venueId,
      perpSettle: this.underlying,
      nowMs: this.now(),
      policies: this.options.policies,
      forwards,
      reference,
    }).all;
  }

  private async newExchange(): Promise<Exchange> {
    const exchange = createCcxtClient({
      venue: this.venueId,
      pro: true,
      underlyings: [this.underlying],
      // Requests are paced by our bucket below the venue's budget (shared with the stream's subscribes), not by
      // ccxt's throttle: with it on, ccxt 4.5.84 sends a subscribe after `client.throttle()` without catching the
      // send (`js/src/base/Exchange.js` watchMultiple, ~L1552), so a socket closed between open and send (a venue
      // refusing us) becomes an unhandled rejection, which ends a Node process.
      fetchImplementation: this.fetchImpl,
      enableRateLimit: false,
    });
    await applyEndpoints(exchange, this.options.endpoints ?? {});
    this.recorder?.attach(exchange as unknown as Parameters<Recorder['attach']>[0]);
    this.exchange = exchange;
    return exchange;
  }

  private openStream(exchange: Exchange, selection: Instrument[]): void {
    if (selection.length === 0) {
      throw new Error(`live ${this.venueId} ${this.underlying}: nothing to subscribe (no perp, no usable option)`);
    }
    this.chosen = selection;
    const generation = ++this.generation;
    const stream = createLiveStream({
      exchange,
      venue: this.venueId,
      instruments: selection,
      subscriptions: tickerAndBookSubscriptions(
        selection.map((i) => i.symbol),
        [],
      ),
      clock: { kind: 'live', now: () => this.now() },
      bucket: this.bucket,
      maxAgeMs: this.quoteMaxAgeMs > 0 ? this.quoteMaxAgeMs : this.maxAgeMs,
      ...(this.options.idleTimeoutMs !== undefined ? { idleTimeoutMs: this.options.idleTimeoutMs } : {}),
      ...(this.options.backoff !== undefined ? { backoff: this.options.backoff } : {}),
      ...(this.options.rateLimitCooldownMs !== undefined
        ? { rateLimitCooldownMs: this.options.rateLimitCooldownMs }
        : {}),
    });
    this.stream = stream;
    this.streamStatus = 'connecting';
    this.consumers.push(
      (async () => {
        try {
          for await (const event of stream) {
            if (generation !== this.generation) continue;
            this.onEvent(event);
          }
        } catch (error) {
          this.onError(error);
        }
      })(),
    );
  }

  private onEvent(event: LiveEvent): void {
    switch (event.type) {
      case 'quote':
        if (this.accept(event.quote)) this.scheduleEmit();
        return;
      case 'status':
        // A subscription failing for good is reported, but the feed's state is that of its socket.
        if (event.status !== 'error' && event.status !== 'closed') this.streamStatus = event.status;
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
    const now = this.now();
    if (!Number.isFinite(q.timestampMs) || q.timestampMs - now > this.maxClockSkewMs) {
      this.stats.skewed += 1;
      this.lastProblem =
        `${q.instrument.symbol}: venue timestamp ${new Date(q.timestampMs).toISOString()} is ` +
        `${Math.round(q.timestampMs - now)} ms ahead of our clock (more than ${this.maxClockSkewMs} ms): refused`;
      return false;
    }
    const symbol = q.instrument.symbol;
    const held = this.quotes.get(symbol);
    if (held && held.timestampMs > q.timestampMs) {
      this.stats.outOfOrder += 1;
      return false;
    }
    if (held && held.timestampMs === q.timestampMs) {
      this.stats.duplicates += 1;
      this.quotes.set(symbol, q);
      return false;
    }
    this.quotes.set(symbol, q);
    this.stats.accepted += 1;
    this.acceptedSinceCheck += 1;
    return true;
  }

  /**
   * The index of the newest quote that carries one (every Deribit ticker has `index_price`); at equal times the
   * perp's, then a future's, so one update's index does not flip between instruments' rounding.
   */
  private indexPrice(): number | null {
    const rank = (q: Quote) => (q.kind === 'perp' ? 2 : q.kind === 'future' ? 1 : 0);
    let best: Quote | undefined;
    for (const q of this.quotes.values()) {
      if (q.index === null || !(q.index > 0)) continue;
      if (!best || q.timestampMs > best.timestampMs || (q.timestampMs === best.timestampMs && rank(q) > rank(best))) {
        best = q;
      }
    }
    return best?.index ?? null;
  }

  /** While quiet or not up, re-emit so the stream shows the data ageing (and going stale). */
  private staleCheck(): void {
    const cap = this.options.recordMaxFrames ?? 300_000;
    if (this.recorder && !this.recordingCapped && this.recorder.counts.ws >= cap) {
      this.recordingCapped = true;
      this.recorder.stop();
      this.lastProblem = `recording stopped after ${this.recorder.counts.ws} websocket frames (recordMaxFrames ${cap})`;
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

  /** The market state now (see the module comment for the age and usability rules). */
  snapshot(): FeedSnapshot {
    const now = this.now();
    const options: OptionQuote[] = [];
    const futures = [];
    let perp = null;
    let newest = 0;
    for (const q of this.quotes.values()) {
      if (q.instrument.expiryMs !== null && q.instrument.expiryMs <= now) continue;
      newest = Math.max(newest, q.timestampMs);
      if (q.kind === 'option') options.push(q);
      else if (q.kind === 'future') futures.push(q);
      else if (q.kind === 'perp' && q.instrument.settle === this.underlying) perp = q;
      else if (q.kind === 'perp' && perp === null) perp = q;
    }
    const assembled = assembleSnapshot(
      this.venueId,
      this.underlying,
      { options, perp, futures, index: this.indexPrice(), unknown: [] },
      { kind: 'live', label: this.label, dataTimeMs: newest },
      { asOfMs: now, maxAgeMs: this.quoteMaxAgeMs },
    );
    // Nothing is hedged on while the stream is not up: a quote that cannot be updated is not the market.
    const up = this.connected();
    const usable = up ? new Set(assembled.usableForHedging) : new Set<string>();
    let oldestUsable = Number.POSITIVE_INFINITY;
    for (const q of this.quotes.values()) {
      if (usable.has(q.instrument.symbol)) oldestUsable = Math.min(oldestUsable, q.timestampMs);
    }
    const dataTimeMs = Math.min(now, Number.isFinite(oldestUsable) ? oldestUsable : newest);
    const market: MarketSnapshot = {
      ...assembled,
      source: { kind: 'live', label: this.label, dataTimeMs },
      usableForHedging: usable,
    };
    return {
      venue: this.venue,
      underlying: this.underlying,
      source: 'live',
      label: this.label,
      seq: ++this.seq,
      asOfMs: now,
      receivedAtMs: now,
      market,
      ...(up ? {} : { stale: true }),
    };
  }
}
