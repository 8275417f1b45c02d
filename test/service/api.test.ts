import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService } from './helpers.js';
import { createLogger } from '../../src/service/server.js';
import type { TestService } from './helpers.js';

let t: TestService;
let positionIds: string[];
let v3Id: string;

beforeAll(async () => {
  t = await startTestService();
  const positions: { id: string; model: string }[] = (await t.call('GET', '/api/positions')).json.positions;
  positionIds = positions.map((p) => p.id);
  v3Id = positions.find((p) => p.model === 'v3')!.id;
});
afterAll(async () => {
  await t.handle.close();
});

describe('auth', () => {
  it('lets /health through without a key', async () => {
    const r = await t.call('GET', '/health', { key: null });
    expect(r.status).toBe(200);
    expect(r.json.status).toBe('ok');
  });

  it('answers 401 without a key or with a bad one, on every protected route family', async () => {
    for (const [method, path] of [
      ['GET', '/ready'],
      ['GET', '/metrics'],
      ['GET', '/openapi.json'],
      ['GET', '/api/positions'],
      ['GET', '/api/book'],
      ['POST', '/api/tickets'],
      ['GET', '/api/market/deribit/BTC'],
    ] as const) {
      expect((await t.call(method, path, { key: null })).status, `${method} ${path}`).toBe(401);
      const forged = 'ilh_0123456789_' + 'A'.repeat(43);
      expect((await t.call(method, path, { key: forged })).status, `${method} ${path} forged`).toBe(401);
    }
  });

  it('answers 403 to a role below the route', async () => {
    const ticket = await t.call('POST', '/api/tickets', { key: t.keys.viewer, body: { positionIds, mode: 'dynamic' } });
    expect(ticket.status).toBe(403);
    const position = await t.call('POST', '/api/positions', {
      key: t.keys.trader,
      body: { kind: 'lp', model: 'v2', price: 1, depositValue: 1 },
    });
    expect(position.status).toBe(403);
    expect((await t.call('GET', '/api/keys', { key: t.keys.trader })).status).toBe(403);
    // Higher roles include lower ones.
    expect((await t.call('GET', '/api/book', { key: t.keys.trader })).status).toBe(200);
    expect((await t.call('GET', '/api/book', { key: t.keys.admin })).status).toBe(200);
  });

  it('stops accepting a revoked key', async () => {
    const created = await t.call('POST', '/api/keys', { body: { role: 'viewer', label: 'temp' } });
    expect(created.status).toBe(201);
    const key: string = created.json.key;
    expect((await t.call('GET', '/api/book', { key })).status).toBe(200);
    expect((await t.call('DELETE', `/api/keys/${created.json.id}`)).status).toBe(204);
    expect((await t.call('GET', '/api/book', { key })).status).toBe(401);
    const listed = await t.call('GET', '/api/keys');
    expect(JSON.stringify(listed.json)).not.toContain(key);
  });
});

describe('logs', () => {
  it('never carry a key: not from the header, not from a token query parameter', async () => {
    const lines: string[] = [];
    const logged = await startTestService({
      logger: createLogger('debug', { write: (line: string) => void lines.push(line) }),
    });
    try {
      await logged.call('GET', '/api/book', { key: logged.keys.viewer });
      await logged.call('GET', `/api/book?token=${logged.keys.admin}`, { key: null });
      await logged.call('POST', '/api/tickets', { key: logged.keys.trader, raw: '{bad' });
      await logged.call('GET', '/api/keys', { key: logged.keys.viewer });
    } finally {
      await logged.handle.close();
    }
    const text = lines.join('');
    expect(lines.filter((l) => l.includes('"msg":"request"')).length).toBe(4);
    for (const key of Object.values(logged.keys)) {
      expect(text).not.toContain(key);
      expect(text).not.toContain(key.split('_').slice(2).join('_'));
    }
    expect(text).toContain('token=[Redacted]');
  });
});

