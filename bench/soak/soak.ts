/**
 * The soak and load test of the desk service (issue 13): the service in this process, on loopback, fed by a scripted
 * feed of the built-in Deribit chain at `ticksPerSec`, with `positions` positions (each holding a put and a short
 * perp, as in `bench/suites/service.ts`) and `clients` websocket clients driven from a child process
 * (`clients.ts`: steady, slow, reconnecting and garbage-sending clients). For `durationMs` after a warm-up it
 * samples this process's memory (RSS, heap) and open descriptors (`/proc/self/fd`, this process being the
 * service's), forces a garbage collection every `gcSampleMs` to read the live heap, and collects per window
 * (a minute by default) the clients' tick-to-push percentiles and the service's own tick time and event-loop delay.
 * The report's verdict: memory and descriptors level off (`levels.ts`), no client received a message out of order
 * (`order.ts`), every garbage message was refused, every window delivered.
 */
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';
import { loadMarketSnapshot, moveMarket } from '../../adapters/index.js';
import type { MarketSnapshot } from '../../adapters/index.js';
import { ScriptedFeed } from '../../src/service/feeds/scripted.js';
import { createLogger, startService } from '../../src/service/server.js';
import type { ServiceHandle } from '../../src/service/server.js';
import type { ManualHoldingInput } from '../../src/service/store/index.js';
import type { PositionSpec } from '../../src/service/types.js';
import { LatencyHistogram } from './histogram.js';
import type { LatencySummary } from './histogram.js';
import { checkGrowth } from './levels.js';
import type { GrowthCheck, GrowthThreshold, Sample } from './levels.js';
import { emptyOrderStats, mergeOrderStats } from './order.js';
import type { OrderStats } from './order.js';
import { CLIENT_KINDS } from './protocol.js';
import type {
  ClientConfig,
  ClientFinal,
  ClientKind,
  ClientWindow,
  FromClients,
  GarbageOutcome,
  ToClients,
} from './protocol.js';

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

export interface MemorySample {
  /** ms since the start of the measured period (negative in the warm-up). */
  tMs: number;
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
  /** Open descriptors of the service's process; null where `/proc/self/fd` does not exist. */
  fds: number | null;
  wsClients: number;
}

export interface GcSample {
  tMs: number;
  /** Heap in use right after a forced full collection: the live heap. */
  heapUsed: number;
  rss: number;
  gcMs: number;
}

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

function nowPrecise(): number {
  return performance.timeOrigin + performance.now();
}

/** The positions of `bench/suites/service.ts` (v2 every fourth, v3 ranges around the built-in chain's price). */
export function soakPositions(count: number): PositionSpec[] {
  return Array.from({ length: count }, (_, i) => ({
    kind: 'lp' as const,
    id: `soak-${i}`,
    label: `soak ${i}`,
    venue: 'deribit' as const,
    underlying: 'BTC',
    price: 75_800,
    depositValue: 100_000 + 1_000 * i,
    ...(i % 4 === 0
      ? { model: 'v2' as const }
      : { model: 'v3' as const, lower: 60_000 + 100 * i, upper: 85_000 + 100 * i }),
  }));
}

/** Every position holds a put of its own and a short perp, as in the tick-to-push bench. */
export function soakHoldings(count: number): ManualHoldingInput[] {
  return Array.from({ length: count }, (_, i) => [
    {
      venue: 'deribit' as const,
      underlying: 'BTC',
      instrument: 'BTC-26JUN26-70000-P',
      kind: 'option' as const,
      contracts: 1 + (i % 5) / 10,
      price: 0.0205,
      scope: [`soak-${i}`],
      contractSize: 1,
      contractValueQuote: null,
      priceCurrency: 'BTC',
    },
    {
      venue: 'deribit' as const,
      underlying: 'BTC',
      instrument: 'BTC-PERPETUAL',
      kind: 'perp' as const,
      contracts: -10_000 - 100 * i,
      price: 75_200,
      scope: [`soak-${i}`],
      contractSize: null,
      contractValueQuote: 10,
      priceCurrency: 'USD',
    },
  ]).flat();
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

/**
 * A cycle of market states moved up front (moveMarket reprices all 878 options, ~1 ms, which is the feed's work,
 * not the service's): a slow sine of +-0.1% over `count` ticks, so every tick is a new state for the engine and the
 * positions near a band edge cross it now and then, as a live market does.
 */
function marketCycle(market: MarketSnapshot, count: number): MarketSnapshot[] {
  return Array.from({ length: count }, (_, k) =>
    moveMarket(market, {
      priceFactor: 1 + 0.001 * Math.sin((2 * Math.PI * k) / count),
      asOfMs: market.source.dataTimeMs,
      label: market.source.label,
    }),
  );
}

/** A full collection on demand: `--expose-gc`'s `gc`, or the same function obtained at run time. */
function gcFunction(): { gc: () => void; how: string } {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (exposed) return { gc: exposed, how: 'heapUsed after a forced full GC (--expose-gc)' };
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  return { gc, how: 'heapUsed after a forced full GC (gc exposed at run time)' };
}

function openDescriptors(): number | null {
  try {
    return readdirSync('/proc/self/fd').length;
  } catch {
    return null;
  }
}

function openFilesLimit(): string | null {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    return line
      ? line
          .replace(/^Max open files\s+/, '')
          .replace(/\s+/g, ' ')
          .trim()
      : null;
  } catch {
    return null;
  }
}

