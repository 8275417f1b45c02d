/**
 * Fitting one raw SVI slice to implied vols: the quasi-explicit calibration of Zeliade Systems (De Marco & Martini,
 * "Quasi-explicit calibration of Gatheral's SVI model", Zeliade white paper, 2009).
 *
 * With y = (k - m) / sigma the raw SVI total variance is linear in three reduced parameters:
 *
 *     w(k) = a + d y + c sqrt(y^2 + 1),    c = b sigma,  d = rho b sigma,
 *
 * so for fixed (m, sigma) the best (a, d, c) is a weighted linear least-squares problem in three unknowns under
 * linear constraints. It is solved exactly here by enumerating the active sets of the constraint polygon (at most
 * 42 tiny KKT systems, unconstrained first, stopping at the first point that is primal and dual feasible). The outer problem in
 * (m, sigma) is two-dimensional: a coarse grid, then Nelder-Mead from the best grid points.
 *
 * Constraints of the inner problem, for a fixed sigma > 0 (all linear in x = (a, d, c)):
 *  - |d| <= c                      (|rho| <= 1 and b >= 0; with `wingFloor`, c -+ d >= sigma * floor),
 *  - c + |d| <= 2 sigma            (Lee's wing bound b (1 + |rho|) <= 2),
 *  - a + c - |d| >= 0              (a sufficient linear form of a + b sigma sqrt(1 - rho^2) >= 0, since
 *                                   sqrt(c^2 - d^2) >= c - |d| when |d| <= c: the minimum of w is then >= 0).
 *
 * Objective: the weighted sum of squared **vol** errors, sum_i omega_i (iv_model(k_i) - iv_i)^2, through its
 * first-order form in total variance, sum_i omega_i / (4 w_i T) (w_model(k_i) - w_i)^2 (since dw = 2 iv T d iv),
 * which keeps the inner problem linear. The reported errors are exact vol errors of the fitted smile.
 *
 * Butterfly arbitrage (Gatheral & Jacquier 2014, g(k) >= 0) is checked on a dense grid after the fit. If it fails
 * and repair is allowed, the slice is refitted with every candidate (m, sigma) mapped to an arbitrage-free smile: the
 * inner solution is pulled toward the flat smile w = mean total variance (g = 1 there) along the segment between
 * the two (which stays inside the linear constraints) by bisection until g >= 0 on the check grid.
 */
import { InvalidInputError } from '../errors.js';
import { SurfaceArbitrageError, SviCalibrationError } from './errors.js';
import { nelderMead } from './nelderMead.js';
import { repairInner, rssOf, solveInner, toParams, type SliceData } from './sviInner.js';
import { checkSviButterfly, linearGrid, sviTotalVariance, type ButterflyCheck, type SviParams } from './svi.js';

/** One market point of a slice. */
export interface SmilePoint {
  /** Log-forward-moneyness ln(K/F). */
  logMoneyness: number;
  /** Market implied vol, decimal (0.65), > 0. */
  impliedVol: number;
  /** Relative weight in the vol-error objective, > 0 (e.g. vega, or 1 / bid-ask spread in vol). */
  weight: number;
}

export interface SliceInput {
  /** Year fraction to expiry, ACT/365, > 0. */
  expiryYears: number;
  points: readonly SmilePoint[];
  /** Label used in errors, e.g. `2026-06-26 (T=0.0836 y)`. */
  label?: string;
}

export type ArbitragePolicy = 'repair' | 'refuse';

export interface SliceFitOptions {
  /** What to do when the fitted smile has butterfly arbitrage on the check grid: refit arbitrage-free, or throw. */
  arbitrage?: ArbitragePolicy;
  /** Log-moneyness grid on which g(k) >= 0 is checked (default: the points' range widened by its width each side, 2001 points). */
  checkGrid?: ArrayLike<number>;
  /**
   * Lower bounds on the wing slopes of total variance, b (1 - rho) (left) and b (1 + rho) (right): an earlier
   * slice's slopes, so that this slice's total variance cannot fall below it far out in the wings (a necessary
   * condition for no calendar arbitrage as |k| -> inf). Linear in (a, d, c): c - d >= sigma * left, c + d >=
   * sigma * right. Each is capped at Lee's 2.
   */
  wingFloor?: { left: number; right: number };
}

export interface SliceFit {
  label: string;
  expiryYears: number;
  params: SviParams;
  /** Weighted RMSE of the fitted vols against the market vols, in vol points (1 vol point = 0.01). */
  rmseVolPoints: number;
  /** Unweighted RMSE, vol points. */
  rmseUnweightedVolPoints: number;
  /** Largest |iv_model - iv_market|, vol points, and where. */
  maxAbsErrorVolPoints: number;
  maxErrorLogMoneyness: number;
  /** Per point: model vol minus market vol, vol points, in input order. */
  residualsVolPoints: number[];
  points: number;
  butterfly: ButterflyCheck;
  /** True when the unconstrained fit had butterfly arbitrage and the slice was refitted arbitrage-free. */
  butterflyRepaired: boolean;
  /** Objective evaluations of the outer search (for the bench and the curious). */
  evaluations: number;
}

