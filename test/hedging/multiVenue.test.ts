/**
 * Legs across venues (issue 12 item 4) on real payloads of two venues (test/hedging/multiVenueMarkets.ts): the
 * built-in Deribit BTC chain of 2026-05-26 (coin-settled options, 1 BTC per contract in 0.1 lots, the inverse perp in
 * 10 USD contracts) and Bybit's BTC option tickers of 2025-04-08 (USDT-settled, 1 BTC per contract in 0.01 lots),
 * each on its own clock. One ticket draws candidates from every venue the policy allows and solves them in one MIP.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { MarketSnapshot, OptionQuote, PerpQuote } from '../../adapters/model.js';
import { makeTicket } from '../../hedging/assemble.js';
import { selectCandidatesAcross } from '../../hedging/candidates.js';
import { resolvePolicy, type HedgePolicyInput } from '../../hedging/policySchema.js';
import { ticketSchema, type Ticket } from '../../hedging/ticket.js';
import { renderTicketText } from '../../hedging/ticketRender.js';
import { black76Greeks } from '../../pricing/black.js';
import { premiumAdjustedDelta } from '../../pricing/inverse.js';
import { v3FromDeposit } from '../../pricing/lp/construct.js';
import { lpState } from '../../pricing/lp/state.js';
import { yearFractionAct365 } from '../../pricing/time.js';
import { BYBIT_2025_04_08_MS, bybitMarket, deribitMarket } from './multiVenueMarkets.js';

let deribit: MarketSnapshot & { asOfMs: number };
let bybit: MarketSnapshot;

beforeAll(async () => {
  deribit = await deribitMarket();
  bybit = await bybitMarket();
});

const lp = (depositValue: number) => v3FromDeposit({ lower: 68_000, upper: 84_000, price: 75_800, depositValue });

/** The example v3 desk's policy, with an expiry and moneyness window wide enough for the Bybit chain's options. */
function policyFor(venues: ('deribit' | 'bybit')[], extra: HedgePolicyInput = {}): HedgePolicyInput {
  return {
    tolerance: { deltaBase: 0.05, gammaRelative: 0.05 },
    maxLegs: 4,
    ...extra,
    candidates: { venues, minExpiryDays: 7, maxExpiryDays: 60, maxAbsLogMoneyness: 0.2, ...extra.candidates },
  };
}

function ticketOn(venues: ('deribit' | 'bybit')[], depositValue = 200_000, extra: HedgePolicyInput = {}) {
  return makeTicket({
    positions: [{ id: 'lp', kind: 'lp', position: lp(depositValue) }],
    market: deribit,
    asOfMs: deribit.asOfMs,
    mode: 'dynamic',
    policy: policyFor(venues, extra),
    venueMarkets: [{ market: bybit, asOfMs: BYBIT_2025_04_08_MS }],
  });
}

function optionsOf(market: MarketSnapshot): OptionQuote[] {
  return market.chains.flatMap((c) => c.options);
}

/**
 * The book after the ticket, recomputed leg by leg from pricing/ on each leg's own venue market and clock: base units
 * from the leg's side, contracts and its instrument's contract size (or the inverse perp's USD per contract over
 * its mark), Black-76 at the quote's forward and mark IV, premium-adjusted delta for coin-settled options, plus the
 * LP's own delta and gamma at the ticket's price. Nothing is read from the legs' Greeks.
 */
