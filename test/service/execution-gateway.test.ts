/**
 * The ccxt gateway against the fake Deribit on loopback: ccxt 4.5.84's own Deribit code signs and sends the calls,
 * the gateway converts contracts to Deribit amounts (USD for the perp, the coin for options) and back, carries the
 * client order id as the `label`, finds orders by it, and reports rejections and timeouts by their kind.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CcxtGateway, credentialsFromEnv } from '../../src/service/execution/ccxtGateway.js';
import { outcomeUnknown } from '../../src/service/execution/gateway.js';
import { startFakeDeribit, type FakeDeribit } from '../helpers/fakeDeribit.js';

const credentials = { apiKey: 'test-key-id', secret: 'test-secret-value' };
const PUT = 'BTC-29MAY26-75000-P';
let fake: FakeDeribit;
let gw: CcxtGateway;

beforeAll(async () => {
  fake = await startFakeDeribit(credentials);
  gw = new CcxtGateway({
    venue: 'deribit',
    mode: 'testnet',
    credentials,
    restUrl: fake.restUrl,
    timeoutMs: 400,
    enableRateLimit: false,
  });
});
afterAll(async () => {
  await gw.close();
  await fake.stop();
});

describe('ccxt gateway (deribit testnet, loopback)', () => {
  it('is in sandbox mode and points ccxt at the loopback origin', () => {
    expect((gw.exchange.urls as unknown as { api: { rest: string } }).api.rest).toBe(fake.restUrl);
    expect(gw.exchange.isSandboxModeEnabled).toBe(true);
  });

  it('places an option order in the coin and a perp order in USD, with the label, and reads them back', async () => {
    const option = await gw.placeLimitOrder({
      clientOrderId: 'ilh.aaaa.0.0',
      underlying: 'BTC',
      instrument: PUT,
      kind: 'option',
      side: 'buy',
      contracts: 2.5,
      price: 0.012,
      timeInForce: 'gtc',
    });
    expect(option).toMatchObject({
      clientOrderId: 'ilh.aaaa.0.0',
      instrument: PUT,
      contracts: 2.5,
      filledContracts: 0,
      status: 'open',
    });
    const perp = await gw.placeLimitOrder({
      clientOrderId: 'ilh.aaaa.1.0',
      underlying: 'BTC',
      instrument: 'BTC-PERPETUAL',
      kind: 'perp',
      side: 'sell',
      contracts: 250,
      price: 75_795,
      timeInForce: 'gtc',
    });
    expect(perp.contracts).toBe(250);
    // Deribit's amount for the inverse perp is USD: 250 contracts x 10 USD.
    expect(fake.placeCalls.at(-1)).toMatchObject({
      method: 'sell',
      label: 'ilh.aaaa.1.0',
      amount: 2500,
      price: 75_795,
    });
    expect(fake.placeCalls.at(-2)).toMatchObject({ method: 'buy', label: 'ilh.aaaa.0.0', amount: 2.5, price: 0.012 });
    fake.fill(fake.byLabel('ilh.aaaa.1.0')!, 1000, 75_790);
    const found = await gw.fetchOrderByClientId('ilh.aaaa.1.0', 'BTC', 'BTC-PERPETUAL');
    expect(found).toMatchObject({
      venueOrderId: perp.venueOrderId,
      filledContracts: 100,
      averagePrice: 75_790,
      status: 'open',
    });
    expect(await gw.fetchOrderByClientId('ilh.none.0.0', 'BTC', PUT)).toBeNull();
    const open = await gw.fetchOpenOrders('BTC');
    expect(open.map((o) => o.clientOrderId).sort()).toEqual(['ilh.aaaa.0.0', 'ilh.aaaa.1.0']);
    const trades = await gw.fetchMyTradesSince('BTC', 0);
    expect(trades).toHaveLength(1);
    expect(trades[0]).toMatchObject({
      venueOrderId: perp.venueOrderId,
      contracts: 100,
      price: 75_790,
      side: 'sell',
      feeQuote: 0,
    });
    const cancelled = await gw.cancelOrder(option.venueOrderId, 'BTC', PUT);
    expect(cancelled.status).toBe('canceled');
  });

  it('converts a coin fee to the quote currency at the trade index price', async () => {
    const o = await gw.placeLimitOrder({
      clientOrderId: 'ilh.bbbb.0.0',
      underlying: 'BTC',
      instrument: PUT,
      kind: 'option',
      side: 'buy',
      contracts: 1,
      price: 0.012,
      timeInForce: 'gtc',
    });
    fake.fill(fake.byLabel('ilh.bbbb.0.0')!, 1);
    const trade = (await gw.fetchMyTradesSince('BTC', 0)).find((t) => t.venueOrderId === o.venueOrderId)!;
    // min(0.0003 x 1, 0.125 x 0.012 x 1) = 0.0003 BTC at the index 75795.19.
    expect(trade.feeQuote).toBeCloseTo(0.0003 * 75_795.19, 9);
  });

  it('reports a rejection as definitive and a timeout after acceptance as of unknown outcome', async () => {
    fake.onPlace = () => ({ reject: { code: 10009, message: 'not_enough_funds' } });
    const rejected = await gw
      .placeLimitOrder({
        clientOrderId: 'ilh.cccc.0.0',
        underlying: 'BTC',
        instrument: PUT,
        kind: 'option',
        side: 'buy',
        contracts: 1,
        price: 0.012,
        timeInForce: 'gtc',
      })
      .catch((e: unknown) => e);
    expect((rejected as { kind: string }).kind).toBe('rejected');
    expect(outcomeUnknown(rejected)).toBe(false);
    fake.onPlace = () => ({ delayMs: 1500 });
    const timedOut = await gw
      .placeLimitOrder({
        clientOrderId: 'ilh.dddd.0.0',
        underlying: 'BTC',
        instrument: PUT,
        kind: 'option',
        side: 'buy',
        contracts: 1,
        price: 0.012,
        timeInForce: 'gtc',
      })
      .catch((e: unknown) => e);
    fake.onPlace = () => undefined;
    expect((timedOut as { kind: string }).kind).toBe('timeout');
    expect(outcomeUnknown(timedOut)).toBe(true);
    // The venue accepted it: it is found by its label.
    expect(await gw.fetchOrderByClientId('ilh.dddd.0.0', 'BTC', PUT)).toMatchObject({ status: 'open', contracts: 1 });
  });

  it('refuses a request signed with the wrong secret', async () => {
    const wrong = new CcxtGateway({
      venue: 'deribit',
      mode: 'testnet',
      credentials: { ...credentials, secret: 'nope' },
      restUrl: fake.restUrl,
      enableRateLimit: false,
    });
    const error = await wrong.fetchOpenOrders('BTC').catch((e: unknown) => e);
    expect((error as { kind: string }).kind).toBe('auth');
    expect(String((error as Error).message)).not.toContain('nope');
  });

  it('reads credentials from the environment only, naming the missing variable', () => {
    expect(() => credentialsFromEnv('deribit', {})).toThrow('ILHEDGE_DERIBIT_API_KEY: required');
    expect(() => credentialsFromEnv('deribit', { ILHEDGE_DERIBIT_API_KEY: 'k' })).toThrow(
      'ILHEDGE_DERIBIT_API_SECRET: required',
    );
    expect(credentialsFromEnv('deribit', { ILHEDGE_DERIBIT_API_KEY: 'k', ILHEDGE_DERIBIT_API_SECRET: 's' })).toEqual({
      apiKey: 'k',
      secret: 's',
    });
  });
});
