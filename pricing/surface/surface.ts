/**
 * A volatility surface from raw SVI slices: calendar-arbitrage check and repair, interpolation across expiries and
 * the `volAt` query.
 *
 * Calendar arbitrage: with zero rates or rates and dividends proportional, calls are non-decreasing in T at fixed
 * forward moneyness iff total variance is non-decreasing in T at every fixed k = ln(K/F_T) (Gatheral & Jacquier
 * 2014, Lemma 2.1 and Definition 2.1). It is checked on a dense k grid between consecutive slices; a violation is
 * repaired by raising the later slice's `a` by the largest shortfall on the grid (a parallel shift of its total
 * variance, which leaves its shape unchanged), then that slice's butterfly check is repeated.
 *
 * Interpolation between listed expiries T_i < T < T_{i+1}: **linear in total variance at fixed log-forward-
 * moneyness k** (not at fixed strike, not in vol), w(k, T) = w_i(k) + (T - T_i) / (T_{i+1} - T_i) (w_{i+1}(k) -
 * w_i(k)). This keeps w non-decreasing in T at every k once the slices are, so the interpolated surface has no
 * calendar arbitrage; butterfly-freeness of interpolated slices is not implied by that of the listed ones and is
 * checked in the tests at midpoints.
 *
 * Extrapolation: before the first expiry w(k, T) = w_1(k) T / T_1 (the interpolation from w = 0 at T = 0: the
 * first slice's vol at each k held flat). After the last expiry, flat forward variance: w(k, T) = w_n(k) +
 * (T - T_n) * v(k) with v(k) = max(0, (w_n(k) - w_{n-1}(k)) / (T_n - T_{n-1})), the forward variance of the last
 * interval at that k (a single slice: w_n(k) T / T_n).
 *
 * Forward of an unlisted expiry: ln F is interpolated linearly in T between listed forwards (a flat carry rate per
 * interval), from `spot` at T = 0 when given (otherwise F_1 held flat before the first expiry) and with the last
 * interval's carry after the last expiry.
 */
import { InvalidInputError } from '../errors.js';
import { SurfaceArbitrageError } from './errors.js';
import { fitSviSlice, type ArbitragePolicy, type SliceFit, type SliceInput, type SmilePoint } from './fit.js';
import {
  checkSviButterfly,
  linearGrid,
  sviFirstDerivative,
  sviSecondDerivative,
  sviTotalVariance,
  sviWingSlopes,
  butterflyDensityFrom,
  type SviParams,
} from './svi.js';

export interface SurfaceSliceInput extends SliceInput {
  /** Forward of this expiry, quote per base, > 0 (k of the points is ln(K / forward)). */
  forward: number;
}

export interface SurfaceInput {
  slices: readonly SurfaceSliceInput[];
  /** Spot (index) price, quote per base: the forward at T = 0 for unlisted expiries before the first; optional. */
  spot?: number;
}

export interface SurfaceOptions {
  /** Repair butterfly and calendar arbitrage (default) or refuse with `SurfaceArbitrageError`. */
  arbitrage?: ArbitragePolicy;
  /** Points of the dense check grid in k (default 2001). */
  checkPoints?: number;
}

export interface CalendarCheck {
  /** Between `slices[index - 1]` and `slices[index]`. */
  index: number;
  /** Largest w(k, T_{i-1}) - w(k, T_i) on the grid before repair (<= 0: no violation), total variance. */
  worstShortfall: number;
  atLogMoneyness: number;
  /** Amount added to the later slice's `a` (0 when none was needed), total variance. */
  repairA: number;
  /** The same at the later slice's ATM, in vol points (1 vol point = 0.01). */
  repairAtmVolPoints: number;
  /**
   * Whether the later slice's wings are at least as steep as the earlier one's (b(1 -+ rho)); if not, total
   * variance crosses far outside the check grid, where the surface should not be used.
   */
  wingsOrdered: boolean;
}

export interface VolSurfaceSlice extends SliceFit {
  forward: number;
  /** Wing-slope floors the fit was held to (the previous slice's b(1 -+ rho)); null for the first or under `refuse`. */
  wingFloor: { left: number; right: number } | null;
  /**
   * Total variance added to `a` to remove a calendar violation against the previous slice (0 when none was
   * needed); the error statistics of the slice are those after the shift.
   */
  calendarRepairA: number;
}