function recomputedAfter(ticket: Ticket, position: ReturnType<typeof lp>) {
  const markets: Record<string, { market: MarketSnapshot; asOfMs: number }> = {
    deribit: { market: deribit, asOfMs: deribit.asOfMs },
    bybit: { market: bybit, asOfMs: BYBIT_2025_04_08_MS },
  };
  const s = lpState(position, ticket.price);
  let delta = s.delta;
  let gamma = s.gamma;
  let vega = 0;
  for (const leg of ticket.legs) {
    const { market, asOfMs } = markets[leg.venue]!;
    const sign = leg.side === 'buy' ? 1 : -1;
    if (leg.kind === 'option') {
      const q = optionsOf(market).find((o) => o.instrument.venueId === leg.instrument)!;
      const i = q.instrument;
      const base = sign * leg.contracts * i.contractSize!;
      const T = yearFractionAct365(asOfMs, i.expiryMs!);
      const g = black76Greeks(i.optionType!, q.forward!, i.strike!, T, q.markIv!);
      const unitDelta = i.inverse ? premiumAdjustedDelta(g.delta, g.price / q.forward!) : g.delta;
      delta += base * unitDelta;
      gamma += base * g.gamma;
      vega += base * g.vega;
    } else {
      const perp = market.perp as PerpQuote;
      expect(perp.instrument.venueId).toBe(leg.instrument);
      const i = perp.instrument;
      const base = sign * leg.contracts * (i.contractSize ?? i.contractValueQuote! / perp.mark!);
      delta += base;
    }
  }
  return { delta, gamma, vega, lpGamma: s.gamma };
}

/**
 * The vega-bounded calendar across venues: gamma is cheapest in Deribit's 5 June puts, but buying it adds vega; with
 * |vega| <= 100 USD per vol point and sales allowed, the MIP sells vega where it is cheapest per unit of gamma given
 * away, the 52-day Bybit call, in Bybit's 0.01 lots. One MIP, options on both venues, the perp on Deribit.
 */
const CALENDAR: HedgePolicyInput = {
  maxAbsVegaQuotePerVolPoint: 100,
  candidates: { allowSell: true },
};

