/**
 * Risk figures of a P&L sample (quote currency). Convention: VaR and CVaR are **losses**, positive numbers:
 * VaR_a = -q_{1-a}(P&L), the loss exceeded with probability 1 - a (q by linear interpolation between order
 * statistics), and CVaR_a = -mean(P&L | P&L <= q_{1-a}), the mean loss in that tail (expected shortfall).
 * A profit in the tail gives a negative VaR. `standardError` is sd / sqrt(n), the Monte Carlo error of the mean.
 */
import { MS_PER_DAY } from '../pricing/time.js';
export interface RiskFigures {
  count: number;
  mean: number;
  sd: number;
  standardError: number;
  var95: number;
  cvar95: number;
  var99: number;
  cvar99: number;
}

export function mean(xs: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i]!;
  return s / xs.length;
}

export function sd(xs: ArrayLike<number>): number {
  const m = mean(xs);
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += (xs[i]! - m) ** 2;
  return xs.length > 1 ? Math.sqrt(s / (xs.length - 1)) : 0;
}

function quantileSorted(sorted: Float64Array, p: number): number {
  const rank = p * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (rank - lo);
}

function tail(sorted: Float64Array, level: number): { varLoss: number; cvarLoss: number } {
  const q = quantileSorted(sorted, 1 - level);
  let s = 0;
  let k = 0;
  for (let i = 0; i < sorted.length && sorted[i]! <= q; i++) {
    s += sorted[i]!;
    k++;
  }
  return { varLoss: -q, cvarLoss: k > 0 ? -s / k : -q };
}

export function riskFigures(sample: ArrayLike<number>): RiskFigures {
  const n = sample.length;
  if (n === 0)
    return { count: 0, mean: NaN, sd: NaN, standardError: NaN, var95: NaN, cvar95: NaN, var99: NaN, cvar99: NaN };
  const sorted = Float64Array.from(sample as ArrayLike<number>).sort();
  const m = mean(sample);
  const s = sd(sample);
  const t95 = tail(sorted, 0.95);
  const t99 = tail(sorted, 0.99);
  return {
    count: n,
    mean: m,
    sd: s,
    standardError: s / Math.sqrt(n),
    var95: t95.varLoss,
    cvar95: t95.cvarLoss,
    var99: t99.varLoss,
    cvar99: t99.cvarLoss,
  };
}

/** Largest fall of a running series from its running peak (>= 0). */
export function maxDrawdown(series: ArrayLike<number>): number {
  let peak = -Infinity;
  let worst = 0;
  for (let i = 0; i < series.length; i++) {
    const x = series[i]!;
    if (x > peak) peak = x;
    else if (peak - x > worst) worst = peak - x;
  }
  return worst;
}

/** Changes of a running series over each UTC day (last value of the day minus the last of the day before). */
export function dailyChanges(timesMs: ArrayLike<number>, series: ArrayLike<number>): Float64Array {
  const out: number[] = [];
  let dayOf = Math.floor(timesMs[0]! / MS_PER_DAY);
  let last = series[0]!;
  let prev = series[0]!;
  for (let i = 1; i < series.length; i++) {
    const day = Math.floor(timesMs[i]! / MS_PER_DAY);
    if (day !== dayOf) {
      out.push(last - prev);
      prev = last;
      dayOf = day;
    }
    last = series[i]!;
  }
  out.push(last - prev);
  return Float64Array.from(out);
}
