/**
 * Does a resource level off? The measured period's samples are split at its middle in time; each half's growth is
 * the Theil-Sen slope of its samples (the median of the slopes between every two samples) times the half's length.
 * The median, not a least-squares fit, because the series are saw-tooths and spikes: a garbage-collected heap that
 * V8 grows for a moment, descriptors that come and go with reconnecting clients. A sample or two far off the line
 * do not move it; a steady climb does. A leak grows about as much in the last half as in the first; a level resource
 * grows by about nothing in the last half. The check fails when the last half's growth is above the threshold:
 * `max(absolute, relative x median level)`.
 */
export interface Sample {
  /** ms since the start of the measured period. */
  tMs: number;
  value: number;
}

export interface GrowthThreshold {
  /** Growth allowed in the last half, in the metric's unit (bytes, descriptors). */
  absolute: number;
  /** Growth allowed in the last half as a share of the median level. */
  relative: number;
}

export interface HalfGrowth {
  fromMs: number;
  toMs: number;
  samples: number;
  /** The Theil-Sen line at the half's ends. */
  startLevel: number;
  endLevel: number;
  growth: number;
}

export interface GrowthCheck {
  metric: string;
  unit: 'bytes' | 'descriptors';
  samples: number;
  medianLevel: number;
  minLevel: number;
  maxLevel: number;
  firstHalf: HalfGrowth | null;
  lastHalf: HalfGrowth | null;
  /** The last half's growth (the figure the check is on). */
  growthLastHalf: number | null;
  growthFirstHalf: number | null;
  /** The largest last-half growth that passes. */
  threshold: number;
  thresholdRule: string;
  ok: boolean;
  reason: string;
}

/** Fewer samples than this in a half and the slope means nothing: the check fails rather than passes. */
export const MIN_SAMPLES_PER_HALF = 3;

/** Pairs are formed over at most this many samples of a half (evenly spaced): 500 samples are 125 k slopes. */
const MAX_FIT_SAMPLES = 500;

function fit(all: readonly Sample[], fromMs: number, toMs: number): HalfGrowth {
  const step = Math.max(1, Math.ceil(all.length / MAX_FIT_SAMPLES));
  const samples = all.filter((_, i) => i % step === 0);
  const slopes: number[] = [];
  for (let i = 0; i < samples.length; i++) {
    for (let j = i + 1; j < samples.length; j++) {
      const dt = samples[j]!.tMs - samples[i]!.tMs;
      if (dt !== 0) slopes.push((samples[j]!.value - samples[i]!.value) / dt);
    }
  }
  const slope = slopes.length > 0 ? median(slopes) : 0;
  const intercept = median(samples.map((s) => s.value - slope * s.tMs));
  const startLevel = intercept + slope * fromMs;
  const endLevel = intercept + slope * toMs;
  return { fromMs, toMs, samples: all.length, startLevel, endLevel, growth: endLevel - startLevel };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function checkGrowth(
  metric: string,
  unit: GrowthCheck['unit'],
  samples: readonly Sample[],
  periodMs: number,
  threshold: GrowthThreshold,
): GrowthCheck {
  const values = samples.map((s) => s.value);
  const medianLevel = values.length > 0 ? median(values) : 0;
  const limit = Math.max(threshold.absolute, threshold.relative * medianLevel);
  const absolute =
    unit === 'bytes' ? `${(threshold.absolute / 2 ** 20).toFixed(1)} MiB` : `${threshold.absolute} ${unit}`;
  const rule = `max(${absolute}, ${(threshold.relative * 100).toFixed(1)}% of the median level)`;
  const midMs = periodMs / 2;
  const first = samples.filter((s) => s.tMs < midMs);
  const last = samples.filter((s) => s.tMs >= midMs);
  const base = {
    metric,
    unit,
    samples: samples.length,
    medianLevel,
    minLevel: values.length > 0 ? Math.min(...values) : 0,
    maxLevel: values.length > 0 ? Math.max(...values) : 0,
    threshold: limit,
    thresholdRule: rule,
  };
  if (first.length < MIN_SAMPLES_PER_HALF || last.length < MIN_SAMPLES_PER_HALF) {
    return {
      ...base,
      firstHalf: null,
      lastHalf: null,
      growthFirstHalf: null,
      growthLastHalf: null,
      ok: false,
      reason: `too few samples to judge (${first.length} + ${last.length}, at least ${MIN_SAMPLES_PER_HALF} a half)`,
    };
  }
  const firstHalf = fit(first, 0, midMs);
  const lastHalf = fit(last, midMs, periodMs);
  const ok = lastHalf.growth <= limit;
  return {
    ...base,
    firstHalf,
    lastHalf,
    growthFirstHalf: firstHalf.growth,
    growthLastHalf: lastHalf.growth,
    ok,
    reason: ok ? 'level' : `grew ${lastHalf.growth.toFixed(0)} ${unit} in the last half, above ${limit.toFixed(0)}`,
  };
}
