/**
 * Raw SVI fit (pricing/surface): exact recovery of known parameters from synthetic slices, Gatheral's density
 * g(k) >= 0 after every fit, calendar monotonicity after repair, interpolation rules, refusals with named errors.
 *
 * Tolerances: a synthetic slice is generated from the parameters in double precision and fitted with unit weights.
 * The outer search minimises the residual sum of squares, which near its minimum is evaluated to about eps of the
 * data's sum of squares, so the minimiser is located to about sqrt(eps) = 1.5e-8 relative in total variance: the
 * fitted vols must match to 1e-7 relative (vol RMSE <= 1e-7 * max vol), and the parameters, which move with the
 * square root of that (sqrt(1.5e-8) = 1.2e-4) times the conditioning of (m, sigma) at the vertex, to 1e-3 of their
 * scale.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { InvalidInputError } from '../../../pricing/errors.js';
import {
  butterflyDensityAt,
  checkSviButterfly,
  fitSurface,
  fitSviSlice,
  forwardAt,
  linearGrid,
  shockedVol,
  spotVolBeta,
  SurfaceArbitrageError,
  SviCalibrationError,
  sviButterflyDensity,
  sviFirstDerivative,
  sviSecondDerivative,
  sviTotalVariance,
  totalVarianceAt,
  validateSviParams,
  volAt,
  type SmilePoint,
  type SviParams,
} from '../../../pricing/surface/index.js';

function synthetic(p: SviParams, T: number, ks: readonly number[], weight = () => 1): SmilePoint[] {
  return ks.map((k) => ({ logMoneyness: k, impliedVol: Math.sqrt(sviTotalVariance(p, k) / T), weight: weight() }));
}

const KS = Array.from({ length: 41 }, (_, i) => -1 + (2 * i) / 40);

/**
 * Parameters inside the domain (Lee bound, minimum variance > 0) with g >= 0 on a wide grid, i.e. the arbitrage-free
 * slices a fit must give back unchanged.
 */
const arbFreeParams = fc
  .record({
    b: fc.double({ min: 0.05, max: 0.6, noNaN: true }),
    rho: fc.double({ min: -0.8, max: 0.8, noNaN: true }),
    m: fc.double({ min: -0.2, max: 0.2, noNaN: true }),
    // sigma up to a third of the strike range: beyond that the smile is a parabola over the data and (a, b, sigma)
    // are identified only through a + b sigma and b / sigma (the well-known SVI degeneracy).
    sigma: fc.double({ min: 0.05, max: 0.6, noNaN: true }),
    floor: fc.double({ min: 0.005, max: 0.1, noNaN: true }),
  })
  // a + b sigma (1 - |rho|) = floor > 0: the fit's (linear, sufficient) form of the minimum-variance constraint.
  .map(({ b, rho, m, sigma, floor }) => ({ a: floor - b * sigma * (1 - Math.abs(rho)), b, rho, m, sigma }))
  .filter((p) => checkSviButterfly(p, linearGrid(-3, 3, 601)).ok);

