/** erfc, erfcx, the normal cdf and its inverse against the 60-digit oracle, to full double precision. */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { erf, erfc, erfcx, inverseNormCdf, normCdf, normPdf } from '../../../pricing/normal.js';
import { exact, hpCdf, hpErfc, hpPdf, HP, relErr } from '../../helpers/highPrecision.js';

/** Points spread over [lo, hi] plus Cody's interval boundaries. */
function points(lo: number, hi: number, n: number): number[] {
  const out = [0.46875, -0.46875, 4, -4, 0, 1e-300, -1e-12, 0.5, 26.5];
  for (let i = 0; i <= n; i++) out.push(lo + ((hi - lo) * i) / n + 1e-3 * Math.sin(i));
  return out.filter((x) => x >= lo && x <= hi);
}

describe('Cody erfc / erfcx', () => {
  test('erfc relative error <= 1e-15 on [-6, 26.5]', () => {
    for (const x of points(-6, 26.5, 120))
      expect(relErr(erfc(x), hpErfc(exact(x))), `x=${x}`).toBeLessThanOrEqual(1e-15);
  });
  test('erfcx relative error <= 1e-15 on [-26, 1e6]', () => {
    for (const x of [...points(-26, 30, 120), 100, 1234.5, 6.7e7, 1e8]) {
      // Oracle: exp(x^2) erfc(x); beyond x = 30 the asymptotic series 1/(x sqrt(pi)) (1 - 1/(2x^2) + 3/(4x^4) - ...).
      let ref;
      if (x <= 30)
        ref = exact(x)
          .pow(2)
          .exp()
          .times(hpErfc(exact(x)));
      else {
        const X = exact(x);
        const u = new HP(1).div(X.times(X).times(2));
        ref = new HP(1)
          .minus(u)
          .plus(u.pow(2).times(3))
          .minus(u.pow(3).times(15))
          .div(X.times(HP.acos(-1).sqrt()));
      }
      expect(relErr(erfcx(x), ref), `x=${x}`).toBeLessThanOrEqual(1e-15);
    }
  });
  test('erf is odd and erf + erfc = 1', () => {
    for (const x of points(-5, 5, 50)) {
      expect(erf(-x)).toBe(-erf(x));
      expect(Math.abs(erf(x) + erfc(x) - 1)).toBeLessThanOrEqual(2.3e-16);
    }
  });
});

describe('normal distribution', () => {
  test('cdf relative error <= 1e-15 from z = -37 to 8 (left tail via erfcx)', () => {
    for (const z of points(-37, 8, 150))
      expect(relErr(normCdf(z), hpCdf(exact(z))), `z=${z}`).toBeLessThanOrEqual(1e-15);
  });
  test('cdf limits, symmetry and pdf', () => {
    expect(normCdf(-Infinity)).toBe(0);
    expect(normCdf(Infinity)).toBe(1);
    expect(normCdf(-40)).toBe(0);
    expect(normCdf(0)).toBe(0.5);
    for (const z of [-3, -1, 0.2, 2]) expect(relErr(normPdf(z), hpPdf(exact(z)))).toBeLessThan(1e-15);
  });
  test('inverse cdf (AS241): relative error <= 1e-15 for p from 1e-300 to 1 - 1e-16', () => {
    const ps = [
      1e-300,
      1e-100,
      1e-20,
      1e-10,
      1e-5,
      0.001,
      0.02425,
      0.075,
      0.2,
      0.4999,
      0.5,
      0.5001,
      0.7,
      0.9,
      0.975,
      0.999,
      1 - 1e-10,
    ];
    for (const p of ps) {
      const x = inverseNormCdf(p);
      // One Newton step in 60 digits from x gives the true quantile to ~30 digits.
      const X = exact(x);
      const xTrue = X.minus(hpCdf(X).minus(exact(p)).div(hpPdf(X)));
      const err = xTrue.isZero() ? Math.abs(x) : X.minus(xTrue).abs().div(xTrue.abs()).toNumber();
      expect(err, `p=${p}`).toBeLessThanOrEqual(1e-15);
    }
    expect(inverseNormCdf(0)).toBe(-Infinity);
    expect(inverseNormCdf(1)).toBe(Infinity);
    expect(inverseNormCdf(1.5)).toBeNaN();
  });
  test('inverse round trip within the conditioning of p = Phi(z) (fast-check)', () => {
    // Storing p rounds it by eps p (eps/2 p, plus Phi's own error), which moves the quantile by eps Phi/phi.
    const eps = 2.220446049250313e-16;
    fc.assert(
      fc.property(fc.double({ min: -37, max: 8, noNaN: true }), (z) => {
        const back = inverseNormCdf(normCdf(z));
        return Math.abs(back - z) <= (4 * eps * normCdf(z)) / normPdf(z) + 2e-15 * Math.abs(z);
      }),
      { numRuns: 2000 },
    );
  });
});
