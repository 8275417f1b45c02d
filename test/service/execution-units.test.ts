/** The execution building blocks: client order ids, the order state machine, the config schema, the dry-run gateway. */
import { describe, expect, it } from 'vitest';
import {
  DERIBIT_LABEL_MAX_CHARS,
  clientOrderId,
  parseClientOrderId,
  ticketKey,
} from '../../src/service/execution/clientOrderId.js';
import {
  ORDER_STATES,
  ORDER_TRANSITIONS,
  OrderTransitionError,
  checkTransition,
  stateFromVenue,
} from '../../src/service/execution/orderState.js';
import { executionConfigSchema, parseExecutionConfig, venueMode } from '../../src/service/execution/config.js';
import { DryRunGateway } from '../../src/service/execution/dryRunGateway.js';
import { marketViewOf } from '../../src/service/execution/market.js';
import { deskConfigSchema } from '../../src/config/deskConfig.js';
import { builtinMarket, v3Position } from './helpers.js';
import { testStoreLocation } from '../helpers/testStore.js';

describe('client order ids', () => {
  const ticket = '6efc8d8f-8e32-4f69-9a1b-0123456789ab';

  it('are deterministic, distinct per leg and attempt, and within the Deribit label limit', () => {
    expect(clientOrderId(ticket, 0, 0)).toBe('ilh.6efc8d8f8e324f699a1b0123456789ab.0.0');
    expect(clientOrderId(ticket, 0, 0)).toBe(clientOrderId(ticket, 0, 0));
    const ids = new Set<string>();
    for (let leg = 0; leg < 20; leg++) for (let a = 0; a < 20; a++) ids.add(clientOrderId(ticket, leg, a));
    expect(ids.size).toBe(400);
    expect(clientOrderId(ticket, 999, 999).length).toBeLessThanOrEqual(DERIBIT_LABEL_MAX_CHARS);
    expect(clientOrderId(ticket, 1, 2, { dryRun: true })).toBe('ilhd.6efc8d8f8e324f699a1b0123456789ab.1.2');
  });

  it('hash a ticket id that is not a UUID, and round-trip through the parser', () => {
    expect(ticketKey('tkt-6efc8d8f8e329f69')).toMatch(/^[0-9a-f]{32}$/);
    expect(ticketKey('tkt-6efc8d8f8e329f69')).not.toBe(ticketKey('tkt-6efc8d8f8e329f6a'));
    const id = clientOrderId('tkt-6efc8d8f8e329f69', 3, 1);
    expect(parseClientOrderId(id)).toEqual({
      dryRun: false,
      ticketKey: ticketKey('tkt-6efc8d8f8e329f69'),
      legIndex: 3,
      attempt: 1,
    });
    expect(parseClientOrderId('market0000234')).toBeNull();
  });

  it('refuse a bad leg or attempt, naming it', () => {
    expect(() => clientOrderId(ticket, -1, 0)).toThrow('legIndex: must be an integer from 0 to 999 (got -1)');
    expect(() => clientOrderId(ticket, 0, 1.5)).toThrow('attempt: must be an integer from 0 to 999 (got 1.5)');
    expect(() => clientOrderId('', 0, 0)).toThrow('ticketId: must be a non-empty string');
  });
});

describe('order states', () => {
  it('allow the listed transitions only; terminal states go nowhere', () => {
    expect(() => checkTransition('o', 'new', 'open')).not.toThrow();
    expect(() => checkTransition('o', 'partially-filled', 'partially-filled')).not.toThrow();
    expect(() => checkTransition('o', 'filled', 'open')).toThrow(OrderTransitionError);
    expect(() => checkTransition('o', 'open', 'new')).toThrow('order o: open -> new is not an allowed transition');
    expect(() => checkTransition('o', 'open', 'rejected')).toThrow(OrderTransitionError);
    for (const s of ['filled', 'cancelled', 'rejected', 'expired'] as const) expect(ORDER_TRANSITIONS[s]).toEqual([]);
    expect(Object.keys(ORDER_TRANSITIONS).sort()).toEqual([...ORDER_STATES].sort());
  });

  it('read the venue word with what is filled', () => {
    expect(stateFromVenue('open', 0, 4)).toBe('open');
    expect(stateFromVenue('open', 1, 4)).toBe('partially-filled');
    expect(stateFromVenue('closed', 4, 4)).toBe('filled');
    expect(stateFromVenue('canceled', 1, 4)).toBe('cancelled');
    expect(stateFromVenue('cancelled', 0, 4)).toBe('cancelled');
    expect(stateFromVenue('rejected', 0, 4)).toBe('rejected');
    expect(() => stateFromVenue('triggered', 0, 4)).toThrow(
      'order status "triggered" is not one the order manager knows',
    );
  });
});

