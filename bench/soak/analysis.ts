/**
 * The soak's figures into its report (`SoakReport`): per-window latency and delivery, the level-off checks on
 * memory and descriptors (`levels.ts`), the order check summed over clients (`order.ts`), and the verdict's
 * failures and warnings.
 */
import os from 'node:os';
import type { LatencyHistogram, LatencySummary } from './histogram.js';
import { checkGrowth } from './levels.js';
import type { GrowthCheck, Sample } from './levels.js';
import type { SoakOptions } from './options.js';
import { emptyOrderStats, mergeOrderStats } from './order.js';
import type { OrderStats } from './order.js';
import { CLIENT_KINDS } from './protocol.js';
import type { ClientFinal, ClientKind, ClientWindow, GarbageOutcome } from './protocol.js';
import { openFilesLimit } from './samplers.js';
import type { GcSample, MemorySample, WindowEnd } from './samplers.js';

export interface SoakWindow {
  index: number;
  fromMs: number;
  toMs: number;
  ticks: number;
  /** Steady clients' tick-to-push (receipt in the client minus the tick's arrival at the service). */
  tickToPush: LatencySummary;
  /** The other kinds, for information (slow readers' figures include their own pauses). */
  byKind: Record<ClientKind, LatencySummary>;
  /** Steady clients' messages / (ticks x steady clients). */
  steadyDeliveredShare: number;
  messages: Record<ClientKind, number>;
  connects: number;
  /** Time the service spent in each tick (compute every state, write every frame: `feed.push`). */
  serverTick: LatencySummary;
  serverLoopDelayP99Ms: number;
  clientLoopDelayP99Ms: number;
  /** Forced full collections in the window (their pauses are in the window's latency figures). */
  forcedGcs: number;
  forcedGcMaxMs: number | null;
  rssEnd: number;
  fdsEnd: number | null;
  wsClientsEnd: number;
}

export interface SoakReport {
  ok: boolean;
  failures: string[];
  /**
   * What the figures should be read with, not failures: a window that fell short of the tick rate (the service's
   * ticks took longer than the tick interval on this machine), client errors, upgrades refused.
   */
  warnings: string[];
  machine: {
    cpu: string;
    cores: number;
    node: string;
    platform: string;
    startedAt: string;
    endedAt: string;
    loadAverageStart: number[];
    loadAverageEnd: number[];
    openFilesLimit: string | null;
  };
  config: Omit<SoakOptions, 'progress'> & { counts: Record<ClientKind, number> };
  pids: { service: number; clients: number | null };
  /** What order was checked on. */
  orderField: string;
  /** The load generator's clock minus the service's (IPC round trip midpoint), and that round trip. */
  clock: { offsetMs: number; rttMs: number };
  windows: SoakWindow[];
  totals: {
    ticks: number;
    /** Steady clients over the whole period: counts summed, percentiles the worst window's (an upper bound). */
    tickToPushWorstWindow: LatencySummary;
    /** Frames the service replaced for slow readers (conflation) and hedge messages it sent, in the period. */
    conflated: number;
    messagesSent: number;
    /** The forced full collections of the live-heap samples: how many, and their pauses. */
    forcedGc: { count: number; p50Ms: number | null; maxMs: number | null };
  };
  levels: {
    rss: GrowthCheck;
    heap: GrowthCheck;
    fds: GrowthCheck | null;
    fdsBesideClients: GrowthCheck | null;
    heapMeasure: string;
  };
  /** Most websocket clients the service held at a sample (never above the load generator's client count). */
  maxServiceClients: number;
  order: { byKind: Record<ClientKind, OrderStats>; total: OrderStats };
  clients: {
    counts: Record<ClientKind, number>;
    readyAfterMs: number;
    connects: Record<ClientKind, number>;
    closeCodes: Record<ClientKind, Record<string, number>>;
    openAtStop: Record<ClientKind, number>;
    garbageSent: ClientFinal['garbageSent'];
    garbageOutcomes: GarbageOutcome[];
    garbageNotRefused: number;
    upgradeRejections: Record<string, number>;
    errors: number;
    errorExamples: string[];
    slowPauses: number;
  };
  samples: MemorySample[];
  gcSamples: GcSample[];
}

export const ORDER_FIELD =
  '`seq` of every hedge message (src/service/wire.ts: the feed tick that produced the state; position and book ' +
  'messages), per client and stream key, across reconnects: a lower seq than one already seen is out of order';

const EMPTY_SUMMARY: LatencySummary = { count: 0, p50Ms: null, p99Ms: null, p999Ms: null, maxMs: null };

