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
import {
  checkSviButterfly,
  linearGrid,
  sviButterflyDensity,
  sviTotalVariance,
  type ButterflyCheck,
  type SviParams,
} from './svi.js';

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

/** Solves A x = b in place for a small n x n system (row-major `A`), partial pivoting; false when singular. */
function solveSmall(A: Float64Array, b: Float64Array, n: number, x: Float64Array): boolean {
  let scale = 0;
  for (let i = 0; i < n * n; i++) scale = Math.max(scale, Math.abs(A[i]!));
  const tiny = scale * 1e-13;
  for (let col = 0; col < n; col++) {
    let piv = col;
    let best = Math.abs(A[col * n + col]!);
    for (let r = col + 1; r < n; r++) {
      const v = Math.abs(A[r * n + col]!);
      if (v > best) {
        best = v;
        piv = r;
      }
    }
    if (!(best > tiny)) return false;
    if (piv !== col) {
      for (let j = 0; j < n; j++) {
        const t = A[col * n + j]!;
        A[col * n + j] = A[piv * n + j]!;
        A[piv * n + j] = t;
      }
      const t = b[col]!;
      b[col] = b[piv]!;
      b[piv] = t;
    }
    const d = A[col * n + col]!;
    for (let r = col + 1; r < n; r++) {
      const f = A[r * n + col]! / d;
      if (f === 0) continue;
      for (let j = col; j < n; j++) A[r * n + j] = A[r * n + j]! - f * A[col * n + j]!;
      b[r] = b[r]! - f * b[col]!;
    }
  }
  for (let r = n - 1; r >= 0; r--) {
    let s = b[r]!;
    for (let j = r + 1; j < n; j++) s -= A[r * n + j]! * x[j]!;
    x[r] = s / A[r * n + r]!;
  }
  return true;
}

// --- the inner problem --------------------------------------------------------------------------------------------

/** Constraint rows G x >= h for x = (a, d, c); h depends on sigma (rows 2 and 3). */
const G: readonly (readonly [number, number, number])[] = [
  [0, -1, 1], // c - d >= 0
  [0, 1, 1], // c + d >= 0
  [0, -1, -1], // 2 sigma - c - d >= 0
  [0, 1, -1], // 2 sigma - c + d >= 0
  [1, -1, 1], // a + c - d >= 0
  [1, 1, 1], // a + c + d >= 0
];
const ACTIVE_SETS: number[][] = (() => {
  const sets: number[][] = [[]];
  const n = G.length;
  for (let i = 0; i < n; i++) sets.push([i]);
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) sets.push([i, j]);
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) for (let l = j + 1; l < n; l++) sets.push([i, j, l]);
  return sets;
})();

/** Right-hand side of constraint `row` at sigma, with the wing floors (rows 0 and 1). */
function rhs(row: number, sigma: number, floor: { left: number; right: number }): number {
  if (row === 0) return sigma * floor.left;
  if (row === 1) return sigma * floor.right;
  return row === 2 || row === 3 ? -2 * sigma : 0;
}

/** Prepared data of one slice: k, target total variance, weights in total-variance space. */
interface SliceData {
  k: Float64Array;
  w: Float64Array;
  nu: Float64Array;
  meanW: number;
  n: number;
  expiryYears: number;
  floor: { left: number; right: number };
}

interface InnerResult {
  a: number;
  d: number;
  c: number;
  rss: number;
}

const KKT = new Float64Array(36);
const KRHS = new Float64Array(6);
const KSOL = new Float64Array(6);

/**
 * The best (a, d, c) for fixed (m, sigma): exact solution of the 3-variable constrained weighted least squares.
 * H = sum nu f f^T, g = sum nu f w with f = (1, y, sqrt(y^2+1)); minimises x^T H x - 2 g^T x over the polygon.
 */
