/**
 * The inner problem of the Zeliade SVI calibration (fit.ts): for fixed (m, sigma) the raw SVI total variance
 * w(k) = a + d y + c sqrt(y^2 + 1), y = (k - m) / sigma, is linear in x = (a, d, c), and the best x is a weighted
 * linear least-squares problem under linear constraints, solved exactly by enumerating the active sets of the
 * constraint polygon (unconstrained first, stopping at the first KKT point that is primal and dual feasible).
 * Also the butterfly repair of an inner solution (pulled toward the flat-smile anchor by bisection).
 */
import { sviButterflyDensity, sviTotalVariance, type SviParams } from './svi.js';

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
export interface SliceData {
  k: Float64Array;
  w: Float64Array;
  nu: Float64Array;
  meanW: number;
  n: number;
  expiryYears: number;
  floor: { left: number; right: number };
}

export interface InnerResult {
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
export function solveInner(data: SliceData, m: number, sigma: number): InnerResult {
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
export function anchor(data: SliceData, sigma: number): { a: number; d: number; c: number } {
  const c = (sigma * (data.floor.left + data.floor.right)) / 2;
  const d = (sigma * (data.floor.right - data.floor.left)) / 2;
  return { a: Math.max(data.meanW, Math.abs(d)) - c, d, c };
}

export function toParams(m: number, sigma: number, x: { a: number; d: number; c: number }): SviParams {
  const b = x.c / sigma;
  const rho = x.c > 0 ? Math.max(-1 + 1e-15, Math.min(1 - 1e-15, x.d / x.c)) : 0;
  return { a: x.a, b, rho, m, sigma };
}

export function rssOf(data: SliceData, p: SviParams): number {
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
export function repairInner(
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
export function butterflyFree(p: SviParams, grid: ArrayLike<number>): boolean {
  for (let i = 0; i < grid.length; i++) if (!(sviButterflyDensity(p, grid[i]!) >= 0)) return false;
  return true;
}
