import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../../pricing/errors.js';
import {
  lpEntryAmounts,
  lpHoldValue,
  lpImpermanentLoss,
  lpImpermanentLossDelta,
  lpImpermanentLossRelative,
  lpState,
  positionFromSpec,
  positionFromSpecDetailed,
  v2FromAmounts,
  v2FromDeposit,
  v2FromLiquidity,
  v3FromAmounts,
  v3FromDeposit,
  v3FromLiquidity,
  weightedFromAmounts,
  weightedFromDeposit,
  type LpPosition,
} from '../../../pricing/lp/index.js';

const relClose = (got: number, want: number, tol: number) => {
  expect(Math.abs(got - want)).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(want)));
};

const V2_POSITION = v3FromDeposit({ lower: 1600, upper: 2500, price: 2000, depositValue: 10000 });

describe('reference vectors (TEST-VECTORS.md)', () => {
  it('V1: v2 relative IL 2 sqrt(k)/(1+k) - 1, and k = 0.5 equals k = 2', () => {
    const position = v2FromDeposit({ price: 1000, depositValue: 5000 });
    const ks = [1.25, 1.5, 1.75, 2, 3, 4, 5];
    const percent = [-0.619, -2.02, -3.791, -5.719, -13.397, -20.0, -25.464];
    ks.forEach((k, i) => {
      expect(Math.abs(lpImpermanentLossRelative(position, 1000 * k) * 100 - percent[i]!)).toBeLessThan(0.0005);
    });
    relClose(lpImpermanentLossRelative(position, 500), lpImpermanentLossRelative(position, 2000), 1e-14);
  });

  it('V2: v3 [1600, 2500] from 10,000 at 2000', () => {
    const state = lpState(V2_POSITION, 2000);
    expect(Math.abs(V2_POSITION.liquidity - 1059.017)).toBeLessThan(5e-5);
    relClose(state.amountBase, 2.5, 1e-14);
    relClose(state.amountQuote, 5000, 1e-14);
    relClose(state.value, 10000, 1e-14);
    relClose(state.delta, 2.5, 1e-14);
    expect(Math.abs(state.gamma - -0.0059201)).toBeLessThan(5e-8);
  });

  it('V3: IL of the V2 position in USD', () => {
    const prices = [1200, 1600, 1800, 1900, 2100, 2200, 2500, 3000];
    const expected = [-1645.9, -527.86, -124.72, -30.36, -28.88, -112.83, -659.83, -1909.83];
    prices.forEach((p, i) => expect(Math.abs(lpImpermanentLoss(V2_POSITION, p) - expected[i]!)).toBeLessThan(0.005));
  });

  it('V6: 1 ETH + 4000 USDC at 4000 in v2 has L = 63.2456, delta 1, gamma -1.25e-4', () => {
    const { position, leftoverBase, leftoverQuote } = v2FromAmounts({ price: 4000, amountBase: 1, amountQuote: 4000 });
    expect(Math.abs(position.liquidity - 63.2456)).toBeLessThan(5e-5);
    const state = lpState(position, 4000);
    relClose(state.delta, 1, 1e-14);
    relClose(state.gamma, -1.25e-4, 1e-12);
    expect(leftoverBase).toBeCloseTo(0, 12);
    expect(leftoverQuote).toBeCloseTo(0, 9);
  });
});

