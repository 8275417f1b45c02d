import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  assignFillsToLegs,
  baseAmountOf,
  closedPnl,
  foldFills,
  holdingId,
  unrealisedPnlOf,
} from '../../hedging/ledger.js';
import type { ContractTerms, Fill } from '../../hedging/ledger.js';
import { InvalidHedgeInputError } from '../../hedging/errors.js';

/** Deribit BTC option: 1 BTC per contract, priced in BTC. */
const OPTION: ContractTerms = { contractSize: 1, contractValueQuote: null, priceCurrency: 'BTC' };
/** Deribit BTC-PERPETUAL: inverse, 10 USD per contract, priced in USD per BTC. */
const PERP: ContractTerms = { contractSize: null, contractValueQuote: 10, priceCurrency: 'USD' };

let n = 0;
function fill(contracts: number, price: number, over: Partial<Fill> = {}): Fill {
  n++;
  return {
    id: `f${n}`,
    atMs: 1_000 + n,
    venue: 'deribit',
    underlying: 'BTC',
    instrument: 'BTC-26JUN26-70000-P',
    kind: 'option',
    contracts,
    price,
    feeQuote: 0.5,
    venueOrderId: null,
    ticketId: null,
    legIndex: null,
    scope: [],
    source: 'manual',
    actor: 'test',
    ...OPTION,
    ...over,
  };
}
const perpFill = (contracts: number, price: number, over: Partial<Fill> = {}) =>
  fill(contracts, price, { instrument: 'BTC-PERPETUAL', kind: 'perp', ...PERP, ...over });

const contracts = fc.integer({ min: 1, max: 5000 }).map((x) => x / 10);
const optionPrice = fc.integer({ min: 5, max: 5000 }).map((x) => x / 10_000);
const perpPrice = fc.integer({ min: 20_000, max: 150_000 });
const sign = fc.constantFrom(1, -1);

