/**
 * Checks of the lab against theory (issue 11, item 5). Every Monte Carlo tolerance is 4 standard errors of the
 * quantity compared (estimated from the same sample), plus, where a discretisation term exists, its stated bound;
 * nothing is tuned. Path counts are chosen so each case runs in about a second.
 */
import { readFileSync } from 'node:fs';
import type { Highs } from 'highs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadSolver } from '../../hedging/index.js';
import { loadHistory } from '../../lab/history/load.js';
import { fillPath } from '../../lab/paths/models.js';
import { Rng } from '../../lab/paths/rng.js';
import { mean, sd } from '../../lab/risk.js';
import { runPath } from '../../lab/run.js';
import { fieldColumn, simulateRange, type SimulateConfig } from '../../lab/simulate.js';
import { ZERO_COSTS, type PolicySpec } from '../../lab/types.js';
import { lpHoldValue, lpValue, v2FromDeposit, v3FromDeposit } from '../../pricing/index.js';

const START_MS = Date.UTC(2026, 0, 5, 8); // a Monday 08:00 UTC
const HOURS_PER_YEAR = 8760;
const V0 = 10_000;

function config(overrides: Partial<SimulateConfig>): SimulateConfig {
  return {
    model: { kind: 'gbm', drift: 0, vol: 0.8 },
    startPrice: 2000,
    startMs: START_MS,
    stepHours: 1,
    steps: 720,
    paths: 1000,
    seed: 11,
    positions: [v2FromDeposit({ price: 2000, depositValue: V0 })],
    policies: [{ kind: 'unhedged' }],
    costs: { ...ZERO_COSTS, perpLotBase: 0 },
    feeApr: 0,
    fundingApr: 0,
    samplePaths: 0,
    ...overrides,
  };
}

describe('delta-hedged v2 LP under GBM loses LVR = sigma^2/8 of value per year', () => {
  // Drift 0.5 a year on purpose: the hedged P&L must not depend on it. Pathwise, the hedged P&L against HODL
  // converges to -integral sigma^2/8 V_t dt (Milionis et al. 2022); the error of discrete hedging every h is
  // sum 1/2 Gamma (dP^2 - sigma^2 P^2 h) + O(h^{3/2}): mean zero, variance proportional to h.
  const sigma = 0.8;
  const paths = 1000;
  const intervals = [24, 6, 1];
  const policies: PolicySpec[] = intervals.map((h) => ({ kind: 'perp-time', intervalHours: h }));
  const cfg = config({ model: { kind: 'gbm', drift: 0.5, vol: sigma }, paths, policies });

  it('the loss rate matches sigma^2/8 within 4 standard errors at every interval, and its error shrinks like sqrt(h)', () => {
    const chunk = simulateRange(cfg, 0, paths, null);
    // The pathwise LVR of the same paths: sum of sigma^2/8 V(P_i) dt (left points, the simulation grid).
    const dt = cfg.stepHours / HOURS_PER_YEAR;
    const prices = new Float64Array(cfg.steps + 1);
    const vols = new Float64Array(cfg.steps + 1);
    const L = (cfg.positions[0] as { liquidity: number }).liquidity;
    const lvr = new Float64Array(paths);
    const valueTime = new Float64Array(paths);
    for (let k = 0; k < paths; k++) {
      fillPath(cfg.model, new Rng(cfg.seed, k), cfg.startPrice, dt, prices, vols);
      let s = 0;
      for (let i = 0; i < cfg.steps; i++) s += 2 * L * Math.sqrt(prices[i]!) * dt;
      valueTime[k] = s;
      lvr[k] = ((sigma * sigma) / 8) * s;
    }
    const sds: number[] = [];
    intervals.forEach((h, j) => {
      const totals = fieldColumn(chunk.values[j]!, 'total');
      const rates = totals.map((t, k) => -t / valueTime[k]!);
      const errors = totals.map((t, k) => t + lvr[k]!);
      const rateSe = sd(rates) / Math.sqrt(paths);
      expect(Math.abs(mean(rates) - (sigma * sigma) / 8)).toBeLessThan(4 * rateSe);
      expect(Math.abs(mean(errors))).toBeLessThan((4 * sd(errors)) / Math.sqrt(paths));
      sds.push(sd(errors));
    });
    // sd(error) ~ sqrt(h): the ratios 6h/24h and 1h/6h should be sqrt(1/4) and sqrt(1/6). Tolerance: 4 standard
    // errors of a ratio of two sample sds (each sd has relative error 1/sqrt(2N); treated as independent, which
    // is conservative since they share paths) plus the O(sigma sqrt(h)) relative weight of the next order.
    const relSe = Math.sqrt(2 / (2 * paths));
    const nextOrder = sigma * Math.sqrt(24 / HOURS_PER_YEAR);
    const r1 = sds[1]! / sds[0]!;
    const r2 = sds[2]! / sds[1]!;
    expect(Math.abs(r1 - 0.5)).toBeLessThan(0.5 * (4 * relSe + nextOrder));
    expect(Math.abs(r2 - Math.sqrt(1 / 6))).toBeLessThan(Math.sqrt(1 / 6) * (4 * relSe + nextOrder));
  });
});