export interface VolSurface {
  slices: VolSurfaceSlice[];
  spot: number | null;
  /** Log-moneyness range of the dense check grid (both checks). */
  checkRange: { lo: number; hi: number; points: number };
  calendar: CalendarCheck[];
  /** True when the final surface passed both checks on the grid. */
  arbitrageFree: boolean;
}

function label(i: number, s: SliceInput): string {
  return s.label ?? `slices[${i}] (T=${s.expiryYears.toPrecision(4)} y)`;
}

function refit(points: readonly SmilePoint[], T: number, p: SviParams) {
  let se = 0;
  let seU = 0;
  let ws = 0;
  let maxAbs = 0;
  let maxAt = Number.NaN;
  const residuals: number[] = [];
  for (const pt of points) {
    const w = sviTotalVariance(p, pt.logMoneyness);
    const e = ((w > 0 ? Math.sqrt(w / T) : 0) - pt.impliedVol) * 100;
    residuals.push(e);
    se += pt.weight * e * e;
    ws += pt.weight;
    seU += e * e;
    if (Math.abs(e) > maxAbs) {
      maxAbs = Math.abs(e);
      maxAt = pt.logMoneyness;
    }
  }
  return {
    rmseVolPoints: Math.sqrt(se / ws),
    rmseUnweightedVolPoints: Math.sqrt(seU / points.length),
    maxAbsErrorVolPoints: maxAbs,
    maxErrorLogMoneyness: maxAt,
    residualsVolPoints: residuals,
  };
}

/**
 * Fits every slice (`fitSviSlice`), sorts them by expiry, checks and repairs (or refuses) calendar arbitrage on the
 * dense grid, and returns the surface. Throws `InvalidInputError` for bad inputs (two slices with the same expiry
 * included), `SviCalibrationError`, or `SurfaceArbitrageError` under `arbitrage: 'refuse'` or when a repair fails.
 */
