import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { black76Greeks, v3FromDeposit } from '../../pricing/index.js';
import { loadMarketSnapshot, type LoadedSnapshot, type MarketSnapshot } from '../../adapters/index.js';
import { deskBook, deskPolicy, loadDeskConfig, type DeskConfig } from '../../src/config/deskConfig.js';
import {
  InfeasibleHedgeError,
  MarketSanityError,
  UnknownPositionError,
  StaleMarketError,
  atmVol,
  deltaBandHalfWidth,
  deltaBandOf,
  makeTicket,
  renderTicketCsv,
  renderTicketJson,
  renderTicketText,
  ticketSchema,
  type Ticket,
  type TicketLeg,
} from '../../hedging/index.js';

const EXAMPLES = ['wbtc-usdc-v3-dynamic', 'wbtc-usdc-v2-dynamic', 'wbtc-usdc-v3-static-strip'] as const;
const MS_PER_YEAR = 365 * 86_400_000;

let market: LoadedSnapshot;
const configs = new Map<string, DeskConfig>();
const tickets = new Map<string, Ticket>();

beforeAll(async () => {
  market = await loadMarketSnapshot({ venue: 'deribit', underlying: 'BTC', source: 'builtin' });
  for (const name of EXAMPLES) {
    const config = loadDeskConfig(`config/${name}.json`);
    configs.set(name, config);
    tickets.set(
      name,
      await makeTicket({
        positions: deskBook(config),
        market,
        asOfMs: market.asOfMs,
        mode: config.mode,
        policy: deskPolicy(config),
      }),
    );
  }
});

/**
 * The book's Greeks recomputed independently from the config's own numbers: LP positions with the formulas of
 * CONVENTIONS.md (not through pricing/lp), options held with Black-76 on their quote's forward and mark IV
 * (premium-adjusted, coin-settled), the inverse perp as contracts x 10 USD / mark.
 */
function bookGreeksFromConfig(config: DeskConfig, price: number): { delta: number; gamma: number } {
  let delta = 0;
  let gamma = 0;
  for (const p of config.positions) {
    if (p.kind === 'perp') {
      delta += (p.contracts * 10) / market.perp!.mark!;
      continue;
    }
    if (p.kind === 'option') {
      const q = market.chains.flatMap((c) => c.options).find((o) => o.instrument.venueId === p.instrument)!;
      const years = (q.instrument.expiryMs! - market.asOfMs) / MS_PER_YEAR;
      const g = black76Greeks(q.instrument.optionType!, q.forward!, q.instrument.strike!, years, q.markIv!);
      delta += p.contracts * (g.delta - g.price / q.forward!);
      gamma += p.contracts * g.gamma;
      continue;
    }
    if (p.kind !== 'lp') continue;
    const P0 = p.price;
    if (p.model === 'v2') {
      const L = p.depositValue! / (2 * Math.sqrt(P0));
      delta += L / Math.sqrt(price);
      gamma += -L / (2 * price ** 1.5);
    } else if (p.model === 'v3') {
      // lower and upper are required for v3 (the desk config refuses a v3 position without them).
      const a = p.lower!;
      const b = p.upper!;
      const L = p.depositValue! / (2 * Math.sqrt(P0) - P0 / Math.sqrt(b) - Math.sqrt(a));
      if (price > a && price < b) {
        delta += L * (1 / Math.sqrt(price) - 1 / Math.sqrt(b));
        gamma += -L / (2 * price ** 1.5);
      } else if (price <= a) delta += L * (1 / Math.sqrt(a) - 1 / Math.sqrt(b));
    }
  }
  return { delta, gamma };
}

/** A leg's Greeks recomputed from its own instrument: Black-76 on its forward and IV, premium-adjusted (inverse). */
function legGreeks(leg: TicketLeg, asOfMs: number): { delta: number; gamma: number } {
  if (leg.kind !== 'option') return { delta: leg.baseAmount, gamma: 0 };
  const years = (Date.parse(leg.expiry!) - asOfMs) / MS_PER_YEAR;
  const g = black76Greeks(leg.type!, leg.forward!, leg.strike!, years, leg.iv!);
  // Deribit BTC options are coin-settled: the USD-flat delta is Black delta minus the coin premium.
  const inverse = leg.priceCurrency === 'BTC';
  const delta = inverse ? g.delta - g.price / leg.forward! : g.delta;
  return { delta: leg.baseAmount * delta, gamma: leg.baseAmount * g.gamma };
}

