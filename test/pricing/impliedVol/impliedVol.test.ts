/**
 * Implied volatility (Jäckel's "Let's Be Rational"): round trips over the grid of the issue, error bounds derived
 * from the price's conditioning in the money, no-arbitrage failures as typed errors, never NaN.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { black76Greeks, black76Price, type OptionType } from '../../../pricing/black.js';
import {
  ImpliedVolError,
  impliedVolBlack76,
  impliedVolBlack76Batch,
  IV_STATUS,
  tryImpliedVolBlack76,
} from '../../../pricing/impliedVol.js';
import { PricingError } from '../../../pricing/errors.js';

const EPS = 2.220446049250313e-16;
const DBL_MIN = 2.2250738585072014e-308;
const DAYS = [1, 2, 7, 14, 30, 60, 90, 180, 365, 730];
const F = 2000;

interface Case {
  type: OptionType;
  k: number;
  days: number;
  vol: number;
  rate: number;
  strike: number;
  T: number;
}

/** The grid of the issue: ln(K/F) -0.5..0.5 by 0.05, expiries 1 day..2 years, vol 0.1..2.0 by 0.1, calls and puts. */
function grid(rate: number): Case[] {
  const out: Case[] = [];
  for (let ki = -10; ki <= 10; ki++)
    for (const days of DAYS)
      for (let vi = 1; vi <= 20; vi++)
        for (const type of ['call', 'put'] as const) {
          const k = ki / 20;
          out.push({ type, k, days, vol: vi / 10, rate, strike: F * Math.exp(k), T: days / 365 });
        }
  return out;
}

const isOtm = (c: Case) => (c.type === 'call' ? c.strike >= F : c.strike <= F);

describe('round trip on the grid', () => {
  for (const rate of [0, 0.05]) {
    const cases = grid(rate);

    test(`out of the money (rate ${rate}): within 1e-12 relative wherever the price is a normal double`, () => {
      let checked = 0;
      let underflow = 0;
      let worst = 0;
      for (const c of cases.filter(isOtm)) {
        const p = black76Price(c.type, F, c.strike, c.T, c.vol, rate);
        const iv = impliedVolBlack76(c.type, F, c.strike, c.T, p, rate);
        if (p < DBL_MIN) {
          // exp(-h^2/2) underflowed (e.g. 1 day, 10% vol, 50% out: h ~ -96). A zero price carries no information
          // about the vol and gives 0; a subnormal one (and the subnormal normalised value b = p/sqrt(FK) behind
          // it) has only a few significant bits left, so the vol is only roughly determined.
          if (p === 0) expect(iv).toBe(0);
          else expect(Math.abs(iv - c.vol)).toBeLessThan(1e-3 * c.vol);
          underflow++;
          continue;
        }
        const err = Math.abs(iv - c.vol) / c.vol;
        worst = Math.max(worst, err);
        if (!(err <= 1e-12)) throw new Error(`${JSON.stringify(c)}: price ${p} gave vol ${iv}`);
        checked++;
      }
      expect(checked).toBeGreaterThan(2000);
      expect(underflow).toBeLessThan(checked / 20);
      expect(worst).toBeLessThan(1e-12);
    });

    test(`in the money (rate ${rate}): as accurate as the double-precision price allows`, () => {
      // The price is a double holding intrinsic + time value: it is known to c eps p with c ~ 4 (the roundings of
      // the intrinsic F - K, of e^{-rT}(...), and of the sum, each up to one ulp <= 2 eps p). The vol is then
      // known to |dvol| <= c eps p / vega (linearised, valid while the time value is well above c eps p), and
      // whatever vol is returned must reprice to within c eps p (backward error). We assert both with c = 8.
      const c8 = 8 * EPS;
      let linearised = 0;
      for (const c of cases.filter((x) => !isOtm(x))) {
        const p = black76Price(c.type, F, c.strike, c.T, c.vol, rate);
        const iv = impliedVolBlack76(c.type, F, c.strike, c.T, p, rate);
        expect(iv).toBeGreaterThanOrEqual(0);
        const back = black76Price(c.type, F, c.strike, c.T, iv, rate);
        if (!(Math.abs(back - p) <= c8 * p)) throw new Error(`backward error ${JSON.stringify(c)}: ${back} vs ${p}`);
        const df = Math.exp(-rate * c.T);
        const timeValue = p - df * Math.abs(F - c.strike);
        if (timeValue > 1e3 * c8 * p) {
          const vega = black76Greeks(c.type, F, c.strike, c.T, c.vol, rate).vega;
          const bound = (c8 * p) / vega;
          if (!(Math.abs(iv - c.vol) <= bound))
            throw new Error(`forward error ${JSON.stringify(c)}: |${iv} - ${c.vol}| > ${bound}`);
          linearised++;
        }
      }
      expect(linearised).toBeGreaterThan(1500);
    });
  }

  test('random round trips (fast-check): out of the money within max(1e-12, price conditioning) relative', () => {
    // Near the upper bound (s = sigma sqrt(T) ~ 9) the price is within 1e-5 of F and vega is tiny, so the double
    // price itself only fixes the vol to ~ 8 eps p / (vega vol); elsewhere the 1e-12 of the grid test applies.
    fc.assert(
      fc.property(
        fc.double({ min: 1, max: 1e5, noNaN: true }),
        fc.double({ min: -1.5, max: 1.5, noNaN: true }),
        fc.double({ min: 1 / 365, max: 5, noNaN: true }),
        fc.double({ min: 0.02, max: 4, noNaN: true }),
        fc.double({ min: -0.01, max: 0.1, noNaN: true }),
        (f, lk, t, v, r) => {
          const k = f * Math.exp(lk);
          const type: OptionType = k >= f ? 'call' : 'put';
          const p = black76Price(type, f, k, t, v, r);
          if (p < 1e-300) return true;
          const vega = black76Greeks(type, f, k, t, v, r).vega;
          const bound = Math.max(1e-12, (8 * EPS * p) / (vega * v));
          return Math.abs(impliedVolBlack76(type, f, k, t, p, r) - v) <= bound * v;
        },
      ),
      { numRuns: 3000 },
    );
  });

  test('extreme but valid inputs still round-trip (vol 1e-3 to 10, strikes 1e-3 to 1e3 times F)', () => {
    for (const v of [0.001, 0.01, 5, 10])
      for (const lk of [-7, -2, -0.01, 0, 0.01, 2, 7])
        for (const t of [1 / 365 / 24, 1, 10]) {
          const k = 100 * Math.exp(lk);
          const type: OptionType = lk >= 0 ? 'call' : 'put';
          const p = black76Price(type, 100, k, t, v);
          if (p < 1e-300 || p >= (type === 'call' ? 100 : k) * (1 - 1e-12)) continue;
          const iv = impliedVolBlack76(type, 100, k, t, p);
          // Near the upper bound (s = 10 sqrt(10)) vega is tiny and the price's own rounding dominates: the bound
          // is the larger of 1e-12 and the conditioning 8 eps p / (vega vol).
          const vega = black76Greeks(type, 100, k, t, v).vega;
          const bound = Math.max(1e-12, (8 * EPS * p) / (vega * v));
          expect(Math.abs(iv - v) / v, `v=${v} lk=${lk} t=${t}`).toBeLessThanOrEqual(bound);
        }
  });
});

