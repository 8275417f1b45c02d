/**
 * One engine (issue "One book for the desk"): for random LP positions and random hedges held on the built-in
 * Deribit chain, the stream's per-position `net` and `toTrade` equal what the ticket engine computes for a ticket
 * of that position at the same market state and holdings: the ticket's `before` and its `book.toTrade`.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Holding } from '../../hedging/index.js';
import { DeskBook } from '../../src/service/deskBook.js';
import { ScriptedFeed } from '../../src/service/feeds/scripted.js';
import type { StoredPosition } from '../../src/service/types.js';
import { builtinMarket } from './helpers.js';

describe('stream and tickets: one engine', () => {
  it("the stream's net and toTrade equal the ticket engine's at the same state", async () => {
    const market = await builtinMarket();
    const feed = new ScriptedFeed(market);
    const options = market.chains
      .flatMap((c) => c.options)
      .filter((o) => market.usableForHedging.has(o.instrument.symbol))
      .map((o) => o.instrument.venueId);
    const lp = fc.oneof(
      fc.record({
        model: fc.constant('v3' as const),
        lower: fc.integer({ min: 55_000, max: 74_000 }),
        width: fc.integer({ min: 3_000, max: 30_000 }),
        depositValue: fc.integer({ min: 50_000, max: 5_000_000 }),
      }),
      fc.record({ model: fc.constant('v2' as const), depositValue: fc.integer({ min: 50_000, max: 5_000_000 }) }),
    );
    const held = fc.array(
      fc.oneof(
        fc.record({
          instrument: fc.constantFrom(...options),
          contracts: fc.integer({ min: -50, max: 50 }).filter((n) => n !== 0),
        }),
        fc.record({
          instrument: fc.constant('BTC-PERPETUAL'),
          contracts: fc.integer({ min: -100_000, max: 100_000 }).filter((n) => n !== 0),
        }),
      ),
      { maxLength: 4 },
    );
    await fc.assert(
      fc.asyncProperty(lp, held, fc.double({ min: 0.9, max: 1.1, noNaN: true }), async (spec, hedges, move) => {
        const snapshot = feed.pushMove(move);
        const markets = new Map([['deribit/BTC', snapshot]]);
        const id = 'p1';
        const holdings: Holding[] = hedges.map((h, i) => {
          const isPerp = h.instrument === 'BTC-PERPETUAL';
          return {
            id: `h${i}`,
            venue: 'deribit',
            underlying: 'BTC',
            instrument: h.instrument,
            kind: isPerp ? 'perp' : 'option',
            scope: [id],
            // Options in tenths of a contract (Deribit's lot), the perp in whole 10 USD contracts.
            netContracts: isPerp ? h.contracts : h.contracts / 10,
            averagePrice: null,
            realisedPnl: 0,
            realisedPnlCurrency: 'BTC',
            feesQuote: 0,
            openedAtMs: 0,
            fills: [],
            contractSize: isPerp ? null : 1,
            contractValueQuote: isPerp ? 10 : null,
            priceCurrency: isPerp ? 'USD' : 'BTC',
          };
        });
        const desk = new DeskBook({
          markets: () => markets,
          holdings: () => holdings,
          now: () => snapshot.receivedAtMs,
          maxQuoteAgeMs: 60_000,
          suggestions: false,
        });
        const position: StoredPosition = {
          kind: 'lp',
          venue: 'deribit',
          underlying: 'BTC',
          price: 75_800,
          depositValue: spec.depositValue,
          ...(spec.model === 'v3'
            ? { model: 'v3' as const, lower: spec.lower, upper: spec.lower + spec.width }
            : { model: 'v2' as const }),
          id,
          createdAtMs: 0,
          updatedAtMs: 0,
          version: 1,
        };
        desk.setPositions([position]);
        const [state] = desk.tick('deribit/BTC', snapshot);
        // The ticket may be refused (an infeasible gamma target); what it was priced on is the same either way.
        const proposal = await desk.propose({ mode: 'dynamic', positionIds: [id] }).catch((e: Error) => e);
        if (proposal instanceof Error) {
          // Refusals the engine may give: no gamma target reachable, or a book whose LP has no gamma (out of range)
          // while its hedges have some, which a tolerance relative to the LP gamma cannot bound.
          expect(`${proposal.name}: ${proposal.message}`).toMatch(/Infeasible|Limit|gammaAbsolute/);
          return;
        }
        const before = proposal.ticket.before;
        expect(state!.net!.delta).toBe(before.delta);
        expect(state!.net!.gamma).toBe(before.gamma);
        expect(state!.net!.vegaPerUnitVol).toBe(before.vega);
        expect(state!.net!.thetaPerYear).toBe(before.theta);
        expect(state!.toTrade).toEqual((proposal.content.book as { toTrade: unknown }).toTrade);
        expect(state!.band).toEqual((proposal.content.book as { band: unknown }).band);
      }),
      { numRuns: 25, seed: 20261202 },
    );
  });
});