describe('unhedged v2 LP under GBM: Monte Carlo mean IL equals its closed form', () => {
  it('E[IL_T] = V0 e^{(mu/2 - sigma^2/8)T} - V0 (e^{mu T} + 1)/2 within 4 standard errors', () => {
    const mu = 0.2;
    const sigma = 0.8;
    const paths = 20_000;
    const steps = 30;
    const stepHours = 24;
    const cfg = config({ model: { kind: 'gbm', drift: mu, vol: sigma }, paths, steps, stepHours });
    const il = fieldColumn(simulateRange(cfg, 0, paths, null).values[0]!, 'il');
    const T = (steps * stepHours) / HOURS_PER_YEAR;
    // V = 2 L sqrt(P): E[sqrt(P_T)] = sqrt(P0) e^{(mu/2 - sigma^2/8) T}; HODL = V0/2 (P_T/P0 + 1).
    const exact = V0 * Math.exp((mu / 2 - (sigma * sigma) / 8) * T) - (V0 / 2) * (Math.exp(mu * T) + 1);
    const se = sd(il) / Math.sqrt(paths);
    expect(Math.abs(mean(il) - exact)).toBeLessThan(4 * se);
    expect(exact).toBeLessThan(0);
  });
});

describe('a static strip held to expiry offsets the IL within its reported replication error', () => {
  it('on every path (GBM and Merton), |IL_T + strip P&L + premium| <= the strip maxError', () => {
    const position = v3FromDeposit({ lower: 1600, upper: 2500, price: 2000, depositValue: V0 });
    // Expiry: the first Friday 08:00 at least 25 days after Monday 2026-01-05 08:00 is 2026-01-30 08:00 = 600 h.
    const steps = 600;
    for (const model of [
      { kind: 'gbm', drift: 0.1, vol: 0.6 },
      { kind: 'merton', drift: 0, vol: 0.5, jumpIntensityPerYear: 10, jumpMean: -0.05, jumpSd: 0.1 },
    ] as const) {
      const n = steps + 1;
      const path = {
        timesMs: Float64Array.from({ length: n }, (_, i) => START_MS + i * 3_600_000),
        prices: new Float64Array(n),
        vols: new Float64Array(n),
        fundingPerYear: new Float64Array(n),
        fees: { kind: 'apr' as const, aprOnValue: 0 },
      };
      for (let k = 0; k < 40; k++) {
        fillPath(model, new Rng(5, k), 2000, 1 / HOURS_PER_YEAR, path.prices, path.vols);
        const [o] = runPath({
          path,
          book: { positions: [position] },
          policies: [{ kind: 'strip', horizonDays: 25, roundToLots: false }],
          costs: { ...ZERO_COSTS, perpLotBase: 0 },
        });
        expect(o!.strips).toHaveLength(1);
        const strip = o!.strips![0]!;
        expect(strip.expiryMs).toBe(path.timesMs[steps]);
        const error = o!.il + o!.hedgePnl + strip.premium;
        // 1e-9 of value: the floating-point error of marking ~20 legs over 600 steps.
        expect(Math.abs(error)).toBeLessThanOrEqual(strip.maxError + 1e-9 * V0);
      }
    }
  });
});

describe('zero vol and zero costs: every policy earns the fees and nothing else', () => {
  let highs: Highs;
  beforeAll(async () => {
    highs = await loadSolver();
  });
  it('total = fees = feeApr x value x T for all five policies', () => {
    const feeApr = 0.2;
    const steps = 24 * 30;
    const cfg = config({
      model: { kind: 'gbm', drift: 0, vol: 0 },
      steps,
      paths: 1,
      feeApr,
      positions: [v3FromDeposit({ lower: 1600, upper: 2500, price: 2000, depositValue: V0 })],
      policies: [
        { kind: 'unhedged' },
        { kind: 'perp-time', intervalHours: 8 },
        { kind: 'perp-band', k: 1.5 },
        { kind: 'options', reviewHours: 24, rollBeforeExpiryHours: 48, policy: {} },
        { kind: 'strip', horizonDays: 7, roundToLots: true },
      ],
      costs: ZERO_COSTS,
    });
    const chunk = simulateRange(cfg, 0, 1, highs);
    const expectedFees = feeApr * V0 * (steps / HOURS_PER_YEAR);
    cfg.policies.forEach((_, j) => {
      const v = chunk.values[j]!;
      const fees = fieldColumn(v, 'fees')[0]!;
      expect(fees).toBeCloseTo(expectedFees, 8);
      expect(Math.abs(fieldColumn(v, 'total')[0]! - fees)).toBeLessThan(1e-9 * V0);
      expect(fieldColumn(v, 'il')[0]).toBe(0);
    });
  });
});

describe('an unhedged run on a real path reproduces LP(end) - HODL(end) exactly', () => {
  it('on one year of hourly ETH (Binance), v3 range', () => {
    const file = 'test/fixtures/history/binance_spot_ethusdt_1h_2022-07_2023-06.csv';
    const history = loadHistory({
      prices: { text: readFileSync(file, 'utf8'), file },
      defaults: { feeApr: 0.1, vol: 0.7, fundingApr: 0 },
    });
    const p0 = history.prices[0]!;
    const position = v3FromDeposit({ lower: p0 * 0.8, upper: p0 * 1.25, price: p0, depositValue: V0 });
    const [o] = runPath({
      path: history,
      book: { positions: [position] },
      policies: [{ kind: 'unhedged' }],
      costs: ZERO_COSTS,
      record: true,
    });
    const end = history.prices[history.prices.length - 1]!;
    expect(o!.il).toBe(lpValue(position, end) - lpHoldValue(position, end));
    expect(o!.total).toBe(o!.il + o!.fees);
    expect(o!.totals![o!.totals!.length - 1]).toBe(o!.il + o!.fees);
    expect(o!.trades).toBe(0);
  });
});
