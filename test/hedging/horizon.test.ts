/**
 * The horizon objective (hedging/horizon.ts): on the v3 example desk with a 30-day horizon, the ticket built to the
 * horizon costs less over the horizon than the one-off ticket, both judged by the same model; the roll calendar,
 * funding and cost per day are on the ticket; one roll step is recomputed from the formulas.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { black76Greeks } from '../../pricing/index.js';
import { loadMarketSnapshot, type LoadedSnapshot, type OptionQuote } from '../../adapters/index.js';
import { deskBook, deskPolicy, loadDeskConfig, parseDeskConfig, type DeskConfig } from '../../src/config/deskConfig.js';
import {
  InvalidHedgeInputError,
  makeTicket,
  renderTicketText,
  withPolicyOverrides,
  type HedgePolicy,
  type Ticket,
} from '../../hedging/index.js';
import { deltaHedgeInstrument } from '../../hedging/deltaHedge.js';
import { horizonContext, horizonSummary, legHorizonPlan } from '../../hedging/horizon.js';

const MS_PER_DAY = 86_400_000;
const MS_PER_YEAR = 365 * MS_PER_DAY;

let market: LoadedSnapshot;
let config: DeskConfig;
let oneOffPolicy: HedgePolicy;
let horizonPolicy: HedgePolicy;
let oneOff: Ticket;
let horizon: Ticket;

const ticketUnder = (policy: HedgePolicy, m: LoadedSnapshot = market) =>
  makeTicket({ positions: deskBook(config), market: m, asOfMs: m.asOfMs, mode: 'dynamic', policy });

beforeAll(async () => {
  market = await loadMarketSnapshot({ venue: 'deribit', underlying: 'BTC', source: 'builtin' });
  config = loadDeskConfig('config/wbtc-usdc-v3-dynamic.json');
  oneOffPolicy = withPolicyOverrides(deskPolicy(config), { objective: 'one-off', horizonDays: 30 });
  horizonPolicy = withPolicyOverrides(deskPolicy(config), { objective: 'horizon', horizonDays: 30 });
  oneOff = await ticketUnder(oneOffPolicy);
  horizon = await ticketUnder(horizonPolicy);
});

function quoteOf(id: string): OptionQuote {
  const q = market.chains.flatMap((c) => c.options).find((o) => o.instrument.venueId === id);
  if (!q) throw new Error(`no ${id}`);
  return q;
}

describe('horizon objective on the v3 example, 30-day horizon', () => {
  it('costs less over the horizon than the one-off ticket, by the same cost model', () => {
    const a = oneOff.horizon!;
    const b = horizon.horizon!;
    expect(a.objective).toBe('one-off');
    expect(b.objective).toBe('horizon');
    expect(b.expectedCostQuote).toBeLessThan(a.expectedCostQuote);
    // Same model: one context evaluates both tickets' legs to the numbers the tickets carry.
    const ctx = horizonContext(market, market.asOfMs, horizonPolicy);
    expect(horizonSummary(ctx, horizon.legs).expectedCostQuote).toBeCloseTo(b.expectedCostQuote, 9);
    expect(horizonSummary(ctx, oneOff.legs).expectedCostQuote).toBeCloseTo(a.expectedCostQuote, 9);
    // The parts add up, and a day of protection is the total over the horizon's days.
    for (const h of [a, b]) {
      const parts = h.entryCostQuote + h.rollCostQuote + h.closeCostQuote + h.fundingQuote + h.vegaChargeQuote;
      expect(h.expectedCostQuote).toBeCloseTo(parts, 9);
      expect(h.costPerDayQuote).toBeCloseTo(h.expectedCostQuote / 30, 12);
      expect(h.horizonEnd).toBe(new Date(market.asOfMs + 30 * MS_PER_DAY).toISOString());
      expect(h.uncoveredDays).toBe(0);
    }
    // Both tickets are neutral now: the objective changes what is bought, not what is hedged.
    for (const t of [oneOff, horizon]) {
      expect(Math.abs(t.residual.delta)).toBeLessThanOrEqual(t.tolerance.delta);
      expect(Math.abs(t.residual.gamma)).toBeLessThanOrEqual(t.tolerance.gamma! * (1 + 1e-9));
    }
  });

  it('the one-off ticket buys expiries short of the horizon and its calendar rolls them; the horizon one covers it', () => {
    const end = market.asOfMs + 30 * MS_PER_DAY;
    const shortLegs = oneOff.legs.filter((l) => l.kind === 'option' && Date.parse(l.expiry!) < end);
    expect(shortLegs.length).toBeGreaterThan(0);
    const rolls = oneOff.horizon!.calendar.filter((s) => s.action === 'roll');
    expect(rolls.map((r) => r.instrument).sort()).toEqual(shortLegs.map((l) => l.instrument).sort());
    for (const r of rolls) {
      const from = quoteOf(r.instrument);
      const into = quoteOf(r.into!);
      // A day before expiry, into an expiry at or after the horizon end, same type.
      expect(Date.parse(r.at)).toBe(from.instrument.expiryMs! - MS_PER_DAY);
      expect(into.instrument.expiryMs!).toBeGreaterThanOrEqual(end);
      expect(into.instrument.optionType).toBe(from.instrument.optionType);
    }
    // Every option leg's cover ends in one close (the last leg of each chain of rolls).
    const options = oneOff.legs.filter((l) => l.kind === 'option').length;
    expect(oneOff.horizon!.calendar.filter((s) => s.action === 'close')).toHaveLength(options);
    expect(oneOff.horizon!.rollCostQuote).toBeGreaterThan(0);
    // The horizon ticket's calendar: its legs cover the horizon, so it only closes them, all at or before the end.
    const cal = horizon.horizon!.calendar;
    expect(cal.length).toBeGreaterThan(0);
    for (const s of cal) expect(Date.parse(s.at)).toBeLessThanOrEqual(end);
    expect(horizon.horizon!.costPerDayQuote).toBeLessThan(oneOff.horizon!.costPerDayQuote);
  });

  it('a roll step recomputed from the formulas: gamma kept, half-spread constant in vol, Deribit fee capped at 12.5%', () => {
    const r = oneOff.horizon!.calendar.find((s) => s.action === 'roll')!;
    const from = quoteOf(r.instrument);
    const into = quoteOf(r.into!);
    const at = Date.parse(r.at);
    const years = (a: number, b: number) => (b - a) / MS_PER_YEAR;
    const g = (q: OptionQuote, t: number) =>
      black76Greeks(
        q.instrument.optionType!,
        q.forward!,
        q.instrument.strike!,
        years(t, q.instrument.expiryMs!),
        q.markIv!,
      );
    // The new leg carries the gamma the old one was bought with.
    expect(r.intoBaseAmount!).toBeCloseTo((r.baseAmount * g(from, market.asOfMs).gamma) / g(into, at).gamma, 9);
    // Same log-moneyness: no listed put of that expiry is nearer to ln(K/F) of the old leg.
    const k = Math.log(from.instrument.strike! / from.forward!);
    const gap = (q: OptionQuote) => Math.abs(Math.log(q.instrument.strike! / q.forward!) - k);
    const rivals = market.chains
      .find((c) => c.expiryMs === into.instrument.expiryMs)!
      .options.filter(
        (q) =>
          q.instrument.optionType === from.instrument.optionType &&
          q.bidQuote !== null &&
          q.askQuote !== null &&
          market.usableForHedging.has(q.instrument.symbol),
      );
    for (const q of rivals) expect(gap(into)).toBeLessThanOrEqual(gap(q) + 1e-12);
    // Cost of trading one base unit at `at`: half-spread now / vega now x vega then (at least half a tick, the
    // tick 0.0001 BTC below 0.005 BTC) plus min(0.03% x F, 12.5% x premium) (Deribit's published schedule).
    const cost = (q: OptionQuote) => {
      const now = g(q, market.asOfMs);
      const then = g(q, at);
      const half = Math.max(((q.askQuote! - q.bidQuote!) / 2 / now.vega) * then.vega, 0.5 * 0.0001 * q.forward!);
      return half + Math.min(0.0003 * q.forward!, 0.125 * (then.price + half));
    };
    const expected = Math.abs(r.baseAmount) * cost(from) + Math.abs(r.intoBaseAmount!) * cost(into);
    expect(r.costQuote).toBeCloseTo(expected, 6);
  });

  it('funding of the perp leg: the snapshot rate, else the policy assumption, else a refusal naming the field', async () => {
    const f = horizon.horizon!.funding!;
    const perpLeg = horizon.legs.find((l) => l.kind === 'perp')!;
    expect(f.source).toBe('snapshot');
    expect(f.carryApr).toBe(market.perp!.fundingRateAnnualised);
    // A short perp at positive funding earns it: base x mark x APR x 30/365, negative cost.
    expect(f.quote).toBeCloseTo(perpLeg.baseAmount * market.perp!.mark! * f.carryApr * (30 / 365), 9);
    expect(f.quote).toBeLessThan(0);

    const noFunding: LoadedSnapshot = { ...market, perp: { ...market.perp!, fundingRateAnnualised: null } };
    await expect(ticketUnder(horizonPolicy, noFunding)).rejects.toThrow(InvalidHedgeInputError);
    await expect(ticketUnder(horizonPolicy, noFunding)).rejects.toThrow(/policy\.fundingAprAssumption/);
    const assumed = await ticketUnder(withPolicyOverrides(horizonPolicy, { fundingAprAssumption: 0.1 }), noFunding);
    const leg = assumed.legs.find((l) => l.kind === 'perp')!;
    expect(assumed.horizon!.funding!.source).toBe('assumption');
    expect(assumed.horizon!.funding!.quote).toBeCloseTo(leg.baseAmount * market.perp!.mark! * 0.1 * (30 / 365), 9);
  });

  it('a price per vol point of vega taken on is charged per leg and steers the optimiser to less vega', async () => {
    const priced = await ticketUnder(withPolicyOverrides(horizonPolicy, { vegaPriceQuotePerVolPoint: 5 }));
    const h = priced.horizon!;
    const ctx = horizonContext(
      market,
      market.asOfMs,
      withPolicyOverrides(horizonPolicy, { vegaPriceQuotePerVolPoint: 5 }),
    );
    for (const leg of priced.legs.filter((l) => l.kind === 'option')) {
      const plan = legHorizonPlan(ctx, quoteOf(leg.instrument), leg.baseAmount);
      expect(plan.vegaChargeQuote).toBeCloseTo((5 * Math.abs(leg.vega)) / 100, 6);
    }
    expect(h.vegaChargeQuote).toBeGreaterThan(0);
    expect(Math.abs(priced.after.vega)).toBeLessThanOrEqual(Math.abs(horizon.after.vega) * (1 + 1e-9));
  });

  it('the carry table compares the perp with each listed future (basis per year to expiry)', () => {
    const carry = horizon.horizon!.carry;
    expect(carry[0]!.kind).toBe('perp');
    const futures = carry.filter((c) => c.kind === 'future');
    expect(futures.length).toBe(market.futures.length);
    for (const c of futures) {
      const q = market.futures.find((f) => f.instrument.venueId === c.instrument)!;
      const T = years(market.asOfMs, q.instrument.expiryMs!);
      const index = q.index ?? market.index!;
      expect(c.carryApr).toBeCloseTo((q.mark! / index - 1) / T, 12);
      expect(c.costPerBaseLongQuote).toBeCloseTo(index * c.carryApr * (30 / 365), 9);
    }
  });
});

describe('perp or future for delta: least carry to the horizon', () => {
  /** The built-in chain with two-sided quotes on its futures (mark -+ 2.5 USD) so they can be traded. */
  function withFutureQuotes(): LoadedSnapshot {
    const futures = market.futures.map((f) => ({ ...f, bid: f.mark! - 2.5, ask: f.mark! + 2.5 }));
    return {
      ...market,
      futures,
      usableForHedging: new Set([...market.usableForHedging, ...futures.map((f) => f.instrument.symbol)]),
    };
  }

  it('a short earns the larger carry: the 26JUN26 future (basis 2.6%/y) over the perp (funding 0.08%/y)', () => {
    const m = withFutureQuotes();
    const policy = withPolicyOverrides(horizonPolicy, { deltaHedge: 'least-carry' });
    const ctx = horizonContext(m, m.asOfMs, policy);
    const sell = deltaHedgeInstrument(m, m.asOfMs, policy, ctx, 'sell')!;
    const buy = deltaHedgeInstrument(m, m.asOfMs, policy, ctx, 'buy')!;
    // Independently: per base unit, entry + close (half-spread + 0.05% fee each, Deribit's table), a roll for a
    // future expiring before the horizon end, minus (short) or plus (long) the carry of a long.
    const end = m.asOfMs + 30 * MS_PER_DAY;
    const costOf = (
      q: {
        bid: number | null;
        ask: number | null;
        mark: number | null;
        kind: string;
        instrument: { expiryMs: number | null };
      },
      carryLong: number,
      side: 1 | -1,
    ) => {
      const trade = (q.ask! - q.bid!) / 2 + 0.0005 * q.mark!;
      const rolls = q.kind === 'future' && q.instrument.expiryMs! < end ? 1 : 0;
      return trade * (2 + 2 * rolls) + side * carryLong;
    };
    const rows = [m.perp!, ...m.futures.filter((f) => f.instrument.expiryMs! > m.asOfMs + MS_PER_DAY)].map((q) => {
      const long =
        q.kind === 'perp'
          ? q.mark! * q.fundingRateAnnualised! * (30 / 365)
          : (q.index ?? m.index!) *
            ((q.mark! / (q.index ?? m.index!) - 1) / years(m.asOfMs, q.instrument.expiryMs!)) *
            (30 / 365);
      return { id: q.instrument.venueId, sell: costOf(q, long, -1), buy: costOf(q, long, 1) };
    });
    const cheapest = (side: 'sell' | 'buy') => [...rows].sort((a, b) => a[side] - b[side])[0]!.id;
    expect(sell.quote.instrument.venueId).toBe(cheapest('sell'));
    expect(buy.quote.instrument.venueId).toBe(cheapest('buy'));
    expect(sell.quote.kind).toBe('future');
    expect(buy.quote.instrument.venueId).toBe('BTC-PERPETUAL');
  });

  it('without tradable futures the perp is the only choice; the ticket carries the perp funding', async () => {
    const t = await ticketUnder(withPolicyOverrides(horizonPolicy, { deltaHedge: 'least-carry' }));
    expect(t.legs.find((l) => l.kind !== 'option')!.instrument).toBe('BTC-PERPETUAL');
    expect(t.horizon!.funding!.source).toBe('snapshot');
  });
});

