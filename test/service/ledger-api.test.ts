/**
 * The ledger and the ticket controls over HTTP: a real service on loopback, on the built-in Deribit chain. Four-eyes,
 * expiry, re-pricing on approval, partial and complete fills, holdings entered by hand, their P&L and close.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService } from './helpers.js';
import type { Json, TestService } from './helpers.js';

let t: TestService;
let positionIds: string[];
let trader2: string;

const PUT = 'BTC-29MAY26-75000-P';

beforeAll(async () => {
  t = await startTestService();
  positionIds = (await t.call('GET', '/api/positions')).json.positions.map((p: { id: string }) => p.id);
  trader2 = (await t.handle.store.createApiKey('trader', 'test', 'second trader')).key;
});
afterAll(async () => {
  await t.handle.close();
});

const keyActor = (key: string) => `key:${key.split('_')[1]}`;

async function propose(body: Json = { mode: 'dynamic' }, key = t.keys.trader): Promise<Json> {
  const r = await t.call('POST', '/api/tickets', { key, body });
  expect(r.status, r.text).toBe(201);
  return r.json;
}

async function approved(body: Json = { mode: 'dynamic' }): Promise<Json> {
  const ticket = await propose(body);
  const r = await t.call('POST', `/api/tickets/${ticket.id}/approve`, { key: trader2, body: {} });
  expect(r.status, r.text).toBe(200);
  return r.json;
}

describe('approval', () => {
  it('stores expiry, request and legs with contract terms on proposal', async () => {
    const ticket = await propose();
    expect(ticket.createdBy).toBe(keyActor(t.keys.trader));
    expect(ticket.expiresAtMs - ticket.createdAtMs).toBe(15 * 60_000);
    // The positions it was priced for, so approval re-prices the same book.
    expect(ticket.request).toEqual({ mode: 'dynamic', positionIds: ticket.positionIds });
    expect(ticket.positionIds.length).toBe(2);
    expect(ticket.approval).toEqual({ ttlMinutes: 15, maxPriceMoveFraction: 0.005 });
    expect(ticket.legs.length).toBe(ticket.content.ticket.legs.length);
    const perp = ticket.legs.find((l: Json) => l.instrument === 'BTC-PERPETUAL');
    expect(perp).toMatchObject({ kind: 'perp', contractSize: null, contractValueQuote: 10, priceCurrency: 'USD' });
    const option = ticket.legs.find((l: Json) => l.kind === 'option');
    expect(option).toMatchObject({ contractSize: 1, contractValueQuote: null, priceCurrency: 'BTC' });
    expect(option.remainingContracts).toBe(option.contracts);
  });

  it('refuses approval by the key that proposed it (four-eyes), and accepts another key, re-priced', async () => {
    const ticket = await propose();
    const same = await t.call('POST', `/api/tickets/${ticket.id}/approve`, { key: t.keys.trader, body: {} });
    expect(same.status).toBe(409);
    expect(same.json.error).toBe('four-eyes');
    expect(same.json.message).toBe(
      `ticket ${ticket.id} was proposed by key ${t.keys.trader.split('_')[1]}; a different key must approve it`,
    );
    expect((await t.call('GET', `/api/tickets/${ticket.id}`)).json.status).toBe('proposed');
    const other = await t.call('POST', `/api/tickets/${ticket.id}/approve`, { key: trader2, body: { note: 'ok' } });
    expect(other.status, other.text).toBe(200);
    const last = other.json.history.at(-1);
    expect(last).toMatchObject({ from: 'proposed', to: 'approved', actor: keyActor(trader2) });
    expect(last.note).toMatch(/^ok; re-priced at approval: price 75795\.19 -> 75795\.19 \(0%, threshold 0\.5%\)/);
    const audit = (await t.call('GET', '/api/audit?limit=20')).json.entries.find(
      (e: Json) => e.target === ticket.id && e.action === 'ticket.approved',
    );
    expect(audit.detail.detail.repricing).toMatchObject({
      oldPrice: ticket.content.ticket.price,
      newPrice: ticket.content.ticket.price,
      moveFraction: 0,
      maxPriceMoveFraction: 0.005,
      oldTotals: ticket.content.ticket.totals,
    });
  });

  it('lets the proposer approve when the desk turns four-eyes off', async () => {
    const solo = await startTestService({ fourEyes: false });
    try {
      const created = await solo.call('POST', '/api/tickets', { key: solo.keys.trader, body: { mode: 'static' } });
      expect(created.status, created.text).toBe(201);
      const r = await solo.call('POST', `/api/tickets/${created.json.id}/approve`, { key: solo.keys.trader });
      expect(r.status, r.text).toBe(200);
      expect(r.json.status).toBe('approved');
    } finally {
      await solo.handle.close();
    }
  });

  it('expires a proposed ticket after its TTL: approval and rejection are refused, the ticket reads expired', async () => {
    // 0.002 min = 120 ms.
    const ticket = await propose({ mode: 'dynamic', policy: { approval: { ttlMinutes: 0.002 } } });
    expect(ticket.expiresAtMs - ticket.createdAtMs).toBe(120);
    await new Promise((r) => setTimeout(r, 200));
    const late = await t.call('POST', `/api/tickets/${ticket.id}/approve`, { key: trader2, body: {} });
    expect(late.status).toBe(409);
    expect(late.json.error).toBe('ticket-expired');
    expect(late.json.message).toContain(`ticket ${ticket.id} expired at ${new Date(ticket.expiresAtMs).toISOString()}`);
    const got = await t.call('GET', `/api/tickets/${ticket.id}`, { key: t.keys.viewer });
    expect(got.json.status).toBe('expired');
    expect(got.json.history.at(-1)).toMatchObject({ from: 'proposed', to: 'expired', actor: 'system:expiry' });
    expect((await t.call('POST', `/api/tickets/${ticket.id}/reject`, { key: trader2 })).status).toBe(409);
  });

  it('refuses approval when the market moved beyond the threshold since proposal, naming both prices', async () => {
    const ticket = await propose();
    const before = ticket.content.ticket.price;
    t.feed.pushMove(1.01);
    let moved = true;
    try {
      await new Promise((r) => setTimeout(r, 100));
      const r = await t.call('POST', `/api/tickets/${ticket.id}/approve`, { key: trader2, body: {} });
      expect(r.status, r.text).toBe(409);
      expect(r.json.error).toBe('market-moved');
      expect(r.json.message).toContain(`from ${before} at proposal to `);
      expect(r.json.message).toMatch(/\(1(\.0+\d*)?%\), beyond the 0\.5% threshold \(maxPriceMoveFraction 0\.005\)/);
      expect((await t.call('GET', `/api/tickets/${ticket.id}`)).json.status).toBe('proposed');
      // A looser threshold set at proposal lets the same move through.
      const loose = await propose({ mode: 'dynamic', policy: { approval: { maxPriceMoveFraction: 0.05 } } });
      t.feed.pushMove(1 / 1.01);
      moved = false;
      await new Promise((r) => setTimeout(r, 100));
      const ok = await t.call('POST', `/api/tickets/${loose.id}/approve`, { key: trader2, body: {} });
      expect(ok.status, ok.text).toBe(200);
      expect(ok.json.history.at(-1).note).toMatch(/re-priced at approval: price [\d.]+ -> [\d.]+ \(0\.99/);
    } finally {
      // Back to the recorded prices for the other tests.
      if (moved) t.feed.pushMove(1 / 1.01);
    }
  });
});

describe('fills', () => {
  it('takes partial fills (ticket partially-executed), then the rest as ticketed, into holdings', async () => {
    const early = await propose();
    const notYet = await t.call('POST', `/api/tickets/${early.id}/executed`, { key: trader2, body: {} });
    expect(notYet.status).toBe(409);

    const ticket = await approved({ mode: 'dynamic', positionIds: [positionIds[0]] });
    const perp = ticket.legs.findIndex((l: Json) => l.instrument === 'BTC-PERPETUAL');
    const opt = ticket.legs.findIndex((l: Json) => l.kind === 'option');
    const perpLeg = ticket.legs[perp];
    const optLeg = ticket.legs[opt];
    const partial = await t.call('POST', `/api/tickets/${ticket.id}/executed`, {
      key: trader2,
      body: {
        fills: [
          {
            instrument: 'BTC-PERPETUAL',
            contracts: -100,
            price: perpLeg.limitPrice - 5,
            fee: 0.25,
            venueOrderId: 'o-1',
          },
          { instrument: optLeg.instrument, contracts: 0.1, price: optLeg.limitPrice, feeQuote: 1.5 },
        ],
      },
    });
    expect(partial.status, partial.text).toBe(200);
    expect(partial.json.status).toBe('partially-executed');
    expect(partial.json.fills).toHaveLength(2);
    expect(partial.json.fills[0]).toMatchObject({
      instrument: 'BTC-PERPETUAL',
      contracts: -100,
      feeQuote: 0.25,
      venueOrderId: 'o-1',
      legIndex: perp,
      scope: [positionIds[0]],
      source: 'ticket',
      actor: keyActor(trader2),
      contractValueQuote: 10,
    });
    expect(partial.json.legs[perp].filledContracts).toBe(100);
    expect(partial.json.legs[perp].remainingContracts).toBe(perpLeg.contracts - 100);

    const done = await t.call('POST', `/api/tickets/${ticket.id}/executed`, { key: trader2 });
    expect(done.status, done.text).toBe(200);
    expect(done.json.status).toBe('executed');
    expect(done.json.history.map((h: Json) => h.to)).toEqual([
      'proposed',
      'approved',
      'partially-executed',
      'executed',
    ]);
    for (const leg of done.json.legs) expect(leg.remainingContracts).toBe(0);
    const asTicketed = done.json.fills.slice(2).find((f: Json) => f.instrument === 'BTC-PERPETUAL');
    expect(asTicketed).toMatchObject({ contracts: -(perpLeg.contracts - 100), price: perpLeg.limitPrice });
    expect((await t.call('POST', `/api/tickets/${ticket.id}/executed`, { key: trader2 })).status).toBe(409);

    const holdings = (await t.call('GET', '/api/holdings', { key: t.keys.viewer })).json.holdings.filter(
      (h: Json) => h.scope.length === 1 && h.scope[0] === positionIds[0],
    );
    const perpHolding = holdings.find((h: Json) => h.instrument === 'BTC-PERPETUAL');
    expect(perpHolding.netContracts).toBe(-perpLeg.contracts);
    // Harmonic average of the two sells (inverse contracts), fees summed.
    const p1 = perpLeg.limitPrice - 5;
    const p2 = perpLeg.limitPrice;
    const expectedAvg = perpLeg.contracts / (100 / p1 + (perpLeg.contracts - 100) / p2);
    expect(perpHolding.averagePrice).toBeCloseTo(expectedAvg, 8);
    expect(perpHolding.realisedPnl).toBe(0);
    expect(perpHolding.realisedPnlCurrency).toBe('BTC');
    expect(perpHolding.baseAmount).toBeCloseTo((-perpLeg.contracts * 10) / perpHolding.markPrice, 9);
    const optHolding = holdings.find((h: Json) => h.instrument === optLeg.instrument);
    expect(optHolding.netContracts).toBeCloseTo(optLeg.contracts, 9);
    expect(optHolding.baseAmount).toBeCloseTo(optLeg.contracts, 9);
    expect(optHolding.unrealisedPnl).toBeCloseTo(
      optHolding.netContracts * (optHolding.markPrice - optHolding.averagePrice),
      12,
    );
    expect(optHolding.fills.every((f: Json) => f.ticketId === ticket.id)).toBe(true);
  });

  it('refuses bad fills naming the field, and records nothing of a refused batch', async () => {
    const ticket = await approved();
    const perpLeg = ticket.legs.find((l: Json) => l.instrument === 'BTC-PERPETUAL');
    const post = (fills: Json) =>
      t.call('POST', `/api/tickets/${ticket.id}/executed`, { key: trader2, body: { fills } });
    const good = { instrument: 'BTC-PERPETUAL', contracts: -10, price: perpLeg.limitPrice };
    const cases: [Json, RegExp][] = [
      [[good, { ...good, instrument: 'BTC-NOPE' }], /^body\.fills\[1\]\.instrument: is not a leg of the ticket/],
      [[good, { ...good, contracts: 10 }], /^body\.fills\[1\]\.contracts: the BTC-PERPETUAL leg is a sell/],
      [[good, { ...good, contracts: -perpLeg.contracts }], /^body\.fills\[1\]\.contracts: exceeds what is left/],
      [[{ ...good, contracts: 0 }], /^body\.fills\.0\.contracts: must not be 0/],
      [[{ ...good, price: -1 }], /^body\.fills\.0\.price/],
      [[{ ...good, fee: 1, feeQuote: 2 }], /^body\.fills\.0\.fee: give feeQuote or its alias fee/],
      [[{ ...good, qty: 1 }], /qty/],
    ];
    for (const [fills, message] of cases) {
      const r = await post(fills);
      expect(r.status, JSON.stringify(fills)).toBe(400);
      expect(r.json.message).toMatch(message);
    }
    const after = (await t.call('GET', `/api/tickets/${ticket.id}`)).json;
    expect(after.status).toBe('approved');
    expect(after.fills).toEqual([]);
    expect((await t.call('POST', '/api/tickets/nope/executed', { key: trader2 })).status).toBe(404);
  });
});

describe('holdings', () => {
  it('enters a hedge by hand with the market terms, and refuses an unknown instrument naming the field', async () => {
    const unknown = await t.call('POST', '/api/holdings', {
      key: t.keys.trader,
      body: { venue: 'deribit', underlying: 'BTC', instrument: 'BTC-1JAN20-1-C', contracts: 1, entryPrice: 0.01 },
    });
    expect(unknown.status).toBe(404);
    expect(unknown.json.error).toBe('unknown-instrument');
    expect(unknown.json.message).toMatch(/^body\.instrument: BTC-1JAN20-1-C is not listed on deribit BTC/);
    const kind = await t.call('POST', '/api/holdings', {
      key: t.keys.trader,
      body: { venue: 'deribit', underlying: 'BTC', instrument: PUT, kind: 'perp', contracts: 1, entryPrice: 0.01 },
    });
    expect(kind.status).toBe(400);
    expect(kind.json.message).toBe(`body.kind: ${PUT} is a option, not a perp`);
    const ghost = await t.call('POST', '/api/holdings', {
      key: t.keys.trader,
      body: {
        venue: 'deribit',
        underlying: 'BTC',
        instrument: PUT,
        contracts: 1,
        entryPrice: 0.01,
        positionIds: ['x'],
      },
    });
    expect(ghost.status).toBe(404);
    expect(ghost.json.message).toContain('body.positionIds.0');
    const future = await t.call('POST', '/api/holdings', {
      key: t.keys.trader,
      body: {
        venue: 'deribit',
        underlying: 'BTC',
        instrument: PUT,
        contracts: 1,
        entryPrice: 0.01,
        entryTime: '2999-01-01T00:00:00Z',
      },
    });
    expect(future.status).toBe(400);
    expect(future.json.message).toBe('body.entryTime: 2999-01-01T00:00:00Z is in the future');
    const viewer = await t.call('POST', '/api/holdings', { key: t.keys.viewer, body: {} });
    expect(viewer.status).toBe(403);

    const entered = await t.call('POST', '/api/holdings', {
      key: t.keys.trader,
      body: {
        venue: 'deribit',
        underlying: 'BTC',
        instrument: PUT,
        kind: 'option',
        contracts: 1.5,
        entryPrice: 0.0123,
        entryTime: '2026-05-20T10:00:00Z',
        positionIds: [positionIds[1]],
        fee: 2,
      },
    });
    expect(entered.status, entered.text).toBe(201);
    expect(entered.json).toMatchObject({
      instrument: PUT,
      kind: 'option',
      scope: [positionIds[1]],
      netContracts: 1.5,
      baseAmount: 1.5,
      averagePrice: 0.0123,
      priceCurrency: 'BTC',
      feesQuote: 2,
      openedAtMs: Date.parse('2026-05-20T10:00:00Z'),
    });
    expect(entered.json.markPrice).toBeGreaterThan(0);
    expect(entered.json.unrealisedPnl).toBeCloseTo(1.5 * (entered.json.markPrice - 0.0123), 12);
    expect(entered.json.fills[0]).toMatchObject({ source: 'manual', ticketId: null, legIndex: null });
    const one = await t.call('GET', `/api/holdings/${entered.json.id}`, { key: t.keys.viewer });
    expect(one.json.netContracts).toBe(1.5);
  });

  it('closes a holding at a given price with its realised P&L, then at the mark by default', async () => {
    const body = {
      venue: 'deribit',
      underlying: 'BTC',
      instrument: 'BTC-PERPETUAL',
      contracts: -1000,
      entryPrice: 75_000,
    };
    const short = await t.call('POST', '/api/holdings', { key: t.keys.trader, body: { ...body, positionIds } });
    expect(short.status, short.text).toBe(201);
    expect(short.json.baseAmount).toBeCloseTo((-1000 * 10) / short.json.markPrice, 9);
    const closed = await t.call('POST', `/api/holdings/${short.json.id}/close`, {
      key: t.keys.trader,
      body: { price: 76_000, feeQuote: 0.5 },
    });
    expect(closed.status, closed.text).toBe(200);
    expect(closed.json.netContracts).toBe(0);
    expect(closed.json.averagePrice).toBeNull();
    expect(closed.json.unrealisedPnl).toBe(0);
    expect(closed.json.realisedPnl).toBeCloseTo(-1000 * 10 * (1 / 75_000 - 1 / 76_000), 12);
    expect(closed.json.realisedPnlCurrency).toBe('BTC');
    expect(closed.json.fills.at(-1)).toMatchObject({ source: 'close', contracts: 1000, price: 76_000, feeQuote: 0.5 });
    const again = await t.call('POST', `/api/holdings/${short.json.id}/close`, { key: t.keys.trader, body: {} });
    expect(again.status).toBe(409);
    expect(again.json.error).toBe('holding-flat');
    expect((await t.call('POST', '/api/holdings/h-nope/close', { key: t.keys.trader })).status).toBe(404);
    const open = (await t.call('GET', '/api/holdings?open=true')).json.holdings;
    expect(open.map((h: Json) => h.id)).not.toContain(short.json.id);
    const all = (await t.call('GET', '/api/holdings')).json.holdings;
    expect(all.map((h: Json) => h.id)).toContain(short.json.id);

    const long = await t.call('POST', '/api/holdings', { key: t.keys.trader, body: { ...body, contracts: 500 } });
    const atMark = await t.call('POST', `/api/holdings/${long.json.id}/close`, { key: t.keys.trader });
    expect(atMark.status, atMark.text).toBe(200);
    expect(atMark.json.fills.at(-1).price).toBe(long.json.markPrice);
    expect(atMark.json.realisedPnl).toBeCloseTo(500 * 10 * (1 / 75_000 - 1 / long.json.markPrice), 12);
  });

  it('documents the ledger routes in OpenAPI', async () => {
    const doc = (await t.call('GET', '/openapi.json', { key: t.keys.viewer })).json;
    const executed = doc.paths['/api/tickets/{id}/executed'].post;
    const fill = executed.requestBody.content['application/json'].schema.properties.fills.items;
    expect(fill.required).toEqual(['instrument', 'contracts', 'price']);
    expect(Object.keys(doc.paths['/api/holdings'])).toEqual(['get', 'post']);
    expect(doc.paths['/api/holdings/{id}/close'].post['x-required-role']).toBe('trader');
    expect(
      Object.keys(doc.paths['/api/holdings'].get.responses['200'].content['application/json'].schema.properties),
    ).toEqual(['holdings']);
  });
});
