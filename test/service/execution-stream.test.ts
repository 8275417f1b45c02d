/**
 * Working orders and fills on the `/ws` stream, on loopback: a viewer subscribed to `orders` (and the book) sees the
 * orders as they stand, then every change of each order of an executed ticket (state, filled and remaining
 * contracts, price, the fills as they arrive), and the book moving with the fills with no market tick at all (the
 * scripted feed stands still): its `toTrade` ends at zero.
 */
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeDeribit } from '../helpers/fakeDeribit.js';
import { startTestnetService, type TestnetService } from './testnetService.js';
import type { Json, TestService } from './helpers.js';

const credentials = { apiKey: 'stream-key', secret: 'stream-secret' };
let fake: FakeDeribit;
let t: TestService;
let trader2: string;

let testnet: TestnetService;

beforeAll(async () => {
  testnet = await startTestnetService(
    credentials,
    {
      fillTimeoutMs: 5_000,
      pollIntervalMs: 1_000,
      priceToleranceFraction: 0.05,
      collarFraction: 0.25,
    },
    600_000,
  );
  ({ fake, t, trader2 } = testnet);
});
afterAll(() => testnet.close());

function inbox(ws: WebSocket) {
  const messages: Json[] = [];
  ws.on('message', (data) => messages.push(JSON.parse(data.toString())));
  const next = async (pred: (m: Json) => boolean, timeoutMs = 5_000): Promise<Json> => {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const found = messages.find(pred);
      if (found) return found;
      if (Date.now() > until) throw new Error(`no such message; got ${messages.map((m) => m.type).join(',')}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  return { messages, next };
}

describe('orders and fills on the stream', () => {
  it('pushes each order change and fill of an executed ticket, and the book moving with the fills', async () => {
    const ws = new WebSocket(`${t.url.replace(/^http/, 'ws')}/ws`, {
      headers: { authorization: `Bearer ${t.keys.viewer}` },
    });
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const box = inbox(ws);
    ws.send(JSON.stringify({ type: 'subscribe', book: true, orders: true }));
    const subscribed = await box.next((m) => m.type === 'subscribed');
    expect(subscribed).toMatchObject({ book: true, orders: true });
    const snapshot = await box.next((m) => m.type === 'orders');
    expect(snapshot.orders).toEqual([]);
    const firstBook = await box.next((m) => m.type === 'hedge' && m.book);
    expect(firstBook.byUnderlying['deribit/BTC'].toTrade.contracts).not.toBe(0);

    const proposed = await t.call('POST', '/api/tickets', { key: t.keys.trader, body: { mode: 'dynamic' } });
    expect(proposed.status, proposed.text).toBe(201);
    const id = proposed.json.id as string;
    expect((await t.call('POST', `/api/tickets/${id}/approve`, { key: trader2, body: {} })).status).toBe(200);
    // Each order fills in two parts made by the venue's engine (pushed, not polled): half after its placing, the
    // rest once the stream has shown the half (so the test sees every state whatever the machine's load).
    fake.onPlace = (order) => {
      const half = order.instrument_name === 'BTC-PERPETUAL' ? Math.round(order.amount / 20) * 10 : order.amount / 2;
      return { later: [{ afterMs: 30, amount: half }] };
    };
    let executing = true;
    const driver = (async () => {
      const done = new Set<string>();
      while (executing) {
        for (const m of box.messages) {
          if (m.type !== 'order' || m.order.state !== 'partially-filled' || done.has(m.order.id)) continue;
          done.add(m.order.id);
          const order = fake.byLabel(m.order.id)!;
          fake.fill(order, order.amount - order.filled_amount);
        }
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    const booksBefore = box.messages.filter((m) => m.type === 'hedge' && m.book).length;
    const r = await t.call('POST', `/api/tickets/${id}/execute`, { key: trader2, body: { wait: true } });
    executing = false;
    await driver;
    expect(r.status, r.text).toBe(200);
    expect(r.json.execution.outcome).toBe('filled');
    const orders = r.json.execution.orders as Json[];
    const lastOrderId = orders.at(-1).id as string;
    await box.next((m) => m.type === 'order' && m.order.id === lastOrderId && m.order.state === 'filled');

    for (const o of orders) {
      const updates = box.messages.filter((m) => m.type === 'order' && m.order.id === o.id);
      // Every state the order went through, in order, each with its filled and remaining contracts and its price.
      expect(updates.map((m) => m.order.state)).toEqual(['new', 'open', 'partially-filled', 'filled']);
      const [, open, partial, filled] = updates;
      expect(open.order).toMatchObject({ ticketId: id, filledContracts: 0, remainingContracts: o.contracts });
      expect(open.order.limitPrice).toBe(o.limitPrice);
      expect(partial.order.filledContracts).toBeGreaterThan(0);
      expect(partial.order.remainingContracts).toBeCloseTo(o.contracts - partial.order.filledContracts, 9);
      expect(partial.fills).toHaveLength(1);
      expect(filled.order).toMatchObject({ filledContracts: o.contracts, remainingContracts: 0 });
      expect(filled.fills).toHaveLength(1);
      expect(filled.order.fills).toHaveLength(2);
      expect(filled.order.averagePrice).toBeCloseTo(o.limitPrice, 12);
      const filledContracts = filled.order.fills.reduce((s: number, f: Json) => s + f.contracts, 0);
      expect(filledContracts).toBeCloseTo(o.contracts, 9);
    }
    // The book moved with the fills (one recompute per recorded update; the feed never ticked) and ends flat.
    const books = box.messages.filter((m) => m.type === 'hedge' && m.book);
    expect(books.length - booksBefore).toBeGreaterThanOrEqual(2 * orders.length);
    expect(books.at(-1).byUnderlying['deribit/BTC'].toTrade.contracts).toBe(0);
    ws.close();
  });

  it('a new subscriber gets the orders as they stand', async () => {
    const ws = new WebSocket(`${t.url.replace(/^http/, 'ws')}/ws`, {
      headers: { authorization: `Bearer ${t.keys.viewer}` },
    });
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const box = inbox(ws);
    ws.send(JSON.stringify({ type: 'subscribe', orders: true }));
    const snapshot = await box.next((m) => m.type === 'orders');
    const listed = (await t.call('GET', '/api/orders', { key: t.keys.viewer })).json.orders as Json[];
    expect(snapshot.orders.map((o: Json) => [o.id, o.state, o.filledContracts])).toEqual(
      listed.map((o) => [o.id, o.state, o.filledContracts]),
    );
    expect(snapshot.orders.length).toBeGreaterThan(0);
    ws.send(JSON.stringify({ type: 'unsubscribe', orders: true }));
    expect(await box.next((m) => m.type === 'unsubscribed')).toMatchObject({ orders: true });
    ws.close();
  });
});