describe('raw SVI formulas', () => {
  test('derivatives agree with central differences', () => {
    const p = { a: 0.01, b: 0.2, rho: -0.3, m: 0.05, sigma: 0.2 };
    for (const k of [-1, -0.2, 0, 0.05, 0.7]) {
      const h = 1e-5;
      const fd1 = (sviTotalVariance(p, k + h) - sviTotalVariance(p, k - h)) / (2 * h);
      const fd2 = (sviFirstDerivative(p, k + h) - sviFirstDerivative(p, k - h)) / (2 * h);
      expect(Math.abs(fd1 - sviFirstDerivative(p, k))).toBeLessThan(1e-9);
      expect(Math.abs(fd2 - sviSecondDerivative(p, k))).toBeLessThan(1e-7);
    }
  });

  test("g(k) tends to 1/4 - s^2/16 in a wing of slope s (Gatheral & Jacquier 2014): 0 at Lee's bound", () => {
    const p = { a: 0.02, b: 1, rho: 1 - 1e-12, m: 0, sigma: 0.1 };
    expect(sviButterflyDensity(p, 1e6)).toBeCloseTo(1 / 4 - 4 / 16, 5);
    const q = { a: 0.02, b: 0.5, rho: 0.2, m: 0, sigma: 0.1 };
    expect(sviButterflyDensity(q, 1e7)).toBeCloseTo(1 / 4 - 0.36 / 16, 5);
  });

  test('validateSviParams names the field', () => {
    expect(() => validateSviParams({ a: 0, b: -1, rho: 0, m: 0, sigma: 0.1 })).toThrow(/params\.b/);
    expect(() => validateSviParams({ a: 0, b: 0.1, rho: 1, m: 0, sigma: 0.1 })).toThrow(/params\.rho/);
    expect(() => validateSviParams({ a: 0, b: 0.1, rho: 0, m: 0, sigma: 0 })).toThrow(/params\.sigma/);
    expect(() => validateSviParams({ a: -1, b: 0.1, rho: 0, m: 0, sigma: 0.1 })).toThrow(/params\.a/);
    expect(() => validateSviParams({ a: 0, b: 1.8, rho: 0.5, m: 0, sigma: 0.1 })).toThrow(/Lee/);
    expect(() => validateSviParams({ a: Number.NaN, b: 0.1, rho: 0, m: 0, sigma: 0.1 })).toThrow(InvalidInputError);
  });
});

describe('fitSviSlice', () => {
  test('recovers known parameters exactly (property)', () => {
    fc.assert(
      fc.property(arbFreeParams, fc.double({ min: 0.02, max: 2, noNaN: true }), (p, T) => {
        const fit = fitSviSlice({ expiryYears: T, points: synthetic(p, T, KS) });
        const maxVolPoints = 100 * Math.max(...synthetic(p, T, KS).map((q) => q.impliedVol));
        expect(fit.rmseVolPoints).toBeLessThan(1e-7 * maxVolPoints);
        for (const key of ['a', 'b', 'rho', 'm', 'sigma'] as const) {
          const scale =
            key === 'a' ? Math.max(Math.abs(p.a), p.b * p.sigma) : key === 'm' ? p.sigma : Math.abs(p[key]) + 1e-3;
          expect(Math.abs(fit.params[key] - p[key]) / scale).toBeLessThan(1e-3);
        }
        expect(fit.butterfly.ok).toBe(true);
        expect(fit.butterflyRepaired).toBe(false);
      }),
      { numRuns: 40, seed: 20261202 },
    );
  });

  test('a fit to noisy vols has g(k) >= 0 on a dense grid (property)', () => {
    fc.assert(
      fc.property(arbFreeParams, fc.integer({ min: 1, max: 1_000_000 }), (p, seed) => {
        let s = seed;
        const noise = () => {
          s = (s * 16807) % 2147483647;
          return (s / 2147483647 - 0.5) * 0.02; // +-1 vol point
        };
        const pts = synthetic(p, 0.25, KS).map((q) => ({ ...q, impliedVol: Math.max(0.01, q.impliedVol + noise()) }));
        const fit = fitSviSlice({ expiryYears: 0.25, points: pts });
        const dense = linearGrid(-2, 2, 4001);
        expect(checkSviButterfly(fit.params, dense).minDensity).toBeGreaterThanOrEqual(0);
        validateSviParams(fit.params);
      }),
      { numRuns: 30, seed: 7 },
    );
  });

  test('butterfly arbitrage in the data is repaired, or refused by name', () => {
    // Axel Vogt's raw SVI slice (Gatheral & Jacquier 2014, section 5.1, T = 1): inside the parameter domain but
    // with g < 0 near k = 0.6. Vols generated from it are fitted back to it unless the fit repairs the smile.
    const T = 1;
    const vogt = { a: -0.041, b: 0.1331, rho: 0.306, m: 0.3586, sigma: 0.4153 };
    expect(checkSviButterfly(vogt, linearGrid(-2, 2, 4001)).minDensity).toBeLessThan(0);
    const pts = synthetic(
      vogt,
      T,
      KS.map((k) => 1.5 * k),
    );
    const repaired = fitSviSlice({ expiryYears: T, points: pts, label: 'spike' });
    expect(repaired.butterflyRepaired).toBe(true);
    expect(checkSviButterfly(repaired.params, linearGrid(-2, 2, 4001)).minDensity).toBeGreaterThanOrEqual(0);
    expect(() => fitSviSlice({ expiryYears: T, points: pts, label: 'spike' }, { arbitrage: 'refuse' })).toThrow(
      SurfaceArbitrageError,
    );
  });

  test('refuses bad inputs with named errors, never NaN', () => {
    const ok = synthetic({ a: 0.01, b: 0.1, rho: 0, m: 0, sigma: 0.1 }, 0.5, KS);
    expect(() => fitSviSlice({ expiryYears: 0, points: ok })).toThrow(/expiryYears/);
    expect(() => fitSviSlice({ expiryYears: Number.NaN, points: ok })).toThrow(InvalidInputError);
    const nanVol = ok.map((p, i) => (i === 3 ? { ...p, impliedVol: Number.NaN } : p));
    expect(() => fitSviSlice({ expiryYears: 0.5, points: nanVol })).toThrow(/points\[3\]\.impliedVol/);
    const zeroW = ok.map((p, i) => (i === 2 ? { ...p, weight: 0 } : p));
    expect(() => fitSviSlice({ expiryYears: 0.5, points: zeroW })).toThrow(/points\[2\]\.weight/);
    expect(() => fitSviSlice({ expiryYears: 0.5, points: ok.slice(0, 4) })).toThrow(SviCalibrationError);
    const dup = [...ok.slice(0, 4), ...ok.slice(0, 4)];
    expect(() => fitSviSlice({ expiryYears: 0.5, points: dup })).toThrow(/4 distinct strike/);
  });
});