function solveInner(data: SliceData, m: number, sigma: number): InnerResult {
  let h00 = 0;
  let h01 = 0;
  let h02 = 0;
  let h11 = 0;
  let h12 = 0;
  let h22 = 0;
  let g0 = 0;
  let g1 = 0;
  let g2 = 0;
  let ww = 0;
  for (let i = 0; i < data.n; i++) {
    const y = (data.k[i]! - m) / sigma;
    const z = Math.sqrt(y * y + 1);
    const nu = data.nu[i]!;
    const w = data.w[i]!;
    h00 += nu;
    h01 += nu * y;
    h02 += nu * z;
    h11 += nu * y * y;
    h12 += nu * y * z;
    h22 += nu * z * z;
    g0 += nu * w;
    g1 += nu * y * w;
    g2 += nu * z * w;
    ww += nu * w * w;
  }
  const H = [h00, h01, h02, h01, h11, h12, h02, h12, h22];
  const g = [g0, g1, g2];
  const objective = (a: number, d: number, c: number) =>
    a * (h00 * a + 2 * h01 * d + 2 * h02 * c) +
    d * (h11 * d + 2 * h12 * c) +
    c * h22 * c -
    2 * (g0 * a + g1 * d + g2 * c) +
    ww;
  const feasible = (a: number, d: number, c: number) => {
    const tol = 1e-12 * (1 + Math.abs(a) + Math.abs(c) + sigma);
    for (let r = 0; r < G.length; r++) {
      const row = G[r]!;
      if (row[0] * a + row[1] * d + row[2] * c < rhs(r, sigma, data.floor) - tol) return false;
    }
    return true;
  };
  let best: InnerResult | null = null;
  for (const set of ACTIVE_SETS) {
    const nA = set.length;
    const n = 3 + nA;
    KKT.fill(0, 0, n * n);
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) KKT[i * n + j] = H[i * 3 + j]!;
      KRHS[i] = g[i]!;
    }
    for (let q = 0; q < nA; q++) {
      const row = G[set[q]!]!;
      for (let j = 0; j < 3; j++) {
        KKT[(3 + q) * n + j] = row[j]!;
        KKT[j * n + 3 + q] = row[j]!;
      }
      KRHS[3 + q] = rhs(set[q]!, sigma, data.floor);
    }
    if (!solveSmall(KKT, KRHS, n, KSOL)) continue;
    const a = KSOL[0]!;
    const d = KSOL[1]!;
    const c = KSOL[2]!;
    if (!Number.isFinite(a) || !Number.isFinite(d) || !Number.isFinite(c) || !feasible(a, d, c)) continue;
    const rss = objective(a, d, c);
    if (best === null || rss < best.rss) best = { a, d, c, rss };
    // KKT: with H x + A_S^T mu = g the multipliers of the active constraints (A x >= b) are lambda = -mu. A primal
    // feasible point with every lambda >= 0 is the minimiser of the convex problem: stop (the unconstrained
    // minimiser, when feasible, is the first such point).
    let dualFeasible = true;
    for (let q = 0; q < nA; q++)
      if (KSOL[3 + q]! > 1e-14 * (1 + Math.abs(g0) + Math.abs(g1) + Math.abs(g2))) dualFeasible = false;
    if (dualFeasible) {
      best = { a, d, c, rss };
      break;
    }
  }
  // The vertex c - d = sigma L, c + d = sigma R, a + c - |d| = 0 is always feasible (L, R in [0, 2]), so `best`
  // is set unless every KKT system is singular; fall back to the flat-as-possible point.
  if (best) return best;
  const x = anchor(data, sigma);
  return { ...x, rss: objective(x.a, x.d, x.c) };
}

/**
 * The anchor of the butterfly repair at this sigma: total variance `mean` at k = m with the smallest wings allowed.
 * Without wing floors it is the flat smile w = mean, whose density is g = 1 > 0; with floors it is a smile with the
 * floor slopes, checked like any other.
 */
function anchor(data: SliceData, sigma: number): { a: number; d: number; c: number } {
  const c = (sigma * (data.floor.left + data.floor.right)) / 2;
  const d = (sigma * (data.floor.right - data.floor.left)) / 2;
  return { a: Math.max(data.meanW, Math.abs(d)) - c, d, c };
}

function toParams(m: number, sigma: number, x: { a: number; d: number; c: number }): SviParams {
  const b = x.c / sigma;
  const rho = x.c > 0 ? Math.max(-1 + 1e-15, Math.min(1 - 1e-15, x.d / x.c)) : 0;
  return { a: x.a, b, rho, m, sigma };
}

function rssOf(data: SliceData, p: SviParams): number {
  let s = 0;
  for (let i = 0; i < data.n; i++) {
    const e = sviTotalVariance(p, data.k[i]!) - data.w[i]!;
    s += data.nu[i]! * e * e;
  }
  return s;
}