describe('validation', () => {
  it('names the field of a malformed body', async () => {
    const bad = await t.call('POST', '/api/positions', {
      body: { kind: 'lp', model: 'v3', lower: 'low', upper: 2, price: 1, depositValue: 1 },
    });
    expect(bad.status).toBe(400);
    expect(bad.json.message).toContain('body.lower');
    const mode = await t.call('POST', '/api/tickets', { key: t.keys.trader, body: { positionIds, mode: 'sometimes' } });
    expect(mode.status).toBe(400);
    expect(mode.json.message).toContain('body.mode');
    const extra = await t.call('POST', '/api/tickets', {
      key: t.keys.trader,
      body: { positionIds, mode: 'static', urgent: true },
    });
    expect(extra.status).toBe(400);
    expect(extra.json.message).toContain('urgent');
    const empty = await t.call('POST', '/api/tickets', {
      key: t.keys.trader,
      body: { positionIds: [], mode: 'static' },
    });
    expect(empty.status).toBe(400);
    expect(empty.json.message).toContain('body.positionIds');
  });

  it('rejects malformed JSON, oversized bodies and bad query values with 4xx naming the part', async () => {
    const json = await t.call('POST', '/api/tickets', { key: t.keys.trader, raw: '{"positionIds": [' });
    expect(json.status).toBe(400);
    expect(json.json.message).toContain('body');
    const big = await t.call('POST', '/api/positions', { raw: JSON.stringify({ name: 'x'.repeat(200_000) }) });
    expect(big.status).toBe(413);
    const limit = await t.call('GET', '/api/tickets?limit=ten');
    expect(limit.status).toBe(400);
    expect(limit.json.message).toContain('query.limit');
  });

  it('refuses an inverted v3 range, naming upper', async () => {
    const r = await t.call('POST', '/api/positions', {
      body: { kind: 'lp', model: 'v3', lower: 80_000, upper: 70_000, price: 75_000, depositValue: 1 },
    });
    expect(r.status).toBe(400);
    expect(r.json.message).toContain('body.upper');
  });
});

describe('positions', () => {
  it('creates, reads, replaces and deletes a position, with an audit trail', async () => {
    const spec = {
      kind: 'lp',
      label: 'BTC v3 60k-90k',
      underlying: 'BTC',
      model: 'v3',
      lower: 60_000,
      upper: 90_000,
      price: 75_000,
      depositValue: 50_000,
    };
    const created = await t.call('POST', '/api/positions', { body: spec });
    expect(created.status).toBe(201);
    expect(created.json.venue).toBe('deribit');
    const id = created.json.id;
    const got = await t.call('GET', `/api/positions/${id}`, { key: t.keys.viewer });
    expect(got.json.position.label).toBe(spec.label);
    // In range, a v3 LP is long the base: positive delta, negative gamma, and the hedge sells the perp.
    expect(got.json.hedge.lp.delta).toBeGreaterThan(0);
    expect(got.json.hedge.lp.gamma).toBeLessThan(0);
    expect(got.json.hedge.toTrade.contracts).toBeLessThan(0);
    const put = await t.call('PUT', `/api/positions/${id}`, { body: { ...spec, depositValue: 100_000 } });
    expect(put.status).toBe(200);
    expect(put.json.version).toBe(2);
    const after = await t.call('GET', `/api/positions/${id}`);
    // Delta scales with the notional.
    expect(after.json.hedge.lp.delta / got.json.hedge.lp.delta).toBeCloseTo(2, 9);
    expect((await t.call('DELETE', `/api/positions/${id}`)).status).toBe(204);
    expect((await t.call('GET', `/api/positions/${id}`)).status).toBe(404);
    expect((await t.call('DELETE', `/api/positions/${id}`)).status).toBe(404);
    const audit = await t.call('GET', '/api/audit?limit=50');
    const actions = audit.json.entries
      .filter((e: { target: string }) => e.target === id)
      .map((e: { action: string }) => e.action);
    expect(actions).toEqual(['position.delete', 'position.update', 'position.create']);
  });

  it("serves payoff curves where the hedge (the ticket engine's suggestion) flattens the LP around the price", async () => {
    // The suggestion comes from the ticket MIP, solved off the tick: wait for it; the next tick shows it.
    await t.handle.context.desk.idle();
    t.feed.push();
    const r = await t.call('GET', `/api/positions/${v3Id}/payoff`, { key: t.keys.viewer });
    expect(r.status).toBe(200);
    const { prices, lp, hodl, hedged, strikes, currentPrice } = r.json;
    expect(prices.length).toBe(lp.length);
    expect(hodl.length).toBe(lp.length);
    expect(strikes.length).toBeGreaterThan(0);
    for (const k of strikes) expect(k >= 60_000 && k <= 90_000).toBe(true);
    // Delta-gamma hedged: within 3% of the price the hedged value moves far less than the LP's.
    const near = prices
      .map((p: number, i: number) => [p, i] as const)
      .filter(([p]: readonly [number, number]) => Math.abs(p / currentPrice - 1) <= 0.03);
    const swing = (xs: number[]) => Math.max(...xs) - Math.min(...xs);
    const lpSwing = swing(near.map(([, i]: readonly [number, number]) => lp[i]));
    const hedgedSwing = swing(near.map(([, i]: readonly [number, number]) => hedged[i]));
    expect(lpSwing).toBeGreaterThan(1000);
    expect(hedgedSwing).toBeLessThan(0.1 * lpSwing);
  });
});