const CLIENT_MODULES = ['clients', 'order', 'histogram'] as const;

/**
 * The load generator's script: `clients.js` beside this module once built; from source (vitest), the three
 * modules it is made of transpiled into a fresh directory under `node_modules/.cache/` (so that `ws` resolves from
 * the project's own `node_modules`), removed afterwards.
 */
async function clientScript(): Promise<{ file: string; cleanup: () => void }> {
  const here = fileURLToPath(import.meta.url);
  if (!here.endsWith('.ts')) {
    const built = fileURLToPath(new URL('./clients.js', import.meta.url));
    if (!existsSync(built)) throw new Error(`soak: the load generator ${built} is missing (npm run build)`);
    return { file: built, cleanup: () => {} };
  }
  const ts = (await import('typescript')).default;
  const cache = fileURLToPath(new URL('../../node_modules/.cache/ilhedge-soak/', import.meta.url));
  mkdirSync(cache, { recursive: true });
  const dir = mkdtempSync(path.join(cache, 'clients-'));
  writeFileSync(path.join(dir, 'package.json'), '{"type":"module"}\n');
  for (const name of CLIENT_MODULES) {
    const source = readFileSync(new URL(`./${name}.ts`, import.meta.url), 'utf8');
    const out = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
      fileName: `${name}.ts`,
    });
    writeFileSync(path.join(dir, `${name}.js`), out.outputText);
  }
  return { file: path.join(dir, 'clients.js'), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The child's messages, awaited by type. */
class ClientChannel {
  private readonly waiters: { type: FromClients['type']; resolve: (m: FromClients) => void }[] = [];
  readonly windows: ClientWindow[] = [];
  private failure: Error | null = null;
  private readonly failed: ((e: Error) => void)[] = [];

  constructor(readonly child: ChildProcess) {
    child.on('message', (message: FromClients) => {
      if (message.type === 'window') this.windows.push(message.window);
      if (message.type === 'fatal') return this.fail(new Error(`soak load generator failed: ${message.message}`));
      const at = this.waiters.findIndex((w) => w.type === message.type);
      if (at >= 0) this.waiters.splice(at, 1)[0]!.resolve(message);
    });
    child.on('exit', (code, signal) => {
      if (this.waiters.length > 0) this.fail(new Error(`soak load generator exited (code ${code}, signal ${signal})`));
    });
    child.on('error', (error) => this.fail(error));
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const reject of this.failed.splice(0)) reject(error);
  }

  send(message: ToClients): void {
    this.child.send(message);
  }

  next<T extends FromClients['type']>(type: T, timeoutMs: number): Promise<Extract<FromClients, { type: T }>> {
    return new Promise((resolve, reject) => {
      if (this.failure) return reject(this.failure);
      const timer = setTimeout(
        () => reject(new Error(`soak: no '${type}' from the load generator in ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.failed.push((e) => {
        clearTimeout(timer);
        reject(e);
      });
      this.waiters.push({
        type,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m as Extract<FromClients, { type: T }>);
        },
      });
    });
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function counterValue(handle: ServiceHandle, name: 'wsConflated' | 'wsMessages'): Promise<number> {
  const metric = await handle.metrics[name].get();
  return metric.values.reduce((sum, v) => sum + v.value, 0);
}

const EMPTY_SUMMARY: LatencySummary = { count: 0, p50Ms: null, p99Ms: null, p999Ms: null, maxMs: null };

export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const progress = options.progress ?? (() => {});
  const startedAt = new Date();
  const loadAverageStart = os.loadavg();
  const counts = clientCounts(options.clients, options.mix);
  const { gc, how: heapMeasure } = gcFunction();

  const market = await loadMarketSnapshot({ venue: 'deribit', underlying: 'BTC', source: { kind: 'builtin' } });
  const states = marketCycle(market, 20);
  const feed = new ScriptedFeed(market);
  const handle = await startService({
    dbPath: ':memory:',
    feeds: [feed],
    logger: createLogger('silent'),
    seedPositions: soakPositions(options.positions),
    seedHoldings: soakHoldings(options.positions),
    heartbeatMs: options.heartbeatMs,
    maxWsClients: options.clients * 2 + 100,
    suggestions: options.suggestions,
  });
  const script = await clientScript();
  let child: ChildProcess | null = null;
  const timers: NodeJS.Timeout[] = [];
  try {
    await handle.context.desk.idle();
    const key = handle.store.createApiKey('viewer', 'soak').key;
    const positionIds = handle.store.listPositions().map((p) => p.id);
    await feed.start();

    // The feed ticks from the start: clients connect to a live stream, as they would to a running desk.
    let measureStart = Infinity;
    let tickNumber = 0;
    let totalTicks = 0;
    const windowCount = Math.max(1, Math.ceil(options.durationMs / options.windowMs));
    const windowTicks = new Array<number>(windowCount).fill(0);
    const tickHistograms = Array.from({ length: windowCount }, () => new LatencyHistogram());
    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    const windowEnds: { loopP99Ms: number; rss: number; fds: number | null; wsClients: number }[] = [];
    timers.push(
      setInterval(() => {
        const t0 = performance.now();
        feed.push(states[tickNumber++ % states.length]);
        const now = nowPrecise();
        if (now < measureStart || now - measureStart >= options.durationMs) return;
        const index = Math.floor((now - measureStart) / options.windowMs);
        if (index >= windowCount) return;
        windowTicks[index]!++;
        totalTicks++;
        tickHistograms[index]!.add(performance.now() - t0);
      }, 1000 / options.ticksPerSec),
    );

    const samples: MemorySample[] = [];
    const gcSamples: GcSample[] = [];
    const sample = () => {
      const m = process.memoryUsage();
      samples.push({
        tMs: nowPrecise() - (measureStart === Infinity ? nowPrecise() : measureStart),
        rss: m.rss,
        heapUsed: m.heapUsed,
        heapTotal: m.heapTotal,
        external: m.external,
        arrayBuffers: m.arrayBuffers,
        fds: openDescriptors(),
        wsClients: handle.stream.clientCount,
      });
    };

    child = fork(script.file, [], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const channel = new ClientChannel(child);
    const config: ClientConfig = {
      url: handle.url.replace('http', 'ws') + '/ws',
      key,
      positionIds,
      counts,
      slowSubscriptions: options.slowSubscriptions,
      slowPauseMs: options.slowPauseMs,
      slowReadMs: options.slowReadMs,
      reconnectLifetimeMs: options.reconnectLifetimeMs,
      garbageAfterMs: options.garbageAfterMs,
      rampPerSec: options.rampPerSec,
      seed: options.seed,
    };
    const readyIn = Math.max(30_000, (options.clients / options.rampPerSec) * 1000 * 3);
    const ready = channel.next('ready', readyIn);
    channel.send({ type: 'config', config });
    const readyMessage = await ready;
    progress(`soak: ${options.clients} clients connected in ${readyMessage.elapsedMs.toFixed(0)} ms; warm-up`);

    // The two clocks (same machine, both performance.timeOrigin-based): the offset at the best of 5 round trips.
    let clock = { offsetMs: 0, rttMs: Infinity };
    for (let id = 0; id < 5; id++) {
      const t0 = nowPrecise();
      const reply = channel.next('clock', 5_000);
      channel.send({ type: 'clock', id });
      const { nowMs } = await reply;
      const t1 = nowPrecise();
      if (t1 - t0 < clock.rttMs) clock = { offsetMs: nowMs - (t0 + t1) / 2, rttMs: t1 - t0 };
    }

    await sleep(options.warmupMs);
    measureStart = nowPrecise();
    channel.send({ type: 'measure', startAtMs: measureStart, windowMs: options.windowMs });
    loopDelay.enable();
    loopDelay.reset();
    const conflatedBefore = await counterValue(handle, 'wsConflated');
    const sentBefore = await counterValue(handle, 'wsMessages');
    sample();
    timers.push(setInterval(sample, options.sampleMs));
    const gcSample = () => {
      const t0 = performance.now();
      gc();
      const gcMs = performance.now() - t0;
      const m = process.memoryUsage();
      gcSamples.push({ tMs: nowPrecise() - measureStart, heapUsed: m.heapUsed, rss: m.rss, gcMs });
    };
    gcSample();
    timers.push(setInterval(gcSample, options.gcSampleMs));
    for (let w = 0; w < windowCount; w++) {
      const end = measureStart + Math.min((w + 1) * options.windowMs, options.durationMs);
      await sleep(Math.max(0, end - nowPrecise()));
      const m = process.memoryUsage();
      windowEnds.push({
        loopP99Ms: loopDelay.percentile(99) / 1e6,
        rss: m.rss,
        fds: openDescriptors(),
        wsClients: handle.stream.clientCount,
      });
      loopDelay.reset();
      progress(
        `soak: window ${w + 1}/${windowCount} done, rss ${(m.rss / 2 ** 20).toFixed(1)} MiB, ` +
          `${handle.stream.clientCount} clients`,
      );
    }
    sample();
    gcSample();
    for (const timer of timers.splice(0)) clearInterval(timer);
    loopDelay.disable();
    const conflated = (await counterValue(handle, 'wsConflated')) - conflatedBefore;
    const messagesSent = (await counterValue(handle, 'wsMessages')) - sentBefore;

    const finalReply = channel.next('final', 20_000);
    channel.send({ type: 'stop' });
    const { final } = await finalReply;

    const clientWindows = new Map(channel.windows.map((w) => [w.index, w]));
    const durationMs = options.durationMs;
    const windows: SoakWindow[] = [];
    const inWindow = (w: number) =>
      gcSamples.filter((g) => g.tMs >= w * options.windowMs && g.tMs < (w + 1) * options.windowMs);
    for (let w = 0; w < windowCount; w++) {
      const cw = clientWindows.get(w);
      const end = windowEnds[w]!;
      const ticks = windowTicks[w]!;
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
        serverTick: tickHistograms[w]!.summary(),
        serverLoopDelayP99Ms: round(end.loopP99Ms),
        clientLoopDelayP99Ms: round(cw?.loopDelayP99Ms ?? NaN),
        forcedGcs: inWindow(w).length,
        forcedGcMaxMs: inWindow(w).length > 0 ? round(Math.max(...inWindow(w).map((g) => g.gcMs))) : null,
        rssEnd: end.rss,
        fdsEnd: end.fds,
        wsClientsEnd: end.wsClients,
      });
    }
    const totalSteady = windows.reduce((s, w) => s + w.tickToPush.count, 0);

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

    const report: SoakReport = {
      ok: failures.length === 0,
      failures,
      warnings,
      machine: {
        cpu: os.cpus()[0]?.model ?? 'unknown',
        cores: os.cpus().length,
        node: process.version,
        platform: `${os.platform()} ${os.release()}`,
        startedAt: startedAt.toISOString(),
        endedAt: new Date().toISOString(),
        loadAverageStart: loadAverageStart.map(round),
        loadAverageEnd: os.loadavg().map(round),
        openFilesLimit: openFilesLimit(),
      },
      config: { ...withoutProgress(options), counts },
      pids: { service: process.pid, clients: child.pid ?? null },
      orderField: ORDER_FIELD,
      clock: { offsetMs: round(clock.offsetMs), rttMs: round(clock.rttMs) },
      windows,
      totals: {
        ticks: totalTicks,
        tickToPushWorstWindow: combine(windows.map((w) => w.tickToPush)),
        conflated,
        messagesSent,
        forcedGc: gcStats(gcSamples),
      },
      levels: { rss, heap, fds, fdsBesideClients, heapMeasure },
      maxServiceClients,
      order: { byKind: final.order, total },
      clients: {
        counts,
        readyAfterMs: round(readyMessage.elapsedMs),
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
    return report;
  } finally {
    for (const timer of timers) clearInterval(timer);
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child!.once('exit', resolve));
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(2_000)]);
    }
    await handle.close();
    script.cleanup();
  }
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