describe('a ticket on two venues', () => {
  it('vega-bounded: Deribit puts bought, the Bybit call sold, in one MIP; neutral when recomputed per venue', async () => {
    const ticket = await ticketOn(['deribit', 'bybit'], 1_000_000, CALENDAR);
    const optionVenues = new Set(ticket.legs.filter((l) => l.kind === 'option').map((l) => l.venue));
    expect([...optionVenues].sort()).toEqual(['bybit', 'deribit']);
    expect(ticket.legs.some((l) => l.venue === 'bybit' && l.side === 'sell')).toBe(true);
    const policy = resolvePolicy(policyFor(['deribit', 'bybit'], CALENDAR));
    const after = recomputedAfter(ticket, lp(1_000_000));
    expect(Math.abs(after.delta - policy.target.delta)).toBeLessThanOrEqual(policy.tolerance.deltaBase);
    expect(Math.abs(after.gamma - policy.target.gamma)).toBeLessThanOrEqual(
      policy.tolerance.gammaRelative * Math.abs(after.lpGamma),
    );
    expect(Math.abs(after.vega) / 100).toBeLessThanOrEqual(policy.maxAbsVegaQuotePerVolPoint! * (1 + 1e-9));
    // Either venue alone under the same bound costs more: the union is what one MIP over both venues buys.
    const deribitOnly = await ticketOn(['deribit'], 1_000_000, CALENDAR);
    expect(ticket.optimiser!.roundedCost).toBeLessThan(deribitOnly.optimiser!.roundedCost);
  });

  it('the short Bybit call needs max(0.15 F - OTM, 0.1 F) + mark per BTC of margin, in USDT', async () => {
    const ticket = await ticketOn(['deribit', 'bybit'], 1_000_000, CALENDAR);
    const legs = ticket.legs.filter((l) => l.venue === 'bybit');
    let expected = 0;
    for (const leg of legs) {
      const q = optionsOf(bybit).find((o) => o.instrument.venueId === leg.instrument)!;
      const F = q.forward!;
      const K = q.instrument.strike!;
      const otm = q.instrument.optionType === 'call' ? Math.max(K - F, 0) : Math.max(F - K, 0);
      expected +=
        leg.side === 'buy'
          ? leg.contracts * leg.limitPrice
          : leg.contracts * (Math.max(0.15 * F - otm, 0.1 * F) + q.markQuote!);
    }
    const group = ticket.venues!.find((v) => v.venue === 'bybit')!;
    expect(group.margin.byCurrency).toEqual([
      { currency: 'USDT', initialMargin: expect.closeTo(expected, 6), initialMarginQuote: expect.closeTo(expected, 6) },
    ]);
    // A short option's margin is a multiple of its premium: the margin is not the premium subtotal.
    expect(group.margin.initialMarginQuote).toBeGreaterThan(2 * Math.abs(group.subtotals.premiumQuote));
  });

  it('Bybit USDT options and the Deribit inverse perp: neutral when every leg is recomputed on its own venue', async () => {
    const ticket = await ticketOn(['bybit']);
    const venues = new Set(ticket.legs.map((l) => l.venue));
    expect([...venues].sort()).toEqual(['bybit', 'deribit']);
    expect(ticket.legs.filter((l) => l.kind === 'option').every((l) => l.venue === 'bybit')).toBe(true);
    const after = recomputedAfter(ticket, lp(200_000));
    const policy = resolvePolicy(policyFor(['bybit']));
    expect(Math.abs(after.delta - policy.target.delta)).toBeLessThanOrEqual(policy.tolerance.deltaBase);
    expect(Math.abs(after.gamma - policy.target.gamma)).toBeLessThanOrEqual(
      policy.tolerance.gammaRelative * Math.abs(after.lpGamma),
    );
    // The book was far from neutral before: the legs, not the tolerance, did it.
    expect(Math.abs(ticket.before.gamma)).toBeGreaterThan(3 * (ticket.tolerance.gamma ?? 0));
  });

  it("each Bybit leg is timed on Bybit's clock (2025-04-08), not the ticket's (2026-05-26, after its expiry)", async () => {
    const ticket = await ticketOn(['bybit']);
    const leg = ticket.legs.find((l) => l.venue === 'bybit')!;
    const q = optionsOf(bybit).find((o) => o.instrument.venueId === leg.instrument)!;
    const T = yearFractionAct365(BYBIT_2025_04_08_MS, q.instrument.expiryMs!);
    expect(T).toBeGreaterThan(0.1);
    const g = black76Greeks(q.instrument.optionType!, q.forward!, q.instrument.strike!, T, q.markIv!);
    expect(leg.gamma).toBeCloseTo(leg.baseAmount * g.gamma, 15);
    // A linear (USDT) option: no premium adjustment of its delta, its premium in USDT is its USD premium.
    expect(leg.delta).toBeCloseTo(leg.baseAmount * g.delta, 12);
    expect(leg.priceCurrency).toBe('USDT');
    // The scenario grid and the reviews run on the ticket's clock with the leg's time to run: an expiry column
    // exists (the leg has not expired on the ticket's clock) and the review times are after the ticket's time.
    expect(ticket.scenarios.horizons.map((h) => h.label)).toContain('expiry');
    for (const r of ticket.rebalance.nextReviews) expect(Date.parse(r)).toBeGreaterThan(ticket.asOfMs);
  });

  it("lots are each venue's own: Bybit options in 0.01 contracts of 1 BTC, the Deribit perp in whole 10 USD contracts", async () => {
    const ticket = await ticketOn(['bybit'], 50_000);
    for (const leg of ticket.legs) {
      const market = leg.venue === 'bybit' ? bybit : deribit;
      const quote =
        leg.kind === 'option'
          ? optionsOf(market).find((o) => o.instrument.venueId === leg.instrument)!
          : (market.perp as PerpQuote);
      const i = quote.instrument;
      const steps = leg.contracts / i.amountStep;
      expect(Math.abs(steps - Math.round(steps))).toBeLessThan(1e-9);
      expect(leg.contracts).toBeGreaterThanOrEqual(i.minAmount - 1e-12);
    }
    const bybitLegs = ticket.legs.filter((l) => l.venue === 'bybit');
    expect(bybitLegs.length).toBeGreaterThan(0);
    // At least one Bybit leg is not a whole tenth: a lot Deribit's 0.1 could not trade.
    expect(bybitLegs.some((l) => Math.abs(l.contracts * 10 - Math.round(l.contracts * 10)) > 1e-9)).toBe(true);
    const perp = ticket.legs.find((l) => l.kind === 'perp')!;
    expect(perp.venue).toBe('deribit');
    expect(Number.isInteger(perp.contracts)).toBe(true);
  });

  it('both venues allowed: one MIP over the union costs no more than either venue alone', async () => {
    // maxCandidates above the eligible count, so the union's candidate set contains each venue's alone.
    const extra = { candidates: { maxCandidates: 64, maxAbsLogMoneyness: 0.05 }, maxLegs: null };
    const both = await ticketOn(['deribit', 'bybit'], 200_000, extra);
    const deribitOnly = await ticketOn(['deribit'], 200_000, extra);
    const bybitOnly = await ticketOn(['bybit'], 200_000, extra);
    expect(both.optimiser!.candidatesUsed).toBe(both.optimiser!.candidatesEligible);
    expect(both.optimiser!.candidatesEligible).toBe(
      deribitOnly.optimiser!.candidatesEligible + bybitOnly.optimiser!.candidatesEligible,
    );
    expect(bybitOnly.optimiser!.candidatesEligible).toBeGreaterThan(0);
    const eps = 1e-6;
    expect(both.optimiser!.roundedCost).toBeLessThanOrEqual(deribitOnly.optimiser!.roundedCost + eps);
    expect(both.optimiser!.roundedCost).toBeLessThanOrEqual(bybitOnly.optimiser!.roundedCost + eps);
    expect(both.optimiser!.relaxedCost).toBeLessThanOrEqual(
      Math.min(deribitOnly.optimiser!.relaxedCost, bybitOnly.optimiser!.relaxedCost) + eps,
    );
  });

  it("several venues: each one's best put and best call reach the MIP even when one venue's expiries would fill it", () => {
    const policy = resolvePolicy(policyFor(['deribit', 'bybit']));
    const markets = [
      { venue: 'deribit' as const, market: deribit, asOfMs: deribit.asOfMs, primary: true },
      { venue: 'bybit' as const, market: bybit, asOfMs: BYBIT_2025_04_08_MS, primary: false },
    ];
    const across = selectCandidatesAcross(markets, policy);
    const deribitAlone = selectCandidatesAcross(markets.slice(0, 1), policy);
    // Deribit alone has more eligible options than the MIP takes: without the per-venue pass Bybit would be cut.
    expect(deribitAlone.eligible).toBeGreaterThan(policy.candidates.maxCandidates);
    expect(across.used).toHaveLength(policy.candidates.maxCandidates);
    const bybitUsed = across.used.filter((c) => c.quote.instrument.venue === 'bybit');
    expect(bybitUsed.map((c) => c.quote.instrument.optionType).sort()).toEqual(['call', 'put']);
    // Each candidate is timed on its own venue's clock.
    for (const c of across.used)
      expect(c.asOfMs).toBe(c.quote.instrument.venue === 'bybit' ? BYBIT_2025_04_08_MS : deribit.asOfMs);
  });
});