describe('execution config', () => {
  it('defaults to dry-run everywhere, options first and the perp last', () => {
    const config = parseExecutionConfig(undefined);
    expect(config).toMatchObject({
      mode: 'dry-run',
      legOrder: ['option', 'future', 'perp'],
      timeInForce: 'gtc',
      maxReprices: 2,
    });
    expect(venueMode(config, 'deribit')).toBe('dry-run');
    expect(venueMode(parseExecutionConfig({ venues: { deribit: { mode: 'testnet' } } }), 'deribit')).toBe('testnet');
  });

  it('takes the README example (Deribit on its testnet)', () => {
    const config = parseExecutionConfig({
      venues: { deribit: { mode: 'testnet' } },
      fillTimeoutMs: 30000,
      maxReprices: 2,
      priceToleranceFraction: 0.01,
      limits: { maxNotionalQuotePerLeg: 250000, maxNotionalQuotePerDay: 2000000 },
    });
    expect(venueMode(config, 'deribit')).toBe('testnet');
    expect(venueMode(config, 'okx')).toBe('dry-run');
    expect(config.limits).toEqual({ maxNotionalQuotePerLeg: 250000, maxNotionalQuotePerDay: 2000000 });
  });

  it('names the field of a bad value', () => {
    expect(() => parseExecutionConfig({ mode: 'paper' })).toThrow('execution.mode: must be dry-run, testnet or live');
    expect(() => parseExecutionConfig({ venues: { deribit: { restUrl: 'ftp://x' } } })).toThrow(
      'execution.venues.deribit.restUrl: must be an http:// or https:// URL',
    );
    expect(() => parseExecutionConfig({ fillTimeoutMs: -1 })).toThrow(/^execution\.fillTimeoutMs: /);
    expect(() => parseExecutionConfig({ apiKey: 'secret' })).toThrow(/^execution: Unrecognized key: "apiKey"/);
    expect(executionConfigSchema.safeParse({ legOrder: ['perp', 'perp'] }).success).toBe(false);
  });

  it("is the desk config's `execution` section, dry-run by default", () => {
    const desk = deskConfigSchema.parse({ positions: [{ ...v3Position, id: 'p' }] });
    expect(desk.execution.mode).toBe('dry-run');
    const r = deskConfigSchema.safeParse({ positions: [{ ...v3Position, id: 'p' }], execution: { mode: 'paper' } });
    expect(r.success).toBe(false);
  });
});

describe('dry-run gateway', () => {
  it('fills a crossing order at the touch as a taker, rests one that does not, and never reuses an id', async () => {
    const snapshot = await builtinMarket();
    const gw = new DryRunGateway(
      'deribit',
      marketViewOf(() => new Map([['deribit/BTC', { market: snapshot }]])),
    );
    const base = {
      underlying: 'BTC',
      instrument: 'BTC-29MAY26-75000-P',
      kind: 'option' as const,
      side: 'buy' as const,
      contracts: 1,
      timeInForce: 'gtc' as const,
    };
    const crossed = await gw.placeLimitOrder({ ...base, clientOrderId: 'ilhd.a.0.0', price: 0.008 });
    expect(crossed).toMatchObject({ status: 'closed', filledContracts: 1, averagePrice: 0.0075 });
    const resting = await gw.placeLimitOrder({ ...base, clientOrderId: 'ilhd.a.0.1', price: 0.007 });
    expect(resting.status).toBe('open');
    expect((await gw.fetchOpenOrders('BTC')).map((o) => o.clientOrderId)).toEqual(['ilhd.a.0.1']);
    expect((await gw.cancelOrder(resting.venueOrderId)).status).toBe('canceled');
    const ioc = await gw.placeLimitOrder({ ...base, clientOrderId: 'ilhd.a.0.2', price: 0.007, timeInForce: 'ioc' });
    expect(ioc.status).toBe('canceled');
    const postOnly = await gw.placeLimitOrder({
      ...base,
      clientOrderId: 'ilhd.a.0.3',
      price: 0.008,
      timeInForce: 'post-only',
    });
    expect(postOnly.status).toBe('rejected');
    await expect(gw.placeLimitOrder({ ...base, clientOrderId: 'ilhd.a.0.0', price: 0.008 })).rejects.toThrow(
      'already used',
    );
    expect(gw.trades).toHaveLength(1);
  });
});

