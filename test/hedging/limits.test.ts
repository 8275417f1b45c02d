import { beforeAll, describe, expect, it } from 'vitest';
import { loadMarketSnapshot, type LoadedSnapshot } from '../../adapters/index.js';
import { deskBook, deskPolicy, loadDeskConfig, type DeskConfig } from '../../src/config/deskConfig.js';
import {
  InfeasibleHedgeError,
  LimitInfeasibleError,
  hedgePolicySchema,
  makeTicket,
  vegaPerUnitVolToPerVolPoint,
  vegaPerVolPointToPerUnitVol,
  type HedgePolicyInput,
  type Ticket,
} from '../../hedging/index.js';

// Hard limits on the built-in Deribit chain with the v3 dynamic example (unconstrained: 9.2 + 0.2 puts, premium
// 8652.50 USD, vega 413.7 USD per vol point, the 5JUN 74000 put leg ~698k USD of notional, 25149 perp contracts).
let market: LoadedSnapshot;
let config: DeskConfig;
let free: Ticket;

function ticket(overrides: HedgePolicyInput, mode: 'dynamic' | 'static' = 'dynamic'): Promise<Ticket> {
  return makeTicket({
    positions: deskBook(config),
    market,
    asOfMs: market.asOfMs,
    mode,
    policy: deskPolicy(config),
    policyOverrides: overrides,
  });
}

async function refusal(
  overrides: HedgePolicyInput,
  mode: 'dynamic' | 'static' = 'dynamic',
): Promise<LimitInfeasibleError> {
  const error = await ticket(overrides, mode).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(LimitInfeasibleError);
  const e = error as LimitInfeasibleError;
  expect(e.code).toBe('limit-infeasible');
  expect(e).toBeInstanceOf(InfeasibleHedgeError);
  return e;
}

/** |base| x the leg's forward (options) or its price (the perp), USD. */
function notionalQuote(leg: Ticket['legs'][number], perpMark: number): number {
  return Math.abs(leg.baseAmount) * (leg.kind === 'option' ? leg.forward! : perpMark);
}

beforeAll(async () => {
  market = await loadMarketSnapshot({ venue: 'deribit', underlying: 'BTC', source: 'builtin' });
  config = loadDeskConfig('config/wbtc-usdc-v3-dynamic.json');
  free = await ticket({});
});