describe('foldFills', () => {
  it('is order-independent for same-sign fills (net, average, fees; no realised P&L)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(contracts, optionPrice), { minLength: 1, maxLength: 12 }),
        sign,
        fc.boolean(),
        (rows, s, inverse) => {
          const make = (c: number, p: number, at: number) =>
            inverse ? perpFill(s * c * 10, p * 1e7, { atMs: at }) : fill(s * c, p, { atMs: at });
          const forward = rows.map(([c, p]) => make(c, p, 5));
          const backward = [...rows].reverse().map(([c, p]) => make(c, p, 5));
          const [a] = foldFills(forward);
          const [b] = foldFills(backward);
          expect(a!.netContracts).toBeCloseTo(b!.netContracts, 9);
          expect(a!.averagePrice! / b!.averagePrice!).toBeCloseTo(1, 12);
          expect(a!.feesQuote).toBeCloseTo(0.5 * rows.length, 9);
          expect(a!.realisedPnl).toBe(0);
          expect(b!.realisedPnl).toBe(0);
        },
      ),
    );
  });

  it('buy then sell of the same contracts at the same price is flat with 0 realised P&L', () => {
    fc.assert(
      fc.property(fc.array(contracts, { minLength: 1, maxLength: 6 }), optionPrice, perpPrice, (sizes, p, pp) => {
        const option = foldFills([...sizes.map((c) => fill(c, p)), ...sizes.map((c) => fill(-c, p))])[0]!;
        expect(option.netContracts).toBe(0);
        expect(option.averagePrice).toBeNull();
        expect(option.realisedPnl).toBeCloseTo(0, 12);
        const perp = foldFills([
          ...sizes.map((c) => perpFill(c * 10, pp)),
          ...sizes.map((c) => perpFill(-c * 10, pp)),
        ])[0]!;
        expect(perp.netContracts).toBe(0);
        expect(perp.realisedPnl).toBeCloseTo(0, 12);
        expect(perp.realisedPnlCurrency).toBe('BTC');
      }),
    );
  });

  it('realises the closed formula on a round trip: linear in the price currency, inverse in the coin', () => {
    fc.assert(
      fc.property(contracts, sign, optionPrice, optionPrice, perpPrice, perpPrice, (c, s, p0, p1, q0, q1) => {
        const option = foldFills([fill(s * c, p0), fill(-s * c, p1)])[0]!;
        expect(option.realisedPnl).toBeCloseTo(s * c * 1 * (p1 - p0), 10);
        expect(option.realisedPnlCurrency).toBe('BTC');
        const k = Math.round(c * 10);
        const perp = foldFills([perpFill(s * k, q0), perpFill(-s * k, q1)])[0]!;
        expect(perp.realisedPnl).toBeCloseTo(s * k * 10 * (1 / q0 - 1 / q1), 12);
      }),
    );
  });

  it('the realised P&L of averaged-in fills equals the sum over each fill (harmonic average for inverse)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(contracts, perpPrice), { minLength: 1, maxLength: 8 }), perpPrice, (rows, exit) => {
        const fills = rows.map(([c, p]) => perpFill(c * 10, p));
        const total = rows.reduce((sum, [c]) => sum + c * 10, 0);
        const h = foldFills([...fills, perpFill(-total, exit)])[0]!;
        const expected = rows.reduce((sum, [c, p]) => sum + c * 10 * 10 * (1 / p - 1 / exit), 0);
        expect(h.realisedPnl).toBeCloseTo(expected, 10);
        expect(Math.abs(h.netContracts)).toBeLessThan(1e-9);
      }),
    );
  });

  it('handles a flip: closes the old position against its average, opens the rest at the flip price', () => {
    fc.assert(
      fc.property(contracts, contracts, sign, optionPrice, optionPrice, (a, extra, s, p0, p1) => {
        const h = foldFills([fill(s * a, p0), fill(-s * (a + extra), p1, { atMs: 9_999_999 })])[0]!;
        expect(h.netContracts).toBeCloseTo(-s * extra, 9);
        expect(h.averagePrice).toBe(p1);
        expect(h.realisedPnl).toBeCloseTo(s * a * (p1 - p0), 10);
        expect(h.openedAtMs).toBe(9_999_999);
      }),
    );
  });

  it('a partial reduction keeps the average and realises only the closed part', () => {
    const h = foldFills([fill(2, 0.01), fill(2, 0.03), fill(-1, 0.05)])[0]!;
    expect(h.netContracts).toBe(3);
    expect(h.averagePrice).toBeCloseTo(0.02, 12);
    expect(h.realisedPnl).toBeCloseTo(1 * (0.05 - 0.02), 12);
    expect(h.feesQuote).toBeCloseTo(1.5, 12);
  });

  it('applies fills in time order, whatever order they are given in', () => {
    const buy = fill(1, 0.01, { atMs: 100 });
    const sell = fill(-1, 0.02, { atMs: 200 });
    const [h] = foldFills([sell, buy]);
    // Buy first then sell: +0.01 realised. Sell first then buy would have realised -0.01.
    expect(h!.realisedPnl).toBeCloseTo(0.01, 12);
  });

  it('keeps holdings apart per venue, instrument and scope, with stable ids', () => {
    const hs = foldFills([fill(1, 0.01, { scope: ['b', 'a'] }), fill(1, 0.01, { scope: ['a', 'b'] }), fill(1, 0.01)]);
    expect(hs).toHaveLength(2);
    const scoped = hs.find((h) => h.scope.length === 2)!;
    expect(scoped.scope).toEqual(['a', 'b']);
    expect(scoped.netContracts).toBe(2);
    expect(scoped.id).toBe(holdingId('deribit', 'BTC-26JUN26-70000-P', ['b', 'a']));
    expect(scoped.id).toMatch(/^h-[0-9a-f]{16}$/);
    expect(holdingId('deribit', 'BTC-26JUN26-70000-P', [])).not.toBe(scoped.id);
  });

  it('refuses fills of one holding with different contract terms, naming the field', () => {
    expect(() => foldFills([fill(1, 0.01), fill(1, 0.01, { contractSize: 0.1 })])).toThrow(/fills\[1\]\.contractSize/);
    expect(() => foldFills([fill(0, 0.01)])).toThrow(InvalidHedgeInputError);
  });
});