export function fitSurface(input: SurfaceInput, options: SurfaceOptions = {}): VolSurface {
  const policy = options.arbitrage ?? 'repair';
  if (!Array.isArray(input.slices) || input.slices.length === 0)
    throw new InvalidInputError('slices', input.slices, 'must be a non-empty array of slices');
  if (input.spot !== undefined && !(Number.isFinite(input.spot) && input.spot > 0))
    throw new InvalidInputError('spot', input.spot, 'must be a finite number greater than 0');
  const order = input.slices.map((s, i) => ({ s, i })).sort((x, y) => x.s.expiryYears - y.s.expiryYears);
  for (let j = 0; j < order.length; j++) {
    const { s, i } = order[j]!;
    if (!(Number.isFinite(s.forward) && s.forward > 0))
      throw new InvalidInputError(`slices[${i}].forward`, s.forward, 'must be a finite number greater than 0');
    if (j > 0 && s.expiryYears === order[j - 1]!.s.expiryYears)
      throw new InvalidInputError(`slices[${i}].expiryYears`, s.expiryYears, 'duplicates another slice');
  }
  let lo = Infinity;
  let hi = -Infinity;
  for (const { s } of order)
    for (const p of s.points) {
      if (Number.isFinite(p.logMoneyness)) {
        lo = Math.min(lo, p.logMoneyness);
        hi = Math.max(hi, p.logMoneyness);
      }
    }
  const width = Math.max(hi - lo, 0.05);
  const count = options.checkPoints ?? 2001;
  const grid = linearGrid(lo - 0.5 * width, hi + 0.5 * width, count);

  // Slices are fitted in expiry order; under `repair` each one's wing slopes are bounded below by the previous
  // slice's (a necessary condition for w(k, T) non-decreasing in T as |k| -> inf, where no shift of `a` helps).
  const slices: VolSurfaceSlice[] = [];
  for (const { s, i } of order) {
    const prev = slices[slices.length - 1];
    const wingFloor = policy === 'repair' && prev ? sviWingSlopes(prev.params) : undefined;
    slices.push({
      ...fitSviSlice({ ...s, label: label(i, s) }, { arbitrage: policy, checkGrid: grid, wingFloor }),
      forward: s.forward,
      wingFloor: wingFloor ?? null,
      calendarRepairA: 0,
    });
  }

  const calendar: CalendarCheck[] = [];
  for (let j = 1; j < slices.length; j++) {
    const prev = slices[j - 1]!;
    const cur = slices[j]!;
    let worst = -Infinity;
    let at = Number.NaN;
    for (let q = 0; q < grid.length; q++) {
      const k = grid[q]!;
      const gap = sviTotalVariance(prev.params, k) - sviTotalVariance(cur.params, k);
      if (gap > worst) {
        worst = gap;
        at = k;
      }
    }
    const wp = sviWingSlopes(prev.params);
    const wc = sviWingSlopes(cur.params);
    const wingsOrdered = wc.left >= wp.left - 1e-12 && wc.right >= wp.right - 1e-12;
    let repairA = 0;
    if (worst > 0) {
      if (policy === 'refuse') {
        throw new SurfaceArbitrageError(
          'calendar',
          cur.label,
          at,
          worst,
          `total variance ${worst.toPrecision(4)} below that of ${prev.label}`,
        );
      }
      // Raise a by the shortfall and a relative hair (so that rounding cannot leave w_i - w_{i-1} at -1e-17).
      repairA = worst * (1 + 1e-9) + 1e-15;
      const params = { ...cur.params, a: cur.params.a + repairA };
      const bf = checkSviButterfly(params, grid);
      if (!bf.ok) {
        throw new SurfaceArbitrageError(
          'calendar',
          cur.label,
          at,
          worst,
          `raising a by ${repairA.toPrecision(4)} to remove it creates butterfly arbitrage (g = ${bf.minDensity.toPrecision(4)} at k = ${bf.atLogMoneyness.toFixed(4)})`,
        );
      }
      const inputSlice = order[j]!.s;
      slices[j] = {
        ...cur,
        ...refit(inputSlice.points, cur.expiryYears, params),
        params,
        butterfly: bf,
        calendarRepairA: repairA,
      };
    }
    const T = cur.expiryYears;
    const atmW = sviTotalVariance(slices[j]!.params, 0);
    const atmVolBefore = Math.sqrt(Math.max(0, atmW - repairA) / T);
    calendar.push({
      index: j,
      worstShortfall: worst,
      atLogMoneyness: at,
      repairA,
      repairAtmVolPoints: (Math.sqrt(atmW / T) - atmVolBefore) * 100,
      wingsOrdered,
    });
  }
  return {
    slices,
    spot: input.spot ?? null,
    checkRange: { lo: grid[0]!, hi: grid[grid.length - 1]!, points: grid.length },
    calendar,
    arbitrageFree: slices.every((s) => s.butterfly.ok),
  };
}

// --- queries ------------------------------------------------------------------------------------------------------

function requireYears(field: string, T: number): number {
  if (typeof T !== 'number' || !Number.isFinite(T) || T <= 0)
    throw new InvalidInputError(field, T, 'must be a finite number of years greater than 0');
  return T;
}

/** Index i such that T lies in [T_i, T_{i+1}) (-1 before the first, n-1 at or after the last). */
function bracket(surface: VolSurface, T: number): number {
  const s = surface.slices;
  if (T < s[0]!.expiryYears) return -1;
  let lo = 0;
  let hi = s.length - 1;
  if (T >= s[hi]!.expiryYears) return hi;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (s[mid]!.expiryYears <= T) lo = mid;
    else hi = mid;
  }
  return lo;
}

