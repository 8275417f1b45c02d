/**
 * `POST /api/backtest` on a real service on loopback: the lab's JSON for a window of the packaged ETH history,
 * checked against closed forms (the unhedged v2 IL is -(L/sqrt P0)(sqrt P - sqrt P0)^2 at the window's last
 * close, read from the CSV here), the total as the sum of its parts, zero fees at a zero fee APR, and named 400s.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type Json, type TestService } from './helpers.js';
import { BACKTEST_QUEUE_MAX, BacktestRunner } from '../../src/service/backtests.js';
import { backtestBodySchema } from '../../src/service/routes/lab.js';

let t: TestService;
const FROM = '2023-06-01T00:00:00Z';
const TO = '2023-06-30T23:00:00Z';

/** The closes of the packaged Binance ETHUSDT history inside [FROM, TO]. */
function closes(): number[] {
  const lines = readFileSync('test/fixtures/history/binance_spot_ethusdt_1h_2022-07_2023-06.csv', 'utf8')
    .trim()
    .split('\n');
  const header = lines[0]!.split(',');
  const ti = header.indexOf('timestamp');
  const ci = header.indexOf('close');
  return lines
    .slice(1)
    .map((l) => l.split(','))
    .filter((c) => Date.parse(c[ti]!) >= Date.parse(FROM) && Date.parse(c[ti]!) <= Date.parse(TO))
    .map((c) => Number(c[ci]));
}

beforeAll(async () => {
  t = await startTestService();
});
afterAll(async () => {
  await t.handle.close();
});

describe('POST /api/backtest', () => {
  it('runs the lab on the packaged history: the unhedged IL in closed form, totals that add up, fees earned', async () => {
    const { status, json } = await t.call('POST', '/api/backtest', {
      key: t.keys.viewer,
      body: {
        from: FROM,
        to: TO,
        position: { model: 'v2', depositValue: 100_000 },
        policies: ['unhedged', 'perp-time'],
      },
    });
    expect(status, JSON.stringify(json)).toBe(200);
    expect(json.kind).toBe('backtest');
    expect(json.policies.map((p: Json) => p.policy)).toEqual(['unhedged', 'perp-time']);
    const prices = closes();
    const p0 = prices[0]!;
    const pEnd = prices.at(-1)!;
    const position = json.positions[0];
    expect(position.model).toBe('v2');
    expect(position.entryPrice).toBe(p0);
    const L = position.liquidity;
    expect(2 * L * Math.sqrt(p0)).toBeCloseTo(100_000, 6);
    const unhedged = json.policies[0];
    expect(unhedged.il).toBeCloseTo(-(L / Math.sqrt(p0)) * (Math.sqrt(pEnd) - Math.sqrt(p0)) ** 2, 6);
    expect(unhedged.hedgePnl).toBe(0);
    expect(unhedged.trades).toBe(0);
    for (const p of json.policies) {
      expect(p.total).toBeCloseTo(p.il + p.fees + p.hedgePnl + p.funding + p.costs, 6);
      expect(p.fees).toBeGreaterThan(0);
      expect(p.fees).toBe(unhedged.fees);
      for (const k of ['sd', 'var95', 'cvar95', 'var99', 'cvar99', 'worstDrawdown']) expect(typeof p[k]).toBe('number');
    }
    expect(json.policies[1].trades).toBeGreaterThan(0);
    expect(json.assumptions.join('\n')).toMatch(/fee growth/);
    // The plot series: sampled, first and last steps kept, the last total the policy's total.
    expect(json.series.timesMs[0]).toBe(Date.parse(FROM));
    expect(json.series.timesMs.at(-1)).toBe(Date.parse(TO));
    expect(json.series.prices.at(-1)).toBe(pEnd);
    expect(json.series.totals[0].values.at(-1)).toBeCloseTo(unhedged.total, 6);
    expect(json.series.timesMs.length).toBeLessThanOrEqual(401);
  });

  it('fees at a stated APR: zero at zero', async () => {
    const { status, json } = await t.call('POST', '/api/backtest', {
      key: t.keys.viewer,
      body: { from: FROM, to: TO, fees: 'apr', feeApr: 0, vol: 0.6, fundingApr: 0, policies: ['unhedged'] },
    });
    expect(status, JSON.stringify(json)).toBe(200);
    expect(json.policies[0].fees).toBe(0);
    expect(json.assumptions.join('\n')).toMatch(/--fee-apr 0/);
  });

  it('refuses bad input with the field named, and needs a key', async () => {
    const bad = async (body: unknown) => (await t.call('POST', '/api/backtest', { key: t.keys.viewer, body })).json;
    expect((await bad({ position: { depositValue: -1 } })).message).toMatch(/^body\.position\.depositValue/);
    expect((await bad({ policies: ['nope'] })).message).toMatch(/^body\.policies\.0/);
    expect((await bad({ from: TO, to: FROM })).message).toMatch(/^body\.to/);
    const narrow = await t.call('POST', '/api/backtest', {
      key: t.keys.viewer,
      body: { from: '2030-01-01T00:00:00Z', policies: ['unhedged'] },
    });
    expect(narrow.status).toBe(400);
    expect(narrow.json.error).toBe('invalid-input');
    expect(narrow.json.message).toMatch(/^body\.from/);
    expect((await t.call('POST', '/api/backtest', { key: null, body: {} })).status).toBe(401);
  });
});