describe('payoff formulas', () => {
  it('v2: V = 2 L sqrt(P), x = L/sqrt(P), y = L sqrt(P), gamma = -L/(2 P^1.5)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 1e-3, max: 1e6, noNaN: true }),
        fc.double({ min: 1e-4, max: 1e7, noNaN: true }),
        (l, p) => {
          const state = lpState(v2FromLiquidity({ liquidity: l, price: 100 }), p);
          relClose(state.value, 2 * l * Math.sqrt(p), 1e-14);
          relClose(state.amountBase, l / Math.sqrt(p), 1e-15);
          relClose(state.amountQuote, l * Math.sqrt(p), 1e-15);
          relClose(state.gamma, -l / (2 * Math.pow(p, 1.5)), 1e-14);
        },
      ),
    );
  });

  it('v3 outside the range holds one token, linear value, zero gamma; delta is continuous at the bounds', () => {
    const below = lpState(V2_POSITION, 1000);
    expect(below.amountQuote).toBe(0);
    relClose(below.amountBase, 1059.0169943749474 * (1 / 40 - 1 / 50), 1e-14);
    expect(below.gamma).toBe(0);
    const above = lpState(V2_POSITION, 3000);
    expect(above.amountBase).toBe(0);
    relClose(above.value, 1059.0169943749474 * 10, 1e-14);
    for (const bound of [1600, 2500]) {
      // Across the bound the delta moves by at most |gamma| times the step (1e-12 of the price): continuous.
      const jump = lpState(V2_POSITION, bound * (1 - 1e-12)).delta - lpState(V2_POSITION, bound * (1 + 1e-12)).delta;
      const gammaInside = lpState(V2_POSITION, 2000).gamma * Math.pow(2000 / bound, 1.5);
      expect(Math.abs(jump)).toBeLessThanOrEqual(Math.abs(gammaInside) * 2e-12 * bound * 1.01 + 1e-15);
    }
  });

  it('in range IL is -(L/sqrt(P0)) (sqrt(P) - sqrt(P0))^2 and V - hold everywhere', () => {
    const L = V2_POSITION.liquidity;
    fc.assert(
      fc.property(fc.double({ min: 1600, max: 2500, noNaN: true }), (p) => {
        relClose(
          lpImpermanentLoss(V2_POSITION, p),
          -(L / Math.sqrt(2000)) * (Math.sqrt(p) - Math.sqrt(2000)) ** 2,
          1e-12,
        );
      }),
    );
    fc.assert(
      fc.property(fc.double({ min: 100, max: 10000, noNaN: true }), (p) => {
        const direct = lpState(V2_POSITION, p).value - lpHoldValue(V2_POSITION, p);
        expect(Math.abs(lpImpermanentLoss(V2_POSITION, p) - direct)).toBeLessThan(1e-9);
      }),
    );
  });

  it('weighted: V = V0 (P/P0)^w, base holds w of the value, and w = 0.5 is the v2 pool', () => {
    const position = weightedFromDeposit({ weight: 0.8, price: 50, depositValue: 1000 });
    const state = lpState(position, 80);
    relClose(state.value, 1000 * Math.pow(1.6, 0.8), 1e-15);
    relClose(state.amountBase * 80, 0.8 * state.value, 1e-15);
    relClose(state.amountQuote, 0.2 * state.value, 1e-15);
    relClose(state.gamma, (0.8 * -0.2 * state.value) / 6400, 1e-14);
    const half = weightedFromDeposit({ weight: 0.5, price: 2000, depositValue: 10000 });
    const v2 = v2FromDeposit({ price: 2000, depositValue: 10000 });
    fc.assert(
      fc.property(fc.double({ min: 10, max: 1e5, noNaN: true }), (p) => {
        const a = lpState(half, p);
        const b = lpState(v2, p);
        relClose(a.value, b.value, 1e-13);
        relClose(a.delta, b.delta, 1e-13);
        relClose(a.gamma, b.gamma, 1e-13);
        expect(Math.abs(lpImpermanentLoss(half, p) - lpImpermanentLoss(v2, p))).toBeLessThan(1e-9 * 10000);
      }),
    );
  });

  it('delta and gamma agree with central differences of value and delta', () => {
    fc.assert(
      fc.property(positionArb(), fc.double({ min: 0.3, max: 3, noNaN: true }), (position, k) => {
        const p = position.entryPrice * k;
        if (
          position.model === 'v3' &&
          (Math.abs(p / position.lower - 1) < 1e-3 || Math.abs(p / position.upper - 1) < 1e-3)
        )
          return;
        const h = p * 1e-5;
        const s = lpState(position, p);
        const dV = (lpState(position, p + h).value - lpState(position, p - h).value) / (2 * h);
        const dDelta = (lpState(position, p + h).delta - lpState(position, p - h).delta) / (2 * h);
        expect(Math.abs(dV - s.delta)).toBeLessThan(1e-6 * (Math.abs(s.delta) + s.value / p));
        expect(Math.abs(dDelta - s.gamma)).toBeLessThan(1e-5 * (Math.abs(s.gamma) + s.value / (p * p)));
        relClose(s.value, s.amountBase * p + s.amountQuote, 1e-13);
      }),
    );
  });
});