function years(a: number, b: number) {
  return (b - a) / MS_PER_YEAR;
}

describe('roll plans', () => {
  it('a horizon beyond the listing rolls to the last expiry and reports the days left uncovered', () => {
    const ctx = horizonContext(market, market.asOfMs, withPolicyOverrides(horizonPolicy, { horizonDays: 400 }));
    const q = quoteOf(oneOff.legs[0]!.instrument);
    const plan = legHorizonPlan(ctx, q, 1);
    const last = Math.max(...market.chains.map((c) => c.expiryMs));
    const close = plan.steps[plan.steps.length - 1]!;
    expect(close.action).toBe('close');
    expect(close.atMs).toBe(last - MS_PER_DAY);
    expect(plan.uncoveredDays).toBeCloseTo((market.asOfMs + 400 * MS_PER_DAY - (last - MS_PER_DAY)) / MS_PER_DAY, 9);
    // Each roll goes further out, and each new leg holds the gamma its predecessor was bought with.
    const rolls = plan.steps.filter((s) => s.action === 'roll');
    expect(rolls.length).toBeGreaterThan(0);
    for (let i = 1; i < rolls.length; i++) expect(rolls[i]!.atMs).toBeGreaterThan(rolls[i - 1]!.atMs);
  });

  it('a short leg rolls as a short and costs the same spread and fees as the long', () => {
    const ctx = horizonContext(market, market.asOfMs, horizonPolicy);
    const q = quoteOf(oneOff.legs[0]!.instrument);
    const long = legHorizonPlan(ctx, q, 2);
    const short = legHorizonPlan(ctx, q, -2);
    expect(short.steps.map((s) => Math.sign(s.baseAmount))).toEqual(short.steps.map(() => -1));
    expect(short.rollCostQuote).toBeCloseTo(long.rollCostQuote, 9);
    expect(short.closeCostQuote).toBeCloseTo(long.closeCostQuote, 9);
  });

  it('refuses a leg it cannot price, naming the field', () => {
    const ctx = horizonContext(market, market.asOfMs, horizonPolicy);
    const q = { ...quoteOf(oneOff.legs[0]!.instrument), bidQuote: null };
    expect(() => legHorizonPlan(ctx, q, 1)).toThrow(/legs\.instrument/);
  });
});

