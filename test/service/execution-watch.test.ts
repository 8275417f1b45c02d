/**
 * Following orders by subscription (ccxt pro `watchOrders`/`watchMyTrades`) against the fake Deribit's websocket on
 * loopback: fills made by the venue's engine arrive as pushes and are booked with no poll of the order and no read
 * of the account's trades; a dropped websocket falls back to polling, the ticket still completes with the holdings
 * equal to the venue's fills, and once the subscription is back the next order's fills come by push again.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/service/store/index.js';
import { applyOrdersMigration, OrderStore } from '../../src/service/execution/orderStore.js';
import { OrderManager } from '../../src/service/execution/orderManager.js';
import { CcxtGateway, deribitWsUrlBeside } from '../../src/service/execution/ccxtGateway.js';
import { parseExecutionConfig, type ExecutionConfigInput } from '../../src/service/execution/config.js';
import { marketViewOf } from '../../src/service/execution/market.js';
import { parseClientOrderId } from '../../src/service/execution/clientOrderId.js';
import { CcxtOrderFeed } from '../../src/service/execution/orderWatch.js';
import { createCcxtClient } from '../../adapters/client.js';
import { startFakeDeribit, type FakeDeribit } from '../helpers/fakeDeribit.js';
import { builtinMarket } from './helpers.js';
import { testStoreLocation } from '../helpers/testStore.js';
import { approvedTicket, CALL, PERP, PUT } from './executionTicket.js';

const credentials = { apiKey: 'watch-key', secret: 'watch-secret' };

let fake: FakeDeribit;
let market: ReturnType<typeof marketViewOf>;
const gateways: CcxtGateway[] = [];
const stores: Store[] = [];

beforeAll(async () => {
  fake = await startFakeDeribit(credentials);
  const snapshot = await builtinMarket();
  market = marketViewOf(() => new Map([['deribit/BTC', { market: snapshot }]]));
});
afterEach(() => {
  fake.onPlace = () => undefined;
  fake.onPoll = () => undefined;
});
afterAll(async () => {
  for (const g of gateways) await g.close();
  for (const s of stores) if (!s.isClosed) await s.close();
  await fake.stop();
});

async function setup(config: ExecutionConfigInput) {
  const store = await openStore(await testStoreLocation('execution_watch'));
  stores.push(store);
  await applyOrdersMigration(store);
  const gateway = new CcxtGateway({
    venue: 'deribit',
    mode: 'testnet',
    credentials,
    restUrl: fake.restUrl,
    timeoutMs: 1_000,
    enableRateLimit: false,
    wsReconnectBaseMs: 100,
  });
  gateways.push(gateway);
  const orders = await OrderStore.open(store);
  const manager = new OrderManager({
    orders,
    config: parseExecutionConfig({
      mode: 'testnet',
      maxReprices: 1,
      priceToleranceFraction: 0.1,
      collarFraction: 0.25,
      ...config,
    }),
    gateway: () => gateway,
    market,
  });
  return { store, orders, manager, gateway };
}

/** The venue's fills of a ticket's instrument, in contracts, signed (buy +). */
function venueContracts(labelPrefix: string, instrument: string): number {
  return fake.trades
    .filter((t) => t.label.startsWith(labelPrefix) && t.instrument_name === instrument)
    .reduce((s, t) => s + (instrument === PERP ? t.amount / 10 : t.amount) * (t.direction === 'buy' ? 1 : -1), 0);
}

async function expectHoldingsEqualVenue(store: Store, ticketId: string): Promise<void> {
  const after = (await store.getTicket(ticketId))!;
  const prefix = `ilh.${ticketId.replace(/-/g, '')}`;
  for (const [i, instrument] of [PUT, CALL, PERP].entries()) {
    // Ledger fills are signed (a sale negative), as the venue's here.
    const held = after.fills.filter((f) => f.legIndex === i).reduce((s, f) => s + f.contracts, 0);
    expect(held, instrument).toBeCloseTo(venueContracts(prefix, instrument), 9);
  }
}

