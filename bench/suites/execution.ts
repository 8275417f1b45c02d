/**
 * Execution (issue 18) against the loopback fake Deribit (test/helpers/fakeDeribit.ts, compiled with the
 * benchmarks): the order manager in `testnet` mode through ccxt pro, orders followed by subscription. Each round is
 * a ticket of 4 legs (3 options, then the perp) approved in the store and executed at once; the venue fills each
 * order half at its placing and the rest by a push right after. Two numbers per round:
 * - `execution.approvalToFirstOrder`: from the approved ticket's `execute` to the first `private/buy|sell` reaching
 *   the venue (the controls, the look-up of the client order id at the venue, the order's row, the signed request);
 * - `execution.ticket4Legs`: from `execute` to the ticket fully filled and in the ledger (4 orders, 8 fills).
 * Loopback round trips are ~0.1 ms, so this is the service's own cost plus ccxt's; a venue adds its latency per order.
 */
import type { BenchResult, BenchSuite } from '../harness.js';
import { percentile } from '../harness.js';
import { loadMarketSnapshot } from '../../adapters/index.js';
import { openStore, type StoredTicketLeg } from '../../src/service/store/index.js';
import { applyOrdersMigration, OrderStore } from '../../src/service/execution/orderStore.js';
import { OrderManager } from '../../src/service/execution/orderManager.js';
import { CcxtGateway } from '../../src/service/execution/ccxtGateway.js';
import { parseExecutionConfig } from '../../src/service/execution/config.js';
import { marketPrice } from './executionMarket.js';
import { marketViewOf } from '../../src/service/execution/market.js';
import { startFakeDeribit } from '../../test/helpers/fakeDeribit.js';

const ROUNDS = 40;
const WARMUP = 5;
const OPTIONS = ['BTC-29MAY26-74000-P', 'BTC-29MAY26-75000-P', 'BTC-29MAY26-76000-C'];
const PERP = 'BTC-PERPETUAL';
const credentials = { apiKey: 'bench-key', secret: 'bench-secret' };

export const executionSuite: BenchSuite = {
  name: 'execution',
  async run(): Promise<BenchResult[]> {
    const snapshot = await loadMarketSnapshot({ venue: 'deribit', underlying: 'BTC', source: { kind: 'builtin' } });
    const market = marketViewOf(() => new Map([['deribit/BTC', { market: snapshot }]]));
    const fake = await startFakeDeribit(credentials);
    const store = await openStore(':memory:');
    await applyOrdersMigration(store);
    const gateway = new CcxtGateway({
      venue: 'deribit',
      mode: 'testnet',
      credentials,
      restUrl: fake.restUrl,
      enableRateLimit: false,
    });
    const manager = new OrderManager({
      orders: await OrderStore.open(store),
      // A poll every 10 s (a safety read every 100 s): every fill of the bench comes by push.
      config: parseExecutionConfig({
        mode: 'testnet',
        pollIntervalMs: 10_000,
        fillTimeoutMs: 30_000,
        collarFraction: 0.25,
      }),
      gateway: () => gateway,
      market,
    });
    const legs: StoredTicketLeg[] = [
      ...OPTIONS.map((instrument) => ({
        venue: 'deribit' as const,
        underlying: 'BTC',
        instrument,
        kind: 'option' as const,
        side: 'buy' as const,
        contracts: 2,
        limitPrice: marketPrice(market, instrument),
        feesQuote: 1,
        contractSize: 1,
        contractValueQuote: null,
        priceCurrency: 'BTC',
      })),
      {
        venue: 'deribit',
        underlying: 'BTC',
        instrument: PERP,
        kind: 'perp',
        side: 'sell',
        contracts: 500,
        limitPrice: marketPrice(market, PERP),
        feesQuote: 1,
        contractSize: null,
        contractValueQuote: 10,
        priceCurrency: 'USD',
      },
    ];
    let firstOrderAt: number | null = null;
    fake.onPlace = (order) => {
      firstOrderAt ??= performance.now();
      const half = order.instrument_name === PERP ? Math.round(order.amount / 20) * 10 : order.amount / 2;
      return { fill: half, later: [{ afterMs: 0, amount: order.amount - half }] };
    };
    const toFirst: number[] = [];
    const whole: number[] = [];
    try {
      for (let round = 0; round < WARMUP + ROUNDS; round++) {
        // The perp leg is sized in the ticket; its delta content is what re-sizes it on the options' fills.
        const content = { ticket: { legs: legs.map((l) => ({ instrument: l.instrument, delta: 0 })) } };
        const created = await store.createTicket({ mode: 'dynamic', positionIds: [], content, actor: 'key:p', legs });
        const ticket = await store.approveTicket(created.id, 'key:a', { fourEyes: true });
        firstOrderAt = null;
        const t0 = performance.now();
        const result = await manager.execute(ticket.id, 'key:e');
        const t1 = performance.now();
        if (result.outcome !== 'filled') throw new Error(`bench ticket ${round}: ${result.reason ?? 'not filled'}`);
        if (round < WARMUP) continue;
        toFirst.push(firstOrderAt! - t0);
        whole.push(t1 - t0);
      }
      if (fake.duplicateLabels().length > 0) throw new Error('a client order id was sent twice');
    } finally {
      await gateway.close();
      await store.close();
      await fake.stop();
    }
    const polls = fake.stateReads.filter((r) => r.afterPlace).length;
    const mean = whole.reduce((s, x) => s + x, 0) / whole.length;
    return [
      {
        name: 'execution.approvalToFirstOrder',
        opsPerSec: 1000 / (toFirst.reduce((s, x) => s + x, 0) / toFirst.length),
        p50Ms: percentile(toFirst, 50),
        p99Ms: percentile(toFirst, 99),
        extra: { tickets: ROUNDS },
      },
      {
        name: 'execution.ticket4Legs',
        opsPerSec: 1000 / mean,
        p50Ms: percentile(whole, 50),
        p99Ms: percentile(whole, 99),
        extra: { tickets: ROUNDS, ordersPerTicket: 4, fillsPerTicket: 8, pollsOfPlacedOrders: polls },
      },
    ];
  },
};