/** Total implied variance w(k, T) and its k-derivatives under the interpolation rules of the module comment. */
export function totalVarianceAt(
  surface: VolSurface,
  logMoneyness: number,
  expiryYears: number,
): { w: number; dw: number; d2w: number } {
  const k = logMoneyness;
  if (typeof k !== 'number' || !Number.isFinite(k))
    throw new InvalidInputError('logMoneyness', k, 'must be a finite number');
  const T = requireYears('expiryYears', expiryYears);
  const s = surface.slices;
  const at = (i: number) => {
    const p = s[i]!.params;
    return {
      w: sviTotalVariance(p, k),
      dw: sviFirstDerivative(p, k),
      d2w: sviSecondDerivative(p, k),
      T: s[i]!.expiryYears,
    };
  };
  const i = bracket(surface, T);
  if (i < 0) {
    const a = at(0);
    const f = T / a.T;
    return { w: a.w * f, dw: a.dw * f, d2w: a.d2w * f };
  }
  if (i === s.length - 1) {
    const a = at(i);
    if (T === a.T) return { w: a.w, dw: a.dw, d2w: a.d2w };
    if (i === 0) {
      const f = T / a.T;
      return { w: a.w * f, dw: a.dw * f, d2w: a.d2w * f };
    }
    const b = at(i - 1);
    const rate = (a.w - b.w) / (a.T - b.T);
    if (rate <= 0) return { w: a.w, dw: a.dw, d2w: a.d2w };
    const f = (T - a.T) / (a.T - b.T);
    return { w: a.w + f * (a.w - b.w), dw: a.dw + f * (a.dw - b.dw), d2w: a.d2w + f * (a.d2w - b.d2w) };
  }
  const a = at(i);
  const b = at(i + 1);
  const f = (T - a.T) / (b.T - a.T);
  return { w: a.w + f * (b.w - a.w), dw: a.dw + f * (b.dw - a.dw), d2w: a.d2w + f * (b.d2w - a.d2w) };
}

/** Gatheral's butterfly density g(k) of the (possibly interpolated) slice at T. */
export function butterflyDensityAt(surface: VolSurface, logMoneyness: number, expiryYears: number): number {
  const { w, dw, d2w } = totalVarianceAt(surface, logMoneyness, expiryYears);
  return butterflyDensityFrom(logMoneyness, w, dw, d2w);
}

/** Forward at T (quote per base) under the rules of the module comment. */
export function forwardAt(surface: VolSurface, expiryYears: number): number {
  const T = requireYears('expiryYears', expiryYears);
  const s = surface.slices;
  const i = bracket(surface, T);
  if (i < 0) {
    const F1 = s[0]!.forward;
    if (surface.spot === null) return F1;
    return surface.spot * Math.exp((Math.log(F1 / surface.spot) * T) / s[0]!.expiryYears);
  }
  if (i === s.length - 1) {
    const a = s[i]!;
    if (i === 0) {
      if (surface.spot === null) return a.forward;
      return surface.spot * Math.exp((Math.log(a.forward / surface.spot) * T) / a.expiryYears);
    }
    const b = s[i - 1]!;
    const carry = Math.log(a.forward / b.forward) / (a.expiryYears - b.expiryYears);
    return a.forward * Math.exp(carry * (T - a.expiryYears));
  }
  const a = s[i]!;
  const b = s[i + 1]!;
  const f = (T - a.expiryYears) / (b.expiryYears - a.expiryYears);
  return a.forward * Math.exp(f * Math.log(b.forward / a.forward));
}

export interface VolQuery {
  /** Strike, quote per base, > 0. */
  strike: number;
  /** Year fraction to expiry (ACT/365), > 0. */
  expiryYears: number;
  /** Forward of that expiry; default `forwardAt(surface, expiryYears)`. */
  forward?: number;
}

/** Implied vol (decimal) at a strike and expiry, listed or not: sqrt(w(ln(K/F), T) / T). */
export function volAt(surface: VolSurface, q: VolQuery): number {
  if (typeof q.strike !== 'number' || !Number.isFinite(q.strike) || q.strike <= 0)
    throw new InvalidInputError('strike', q.strike, 'must be a finite number greater than 0');
  const T = requireYears('expiryYears', q.expiryYears);
  const F = q.forward ?? forwardAt(surface, T);
  if (typeof F !== 'number' || !Number.isFinite(F) || F <= 0)
    throw new InvalidInputError('forward', F, 'must be a finite number greater than 0');
  const { w } = totalVarianceAt(surface, Math.log(q.strike / F), T);
  return Math.sqrt(Math.max(0, w) / T);
}
