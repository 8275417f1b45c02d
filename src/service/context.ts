/** Everything a route handler may use, built once by `startService` (or by a test). */
import type { Logger } from 'pino';
import type { Venue } from '../../adapters/index.js';
import type { Authenticator } from './auth.js';
import type { ConfigReloader } from './configReload.js';
import type { DeskBook } from './deskBook.js';
import type { ExecutionService } from './execution/service.js';
import type { HedgeHub } from './hub.js';
import type { Leadership } from './leadership.js';
import type { ServiceMetrics } from './metrics.js';
import type { Store } from './store/index.js';

export interface ServiceContext {
  store: Store;
  hub: HedgeHub;
  /** The one engine: the book, the stream's numbers and the tickets (on `hedging/`). */
  desk: DeskBook;
  auth: Authenticator;
  metrics: ServiceMetrics;
  log: Logger;
  now: () => number;
  /** The market of a position created without one. */
  defaultMarket: { venue: Venue; underlying: string };
  /** A ticket must be approved by a different key than the one that proposed it. */
  fourEyes: boolean;
  /** A feed is "fresh" when its latest snapshot arrived within this many ms. */
  maxFeedAgeMs: number;
  startedAtMs: number;
  version: string;
  /** Re-reads positions from the store into the book after a change (bookSync.ts). */
  refreshPositions(): Promise<void>;
  /** Re-reads the ledger into the book after fills, entries or closes (bookSync.ts). */
  refreshHoldings(): Promise<void>;
  /** Whether this instance leads the desk's once-only work (leadership.ts). */
  leadership: Leadership;
  /** Ticket writes in flight: shutdown waits for them. */
  inflight: Set<Promise<unknown>>;
  /** The order manager (issue 18); built on first use by routes/execution.ts (dry-run) unless set at start-up. */
  execution?: ExecutionService;
  /** Re-reads the desk config files of start-up (configReload.ts); set by `ilhedge serve`, absent otherwise. */
  configReload?: ConfigReloader;
}