describe('tickets', () => {
  it('runs the full lifecycle with enforced transitions and who did it', async () => {
    const created = await t.call('POST', '/api/tickets', {
      key: t.keys.trader,
      body: { positionIds, mode: 'dynamic' },
    });
    expect(created.status).toBe(201);
    expect(created.json.status).toBe('proposed');
    expect(created.json.intact).toBe(true);
    const id = created.json.id;
    const legs = created.json.content.ticket.legs;
    expect(legs.some((l: { kind: string }) => l.kind === 'perp')).toBe(true);

    // Not executable before approval.
    const early = await t.call('POST', `/api/tickets/${id}/executed`, { key: t.keys.trader, body: {} });
    expect(early.status).toBe(409);
    // Four-eyes: the proposing key cannot approve; another key (here the admin's) can.
    const own = await t.call('POST', `/api/tickets/${id}/approve`, { key: t.keys.trader, body: { note: 'mine' } });
    expect(own.status).toBe(409);
    expect(own.json.error).toBe('four-eyes');
    const approved = await t.call('POST', `/api/tickets/${id}/approve`, {
      key: t.keys.admin,
      body: { note: 'ok by desk' },
    });
    expect(approved.status).toBe(200);
    expect(approved.json.status).toBe('approved');
    expect((await t.call('POST', `/api/tickets/${id}/reject`, { key: t.keys.trader, body: {} })).status).toBe(409);
    // No body: filled as ticketed, every leg at its limit price.
    const executed = await t.call('POST', `/api/tickets/${id}/executed`, { key: t.keys.trader });
    expect(executed.status).toBe(200);
    expect(executed.json.fills).toHaveLength(legs.length);
    const history = executed.json.history.map((h: { from: string | null; to: string; actor: string }) => [
      h.from,
      h.to,
      h.actor,
    ]);
    const traderId = t.keys.trader.split('_')[1];
    const adminId = t.keys.admin.split('_')[1];
    expect(history).toEqual([
      [null, 'proposed', `key:${traderId}`],
      ['proposed', 'approved', `key:${adminId}`],
      ['approved', 'executed', `key:${traderId}`],
    ]);
    expect(executed.json.history[1].note).toMatch(/^ok by desk; re-priced at approval: /);

    const again = await t.call('GET', `/api/tickets/${id}`, { key: t.keys.viewer });
    expect(again.json.content).toEqual(created.json.content);
    expect(again.json.status).toBe('executed');
    const listed = await t.call('GET', '/api/tickets?status=executed', { key: t.keys.viewer });
    expect(listed.json.tickets.map((x: { id: string }) => x.id)).toContain(id);
  });

  it('rejects a proposed ticket and then refuses every further move', async () => {
    const created = await t.call('POST', '/api/tickets', {
      key: t.keys.trader,
      body: { positionIds: [positionIds[0]], mode: 'static' },
    });
    const id = created.json.id;
    expect((await t.call('POST', `/api/tickets/${id}/reject`, { key: t.keys.trader })).json.status).toBe('rejected');
    for (const verb of ['approve', 'reject', 'executed']) {
      expect((await t.call('POST', `/api/tickets/${id}/${verb}`, { key: t.keys.trader })).status).toBe(409);
    }
    expect((await t.call('POST', `/api/tickets/nope/approve`, { key: t.keys.trader })).status).toBe(404);
  });

  it('names the unknown position of a ticket request', async () => {
    const r = await t.call('POST', '/api/tickets', {
      key: t.keys.trader,
      body: { positionIds: [positionIds[0], 'ghost'], mode: 'static' },
    });
    expect(r.status).toBe(404);
    expect(r.json.message).toContain('body.positionIds.1');
  });
});

