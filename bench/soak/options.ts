/** The soak's settings (`SoakOptions`), their defaults and the stated level-off thresholds. */
import type { GrowthThreshold } from './levels.js';
import type { ClientKind } from './protocol.js';

export interface SoakOptions {
  /** The measured period (after the warm-up). */
  durationMs: number;
  /** Clients connected and ticking before the measured period starts (not in the figures). */
  warmupMs: number;
  /** Latency percentiles per window of this length (a minute). */
  windowMs: number;
  clients: number;
  /** Shares of the clients that are slow readers, reconnecting, and garbage-sending; the rest are steady. */
  mix: { slow: number; reconnecting: number; garbage: number };
  positions: number;
  ticksPerSec: number;
  slowSubscriptions: number;
  slowPauseMs: number;
  slowReadMs: number;
  reconnectLifetimeMs: [number, number];
  garbageAfterMs: [number, number];
  rampPerSec: number;
  /** RSS, heap and descriptors every this many ms. */
  sampleMs: number;
  /** A forced full collection, then the live heap, every this many ms. */
  gcSampleMs: number;
  heartbeatMs: number;
  /** The ticket engine's option suggestions on the stream (the service's default: on). */
  suggestions: boolean;
  /**
   * `fds` is on every descriptor of the process, which moves with the reconnecting clients (tens at a time between
   * two connections, more or fewer as the service runs faster or slower): reported, not a failure.
   * `fdsBesideClients` is on the descriptors other than the connected websocket clients' sockets (`fds - wsClients`
   * at the same instant: files, pipes, the listening socket, upgrades in progress), which does not move with them:
   * the check that fails.
   */
  thresholds: {
    rss: GrowthThreshold;
    heap: GrowthThreshold;
    fds: GrowthThreshold;
    fdsBesideClients: GrowthThreshold;
  };
  seed: number;
  /** Progress lines (to stderr from the CLI). */
  progress?: (line: string) => void;
}

export const DEFAULT_MINUTES = 10;

/** The stated level-off thresholds: growth allowed in the last half of the measured period. */
export const DEFAULT_THRESHOLDS: SoakOptions['thresholds'] = {
  rss: { absolute: 16 * 1024 * 1024, relative: 0.05 },
  heap: { absolute: 4 * 1024 * 1024, relative: 0.05 },
  fds: { absolute: 50, relative: 0.05 },
  fdsBesideClients: { absolute: 20, relative: 0.05 },
};

export function soakOptions(overrides: Partial<SoakOptions> = {}): SoakOptions {
  const durationMs = overrides.durationMs ?? DEFAULT_MINUTES * 60_000;
  return {
    durationMs,
    warmupMs: 20_000,
    windowMs: 60_000,
    clients: 1000,
    mix: { slow: 0.05, reconnecting: 0.1, garbage: 0.05 },
    positions: 100,
    ticksPerSec: 100,
    slowSubscriptions: 10,
    slowPauseMs: 4_000,
    slowReadMs: 1_000,
    reconnectLifetimeMs: [2_000, 5_000],
    garbageAfterMs: [1_000, 3_000],
    rampPerSec: 500,
    sampleMs: 2_000,
    // A dozen live-heap samples or more, at most one forced collection per 30 s: 12 in 2 minutes, 20 in 10. A forced
    // collection stalls the service's loop for tens of ms: the ticks due meanwhile are late (fewer ticks), but their
    // tick-to-push is not longer, as the scripted feed stamps a tick when it delivers it, after the stall.
    gcSampleMs: Math.min(30_000, Math.max(1_000, durationMs / 12)),
    heartbeatMs: 10_000,
    suggestions: true,
    thresholds: DEFAULT_THRESHOLDS,
    seed: 13,
    ...overrides,
  };
}

/** Client counts per kind from the total and the mix (the steady clients take the rounding). */
export function clientCounts(clients: number, mix: SoakOptions['mix']): Record<ClientKind, number> {
  const slow = Math.round(clients * mix.slow);
  const reconnecting = Math.round(clients * mix.reconnecting);
  const garbage = Math.round(clients * mix.garbage);
  const steady = clients - slow - reconnecting - garbage;
  if (steady < 1) throw new Error(`soak: the mix leaves no steady client (${clients} clients)`);
  return { steady, slow, reconnecting, garbage };
}
