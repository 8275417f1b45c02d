/**
 * The hedge ticket: one zod schema (the TypeScript type is inferred from it) and its renderers: a plain-text table
 * (default), JSON and CSV (one row per leg). A trader executes it without arithmetic: every leg states contracts
 * and base units, a limit price in the venue's currency on the venue's tick grid, and what it does to the book.
 */
import { z } from 'zod';
import { hedgePolicySchema } from './policySchema.js';
import { horizonSummarySchema } from './horizon.js';

/**
 * Greeks as the maths has them (README "Conventions"): delta dV/dF (base units), gamma d2V/dF2, vega dV/dsigma in
 * USD per 1.00 of vol (not per vol point), theta dV/dt in USD per year (not per day). Displays convert, and say so.
 */
const greeks = z.object({
  delta: z.number(),
  gamma: z.number(),
  /** dV/dsigma, USD per 1.00 of vol (decimal sigma). */
  vega: z.number(),
  /** dV/dt, USD per year. */
  theta: z.number(),
});

/** The figures a desk reads: vega per vol point (dV/dsigma / 100) and theta per day (per year / 365). */
const displayGreeks = z.object({ vegaQuotePerVolPoint: z.number(), thetaQuotePerDay: z.number() });

export const ticketPositionSchema = z.object({
  id: z.string(),
  kind: z.enum(['lp', 'option', 'perp', 'future', 'balance']),
  label: z.string().nullable(),
  model: z.enum(['v2', 'v3', 'weighted']).nullable(),
  range: z.object({ lower: z.number(), upper: z.number().nullable() }).nullable(),
  liquidity: z.number().nullable(),
  instrument: z.string().nullable(),
  contracts: z.number().nullable(),
  price: z.number(),
  value: z.number(),
  delta: z.number(),
  gamma: z.number(),
  vega: z.number(),
  theta: z.number(),
});

export const ticketLegSchema = z.object({
  venue: z.string(),
  /** The venue's own instrument id. */
  instrument: z.string(),
  kind: z.enum(['option', 'perp', 'future']),
  type: z.enum(['call', 'put']).nullable(),
  strike: z.number().nullable(),
  /** ISO-8601 expiry (08:00 UTC), null for perps. */
  expiry: z.string().nullable(),
  side: z.enum(['buy', 'sell']),
  /** Unsigned contracts to trade (the side gives the sign). */
  contracts: z.number().positive(),
  /** Signed base units (+ bought). */
  baseAmount: z.number(),
  /** Limit price in `priceCurrency`, on the venue's tick grid (buy: the ask rounded up; sell: the bid rounded down). */
  limitPrice: z.number(),
  priceCurrency: z.string(),
  bid: z.number().nullable(),
  ask: z.number().nullable(),
  mid: z.number().nullable(),
  /** Mark IV, decimal. */
  iv: z.number().nullable(),
  forward: z.number().nullable(),
  /** The leg's contributions to the book (quote currency Greeks of `baseAmount`; vega per 1.00 vol, theta per year). */
  delta: z.number(),
  gamma: z.number(),
  vega: z.number(),
  theta: z.number(),
  /** Cost under the ticket's cost model, USD (spread: half-spread + fees). */
  cost: z.number(),
  /** Venue fees, USD. */
  fees: z.number(),
  /** Premium paid (+) or received (-), USD, at the limit price. */
  premiumQuote: z.number(),
});

export const warningSchema = z.object({
  code: z.enum([
    'stale-quotes',
    'wide-spread',
    'thin-book',
    'rounding-residual',
    'expiry-mismatch',
    'sanity-excluded',
    'limit',
    'out-of-range',
    'tail-uncovered',
    'within-tolerance',
  ]),
  message: z.string(),
});

export const scenarioRowSchema = z.object({
  horizon: z.string(),
  horizonDays: z.number(),
  volShift: z.number(),
  spotMove: z.number(),
  price: z.number(),
  pnlBefore: z.number(),
  pnlAfter: z.number(),
});

export const stripSummarySchema = z.object({
  expiry: z.string(),
  expiryYears: z.number(),
  forwardPrice: z.number(),
  /** Base units of forward the strip holds (traded as the delta hedge leg). */
  forwardBase: z.number(),
  cash: z.number(),
  /** Premium of the strip at model prices before / after rounding to lots, USD. */
  premiumUnrounded: z.number(),
  premiumRounded: z.number(),
  continuousPremium: z.number(),
  /** Price interval the listed strikes cover (the strip is exact between them up to the interpolation error). */
  coverage: z.object({ lower: z.number(), upper: z.number() }),
  /** What is not covered beyond the outer strikes (present value, USD). */
  uncoveredBelow: z.number(),
  uncoveredAbove: z.number(),
  /** Largest interpolation error between the outer strikes, USD, and where. */
  maxError: z.number(),
  maxErrorPrice: z.number(),
  /** Largest |LP IL + rounded strip| on a grid over the covered interval, USD (includes the lot rounding). */
  maxErrorRounded: z.number(),
  horizonDays: z.number(),
  expiryDays: z.number(),
  /** Continuous hedge value to the LP horizon minus to the expiry, USD (> 0: the strip is short-dated). */
  expiryMismatchQuote: z.number().nullable(),
});

/**
 * The LP's carry over the horizon beside the hedge's cost over the same horizon (hedging/carry.ts), quote currency:
 * expected fees, LVR, what the hedge costs (spread and fees now plus the option legs' decay), the LVR the hedge
 * leaves (LVR minus the legs' gamma income at the same vol), the net hedged and unhedged, and the break-even fee
 * APRs (decimal fractions of the LP's value a year in range; null without LP value).
 */
