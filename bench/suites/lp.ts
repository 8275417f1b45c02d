/**
 * LP and replication benchmarks (issue 2): LP state (value, amounts, delta, gamma) over a price grid, Uniswap
 * burn amounts in exact BigInt maths, and the latency of a discrete strip with its continuous integrals and
 * error report (the batch example). No peer packages: the v3-sdk is a test oracle only.
 */
import { burnAmounts, getSqrtRatioAtTick } from '../../pricing/lp/uniswap/index.js';
import { lpImpermanentLoss, lpState } from '../../pricing/lp/state.js';
import { v3FromDeposit } from '../../pricing/lp/construct.js';
import { replicationStrip } from '../../pricing/replication.js';
import { measureLatency, measureThroughput, type BenchResult, type BenchSuite } from '../harness.js';

const RANGE = v3FromDeposit({ lower: 1600, upper: 2500, price: 2000, depositValue: 10000 });
const PRICES = Float64Array.from({ length: 1000 }, (_, i) => 1000 + 2 * i);

function stateThroughput(): number {
  let sink = 0;
  const ops = measureThroughput(() => {
    for (let i = 0; i < PRICES.length; i++)
      sink += lpState(RANGE, PRICES[i]!).gamma + lpImpermanentLoss(RANGE, PRICES[i]!);
  }, PRICES.length);
  if (Number.isNaN(sink)) throw new Error('unreachable');
  return ops;
}

function burnThroughput(): number {
  const sqrtPrices = Array.from({ length: 100 }, (_, i) => getSqrtRatioAtTick(-900 + 18 * i));
  let sink = 0n;
  return measureThroughput(() => {
    for (const sqrtPriceX96 of sqrtPrices) {
      sink ^= burnAmounts({ tickLower: -600, tickUpper: 600, sqrtPriceX96, liquidity: 1000000000000n }).amount0;
    }
    if (sink < 0n) throw new Error('unreachable');
  }, sqrtPrices.length);
}

export const lpSuite: BenchSuite = {
  name: 'pricing.lp',
  async run(): Promise<BenchResult[]> {
    const strip = await measureLatency(
      () =>
        replicationStrip({ position: RANGE, expiryYears: 0.0822, vol: 0.6, strikes: [1600, 1800, 2000, 2250, 2500] }),
      200,
    );
    return [
      { name: 'pricing.lp.state', opsPerSec: stateThroughput(), extra: { what: 'lpState + lpImpermanentLoss, v3' } },
      {
        name: 'pricing.lp.uniswapBurnAmounts',
        opsPerSec: burnThroughput(),
        extra: { what: 'BigInt burn amounts incl. getSqrtRatioAtTick' },
      },
      {
        name: 'pricing.replication.strip',
        opsPerSec: strip.opsPerSec,
        p50Ms: strip.p50Ms,
        p99Ms: strip.p99Ms,
        extra: { what: '5-strike v3 strip with continuous integrals and tails' },
      },
    ];
  },
};