const MIN_POINTS = 5;

// --- small dense linear algebra -----------------------------------------------------------------------------------

// --- the outer problem --------------------------------------------------------------------------------------------

function prepare(input: SliceInput, label: string, floorIn: SliceFitOptions['wingFloor']): SliceData {
  const T = input.expiryYears;
  if (typeof T !== 'number' || !Number.isFinite(T) || T <= 0)
    throw new InvalidInputError(`${label}.expiryYears`, T, 'must be a finite number greater than 0');
  const n = input.points.length;
  const k = new Float64Array(n);
  const w = new Float64Array(n);
  const nu = new Float64Array(n);
  let weightSum = 0;
  for (let i = 0; i < n; i++) {
    const p = input.points[i]!;
    const field = `${label}.points[${i}]`;
    if (typeof p.logMoneyness !== 'number' || !Number.isFinite(p.logMoneyness))
      throw new InvalidInputError(`${field}.logMoneyness`, p.logMoneyness, 'must be a finite number');
    if (typeof p.impliedVol !== 'number' || !Number.isFinite(p.impliedVol) || p.impliedVol <= 0)
      throw new InvalidInputError(`${field}.impliedVol`, p.impliedVol, 'must be a finite decimal vol greater than 0');
    if (typeof p.weight !== 'number' || !Number.isFinite(p.weight) || p.weight <= 0)
      throw new InvalidInputError(`${field}.weight`, p.weight, 'must be a finite number greater than 0');
    weightSum += p.weight;
  }
  const distinct = new Set(input.points.map((p) => p.logMoneyness)).size;
  if (distinct < MIN_POINTS)
    throw new SviCalibrationError(
      label,
      `${distinct} distinct strike(s); raw SVI has 5 parameters and needs at least ${MIN_POINTS}`,
    );
  let meanW = 0;
  for (let i = 0; i < n; i++) {
    const p = input.points[i]!;
    k[i] = p.logMoneyness;
    w[i] = p.impliedVol * p.impliedVol * T;
    // Vol-error weight omega / sum(omega), mapped to total variance: d iv = dw / (2 iv T), so nu = omega / (4 w T).
    nu[i] = p.weight / weightSum / (4 * w[i]! * T);
    meanW += (p.weight / weightSum) * w[i]!;
  }
  const cap = (v: number, f: string) => {
    if (!Number.isFinite(v) || v < 0)
      throw new InvalidInputError(`wingFloor.${f}`, v, 'must be a finite slope at least 0');
    return Math.min(v, 2);
  };
  const floor = floorIn
    ? { left: cap(floorIn.left, 'left'), right: cap(floorIn.right, 'right') }
    : { left: 0, right: 0 };
  return { k, w, nu, meanW, n, expiryYears: T, floor };
}

/** The default check grid of a slice: its strikes' k range widened by that width on each side, 2001 points. */
export function defaultCheckGrid(points: readonly SmilePoint[]): Float64Array {
  let lo = Infinity;
  let hi = -Infinity;
  for (const p of points) {
    lo = Math.min(lo, p.logMoneyness);
    hi = Math.max(hi, p.logMoneyness);
  }
  const width = Math.max(hi - lo, 0.05);
  return linearGrid(lo - width, hi + width, 2001);
}

function search(
  data: SliceData,
  objective: (m: number, sigma: number) => number,
): { m: number; sigma: number; evals: number } {
  let kMin = Infinity;
  let kMax = -Infinity;
  for (let i = 0; i < data.n; i++) {
    kMin = Math.min(kMin, data.k[i]!);
    kMax = Math.max(kMax, data.k[i]!);
  }
  const span = Math.max(kMax - kMin, 1e-3);
  const mLo = kMin - span;
  const mHi = kMax + span;
  const sLo = Math.log(1e-4 * span);
  const sHi = Math.log(4 * span);
  const f = (m: number, s: number) => (m < mLo || m > mHi || s < sLo || s > sHi ? Infinity : objective(m, Math.exp(s)));
  // Coarse grid: m over the strikes, sigma log-spaced from 0.1% to 200% of the strike span.
  const grid: { m: number; s: number; f: number }[] = [];
  const M = 15;
  const S = 12;
  for (let i = 0; i < M; i++) {
    const m = kMin + ((i + 0.5) / M) * (kMax - kMin);
    for (let j = 0; j < S; j++) {
      const s = Math.log(1e-3 * span) + (j / (S - 1)) * Math.log(2000);
      grid.push({ m, s, f: f(m, s) });
    }
  }
  let evals = grid.length;
  grid.sort((x, y) => x.f - y.f);
  let best = { m: grid[0]!.m, s: grid[0]!.s, f: grid[0]!.f };
  for (const start of grid.slice(0, 3)) {
    const r = nelderMead(f, [start.m, start.s], [span / M, Math.log(2000) / (S - 1)], 400, 1e-10);
    evals += r.evals;
    if (r.f < best.f) best = { m: r.x, s: r.y, f: r.f };
  }
  // One restart from the best point with a fresh, small simplex: Nelder-Mead can stall on a collapsed simplex.
  const polish = nelderMead(f, [best.m, best.s], [span * 1e-3, 1e-2], 300, 1e-12);
  evals += polish.evals;
  if (polish.f < best.f) best = { m: polish.x, s: polish.y, f: polish.f };
  return { m: best.m, sigma: Math.exp(best.s), evals };
}

