/**
 * hedging.ticket.multiVenue: a full dynamic ticket whose one MIP draws on two venues' real markets
 * (test/hedging/multiVenueMarkets.ts): the built-in Deribit BTC chain (878 coin-settled options, the inverse perp)
 * and Bybit's USDT-settled BTC options of 2025-04-08, each on its own clock. The book is a 1 M USD v3 WBTC/USDC
 * range; the policy bounds |vega| to 100 USD per vol point and allows sales, so the hedge buys Deribit puts and sells
 * the Bybit call (the calendar of test/hedging/multiVenue.test.ts). Warm: both snapshots loaded and HiGHS compiled
 * beforehand; each op is candidates over both venues, the MIPs, legs, per-venue groups and margin, scenarios,
 * schema check. `hedging.ticket.oneVenue` is the same request without the Bybit market, for comparison;
 * `hedging.ticket.multiVenue.unbounded` the two venues without the vega bound and sales (the easy MIP).
 * Run alone: `npm run bench -- --only multiVenue`.
 */
import { measureLatency, type BenchResult, type BenchSuite } from '../harness.js';
import { makeTicket } from '../../hedging/assemble.js';
import type { TicketRequest } from '../../hedging/request.js';
import { v3FromDeposit } from '../../pricing/lp/construct.js';
import { BYBIT_2025_04_08_MS, bybitMarket, deribitMarket } from '../../test/hedging/multiVenueMarkets.js';

/** Mean CPU time per ticket (user + system) since `start` over `ops` calls: wall-clock waits for a core, CPU does not. */
function cpuMsPerOp(start: NodeJS.CpuUsage, ops: number): number {
  const used = process.cpuUsage(start);
  return Number(((used.user + used.system) / 1000 / ops).toFixed(3));
}

const ITERATIONS = 200;
const WARMUP = 50;

export const multiVenueSuite: BenchSuite = {
  name: 'multiVenue',
  async run(): Promise<BenchResult[]> {
    const deribit = await deribitMarket();
    const bybit = await bybitMarket();
    const request: TicketRequest = {
      positions: [
        {
          id: 'wbtc-usdc-v3',
          kind: 'lp',
          position: v3FromDeposit({ lower: 68_000, upper: 84_000, price: 75_800, depositValue: 1_000_000 }),
        },
      ],
      market: deribit,
      asOfMs: deribit.asOfMs,
      mode: 'dynamic',
      policy: {
        tolerance: { deltaBase: 0.05, gammaRelative: 0.05 },
        maxLegs: 4,
        maxAbsVegaQuotePerVolPoint: 100,
        candidates: {
          venues: ['deribit', 'bybit'],
          allowSell: true,
          minExpiryDays: 7,
          maxExpiryDays: 60,
          maxAbsLogMoneyness: 0.2,
        },
      },
      venueMarkets: [{ market: bybit, asOfMs: BYBIT_2025_04_08_MS }],
    };
    // The same two venues without the vega bound and sales: the default kind of ticket (hedging.ticket's), whose MIP
    // is the easy one.
    const unbounded = { maxAbsVegaQuotePerVolPoint: null, candidates: { allowSell: false } };
    const results: BenchResult[] = [];
    for (const [name, req] of [
      ['hedging.ticket.multiVenue', request],
      ['hedging.ticket.oneVenue', { ...request, venueMarkets: undefined }],
      ['hedging.ticket.multiVenue.unbounded', { ...request, policyOverrides: unbounded }],
    ] as const) {
      const ticket = await makeTicket(req);
      const cpu = process.cpuUsage();
      const latency = await measureLatency(() => makeTicket(req), ITERATIONS, WARMUP);
      results.push({
        name,
        opsPerSec: latency.opsPerSec,
        p50Ms: latency.p50Ms,
        p99Ms: latency.p99Ms,
        extra: {
          venues: ticket.venues?.length ?? 1,
          legs: ticket.legs.length,
          legVenues: [...new Set(ticket.legs.map((l) => l.venue))].join('+'),
          candidates: ticket.optimiser?.candidatesUsed ?? 0,
          cpuMsPerTicket: cpuMsPerOp(cpu, ITERATIONS + WARMUP),
        },
      });
    }
    return results;
  },
};
