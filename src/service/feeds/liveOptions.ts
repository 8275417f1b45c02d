/**
 * What a live feed is configured with (`LiveFeedOptions`), what it counts (`LiveFeedStats`) and what it reports
 * it runs on (`LiveDataSource`), with the defaults of its timings in one place.
 */
import type { BackoffPolicy, FeedStatus, Venue } from '../../../adapters/index.js';
import type { VenueEndpoints } from '../../../adapters/live/endpoints.js';
import type { HedgePolicy } from '../../../hedging/index.js';
import { MS_PER_SECOND } from '../../../hedging/index.js';
import { nowPrecise } from './base.js';

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

/** The timings of `LiveFeedOptions` with their defaults applied. */
export interface LiveTimings {
  now: () => number;
  maxAgeMs: number;
  quoteMaxAgeMs: number;
  maxClockSkewMs: number;
  emitIntervalMs: number;
  staleCheckMs: number;
}

/** Applies the defaults documented on `LiveFeedOptions`; a negative or non-finite timing is refused. */
export function liveTimings(options: LiveFeedOptions): LiveTimings {
  const maxAgeMs = options.maxAgeMs ?? 10 * MS_PER_SECOND;
  const timings: LiveTimings = {
    now: options.now ?? nowPrecise,
    maxAgeMs,
    quoteMaxAgeMs: options.quoteMaxAgeMs ?? maxAgeMs / 2,
    maxClockSkewMs: options.maxClockSkewMs ?? 2 * MS_PER_SECOND,
    emitIntervalMs: options.emitIntervalMs ?? 100,
    staleCheckMs: options.staleCheckMs ?? Math.max(10, maxAgeMs / 4),
  };
  for (const name of ['maxAgeMs', 'quoteMaxAgeMs', 'maxClockSkewMs', 'emitIntervalMs'] as const) {
    const value = timings[name];
    if (!Number.isFinite(value) || value < 0) throw new RangeError(`live feed ${name} must be >= 0, got ${value}`);
  }
  return timings;
}
