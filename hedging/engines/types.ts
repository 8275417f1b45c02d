/**
 * The engine contract, QuantLib style: the ticket's arguments (the book, the market, the resolved policy, the
 * book's Greeks before, the delta-hedge instrument) go in; the outcome (legs, the book after, the optimiser or strip
 * summary, warnings) comes out. `hedging/assemble.ts` turns an outcome into a ticket; a new mode is a new engine.
 */
import type { MarketSnapshot } from '../../adapters/model.js';
import type { BookPosition } from '../book.js';
import type { DeltaHedgeInstrument } from '../deltaHedge.js';
import type { BookGreeks } from '../optimise.js';
import type { HedgePolicy } from '../policySchema.js';
import type { ScenarioHolding } from '../scenarios.js';
import type { Ticket, TicketLeg, TicketWarning } from '../ticket.js';
import type { VenueMarket } from '../venueMarkets.js';

export type HedgeMode = 'dynamic' | 'static';

export interface HedgeArguments {
  /** The positions being hedged (already selected from the book). */
  positions: readonly BookPosition[];
  market: MarketSnapshot;
  /**
   * Every market the ticket may draw options from, `market` first (hedging/venueMarkets.ts), each with its own
   * clock; absent: `market` alone. The static engine uses `market` only.
   */
  markets?: readonly VenueMarket[];
  /** UTC ms the ticket is made at. */
  asOfMs: number;
  /** The fully resolved policy, overrides applied. */
  policy: HedgePolicy;
  /** The hedged positions' Greeks before the hedge (LP positions and the hedges already held). */
  before: BookGreeks;
  /**
   * Gamma of the LP positions alone: the exposure being hedged, which a relative gamma tolerance is a fraction of.
   * (Measured on the net book it would shrink with every hedge already held, and a hedged book never be "within".)
   */
  lpGamma: number;
  /** What takes the delta, or null (`policy.deltaHedge: 'none'`). */
  deltaHedge: DeltaHedgeInstrument | null;
}

export interface HedgeOutcome {
  legs: TicketLeg[];
  /** The legs as scenario holdings (same order). */
  hedgeHoldings: ScenarioHolding[];
  /** The book's Greeks after the legs. */
  after: BookGreeks;
  optimiser: Ticket['optimiser'];
  strip: Ticket['strip'];
  /** Absolute gamma tolerance the hedge was built to; null when gamma is not targeted (static). */
  gammaTolerance: number | null;
  /** Earliest option expiry among the legs (UTC ms, on the ticket's clock), null when no option is traded. */
  firstExpiryMs: number | null;
  warnings: TicketWarning[];
}

export interface HedgeEngine {
  hedge(args: HedgeArguments): Promise<HedgeOutcome>;
}
