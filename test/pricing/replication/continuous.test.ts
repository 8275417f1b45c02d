import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../../pricing/errors.js';
import {
  lpImpermanentLoss,
  lpState,
  v2FromDeposit,
  v3FromDeposit,
  weightedFromDeposit,
} from '../../../pricing/lp/index.js';
import { continuousStrip, densitySupport, integrate, replicationDensity } from '../../../pricing/replication.js';
import { lognormalExpectation } from './lognormal.js';

const T30 = 30 / 365;

describe('V4: the v2 IL strip under Black, r = 0', () => {
  it('costs V0 (1 - exp(-sigma^2 T/8)) = 0.3692% at 60% vol over 30 days', () => {
    const position = v2FromDeposit({ price: 2000, depositValue: 10000 });
    const strip = continuousStrip({ position, expiryYears: T30, vol: 0.6 });
    const closed = -10000 * Math.expm1((-0.36 * T30) / 8);
    expect(Math.abs(strip.premium / closed - 1)).toBeLessThan(1e-11);
    expect((strip.premium / 10000) * 100).toBeCloseTo(0.3692, 4);
    expect(strip.cash).toBe(0);
    expect(strip.forward).toBe(0);
    expect(strip.hedgeValue).toBe(strip.premium);
  });

  it('holds for any vol, expiry and deposit', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.05, max: 3, noNaN: true }),
        fc.double({ min: 1 / 365, max: 3, noNaN: true }),
        fc.double({ min: 1, max: 1e5, noNaN: true }),
        (vol, t, p0) => {
          const position = v2FromDeposit({ price: p0, depositValue: 1000 });
          const strip = continuousStrip({ position, expiryYears: t, vol });
          expect(Math.abs(strip.premium / (-1000 * Math.expm1((-vol * vol * t) / 8)) - 1)).toBeLessThan(1e-10);
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe('Carr-Madan: the continuous hedge is worth -E[f(S_T)]', () => {
  it('v3 range, IL and value targets, with discounting and an off-entry forward', () => {
    const position = v3FromDeposit({ lower: 1600, upper: 2500, price: 2000, depositValue: 10000 });
    for (const target of ['il', 'value'] as const) {
      for (const [forward, rate] of [
        [2000, 0],
        [2100, 0.05],
        [1500, 0.02],
      ] as const) {
        const strip = continuousStrip({ position, expiryYears: 0.25, vol: 0.7, rate, forward, target });
        const f = (s: number) => (target === 'il' ? lpImpermanentLoss(position, s) : lpState(position, s).value);
        const expected = -Math.exp(-rate * 0.25) * lognormalExpectation(f, forward, 0.7 * 0.5);
        expect(Math.abs(strip.hedgeValue - expected)).toBeLessThan(1e-8 * 10000);
      }
    }
  });

  it('weighted pool: -(V0 ((F/P0)^w e^{w(w-1) s^2/2} - w F/P0 - (1 - w))) in closed form', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.05, max: 0.95, noNaN: true }),
        fc.double({ min: 0.1, max: 1.5, noNaN: true }),
        fc.double({ min: 0.7, max: 1.4, noNaN: true }),
        (w, vol, k) => {
          const position = weightedFromDeposit({ weight: w, price: 100, depositValue: 1000 });
          const t = 0.5;
          const s2 = vol * vol * t;
          const strip = continuousStrip({ position, expiryYears: t, vol, forward: 100 * k });
          const expected = -1000 * (Math.pow(k, w) * Math.exp((w * (w - 1) * s2) / 2) - w * k - (1 - w));
          expect(Math.abs(strip.hedgeValue - expected)).toBeLessThan(1e-10 * 1000);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('the hedge value does not depend on the expansion point', () => {
    const position = v3FromDeposit({ lower: 1600, upper: 2500, price: 2000, depositValue: 10000 });
    const base = continuousStrip({ position, expiryYears: 0.1, vol: 0.6 });
    fc.assert(
      fc.property(fc.double({ min: 1000, max: 3500, noNaN: true }), (a) => {
        const moved = continuousStrip({ position, expiryYears: 0.1, vol: 0.6, expansionPoint: a });
        expect(Math.abs(moved.hedgeValue - base.hedgeValue)).toBeLessThan(1e-9 * 10000);
      }),
      { numRuns: 25 },
    );
  });

  it('a vol per strike: a flat curve equals the flat vol, and a higher curve costs more', () => {
    const position = v2FromDeposit({ price: 2000, depositValue: 10000 });
    const flat = continuousStrip({ position, expiryYears: T30, vol: 0.6 });
    const asCurve = continuousStrip({ position, expiryYears: T30, vol: () => 0.6 });
    expect(asCurve.premium).toBeCloseTo(flat.premium, 10);
    const smile = continuousStrip({ position, expiryYears: T30, vol: (k) => 0.6 + 0.3 * Math.abs(Math.log(k / 2000)) });
    expect(smile.premium).toBeGreaterThan(flat.premium);
  });
});

describe('density', () => {
  it('is L/(2 K^1.5) on the v3 range and 0 outside; w(1-w)V/K^2 for a weighted pool', () => {
    const position = v3FromDeposit({ lower: 1600, upper: 2500, price: 2000, depositValue: 10000 });
    expect(replicationDensity(position, 2000)).toBeCloseTo(position.liquidity / (2 * Math.pow(2000, 1.5)), 15);
    expect(replicationDensity(position, 1500)).toBe(0);
    expect(replicationDensity(position, 2600)).toBe(0);
    expect(densitySupport(position)).toEqual({ lower: 1600, upper: 2500 });
    const weighted = weightedFromDeposit({ weight: 0.3, price: 100, depositValue: 1000 });
    const v = lpState(weighted, 150).value;
    expect(replicationDensity(weighted, 150)).toBeCloseTo((0.3 * 0.7 * v) / 22500, 14);
  });

  it('integrates to the delta change across the range: int L/(2K^1.5) dK = x(Pa) - x(Pb)', () => {
    const position = v3FromDeposit({ lower: 1600, upper: 2500, price: 2000, depositValue: 10000 });
    const total = integrate((k) => replicationDensity(position, k), 1600, 2500).value;
    expect(total).toBeCloseTo(lpState(position, 1600).delta - lpState(position, 2500).delta, 12);
  });
});

describe('quadrature', () => {
  it('integrates smooth functions to near machine precision', () => {
    expect(integrate(Math.exp, 0, 1).value).toBeCloseTo(Math.E - 1, 14);
    expect(integrate((x) => Math.exp(-0.5 * x * x), -40, 40).value).toBeCloseTo(Math.sqrt(2 * Math.PI), 13);
    expect(integrate(Math.sqrt, 0, 1).value).toBeCloseTo(2 / 3, 12);
    expect(integrate(Math.exp, 1, 0).value).toBeCloseTo(1 - Math.E, 14);
  });
});

describe('bad input', () => {
  const position = v2FromDeposit({ price: 2000, depositValue: 10000 });
  it.each([
    ['expiry 0', () => continuousStrip({ position, expiryYears: 0, vol: 0.5 }), /^expiryYears:/],
    ['negative vol', () => continuousStrip({ position, expiryYears: 1, vol: -0.5 }), /^vol:/],
    ['bad target', () => continuousStrip({ position, expiryYears: 1, vol: 0.5, target: 'gamma' as never }), /^target:/],
    ['negative forward', () => continuousStrip({ position, expiryYears: 1, vol: 0.5, forward: -1 }), /^forward:/],
    ['NaN rate', () => continuousStrip({ position, expiryYears: 1, vol: 0.5, rate: NaN }), /^rate:/],
  ] as const)('%s', (_n, run, message) => {
    expect(run).toThrow(InvalidInputError);
    expect(run).toThrow(message);
  });
});
