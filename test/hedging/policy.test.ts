import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { deltaBandHalfWidth, nextReviewTimes, rebalanceDecision } from '../../hedging/policy.js';
import { InvalidHedgeInputError } from '../../hedging/errors.js';

describe('delta bands', () => {
  it('gamma band: k |gamma| S sigma sqrt(dt), computed by hand', () => {
    // 1.5 * 8e-4 * 75000 * 0.5 * sqrt(8/8760) = 45 * sqrt(0.000913242) = 1.35990...
    const band = deltaBandHalfWidth(
      { kind: 'gamma', k: 1.5, reviewIntervalMs: 8 * 3_600_000 },
      { gamma: -8e-4, price: 75_000, vol: 0.5 },
    );
    expect(band.halfWidthBase).toBeCloseTo(45 * Math.sqrt(8 / 8760), 12);
    expect(band.halfWidthBase).toBeCloseTo(1.359898, 5);
  });

  it('Whalley-Wilmott band: (3/2 lambda S gamma^2 / riskAversion)^(1/3)', () => {
    // 1.5 * 0.0005 * 75000 * (8e-4)^2 / 1e-4 = 56.25 * 6.4e-7 / 1e-4 = 0.36 -> cbrt = 0.711379
    const band = deltaBandHalfWidth(
      { kind: 'whalley-wilmott', riskAversion: 1e-4, costFraction: 0.0005 },
      { gamma: -8e-4, price: 75_000, vol: 0.5 },
    );
    expect(band.halfWidthBase).toBeCloseTo(Math.cbrt(0.36), 12);
  });

  it('floors the band at one hedge lot and says so', () => {
    const band = deltaBandHalfWidth(
      { kind: 'absolute', halfWidthBase: 0 },
      { gamma: 0, price: 1, vol: 1, minBase: 0.01 },
    );
    expect(band.halfWidthBase).toBe(0.01);
    expect(band.explanation).toMatch(/floored/);
  });

  it('the gamma band widens with |gamma| (a shorter-gamma book tolerates more drift before trading)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 1e-7, max: 1e-2, noNaN: true }),
        fc.double({ min: 1.01, max: 10, noNaN: true }),
        (g, m) => {
          const band = { kind: 'gamma' as const, k: 1, reviewIntervalMs: 3_600_000 };
          const lo = deltaBandHalfWidth(band, { gamma: g, price: 1000, vol: 0.6 }).halfWidthBase;
          const hi = deltaBandHalfWidth(band, { gamma: -g * m, price: 1000, vol: 0.6 }).halfWidthBase;
          expect(hi).toBeGreaterThan(lo);
        },
      ),
    );
  });

  it('rejects bad parameters naming the field', () => {
    expect(() =>
      deltaBandHalfWidth({ kind: 'gamma', k: 0, reviewIntervalMs: 1 }, { gamma: 1, price: 1, vol: 1 }),
    ).toThrow(InvalidHedgeInputError);
    expect(() =>
      deltaBandHalfWidth(
        { kind: 'whalley-wilmott', riskAversion: -1, costFraction: 0 },
        { gamma: 1, price: 1, vol: 1 },
      ),
    ).toThrow(/band\.riskAversion/);
  });
});

describe('rebalance decisions', () => {
  const band = { kind: 'absolute' as const, halfWidthBase: 0.3, explanation: '' };
  it('inside the band: an explicit no action', () => {
    const d = rebalanceDecision(0.2, 0, band);
    expect(d.action).toBe('none');
    expect(d.tradeBase).toBe(0);
    expect(d.message).toMatch(/^no action/);
  });
  it('outside: trade back to the target, not to the edge', () => {
    const d = rebalanceDecision(-0.5, 0.1, band);
    expect(d.action).toBe('rebalance');
    expect(d.tradeBase).toBeCloseTo(0.6, 12);
  });
});

describe('review times', () => {
  it('a grid aligned to the interval, merged with reviews before expiries', () => {
    const asOf = Date.parse('2026-05-26T19:27:44Z');
    const times = nextReviewTimes(asOf, { intervalMs: 8 * 3_600_000, beforeExpiryMs: 2 * 3_600_000 }, [
      Date.parse('2026-05-27T08:00:00Z'),
    ]);
    expect(times.map((t) => new Date(t).toISOString())).toEqual([
      '2026-05-27T00:00:00.000Z',
      '2026-05-27T06:00:00.000Z',
      '2026-05-27T08:00:00.000Z',
    ]);
  });
});

describe("the band's explanation", () => {
  // The six-digit rule written out again (the oracle), beside policy.ts's, which keeps its recent results.
  const sixDigits = (x: number) =>
    x === 0 ? '0' : Math.abs(x) >= 1e-3 && Math.abs(x) < 1e9 ? String(Number(x.toPrecision(6))) : x.toExponential(4);

  it('states its numbers to six digits however often the same and colliding values come back', () => {
    // Small pools, so values repeat and share the table's slots (values a multiple of 16e-6 apart do).
    const positive = [75_795.19, 75_795.190000001, 75_795.19 + 16e-6, 0.3235, 0.3235 + 16e-6, 1e-4, 3e9, 1e-12];
    const p = fc.constantFrom(...positive);
    const g = fc.constantFrom(...positive, -2.5e-3, -3.046e-5, 3.046e-5);
    fc.assert(
      fc.property(
        fc.array(fc.record({ gamma: g, price: p, vol: p, k: fc.constantFrom(1, 1.5) }), { maxLength: 30 }),
        (rows) => {
          for (const r of rows) {
            const band = { kind: 'gamma' as const, k: r.k, reviewIntervalMs: 8 * 3_600_000 };
            const { halfWidthBase, explanation } = deltaBandHalfWidth(band, r);
            const dtYears = band.reviewIntervalMs / (365 * 86_400_000);
            expect(explanation).toBe(
              `k|gamma|S sigma sqrt(dt) = ${r.k} x ${Math.abs(r.gamma).toExponential(3)} x ${sixDigits(r.price)} x ` +
                `${sixDigits(r.vol)} x sqrt(${dtYears.toExponential(3)} y) = ${sixDigits(halfWidthBase)} base units`,
            );
          }
        },
      ),
      { numRuns: 200, seed: 20261203 },
    );
  });
});