describe('market, readiness, metrics, OpenAPI', () => {
  it('serves the chain in use with its age and source', async () => {
    const r = await t.call('GET', '/api/market/deribit/BTC', { key: t.keys.viewer });
    expect(r.status).toBe(200);
    expect(r.json.source).toBe('scripted');
    // The adapters' normalised snapshot itself: the 878 options of the built-in chain in 11 expiries.
    const chains = r.json.chain.chains as { options: unknown[] }[];
    expect(chains.length).toBe(11);
    expect(chains.reduce((n, c) => n + c.options.length, 0)).toBe(878);
    expect(r.json.ageMs).toBeGreaterThanOrEqual(0);
    expect((await t.call('GET', '/api/market/okx/ETH')).status).toBe(404);
  });

  it('is ready while the feed is connected and fresh, and not when it is down', async () => {
    await t.feed.start();
    t.feed.push();
    expect((await t.call('GET', '/ready', { key: t.keys.viewer })).status).toBe(200);
    t.feed.setConnected(false);
    const down = await t.call('GET', '/ready', { key: t.keys.viewer });
    expect(down.status).toBe(503);
    expect(down.json.feeds[0].connected).toBe(false);
    t.feed.setConnected(true);
  });

  it('exposes Prometheus metrics', async () => {
    const r = await t.call('GET', '/metrics', { key: t.keys.viewer });
    expect(r.status).toBe(200);
    expect(r.text).toContain('ilhedge_http_requests_total');
    expect(r.text).toContain('ilhedge_tickets_total');
  });

  it('publishes an OpenAPI 3.1 document generated from the validating schemas', async () => {
    const r = await t.call('GET', '/openapi.json', { key: t.keys.viewer });
    expect(r.json.openapi).toBe('3.1.0');
    const post = r.json.paths['/api/tickets'].post;
    const schema = post.requestBody.content['application/json'].schema;
    expect(schema.properties.mode.enum).toEqual(['dynamic', 'static']);
    // positionIds may be left out: every LP position of the one market.
    expect(schema.required).toEqual(['mode']);
    expect(post['x-required-role']).toBe('trader');
    const pos = r.json.paths['/api/positions'].post.requestBody.content['application/json'].schema;
    // An LP spec or a venue balance (collateral, whose venue is required: a balance is held on one venue).
    const [lpSpec, balance] = pos.oneOf ?? pos.anyOf;
    expect(balance.properties.kind.const).toBe('balance');
    expect(balance.required).toEqual(expect.arrayContaining(['kind', 'venue', 'currency']));
    // One branch per LP model; `venue` falls back to the desk's market, so it is optional on input.
    const branches = (lpSpec.oneOf ?? lpSpec.anyOf) as {
      required: string[];
      properties: { model: { const: string } };
    }[];
    expect(branches.map((b) => b.properties.model.const).sort()).toEqual(['v2', 'v3', 'weighted']);
    for (const b of branches) {
      expect(b.required).not.toContain('venue');
      expect(b.required).toContain('price');
    }
    expect(r.json.paths['/api/tickets/{id}/approve'].post.parameters[0]).toMatchObject({
      name: 'id',
      in: 'path',
      required: true,
    });
    expect(r.json.paths['/health'].get.security).toEqual([]);
  });
});
