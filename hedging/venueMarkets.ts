/**
 * The markets one ticket may draw on: the request's own market (the book's venue: it values the positions, takes
 * the delta hedge and draws the scenarios) and the markets of further venues for the same underlying, whose options
 * join the same MIP (issue 12 item 4, "legs across venues").
 *
 * Each venue keeps its own clock: its quotes are aged and its options timed against its own `asOfMs` (a replayed
 * recording runs on the data's time, a live feed on the wall clock), never against another venue's. Greeks from
 * every venue are in the one unit set of docs/CONVENTIONS.md (quote-currency derivatives per base unit; coin-settled
 * options premium-adjusted: book.ts `optionUnitGreeks`), and, as in the book, a one-dollar move of the pool price is
 * taken to move every venue's forward by one dollar (the basis between venues is reported, not modelled), so the
 * legs' Greeks add up across venues.
 */
import type { MarketSnapshot, Venue } from '../adapters/model.js';
import { InvalidHedgeInputError } from './errors.js';

/** A further venue's market as a request passes it. */
export interface VenueMarketInput {
  market: MarketSnapshot;
  /** The venue's own clock (UTC ms): its quotes are aged and its options timed against it; default the ticket's. */
  asOfMs?: number;
}

/** One venue's market with the clock its quotes are judged on. */
export interface VenueMarket {
  venue: Venue;
  market: MarketSnapshot;
  asOfMs: number;
  /** True for the request's own market (the book's venue), false for a further venue's. */
  primary: boolean;
}

/**
 * The request's markets, its own first. Refuses a further market of another underlying, a venue given twice and a
 * clock that is not a time, naming the entry (`venueMarkets[i]...`).
 */
export function venueMarketsOf(
  market: MarketSnapshot,
  asOfMs: number,
  others: readonly VenueMarketInput[] = [],
): VenueMarket[] {
  const out: VenueMarket[] = [{ venue: market.venue, market, asOfMs, primary: true }];
  others.forEach((entry, i) => {
    const field = `venueMarkets[${i}]`;
    const m = entry?.market;
    if (!m || typeof m !== 'object' || !Array.isArray(m.chains)) {
      throw new InvalidHedgeInputError(`${field}.market`, m, 'must be a market snapshot');
    }
    if (m.underlying !== market.underlying) {
      throw new InvalidHedgeInputError(
        `${field}.market.underlying`,
        m.underlying,
        `must be ${market.underlying}, the underlying of the ticket's market (${market.venue}): ` +
          'one ticket hedges one underlying, legs of another cannot be netted with it',
      );
    }
    const twice = out.find((v) => v.venue === m.venue);
    if (twice) {
      throw new InvalidHedgeInputError(
        `${field}.market.venue`,
        m.venue,
        `is given twice (${twice.primary ? "it is the ticket's own market" : 'an earlier venueMarkets entry'}): one snapshot per venue`,
      );
    }
    const clock = entry.asOfMs ?? asOfMs;
    if (!Number.isFinite(clock)) throw new InvalidHedgeInputError(`${field}.asOfMs`, clock, 'must be a time in UTC ms');
    out.push({ venue: m.venue, market: m, asOfMs: clock, primary: false });
  });
  return out;
}

/** The market of `venue` among `markets`, or null. */
export function marketOfVenue(markets: readonly VenueMarket[], venue: string): VenueMarket | null {
  return markets.find((m) => m.venue === venue) ?? null;
}

/**
 * How far the ticket's clock is ahead of a venue's (ms): added to that venue's expiries, it puts them on the ticket's
 * clock with the same time to run (for the scenario grid and the review times, which run on the ticket's clock).
 */
export function clockOffsetMs(ticketAsOfMs: number, venue: VenueMarket): number {
  return ticketAsOfMs - venue.asOfMs;
}