describe('the horizon section in the ticket text', () => {
  it('shows the objective, the cost split, cost per day and every roll of the calendar', () => {
    const text = renderTicketText(oneOff);
    expect(text).toMatch(/^horizon: one-off objective, 30 d to 2026-06-25T19:27:44\.000Z/m);
    expect(text).toContain('USD per day of protection');
    for (const r of oneOff.horizon!.calendar) expect(text).toContain(r.instrument);
    for (const r of oneOff.horizon!.calendar.filter((s) => s.action === 'roll')) expect(text).toContain(r.into!);
    expect(text).toMatch(/funding: BTC-PERPETUAL -?[\d.]+ base at [\d.e-]+%\/yr \(snapshot\)/);
    expect(renderTicketText(horizon)).toMatch(/^horizon: horizon objective/m);
  });
});

describe('policy: objective and horizon fields', () => {
  it('one-off stays the default: no horizon section, the same legs as before', async () => {
    const plain = await ticketUnder(deskPolicy(config));
    expect(plain.horizon).toBeUndefined();
    expect(renderTicketText(plain)).not.toMatch(/^horizon:/m);
    expect(plain.policy.objective).toBeUndefined();
    expect(plain.legs.map((l) => [l.instrument, l.contracts])).toEqual(
      oneOff.legs.map((l) => [l.instrument, l.contracts]),
    );
  });

  it('the desk config takes the fields and refuses bad ones, naming the path', () => {
    const raw = JSON.parse(JSON.stringify({ ...config, policy: { ...config.policy } }));
    const ok = parseDeskConfig({ ...raw, policy: { ...raw.policy, objective: 'horizon', horizonDays: 30 } });
    expect(deskPolicy(ok).objective).toBe('horizon');
    expect(() => parseDeskConfig({ ...raw, policy: { ...raw.policy, objective: 'forever' } })).toThrow(
      /policy\.objective/,
    );
    expect(() => parseDeskConfig({ ...raw, policy: { ...raw.policy, horizonDays: -1 } })).toThrow(
      /policy\.horizonDays/,
    );
    expect(() =>
      parseDeskConfig({
        ...raw,
        policy: { ...raw.policy, fees: { deribit: { options: { inverse: { takerRate: 2 } } } } },
      }),
    ).toThrow(/policy\.fees\.deribit\.options\.inverse\.takerRate/);
  });
});