/** Random positions of every model, entry price 1..1e5. */
function positionArb(): fc.Arbitrary<LpPosition> {
  const price = fc.double({ min: 1, max: 1e5, noNaN: true });
  const value = fc.double({ min: 1, max: 1e7, noNaN: true });
  return fc.oneof(
    fc.tuple(price, value).map(([p, v]) => v2FromDeposit({ price: p, depositValue: v })),
    fc
      .tuple(
        price,
        value,
        fc.double({ min: 0.2, max: 1.5, noNaN: true }),
        fc.double({ min: 0.02, max: 1.5, noNaN: true }),
        fc.double({ min: -1, max: 1, noNaN: true }),
      )
      .map(([p, v, w1, w2, shift]) => {
        // A range around the entry price (shift moves it, possibly leaving the price outside).
        const centre = p * Math.exp(shift * (w1 + w2));
        return v3FromDeposit({
          lower: centre * Math.exp(-w1),
          upper: centre * Math.exp(w2),
          price: p,
          depositValue: v,
        });
      }),
    fc
      .tuple(price, value, fc.double({ min: 0.05, max: 0.95, noNaN: true }))
      .map(([p, v, w]) => weightedFromDeposit({ weight: w, price: p, depositValue: v })),
  );
}

describe('impermanent loss properties', () => {
  it("IL(P0) = 0, IL'(P0) = 0 and IL <= 0 everywhere", () => {
    fc.assert(
      fc.property(positionArb(), fc.double({ min: 1e-3, max: 1e3, noNaN: true }), (position, k) => {
        expect(lpImpermanentLoss(position, position.entryPrice)).toBe(0);
        expect(lpImpermanentLossDelta(position, position.entryPrice)).toBe(0);
        expect(lpImpermanentLoss(position, position.entryPrice * k)).toBeLessThanOrEqual(0);
      }),
      { numRuns: 300 },
    );
  });

  it('IL is flat at entry: its central difference slope is only the O(h^2) truncation', () => {
    fc.assert(
      fc.property(positionArb(), (position) => {
        const p = position.entryPrice;
        const h = p * 1e-5;
        if (position.model === 'v3' && Math.min(Math.abs(p - position.lower), Math.abs(p - position.upper)) < 2 * h)
          return;
        const slope = (lpImpermanentLoss(position, p + h) - lpImpermanentLoss(position, p - h)) / (2 * h);
        // Truncation IL''' h^2/6 with |IL'''| <= 2 |gamma| / P for these payoffs; rounding is far smaller.
        const gamma = Math.abs(lpState(position, p).gamma);
        const valueScale = lpState(position, p).value / p;
        expect(Math.abs(slope)).toBeLessThanOrEqual((gamma * h * h) / p + 1e-13 * valueScale);
      }),
    );
  });

  it('IL stays <= 0 and tiny but not lost to rounding just next to entry', () => {
    const v2 = v2FromDeposit({ price: 2000, depositValue: 10000 });
    const p = 2000 * (1 + 1e-9);
    const want = -(v2.liquidity / Math.sqrt(2000)) * (Math.sqrt(p) - Math.sqrt(2000)) ** 2;
    relClose(lpImpermanentLoss(v2, p), want, 1e-6);
    const weighted = weightedFromDeposit({ weight: 0.3, price: 2000, depositValue: 10000 });
    const u = Math.log1p(1e-9);
    relClose(lpImpermanentLoss(weighted, p), (10000 * (0.09 - 0.3) * u * u) / 2, 1e-6);
  });

  it('v2 relative IL is symmetric in ln k', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 1, max: 1e4, noNaN: true }),
        fc.double({ min: -5, max: 5, noNaN: true }),
        (p0, lnK) => {
          const position = v2FromDeposit({ price: p0, depositValue: 1000 });
          const up = lpImpermanentLossRelative(position, p0 * Math.exp(lnK));
          const down = lpImpermanentLossRelative(position, p0 * Math.exp(-lnK));
          expect(Math.abs(up - down)).toBeLessThan(1e-12);
          relClose(up, (2 * Math.sqrt(Math.exp(lnK))) / (1 + Math.exp(lnK)) - 1, 1e-10);
        },
      ),
    );
  });
});