describe('fitSurface', () => {
  const p1 = { a: 0.004, b: 0.05, rho: -0.3, m: 0, sigma: 0.1 };
  const p2 = { a: 0.02, b: 0.12, rho: -0.25, m: 0.02, sigma: 0.2 };

  test('interpolates linearly in total variance at fixed k, with the stated extrapolations', () => {
    const s = fitSurface({
      slices: [
        { expiryYears: 0.5, forward: 101, points: synthetic(p2, 0.5, KS) },
        { expiryYears: 0.1, forward: 100, points: synthetic(p1, 0.1, KS) },
      ],
      spot: 99,
    });
    expect(s.slices.map((x) => x.expiryYears)).toEqual([0.1, 0.5]);
    for (const k of [-0.3, 0, 0.25]) {
      const w1 = sviTotalVariance(s.slices[0]!.params, k);
      const w2 = sviTotalVariance(s.slices[1]!.params, k);
      expect(totalVarianceAt(s, k, 0.3).w).toBeCloseTo(w1 + 0.5 * (w2 - w1), 9);
      expect(totalVarianceAt(s, k, 0.05).w).toBeCloseTo(w1 / 2, 9);
      expect(totalVarianceAt(s, k, 0.9).w).toBeCloseTo(w2 + ((w2 - w1) / 0.4) * 0.4, 9);
    }
    // volAt on a listed expiry reprices the slice; forwards interpolate in ln F.
    expect(volAt(s, { strike: 110, expiryYears: 0.5, forward: 101 })).toBeCloseTo(
      Math.sqrt(sviTotalVariance(p2, Math.log(110 / 101)) / 0.5),
      8,
    );
    expect(forwardAt(s, 0.3)).toBeCloseTo(Math.sqrt(100 * 101), 9);
    expect(forwardAt(s, 0.05)).toBeCloseTo(99 * Math.pow(100 / 99, 0.5), 9);
    expect(() => volAt(s, { strike: -1, expiryYears: 0.3 })).toThrow(/strike/);
    expect(() => volAt(s, { strike: 100, expiryYears: 0 })).toThrow(/expiryYears/);
  });

  test('calendar arbitrage: repaired to monotone total variance on the dense grid, or refused', () => {
    // The later slice is the earlier one shifted down by 0.003 in total variance: below it at every k.
    const low = { ...p1, a: p1.a - 0.003 };
    const slices = [
      { expiryYears: 0.1, forward: 100, points: synthetic(p1, 0.1, KS) },
      { expiryYears: 0.2, forward: 100, points: synthetic(low, 0.2, KS) },
    ];
    expect(sviTotalVariance(low, 0)).toBeLessThan(sviTotalVariance(p1, 0));
    expect(() => fitSurface({ slices }, { arbitrage: 'refuse' })).toThrow(SurfaceArbitrageError);
    const s = fitSurface({ slices });
    expect(s.calendar[0]!.repairA).toBeGreaterThan(0);
    const grid = linearGrid(s.checkRange.lo, s.checkRange.hi, 4001);
    for (const k of grid) {
      expect(sviTotalVariance(s.slices[1]!.params, k)).toBeGreaterThanOrEqual(sviTotalVariance(s.slices[0]!.params, k));
      for (const T of [0.02, 0.1, 0.13, 0.17, 0.2, 0.4])
        expect(totalVarianceAt(s, k, T + 0.01).w).toBeGreaterThanOrEqual(totalVarianceAt(s, k, T).w - 1e-15);
    }
    expect(s.arbitrageFree).toBe(true);
  });

  test('interpolated slices between arbitrage-free slices keep g >= 0 (checked, not implied)', () => {
    const s = fitSurface({
      slices: [
        { expiryYears: 0.1, forward: 100, points: synthetic(p1, 0.1, KS) },
        { expiryYears: 0.5, forward: 100, points: synthetic(p2, 0.5, KS) },
      ],
    });
    for (const T of [0.15, 0.3, 0.45, 0.7])
      for (const k of linearGrid(-2, 2, 801)) expect(butterflyDensityAt(s, k, T)).toBeGreaterThanOrEqual(0);
  });

  test('refuses an empty surface and duplicate expiries by name', () => {
    expect(() => fitSurface({ slices: [] })).toThrow(/slices/);
    const a = { expiryYears: 0.1, forward: 100, points: synthetic(p1, 0.1, KS) };
    expect(() => fitSurface({ slices: [a, a] })).toThrow(/duplicates/);
    expect(() => fitSurface({ slices: [{ ...a, forward: 0 }] })).toThrow(/forward/);
  });
});

