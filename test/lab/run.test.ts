/**
 * The step loop and the policies on simple paths: the accounting identities that hold exactly, the options policy
 * through hedging's optimiser, rolls, and the risk conventions.
 */
import type { Highs } from 'highs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadSolver } from '../../hedging/index.js';
import { expiriesBetween, nextExpiryAtOrAfter, strikeStep } from '../../lab/chain.js';
import { fillPath } from '../../lab/paths/models.js';
import { Rng } from '../../lab/paths/rng.js';
import { dailyChanges, maxDrawdown, riskFigures } from '../../lab/risk.js';
import { runPath } from '../../lab/run.js';
import { DEFAULT_COSTS, type MarketPath, type PolicySpec } from '../../lab/types.js';
import { LabInputError } from '../../lab/errors.js';
import { v2FromDeposit, v3FromDeposit } from '../../pricing/index.js';

const START = Date.UTC(2026, 0, 5, 8);

function gbmPath(steps: number, vol: number, seed: number, funding = 0.1): MarketPath {
  const n = steps + 1;
  const path: MarketPath = {
    timesMs: Float64Array.from({ length: n }, (_, i) => START + i * 3_600_000),
    prices: new Float64Array(n),
    vols: new Float64Array(n),
    fundingPerYear: new Float64Array(n).fill(funding),
    fees: { kind: 'apr', aprOnValue: 0.2 },
  };
  fillPath({ kind: 'gbm', drift: 0, vol }, new Rng(seed, 0), 2000, 1 / 8760, path.prices, path.vols);
  return path;
}

describe('chain listing', () => {
  it('expiries are Fridays 08:00 UTC; strike steps follow the price', () => {
    expect(new Date(nextExpiryAtOrAfter(START)).toISOString()).toBe('2026-01-09T08:00:00.000Z');
    expect(new Date(nextExpiryAtOrAfter(Date.UTC(2026, 0, 9, 8))).toISOString()).toBe('2026-01-09T08:00:00.000Z');
    expect(new Date(nextExpiryAtOrAfter(Date.UTC(2026, 0, 9, 9))).toISOString()).toBe('2026-01-16T08:00:00.000Z');
    expect(expiriesBetween(START, START + 15 * 86_400_000)).toHaveLength(2);
    expect(strikeStep(2000)).toBe(50);
    expect(strikeStep(60_000)).toBe(1000);
  });
});

