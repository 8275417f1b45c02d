/**
 * The desk's loop end to end on loopback (issue "One book for the desk"): positions created by Uniswap ticks and
 * liquidity and by deposit value, a dynamic ticket proposed by one key and refused to the same key (four-eyes),
 * approved by another, filled in part and then in full; the holdings, the net book and `toTrade` then say the book
 * is hedged (net = the ticket's `after`, band inside, nothing to trade, a new ticket has no legs); the market moves
 * until the band breaches, and the next ticket is sized on the net book, not from zero.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { liquidityHumanToRaw, priceRangeToTicks, ticksToPriceRange, v3FromDeposit } from '../../pricing/index.js';
import { startTestService, type Json, type TestService } from './helpers.js';

let t: TestService;
let secondTrader: string;

beforeAll(async () => {
  t = await startTestService({ seedPositions: [] });
  secondTrader = (await t.handle.store.createApiKey('trader', 'test', 'second trader')).key;
});
afterAll(async () => {
  await t.handle.close();
});

/** |a - b| within 1e-9 of the size of the numbers compared (the ticket's `before`). */
function closeRelative(a: number, b: number, scale: number): void {
  expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-9 * Math.max(Math.abs(scale), 1));
}

async function book(): Promise<Json> {
  const r = await t.call('GET', '/api/book', { key: t.keys.viewer });
  expect(r.status).toBe(200);
  return r.json.book.byUnderlying['deribit/BTC'];
}

describe('one book: positions, ticket, four-eyes, fills, holdings, net book', () => {
  it('runs the desk loop and ends with a hedged book that moves back into breach with the market', async () => {
    // A WBTC(token0, 8 decimals)/USDC(token1, 6 decimals) 0.30% position, as the pool holds it.
    const orientation = { decimals0: 8, decimals1: 6, baseToken: 'token0' as const };
    const ticks = priceRangeToTicks(68_000, 84_000, orientation, 60);
    const range = ticksToPriceRange(ticks.tickLower, ticks.tickUpper, orientation);
    const human = v3FromDeposit({ ...range, price: 75_800, depositValue: 1_000_000 });
    const byTicks = await t.call('POST', '/api/positions', {
      body: {
        kind: 'lp',
        label: 'WBTC/USDC 0.30% by ticks',
        model: 'v3',
        price: 75_800,
        uniswap: {
          ...ticks,
          liquidity: liquidityHumanToRaw(human.liquidity, orientation).toString(),
          ...orientation,
          feeTier: 3000,
        },
      },
    });
    expect(byTicks.status).toBe(201);
    const byDeposit = await t.call('POST', '/api/positions', {
      body: { kind: 'lp', label: 'v2 by deposit', model: 'v2', price: 75_800, depositValue: 250_000 },
    });
    expect(byDeposit.status).toBe(201);
    expect(byDeposit.json.venue).toBe('deribit');
    const ids = [byTicks.json.id as string, byDeposit.json.id as string];

    // The Uniswap position is valued as the range its ticks give, at the liquidity its raw units give.
    const state = await t.call('GET', `/api/positions/${ids[0]}`, { key: t.keys.viewer });
    expect(state.json.hedge.lp.valueQuote).toBeGreaterThan(990_000);
    const before = await book();
    expect(before.holdings.delta).toBe(0);
    expect(before.band.status).toBe('breach');

    // Propose with key A; key A may not approve its own ticket.
    const proposed = await t.call('POST', '/api/tickets', { key: t.keys.trader, body: { mode: 'dynamic' } });
    expect(proposed.status).toBe(201);
    const ticket = proposed.json.content.ticket;
    expect(ticket.legs.length).toBeGreaterThan(1);
    // The ticket was priced on the net book the stream shows.
    closeRelative(ticket.before.delta, before.net.delta, before.net.delta);
    closeRelative(ticket.before.gamma, before.net.gamma, before.net.gamma);
    const id = proposed.json.id as string;
    const self = await t.call('POST', `/api/tickets/${id}/approve`, { key: t.keys.trader, body: {} });
    expect(self.status).toBe(409);
    expect(self.json.error).toBe('four-eyes');
    const approved = await t.call('POST', `/api/tickets/${id}/approve`, { key: secondTrader, body: {} });
    expect(approved.status).toBe(200);
    expect(approved.json.status).toBe('approved');

    // A partial fill of the first leg, then the rest as ticketed.
    const leg = ticket.legs[0];
    const sign = leg.side === 'buy' ? 1 : -1;
    const half = Math.max(0.1, Math.round(leg.contracts / 2 / 0.1) * 0.1);
    const partial = await t.call('POST', `/api/tickets/${id}/executed`, {
      key: t.keys.trader,
      body: { fills: [{ instrument: leg.instrument, contracts: sign * half, price: leg.limitPrice, feeQuote: 1 }] },
    });
    expect(partial.status).toBe(200);
    expect(partial.json.status).toBe('partially-executed');
    const midway = await book();
    expect(midway.holdings.delta).not.toBe(0);
    const rest = await t.call('POST', `/api/tickets/${id}/executed`, { key: t.keys.trader });
    expect(rest.status).toBe(200);
    expect(rest.json.status).toBe('executed');

    // What is held is what the ticket traded, leg for leg.
    const holdings = (await t.call('GET', '/api/holdings', { key: t.keys.viewer })).json.holdings as Json[];
    for (const l of ticket.legs) {
      const h = holdings.find((x) => x.instrument === l.instrument)!;
      expect(h.netContracts).toBeCloseTo((l.side === 'buy' ? 1 : -1) * l.contracts, 9);
    }

    // The net book is the ticket's `after`; the band is inside; nothing left to trade.
    const after = await book();
    closeRelative(after.net.delta, ticket.after.delta, ticket.before.delta);
    closeRelative(after.net.gamma, ticket.after.gamma, ticket.before.gamma);
    closeRelative(after.net.vegaPerUnitVol, ticket.after.vega, ticket.after.vega);
    expect(after.band.status).toBe('inside');
    expect(after.toTrade.contracts).toBe(0);
    const again = await t.call('POST', '/api/tickets', { key: t.keys.trader, body: { mode: 'dynamic' } });
    expect(again.status).toBe(201);
    expect(again.json.content.ticket.legs).toEqual([]);
    expect(again.json.content.ticket.warnings.map((w: Json) => w.code)).toContain('within-tolerance');

    // The market moves until the band breaches; the next ticket is sized on the net book, not from zero.
    let moved = after;
    for (let i = 0; i < 40 && moved.band.status !== 'breach'; i++) {
      t.feed.pushMove(1.01);
      moved = await book();
    }
    expect(moved.band.status).toBe('breach');
    const next = await t.call('POST', '/api/tickets', { key: t.keys.trader, body: { mode: 'dynamic' } });
    expect(next.status).toBe(201);
    const n = next.json.content.ticket;
    closeRelative(n.before.delta, moved.net.delta, moved.net.delta);
    // From zero it would have to hedge the whole LP delta again; on the net book only the move since.
    expect(Math.abs(n.before.delta)).toBeLessThan(Math.abs(moved.lp.delta) / 2);
  });
});