/** Deribit's grids (fixture facts): BTC options tick 0.0001 up to 0.005 BTC and 0.0005 above; the perp 0.5 USD. */
function onDeribitGrid(leg: TicketLeg): boolean {
  const tick = leg.kind === 'option' ? (leg.limitPrice > 0.005 ? 0.0005 : 0.0001) : 0.5;
  const n = leg.limitPrice / tick;
  return Math.abs(n - Math.round(n)) < 1e-7;
}

describe('tickets on the built-in Deribit BTC chain', () => {
  for (const name of EXAMPLES) {
    it(`${name}: legs recomputed independently with the LP put delta (and gamma, dynamic) within tolerance`, () => {
      const ticket = tickets.get(name)!;
      const config = configs.get(name)!;
      expect(ticket.legs.length).toBeGreaterThan(0);
      const book = bookGreeksFromConfig(config, ticket.price);
      let delta = book.delta;
      let gamma = book.gamma;
      for (const leg of ticket.legs) {
        const g = legGreeks(leg, ticket.asOfMs);
        delta += g.delta;
        gamma += g.gamma;
      }
      expect(Math.abs(delta - ticket.target.delta)).toBeLessThanOrEqual(ticket.tolerance.delta);
      if (ticket.mode === 'dynamic') {
        expect(ticket.tolerance.gamma).not.toBeNull();
        expect(Math.abs(gamma - ticket.target.gamma)).toBeLessThanOrEqual(ticket.tolerance.gamma!);
        // The tolerance is the policy's relative one on the gamma of the LP positions hedged (not of the net book:
        // that shrinks with every hedge held, and a hedged book would never be within it).
        const lpGamma = ticket.positions.filter((p) => p.kind === 'lp').reduce((s, p) => s + p.gamma, 0);
        expect(ticket.tolerance.gamma!).toBeCloseTo(config.policy.tolerance.gammaRelative * Math.abs(lpGamma), 12);
        expect(ticket.before.gamma).toBeCloseTo(book.gamma, 12);
      }
      // The ticket's own after-state agrees with the independent recomputation.
      expect(ticket.after.delta).toBeCloseTo(delta, 6);
      expect(ticket.after.gamma).toBeCloseTo(gamma, 10);
    });

    it(`${name}: every size is whole lots at least the minimum, every limit on the tick grid`, () => {
      const ticket = tickets.get(name)!;
      for (const leg of ticket.legs) {
        const step = leg.kind === 'option' ? 0.1 : 1;
        const min = leg.kind === 'option' ? 0.1 : 1;
        const lots = leg.contracts / step;
        expect(Math.abs(lots - Math.round(lots))).toBeLessThan(1e-9);
        expect(leg.contracts).toBeGreaterThanOrEqual(min - 1e-12);
        expect(onDeribitGrid(leg)).toBe(true);
        expect(Math.sign(leg.baseAmount)).toBe(leg.side === 'buy' ? 1 : -1);
        if (leg.kind === 'option') {
          // 1 BTC per Deribit option contract.
          expect(Math.abs(leg.baseAmount)).toBeCloseTo(leg.contracts, 12);
          // A buy limit at or above the ask, a sell at or below the bid: marketable, on the grid.
          if (leg.side === 'buy') expect(leg.limitPrice).toBeGreaterThanOrEqual(leg.ask!);
          else expect(leg.limitPrice).toBeLessThanOrEqual(leg.bid!);
        } else {
          // BTC-PERPETUAL: 10 USD per contract, base units at the mark.
          expect(Math.abs(leg.baseAmount)).toBeCloseTo((leg.contracts * 10) / market.perp!.mark!, 9);
        }
      }
    });
  }

  it('the dynamic v3 ticket buys options for gamma and sells the perp for the LP delta', () => {
    const ticket = tickets.get('wbtc-usdc-v3-dynamic')!;
    const options = ticket.legs.filter((l) => l.kind === 'option');
    expect(options.length).toBeGreaterThan(0);
    expect(options.every((l) => l.side === 'buy')).toBe(true);
    expect(options.length).toBeLessThanOrEqual(4);
    const perp = ticket.legs.find((l) => l.kind === 'perp')!;
    expect(perp.instrument).toBe('BTC-PERPETUAL');
    expect(perp.side).toBe('sell');
    expect(ticket.optimiser!.relaxedCost).toBeLessThanOrEqual(ticket.optimiser!.roundedCost + 1e-9);
    expect(ticket.optimiser!.candidatesListed).toBe(878);
    // The hedge makes the book flatter everywhere within +-10% now.
    for (const row of ticket.scenarios.rows.filter((r) => r.horizon === 'now' && r.volShift === 0)) {
      if (Math.abs(row.spotMove) <= 0.05) expect(Math.abs(row.pnlAfter)).toBeLessThan(Math.abs(row.pnlBefore) + 1e-6);
    }
  });

  it('the rebalance section is about the book after the legs: no action, the deviation is the residual', () => {
    for (const name of ['wbtc-usdc-v3-dynamic', 'wbtc-usdc-v2-dynamic'] as const) {
      const ticket = tickets.get(name)!;
      // Before the legs the LP's ~6.4 BTC of delta is far outside any band; after them only the perp lot remains.
      expect(Math.abs(ticket.before.delta)).toBeGreaterThan(6);
      expect(ticket.rebalance.action).toBe('none');
      expect(ticket.rebalance.deviationBase).toBe(ticket.residual.delta);
      expect(ticket.rebalance.deviationBase).toBe(ticket.after.delta - ticket.target.delta);
      // The band is drawn with the gamma after, not the LP's gamma before (both bands here are far above one perp
      // lot, 1.3e-4 BTC, so the lot floor does not enter).
      const band = deltaBandHalfWidth(deltaBandOf(ticket.policy), {
        gamma: ticket.after.gamma,
        price: ticket.price,
        vol: atmVol(market, market.asOfMs),
        minBase: 0,
      });
      expect(ticket.rebalance.halfWidthBase).toBeCloseTo(band.halfWidthBase, 12);
      expect(ticket.rebalance.message).toMatch(/^no action: delta deviation/);
    }
  });

  it('the static ticket reports its strip: coverage, premium, forward leg, errors and the expiry mismatch', () => {
    const ticket = tickets.get('wbtc-usdc-v3-static-strip')!;
    const strip = ticket.strip!;
    expect(strip.expiry.slice(0, 10)).toBe('2026-06-26');
    expect(strip.coverage.lower).toBeLessThanOrEqual(70_000);
    expect(strip.coverage.upper).toBeGreaterThanOrEqual(82_000);
    expect(strip.premiumRounded).toBeGreaterThan(0);
    // Every option leg lies on the strip's expiry, puts below the forward and calls above.
    for (const leg of ticket.legs.filter((l) => l.kind === 'option')) {
      expect(leg.expiry).toBe(strip.expiry);
      expect(leg.side).toBe('buy');
      if (leg.type === 'put') expect(leg.strike!).toBeLessThanOrEqual(strip.forwardPrice);
      else expect(leg.strike!).toBeGreaterThanOrEqual(strip.forwardPrice);
    }
    // Lot rounding adds error beyond interpolation, but stays within a few percent of the LP's value.
    expect(strip.maxErrorRounded).toBeLessThan(0.01 * 1_000_000);
    expect(strip.expiryMismatchQuote).not.toBeNull();
    expect(ticket.tolerance.gamma).toBeNull();
  });

  it('renders a table, JSON that parses back through the schema, and CSV with one row per leg', () => {
    const ticket = tickets.get('wbtc-usdc-v3-dynamic')!;
    const text = renderTicketText(ticket);
    expect(text).toContain(ticket.id);
    expect(text).toContain('BTC-PERPETUAL');
    const parsed = ticketSchema.parse(JSON.parse(renderTicketJson(ticket)));
    expect(parsed.legs).toEqual(ticket.legs);
    const csv = renderTicketCsv(ticket).trim().split('\n');
    expect(csv.length).toBe(ticket.legs.length + 1);
    expect(csv[0]!.split(',')).toContain('limitPrice');
    expect(csv[1]!.split(',')[0]).toBe(ticket.id);
  });

  it('shows vega per vol point and theta per day in text and CSV; the JSON keeps per 1.00 vol and per year', () => {
    const ticket = tickets.get('wbtc-usdc-v3-dynamic')!;
    // Display figures beside the raw ones: dV/dsigma / 100 and dV/dt per year / 365.
    expect(ticket.after.vega).toBeGreaterThan(1000);
    expect(ticket.afterDisplay.vegaQuotePerVolPoint).toBe(ticket.after.vega / 100);
    expect(ticket.afterDisplay.thetaQuotePerDay).toBe(ticket.after.theta / 365);
    expect(ticket.beforeDisplay.vegaQuotePerVolPoint).toBe(ticket.before.vega / 100);
    const json = JSON.parse(renderTicketJson(ticket)) as Ticket;
    expect(json.after.vega).toBe(ticket.after.vega);
    expect(json.afterDisplay).toEqual(ticket.afterDisplay);

    const lines = renderTicketText(ticket).split('\n');
    const header = lines.find((l) => l.startsWith('book '))!;
    expect(header.split(/\s+/)).toEqual(['book', 'delta', 'gamma', 'vega/vol-pt', 'theta/day']);
    const after = lines
      .find((l) => l.startsWith('after '))!
      .trim()
      .split(/\s+/);
    expect(Number(after[3])).toBeCloseTo(ticket.after.vega / 100, 1);
    expect(Number(after[4])).toBeCloseTo(ticket.after.theta / 365, 1);
    expect(renderTicketText(ticket)).not.toContain('theta/yr');

    const csv = renderTicketCsv(ticket).trim().split('\n');
    const columns = csv[0]!.split(',');
    expect(columns).toContain('vega/vol-pt');
    expect(columns).toContain('theta/day');
    expect(columns).not.toContain('vega');
    const option = ticket.legs.findIndex((l) => l.kind === 'option');
    const cells = csv[option + 1]!.split(',');
    expect(Number(cells[columns.indexOf('vega/vol-pt')])).toBe(ticket.legs[option]!.vega / 100);
    expect(Number(cells[columns.indexOf('theta/day')])).toBe(ticket.legs[option]!.theta / 365);
  });

  it('is deterministic: the same inputs give the same id and legs', async () => {
    const config = configs.get('wbtc-usdc-v3-dynamic')!;
    const again = await makeTicket({
      positions: deskBook(config),
      market,
      asOfMs: market.asOfMs,
      mode: 'dynamic',
      policy: deskPolicy(config),
    });
    const first = tickets.get('wbtc-usdc-v3-dynamic')!;
    expect(again.id).toBe(first.id);
    expect(again.legs).toEqual(first.legs);
    expect(again.createdAt).toBe(new Date(market.asOfMs).toISOString());
  });
});

