/** The messages between the soak harness (the service's process) and its load generator (a child process). */
import type { LatencySummary } from './histogram.js';
import type { OrderStats } from './order.js';

export const CLIENT_KINDS = ['steady', 'slow', 'reconnecting', 'garbage'] as const;
export type ClientKind = (typeof CLIENT_KINDS)[number];

/**
 * What the garbage clients send, one kind after another: each must make the service close the connection (1003,
 * or 1009 / 1006 for the oversize frame) or refuse the upgrade (`bad-key`: 401).
 */
export const GARBAGE_KINDS = [
  'not-json',
  'binary',
  'bad-schema',
  'unknown-type',
  'too-many-ids',
  'oversize',
  'bad-key',
] as const;
export type GarbageKind = (typeof GARBAGE_KINDS)[number];

export interface ClientConfig {
  /** `ws://127.0.0.1:<port>/ws`. */
  url: string;
  key: string;
  positionIds: string[];
  counts: Record<ClientKind, number>;
  /** Positions each slow reader subscribes to (and the book). */
  slowSubscriptions: number;
  /** Slow readers stop reading for this long, then read for `slowReadMs`, over and over. */
  slowPauseMs: number;
  slowReadMs: number;
  /** Reconnecting clients stay connected for a random time in this range (ms), then close (or drop) and return. */
  reconnectLifetimeMs: [number, number];
  /** Garbage clients send their garbage after a random time in this range (ms) on each connection. */
  garbageAfterMs: [number, number];
  /** New connections per second while the clients first connect. */
  rampPerSec: number;
  seed: number;
}

export type ToClients =
  | { type: 'config'; config: ClientConfig }
  /** Latency windows start at `startAtMs` (wall clock, `performance.timeOrigin + performance.now()`). */
  | { type: 'measure'; startAtMs: number; windowMs: number }
  | { type: 'clock'; id: number }
  | { type: 'stop' };

export interface WindowCounts {
  /** Hedge messages received in the window, by client kind. */
  messages: Record<ClientKind, number>;
  /** Connections opened in the window (first connections and reconnections). */
  connects: number;
}

export interface ClientWindow {
  index: number;
  /** Tick-to-push of the steady clients (the figure the soak reports); the other kinds for information. */
  latency: Record<ClientKind, LatencySummary>;
  counts: WindowCounts;
  /** The load generator's own event-loop delay p99 (ms): high means its figures include its own lag. */
  loopDelayP99Ms: number;
}

export interface GarbageOutcome {
  kind: GarbageKind;
  /** `close <code>` or `http <status>` or `error <message>`. */
  outcome: string;
  count: number;
}

export interface ClientFinal {
  order: Record<ClientKind, OrderStats>;
  connects: Record<ClientKind, number>;
  closeCodes: Record<ClientKind, Record<string, number>>;
  garbageSent: Record<GarbageKind, number>;
  garbageOutcomes: GarbageOutcome[];
  /** Garbage the service let through: a connection still open 5 s after its garbage, or a bad key accepted. */
  garbageNotRefused: number;
  /** Upgrades the service refused other than the deliberate bad keys (status -> count). */
  upgradeRejections: Record<string, number>;
  errors: number;
  errorExamples: string[];
  /** Slow readers' pause cycles. */
  slowPauses: number;
  /** Clients connected when told to stop, by kind. */
  openAtStop: Record<ClientKind, number>;
}

export type FromClients =
  | { type: 'ready'; open: number; elapsedMs: number }
  | { type: 'window'; window: ClientWindow }
  | { type: 'clock'; id: number; nowMs: number }
  | { type: 'final'; final: ClientFinal }
  | { type: 'fatal'; message: string };