/** Everything a run measured, as `runSoak` collected it. */
export interface SoakFigures {
  options: SoakOptions;
  counts: Record<ClientKind, number>;
  startedAt: Date;
  loadAverageStart: number[];
  heapMeasure: string;
  clientsPid: number | null;
  clock: { offsetMs: number; rttMs: number };
  readyAfterMs: number;
  /** Per window: the service's ticks and its time in each. */
  windowTicks: readonly number[];
  tickHistograms: readonly LatencyHistogram[];
  totalTicks: number;
  windowEnds: readonly WindowEnd[];
  /** The load generator's per-window figures, as they arrived. */
  clientWindows: readonly ClientWindow[];
  final: ClientFinal;
  samples: MemorySample[];
  gcSamples: GcSample[];
  conflated: number;
  messagesSent: number;
}

export function assembleReport(f: SoakFigures): SoakReport {
  const { options, counts, final, samples, gcSamples } = f;
  const windows = soakWindows(f);
  const totalSteady = windows.reduce((s, w) => s + w.tickToPush.count, 0);
  const durationMs = options.durationMs;

  const measured = samples.filter((s) => s.tMs >= 0);
  const toSamples = (pick: (s: MemorySample) => number | null): Sample[] =>
    measured.flatMap((s) => {
      const value = pick(s);
      return value === null ? [] : [{ tMs: s.tMs, value }];
    });
  const rss = checkGrowth(
    'rss',
    'bytes',
    toSamples((s) => s.rss),
    durationMs,
    options.thresholds.rss,
  );
  const heap = checkGrowth(
    'heap',
    'bytes',
    gcSamples.map((s) => ({ tMs: s.tMs, value: s.heapUsed })),
    durationMs,
    options.thresholds.heap,
  );
  const fdSamples = toSamples((s) => s.fds);
  const fds =
    fdSamples.length > 0 ? checkGrowth('fds', 'descriptors', fdSamples, durationMs, options.thresholds.fds) : null;
  const besideSamples = toSamples((s) => (s.fds === null ? null : s.fds - s.wsClients));
  const fdsBesideClients =
    besideSamples.length > 0
      ? checkGrowth('fdsBesideClients', 'descriptors', besideSamples, durationMs, options.thresholds.fdsBesideClients)
      : null;
  const maxServiceClients = Math.max(0, ...measured.map((s) => s.wsClients));

  const total = emptyOrderStats();
  for (const kind of CLIENT_KINDS) mergeOrderStats(total, final.order[kind]);

  const failures: string[] = [];
  // The raw descriptor count is reported, not judged: it is the service's descriptors plus one per connected client,
  // and how many of the reconnecting clients are connected at an instant rises and falls with the service's speed.
  for (const check of [rss, heap, fdsBesideClients]) {
    if (check && !check.ok) failures.push(`${check.metric}: ${check.reason}`);
  }
  if (maxServiceClients > options.clients) {
    failures.push(
      `clients: the service held ${maxServiceClients} websocket clients, more than the ${options.clients} connected`,
    );
  }
  if (total.outOfOrder > 0) failures.push(`order: ${total.outOfOrder} messages out of order`);
  if (total.malformed > 0) failures.push(`order: ${total.malformed} hedge messages without a readable seq`);
  if (final.garbageNotRefused > 0) failures.push(`garbage: ${final.garbageNotRefused} garbage messages not refused`);
  for (const w of windows) {
    if (w.tickToPush.count === 0) failures.push(`window ${w.index + 1}: no tick-to-push sample from a steady client`);
  }
  if (totalSteady === 0) failures.push('no steady client received a tick');
  const warnings: string[] = [];
  for (const w of windows) {
    const rate = w.ticks / ((w.toMs - w.fromMs) / 1000);
    if (rate < 0.95 * options.ticksPerSec) {
      warnings.push(
        `window ${w.index + 1}: ${rate.toFixed(1)} ticks/s of ${options.ticksPerSec} (the service's tick took p50 ` +
          `${w.serverTick.p50Ms} ms, p99 ${w.serverTick.p99Ms} ms; loop delay p99 ${w.serverLoopDelayP99Ms} ms)`,
      );
    }
  }
  if (final.errors > 0) warnings.push(`clients: ${final.errors} errors (${final.errorExamples.join('; ')})`);
  const refused = Object.entries(final.upgradeRejections);
  if (refused.length > 0) warnings.push(`clients: upgrades refused ${JSON.stringify(final.upgradeRejections)}`);

  return {
    ok: failures.length === 0,
    failures,
    warnings,
    machine: {
      cpu: os.cpus()[0]?.model ?? 'unknown',
      cores: os.cpus().length,
      node: process.version,
      platform: `${os.platform()} ${os.release()}`,
      startedAt: f.startedAt.toISOString(),
      endedAt: new Date().toISOString(),
      loadAverageStart: f.loadAverageStart.map(round),
      loadAverageEnd: os.loadavg().map(round),
      openFilesLimit: openFilesLimit(),
    },
    config: { ...withoutProgress(options), counts },
    pids: { service: process.pid, clients: f.clientsPid },
    orderField: ORDER_FIELD,
    clock: { offsetMs: round(f.clock.offsetMs), rttMs: round(f.clock.rttMs) },
    windows,
    totals: {
      ticks: f.totalTicks,
      tickToPushWorstWindow: combine(windows.map((w) => w.tickToPush)),
      conflated: f.conflated,
      messagesSent: f.messagesSent,
      forcedGc: gcStats(gcSamples),
    },
    levels: { rss, heap, fds, fdsBesideClients, heapMeasure: f.heapMeasure },
    maxServiceClients,
    order: { byKind: final.order, total },
    clients: {
      counts,
      readyAfterMs: round(f.readyAfterMs),
      connects: final.connects,
      closeCodes: final.closeCodes,
      openAtStop: final.openAtStop,
      garbageSent: final.garbageSent,
      garbageOutcomes: final.garbageOutcomes,
      garbageNotRefused: final.garbageNotRefused,
      upgradeRejections: final.upgradeRejections,
      errors: final.errors,
      errorExamples: final.errorExamples,
      slowPauses: final.slowPauses,
    },
    samples,
    gcSamples,
  };
}