describe('refusals', () => {
  const request = (overrides: Partial<Parameters<typeof makeTicket>[0]> = {}) => {
    const config = configs.get('wbtc-usdc-v3-dynamic')!;
    return {
      positions: deskBook(config),
      market: market as MarketSnapshot,
      asOfMs: market.asOfMs,
      mode: 'dynamic' as const,
      policy: deskPolicy(config),
      ...overrides,
    };
  };

  it('refuses quotes older than the policy allows', async () => {
    const req = request({ asOfMs: market.source.dataTimeMs + 61_000 });
    await expect(makeTicket(req)).rejects.toThrow(StaleMarketError);
    await expect(makeTicket(req)).rejects.toThrow(/61\.0 s old.*allows 60\.0 s/);
  });

  it('refuses when no candidate set can reach the gamma target', async () => {
    const base = request();
    const policy = { ...base.policy, limits: { maxContractsPerLeg: 0.2, maxPremiumQuote: null }, maxLegs: 1 };
    await expect(makeTicket({ ...base, policy })).rejects.toThrow(InfeasibleHedgeError);
    await expect(makeTicket({ ...base, policy })).rejects.toThrow(/gamma target/);
  });

  it('refuses a chain that fails its sanity checks', async () => {
    const symbols = market.chains.flatMap((c) => c.options.map((o) => o.instrument.symbol));
    const flagged = symbols.filter((_, i) => i % 2 === 0);
    const broken: MarketSnapshot = {
      ...market,
      issues: flagged.map((symbol) => ({ symbol, reason: 'crossed-book', detail: 'bid above ask' })),
      usableForHedging: new Set(symbols.filter((_, i) => i % 2 === 1)),
    };
    await expect(makeTicket(request({ market: broken }))).rejects.toThrow(MarketSanityError);
    await expect(makeTicket(request({ market: broken }))).rejects.toThrow(/fails its sanity checks.*crossed-book/);
  });

  it('refuses a perp that fails its sanity checks', async () => {
    const perpSymbol = market.perp!.instrument.symbol;
    const broken: MarketSnapshot = {
      ...market,
      issues: [...market.issues, { symbol: perpSymbol, reason: 'stale', detail: 'quote is 120 s old' }],
      usableForHedging: new Set([...market.usableForHedging].filter((s) => s !== perpSymbol)),
    };
    await expect(makeTicket(request({ market: broken }))).rejects.toThrow(/BTC-PERPETUAL fails its sanity checks/);
  });
});

