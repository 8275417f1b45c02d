/**
 * The carry section of a ticket on the v3 example desk (config/wbtc-usdc-v3-dynamic.json) with a fee APR: every
 * figure recomputed independently from the ticket's own legs and positions (Black-76 with r = 0 on each leg's
 * forward and IV, LVR from the LP's gamma), and the section rendered in the text ticket.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { black76Price } from '../../pricing/index.js';
import { loadMarketSnapshot, type LoadedSnapshot } from '../../adapters/index.js';
import { deskBook, deskPolicy, parseDeskConfig } from '../../src/config/deskConfig.js';
import { makeTicket, renderTicketText, ticketSchema, type Ticket } from '../../hedging/index.js';

const DAYS = 365;
const FEE_APR = 0.3;
let market: LoadedSnapshot;
let withFees: Ticket;
let without: Ticket;

async function ticketOf(carry: unknown): Promise<Ticket> {
  const raw = JSON.parse(readFileSync('config/wbtc-usdc-v3-dynamic.json', 'utf8'));
  if (carry) raw.positions[0].carry = carry;
  const config = parseDeskConfig(raw);
  return makeTicket({
    positions: deskBook(config),
    market,
    asOfMs: market.asOfMs,
    mode: config.mode,
    policy: deskPolicy(config),
  });
}

beforeAll(async () => {
  market = await loadMarketSnapshot({ venue: 'deribit', underlying: 'BTC', source: 'builtin' });
  withFees = await ticketOf({ feeApr: FEE_APR });
  without = await ticketOf(null);
});

describe('the ticket carry section (v3 example, fee APR 30%)', () => {
  it('states fees, LVR and the hedge cost over the same horizon, each recomputed independently', () => {
    const c = withFees.carry!;
    expect(c).toBeTruthy();
    expect(c.horizonDays).toBe(withFees.policy.static.horizonDays);
    const years = c.horizonDays / DAYS;
    // The vol: ATM mark IV of the first expiry at or after the horizon.
    const horizonMs = market.asOfMs + c.horizonDays * 86_400_000;
    const chain = market.chains.find((ch) => ch.expiryMs >= horizonMs)!;
    const atm = chain.options
      .filter((o) => o.markIv !== null)
      .reduce((a, b) =>
        Math.abs(b.instrument.strike! - chain.forward) < Math.abs(a.instrument.strike! - chain.forward) ? b : a,
      );
    expect(c.vol).toBe(atm.markIv);
    expect(c.volExpiry).toBe(chain.expiryIso);

    const lp = withFees.positions.find((p) => p.kind === 'lp')!;
    const P = withFees.price;
    expect(c.lpValueQuote).toBeCloseTo(lp.value, 6);
    expect(c.expectedFeesQuote).toBeCloseTo(FEE_APR * lp.value * years, 6);
    expect(c.lvrQuote).toBeCloseTo(0.5 * c.vol ** 2 * P ** 2 * Math.abs(lp.gamma) * years, 6);
    expect(c.spreadAndFeesQuote).toBe(withFees.totals.cost);

    let decay = 0;
    let gammaIncome = 0;
    const options = withFees.legs.filter((l) => l.kind === 'option');
    expect(options.length).toBeGreaterThan(0);
    for (const l of options) {
      const T = (Date.parse(l.expiry!) - market.asOfMs) / (DAYS * 86_400_000);
      const held = Math.min(T, years);
      const d =
        l.baseAmount *
        (black76Price(l.type!, l.forward!, l.strike!, T, l.iv!) -
          black76Price(l.type!, l.forward!, l.strike!, T - held, l.iv!));
      decay += d;
      gammaIncome += d * ((c.vol * P) / (l.iv! * l.forward!)) ** 2;
    }
    expect(c.optionDecayQuote).toBeCloseTo(decay, 6);
    expect(c.gammaIncomeQuote).toBeCloseTo(gammaIncome, 6);
    expect(c.hedgeCostQuote).toBeCloseTo(withFees.totals.cost + decay, 6);
    expect(c.lvrLeftQuote).toBeCloseTo(c.lvrQuote - gammaIncome, 6);
    expect(c.netQuote.unhedged).toBeCloseTo(c.expectedFeesQuote - c.lvrQuote, 6);
    expect(c.netQuote.hedged).toBeCloseTo(c.expectedFeesQuote - c.hedgeCostQuote - c.lvrLeftQuote, 6);
    expect(c.breakEvenFeeApr.unhedged!).toBeCloseTo(c.lvrQuote / (lp.value * years), 12);
    expect(c.breakEvenFeeApr.hedged!).toBeCloseTo((c.hedgeCostQuote + c.lvrLeftQuote) / (lp.value * years), 12);
    // The legs take over part of the LVR while they live (this one's expire before the 30-day horizon).
    expect(c.gammaIncomeQuote).toBeGreaterThan(0);
    expect(c.lvrLeftQuote).toBeLessThan(c.lvrQuote);
    expect(c.thetaBasis).toBe('fees-minus-lvr');
    expect(c.assumptions.join('\n')).toMatch(/fee APR 0\.3/);
    expect(ticketSchema.parse(withFees)).toEqual(withFees);
  });

  it("the LP's theta in the book is its fee income; without a fee estimate it is 0 and the carry is LVR only", () => {
    const lp = withFees.positions.find((p) => p.kind === 'lp')!;
    expect(lp.theta).toBeCloseTo(FEE_APR * lp.value, 6);
    expect(withFees.before.theta).toBeCloseTo(FEE_APR * lp.value, 6);
    const c = without.carry!;
    expect(without.positions.find((p) => p.kind === 'lp')!.theta).toBe(0);
    expect(c.thetaBasis).toBe('lvr-only');
    expect(c.expectedFeesQuote).toBe(0);
    expect(c.netQuote.unhedged).toBe(-c.lvrQuote);
    // Fees change neither the legs nor the LVR.
    expect(without.legs).toEqual(withFees.legs);
    expect(c.lvrQuote).toBe(withFees.carry!.lvrQuote);
  });

  it('renders the carry beside the hedge in the text ticket', () => {
    const text = renderTicketText(withFees);
    const c = withFees.carry!;
    expect(text).toContain(`carry over ${c.horizonDays} d`);
    const row = (label: string) =>
      text
        .split('\n')
        .find((l) => l.startsWith(label))!
        .trim()
        .split(/\s{2,}/);
    expect(Number(row('expected fees')[1])).toBeCloseTo(c.expectedFeesQuote, 0);
    expect(Number(row('LVR')[1])).toBeCloseTo(-c.lvrQuote, 0);
    expect(Number(row('LVR')[2])).toBeCloseTo(-c.lvrLeftQuote, 0);
    expect(Number(row('net')[2])).toBeCloseTo(c.netQuote.hedged, 0);
    expect(row('break-even fee APR')[1]).toBe(`${Number((c.breakEvenFeeApr.unhedged! * 100).toPrecision(4))}%/yr`);
  });
});
