import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { black76Greeks } from '../../pricing/black.js';
import {
  addGreeks,
  loadSolver,
  optimiseHedge,
  optimiseHedgeWith,
  type DeltaHedgeCandidate,
  type HedgeCandidate,
  type OptimiseProblem,
} from '../../hedging/optimise.js';
import { InfeasibleHedgeError, InvalidHedgeInputError } from '../../hedging/errors.js';

/** A candidate priced independently with Black-76 (linear option, 0.1 lot) and a spread cost. */
function option(type: 'call' | 'put', forward: number, strike: number, years: number, vol: number, halfSpread = 0.002) {
  const g = black76Greeks(type, forward, strike, years, vol);
  const cost = halfSpread * forward;
  const c: HedgeCandidate = {
    key: `${type}-${strike}-${years}`,
    delta: g.delta,
    gamma: g.gamma,
    vega: g.vega,
    theta: g.theta,
    buyCost: cost,
    sellCost: cost,
    lotBase: 0.1,
    minBase: 0.1,
    maxBase: Infinity,
    canBuy: true,
    canSell: false,
  };
  return c;
}

const perp: DeltaHedgeCandidate = {
  key: 'perp',
  delta: 1,
  buyCost: 0.5 * 0.0005 * 75_000,
  sellCost: 0.5 * 0.0005 * 75_000,
  lotBase: 10 / 75_000,
  minBase: 10 / 75_000,
  maxBase: Infinity,
};

/** A v3-like short-gamma book: gamma -L/(2 P^1.5) with L chosen for a ~1 M USD range at 75,000. */
const lpBook = { delta: 6.5, gamma: -4.6e-4, vega: 0, theta: 0 };

function chain(forward = 75_000): HedgeCandidate[] {
  const out: HedgeCandidate[] = [];
  for (const years of [7 / 365, 30 / 365]) {
    for (const k of [65_000, 70_000, 75_000, 80_000, 85_000]) {
      out.push(option('put', forward, k, years, 0.45, 0.001 + Math.abs(k - forward) / 1e7));
      out.push(option('call', forward, k, years, 0.45, 0.0015 + Math.abs(k - forward) / 1e7));
    }
  }
  return out;
}

function problem(overrides: Partial<OptimiseProblem> = {}): OptimiseProblem {
  return {
    book: lpBook,
    target: { delta: 0, gamma: 0 },
    tolerance: { delta: 0.01, gamma: 2e-5 },
    options: chain(),
    deltaHedge: perp,
    ...overrides,
  };
}

function isWholeLots(base: number, lot: number): boolean {
  const lots = base / lot;
  return Math.abs(lots - Math.round(lots)) < 1e-9;
}

