/** A feed driven by its caller: tests and benchmarks push market states and measure what the service does. */
import { moveMarket, type MarketSnapshot } from '../../../adapters/index.js';
import type { FeedSnapshot } from '../types.js';
import { BaseFeed, nowPrecise } from './base.js';

export class ScriptedFeed extends BaseFeed {
  private seq = 0;
  private readonly label: string;

  constructor(
    private readonly base: MarketSnapshot,
    options: { emitInitial?: boolean; label?: string } = {},
  ) {
    super(base.venue, base.underlying);
    this.label = options.label ?? `scripted: ${base.source.label}`;
    if (options.emitInitial !== false) this.latest = this.snapshotOf(base, 0);
  }

  private snapshotOf(market: MarketSnapshot, seq: number): FeedSnapshot {
    return {
      venue: this.venue,
      underlying: this.underlying,
      source: 'scripted',
      label: this.label,
      seq,
      asOfMs: market.source.dataTimeMs,
      receivedAtMs: nowPrecise(),
      market,
    };
  }

  async start(): Promise<void> {
    this.running = true;
  }

  async stop(): Promise<void> {
    this.running = false;
  }

  setConnected(value: boolean): void {
    this.running = value;
  }

  /** Publishes a tick: `market` (default: the current one again), received now. */
  push(market?: MarketSnapshot): FeedSnapshot {
    const snapshot = this.snapshotOf(market ?? this.latest?.market ?? this.base, ++this.seq);
    this.emit(snapshot);
    return snapshot;
  }

  /**
   * Moves the whole market by `factor` (spot, perp, every forward; option marks repriced from their IVs) and, if
   * given, the clock to `asOfMs`, as a market move does to a whole chain.
   */
  pushMove(factor: number, asOfMs?: number): FeedSnapshot {
    const previous = this.latest?.market ?? this.base;
    const t = asOfMs ?? previous.source.dataTimeMs;
    return this.push(moveMarket(previous, { priceFactor: factor, asOfMs: t, label: previous.source.label }));
  }
}
