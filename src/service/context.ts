/** Everything a route handler may use, built once by `startService` (or by a test). */
import type { Logger } from 'pino';
import type { Authenticator } from './auth.js';
import type { HedgeHub } from './hub.js';
import type { ServiceMetrics } from './metrics.js';
import type { Store } from './store/index.js';
import type { HedgeEngine, HedgePolicy } from './types.js';

export interface ServiceContext {
  store: Store;
  hub: HedgeHub;
  engine: HedgeEngine;
  auth: Authenticator;
  metrics: ServiceMetrics;
  log: Logger;
  now: () => number;
  /** Desk-wide policy defaults from the config; ticket requests may override them. */
  policy: HedgePolicy;
  /** A feed is "fresh" when its latest snapshot arrived within this many ms. */
  maxFeedAgeMs: number;
  startedAtMs: number;
  version: string;
  /** Re-reads positions from the store into the hub after a change. */
  refreshPositions(): void;
  /** Ticket writes in flight: shutdown waits for them. */
  inflight: Set<Promise<unknown>>;
}