describe('baseAmountOf and unrealisedPnlOf', () => {
  it('converts contracts to base units: options by contract size, inverse perps by USD value over the price', () => {
    const option = foldFills([fill(-2.5, 0.01, { contractSize: 0.1 })])[0]!;
    expect(baseAmountOf(option, null)).toBeCloseTo(-0.25, 12);
    const perp = foldFills([perpFill(-7580, 75_800)])[0]!;
    expect(baseAmountOf(perp, 75_800)).toBeCloseTo(-1, 12);
    expect(baseAmountOf(perp, null)).toBeNull();
    expect(unrealisedPnlOf(perp, 80_000)).toBeCloseTo(-7580 * 10 * (1 / 75_800 - 1 / 80_000), 12);
    expect(unrealisedPnlOf(option, null)).toBeNull();
    expect(closedPnl(PERP, 10, 50_000, 100_000)).toBeCloseTo(100 * (1 / 50_000 - 1 / 100_000), 15);
  });
});

describe('assignFillsToLegs', () => {
  const legs = [
    { instrument: 'BTC-26JUN26-70000-P', side: 'buy' as const, contracts: 9.2 },
    { instrument: 'BTC-PERPETUAL', side: 'sell' as const, contracts: 25_150 },
  ];

  it('assigns fills to legs and allows partial fills up to the leg (with float tolerance)', () => {
    expect(
      assignFillsToLegs(
        legs,
        [0, 0],
        [
          { instrument: 'BTC-PERPETUAL', contracts: -150, price: 75_000 },
          { instrument: 'BTC-26JUN26-70000-P', contracts: 0.1, price: 0.01 },
          { instrument: 'BTC-26JUN26-70000-P', contracts: 9.1, price: 0.01 },
        ],
      ),
    ).toEqual([1, 0, 0]);
    // 0.1 + 0.2 + ... sums above 9.2 by a float hair: still fits.
    const tenths = Array.from({ length: 92 }, () => ({ instrument: legs[0]!.instrument, contracts: 0.1, price: 0.01 }));
    expect(() => assignFillsToLegs(legs, [0, 0], tenths)).not.toThrow();
  });

  it('names the field of a fill that is not a leg, of the wrong sign, or beyond the leg', () => {
    expect(() =>
      assignFillsToLegs(legs, [0, 0], [{ instrument: 'BTC-X', contracts: 1, price: 1 }], 'body.fills'),
    ).toThrow(/^body\.fills\[0\]\.instrument: is not a leg of the ticket/);
    expect(() =>
      assignFillsToLegs(
        legs,
        [0, 0],
        [
          { instrument: 'BTC-PERPETUAL', contracts: -10, price: 75_000 },
          { instrument: 'BTC-PERPETUAL', contracts: 10, price: 75_000 },
        ],
        'body.fills',
      ),
    ).toThrow(/^body\.fills\[1\]\.contracts: the BTC-PERPETUAL leg is a sell: contracts must be negative/);
    expect(() =>
      assignFillsToLegs(legs, [9, 0], [{ instrument: legs[0]!.instrument, contracts: 0.3, price: 0.01 }], 'body.fills'),
    ).toThrow(/^body\.fills\[0\]\.contracts: exceeds what is left of the BTC-26JUN26-70000-P leg/);
    // Cumulative within one request, too.
    expect(() =>
      assignFillsToLegs(
        legs,
        [0, 0],
        [
          { instrument: 'BTC-PERPETUAL', contracts: -25_000, price: 75_000 },
          { instrument: 'BTC-PERPETUAL', contracts: -200, price: 75_000 },
        ],
      ),
    ).toThrow(/fills\[1\]\.contracts/);
    expect(() => assignFillsToLegs(legs, [0, 0], [{ instrument: 'BTC-PERPETUAL', contracts: -1, price: 0 }])).toThrow(
      /fills\[0\]\.price/,
    );
  });
});
