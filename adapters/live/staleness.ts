/**
 * Staleness: a quote is only as good as its timestamp. Each quote carries the venue's timestamp; it is stale
 * when older than a configured maximum age on the given clock (the wall clock live, the replay clock in a
 * replay), and every quote of a feed is stale while that feed is down, however young its timestamp: a quote
 * that cannot be updated cannot be trusted to still be the market.
 */
import type { Clock } from '../clock.js';

/** True when a quote stamped `timestampMs` is older than `maxAgeMs` at `nowMs` (or has no usable stamp). */
export function isStale(timestampMs: number | undefined, nowMs: number, maxAgeMs: number): boolean {
  if (timestampMs === undefined || !Number.isFinite(timestampMs)) return true;
  return nowMs - timestampMs > maxAgeMs;
}

export type StaleReason = 'age' | 'feed-down' | 'no-timestamp';

export interface StalenessView {
  key: string;
  timestampMs: number | undefined;
  ageMs: number | undefined;
  stale: boolean;
  reason?: StaleReason;
}

/** Tracks the latest timestamp per instrument and the feed's up/down state. */
export class StalenessTracker {
  private readonly latest = new Map<string, number | undefined>();
  private down = true;

  constructor(
    readonly maxAgeMs: number,
    private readonly clock: Clock,
  ) {
    if (!Number.isFinite(maxAgeMs) || maxAgeMs <= 0) throw new RangeError(`maxAgeMs must be > 0, got ${maxAgeMs}`);
  }

  /** The feed is delivering (after a (re)subscribe). */
  markUp(): void {
    this.down = false;
  }

  /** The feed is down: everything it carried is stale until it is back. */
  markDown(): void {
    this.down = true;
  }

  get feedDown(): boolean {
    return this.down;
  }

  /** Records a quote's timestamp (keeps the newest if updates arrive out of order). */
  record(key: string, timestampMs: number | undefined): void {
    const previous = this.latest.get(key);
    if (previous !== undefined && timestampMs !== undefined && timestampMs < previous) return;
    this.latest.set(key, timestampMs);
  }

  view(key: string): StalenessView {
    const timestampMs = this.latest.get(key);
    const now = this.clock.now();
    const ageMs = timestampMs === undefined ? undefined : now - timestampMs;
    if (this.down) return { key, timestampMs, ageMs, stale: true, reason: 'feed-down' };
    if (timestampMs === undefined) return { key, timestampMs, ageMs, stale: true, reason: 'no-timestamp' };
    if (isStale(timestampMs, now, this.maxAgeMs)) return { key, timestampMs, ageMs, stale: true, reason: 'age' };
    return { key, timestampMs, ageMs, stale: false };
  }

  isStale(key: string): boolean {
    return this.view(key).stale;
  }

  /** Every tracked key with its state. */
  views(): StalenessView[] {
    return [...this.latest.keys()].map((k) => this.view(k));
  }

  /** Keys currently stale. */
  staleKeys(): string[] {
    return this.views()
      .filter((v) => v.stale)
      .map((v) => v.key);
  }
}