describe('venues the policy does not allow', () => {
  it('contribute nothing: the Bybit market changes no leg of a Deribit-only ticket', async () => {
    const withBybit = await ticketOn(['deribit']);
    const alone = await makeTicket({
      positions: [{ id: 'lp', kind: 'lp', position: lp(200_000) }],
      market: deribit,
      asOfMs: deribit.asOfMs,
      mode: 'dynamic',
      policy: policyFor(['deribit']),
    });
    expect(withBybit.legs.every((l) => l.venue === 'deribit')).toBe(true);
    expect(withBybit.legs).toEqual(alone.legs);
    expect(withBybit.optimiser!.candidatesEligible).toBe(alone.optimiser!.candidatesEligible);
    const bybitGroup = withBybit.venues!.find((v) => v.venue === 'bybit')!;
    expect(bybitGroup).toMatchObject({ optionsAllowed: false, legs: [], primary: false });
    expect(bybitGroup.subtotals).toEqual({ premiumQuote: 0, feesQuote: 0, costQuote: 0, notionalQuote: 0 });
  });

  it('the excluded book venue still takes the delta (its perp), but none of its options', async () => {
    const ticket = await ticketOn(['bybit']);
    expect(ticket.legs.filter((l) => l.venue === 'deribit').map((l) => l.kind)).toEqual(['perp']);
    expect(ticket.venues!.find((v) => v.venue === 'deribit')!.optionsAllowed).toBe(false);
  });

  it('a request none of whose venues is allowed is refused (unknown-position)', async () => {
    await expect(
      makeTicket({
        positions: [{ id: 'lp', kind: 'lp', position: lp(200_000) }],
        market: deribit,
        asOfMs: deribit.asOfMs,
        mode: 'dynamic',
        policy: policyFor(['okx' as 'bybit']),
        venueMarkets: [{ market: bybit, asOfMs: BYBIT_2025_04_08_MS }],
      }),
    ).rejects.toMatchObject({ code: 'unknown-position', message: expect.stringContaining('deribit, bybit') });
  });
});