describe('following orders by subscription (fake Deribit websocket)', () => {
  it('points the websocket beside the REST origin', () => {
    expect(deribitWsUrlBeside('https://test.deribit.com')).toBe('wss://test.deribit.com/ws/api/v2');
    expect(deribitWsUrlBeside(fake.restUrl)).toBe(fake.wsUrl);
  });

  it('books fills pushed by the venue with no poll of the order and no read of the trades', async () => {
    // A poll interval of 2 s: the safety read while subscribed would come after 20 s, far beyond this ticket.
    const { store, orders, manager, gateway } = await setup({ pollIntervalMs: 2_000, fillTimeoutMs: 10_000 });
    const ticket = await approvedTicket(store);
    fake.onPlace = (order) => {
      // Nothing fills at the placing: each order fills in two parts later, made by the venue's engine: a part soon
      // after the placing, the rest once the first part is booked (so every state is seen whatever the load).
      const first = order.instrument_name === PERP ? 4000 : order.amount / 2;
      return { later: [{ afterMs: 40, amount: first }] };
    };
    let running = true;
    const engine = (async () => {
      while (running) {
        for (const o of await orders.listOrders({ ticketId: ticket.id })) {
          const at = fake.byLabel(o.id);
          if (o.state === 'partially-filled' && at?.order_state === 'open') fake.fill(at, at.amount - at.filled_amount);
        }
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    const readsBefore = fake.tradeReads;
    const pushedBefore = { ...fake.ws!.pushed };
    const result = await manager.execute(ticket.id, 'key:executor');
    running = false;
    await engine;
    expect(result.outcome, JSON.stringify(result.legs)).toBe('filled');
    // Three orders, each filled in two pushes.
    const placed = await orders.listOrders({ ticketId: ticket.id });
    expect(placed.map((o) => [o.legIndex, o.attempt, o.state])).toEqual([
      [0, 0, 'filled'],
      [1, 0, 'filled'],
      [2, 0, 'filled'],
    ]);
    expect(fake.pollsOf(placed.map((o) => o.id))).toBe(0);
    expect(fake.tradeReads - readsBefore).toBe(0);
    expect(fake.ws!.pushed.trades - pushedBefore.trades).toBe(6);
    expect(fake.ws!.pushed.orders - pushedBefore.orders).toBeGreaterThanOrEqual(9);
    // Every fill event came from a push: the order's events show both parts.
    for (const o of placed) {
      expect((await orders.events(o.id)).map((e) => e.to)).toEqual(['new', 'open', 'partially-filled', 'filled']);
      expect(await orders.fills(o.id)).toHaveLength(2);
    }
    await expectHoldingsEqualVenue(store, ticket.id);
    expect((await store.getTicket(ticket.id))!.status).toBe('executed');
    expect(fake.duplicateLabels()).toEqual([]);
    expect(gateway.orderFeed!.isLive()).toBe(true);
    // ccxt pro subscribed with its own channels after a signed auth.
    expect(fake.ws!.log.map((l) => l.method)).toEqual(expect.arrayContaining(['public/auth', 'private/subscribe']));
    expect(fake.ws!.log.flatMap((l) => l.channels ?? []).sort()).toEqual(
      expect.arrayContaining(['user.orders.any.any.raw', 'user.trades.any.any.raw']),
    );
  });

  it('falls back to polling when the websocket drops, completes the ticket, and returns to the pushes', async () => {
    // Polls every 200 ms while the subscription is down; a safety read every 2 s while it is up.
    const { store, orders, manager, gateway } = await setup({ pollIntervalMs: 200, fillTimeoutMs: 20_000 });
    const ticket = await approvedTicket(store);
    // Nothing fills at the placing but the perp: the test fills the put while the websocket is down, the call once
    // the subscription is back.
    fake.onPlace = (order) => (parseClientOrderId(order.label)!.legIndex === 2 ? { fill: order.amount } : undefined);
    const running = manager.execute(ticket.id, 'key:executor');
    const byLeg = async (i: number) => (await orders.listOrders({ ticketId: ticket.id })).find((o) => o.legIndex === i);
    const until = async (what: string, ok: () => boolean | Promise<boolean>) => {
      for (let i = 0; i < 2000 && !(await ok()); i++) await new Promise((r) => setTimeout(r, 5));
      expect(await ok(), what).toBe(true);
    };
    await until('the put working', async () => (await byLeg(0))?.state === 'open');
    const feed = gateway.orderFeed!;
    expect(feed.isLive()).toBe(true);
    const generation = feed.generation;
    fake.ws!.refusing = true;
    fake.ws!.drop();
    await until('the subscription down', () => !feed.isLive());
    // Filled while nothing can be pushed: only polling can find it.
    const put = fake.byLabel((await byLeg(0))!.id)!;
    fake.fill(put, put.amount);
    await until('the put booked', async () => (await byLeg(0))?.state === 'filled');
    expect(fake.pollsOf([put.label])).toBeGreaterThan(0);
    expect(feed.generation).toBe(generation);

    // The call is placed and polled while the subscription is still down.
    await until('the call working', async () => (await byLeg(1))?.state === 'open');
    const callId = (await byLeg(1))!.id;
    await until('the call polled', () => fake.pollsOf([callId]) > 0);
    fake.ws!.refusing = false;
    await until('the subscription back', () => feed.isLive() && feed.generation > generation);
    // Its follower reads it once by REST now that the subscription is back (nothing pushed while down is missed),
    // then waits for pushes.
    const pollsAtBack = fake.pollsOf([callId]);
    await until('the read after the subscription came back', () => fake.pollsOf([callId]) > pollsAtBack);
    await new Promise((r) => setTimeout(r, 100));
    const callPolls = fake.pollsOf([callId]);
    const call = fake.byLabel(callId)!;
    fake.fill(call, call.amount);
    const result = await running;
    expect(result.outcome, JSON.stringify(result.legs)).toBe('filled');
    expect(fake.pollsOf([call.label])).toBe(callPolls);
    expect((await orders.fills((await byLeg(0))!.id)).reduce((s, f) => s + f.contracts, 0)).toBe(4);
    expect((await orders.fills((await byLeg(1))!.id)).reduce((s, f) => s + f.contracts, 0)).toBe(2);
    await expectHoldingsEqualVenue(store, ticket.id);
    expect((await store.getTicket(ticket.id))!.status).toBe('executed');
    expect(fake.duplicateLabels()).toEqual([]);
  });

  it('takes every push of one socket read, though ccxt resolves one watch per read', async () => {
    // ccxt pro's own deribit class, no network: its handler is fed two trade notifications and an order one in one
    // synchronous run, as `ws` emits the messages of one read.
    const exchange = createCcxtClient({ venue: 'deribit', pro: true });
    const feed = new CcxtOrderFeed({
      exchange,
      prepare: async () => {},
      convert: {
        toOrder: async (o) => ({
          venueOrderId: String(o.id),
          clientOrderId: (o.info as { label: string }).label,
          instrument: PUT,
          side: 'buy',
          status: String(o.status),
          contracts: o.amount ?? 0,
          filledContracts: o.filled ?? 0,
          averagePrice: o.average ?? null,
          price: o.price ?? null,
          updatedAtMs: o.timestamp ?? null,
        }),
        toTrade: async (t) => ({
          tradeId: String(t.id),
          venueOrderId: String(t.order),
          clientOrderId: null,
          instrument: PUT,
          side: 'buy',
          contracts: t.amount ?? 0,
          price: t.price ?? 0,
          feeQuote: 0,
          atMs: t.timestamp ?? 0,
        }),
      },
    });
    const client = { resolve: () => {}, reject: () => {}, futures: {}, subscriptions: {} };
    const handle = (exchange as unknown as { handleMessage: (c: unknown, m: unknown) => void }).handleMessage;
    const trade = (id: string, amount: number) => ({
      trade_id: id,
      trade_seq: Number(id),
      order_id: '31',
      label: 'ilh.x.0.0',
      instrument_name: PUT,
      direction: 'buy',
      amount,
      price: 0.0075,
      fee: 0,
      fee_currency: 'BTC',
      index_price: 75_000,
      mark_price: 0.0075,
      timestamp: 1_780_000_000_000,
      state: 'open',
      order_type: 'limit',
      liquidity: 'M',
      tick_direction: 0,
    });
    const note = (channel: string, data: unknown) => ({
      jsonrpc: '2.0',
      method: 'subscription',
      params: { channel, data },
    });
    const woken = feed.waitForChange('ilh.x.0.0', 5_000).then(() => true);
    handle(client, note('user.trades.any.any.raw', [trade('1', 1)]));
    handle(client, note('user.trades.any.any.raw', [trade('2', 3)]));
    handle(
      client,
      note('user.orders.any.any.raw', {
        order_id: '31',
        label: 'ilh.x.0.0',
        instrument_name: PUT,
        direction: 'buy',
        amount: 4,
        filled_amount: 4,
        average_price: 0.0075,
        price: 0.0075,
        order_state: 'filled',
        order_type: 'limit',
        time_in_force: 'good_til_cancelled',
        creation_timestamp: 1_780_000_000_000,
        last_update_timestamp: 1_780_000_000_001,
      }),
    );
    expect(await woken).toBe(true);
    const pushed = await feed.latest('ilh.x.0.0', 'BTC');
    expect(pushed!.order).toMatchObject({ venueOrderId: '31', filledContracts: 4, status: 'closed' });
    expect(pushed!.trades.map((t) => [t.tradeId, t.contracts])).toEqual([
      ['1', 1],
      ['2', 3],
    ]);
    await feed.close();
  });
});
