/**
 * Replays a recorded snapshot as a continuous feed on the replay's own clock: replay time starts at the
 * recording's time and advances `replayMsPerTick` per tick (wall interval `intervalMs`), whatever the wall clock
 * says. A single-snapshot recording has no price moves of its own, so the path is a seeded geometric Brownian
 * motion at the chain's at-the-money vol (`sigma sqrt(dt)` per tick, dt in years of replay time) applied to the
 * whole market at once (`moveMarket`: spot, perp, futures, every forward, option marks repriced from their IVs at
 * the moved forward and the advancing clock); IVs and strikes stay as recorded. Every snapshot says so in its `label`,
 * and its source is `demo`: the prices are a synthetic path, not a recording's, so `/ready` is 503 on it unless the
 * service was started with `--demo` (what `npm start` does).
 */
import { moveMarket, type MarketSnapshot } from '../../../adapters/index.js';
import { MS_PER_DAY, MS_PER_YEAR } from '../../../adapters/index.js';
import type { FeedSnapshot } from '../types.js';
import { BaseFeed, nowPrecise } from './base.js';

/** Mulberry32: a small seeded PRNG so a replay is the same run after run. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface SnapshotReplayOptions {
  intervalMs?: number;
  /** Replay-clock ms per tick (default = intervalMs: replay runs at wall speed). */
  replayMsPerTick?: number;
  seed?: number;
  /** Annualised vol of the path; default: the ATM mark IV of the first expiry past 7 days. */
  pathVol?: number;
  label?: string;
}

/** Mark IV of the strike nearest the forward on the first expiry more than 7 days out, or null. */
export function atmVol(market: MarketSnapshot): number | null {
  const asOfMs = market.source.dataTimeMs;
  for (const chain of market.chains) {
    if (chain.expiryMs - asOfMs <= 7 * MS_PER_DAY) continue;
    let best: { distance: number; iv: number } | null = null;
    for (const o of chain.options) {
      if (o.instrument.strike === null || o.markIv === null || !(o.markIv > 0)) continue;
      const distance = Math.abs(o.instrument.strike - chain.forward);
      if (!best || distance < best.distance) best = { distance, iv: o.markIv };
    }
    if (best) return best.iv;
  }
  return null;
}

export class SnapshotReplayFeed extends BaseFeed {
  private timer: NodeJS.Timeout | null = null;
  private seq = 0;
  private factor = 1;
  private replayTimeMs: number;
  private readonly random: () => number;
  private readonly intervalMs: number;
  private readonly replayMsPerTick: number;
  private readonly vol: number;
  private readonly label: string;

  constructor(
    private readonly base: MarketSnapshot,
    options: SnapshotReplayOptions = {},
  ) {
    super(base.venue, base.underlying);
    this.intervalMs = options.intervalMs ?? 1000;
    this.replayMsPerTick = options.replayMsPerTick ?? this.intervalMs;
    this.random = mulberry32(options.seed ?? 20260526);
    this.vol = options.pathVol ?? atmVol(base) ?? 0.5;
    this.replayTimeMs = base.source.dataTimeMs;
    this.label =
      options.label ??
      `replay of ${base.source.label} on the replay clock; the whole market (spot, perp, every forward, option marks ` +
        `from their IVs) moved along a seeded GBM path at ${(this.vol * 100).toFixed(1)}% vol`;
    this.latest = this.snapshot();
  }

  private normal(): number {
    // Box-Muller on the seeded uniform.
    const u = Math.max(this.random(), 1e-12);
    const v = this.random();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  private snapshot(): FeedSnapshot {
    const market = moveMarket(this.base, { priceFactor: this.factor, asOfMs: this.replayTimeMs, label: this.label });
    return {
      venue: this.venue,
      underlying: this.underlying,
      source: 'demo',
      label: this.label,
      seq: this.seq,
      asOfMs: this.replayTimeMs,
      receivedAtMs: nowPrecise(),
      market,
    };
  }

  /** Advances the replay clock one tick and publishes the new state of the whole market. */
  step(): FeedSnapshot {
    const dtYears = this.replayMsPerTick / MS_PER_YEAR;
    this.factor *= Math.exp(-0.5 * this.vol * this.vol * dtYears + this.vol * Math.sqrt(dtYears) * this.normal());
    this.replayTimeMs += this.replayMsPerTick;
    this.seq++;
    const snapshot = this.snapshot();
    this.emit(snapshot);
    return snapshot;
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.timer = setInterval(() => this.step(), this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