describe('per-venue subtotals and margin', () => {
  it('sum to the ticket totals; each venue lists exactly its legs', async () => {
    const ticket = await ticketOn(['bybit']);
    const venues = ticket.venues!;
    expect(venues.map((v) => v.venue)).toEqual(['deribit', 'bybit']);
    const sum = (f: (v: (typeof venues)[number]) => number) => venues.reduce((s, v) => s + f(v), 0);
    expect(sum((v) => v.subtotals.premiumQuote)).toBeCloseTo(ticket.totals.premiumQuote, 9);
    expect(sum((v) => v.subtotals.feesQuote)).toBeCloseTo(ticket.totals.fees, 9);
    expect(sum((v) => v.subtotals.costQuote)).toBeCloseTo(ticket.totals.cost, 9);
    expect(venues.flatMap((v) => v.legs).sort()).toEqual(ticket.legs.map((l) => l.instrument).sort());
    for (const v of venues)
      expect(v.legs).toEqual(ticket.legs.filter((l) => l.venue === v.venue).map((l) => l.instrument));
    expect(sum((v) => v.subtotals.premiumQuote)).toBeGreaterThan(0);
  });

  it('margin: long USDT options need their premium in USDT; the inverse perp 10% of notional in BTC', async () => {
    const ticket = await ticketOn(['bybit']);
    const byVenue = Object.fromEntries(ticket.venues!.map((v) => [v.venue, v]));
    const bybitLegs = ticket.legs.filter((l) => l.venue === 'bybit');
    expect(bybitLegs.every((l) => l.side === 'buy')).toBe(true);
    const premium = bybitLegs.reduce((s, l) => s + l.contracts * l.limitPrice, 0);
    expect(byVenue.bybit!.margin.byCurrency).toEqual([
      { currency: 'USDT', initialMargin: expect.closeTo(premium, 6), initialMarginQuote: expect.closeTo(premium, 6) },
    ]);
    const perp = ticket.legs.find((l) => l.kind === 'perp')!;
    const notionalQuote = perp.contracts * 10; // BTC-PERPETUAL: 10 USD per contract
    const [btc] = byVenue.deribit!.margin.byCurrency;
    expect(btc!.currency).toBe('BTC');
    expect(btc!.initialMarginQuote).toBeCloseTo(0.1 * notionalQuote, 3);
    expect(btc!.initialMargin).toBeCloseTo((0.1 * notionalQuote) / (deribit.perp as PerpQuote).mark!, 9);
    expect(byVenue.deribit!.subtotals.notionalQuote).toBeCloseTo(notionalQuote, 6);
    expect(byVenue.deribit!.margin.model).toMatch(/perp\/future = 0\.1 x notional/);
  });

  it('the text shows the venue of every leg and the venues table; the JSON round-trips through the schema', async () => {
    const ticket = await ticketOn(['bybit']);
    const text = renderTicketText(ticket);
    expect(text).toMatch(/^legs\nvenue +side/m);
    expect(text).toContain('venues (legs grouped by venue; each venue on its own clock)');
    expect(text).toMatch(/^deribit \(book\) +not allowed +2026-05-26T19:27:44\.000Z +1 /m);
    expect(text).toMatch(/^bybit +allowed +2025-04-08T15:04:02\.786Z +\d+ /m);
    expect(text).toContain('margin model: initial margin, standard');
    expect(ticketSchema.parse(JSON.parse(JSON.stringify(ticket)))).toEqual(ticket);
  });

  it('a one-venue ticket keeps its text layout (no venue column) and still groups its legs in the JSON', async () => {
    const ticket = await makeTicket({
      positions: [{ id: 'lp', kind: 'lp', position: lp(200_000) }],
      market: deribit,
      asOfMs: deribit.asOfMs,
      mode: 'dynamic',
      policy: policyFor(['deribit']),
    });
    expect(renderTicketText(ticket)).toMatch(/^legs\nside +contracts/m);
    expect(renderTicketText(ticket)).not.toContain('venues (legs grouped');
    expect(ticket.venues).toHaveLength(1);
    expect(ticket.venues![0]!.legs).toEqual(ticket.legs.map((l) => l.instrument));
  });
});

