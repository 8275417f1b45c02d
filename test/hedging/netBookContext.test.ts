/**
 * One market state, several books (hedging/netBook.ts `MarketContext`): the stream values each position with its
 * own hedges and then the market's whole book on the same tick, and the context keeps the rows (valueBook) and the
 * LP carries it has computed, so the second book prices nothing twice. Whatever was cached, every book must equal
 * the same book valued on a context of its own, field for field and bit for bit; a caller's pool price is another
 * state and must not read the cache.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { loadMarketSnapshot } from '../../adapters/index.js';
import {
  lpBookPosition,
  lpPositionSpecSchema,
  marketContext,
  netBook,
  resolvePolicy,
  type BookPosition,
} from '../../hedging/index.js';

const market = await loadMarketSnapshot({ venue: 'deribit', underlying: 'BTC', source: 'builtin' });
const puts = market.chains[3]!.options.filter((o) => o.instrument.optionType === 'put');

function lpOf(id: string, lower: number, width: number, feeApr: number | null): BookPosition {
  const spec = lpPositionSpecSchema.parse({
    kind: 'lp',
    model: 'v3',
    lower,
    upper: lower + width,
    price: 75_800,
    depositValue: 250_000,
    ...(feeApr !== null ? { carry: { feeApr } } : {}),
  });
  return lpBookPosition(id, spec);
}

describe('a market context shared by the books of one tick', () => {
  it('values every book as a context of its own would, whatever the order and overlap of the books', () => {
    const policy = resolvePolicy({});
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            lower: fc.integer({ min: 55_000, max: 75_000 }),
            width: fc.integer({ min: 2_000, max: 30_000 }),
            feeApr: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: null }),
            put: fc.integer({ min: 0, max: puts.length - 1 }),
            contracts: fc.integer({ min: -20, max: 20 }).filter((c) => c !== 0),
            perp: fc.integer({ min: -50_000, max: 50_000 }),
          }),
          { minLength: 1, maxLength: 6 },
        ),
        (specs) => {
          const books: BookPosition[][] = specs.map((s, i) => [
            lpOf(`lp${i}`, s.lower, s.width, s.feeApr),
            {
              id: `o${i}`,
              kind: 'option',
              venue: 'deribit',
              instrument: puts[s.put]!.instrument.venueId,
              contracts: s.contracts,
            },
            { id: `p${i}`, kind: 'perp', venue: 'deribit', instrument: 'BTC-PERPETUAL', contracts: s.perp },
          ]);
          const whole = books.flat();
          const shared = marketContext(market, market.asOfMs);
          // Each position's own book first, then the market's, as the stream does; then the own books again.
          const own = books.map((b) => netBook(b, shared, policy));
          const all = netBook(whole, shared, policy);
          const again = books.map((b) => netBook(b, shared, policy));
          books.forEach((b, i) => {
            const alone = netBook(b, marketContext(market, market.asOfMs), policy);
            expect(own[i]).toEqual(alone);
            expect(again[i]).toEqual(alone);
          });
          expect(all).toEqual(netBook(whole, marketContext(market, market.asOfMs), policy));
        },
      ),
      { numRuns: 60, seed: 20261203 },
    );
  });

  it("does not read the cache for a caller's pool price, nor write it", () => {
    const policy = resolvePolicy({});
    const book = [lpOf('lp', 68_000, 16_000, 0.3)];
    const shared = marketContext(market, market.asOfMs);
    const atIndex = netBook(book, shared, policy);
    const elsewhere = netBook(book, shared, policy, { poolPrice: 71_000 });
    expect(elsewhere).toEqual(netBook(book, marketContext(market, market.asOfMs), policy, { poolPrice: 71_000 }));
    expect(elsewhere.price).toBe(71_000);
    expect(elsewhere.lp.delta).not.toBe(atIndex.lp.delta);
    expect(elsewhere.carry.lp.lvrQuotePerDay).not.toBe(atIndex.carry.lp.lvrQuotePerDay);
    // And the index's rows are still the index's.
    expect(netBook(book, shared, policy)).toEqual(atIndex);
  });
});
