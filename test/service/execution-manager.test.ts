/**
 * The order manager against the fake Deribit on loopback, in testnet mode through ccxt: partial fills and a re-price,
 * the perp re-sized on what the options filled, a rejection, a timeout after the venue accepted the order (found
 * by its label, never placed again), a restart with orders working (reconciled, an orphan cancelled), and the kill
 * switch with an order working. Every fill is a ledger fill; no label is ever sent twice.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/service/store/index.js';
import { applyOrdersMigration, OrderStore } from '../../src/service/execution/orderStore.js';
import { OrderManager } from '../../src/service/execution/orderManager.js';
import { CcxtGateway } from '../../src/service/execution/ccxtGateway.js';
import { parseExecutionConfig, type ExecutionConfigInput } from '../../src/service/execution/config.js';
import { marketViewOf } from '../../src/service/execution/market.js';
import { parseClientOrderId } from '../../src/service/execution/clientOrderId.js';
import { ExecutionHaltedError } from '../../src/service/execution/errors.js';
import { startFakeDeribit, type FakeDeribit, type FakeOrder } from '../helpers/fakeDeribit.js';
import { builtinMarket } from './helpers.js';
import { testStoreKind, testStoreLocation } from '../helpers/testStore.js';
import { approvedTicket, CALL, PERP, PUT } from './executionTicket.js';

const credentials = { apiKey: 'mgr-key', secret: 'mgr-secret' };

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
  fake.dropReads = 0;
  fake.onPlace = () => undefined;
  fake.onPoll = () => undefined;
});
afterAll(async () => {
  for (const g of gateways) await g.close();
  for (const s of stores) if (!s.isClosed) await s.close();
  await fake.stop();
});

async function setup(config: ExecutionConfigInput = {}, path?: string, migrate = true) {
  const store = await openStore(path ?? (await testStoreLocation('execution')));
  stores.push(store);
  if (migrate) await applyOrdersMigration(store);
  const gateway = new CcxtGateway({
    venue: 'deribit',
    mode: 'testnet',
    credentials,
    restUrl: fake.restUrl,
    timeoutMs: 400,
    enableRateLimit: false,
  });
  gateways.push(gateway);
  const orders = await OrderStore.open(store);
  const manager = new OrderManager({
    orders,
    config: parseExecutionConfig({
      mode: 'testnet',
      fillTimeoutMs: 250,
      pollIntervalMs: 30,
      maxReprices: 2,
      priceToleranceFraction: 0.1,
      collarFraction: 0.25,
      ...config,
    }),
    gateway: () => gateway,
    market,
  });
  return { store, orders, manager, gateway };
}

function partsOf(order: FakeOrder) {
  return parseClientOrderId(order.label)!;
}

function venueContracts(ticketKeyPrefix: string, instrument: string): number {
  return fake.trades
    .filter((t) => t.label.startsWith(ticketKeyPrefix) && t.instrument_name === instrument)
    .reduce(
      (s, t) => s + (t.instrument_name === PERP ? t.amount / 10 : t.amount) * (t.direction === 'buy' ? 1 : -1),
      0,
    );
}

describe('order manager (testnet through ccxt, fake Deribit)', () => {
  it('fills in parts, re-prices within the tolerance, re-sizes the perp on what the options filled', async () => {
    const { store, orders, manager } = await setup();
    const ticket = await approvedTicket(store);
    fake.onPlace = (order) => {
      const { legIndex, attempt } = partsOf(order);
      if (legIndex === 0 && attempt === 0) return { fill: 2 }; // half now, the rest never: cancelled at the timeout
      if (legIndex === 0 && attempt === 1) return { fill: 2 }; // the re-price fills the rest
      if (legIndex === 1 && attempt < 2) return { fill: 0.5 }; // the call: half in three attempts
      if (legIndex === 2) return { fill: order.amount };
      return undefined;
    };
    const result = await manager.execute(ticket.id, 'key:executor');
    expect(result.mode).toBe('testnet');
    expect(result.outcome).toBe('partial');
    expect(result.reason).toMatch(/^leg 1 \(BTC-29MAY26-77000-C\) fell short: 1 contracts not filled after 3 attempts/);
    expect(result.legs.map((l) => [l.targetContracts, l.filledContracts, l.attempts])).toEqual([
      [4, 4, 2],
      [2, 1, 3],
      [621, 621, 1],
    ]);
    // Prices: the ticket's limit, then the ladder toward limit x 1.1, on the 0.0001 tick.
    const put = (await orders.listOrders({ ticketId: ticket.id })).filter((o) => o.legIndex === 0);
    expect(put.map((o) => [o.attempt, o.limitPrice, o.state, o.filledContracts])).toEqual([
      [0, 0.0075, 'cancelled', 2],
      [1, 0.0078, 'filled', 2],
    ]);
    expect((await orders.events(put[0]!.id)).map((e) => [e.from, e.to, e.filledContracts])).toEqual([
      [null, 'new', 0],
      ['new', 'partially-filled', 2],
      ['partially-filled', 'cancelled', 2],
    ]);
    // The ledger holds exactly what the venue filled, order by order, each fill linked to its ledger fill.
    const after = (await store.getTicket(ticket.id))!;
    expect(after.status).toBe('partially-executed');
    expect(after.legs!.map((l) => l.filledContracts)).toEqual([4, 1, 621]);
    const key = `ilh.${ticket.id.replace(/-/g, '')}`;
    for (const [i, instrument] of [PUT, CALL, PERP].entries()) {
      const held = after.fills.filter((f) => f.legIndex === i).reduce((s, f) => s + f.contracts, 0);
      expect(held).toBeCloseTo(venueContracts(key, instrument), 9);
    }
    // The call re-priced once to 0.005 + (0.0055 - 0.005) / 2 = 0.00525, on the tick 0.0052.
    expect(after.fills.map((f) => f.price)).toEqual([0.0075, 0.0078, 0.005, 0.0052, 75_795]);
    for (const o of await orders.listOrders({ ticketId: ticket.id })) {
      for (const f of await orders.fills(o.id)) expect(after.fills.some((l) => l.id === f.ledgerFillId)).toBe(true);
    }
    expect(fake.duplicateLabels()).toEqual([]);
    const actions = (await store.listAudit(200)).map((a) => a.action);
    expect(actions.filter((a) => a === 'order.place')).toHaveLength(6);
    // Cancelled at their timeouts: the put's first attempt and the call's three.
    expect(actions.filter((a) => a === 'order.cancel')).toHaveLength(4);
    expect(actions.filter((a) => a === 'order.fill')).toHaveLength(5);
  });

  it('stops the ticket on a rejection: the order is rejected, nothing else placed', async () => {
    const { store, orders, manager } = await setup();
    const ticket = await approvedTicket(store);
    const before = fake.placeCalls.length;
    fake.onPlace = () => ({ reject: { code: 10009, message: 'not_enough_funds' } });
    const result = await manager.execute(ticket.id, 'key:executor');
    expect(result.outcome).toBe('partial');
    expect(result.reason).toMatch(/was rejected by the venue; the rest of the ticket was not placed/);
    expect(
      fake.placeCalls.slice(before).map((c) => c.label),
      JSON.stringify(result),
    ).toHaveLength(1);
    const [order] = await orders.listOrders({ ticketId: ticket.id });
    expect(order!.state).toBe('rejected');
    expect((await orders.events(order!.id)).at(-1)!.note).toContain('not_enough_funds');
    expect((await store.getTicket(ticket.id))!.status).toBe('approved');
  });

  it('after a timeout once the venue accepted the order, finds it by its label and never sends it again', async () => {
    const { store, orders, manager } = await setup();
    const ticket = await approvedTicket(store);
    fake.onPlace = (order) => {
      const { legIndex } = partsOf(order);
      // Accepted and filled at once, but the answer comes after the client's 400 ms timeout.
      return legIndex === 0 ? { fill: order.amount, delayMs: 900 } : { fill: order.amount };
    };
    const result = await manager.execute(ticket.id, 'key:executor');
    expect(result.outcome).toBe('filled');
    const put = (await orders.listOrders({ ticketId: ticket.id })).filter((o) => o.legIndex === 0);
    expect(put).toHaveLength(1);
    expect((await orders.events(put[0]!.id)).at(-1)!.note).toMatch(
      /^found by its client order id after: deribit .*request timed out/,
    );
    const label = put[0]!.id;
    expect(fake.placeCalls.filter((c) => c.label === label)).toHaveLength(1);
    expect(fake.duplicateLabels()).toEqual([]);
    const after = (await store.getTicket(ticket.id))!;
    expect(after.status).toBe('executed');
    expect(after.legs!.map((l) => l.filledContracts)).toEqual([4, 2, 1000]);
  });

  it('keeps following through dropped connections while an order works', async () => {
    const { store, manager } = await setup({ fillTimeoutMs: 5_000 });
    const ticket = await approvedTicket(store);
    let polls = 0;
    fake.onPlace = (order) => (partsOf(order).legIndex === 0 ? undefined : { fill: order.amount });
    fake.onPoll = (order, venue) => {
      // The put fills on its third read; the first reads after placing it are dropped.
      if (partsOf(order).legIndex === 0 && order.order_state === 'open' && ++polls >= 3)
        venue.fill(order, order.amount);
    };
    const running = manager.execute(ticket.id, 'key:executor');
    const orders = await OrderStore.open(store);
    for (
      let i = 0;
      i < 200 && !(await orders.listOrders({ ticketId: ticket.id })).some((o) => o.state === 'open');
      i++
    ) {
      await new Promise((r) => setTimeout(r, 10));
    }
    fake.dropReads = 3;
    const result = await running;
    expect(fake.dropReads).toBe(0);
    expect(result.outcome).toBe('filled');
    expect((await store.getTicket(ticket.id))!.status).toBe('executed');
    expect(fake.duplicateLabels()).toEqual([]);
  });

  it('reconciles after a restart: working orders and fills made while down, an orphan cancelled; then goes on', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ilhedge-exec-'));
    // A store that outlives the first manager: a file, or on PostgreSQL a database of its own.
    const path =
      testStoreKind() === 'postgres' ? await testStoreLocation('execution_restart') : join(dir, 'desk.sqlite');
    const first = await setup({ fillTimeoutMs: 60_000 }, path);
    const ticket = await approvedTicket(first.store);
    const running = first.manager.execute(ticket.id, 'key:executor');
    // The put rests at the venue; the service dies while it is working.
    for (
      let i = 0;
      i < 100 && !(await first.orders.listOrders({ ticketId: ticket.id })).some((o) => o.state === 'open');
      i++
    ) {
      await new Promise((r) => setTimeout(r, 20));
    }
    const working = (await first.orders.listOrders({ ticketId: ticket.id }))[0]!;
    expect(working.state).toBe('open');
    first.manager.stop();
    await running;
    await first.store.close();
    // While down: 1.5 contracts fill, and an order of ours the store never heard of rests at the venue.
    fake.fill(fake.byLabel(working.id)!, 1.5);
    const orphanLabel = `ilh.${'0'.repeat(32)}.0.0`;
    fake.orders.set('orphan-1', {
      ...fake.byLabel(working.id)!,
      order_id: 'orphan-1',
      label: orphanLabel,
      filled_amount: 0,
      order_state: 'open',
    });

    const second = await setup({}, path, false);
    const report = await second.manager.reconcile();
    expect(report.updated).toEqual([working.id]);
    expect(report.fillsRecorded).toBe(1);
    expect(report.orphansCancelled).toEqual([orphanLabel]);
    expect(fake.orders.get('orphan-1')!.order_state).toBe('cancelled');
    expect(await second.orders.getOrder(working.id)).toMatchObject({ state: 'partially-filled', filledContracts: 1.5 });
    expect((await second.store.getTicket(ticket.id))!.legs![0]!.filledContracts).toBe(1.5);

    // Executing again follows the working order to its timeout, cancels it, re-prices the rest.
    fake.onPlace = (order) => ({ fill: order.amount });
    const result = await second.manager.execute(ticket.id, 'key:executor');
    expect(result.outcome).toBe('filled');
    const put = (await second.orders.listOrders({ ticketId: ticket.id })).filter((o) => o.legIndex === 0);
    expect(put.map((o) => [o.attempt, o.state, o.contracts, o.filledContracts])).toEqual([
      [0, 'cancelled', 4, 1.5],
      [1, 'filled', 2.5, 2.5],
    ]);
    expect((await second.store.getTicket(ticket.id))!.status).toBe('executed');
    expect(fake.duplicateLabels()).toEqual([]);
  });

  it('halt cancels the working order and refuses new ones until resumed', async () => {
    const { store, orders, manager } = await setup({ fillTimeoutMs: 60_000 });
    const ticket = await approvedTicket(store);
    const running = manager.execute(ticket.id, 'key:executor');
    for (
      let i = 0;
      i < 100 && !(await orders.listOrders({ ticketId: ticket.id })).some((o) => o.state === 'open');
      i++
    ) {
      await new Promise((r) => setTimeout(r, 20));
    }
    const report = await manager.halt('key:admin', 'test');
    const [order] = await orders.listOrders({ ticketId: ticket.id });
    expect(report.cancelled).toEqual([order!.id]);
    expect(fake.byLabel(order!.id)!.order_state).toBe('cancelled');
    const result = await running;
    expect(result.outcome).toBe('partial');
    expect(result.reason).toMatch(/execution was halted/);
    expect((await orders.getOrder(order!.id))!.state).toBe('cancelled');
    await expect(manager.prepare(ticket.id)).rejects.toThrow(ExecutionHaltedError);
    await expect(manager.execute(ticket.id, 'key:executor')).rejects.toMatchObject({ code: 'execution-halted' });
    await manager.resume('key:admin', null);
    expect((await manager.prepare(ticket.id)).mode).toBe('testnet');
    expect((await store.listAudit(50)).map((a) => a.action)).toEqual(
      expect.arrayContaining(['execution.halt', 'execution.resume', 'order.cancel']),
    );
  });

  it('refuses an order beyond the collar or a notional limit, naming the control, before anything is sent', async () => {
    const { store, manager } = await setup({ limits: { maxNotionalQuotePerLeg: 100_000 } });
    const ticket = await approvedTicket(store);
    const before = fake.placeCalls.length;
    // 4 puts x 75798.16 forward = 303192.64 notional.
    const result = await manager.execute(ticket.id, 'key:executor');
    expect(result.reason).toMatch(
      /^leg 0 \(BTC-29MAY26-75000-P\): execution\.limits\.maxNotionalQuotePerLeg: 4 contracts of BTC-29MAY26-75000-P are 303192\.64 quote notional, over the per-order limit 100000/,
    );
    expect(fake.placeCalls.length).toBe(before);
    const tight = await setup({ collarFraction: 0.01, collarMinTicks: 1 });
    const t2 = await approvedTicket(tight.store);
    const r2 = await tight.manager.execute(t2.id, 'key:executor');
    expect(r2.reason).toMatch(
      /execution\.collarFraction: BTC-29MAY26-75000-P buy at 0\.0075 is 5\.833% from the mark 0\.00708665, beyond the collar of 1\.000% \(and more than 1 ticks of 0\.0001\)/,
    );
  });
});
