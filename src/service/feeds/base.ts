/** Listener bookkeeping shared by the feeds. */
import type { FeedSnapshot, MarketFeed, MarketListener } from '../types.js';

/** Wall-clock ms with sub-ms resolution (same clock across processes of one machine). */
export function nowPrecise(): number {
  return performance.timeOrigin + performance.now();
}

export abstract class BaseFeed implements MarketFeed {
  private readonly listeners = new Set<MarketListener>();
  protected latest: FeedSnapshot | undefined;
  protected running = false;
  onError: (error: unknown) => void = () => {};

  constructor(
    readonly venue: string,
    readonly underlying: string,
  ) {}

  current(): FeedSnapshot | undefined {
    return this.latest;
  }

  onUpdate(listener: MarketListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  connected(): boolean {
    return this.running;
  }

  protected emit(snapshot: FeedSnapshot): void {
    this.latest = snapshot;
    for (const listener of this.listeners) {
      try {
        listener(snapshot);
      } catch (error) {
        this.onError(error);
      }
    }
  }

  abstract start(): Promise<void>;
  abstract stop(): Promise<void>;
}
