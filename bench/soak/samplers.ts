/**
 * What the soak measures in the service's process while it runs: its memory (RSS, heap) and open descriptors
 * (`/proc/self/fd`, this process being the service's), the live heap after a forced full collection, the service's
 * own time per tick counted per window, and the event-loop delay at each window's end.
 */
import { readFileSync, readdirSync } from 'node:fs';
import type { IntervalHistogram } from 'node:perf_hooks';
import v8 from 'node:v8';
import vm from 'node:vm';
import type { MarketSnapshot } from '../../adapters/index.js';
import { nowPrecise } from '../../src/service/feeds/base.js';
import type { ScriptedFeed } from '../../src/service/feeds/scripted.js';
import { LatencyHistogram } from './histogram.js';
import type { SoakOptions } from './options.js';

/** When the measured period started (Infinity in the warm-up): the time origin of every sample. */
export interface MeasuredPeriod {
  startMs: number;
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

/** The state at a window's end. */
export interface WindowEnd {
  loopP99Ms: number;
  rss: number;
  fds: number | null;
  wsClients: number;
}

/** A full collection on demand: `--expose-gc`'s `gc`, or the same function obtained at run time. */
export function gcFunction(): { gc: () => void; how: string } {
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

export function openFilesLimit(): string | null {
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

/** Memory and descriptors (`sample`), and the live heap after a forced full collection (`gcSample`). */
export class MemorySampler {
  readonly samples: MemorySample[] = [];
  readonly gcSamples: GcSample[] = [];

  constructor(
    private readonly period: MeasuredPeriod,
    /** The service's websocket clients now. */
    private readonly wsClients: () => number,
    private readonly gc: () => void,
  ) {}

  sample(): void {
    const m = process.memoryUsage();
    const measureStart = this.period.startMs;
    this.samples.push({
      tMs: nowPrecise() - (measureStart === Infinity ? nowPrecise() : measureStart),
      rss: m.rss,
      heapUsed: m.heapUsed,
      heapTotal: m.heapTotal,
      external: m.external,
      arrayBuffers: m.arrayBuffers,
      fds: openDescriptors(),
      wsClients: this.wsClients(),
    });
  }

  gcSample(): void {
    const t0 = performance.now();
    this.gc();
    const gcMs = performance.now() - t0;
    const m = process.memoryUsage();
    this.gcSamples.push({ tMs: nowPrecise() - this.period.startMs, heapUsed: m.heapUsed, rss: m.rss, gcMs });
  }
}

/**
 * The feed's ticks, one market state of the cycle each, and the time the service spent in each (compute every
 * state, write every frame: `feed.push`), counted per window once the measured period has started.
 */
export class TickSampler {
  readonly windowTicks: number[];
  readonly histograms: LatencyHistogram[];
  /** Ticks in the measured period. */
  total = 0;
  private tickNumber = 0;

  constructor(
    private readonly feed: ScriptedFeed,
    private readonly states: readonly MarketSnapshot[],
    private readonly period: MeasuredPeriod,
    private readonly options: Pick<SoakOptions, 'durationMs' | 'windowMs'>,
    private readonly windowCount: number,
  ) {
    this.windowTicks = new Array<number>(windowCount).fill(0);
    this.histograms = Array.from({ length: windowCount }, () => new LatencyHistogram());
  }

  tick(): void {
    const t0 = performance.now();
    this.feed.push(this.states[this.tickNumber++ % this.states.length]);
    const now = nowPrecise();
    const measureStart = this.period.startMs;
    if (now < measureStart || now - measureStart >= this.options.durationMs) return;
    const index = Math.floor((now - measureStart) / this.options.windowMs);
    if (index >= this.windowCount) return;
    this.windowTicks[index]!++;
    this.total++;
    this.histograms[index]!.add(performance.now() - t0);
  }
}

/** The state at a window's end; the loop-delay histogram restarts for the next window. */
export function windowEnd(loopDelay: IntervalHistogram, wsClients: number): WindowEnd {
  const m = process.memoryUsage();
  const end = { loopP99Ms: loopDelay.percentile(99) / 1e6, rss: m.rss, fds: openDescriptors(), wsClients };
  loopDelay.reset();
  return end;
}