/** Each window's figures: the service's ticks and state at its end beside the load generator's latency. */
function soakWindows(f: SoakFigures): SoakWindow[] {
  const { options, counts, gcSamples } = f;
  const windowCount = f.windowTicks.length;
  const clientWindows = new Map(f.clientWindows.map((w) => [w.index, w]));
  const durationMs = options.durationMs;
  const windows: SoakWindow[] = [];
  const inWindow = (w: number) =>
    gcSamples.filter((g) => g.tMs >= w * options.windowMs && g.tMs < (w + 1) * options.windowMs);
  for (let w = 0; w < windowCount; w++) {
    const cw = clientWindows.get(w);
    const end = f.windowEnds[w]!;
    const ticks = f.windowTicks[w]!;
    const steadyMessages = cw?.counts.messages.steady ?? 0;
    windows.push({
      index: w,
      fromMs: w * options.windowMs,
      toMs: Math.min((w + 1) * options.windowMs, durationMs),
      ticks,
      tickToPush: cw?.latency.steady ?? EMPTY_SUMMARY,
      byKind: cw?.latency ?? {
        steady: EMPTY_SUMMARY,
        slow: EMPTY_SUMMARY,
        reconnecting: EMPTY_SUMMARY,
        garbage: EMPTY_SUMMARY,
      },
      steadyDeliveredShare: ticks > 0 ? steadyMessages / (ticks * counts.steady) : 0,
      messages: cw?.counts.messages ?? { steady: 0, slow: 0, reconnecting: 0, garbage: 0 },
      connects: cw?.counts.connects ?? 0,
      serverTick: f.tickHistograms[w]!.summary(),
      serverLoopDelayP99Ms: round(end.loopP99Ms),
      clientLoopDelayP99Ms: round(cw?.loopDelayP99Ms ?? NaN),
      forcedGcs: inWindow(w).length,
      forcedGcMaxMs: inWindow(w).length > 0 ? round(Math.max(...inWindow(w).map((g) => g.gcMs))) : null,
      rssEnd: end.rss,
      fdsEnd: end.fds,
      wsClientsEnd: end.wsClients,
    });
  }
  return windows;
}

function gcStats(samples: readonly GcSample[]): SoakReport['totals']['forcedGc'] {
  if (samples.length === 0) return { count: 0, p50Ms: null, maxMs: null };
  const pauses = samples.map((g) => g.gcMs).sort((a, b) => a - b);
  return { count: pauses.length, p50Ms: round(pauses[Math.floor(pauses.length / 2)]!), maxMs: round(pauses.at(-1)!) };
}

function withoutProgress(options: SoakOptions): Omit<SoakOptions, 'progress'> {
  const { progress: _progress, ...rest } = options;
  return rest;
}

function round(value: number): number {
  return Number.isFinite(value) ? Math.round(value * 1000) / 1000 : value;
}

/**
 * The whole period from the windows: counts add, the maximum is the windows' maximum, and p50/p99/p99.9 are the
 * worst window's (an upper bound on the period's, not its exact value: the histograms stay in the load generator).
 */
function combine(list: readonly LatencySummary[]): LatencySummary {
  const worst = (pick: (s: LatencySummary) => number | null): number | null => {
    const values = list.map(pick).filter((v): v is number => v !== null);
    return values.length > 0 ? Math.max(...values) : null;
  };
  return {
    count: list.reduce((s, l) => s + l.count, 0),
    p50Ms: worst((s) => s.p50Ms),
    p99Ms: worst((s) => s.p99Ms),
    p999Ms: worst((s) => s.p999Ms),
    maxMs: worst((s) => s.maxMs),
  };
}
