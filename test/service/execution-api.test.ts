/**
 * Execution end to end on loopback through the desk API: a ticket proposed, approved by a second key, executed by
 * a key other than its proposer (four-eyes) in `testnet` mode through ccxt against the fake Deribit, with partial
 * fills and one re-price; afterwards the holdings equal the venue's fills, `toTrade` is zero and no client order id
 * was sent twice. The kill switch over HTTP (admin only). And the default, `dry-run`: filled at the book's prices
 * with the fee tables' fees, marked dry-run in the orders and the ticket's response, nothing in the ledger.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { register as registerExecute } from '../../src/cli/commands/execute.js';
import { parseClientOrderId } from '../../src/service/execution/clientOrderId.js';
import { optionQuoteFee } from '../../adapters/venues/fees/index.js';
import { findQuote } from '../../hedging/book.js';
import type { OptionQuote } from '../../adapters/model.js';
import { createExecutionService } from '../../src/service/execution/service.js';
import { applyOrdersMigration } from '../../src/service/execution/orderStore.js';
import { marketViewOf } from '../../src/service/execution/market.js';
import type { FakeDeribit } from '../helpers/fakeDeribit.js';
import { startTestnetService, type TestnetService } from './testnetService.js';
import { runCommandInProcess } from '../cli/runCli.js';
import { builtinMarket, startTestService, type Json, type TestService } from './helpers.js';

const credentials = { apiKey: 'e2e-key', secret: 'e2e-secret' };
let fake: FakeDeribit;
let t: TestService;
let trader2: string;

let testnet: TestnetService;

beforeAll(async () => {
  testnet = await startTestnetService(
    credentials,
    {
      fillTimeoutMs: 300,
      pollIntervalMs: 30,
      maxReprices: 2,
      priceToleranceFraction: 0.05,
      collarFraction: 0.25,
    },
    120_000,
  );
  ({ fake, t, trader2 } = testnet);
});
afterAll(() => testnet.close());

async function book(s: TestService): Promise<Json> {
  const r = await s.call('GET', '/api/book', { key: s.keys.viewer });
  expect(r.status).toBe(200);
  return r.json.book.byUnderlying['deribit/BTC'];
}

describe('execution over the API (testnet through ccxt, fake Deribit)', () => {
  it('executes an approved ticket with partial fills and one re-price; holdings = venue fills, toTrade 0', async () => {
    const before = await book(t);
    expect(before.toTrade.contracts).not.toBe(0);
    const proposed = await t.call('POST', '/api/tickets', { key: t.keys.trader, body: { mode: 'dynamic' } });
    expect(proposed.status, proposed.text).toBe(201);
    const id = proposed.json.id as string;
    const legs = proposed.json.legs as Json[];
    const perpIndex = legs.findIndex((l) => l.kind === 'perp');
    expect(perpIndex).toBeGreaterThanOrEqual(0);
    // The option leg with the most contracts fills half at first, then the rest once re-priced.
    const options = legs.map((l, i) => ({ l, i })).filter((x) => x.l.kind === 'option');
    const split = options.sort((a, b) => b.l.contracts - a.l.contracts)[0]!;
    expect(split.l.contracts).toBeGreaterThanOrEqual(0.2);
    const half = Math.round(split.l.contracts / 2 / 0.1) * 0.1;
    fake.onPlace = (order) => {
      const { legIndex, attempt } = parseClientOrderId(order.label)!;
      if (legIndex === split.i && attempt === 0) return { fill: half };
      return { fill: order.amount };
    };

    const early = await t.call('POST', `/api/tickets/${id}/execute`, { key: trader2, body: { wait: true } });
    expect(early.status).toBe(409);
    expect(early.json.error).toBe('conflict');
    expect(early.json.message).toContain('is proposed: only an approved or partially executed ticket is executed');
    const approved = await t.call('POST', `/api/tickets/${id}/approve`, { key: trader2, body: {} });
    expect(approved.status, approved.text).toBe(200);
    const self = await t.call('POST', `/api/tickets/${id}/execute`, { key: t.keys.trader, body: { wait: true } });
    expect(self.status).toBe(409);
    expect(self.json.error).toBe('four-eyes');
    const viewer = await t.call('POST', `/api/tickets/${id}/execute`, { key: t.keys.viewer, body: { wait: true } });
    expect(viewer.status).toBe(403);

    const r = await t.call('POST', `/api/tickets/${id}/execute`, { key: trader2, body: { wait: true } });
    expect(r.status, r.text).toBe(200);
    expect(r.json.execution).toMatchObject({
      ticketId: id,
      mode: 'testnet',
      dryRun: false,
      outcome: 'filled',
      reason: null,
    });
    expect(r.json.ticket).toMatchObject({ id, status: 'executed', execution: { mode: 'testnet', dryRun: false } });
    // One re-price: the split leg took two orders, the first cancelled after its partial fill.
    const splitOrders = (r.json.execution.orders as Json[]).filter((o) => o.legIndex === split.i);
    expect(splitOrders.map((o) => [o.attempt, o.state])).toEqual([
      [0, 'cancelled'],
      [1, 'filled'],
    ]);
    expect(splitOrders[0].filledContracts).toBeCloseTo(half, 9);
    expect(splitOrders[0].events.map((e: Json) => e.to)).toEqual(['new', 'partially-filled', 'cancelled']);
    // Options went first, the perp last.
    const orderOfLegs = (r.json.execution.orders as Json[]).map((o) => o.legIndex);
    expect(orderOfLegs.at(-1)).toBe(perpIndex);

    // The holdings are the venue's fills, instrument by instrument.
    const holdings = (await t.call('GET', '/api/holdings', { key: t.keys.viewer })).json.holdings as Json[];
    for (const leg of legs) {
      const venue = fake.trades
        .filter((tr) => tr.instrument_name === leg.instrument)
        .reduce(
          (s, tr) =>
            s +
            (tr.instrument_name === 'BTC-PERPETUAL' ? tr.amount / 10 : tr.amount) * (tr.direction === 'buy' ? 1 : -1),
          0,
        );
      const h = holdings.find((x) => x.instrument === leg.instrument)!;
      expect(h.netContracts).toBeCloseTo(venue, 9);
      expect(h.netContracts).toBeCloseTo((leg.side === 'buy' ? 1 : -1) * leg.contracts, 9);
    }
    const after = await book(t);
    expect(after.toTrade.contracts).toBe(0);
    expect(fake.duplicateLabels()).toEqual([]);
    expect(fake.placeCalls.length).toBe(legs.length + 1);

    const listed = await t.call('GET', `/api/orders?ticketId=${id}`, { key: t.keys.viewer });
    expect(listed.status).toBe(200);
    expect(listed.json.orders).toHaveLength(legs.length + 1);
    expect(listed.json.execution).toMatchObject({ running: false, outcome: 'filled', error: null });
    expect(listed.json.halt.halted).toBe(false);
    const again = await t.call('POST', `/api/tickets/${id}/execute`, { key: trader2, body: { wait: true } });
    expect(again.status).toBe(409);
    const audit = (await t.call('GET', '/api/audit?limit=100')).json.entries as Json[];
    expect(audit.filter((e) => e.action === 'order.place')).toHaveLength(legs.length + 1);
    expect(audit.filter((e) => e.action === 'order.cancel')).toHaveLength(1);
  });

  it('halts (admin only): refuses execution until resumed', async () => {
    expect((await t.call('POST', '/api/execution/halt', { key: t.keys.trader, body: {} })).status).toBe(403);
    const halted = await t.call('POST', '/api/execution/halt', { body: { reason: 'drill' } });
    expect(halted.status, halted.text).toBe(200);
    expect(halted.json).toMatchObject({
      halted: true,
      cancelled: [],
      failures: [],
      halt: { halted: true, reason: 'drill' },
    });
    const proposed = await t.call('POST', '/api/tickets', { key: t.keys.trader, body: { mode: 'static' } });
    expect(proposed.status, proposed.text).toBe(201);
    await t.call('POST', `/api/tickets/${proposed.json.id}/approve`, { key: trader2, body: {} });
    const refused = await t.call('POST', `/api/tickets/${proposed.json.id}/execute`, {
      key: trader2,
      body: { wait: true },
    });
    expect(refused.status).toBe(409);
    expect(refused.json.error).toBe('execution-halted');
    const resumed = await t.call('POST', '/api/execution/resume', { body: {} });
    expect(resumed.status).toBe(200);
    expect(resumed.json.halt.halted).toBe(false);
    const doc = (await t.call('GET', '/openapi.json', { key: t.keys.viewer })).json;
    expect(doc.paths['/api/tickets/{id}/execute'].post['x-required-role']).toBe('trader');
    expect(doc.paths['/api/execution/halt'].post['x-required-role']).toBe('admin');
    expect(doc.paths['/api/orders'].get.parameters.map((p: Json) => p.name)).toEqual(['ticketId']);
  });
});

describe('dry run (the default)', () => {
  let d: TestService;
  beforeAll(async () => {
    d = await startTestService();
    await applyOrdersMigration(d.handle.store);
  });
  afterAll(async () => {
    await d.handle.context.execution?.close();
    await d.handle.close();
  });

  it('fills at the book prices with the fee tables, marks everything dry-run, and leaves the ledger alone', async () => {
    const second = (await d.handle.store.createApiKey('trader', 'test', 'second')).key;
    const proposed = await d.call('POST', '/api/tickets', { key: d.keys.trader, body: { mode: 'dynamic' } });
    expect(proposed.status, proposed.text).toBe(201);
    const id = proposed.json.id as string;
    expect((await d.call('POST', `/api/tickets/${id}/approve`, { key: second, body: {} })).status).toBe(200);
    const sentBefore = fake.placeCalls.length;
    const r = await d.call('POST', `/api/tickets/${id}/execute`, { key: second, body: { wait: true } });
    expect(r.status, r.text).toBe(200);
    expect(r.json.execution).toMatchObject({ mode: 'dry-run', dryRun: true, outcome: 'filled' });
    expect(r.json.ticket.execution).toEqual({ mode: 'dry-run', dryRun: true });
    expect(fake.placeCalls.length).toBe(sentBefore);
    const snapshot = await builtinMarket();
    for (const order of r.json.execution.orders as Json[]) {
      expect(order).toMatchObject({ mode: 'dry-run', dryRun: true, state: 'filled' });
      expect(order.id).toMatch(/^ilhd\./);
      const [fill] = order.fills as Json[];
      expect(fill.ledgerFillId).toBeNull();
      const quote = findQuote(snapshot, order.instrument)!;
      if (quote.kind === 'option') {
        const q = quote as OptionQuote;
        const ask = q.askSettle!;
        expect(fill.price).toBe(order.side === 'buy' ? ask : q.bidSettle);
        const fee = optionQuoteFee(q, fill.price * q.forward!, { role: 'taker' }).feeQuote * fill.contracts;
        expect(fill.feeQuote).toBeCloseTo(fee, 9);
      } else if (quote.kind === 'perp') {
        expect(fill.price).toBe(order.side === 'buy' ? quote.ask : quote.bid);
        // Deribit perp taker 0.05% of the base traded, in USD: contracts x 10 USD x 0.0005.
        expect(fill.feeQuote).toBeCloseTo(fill.contracts * 10 * 0.0005, 9);
      }
    }
    const ticket = (await d.call('GET', `/api/tickets/${id}`, { key: d.keys.viewer })).json;
    expect(ticket.status).toBe('approved');
    expect(ticket.fills).toEqual([]);
    expect((await d.call('GET', '/api/holdings', { key: d.keys.viewer })).json.holdings).toEqual([]);
    const twice = await d.call('POST', `/api/tickets/${id}/execute`, { key: second, body: { wait: true } });
    expect(twice.status).toBe(409);
    expect(twice.json.message).toContain('already executed as a dry run');
    // Without `wait` the execution answers 202 at once.
    const other = await d.call('POST', '/api/tickets', { key: d.keys.trader, body: { mode: 'static' } });
    await d.call('POST', `/api/tickets/${other.json.id}/approve`, { key: second, body: {} });
    const started = await d.call('POST', `/api/tickets/${other.json.id}/execute`, { key: second, body: {} });
    expect(started.status).toBe(202);
    expect(started.json).toEqual({ ticketId: other.json.id, mode: 'dry-run', dryRun: true, status: 'running' });
    let status: Json = null;
    for (let i = 0; i < 100; i++) {
      status = (await d.call('GET', `/api/orders?ticketId=${other.json.id}`, { key: d.keys.viewer })).json.execution;
      if (status && !status.running) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(status, JSON.stringify(status)).toMatchObject({ running: false, error: null, outcome: 'filled' });
  });

  it('`ilhedge execute` and `ilhedge halt` drive the same API over HTTP', async () => {
    const second = (await d.handle.store.createApiKey('trader', 'test', 'cli')).key;
    const proposed = await d.call('POST', '/api/tickets', { key: d.keys.trader, body: { mode: 'dynamic' } });
    await d.call('POST', `/api/tickets/${proposed.json.id}/approve`, { key: second, body: {} });
    const run = (args: string[]) =>
      runCommandInProcess(registerExecute, args).then(
        ({ stdout }) => ({ out: stdout, error: null as Error | null }),
        (error: Error & { stdout: string }) => ({ out: error.stdout, error: error as Error }),
      );
    const self = await run(['execute', proposed.json.id, '--url', d.url, '--key', d.keys.trader]);
    expect(self.error?.message).toMatch(/^four-eyes: ticket .* under four-eyes a different key must execute it$/);
    const ok = await run(['execute', proposed.json.id, '--url', d.url, '--key', second, '--poll-ms', '20']);
    expect(ok.error).toBeNull();
    expect(ok.out).toMatch(/mode\s+│?\s*dry-run \(dry run: nothing was sent\)/);
    expect(ok.out).toMatch(/outcome\s+│?\s*filled/);
    expect(ok.out).toContain('ilhd.');
    const noKey = await run(['halt', '--url', d.url]);
    expect(noKey.error?.message).toBe('--key: an API key is needed (or set ILHEDGE_API_KEY)');
    const halted = await run(['halt', '--url', d.url, '--key', d.keys.admin, '--json']);
    expect(JSON.parse(halted.out)).toMatchObject({ halted: true, halt: { halted: true } });
    const resumed = await run(['resume', '--url', d.url, '--key', d.keys.admin, '--json']);
    expect(JSON.parse(resumed.out).halt.halted).toBe(false);
  });

  it('never answers 5xx on its routes, whatever the id, body or key', async () => {
    const real = (await d.call('GET', '/api/tickets', { key: d.keys.viewer })).json.tickets.map((x: Json) => x.id);
    const routes = [
      ['POST', '/api/tickets/ID/execute'],
      ['GET', '/api/orders'],
      ['POST', '/api/execution/halt'],
      ['POST', '/api/execution/resume'],
    ] as const;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...routes),
        fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom(...real, '%00', 'a'.repeat(150))),
        fc.option(
          fc.oneof(
            fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v)),
            fc.constantFrom('{', '{"wait":true}', '{"wait":"yes"}', '{"reason":1}'),
          ),
          { nil: undefined },
        ),
        fc.constantFrom<'admin' | 'trader' | 'viewer' | null>('admin', 'trader', 'viewer', null),
        fc.dictionary(fc.constantFrom('ticketId', 'x'), fc.string({ maxLength: 8 }), { maxKeys: 2 }),
        async ([method, path], id, raw, who, q) => {
          const search = new URLSearchParams(q).toString();
          const r = await d.call(method, `${path.replace('ID', encodeURIComponent(id))}${search ? `?${search}` : ''}`, {
            key: who === null ? null : d.keys[who],
            ...(raw !== undefined && method === 'POST' ? { raw } : {}),
          });
          expect(r.status, `${method} ${path} ${id} -> ${r.status} ${r.text.slice(0, 200)}`).toBeLessThan(500);
        },
      ),
      { numRuns: 150 },
    );
    await d.call('POST', '/api/execution/resume', { body: {} });
  });

  it('has its tables on a fresh database (migration 5): no orders yet, the kill switch off', async () => {
    const bare = await startTestService();
    try {
      const r = await bare.call('GET', '/api/orders', { key: bare.keys.viewer });
      expect(r.status, JSON.stringify(r.json)).toBe(200);
      expect(r.json.orders).toEqual([]);
    } finally {
      await bare.handle.close();
    }
  });
});

describe('shutdown with an execution working', () => {
  it('close stops the execution at its next step and waits for its last writes before the store closes', async () => {
    const s = await startTestService();
    try {
      const exec = await createExecutionService({
        store: s.handle.store,
        market: marketViewOf(() => s.handle.hub.markets()),
        config: {
          venues: { deribit: { mode: 'testnet', restUrl: fake.restUrl, requestTimeoutMs: 2_000 } },
          // A minute to fill: only the stop can end this execution within the test.
          fillTimeoutMs: 60_000,
          pollIntervalMs: 30,
          maxReprices: 0,
          collarFraction: 0.25,
        },
        env: { ILHEDGE_DERIBIT_API_KEY: credentials.apiKey, ILHEDGE_DERIBIT_API_SECRET: credentials.secret },
        enableRateLimit: false,
      });
      const second = (await s.handle.store.createApiKey('trader', 'test', 'second trader')).key;
      const proposed = await s.call('POST', '/api/tickets', { key: s.keys.trader, body: { mode: 'dynamic' } });
      expect(proposed.status, proposed.text).toBe(201);
      const id = proposed.json.id as string;
      expect((await s.call('POST', `/api/tickets/${id}/approve`, { key: second, body: {} })).status).toBe(200);
      fake.onPlace = () => ({ fill: 0 });
      let settled = false;
      const run = exec.execute(id, 'key:second');
      run.then(
        () => (settled = true),
        () => (settled = true),
      );
      // Wait until the first order rests at the venue, then shut down.
      for (let i = 0; i < 200 && (await exec.orders.listOrders({ ticketId: id })).length === 0; i++) {
        await new Promise((r) => setTimeout(r, 20));
      }
      expect((await exec.orders.listOrders({ ticketId: id })).length).toBeGreaterThan(0);
      expect(settled).toBe(false);
      await exec.close();
      expect(settled).toBe(true);
    } finally {
      fake.onPlace = () => undefined;
      await s.handle.close();
    }
  }, 30_000);
});