/**
 * The inner solution pulled toward the anchor until g >= 0 on `grid` (bisection on the mixing weight t in [0, 1],
 * `steps` halvings: 20 (t to 1e-6) inside the outer search, 40 for the final smile; t = 0 is the anchor).
 */
function repairInner(
  data: SliceData,
  m: number,
  sigma: number,
  x: InnerResult,
  grid: ArrayLike<number>,
  steps: number,
): SviParams {
  const full = toParams(m, sigma, x);
  if (butterflyFree(full, grid)) return full;
  const x0 = anchor(data, sigma);
  const mix = (t: number) =>
    toParams(m, sigma, { a: x0.a + t * (x.a - x0.a), d: x0.d + t * (x.d - x0.d), c: x0.c + t * (x.c - x0.c) });
  let lo = 0;
  let hi = 1;
  for (let it = 0; it < steps; it++) {
    const t = 0.5 * (lo + hi);
    if (butterflyFree(mix(t), grid)) lo = t;
    else hi = t;
  }
  return mix(lo);
}

/** g(k) >= 0 at every grid point (stops at the first violation). */
function butterflyFree(p: SviParams, grid: ArrayLike<number>): boolean {
  for (let i = 0; i < grid.length; i++) if (!(sviButterflyDensity(p, grid[i]!) >= 0)) return false;
  return true;
}

// --- the outer problem --------------------------------------------------------------------------------------------

/** Nelder-Mead on R^2 (standard coefficients 1, 2, 1/2, 1/2); `f` may return Infinity outside its domain. */
function nelderMead(
  f: (x: number, y: number) => number,
  start: readonly [number, number],
  step: readonly [number, number],
  maxEvals: number,
  tolX: number,
): { x: number; y: number; f: number; evals: number } {
  const px = [start[0], start[0] + step[0], start[0]];
  const py = [start[1], start[1], start[1] + step[1]];
  const fv = [f(px[0]!, py[0]!), f(px[1]!, py[1]!), f(px[2]!, py[2]!)];
  let evals = 3;
  const order = [0, 1, 2];
  while (evals < maxEvals) {
    order.sort((i, j) => fv[i]! - fv[j]!);
    const [b, s, w] = order as [number, number, number];
    const size = Math.max(
      Math.abs(px[s]! - px[b]!),
      Math.abs(px[w]! - px[b]!),
      Math.abs(py[s]! - py[b]!),
      Math.abs(py[w]! - py[b]!),
    );
    if (size < tolX) break;
    const cx = 0.5 * (px[b]! + px[s]!);
    const cy = 0.5 * (py[b]! + py[s]!);
    const rx = cx + (cx - px[w]!);
    const ry = cy + (cy - py[w]!);
    const fr = f(rx, ry);
    evals++;
    if (fr < fv[b]!) {
      const ex = cx + 2 * (cx - px[w]!);
      const ey = cy + 2 * (cy - py[w]!);
      const fe = f(ex, ey);
      evals++;
      if (fe < fr) {
        px[w] = ex;
        py[w] = ey;
        fv[w] = fe;
      } else {
        px[w] = rx;
        py[w] = ry;
        fv[w] = fr;
      }
      continue;
    }
    if (fr < fv[s]!) {
      px[w] = rx;
      py[w] = ry;
      fv[w] = fr;
      continue;
    }
    const outside = fr < fv[w]!;
    const kx = outside ? cx + 0.5 * (rx - cx) : cx + 0.5 * (px[w]! - cx);
    const ky = outside ? cy + 0.5 * (ry - cy) : cy + 0.5 * (py[w]! - cy);
    const fk = f(kx, ky);
    evals++;
    if (fk < (outside ? fr : fv[w]!)) {
      px[w] = kx;
      py[w] = ky;
      fv[w] = fk;
      continue;
    }
    for (const i of [s, w]) {
      px[i] = px[b]! + 0.5 * (px[i]! - px[b]!);
      py[i] = py[b]! + 0.5 * (py[i]! - py[b]!);
      fv[i] = f(px[i]!, py[i]!);
      evals++;
    }
  }
  order.sort((i, j) => fv[i]! - fv[j]!);
  const b = order[0]!;
  return { x: px[b]!, y: py[b]!, f: fv[b]!, evals };
}

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