function describe(
  label: string,
  data: SliceData,
  input: SliceInput,
  p: SviParams,
  evals: number,
): Omit<SliceFit, 'butterfly' | 'butterflyRepaired'> {
  const T = data.expiryYears;
  let se = 0;
  let seU = 0;
  let wsum = 0;
  let maxAbs = 0;
  let maxAt = Number.NaN;
  const residuals: number[] = [];
  for (let i = 0; i < data.n; i++) {
    const pt = input.points[i]!;
    const w = sviTotalVariance(p, pt.logMoneyness);
    const iv = w > 0 ? Math.sqrt(w / T) : 0;
    const e = (iv - pt.impliedVol) * 100;
    residuals.push(e);
    se += pt.weight * e * e;
    wsum += pt.weight;
    seU += e * e;
    if (Math.abs(e) > maxAbs) {
      maxAbs = Math.abs(e);
      maxAt = pt.logMoneyness;
    }
  }
  return {
    label,
    expiryYears: T,
    params: p,
    rmseVolPoints: Math.sqrt(se / wsum),
    rmseUnweightedVolPoints: Math.sqrt(seU / data.n),
    maxAbsErrorVolPoints: maxAbs,
    maxErrorLogMoneyness: maxAt,
    residualsVolPoints: residuals,
    points: data.n,
    evaluations: evals,
  };
}

/**
 * Fits raw SVI to one expiry's implied vols (see the module comment). Throws `InvalidInputError` for a bad point
 * or expiry, `SviCalibrationError` for fewer than 5 distinct strikes, `SurfaceArbitrageError` (kind `butterfly`)
 * when the fit has butterfly arbitrage and `arbitrage` is `refuse`.
 */
export function fitSviSlice(input: SliceInput, options: SliceFitOptions = {}): SliceFit {
  const label = input.label ?? `slice (T=${input.expiryYears})`;
  const data = prepare(input, label, options.wingFloor);
  const grid = options.checkGrid ?? defaultCheckGrid(input.points);
  const policy = options.arbitrage ?? 'repair';

  // The residual sum of squares is recomputed from the residuals (not from the expanded quadratic form, which
  // loses digits to cancellation near an exact fit), so the outer search can locate its minimum to rounding level.
  const plain = search(data, (m, sigma) => rssOf(data, toParams(m, sigma, solveInner(data, m, sigma))));
  const params = toParams(plain.m, plain.sigma, solveInner(data, plain.m, plain.sigma));
  const check = checkSviButterfly(params, grid);
  if (check.ok)
    return { ...describe(label, data, input, params, plain.evals), butterfly: check, butterflyRepaired: false };
  if (policy === 'refuse') {
    throw new SurfaceArbitrageError(
      'butterfly',
      label,
      check.atLogMoneyness,
      check.minDensity,
      `density g(k) = ${check.minDensity.toPrecision(4)} < 0 on the ${check.points}-point check grid`,
    );
  }
  // Repair: refit with every (m, sigma) mapped to its arbitrage-free inner solution. The outer search uses a
  // 201-point grid over the same range; the final smile is made arbitrage-free on the full check grid.
  const coarse = linearGrid(grid[0]!, grid[grid.length - 1]!, 201);
  const repaired = search(data, (m, sigma) =>
    rssOf(data, repairInner(data, m, sigma, solveInner(data, m, sigma), coarse, 20)),
  );
  const fixed = repairInner(data, repaired.m, repaired.sigma, solveInner(data, repaired.m, repaired.sigma), grid, 40);
  const after = checkSviButterfly(fixed, grid);
  if (!after.ok) {
    throw new SurfaceArbitrageError(
      'butterfly',
      label,
      after.atLogMoneyness,
      after.minDensity,
      `could not be repaired (g = ${after.minDensity.toPrecision(4)})`,
    );
  }
  return {
    ...describe(label, data, input, fixed, plain.evals + repaired.evals),
    butterfly: after,
    butterflyRepaired: true,
  };
}
