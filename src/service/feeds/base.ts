/** Listener bookkeeping shared by the feeds. */
import type { DataSourceInfo, FeedSnapshot, MarketFeed, MarketListener } from '../types.js';

/** Wall-clock ms with sub-ms resolution (same clock across processes of one machine). */
export function nowPrecise(): number {
  return performance.timeOrigin + performance.now();
}

export abstract class BaseFeed implements MarketFeed {
  private readonly listeners = new Set<MarketListener>();
  protected latest: FeedSnapshot | undefined;
  protected running = false;
  onError: (error: unknown) => void = () => {};
  /** `--demo`: replayed or demo data may make `/ready` 200 (see `MarketFeed.readyOnRecordedData`). */
  readyOnRecordedData = false;

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

  /** What data this feed runs on, read from its latest snapshot (feeds that know more override it). */
  dataSource(): DataSourceInfo {
    const source = this.latest?.source;
    const kind = source === 'live' || source === 'replay' || source === 'demo' ? source : 'scripted';
    return { kind, venue: this.venue, underlying: this.underlying, label: this.latest?.label ?? '(no data yet)' };
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