describe('prices outside the no-arbitrage bounds', () => {
  function reasonOf(fn: () => unknown): string | undefined {
    try {
      const v = fn();
      return `returned ${String(v)}`;
    } catch (e) {
      expect(e).toBeInstanceOf(ImpliedVolError);
      expect(e).toBeInstanceOf(PricingError);
      return (e as ImpliedVolError).reason;
    }
  }

  test('below the discounted intrinsic value', () => {
    expect(reasonOf(() => impliedVolBlack76('call', 110, 100, 1, 9.5))).toBe('below-intrinsic');
    expect(reasonOf(() => impliedVolBlack76('put', 90, 100, 1, 9.999, 0))).toBe('below-intrinsic');
    expect(reasonOf(() => impliedVolBlack76('put', 90, 100, 1, 9.5, 0.05))).toBe('below-intrinsic');
    expect(() => impliedVolBlack76('call', 110, 100, 1, 9.5)).toThrow(/below the discounted intrinsic value 10/);
  });
  test('at or above the maximum e^{-rT} F (call) or e^{-rT} K (put)', () => {
    expect(reasonOf(() => impliedVolBlack76('call', 100, 120, 1, 100))).toBe('above-maximum');
    expect(reasonOf(() => impliedVolBlack76('call', 100, 120, 1, 150))).toBe('above-maximum');
    expect(reasonOf(() => impliedVolBlack76('put', 100, 120, 2, 120 * Math.exp(-0.1), 0.05))).toBe('above-maximum');
    expect(() => impliedVolBlack76('call', 100, 80, 1, 101)).toThrow(/upper bound/);
  });
  test('no time left: only the intrinsic value is attainable', () => {
    expect(impliedVolBlack76('call', 110, 100, 0, 10)).toBe(0);
    expect(reasonOf(() => impliedVolBlack76('call', 110, 100, 0, 10.5))).toBe('above-maximum');
  });
  test('at the intrinsic value (and a few ulps below it) the vol is 0', () => {
    expect(impliedVolBlack76('call', 110, 100, 1, 10)).toBe(0);
    expect(impliedVolBlack76('put', 120, 100, 1, 0)).toBe(0);
    expect(impliedVolBlack76('put', 100, 120, 1, 20)).toBe(0);
    const df = Math.exp(-0.05);
    expect(impliedVolBlack76('call', 110, 100, 1, 10 * df * (1 - 2 * EPS), 0.05)).toBe(0);
  });
  test('invalid inputs name the field', () => {
    const bad: [string, () => number][] = [
      ['forward', () => impliedVolBlack76('call', NaN, 100, 1, 5)],
      ['forward', () => impliedVolBlack76('call', 0, 100, 1, 5)],
      ['strike', () => impliedVolBlack76('call', 100, -1, 1, 5)],
      ['expiryYears', () => impliedVolBlack76('call', 100, 100, -1, 5)],
      ['price', () => impliedVolBlack76('call', 100, 100, 1, Infinity)],
      ['price', () => impliedVolBlack76('call', 100, 100, 1, -0.1)],
      ['rate', () => impliedVolBlack76('call', 100, 100, 1, 5, NaN)],
      ['type', () => impliedVolBlack76('c' as OptionType, 100, 100, 1, 5)],
    ];
    for (const [field, fn] of bad) {
      try {
        fn();
        throw new Error(`no error for ${field}`);
      } catch (e) {
        expect(e).toBeInstanceOf(ImpliedVolError);
        expect((e as ImpliedVolError).reason).toBe('invalid-input');
        expect((e as ImpliedVolError).field).toBe(field);
      }
    }
  });
  test('never NaN: any price either gives a finite vol >= 0 or a typed error (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 1e-3, max: 1e6, noNaN: true }),
        fc.double({ min: 1e-3, max: 1e6, noNaN: true }),
        fc.double({ min: 0, max: 10, noNaN: true }),
        fc.double({ min: -10, max: 2e6 }),
        fc.constantFrom<OptionType>('call', 'put'),
        (f, k, t, p, type) => {
          const r = tryImpliedVolBlack76(type, f, k, t, p, 0.01);
          if (r.ok) return Number.isFinite(r.vol) && r.vol >= 0;
          return (
            r.error instanceof ImpliedVolError &&
            ['below-intrinsic', 'above-maximum', 'invalid-input', 'not-representable'].includes(r.error.reason)
          );
        },
      ),
      { numRuns: 5000 },
    );
  });
  test('the non-throwing form', () => {
    expect(tryImpliedVolBlack76('call', 100, 100, 1, black76Price('call', 100, 100, 1, 0.4))).toEqual({
      ok: true,
      vol: expect.closeTo(0.4, 14),
    });
    const r = tryImpliedVolBlack76('call', 100, 100, 1, 200);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.reason).toBe('above-maximum');
  });
});

