import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  annualVolFromDaily,
  breakEvenFeeYield,
  lpState,
  lvrMultiplier,
  lvrPerDay,
  lvrPerYear,
  lvrRate,
  lvrSummary,
  v2FromDeposit,
  v3FromDeposit,
  v3LvrMultiplier,
  weightedFromDeposit,
} from '../../../pricing/lp/index.js';

const range = v3FromDeposit({ lower: 1600, upper: 2500, price: 2000, depositValue: 10000 });
const v2 = v2FromDeposit({ price: 2000, depositValue: 10000 });

describe('LVR reference vectors', () => {
  it('V7: daily vol 5% gives sigma^2/8 * 365 = 11.41% of value per year for v2', () => {
    const vol = annualVolFromDaily(0.05);
    expect(Math.abs(lvrRate(v2, 2000, vol) - 0.1140625)).toBeLessThan(1e-15);
    expect(lvrRate(v2, 2000, vol).toFixed(4)).toBe('0.1141');
  });

  it('V8: the [1600, 2500] range at 2000 pays 9.4721 times the v2 rate; break-even 4.5%/yr vs 42.6%/yr at 60% vol', () => {
    expect(Math.abs(v3LvrMultiplier(1600, 2500, 2000) - 9.4721)).toBeLessThan(5e-5);
    expect(Math.abs(lvrMultiplier(range, 2000) - 1 / (1 - Math.sqrt(0.8)))).toBeLessThan(1e-12);
    expect(Math.abs(breakEvenFeeYield(v2, 2000, 0.6) - 0.045)).toBeLessThan(1e-15);
    expect(breakEvenFeeYield(range, 2000, 0.6).toFixed(3)).toBe('0.426');
  });
});

describe('LVR properties', () => {
  it('v2 loses sigma^2/8 of its value per year at any price, and per day is per year over 365', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 1, max: 1e5, noNaN: true }),
        fc.double({ min: 0.01, max: 3, noNaN: true }),
        (p, vol) => {
          const value = lpState(v2, p).value;
          expect(Math.abs(lvrPerYear(v2, p, vol) / ((vol * vol * value) / 8) - 1)).toBeLessThan(1e-14);
          expect(lvrPerDay(v2, p, vol)).toBe(lvrPerYear(v2, p, vol) / 365);
        },
      ),
    );
  });

  it('v3 multiplier matches the closed form in range and is 0 outside', () => {
    fc.assert(
      fc.property(fc.double({ min: 1000, max: 3500, noNaN: true }), (p) => {
        const closed = v3LvrMultiplier(1600, 2500, p);
        if (p <= 1600 || p >= 2500) {
          expect(closed).toBe(0);
          expect(lvrRate(range, p, 0.6)).toBe(0);
        } else {
          expect(Math.abs(lvrMultiplier(range, p) / closed - 1)).toBeLessThan(1e-12);
          expect(closed).toBeGreaterThan(1);
        }
      }),
    );
  });

  it('a weighted pool loses sigma^2 w (1-w) / 2 of its value per year', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.05, max: 0.95, noNaN: true }),
        fc.double({ min: 10, max: 1e4, noNaN: true }),
        (w, p) => {
          const position = weightedFromDeposit({ weight: w, price: 1000, depositValue: 5000 });
          expect(Math.abs(lvrRate(position, p, 0.8) / ((0.64 * w * (1 - w)) / 2) - 1)).toBeLessThan(1e-12);
        },
      ),
    );
  });

  it('summary agrees with the single functions; bad inputs are named', () => {
    const summary = lvrSummary(range, 2000, 0.6);
    expect(summary.rate).toBe(lvrRate(range, 2000, 0.6));
    expect(summary.perDay).toBeCloseTo(summary.perYear / 365, 12);
    expect(summary.breakEvenFeeYield).toBe(summary.rate);
    expect(() => lvrRate(range, 2000, -0.1)).toThrow(/^vol:/);
    expect(() => v3LvrMultiplier(2500, 1600, 2000)).toThrow(/^lower:/);
    expect(() => lvrRate(range, 0, 0.5)).toThrow(/^price:/);
  });
});