describe('order store', () => {
  it('records a fill with the order transition in one transaction, once per venue trade, append-only', async () => {
    const { openStore } = await import('../../src/service/store/index.js');
    const { applyOrdersMigration, OrderStore } = await import('../../src/service/execution/orderStore.js');
    const store = await openStore(await testStoreLocation('execution_units'));
    try {
      await applyOrdersMigration(store);
      await applyOrdersMigration(store); // a no-op once the tables exist (as after the migration is registered)
      const leg = {
        venue: 'deribit' as const,
        underlying: 'BTC',
        instrument: 'BTC-29MAY26-75000-P',
        kind: 'option' as const,
        side: 'buy' as const,
        contracts: 3,
        limitPrice: 0.0075,
        feesQuote: 1,
        contractSize: 1,
        contractValueQuote: null,
        priceCurrency: 'BTC',
      };
      const created = await store.createTicket({
        mode: 'dynamic',
        positionIds: [],
        content: {},
        actor: 'key:a',
        legs: [leg],
      });
      await store.approveTicket(created.id, 'key:b', { fourEyes: true });
      const orders = await OrderStore.open(store);
      const id = 'ilh.0123456789abcdef0123456789abcdef.0.0';
      await orders.createOrder(
        {
          clientOrderId: id,
          ticketId: created.id,
          legIndex: 0,
          attempt: 0,
          mode: 'testnet',
          venue: 'deribit',
          underlying: 'BTC',
          instrument: leg.instrument,
          kind: 'option',
          side: 'buy',
          contracts: 2,
          limitPrice: 0.0075,
          timeInForce: 'gtc',
          notionalQuote: 151_596,
        },
        'key:c',
      );
      const trade = (tradeId: string, contracts: number) => ({
        tradeId,
        venueOrderId: 'v1',
        clientOrderId: id,
        instrument: leg.instrument,
        side: 'buy' as const,
        contracts,
        price: 0.0075,
        feeQuote: 22.7,
        atMs: 1,
      });
      const first = await orders.applyUpdate(
        id,
        { state: 'partially-filled', filledContracts: 1, venueOrderId: 'v1' },
        [trade('t1', 1)],
        'key:c',
      );
      expect(first.recorded).toHaveLength(1);
      expect(first.ticket!.status).toBe('partially-executed');
      expect(first.recorded[0]!.ledgerFillId).toBe(first.ticket!.fills[0]!.id);
      // The same venue trade again is not recorded twice.
      expect(
        (await orders.applyUpdate(id, { state: 'partially-filled', filledContracts: 1 }, [trade('t1', 1)], 'key:c'))
          .recorded,
      ).toEqual([]);
      await orders.applyUpdate(id, { state: 'filled', filledContracts: 2 }, [trade('t2', 1)], 'key:c');
      expect((await store.getTicket(created.id))!.legs![0]!.filledContracts).toBe(2);
      // A refused transition rolls back the fill that came with it, ledger fill included (the leg has room for it).
      await expect(
        orders.applyUpdate(id, { state: 'open', filledContracts: 2 }, [trade('t3', 0.5)], 'key:c'),
      ).rejects.toThrow(`order ${id}: filled -> open is not an allowed transition`);
      expect((await orders.fills(id)).map((f) => f.venueTradeId)).toEqual(['t1', 't2']);
      expect((await store.getTicket(created.id))!.fills).toHaveLength(2);
      expect((await orders.events(id)).map((e) => e.to)).toEqual(['new', 'partially-filled', 'filled']);
      await expect(store.db.run('UPDATE execution_fills SET price = 1')).rejects.toThrow(
        'execution fills are append-only',
      );
      await expect(store.db.run('DELETE FROM execution_order_events')).rejects.toThrow('order events are append-only');
      expect(await orders.notionalPlacedInDay('testnet', Date.now())).toBe(151_596);
      expect(await orders.notionalPlacedInDay('live', Date.now())).toBe(0);
    } finally {
      await store.close();
    }
  });
});