describe('scenarios', () => {
  const p = { a: 0.01, b: 0.15, rho: -0.4, m: 0, sigma: 0.15 };
  const s = fitSurface({ slices: [{ expiryYears: 0.25, forward: 100, points: synthetic(p, 0.25, KS) }] });

  test('sticky-strike keeps the vol of a strike, sticky-delta moves the smile with the forward', () => {
    const x = Math.log(1.1);
    const base = volAt(s, { strike: 105, expiryYears: 0.25, forward: 100 });
    const ss = shockedVol(s, { strike: 105, expiryYears: 0.25, forward: 100 }, { logReturn: x, rule: 'sticky-strike' });
    expect(ss.vol).toBeCloseTo(base, 12);
    expect(ss.forward).toBeCloseTo(110, 9);
    const sd = shockedVol(s, { strike: 110, expiryYears: 0.25, forward: 100 }, { logReturn: x, rule: 'sticky-delta' });
    expect(sd.vol).toBeCloseTo(volAt(s, { strike: 100, expiryYears: 0.25, forward: 100 }), 12);
  });

  test('spot-vol shift: beta = rho nu, applied per unit log return, floored at 0', () => {
    expect(spotVolBeta(-0.5, 1)).toBe(-0.5);
    const q = { strike: 100, expiryYears: 0.25, forward: 100 };
    const base = volAt(s, q);
    const x = Math.log(0.9);
    const v = shockedVol(s, q, { logReturn: x, rule: 'sticky-strike', volPerLogReturn: -0.5 }).vol;
    expect(v).toBeCloseTo(base - 0.5 * x, 12);
    expect(shockedVol(s, q, { logReturn: 5, rule: 'sticky-strike', volPerLogReturn: -1 }).vol).toBe(0);
    expect(() => spotVolBeta(2, 1)).toThrow(/correlation/);
    expect(() => shockedVol(s, q, { logReturn: Number.NaN, rule: 'sticky-strike' })).toThrow(/logReturn/);
  });
});