describe('refusals', () => {
  it('a market of another underlying is refused (invalid-input), naming the entry', async () => {
    // The Bybit snapshot relabelled ETH: the check reads the snapshot's underlying, nothing else.
    const eth = { ...bybit, underlying: 'ETH' };
    await expect(
      makeTicket({
        positions: [{ id: 'lp', kind: 'lp', position: lp(200_000) }],
        market: deribit,
        asOfMs: deribit.asOfMs,
        mode: 'dynamic',
        policy: policyFor(['deribit', 'bybit']),
        venueMarkets: [{ market: eth, asOfMs: BYBIT_2025_04_08_MS }],
      }),
    ).rejects.toMatchObject({
      code: 'invalid-input',
      field: 'venueMarkets[0].market.underlying',
      message: expect.stringContaining('must be BTC'),
    });
  });

  it('the same venue twice is refused (invalid-input)', async () => {
    await expect(
      makeTicket({
        positions: [{ id: 'lp', kind: 'lp', position: lp(200_000) }],
        market: deribit,
        asOfMs: deribit.asOfMs,
        mode: 'dynamic',
        policy: policyFor(['deribit']),
        venueMarkets: [{ market: deribit }],
      }),
    ).rejects.toMatchObject({ code: 'invalid-input', field: 'venueMarkets[0].market.venue' });
  });

  it('static strips and the horizon objective stay one-venue (invalid-input naming venueMarkets)', async () => {
    const base = {
      positions: [{ id: 'lp', kind: 'lp' as const, position: lp(200_000) }],
      market: deribit,
      asOfMs: deribit.asOfMs,
      venueMarkets: [{ market: bybit, asOfMs: BYBIT_2025_04_08_MS }],
    };
    await expect(makeTicket({ ...base, mode: 'static', policy: policyFor(['deribit']) })).rejects.toMatchObject({
      code: 'invalid-input',
      field: 'venueMarkets',
    });
    await expect(
      makeTicket({ ...base, mode: 'dynamic', policy: policyFor(['deribit'], { objective: 'horizon' }) }),
    ).rejects.toMatchObject({ code: 'invalid-input', field: 'venueMarkets' });
  });

  it('gamma to hedge but no option of any venue passes the filters: refused (infeasible), not a delta-only ticket', async () => {
    // Bybit's only expiry is 51.7 days out on its clock; a 45-day window leaves no candidate on the one allowed venue.
    await expect(ticketOn(['bybit'], 200_000, { candidates: { maxExpiryDays: 45 } })).rejects.toMatchObject({
      code: 'infeasible',
      message: expect.stringContaining('no option of deribit, bybit passes policy.candidates (venues bybit, 7-45 d'),
    });
  });

  it('a further venue whose quotes are stale on its own clock is refused (stale-quotes)', async () => {
    await expect(
      makeTicket({
        positions: [{ id: 'lp', kind: 'lp', position: lp(200_000) }],
        market: deribit,
        asOfMs: deribit.asOfMs,
        mode: 'dynamic',
        policy: policyFor(['bybit']),
        // Judged on the ticket's clock instead of its own, the 2025 chain is a year old.
        venueMarkets: [{ market: bybit }],
      }),
    ).rejects.toMatchObject({ code: 'stale-quotes' });
  });
});
