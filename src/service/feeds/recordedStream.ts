/**
 * A recording's websocket frames as the service's market feed: the adapters' replay feed (`openReplayFeed`: frames
 * over a loopback server, through ccxt pro and the live stream, looping) turned into service snapshots. Every
 * option quote that arrives updates that option (mark IV, forward, mark, bid and ask), a perp quote the perp, and
 * the index the spot; the quotes that arrive together (one read) make one snapshot. The snapshot's time is the
 * replay clock's, its source `replay`, its label the replay feed's, so nothing recorded is ever shown as new.
 *
 * An option is only used once its quote carries a positive mark IV and forward (the live stream has already refused
 * inconsistent updates), and only until the stream says it went stale (by age on the replay clock, or while the
 * socket was down); nothing is invented for what the recording does not hold (no perp in the recording: no perp in
 * the snapshot).
 */
import type {
  Chain,
  LiveEvent,
  MarketSnapshot,
  OptionQuote,
  PerpQuote,
  ReplayFeed,
  Venue,
} from '../../../adapters/index.js';
import { BaseFeed, nowPrecise } from './base.js';

/** Options grouped by expiry into chains, each on the forward its own quotes carry (the venue's underlying price). */
function chainsOf(venue: Venue, underlying: string, options: Iterable<OptionQuote>): Chain[] {
  const byExpiry = new Map<number, OptionQuote[]>();
  for (const o of options) {
    const expiryMs = o.instrument.expiryMs!;
    let list = byExpiry.get(expiryMs);
    if (!list) byExpiry.set(expiryMs, (list = []));
    list.push(o);
  }
  return [...byExpiry.entries()]
    .sort(([a], [b]) => a - b)
    .map(([expiryMs, list]) => {
      list.sort(
        (a, b) =>
          a.instrument.strike! - b.instrument.strike! ||
          (a.instrument.optionType === 'call' ? -1 : 1) - (b.instrument.optionType === 'call' ? -1 : 1),
      );
      const latest = list.reduce((x, y) => (y.timestampMs > x.timestampMs ? y : x));
      return {
        venue,
        underlying,
        expiryMs,
        expiryIso: new Date(expiryMs).toISOString(),
        forward: latest.forward!,
        forwardMethod: 'future' as const,
        forwardDetail: "the underlying price of the expiry's latest recorded quote",
        parityForward: null,
        options: list,
      };
    });
}

export interface RecordedStreamFeedOptions {
  venue: string;
  underlying: string;
  /** Opens the adapters' replay feed (so tests and the service choose speed, looping, the recording). */
  open: () => Promise<ReplayFeed>;
}

export class RecordedStreamFeed extends BaseFeed {
  private feed: ReplayFeed | undefined;
  /** Usable option quotes by ccxt symbol (the key the stream's stale events use). */
  private readonly options = new Map<string, OptionQuote>();
  /** Index price, quote per base. */
  private spot = NaN;
  private perp: PerpQuote | undefined;
  private seq = 0;
  private dataTimeMs = 0;
  private emitScheduled = false;
  private consuming: Promise<void> | undefined;

  constructor(private readonly settings: RecordedStreamFeedOptions) {
    super(settings.venue, settings.underlying);
  }

  async start(): Promise<void> {
    if (this.feed) return;
    this.feed = await this.settings.open();
    this.running = true;
    const feed = this.feed;
    this.consuming = (async () => {
      try {
        for await (const event of feed.stream) this.onEvent(event);
      } catch (error) {
        this.onError(error);
      } finally {
        this.running = false;
      }
    })();
  }

  async stop(): Promise<void> {
    const feed = this.feed;
    this.feed = undefined;
    this.running = false;
    if (!feed) return;
    await feed.close();
    await this.consuming;
  }

  private onEvent(event: LiveEvent): void {
    if (event.type === 'status') {
      // Connected while the replayed socket is up (/ready reads this); a failed subscription leaves it as it is.
      if (event.status !== 'error') this.running = event.status === 'up';
      return;
    }
    if (event.type === 'stale') {
      // Stale quotes are not hedged on: drop them until a fresh quote brings them back.
      for (const symbol of event.symbols) this.dropStale(symbol);
      this.scheduleEmit();
      return;
    }
    if (event.type !== 'quote') return;
    const quote = event.quote;
    if (event.stale) this.dropStale(event.symbol);
    else if (quote.kind === 'option') this.onOption(event.symbol, quote);
    else if (quote.kind === 'perp') this.onPerp(event.symbol, quote);
    else return;
    this.dataTimeMs = Math.max(this.dataTimeMs, event.receivedAtMs);
    this.scheduleEmit();
  }

  private dropStale(symbol: string): void {
    this.options.delete(symbol);
    if (symbol === this.perp?.instrument.symbol) this.perp = undefined;
  }

  private onOption(symbol: string, quote: OptionQuote): void {
    if (quote.index !== null && quote.index > 0) this.spot = quote.index;
    const i = quote.instrument;
    const priceable =
      i.strike !== null &&
      i.expiryMs !== null &&
      i.optionType !== null &&
      quote.markIv !== null &&
      quote.markIv > 0 &&
      quote.forward !== null &&
      quote.forward > 0;
    if (priceable) this.options.set(symbol, quote);
    else this.options.delete(symbol);
  }

  private onPerp(symbol: string, quote: PerpQuote): void {
    if (quote.index !== null && quote.index > 0) this.spot = quote.index;
    const price = quote.mark ?? quote.index;
    if (price === null || !(price > 0) || symbol !== quote.instrument.symbol) return;
    this.perp = quote;
  }

  /** Quotes delivered in one read arrive in one turn of the event loop: they make one snapshot. */
  private scheduleEmit(): void {
    if (this.emitScheduled) return;
    this.emitScheduled = true;
    setImmediate(() => {
      this.emitScheduled = false;
      const spot = Number.isFinite(this.spot) ? this.spot : (this.perp?.mark ?? NaN);
      // Without an index there is nothing to price on; without usable options the snapshot says so (no gamma leg).
      if (!(spot > 0) || !this.feed) return;
      const source = this.feed.source();
      const venue = this.venue as Venue;
      const chains = chainsOf(venue, this.underlying, this.options.values());
      const usable = new Set(this.options.keys());
      if (this.perp) usable.add(this.perp.instrument.symbol);
      const market: MarketSnapshot = {
        venue,
        underlying: this.underlying,
        source: { kind: 'replay', label: source.label, dataTimeMs: this.dataTimeMs },
        chains,
        perp: this.perp ?? null,
        futures: [],
        index: spot,
        // The live stream has already refused inconsistent updates and reported stale ones (dropped above).
        issues: [],
        usableForHedging: usable,
      };
      this.emit({
        venue: this.venue,
        underlying: this.underlying,
        source: 'replay',
        label: source.label,
        seq: ++this.seq,
        asOfMs: this.dataTimeMs,
        receivedAtMs: nowPrecise(),
        market,
      });
    });
  }
}