describe('hard limits are constraints of the optimiser', () => {
  it('premium: the optimiser pays at most maxPremiumQuote and picks another hedge to do so', async () => {
    const limit = 6000;
    expect(free.totals.premiumQuote).toBeGreaterThan(limit);
    const t = await ticket({ limits: { maxPremiumQuote: limit } });
    const optionPremium = t.legs.filter((l) => l.kind === 'option').reduce((s, l) => s + l.premiumQuote, 0);
    expect(optionPremium).toBeLessThanOrEqual(limit);
    expect(t.totals.premiumQuote).toBe(optionPremium);
    expect(Math.abs(t.residual.gamma)).toBeLessThanOrEqual(t.tolerance.gamma!);
    expect(t.warnings.some((w) => w.code === 'limit')).toBe(false);

    const e = await refusal({ limits: { maxPremiumQuote: 10 } });
    expect(e.field).toBe('policy.limits.maxPremiumQuote');
    expect(e.fields).toEqual(['policy.limits.maxPremiumQuote']);
    expect(e.message).toMatch(/^policy\.limits\.maxPremiumQuote \(10\): this limit cannot be met/);
  });

  it('vega per vol point: |vega after| / 100 stays within maxAbsVegaQuotePerVolPoint', async () => {
    const freeVolPoint = vegaPerUnitVolToPerVolPoint(Math.abs(free.after.vega));
    expect(freeVolPoint).toBeGreaterThan(400);
    const t = await ticket({ maxAbsVegaQuotePerVolPoint: 400 });
    expect(Math.abs(t.after.vega)).toBeLessThanOrEqual(vegaPerVolPointToPerUnitVol(400));
    expect(t.tolerance.vega).toBe(40_000);
    const e = await refusal({ maxAbsVegaQuotePerVolPoint: 300 });
    expect(e.field).toBe('policy.maxAbsVegaQuotePerVolPoint');
    expect(e.limits).toEqual([300]);
  });

  it('notional per leg: every leg, the perp included, is at most maxNotionalQuotePerLeg', async () => {
    const limit = 500_000;
    const perpMark = market.perp!.mark!;
    expect(Math.max(...free.legs.map((l) => notionalQuote(l, perpMark)))).toBeGreaterThan(limit);
    const t = await ticket({ limits: { maxNotionalQuotePerLeg: limit } });
    for (const leg of t.legs) expect(notionalQuote(leg, perpMark)).toBeLessThanOrEqual(limit);
    const options = t.legs.filter((l) => l.kind === 'option');
    expect(options.length).toBeGreaterThanOrEqual(2);
    const e = await refusal({ limits: { maxNotionalQuotePerLeg: 1000 } });
    expect(e.field).toBe('policy.limits.maxNotionalQuotePerLeg');
  });

  it('contracts per leg: every option leg is at most maxContractsPerLeg contracts', async () => {
    expect(Math.max(...free.legs.filter((l) => l.kind === 'option').map((l) => l.contracts))).toBeGreaterThan(5);
    const t = await ticket({ limits: { maxContractsPerLeg: 5 } });
    for (const leg of t.legs.filter((l) => l.kind === 'option')) expect(leg.contracts).toBeLessThanOrEqual(5);
    expect(Math.abs(t.residual.gamma)).toBeLessThanOrEqual(t.tolerance.gamma!);
    const e = await refusal({ limits: { maxContractsPerLeg: 0.2 } });
    expect(e.field).toBe('policy.limits.maxContractsPerLeg');
  });

  it('net delta after the hedge: |delta| <= maxAbsNetDeltaBase even against a wider target', async () => {
    const t = await ticket({
      target: { delta: 1 },
      tolerance: { deltaBase: 0.6 },
      limits: { maxAbsNetDeltaBase: 0.5 },
    });
    expect(Math.abs(t.after.delta)).toBeLessThanOrEqual(0.5);
    expect(t.after.delta).toBeGreaterThan(0.4);
    // Below the perp's lot (10 USD / 75795 = 1.3e-4 BTC) no whole-lot hedge can land inside.
    const e = await refusal({ limits: { maxAbsNetDeltaBase: 1e-6 } });
    expect(e.field).toBe('policy.limits.maxAbsNetDeltaBase');
  });

  it('net gamma after the hedge: |gamma| <= maxAbsNetGamma, tighter than the tolerance', async () => {
    expect(Math.abs(free.after.gamma)).toBeGreaterThan(1e-5);
    const t = await ticket({ limits: { maxAbsNetGamma: 1e-5 } });
    expect(Math.abs(t.after.gamma)).toBeLessThanOrEqual(1e-5);
    const e = await refusal({
      target: { gamma: 1e-4 },
      tolerance: { gammaAbsolute: 5e-5 },
      limits: { maxAbsNetGamma: 1e-5 },
    });
    expect(e.field).toBe('policy.limits.maxAbsNetGamma');
  });

  it('names the limit that binds, not the ones that do not', async () => {
    const e = await refusal({ limits: { maxPremiumQuote: 10, maxContractsPerLeg: 100 } });
    expect(e.fields).toEqual(['policy.limits.maxPremiumQuote']);
  });

  it('limits that bind only together are named together', async () => {
    // Lifting either alone leaves the other one infeasible; lifting both leaves the free hedge.
    const e = await refusal({ maxAbsVegaQuotePerVolPoint: 1, limits: { maxPremiumQuote: 10 } });
    expect(e.fields).toEqual(['policy.limits.maxPremiumQuote', 'policy.maxAbsVegaQuotePerVolPoint']);
    expect(e.message).toMatch(/no one limit binds alone/);
  });

  it('an infeasible hedge that no limit causes is not blamed on a limit', async () => {
    // Only bought options (allowSell false) add gamma, so a gamma target below the book's cannot be reached; lifting
    // maxContractsPerLeg changes nothing, and the refusal stays the plain infeasible one.
    const error = await ticket({
      target: { gamma: -2e-3 },
      tolerance: { gammaAbsolute: 1e-5 },
      limits: { maxContractsPerLeg: 1000 },
    }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(InfeasibleHedgeError);
    expect(error).not.toBeInstanceOf(LimitInfeasibleError);
  });

  it('the static strip is refused by the limits it cannot be capped to', async () => {
    const strip = await ticket({}, 'static');
    const e = await refusal({ limits: { maxPremiumQuote: strip.totals.premiumQuote / 2 } }, 'static');
    expect(e.field).toBe('policy.limits.maxPremiumQuote');
    const g = await refusal({ limits: { maxAbsNetGamma: Math.abs(strip.after.gamma) / 2 } }, 'static');
    expect(g.field).toBe('policy.limits.maxAbsNetGamma');
  });
});

describe('policy sections', () => {
  it('approval defaults to a 15 minute ttl and a 0.5% price move, and refuses nonsense', () => {
    const policy = hedgePolicySchema.parse({});
    expect(policy.approval).toEqual({ ttlMinutes: 15, maxPriceMoveFraction: 0.005 });
    expect(policy.limits).toEqual({
      maxContractsPerLeg: null,
      maxNotionalQuotePerLeg: null,
      maxPremiumQuote: null,
      maxAbsNetDeltaBase: null,
      maxAbsNetGamma: null,
    });
    expect(() => hedgePolicySchema.parse({ approval: { ttlMinutes: 0 } })).toThrow();
    expect(() => hedgePolicySchema.parse({ limits: { maxNotionalQuotePerLeg: -1 } })).toThrow();
  });
});