describe('runPath', () => {
  let highs: Highs;
  beforeAll(async () => {
    highs = await loadSolver();
  });
  const position = v3FromDeposit({ lower: 1600, upper: 2500, price: 2000, depositValue: 10_000 });
  const policies: PolicySpec[] = [
    { kind: 'unhedged' },
    { kind: 'perp-time', intervalHours: 8 },
    { kind: 'perp-band', k: 1.5 },
    { kind: 'options', reviewHours: 24, rollBeforeExpiryHours: 48, policy: { candidates: { allowSell: true } } },
    { kind: 'strip', horizonDays: 7, roundToLots: true },
  ];

  it('components add up to the total; the attribution adds up to the hedge P&L; the running total ends there', () => {
    const path = gbmPath(24 * 14, 0.7, 4);
    const out = runPath({ path, book: { positions: [position] }, policies, costs: DEFAULT_COSTS, highs, record: true });
    for (const o of out) {
      const a = o.attribution;
      expect(o.total).toBeCloseTo(o.il + o.fees + o.hedgePnl + o.funding + o.costs, 9);
      expect(o.hedgePnl).toBeCloseTo(a.delta + a.gamma + a.theta + a.vega + a.residual, 9);
      expect(o.totals![o.totals!.length - 1]).toBeCloseTo(o.total, 9);
      expect(o.maxDrawdown).toBeCloseTo(maxDrawdown(o.totals!), 9);
      expect(o.costs).toBeLessThanOrEqual(0);
    }
    const options = out[3]!;
    // The options policy bought gamma: long options have positive gamma P&L and negative theta.
    expect(options.attribution.gamma).toBeGreaterThan(0);
    expect(options.attribution.theta).toBeLessThan(0);
    expect(options.trades).toBeGreaterThan(0);
    // Weekly strips over two weeks, rolled at each Friday expiry.
    expect(out[4]!.strips!.length).toBeGreaterThanOrEqual(2);
    // Hedging cuts the spread of daily P&L against the unhedged LP.
    const sdOf = (i: number) => riskFigures(dailyChanges(path.timesMs, out[i]!.totals!)).sd;
    expect(sdOf(1)).toBeLessThan(sdOf(0));
    expect(sdOf(3)).toBeLessThan(sdOf(0));
  });

  it('funding: a long perp pays positive funding, accrued on its notional per hour', () => {
    const v2 = v2FromDeposit({ price: 2000, depositValue: 10_000 });
    const n = 4;
    const path: MarketPath = {
      timesMs: Float64Array.from({ length: n }, (_, i) => START + i * 3_600_000),
      prices: Float64Array.from([2000, 2200, 2200, 2200]),
      vols: new Float64Array(n).fill(0.5),
      fundingPerYear: new Float64Array(n).fill(0.5),
      fees: { kind: 'apr', aprOnValue: 0 },
    };
    const costs = { ...DEFAULT_COSTS, perpLotBase: 0 };
    const [o] = runPath({
      path,
      book: { positions: [v2] },
      policies: [{ kind: 'perp-time', intervalHours: 1 }],
      costs,
    });
    // After the rise the LP holds less base than HODL: IL delta L (1/sqrt(2200) - 1/sqrt(2000)) < 0, so the
    // hedge is long the perp, and pays funding for the two hours it is held.
    const L = v2.liquidity;
    const perp = -(L / Math.sqrt(2200) - L / Math.sqrt(2000));
    expect(perp).toBeGreaterThan(0);
    expect(o!.funding).toBeCloseTo(-perp * 2200 * 0.5 * (2 / 8760), 9);
  });

  it('refuses an empty book by name', () => {
    expect(() =>
      runPath({
        path: gbmPath(10, 0.5, 1),
        book: { positions: [] },
        policies: [{ kind: 'unhedged' }],
        costs: DEFAULT_COSTS,
      }),
    ).toThrow(LabInputError);
  });
});

describe('fees from Uniswap v3 fee growth', () => {
  it('a position of raw liquidity L earns L x d(feeGrowth)/2^128 of each token while in range', () => {
    const position = v3FromDeposit({ lower: 1600, upper: 2500, price: 2000, depositValue: 10_000 });
    const lRaw = position.liquidity * 1e12; // 10^((6 + 18) / 2): USDC (token0, quote) and WETH (token1, base)
    const q128 = 2 ** 128;
    const path: MarketPath = {
      timesMs: Float64Array.from([START, START + 3_600_000, START + 7_200_000]),
      prices: Float64Array.from([2000, 2100, 2600]),
      vols: new Float64Array(3).fill(0.5),
      fundingPerYear: new Float64Array(3),
      fees: {
        kind: 'fee-growth',
        feeGrowth0: Float64Array.from([0, 3e30, 5e30]),
        feeGrowth1: Float64Array.from([0, 1e39, 2e39]),
        token0IsQuote: true,
        decimals0: 6,
        decimals1: 18,
      },
    };
    const [o] = runPath({
      path,
      book: { positions: [position] },
      policies: [{ kind: 'unhedged' }],
      costs: DEFAULT_COSTS,
    });
    // Step 1 in range: USDC + WETH valued at the step's end price; step 2 starts at 2100 (in range) too.
    const step1 = (lRaw * 3e30) / q128 / 1e6 + ((lRaw * 1e39) / q128 / 1e18) * 2100;
    const step2 = (lRaw * 2e30) / q128 / 1e6 + ((lRaw * 1e39) / q128 / 1e18) * 2600;
    expect(o!.fees).toBeCloseTo(step1 + step2, 9);
  });
});

describe('risk conventions', () => {
  it('VaR and CVaR are positive losses of the lower tail', () => {
    const sample = Array.from({ length: 101 }, (_, i) => i - 50); // -50 .. 50
    const r = riskFigures(sample);
    expect(r.mean).toBe(0);
    expect(r.var95).toBeCloseTo(45, 12); // the 5% quantile is -45
    expect(r.cvar95).toBeCloseTo(-mean([-50, -49, -48, -47, -46, -45]), 12);
    expect(r.var99).toBeCloseTo(49, 12);
    expect(maxDrawdown([0, 5, 2, 7, 1, 3])).toBe(6);
  });
});

function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}