describe('a position with a fee estimate through the API', () => {
  it('is stored with its carry; the book shows its fee income as theta; its ticket states fees against LVR', async () => {
    const spec = {
      kind: 'lp',
      label: 'carry test',
      model: 'v3',
      lower: 70_000,
      upper: 82_000,
      price: 75_800,
      depositValue: 500_000,
      feeTier: 3000,
      carry: { feeApr: 0.25, inRangeFraction: 0.8 },
    };
    const bad = await t.call('POST', '/api/positions', {
      key: t.keys.admin,
      body: { ...spec, carry: { poolHistory: { windowDays: 7, volumeQuote: 1e8, activeLiquidity: 1 } } },
    });
    expect(bad.status).toBe(400);
    expect(bad.json.message).toMatch(/carry\.poolHistory\.activeLiquidity/);
    const created = await t.call('POST', '/api/positions', { key: t.keys.admin, body: spec });
    expect(created.status, JSON.stringify(created.json)).toBe(201);
    expect(created.json.carry).toEqual(spec.carry);
    const id = created.json.id;
    let state: Json;
    for (let i = 0; i < 50 && !state?.lp; i++) {
      await new Promise((r) => setTimeout(r, 100));
      state = (await t.call('GET', '/api/book', { key: t.keys.viewer })).json.positions.find(
        (p: Json) => p.positionId === id,
      );
    }
    expect(state.lp.thetaPerYear).toBeCloseTo(0.25 * 0.8 * state.lp.valueQuote, 6);
    const proposed = await t.call('POST', '/api/tickets', {
      key: t.keys.trader,
      body: { mode: 'dynamic', positionIds: [id] },
    });
    expect(proposed.status, JSON.stringify(proposed.json)).toBe(201);
    const carry = proposed.json.content.ticket.carry;
    const years = carry.horizonDays / 365;
    expect(carry.thetaBasis).toBe('fees-minus-lvr');
    expect(carry.expectedFeesQuote).toBeCloseTo(0.25 * 0.8 * carry.lpValueQuote * years, 6);
    expect(carry.netQuote.hedged).toBeCloseTo(carry.expectedFeesQuote - carry.hedgeCostQuote - carry.lvrLeftQuote, 6);
    expect(carry.assumptions.join('\n')).toMatch(/in range 0\.8 of the time/);
  });
});

describe('backtests off the event loop', () => {
  const body = backtestBodySchema.parse({
    from: FROM,
    to: TO,
    position: { model: 'v3', rangeWidth: 0.5, depositValue: 100_000 },
    policies: ['unhedged', 'perp-band'],
  });

  it('runs in a worker thread (the build is there) and answers exactly what the route computes in-thread', async () => {
    const threaded = new BacktestRunner();
    expect(threaded.threaded).toBe(true);
    const inWorker = await threaded.run(body);
    const inThread = await new BacktestRunner(null).run(body);
    expect(inWorker).toEqual(inThread);
  });

  it("brings a lab error back across the thread with its registered code, and bounds the queue with 'backtest-busy'", async () => {
    const runner = new BacktestRunner();
    const bad = backtestBodySchema.parse({ from: '2030-01-01T00:00:00Z', policies: ['unhedged'] });
    const error = await runner.run(bad).then(
      () => null,
      (e: unknown) => e as { code: string; message: string },
    );
    expect(error?.code).toBe('invalid-input');
    expect(error?.message).toMatch(/^body\.from: /);
    const runs = Array.from({ length: BACKTEST_QUEUE_MAX + 2 }, () =>
      runner.run(body).then(
        () => 'ran',
        (e: { code?: string }) => e.code ?? 'other',
      ),
    );
    const outcomes = await Promise.all(runs);
    expect(outcomes.filter((o) => o === 'ran')).toHaveLength(BACKTEST_QUEUE_MAX + 1);
    expect(outcomes.at(-1)).toBe('backtest-busy');
  }, 120_000);
});
