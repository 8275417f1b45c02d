/**
 * The IL dynamics lab (issue 11): Monte Carlo throughput in path-steps per second for a v3 LP with a perp delta
 * hedge every step (GBM, hourly steps), in this thread and on one and two worker threads; the same arithmetic as a
 * plain loop in the same run (GBM step, v3 amounts, perp P&L, fees, costs, no policy objects) as the peer; and a
 * one-year hourly backtest with the options policy (HiGHS MIP at each daily review) on the real ETH fixture.
 */
import { readFileSync } from 'node:fs';
import { loadSolver } from '../../hedging/index.js';
import { loadHistory } from '../../lab/history/load.js';
import { Rng } from '../../lab/paths/rng.js';
import { runPath } from '../../lab/run.js';
import type { SimulateConfig } from '../../lab/simulate.js';
import { DEFAULT_COSTS } from '../../lab/types.js';
import { simulate } from '../../lab/workers.js';
import { v3FromDeposit } from '../../pricing/index.js';
import type { BenchResult, BenchSuite } from '../harness.js';

const POSITION = v3FromDeposit({ lower: 1600, upper: 2500, price: 2000, depositValue: 10_000 });
const CONFIG: SimulateConfig = {
  model: { kind: 'gbm', drift: 0, vol: 0.7 },
  startPrice: 2000,
  startMs: Date.UTC(2026, 0, 5, 8),
  stepHours: 1,
  steps: 720,
  paths: 8000,
  seed: 1,
  positions: [POSITION],
  policies: [{ kind: 'perp-time', intervalHours: 1 }],
  costs: DEFAULT_COSTS,
  feeApr: 0.2,
  fundingApr: 0.1,
  samplePaths: 0,
};
const PATH_STEPS = CONFIG.paths * CONFIG.steps;

async function timeSimulate(workers: number): Promise<number> {
  await simulate({ ...CONFIG, paths: 100 }, { workers }); // warm-up (JIT, worker start)
  let best = 0;
  for (let round = 0; round < 3; round++) {
    const t0 = process.hrtime.bigint();
    await simulate(CONFIG, { workers });
    const sec = Number(process.hrtime.bigint() - t0) / 1e9;
    best = Math.max(best, PATH_STEPS / sec);
  }
  return best;
}

/** The same arithmetic as one lab path with the perp-time hedge every step, written as one flat loop. */
function plainLoop(): number {
  const { liquidity: L, lower, upper } = POSITION;
  const sa = Math.sqrt(lower);
  const sb = Math.sqrt(upper);
  const x0 = L * (1 / Math.sqrt(2000) - 1 / sb);
  const y0 = L * (Math.sqrt(2000) - sa);
  const dt = 1 / 8760;
  const vol = 0.7;
  const mu = -0.5 * vol * vol * dt;
  const s = vol * Math.sqrt(dt);
  const cost = DEFAULT_COSTS.perpCostFraction;
  const lot = DEFAULT_COSTS.perpLotBase;
  let sink = 0;
  const run = () => {
    for (let k = 0; k < CONFIG.paths; k++) {
      const rng = new Rng(CONFIG.seed, k);
      let logP = Math.log(2000);
      let p = 2000;
      let perp = 0;
      let pnl = 0;
      let fees = 0;
      for (let i = 0; i < CONFIG.steps; i++) {
        const sp = Math.sqrt(p);
        const c = Math.min(Math.max(sp, sa), sb);
        const x = L * (1 / c - 1 / sb);
        const y = L * (c - sa);
        const trade = Math.round((-(x - x0) - perp) / lot) * lot;
        perp += trade;
        pnl -= Math.abs(trade) * p * cost;
        if (p > lower && p < upper) fees += 0.2 * (x * p + y) * dt;
        logP += mu + s * rng.normal();
        const p1 = Math.exp(logP);
        pnl += perp * (p1 - p) - perp * p * 0.1 * dt;
        p = p1;
      }
      const c = Math.min(Math.max(Math.sqrt(p), sa), sb);
      sink += L * (1 / c - 1 / sb) * p + L * (c - sa) - (x0 * p + y0) + pnl + fees;
    }
  };
  run();
  let best = 0;
  for (let round = 0; round < 3; round++) {
    const t0 = process.hrtime.bigint();
    run();
    best = Math.max(best, PATH_STEPS / (Number(process.hrtime.bigint() - t0) / 1e9));
  }
  if (Number.isNaN(sink)) throw new Error('unreachable');
  return best;
}

async function backtestYear(): Promise<{ opsPerSec: number; steps: number; ms: number }> {
  const file = 'test/fixtures/history/binance_spot_ethusdt_1h_2022-07_2023-06.csv';
  const iv = 'test/fixtures/history/deribit_dvol_eth_daily_2022-07_2023-06.csv';
  const history = loadHistory({
    prices: { text: readFileSync(file, 'utf8'), file },
    iv: { text: readFileSync(iv, 'utf8'), file: iv, filter: { column: 'currency', value: 'ETH' } },
    defaults: { feeApr: 0.2, vol: null, fundingApr: 0.1 },
  });
  const p0 = history.prices[0]!;
  const position = v3FromDeposit({ lower: p0 / 1.5, upper: p0 * 1.5, price: p0, depositValue: 100_000 });
  const highs = await loadSolver();
  const run = () =>
    runPath({
      path: history,
      book: { positions: [position] },
      policies: [
        { kind: 'options', reviewHours: 24, rollBeforeExpiryHours: 48, policy: { candidates: { allowSell: true } } },
      ],
      costs: DEFAULT_COSTS,
      highs,
    });
  run();
  let bestMs = Infinity;
  for (let round = 0; round < 3; round++) {
    const t0 = process.hrtime.bigint();
    run();
    bestMs = Math.min(bestMs, Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return { opsPerSec: 1000 / bestMs, steps: history.prices.length, ms: bestMs };
}

export const labSuite: BenchSuite = {
  name: 'lab',
  async run(): Promise<BenchResult[]> {
    const peer = plainLoop();
    const inThread = await timeSimulate(0);
    const one = await timeSimulate(1);
    const two = await timeSimulate(2);
    const bt = await backtestYear();
    const what = `${CONFIG.paths} paths x ${CONFIG.steps} hourly steps, v3 LP + perp hedge every step, GBM`;
    return [
      {
        name: 'peer.plainLoop.lab.simulate',
        opsPerSec: peer,
        extra: { what: 'path-steps/s: the same arithmetic as one flat loop' },
      },
      {
        name: 'lab.simulate.inThread',
        opsPerSec: inThread,
        extra: { what: `path-steps/s, ${what}` },
        ratioTo: { name: 'peer.plainLoop.lab.simulate', ratio: inThread / peer },
      },
      {
        name: 'lab.simulate.1worker',
        opsPerSec: one,
        extra: { what: 'path-steps/s, one worker thread (incl. start-up)' },
        ratioTo: { name: 'peer.plainLoop.lab.simulate', ratio: one / peer },
      },
      {
        name: 'lab.simulate.2workers',
        opsPerSec: two,
        extra: { what: 'path-steps/s, two worker threads', speedupVs1: Number((two / one).toFixed(3)) },
      },
      {
        name: 'lab.backtest',
        opsPerSec: bt.opsPerSec,
        p50Ms: bt.ms,
        extra: {
          what: `one-year hourly ETH backtest (${bt.steps} steps), options policy, daily reviews`,
          stepsPerSec: Math.round((bt.steps / bt.ms) * 1000),
        },
      },
    ];
  },
};