describe('optimiseHedge', () => {
  it('puts delta and gamma within tolerance, recomputed from the candidates themselves', async () => {
    const p = problem();
    const result = await optimiseHedge(p);
    const options = p.options;
    const after = addGreeks(lpBook, options, result.rounded.optionBase);
    const delta = after.delta + result.rounded.deltaHedgeBase;
    expect(Math.abs(delta)).toBeLessThanOrEqual(p.tolerance.delta);
    expect(Math.abs(after.gamma)).toBeLessThanOrEqual(p.tolerance.gamma);
    // The perp re-fix leaves at most half a perp lot of delta.
    expect(Math.abs(delta)).toBeLessThanOrEqual(perp.lotBase / 2 + 1e-12);
    result.rounded.optionBase.forEach((b, i) => {
      expect(isWholeLots(b, options[i]!.lotBase)).toBe(true);
      if (b !== 0) expect(Math.abs(b)).toBeGreaterThanOrEqual(options[i]!.minBase - 1e-12);
    });
    expect(isWholeLots(result.rounded.deltaHedgeBase, perp.lotBase)).toBe(true);
    // Short gamma is covered by buying options: nothing sold (selling is not allowed here) and something bought.
    expect(result.rounded.optionBase.some((b) => b > 0)).toBe(true);
    expect(result.rounded.optionBase.every((b) => b >= 0)).toBe(true);
    expect(result.withinTolerance).toEqual({ delta: true, gamma: true, vega: true });
  });

  it('reports the relaxed optimum, which never costs more than the whole-lot one', async () => {
    const result = await optimiseHedge(problem());
    expect(result.relaxed.cost).toBeLessThanOrEqual(result.rounded.mipCost + 1e-9);
    expect(result.relaxed.cost).toBeGreaterThan(0);
  });

  it('honours the maximum number of legs', async () => {
    const result = await optimiseHedge(problem({ maxLegs: 1 }));
    expect(result.rounded.optionLots.filter((l) => l !== 0).length).toBeLessThanOrEqual(1);
    const free = await optimiseHedge(problem());
    expect(result.rounded.mipCost).toBeGreaterThanOrEqual(free.rounded.mipCost - 1e-9);
  });

  it('honours a vega bound that binds', async () => {
    // Make the short expiry (less vega per gamma) dearer, so the free optimum holds the 30-day options.
    const options = chain().map((c) => (c.key.endsWith(String(7 / 365)) ? { ...c, buyCost: c.buyCost * 4 } : c));
    const free = await optimiseHedge(problem({ options }));
    const vegaBound = 0.5 * Math.abs(free.after.vega);
    const result = await optimiseHedge(problem({ options, vegaBound }));
    const after = addGreeks(lpBook, options, result.rounded.optionBase);
    expect(Math.abs(after.vega)).toBeLessThanOrEqual(vegaBound);
    expect(Math.abs(after.gamma)).toBeLessThanOrEqual(problem().tolerance.gamma);
    // Binding: the bounded hedge is a different, never cheaper, one.
    expect(result.rounded.mipCost).toBeGreaterThanOrEqual(free.rounded.mipCost - 1e-9);
  });

  it('refuses when no candidate set can reach the gamma target, naming gamma', async () => {
    const tiny = chain().map((c) => ({ ...c, maxBase: 0.1 }));
    await expect(optimiseHedge(problem({ options: tiny }))).rejects.toThrow(InfeasibleHedgeError);
    await expect(optimiseHedge(problem({ options: tiny }))).rejects.toThrow(/gamma target/);
    await expect(optimiseHedge(problem({ options: [] }))).rejects.toThrow(/gamma target/);
  });

  it('rejects bad inputs with the field named', async () => {
    await expect(optimiseHedge(problem({ tolerance: { delta: 0, gamma: 1e-5 } }))).rejects.toThrow(
      InvalidHedgeInputError,
    );
    await expect(optimiseHedge(problem({ book: { ...lpBook, gamma: Number.NaN } }))).rejects.toThrow(/book\.gamma/);
  });

  it('uses the delta hedge for delta only: without a gamma gap, no options are bought', async () => {
    const result = await optimiseHedge(problem({ book: { delta: 3.2, gamma: 0, vega: 0, theta: 0 } }));
    expect(result.rounded.optionLots.every((l) => l === 0)).toBe(true);
    expect(result.rounded.deltaHedgeBase).toBeCloseTo(-3.2, 3);
  });
});

// --- properties -------------------------------------------------------------------------------------------------

const randomChain = fc
  .record({
    forward: fc.double({ min: 1_000, max: 100_000, noNaN: true }),
    vol: fc.double({ min: 0.2, max: 1.5, noNaN: true }),
    strikes: fc.array(fc.double({ min: 0.8, max: 1.2, noNaN: true }), { minLength: 1, maxLength: 3 }),
    days: fc.array(fc.integer({ min: 2, max: 120 }), { minLength: 1, maxLength: 2 }),
    spreads: fc.array(fc.double({ min: 0.0002, max: 0.01, noNaN: true }), { minLength: 16, maxLength: 16 }),
    allowSell: fc.boolean(),
  })
  .map(({ forward, vol, strikes, days, spreads, allowSell }) => {
    const out: HedgeCandidate[] = [];
    let n = 0;
    for (const d of days)
      for (const m of strikes)
        for (const type of ['call', 'put'] as const) {
          const c = option(type, forward, Math.round(forward * m), d / 365, vol, spreads[n++ % spreads.length]!);
          out.push({ ...c, canSell: allowSell, sellCost: c.buyCost * 1.1 });
        }
    return { forward, options: out };
  });