/** Delta and gamma of the book plus the legs, each leg recomputed from its own instrument. */
function afterFromLegs(ticket: Ticket): { delta: number; gamma: number } {
  let delta = ticket.before.delta;
  let gamma = ticket.before.gamma;
  for (const leg of ticket.legs) {
    const g = legGreeks(leg, ticket.asOfMs);
    delta += g.delta;
    gamma += g.gamma;
  }
  return { delta, gamma };
}

describe('dynamic tickets under other policies', () => {
  const v3 = () => configs.get('wbtc-usdc-v3-dynamic')!;

  for (const costModel of ['theta', 'premium'] as const) {
    it(`cost model ${costModel}: still neutral within tolerance`, async () => {
      const config = v3();
      const ticket = await makeTicket({
        positions: deskBook(config),
        market,
        asOfMs: market.asOfMs,
        mode: 'dynamic',
        policy: deskPolicy(config),
        policyOverrides: { costModel },
      });
      expect(ticket.policy.costModel).toBe(costModel);
      const after = afterFromLegs(ticket);
      expect(Math.abs(after.delta)).toBeLessThanOrEqual(ticket.tolerance.delta);
      expect(Math.abs(after.gamma)).toBeLessThanOrEqual(ticket.tolerance.gamma!);
    });
  }

  it('hedges only the named positions and refuses unknown ids', async () => {
    const config = configs.get('wbtc-usdc-v2-dynamic')!;
    const positions = deskBook(config);
    const ticket = await makeTicket({
      positions,
      positionIds: ['wbtc-usdc-v2'],
      market,
      asOfMs: market.asOfMs,
      mode: 'dynamic',
      policy: deskPolicy(config),
    });
    expect(ticket.positions.map((p) => p.id)).toEqual(['wbtc-usdc-v2']);
    await expect(
      makeTicket({ positions, positionIds: ['nope'], market, asOfMs: market.asOfMs, mode: 'dynamic' }),
    ).rejects.toThrow(UnknownPositionError);
  });

  it('neutrality holds for random v3 ranges and sizes on the built-in chain', async () => {
    const F = market.index!;
    let feasible = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.double({ min: 0.05, max: 0.3, noNaN: true }),
        fc.double({ min: 0.05, max: 0.3, noNaN: true }),
        fc.double({ min: 1e5, max: 5e6, noNaN: true }),
        async (down, up, deposit) => {
          const position = {
            id: 'lp',
            kind: 'lp' as const,
            position: v3FromDeposit({ lower: F * (1 - down), upper: F * (1 + up), price: F, depositValue: deposit }),
          };
          let ticket: Ticket;
          try {
            ticket = await makeTicket({
              positions: [position],
              market,
              asOfMs: market.asOfMs,
              mode: 'dynamic',
              policy: deskPolicy(v3()),
            });
          } catch (error) {
            expect(error).toBeInstanceOf(InfeasibleHedgeError);
            return;
          }
          const after = afterFromLegs(ticket);
          expect(Math.abs(after.delta)).toBeLessThanOrEqual(ticket.tolerance.delta);
          expect(Math.abs(after.gamma)).toBeLessThanOrEqual(ticket.tolerance.gamma!);
          feasible++;
        },
      ),
      { numRuns: 12, seed: 7 },
    );
    // The property must not hold vacuously: most of these books are hedgeable within the limits.
    expect(feasible).toBeGreaterThanOrEqual(6);
  });
});
