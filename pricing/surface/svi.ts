/**
 * Raw SVI (Gatheral 2004) total-variance smile and its no-arbitrage diagnostics.
 *
 * One slice (one expiry) in log-forward-moneyness `k = ln(K/F)` and total implied variance `w = iv^2 T` (iv a
 * decimal, T in ACT/365 years):
 *
 *     w(k) = a + b (rho (k - m) + sqrt((k - m)^2 + sigma^2))
 *
 * Parameter domain (Gatheral & Jacquier 2014, "Arbitrage-free SVI volatility surfaces", Quant. Finance 14(1),
 * section 3.1): b >= 0, |rho| < 1, sigma > 0, and a + b sigma sqrt(1 - rho^2) >= 0 (the minimum of w is >= 0).
 * Roger Lee's moment formula bounds the wing slopes of total variance by 2: b (1 + |rho|) <= 2.
 *
 * Butterfly arbitrage: the slice is free of it iff the density of the terminal price is >= 0, i.e. (Gatheral &
 * Jacquier 2014, eq. 2.1 / Lemma 2.2)
 *
 *     g(k) = (1 - k w'(k) / (2 w(k)))^2 - w'(k)^2 / 4 (1 / w(k) + 1/4) + w''(k) / 2 >= 0   for all k,
 *
 * together with d_+(k) -> -inf as k -> +inf (holds for SVI with the Lee bound). As |k| -> inf along a wing of
 * slope s = b (1 +- rho), g -> 1/4 - s^2/16, which is >= 0 exactly under the Lee bound.
 */
import { InvalidInputError } from '../errors.js';

/** Raw SVI parameters of one slice: total variance in log-forward-moneyness (not variance, not vol). */
export interface SviParams {
  /** Vertical level of total variance (year-scaled variance, decimal^2 * years). May be negative. */
  a: number;
  /** Angle between the wings, >= 0. */
  b: number;
  /** Rotation, -1 < rho < 1 (negative: put wing steeper). */
  rho: number;
  /** Horizontal translation in log-moneyness. */
  m: number;
  /** ATM curvature (smoothness of the vertex) in log-moneyness, > 0. */
  sigma: number;
}

/** Total implied variance w(k) of a raw SVI slice. */
export function sviTotalVariance(p: SviParams, k: number): number {
  const x = k - p.m;
  return p.a + p.b * (p.rho * x + Math.sqrt(x * x + p.sigma * p.sigma));
}

/** dw/dk. */
export function sviFirstDerivative(p: SviParams, k: number): number {
  const x = k - p.m;
  return p.b * (p.rho + x / Math.sqrt(x * x + p.sigma * p.sigma));
}

/** d2w/dk2 = b sigma^2 / ((k - m)^2 + sigma^2)^{3/2} (> 0 for b > 0). */
export function sviSecondDerivative(p: SviParams, k: number): number {
  const x = k - p.m;
  const r2 = x * x + p.sigma * p.sigma;
  return (p.b * p.sigma * p.sigma) / (r2 * Math.sqrt(r2));
}

/** Minimum of w over k: a + b sigma sqrt(1 - rho^2), attained at k = m - rho sigma / sqrt(1 - rho^2). */
export function sviMinimumVariance(p: SviParams): number {
  return p.a + p.b * p.sigma * Math.sqrt(Math.max(0, 1 - p.rho * p.rho));
}

/** Asymptotic slopes of w(k) as k -> -inf (left, put wing) and k -> +inf (right, call wing). */
export function sviWingSlopes(p: SviParams): { left: number; right: number } {
  return { left: p.b * (1 - p.rho), right: p.b * (1 + p.rho) };
}

/**
 * Gatheral's density function g(k) from a total variance and its first two k-derivatives (any smile, not only
 * SVI). Returns -Infinity where w <= 0 (zero or negative total variance is itself an arbitrage).
 */
export function butterflyDensityFrom(k: number, w: number, w1: number, w2: number): number {
  if (!(w > 0)) return -Infinity;
  const t = 1 - (k * w1) / (2 * w);
  return t * t - ((w1 * w1) / 4) * (1 / w + 0.25) + w2 / 2;
}

/** g(k) of a raw SVI slice. */
export function sviButterflyDensity(p: SviParams, k: number): number {
  return butterflyDensityFrom(k, sviTotalVariance(p, k), sviFirstDerivative(p, k), sviSecondDerivative(p, k));
}

/** The smallest g on a grid and where it is. */
export interface ButterflyCheck {
  /** min over the grid of g(k); >= 0 means no butterfly arbitrage on the grid. */
  minDensity: number;
  /** The log-moneyness of that minimum. */
  atLogMoneyness: number;
  /** Number of grid points checked. */
  points: number;
  ok: boolean;
}

/** Checks g(k) >= 0 on every point of `grid` (log-moneyness). */
export function checkSviButterfly(p: SviParams, grid: ArrayLike<number>): ButterflyCheck {
  let min = Infinity;
  let at = Number.NaN;
  for (let i = 0; i < grid.length; i++) {
    const k = grid[i]!;
    const g = sviButterflyDensity(p, k);
    if (g < min) {
      min = g;
      at = k;
    }
  }
  return { minDensity: min, atLogMoneyness: at, points: grid.length, ok: min >= 0 };
}

/** `count` evenly spaced points from `lo` to `hi` inclusive. */
export function linearGrid(lo: number, hi: number, count: number): Float64Array {
  const out = new Float64Array(count);
  if (count === 1) {
    out[0] = lo;
    return out;
  }
  const h = (hi - lo) / (count - 1);
  for (let i = 0; i < count; i++) out[i] = lo + i * h;
  out[count - 1] = hi;
  return out;
}

/**
 * Throws `InvalidInputError` (field `params.<name>`) unless `p` is in the raw SVI domain: finite, b >= 0,
 * |rho| < 1, sigma > 0, minimum total variance >= 0, and (when `leeBound`) b (1 + |rho|) <= 2.
 */
export function validateSviParams(p: SviParams, leeBound = true): SviParams {
  for (const key of ['a', 'b', 'rho', 'm', 'sigma'] as const) {
    if (typeof p[key] !== 'number' || !Number.isFinite(p[key]))
      throw new InvalidInputError(`params.${key}`, p[key], 'must be a finite number');
  }
  if (p.b < 0) throw new InvalidInputError('params.b', p.b, 'must be at least 0');
  if (!(Math.abs(p.rho) < 1)) throw new InvalidInputError('params.rho', p.rho, 'must be strictly between -1 and 1');
  if (!(p.sigma > 0)) throw new InvalidInputError('params.sigma', p.sigma, 'must be greater than 0');
  const wMin = sviMinimumVariance(p);
  if (wMin < 0)
    throw new InvalidInputError('params.a', p.a, `makes the minimum total variance negative (${wMin.toPrecision(6)})`);
  if (leeBound && p.b * (1 + Math.abs(p.rho)) > 2 * (1 + 1e-12))
    throw new InvalidInputError(
      'params.b',
      p.b,
      `wing slope b (1 + |rho|) = ${(p.b * (1 + Math.abs(p.rho))).toPrecision(6)} exceeds Lee's bound 2`,
    );
  return p;
}