const randomBook = fc.record({
  deltaUnits: fc.double({ min: -50, max: 50, noNaN: true }),
  gammaScale: fc.double({ min: 0.05, max: 3, noNaN: true }),
});

describe('optimiseHedge properties', () => {
  it('neutrality holds on random books and random chains (or the refusal is an InfeasibleHedgeError)', async () => {
    const highs = await loadSolver();
    let feasible = 0;
    fc.assert(
      fc.property(randomChain, randomBook, ({ forward, options }, { deltaUnits, gammaScale }) => {
        // Gamma of the book in units of the chain's own ATM gamma, so the gap is reachable but not trivial.
        const atm = black76Greeks('call', forward, forward, 30 / 365, 0.5).gamma;
        const book = { delta: deltaUnits, gamma: -gammaScale * 10 * atm, vega: 0, theta: 0 };
        const tolerance = { delta: 0.01, gamma: 0.25 * atm };
        const lot = 10 / forward;
        const p: OptimiseProblem = {
          book,
          target: { delta: 0, gamma: 0 },
          tolerance,
          options,
          deltaHedge: { ...perp, lotBase: lot, minBase: lot },
        };
        let result;
        try {
          result = optimiseHedgeWith(highs, p);
        } catch (error) {
          expect(error).toBeInstanceOf(InfeasibleHedgeError);
          return;
        }
        const after = addGreeks(book, options, result.rounded.optionBase);
        expect(Math.abs(after.delta + result.rounded.deltaHedgeBase)).toBeLessThanOrEqual(tolerance.delta);
        expect(Math.abs(after.gamma)).toBeLessThanOrEqual(tolerance.gamma * (1 + 1e-7));
        result.rounded.optionBase.forEach((b, i) => expect(isWholeLots(b, options[i]!.lotBase)).toBe(true));
        feasible++;
      }),
      { numRuns: 30, seed: 4 },
    );
    // Not vacuous: most random books are hedgeable.
    expect(feasible).toBeGreaterThanOrEqual(15);
  });

  it('the rounded optimum never costs less than the relaxed one', async () => {
    const highs = await loadSolver();
    fc.assert(
      fc.property(randomChain, randomBook, ({ forward, options }, { deltaUnits, gammaScale }) => {
        const atm = black76Greeks('call', forward, forward, 30 / 365, 0.5).gamma;
        const p: OptimiseProblem = {
          book: { delta: deltaUnits, gamma: -gammaScale * 10 * atm, vega: 0, theta: 0 },
          target: { delta: 0, gamma: 0 },
          tolerance: { delta: 0.01, gamma: 0.2 * atm },
          options,
          deltaHedge: { ...perp, lotBase: 10 / forward, minBase: 10 / forward },
          maxLegs: 3,
        };
        try {
          const r = optimiseHedgeWith(highs, p);
          expect(r.rounded.mipCost).toBeGreaterThanOrEqual(r.relaxed.cost - 1e-7 * Math.max(1, r.relaxed.cost));
        } catch (error) {
          expect(error).toBeInstanceOf(InfeasibleHedgeError);
        }
      }),
      { numRuns: 30, seed: 5 },
    );
  });

  it('adding a candidate never raises the optimal cost', async () => {
    const highs = await loadSolver();
    fc.assert(
      fc.property(randomChain, randomBook, fc.nat(), ({ forward, options }, { deltaUnits, gammaScale }, pick) => {
        const atm = black76Greeks('call', forward, forward, 30 / 365, 0.5).gamma;
        const base: OptimiseProblem = {
          book: { delta: deltaUnits, gamma: -gammaScale * 10 * atm, vega: 0, theta: 0 },
          target: { delta: 0, gamma: 0 },
          tolerance: { delta: 0.01, gamma: 0.2 * atm },
          options: options.filter((_, i) => i !== pick % options.length),
          deltaHedge: { ...perp, lotBase: 10 / forward, minBase: 10 / forward },
        };
        let fewer: number;
        try {
          fewer = optimiseHedgeWith(highs, base).rounded.mipCost;
        } catch (error) {
          expect(error).toBeInstanceOf(InfeasibleHedgeError);
          fewer = Infinity;
        }
        let more: number;
        try {
          more = optimiseHedgeWith(highs, { ...base, options }).rounded.mipCost;
        } catch (error) {
          expect(error).toBeInstanceOf(InfeasibleHedgeError);
          more = Infinity;
        }
        // A superset of candidates: the optimum can only stay or fall (and infeasible can only become feasible).
        if (Number.isFinite(fewer)) expect(more).toBeLessThanOrEqual(fewer + 1e-7 * Math.max(1, fewer));
      }),
      { numRuns: 30, seed: 6 },
    );
  });
});