describe('batch form', () => {
  test('matches the scalar form bit for bit and flags failures in status', () => {
    const cases = grid(0.02).filter((_, i) => i % 7 === 0);
    const n = cases.length + 3;
    const input = {
      isCall: new Uint8Array(n),
      forward: new Float64Array(n).fill(F),
      strike: new Float64Array(n),
      expiryYears: new Float64Array(n),
      price: new Float64Array(n),
      rate: 0.02,
    };
    cases.forEach((c, i) => {
      input.isCall[i] = c.type === 'call' ? 1 : 0;
      input.strike[i] = c.strike;
      input.expiryYears[i] = c.T;
      input.price[i] = black76Price(c.type, F, c.strike, c.T, c.vol, 0.02);
    });
    const m = cases.length;
    // Three failures: below intrinsic, above maximum, invalid.
    Object.assign(input.isCall, { [m]: 1, [m + 1]: 0, [m + 2]: 1 });
    input.strike.set([1000, 3000, 2000], m);
    input.expiryYears.set([1, 1, NaN], m);
    input.price.set([500, 3000, 100], m);
    const out = { vol: new Float64Array(n), status: new Uint8Array(n) };
    expect(impliedVolBlack76Batch(input, out)).toBe(3);
    cases.forEach((c, i) => {
      expect(out.status[i]).toBe(IV_STATUS.ok);
      expect(out.vol[i]).toBe(impliedVolBlack76(c.type, F, c.strike, c.T, input.price[i]!, 0.02));
    });
    expect([...out.status.subarray(m)]).toEqual([
      IV_STATUS.belowIntrinsic,
      IV_STATUS.aboveMaximum,
      IV_STATUS.invalidInput,
    ]);
    expect(Number.isNaN(out.vol[m])).toBe(true);
  });
  test('rejects short arrays', () => {
    const one = new Float64Array(1);
    expect(() =>
      impliedVolBlack76Batch(
        { isCall: new Uint8Array(2), forward: new Float64Array(2), strike: one, expiryYears: one, price: one },
        { vol: one, status: new Uint8Array(1) },
      ),
    ).toThrow(/strike/);
  });
});