describe('constructors', () => {
  it('amounts -> liquidity -> amounts round trip, and the excess token is reported as leftover', () => {
    fc.assert(
      fc.property(positionArb(), fc.double({ min: 0, max: 2, noNaN: true }), (position, extra) => {
        const { amountBase, amountQuote } = lpEntryAmounts(position);
        const spec = position.model === 'v3' ? { lower: position.lower, upper: position.upper } : {};
        const build = (b: number, q: number) =>
          position.model === 'v2'
            ? v2FromAmounts({ price: position.entryPrice, amountBase: b, amountQuote: q })
            : position.model === 'v3'
              ? v3FromAmounts({
                  ...(spec as { lower: number; upper: number }),
                  price: position.entryPrice,
                  amountBase: b,
                  amountQuote: q,
                })
              : weightedFromAmounts({
                  weight: position.weight,
                  price: position.entryPrice,
                  amountBase: b,
                  amountQuote: q,
                });
        const exact = build(amountBase, amountQuote);
        const size = (p: LpPosition) => (p.model === 'weighted' ? p.entryValue : p.liquidity);
        relClose(size(exact.position), size(position), 1e-12);
        const back = lpEntryAmounts(exact.position);
        relClose(back.amountBase, amountBase, 1e-12);
        relClose(back.amountQuote, amountQuote, 1e-12);
        // Extra quote (when the position holds base, so base binds) is left over untouched.
        if (amountBase > 0 && amountQuote > 0) {
          const more = build(amountBase, amountQuote * (1 + extra));
          relClose(size(more.position), size(position), 1e-12);
          expect(Math.abs(more.leftoverQuote - amountQuote * extra)).toBeLessThanOrEqual(
            1e-12 * amountQuote * (1 + extra),
          );
          expect(more.leftoverBase).toBeLessThanOrEqual(amountBase * 1e-12);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('v3 from amounts takes L = min(Lx, Ly) in range and one token outside', () => {
    const inRange = v3FromAmounts({ lower: 1600, upper: 2500, price: 2000, amountBase: 2.5, amountQuote: 6000 });
    expect(Math.abs(inRange.position.liquidity - 1059.017)).toBeLessThan(5e-5);
    expect(inRange.leftoverQuote).toBeCloseTo(1000, 8);
    expect(inRange.leftoverBase).toBeCloseTo(0, 12);
    const below = v3FromAmounts({ lower: 1600, upper: 2500, price: 1500, amountBase: 1, amountQuote: 500 });
    relClose(below.position.liquidity, 1 / (1 / 40 - 1 / 50), 1e-14);
    expect(below.leftoverQuote).toBe(500);
    const above = v3FromAmounts({ lower: 1600, upper: 2500, price: 2600, amountBase: 1, amountQuote: 500 });
    relClose(above.position.liquidity, 500 / 10, 1e-14);
    expect(above.leftoverBase).toBe(1);
  });

  it('a deposit outside the range is all in one token', () => {
    const below = v3FromDeposit({ lower: 1600, upper: 2500, price: 1000, depositValue: 10000 });
    const state = lpState(below, 1000);
    relClose(state.value, 10000, 1e-14);
    expect(state.amountQuote).toBe(0);
    relClose(state.amountBase, 10, 1e-14);
  });

  it('positionFromSpec builds every model from every sizing', () => {
    expect(positionFromSpec({ model: 'v3', lower: 1600, upper: 2500, price: 2000, depositValue: 10000 })).toEqual(
      V2_POSITION,
    );
    expect(positionFromSpec({ model: 'v3', lower: 1600, upper: 2500, price: 2000, liquidity: 1000 })).toEqual(
      v3FromLiquidity({ lower: 1600, upper: 2500, price: 2000, liquidity: 1000 }),
    );
    const fromAmounts = positionFromSpecDetailed({
      model: 'v3',
      lower: 1600,
      upper: 2500,
      price: 2000,
      amountBase: 2.5,
      amountQuote: 6000,
    });
    expect(fromAmounts.leftoverQuote).toBeCloseTo(1000, 8);
    expect(positionFromSpec({ model: 'v2', price: 4000, amountBase: 1, amountQuote: 4000 }).model).toBe('v2');
    expect(positionFromSpec({ model: 'v2', price: 4000, liquidity: 5 })).toEqual({
      model: 'v2',
      liquidity: 5,
      entryPrice: 4000,
    });
    expect(positionFromSpec({ model: 'weighted', weight: 0.8, price: 50, depositValue: 1000 })).toEqual({
      model: 'weighted',
      weight: 0.8,
      entryValue: 1000,
      entryPrice: 50,
    });
    const detailed = positionFromSpecDetailed({ model: 'v2', price: 2000, depositValue: 10000 });
    relClose(detailed.usedBase, 2.5, 1e-14);
    expect(detailed.leftoverBase).toBe(0);
  });

  it('a range above the price holds only base, so quote alone buys no liquidity', () => {
    expect(() => v3FromAmounts({ lower: 2100, upper: 2500, price: 2000, amountBase: 0, amountQuote: 1000 })).toThrow(
      /no liquidity/,
    );
  });
});

describe('bad input gets a clear error naming the field', () => {
  const cases: [string, () => unknown, RegExp][] = [
    [
      'lower >= upper',
      () => v3FromDeposit({ lower: 2500, upper: 1600, price: 2000, depositValue: 1 }),
      /^lower: must be less than upper/,
    ],
    ['lower == upper', () => v3FromLiquidity({ lower: 2000, upper: 2000, price: 2000, liquidity: 1 }), /lower/],
    ['negative lower', () => v3FromDeposit({ lower: -1, upper: 1600, price: 2000, depositValue: 1 }), /^lower:/],
    ['zero price', () => v2FromDeposit({ price: 0, depositValue: 1 }), /^price:/],
    ['NaN deposit', () => v2FromDeposit({ price: 1, depositValue: NaN }), /^depositValue:.*NaN/],
    ['negative amount', () => v2FromAmounts({ price: 1, amountBase: -1, amountQuote: 1 }), /^amountBase:/],
    ['weight 1', () => weightedFromDeposit({ weight: 1, price: 1, depositValue: 1 }), /^weight:/],
    ['no sizing', () => positionFromSpec({ model: 'v2', price: 1 }), /exactly one sizing/],
    [
      'two sizings',
      () => positionFromSpec({ model: 'v2', price: 1, liquidity: 1, depositValue: 1 }),
      /exactly one sizing/,
    ],
    ['unknown model', () => positionFromSpec({ model: 'v4', price: 1 } as never), /^model:/],
    ['missing upper', () => positionFromSpec({ model: 'v3', lower: 1, price: 1, depositValue: 1 } as never), /^upper:/],
    [
      'weighted by liquidity',
      () => positionFromSpec({ model: 'weighted', weight: 0.5, price: 1, liquidity: 1 }),
      /^liquidity:/,
    ],
    ['state at zero price', () => lpState(V2_POSITION, 0), /^price:/],
    ['state of a bad position', () => lpState({ ...V2_POSITION, upper: 1000 }, 2000), /^position\.lower/],
    ['IL at NaN', () => lpImpermanentLoss(V2_POSITION, NaN), /^price:/],
  ];
  it.each(cases)('%s', (_name, run, message) => {
    expect(run).toThrow(InvalidInputError);
    expect(run).toThrow(message);
  });
});