export const ticketCarrySchema = z.object({
  horizonDays: z.number(),
  /** Vol LVR and the legs' gamma income are measured at (decimal): ATM IV of the expiry covering the horizon. */
  vol: z.number(),
  volExpiry: z.string(),
  thetaBasis: z.enum(['fees-minus-lvr', 'lvr-only', 'partial']),
  lpValueQuote: z.number(),
  expectedFeesQuote: z.number(),
  lvrQuote: z.number(),
  hedgeCostQuote: z.number(),
  spreadAndFeesQuote: z.number(),
  optionDecayQuote: z.number(),
  gammaIncomeQuote: z.number(),
  lvrLeftQuote: z.number(),
  netQuote: z.object({ unhedged: z.number(), hedged: z.number() }),
  breakEvenFeeApr: z.object({ unhedged: z.number().nullable(), hedged: z.number().nullable() }),
  assumptions: z.array(z.string()),
});

/**
 * One venue of the ticket (hedging/venueGroups.ts): its market's source and clock, the legs traded there, their
 * subtotals (USD) and the initial margin they need there (hedging/venueMargin.ts, the model stated in `model`).
 * Every market the request brought is listed, the ticket's own first, including one that contributed no leg.
 */
export const ticketVenueSchema = z.object({
  venue: z.string(),
  /** True for the ticket's own market (the book's venue, the delta hedge's). */
  primary: z.boolean(),
  /** Whether `policy.candidates.venues` lets this venue's options be traded. */
  optionsAllowed: z.boolean(),
  source: z.string(),
  /** The venue's own clock its quotes were aged and its options timed against. */
  asOf: z.string(),
  dataTime: z.string(),
  /** Venue ids of the legs traded on this venue, in the order of `legs`. */
  legs: z.array(z.string()),
  subtotals: z.object({
    premiumQuote: z.number(),
    feesQuote: z.number(),
    costQuote: z.number(),
    /** Sum of |base| x forward (options) or x price (perp/future), USD. */
    notionalQuote: z.number(),
  }),
  margin: z.object({
    initialMarginQuote: z.number(),
    /** Per settle currency the legs post margin in (BTC for coin-settled, USDT/USDC for linear). */
    byCurrency: z.array(z.object({ currency: z.string(), initialMargin: z.number(), initialMarginQuote: z.number() })),
    model: z.string(),
  }),
});

export const ticketSchema = z.object({
  id: z.string(),
  createdAt: z.string(),
  asOfMs: z.number(),
  mode: z.enum(['static', 'dynamic']),
  source: z.object({ kind: z.string(), label: z.string(), dataTimeMs: z.number(), dataTime: z.string() }),
  venue: z.string(),
  underlying: z.string(),
  /** Pool (spot) price the book is valued at, quote per base. */
  price: z.number(),
  positions: z.array(ticketPositionSchema),
  legs: z.array(ticketLegSchema),
  before: greeks,
  after: greeks,
  /** `before` and `after` in display units: vega USD per vol point, theta USD per day. */
  beforeDisplay: displayGreeks,
  afterDisplay: displayGreeks,
  target: z.object({ delta: z.number(), gamma: z.number() }),
  /**
   * Absolute tolerances the ticket was built to (gamma null: not targeted, static mode); vega is the |vega| bound
   * per 1.00 of vol (the policy's `maxAbsVegaQuotePerVolPoint` x 100), null without one.
   */
  tolerance: z.object({ delta: z.number(), gamma: z.number().nullable(), vega: z.number().nullable() }),
  residual: z.object({ delta: z.number(), gamma: z.number() }),
  totals: z.object({ cost: z.number(), fees: z.number(), premiumQuote: z.number() }),
  /** The legs grouped by venue with subtotals and margin (absent: tickets made before venues were grouped). */
  venues: z.array(ticketVenueSchema).optional(),
  optimiser: z
    .object({
      costModel: z.string(),
      candidatesListed: z.number(),
      candidatesEligible: z.number(),
      candidatesUsed: z.number(),
      relaxedCost: z.number(),
      roundedCost: z.number(),
    })
    .nullable(),
  strip: stripSummarySchema.nullable(),
  /** The LP's carry and the hedge's cost over the horizon; null when the book holds no LP (absent: older tickets). */
  carry: ticketCarrySchema.nullable().optional(),
  /**
   * Cost of the protection over the LP's horizon (hedging/horizon.ts): rolls, funding, cost per day; present when
   * the policy names a horizon or the horizon objective.
   */
  horizon: horizonSummarySchema.optional(),
  rebalance: z.object({
    action: z.enum(['none', 'rebalance']),
    band: z.string(),
    halfWidthBase: z.number(),
    deviationBase: z.number(),
    message: z.string(),
    nextReviews: z.array(z.string()),
  }),
  scenarios: z.object({
    spotMoves: z.array(z.number()),
    volShifts: z.array(z.number()),
    horizons: z.array(z.object({ label: z.string(), days: z.number() })),
    rows: z.array(scenarioRowSchema),
    worstBefore: z.number(),
    worstAfter: z.number(),
  }),
  warnings: z.array(warningSchema),
  policy: hedgePolicySchema,
});

export type Ticket = z.infer<typeof ticketSchema>;
export type TicketLeg = z.infer<typeof ticketLegSchema>;
export type TicketCarry = z.infer<typeof ticketCarrySchema>;
export type TicketWarning = z.infer<typeof warningSchema>;
export type TicketVenue = z.infer<typeof ticketVenueSchema>;

// The renderers (text, JSON, CSV) live in ticketRender.ts; re-exported so `./ticket.js` stays the one import.
export { renderTicketCsv, renderTicketJson, renderTicketText } from './ticketRender.js';
export { displayGreeksOf } from './units.js';
