/** A feed driven by its caller: tests and benchmarks push snapshots and measure what the service does with them. */
import type { FeedSnapshot } from '../types.js';
import { BaseFeed, nowPrecise } from './base.js';

export type ScriptedUpdate = Partial<Omit<FeedSnapshot, 'venue' | 'underlying' | 'seq' | 'receivedAtMs'>>;

export class ScriptedFeed extends BaseFeed {
  private seq = 0;

  constructor(
    private readonly base: Omit<FeedSnapshot, 'seq' | 'receivedAtMs'>,
    options: { emitInitial?: boolean } = {},
  ) {
    super(base.venue, base.underlying);
    if (options.emitInitial !== false) this.latest = { ...base, seq: 0, receivedAtMs: nowPrecise() };
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

  /** Publishes a tick: the base snapshot with `update` applied, received now. */
  push(update: ScriptedUpdate = {}): FeedSnapshot {
    const previous = this.latest ?? { ...this.base, seq: 0, receivedAtMs: 0 };
    const snapshot: FeedSnapshot = {
      ...previous,
      ...update,
      venue: this.venue,
      underlying: this.underlying,
      seq: ++this.seq,
      receivedAtMs: nowPrecise(),
    };
    this.emit(snapshot);
    return snapshot;
  }

  /** Moves every price (spot, perp, forwards) by `factor`, as a market move does to a whole chain. */
  pushMove(factor: number, asOfMs?: number): FeedSnapshot {
    const previous = this.latest ?? { ...this.base, seq: 0, receivedAtMs: 0 };
    return this.push({
      spot: previous.spot * factor,
      perp: previous.perp ? { ...previous.perp, markPriceQuote: previous.perp.markPriceQuote * factor } : undefined,
      options: previous.options.map((o) => ({ ...o, forward: o.forward * factor })),
      asOfMs: asOfMs ?? previous.asOfMs,
    });
  }
}