describe('hard-limit rows', () => {
  /** Premium per base unit: the Black-76 price plus the half-spread on a buy (no sales in `chain()`). */
  function withPremium(forward = 75_000): HedgeCandidate[] {
    return chain(forward).map((c) => {
      const [type, strike, years] = c.key.split('-') as ['call' | 'put', string, string];
      const price = black76Greeks(type, forward, Number(strike), Number(years), 0.45).price;
      return { ...c, buyPremiumQuote: price + c.buyCost, sellPremiumQuote: price - c.sellCost };
    });
  }

  it('premium, net delta and net gamma bounds hold on the whole-lot answer and never lower the cost', async () => {
    const highs = await loadSolver();
    const options = withPremium();
    const free = optimiseHedgeWith(highs, problem({ options }));
    const freePremium = free.rounded.optionBase.reduce((s, b, i) => s + b * options[i]!.buyPremiumQuote!, 0);
    await fc.assert(
      fc.property(
        fc.double({ min: 0.3, max: 1.2, noNaN: true }),
        fc.double({ min: 0.2, max: 1, noNaN: true }),
        (premiumFraction, gammaFraction) => {
          const premiumBound = premiumFraction * freePremium;
          const netGammaBound = gammaFraction * 2e-5;
          let result;
          try {
            result = optimiseHedgeWith(highs, problem({ options, premiumBound, netGammaBound, netDeltaBound: 0.005 }));
          } catch (e) {
            expect(e).toBeInstanceOf(InfeasibleHedgeError);
            return;
          }
          const premium = result.rounded.optionBase.reduce((s, b, i) => s + b * options[i]!.buyPremiumQuote!, 0);
          // HiGHS's feasibility tolerance is 1e-7 on the row scaled by the bound.
          expect(premium).toBeLessThanOrEqual(premiumBound * (1 + 1e-7));
          expect(Math.abs(result.after.gamma)).toBeLessThanOrEqual(netGammaBound * (1 + 1e-7));
          expect(Math.abs(result.after.delta)).toBeLessThanOrEqual(0.005);
          expect(result.rounded.mipCost).toBeGreaterThanOrEqual(free.rounded.mipCost - 1e-9);
        },
      ),
      { numRuns: 25, seed: 7 },
    );
  });

  it('refuses a premium bound without per-candidate premiums, naming the field', async () => {
    await expect(optimiseHedge(problem({ premiumBound: 100 }))).rejects.toThrow(/options\[0\]\.buyPremiumQuote/);
  });
});
