/**
 * The cost of protection over the LP's horizon, and the roll plan behind it. Pure: the market snapshot, `asOfMs`
 * and the policy go in (fees from the venue tables of adapters/venues/fees, or passed in), numbers and a calendar
 * come out.
 *
 * The model (expected case: the price stays on its forward, so a leg keeps its moneyness; marks and spreads are
 * those listed now):
 * - **Entry**: half the bid-ask spread plus the venue fee of each leg now (the `spread` cost model).
 * - **Rolls**: an option leg that expires before the horizon end is closed `rollBeforeExpiryHours` before its
 *   expiry and replaced by the option of the same type and the same log-moneyness ln(K/F) on the first listed
 *   expiry at or after the horizon end (when none is listed that far, the last listed one, and it is rolled again). The new leg keeps the gamma the old one was bought
 *   with: size x gamma(old, at its inception) / gamma(new, at the roll), both Black-76 at their mark IVs on their
 *   own forwards. A roll costs the close of the old leg and the open of the new, each half-spread plus fee at that
 *   time.
 * - **Close**: the last leg is closed at the horizon end, or the roll lead before its expiry when that comes first
 *   (the horizon is then covered to within the lead; a leg close to expiry costs next to nothing to close).
 * - Spreads at a later time: the spread is held constant **in vol**: the listed half-spread now divided by the
 *   option's vega now, times its vega at that time (so it narrows as the option ages), and never below half a
 *   price tick. Fees at that time: the venue table's fee at the option's Black-76 premium then (the premium cap
 *   binds on cheap, short-dated options).
 * - **Funding**: the delta leg held to the horizon pays (long, rate > 0) or earns (short) the perp's funding:
 *   base x mark x funding APR x horizon years; the APR is the snapshot's (annualised as the venue states it) or
 *   `fundingAprAssumption`. A dated future instead carries its basis (mark / index - 1, per year to its expiry).
 * - **Vega**: optionally `vegaPriceQuotePerVolPoint` x |vega per vol point| of each option leg taken on.
 * Every figure is USD (the quote currency); a ticket's `horizon` section is this model applied to its legs, so the
 * one-off and horizon objectives' tickets are compared by the same numbers.
 */
import { z } from 'zod';
import { black76Greeks, daysToMs, hoursToMs, msToDays, yearFractionAct365 } from '../pricing/index.js';
import type { Chain, FutureQuote, MarketSnapshot, OptionQuote, PerpQuote } from '../adapters/model.js';
import { linearQuoteFeePerBase, optionQuoteFee } from '../adapters/venues/fees/index.js';
import { findQuote, linearMark, optionUnitGreeks } from './book.js';
import { InvalidHedgeInputError } from './errors.js';
import { horizonSettingsOf, type HedgePolicy, type HorizonSettings } from './policySchema.js';
import { tickAt } from './ticks.js';
import { vegaPerUnitVolToPerVolPoint } from './units.js';
import { carryTable, deltaHedgeHorizonCost } from './deltaCarry.js';

export { carryTable, deltaCarry, deltaHedgeHorizonCost, fundingAprOf, type DeltaCarry } from './deltaCarry.js';

/** The venue fees the model charges, per base unit, USD. */
export interface HorizonFees {
  /** Option fee per base unit traded at `premiumQuote` USD per base. */
  option(quote: OptionQuote, premiumQuote: number): number;
  /** Perp or future fee per base unit traded at `price`. */
  linear(quote: PerpQuote | FutureQuote, price: number): number;
}

/** The venue tables' fees under the policy's tier overrides and fee role (adapters/venues/fees). */
export function horizonFeesOf(policy: Pick<HedgePolicy, 'fees' | 'feeRole'>): HorizonFees {
  const terms = { role: policy.feeRole, overrides: policy.fees };
  return {
    option: (quote, premiumQuote) => optionQuoteFee(quote, premiumQuote, terms).feeQuote,
    linear: (quote, price) => linearQuoteFeePerBase(quote, price, terms),
  };
}

export interface HorizonContext {
  market: MarketSnapshot;
  asOfMs: number;
  settings: HorizonSettings;
  horizonEndMs: number;
  rollLeadMs: number;
  fees: HorizonFees;
  /** Chains with at least one two-sided option, by expiry. */
  chains: Chain[];
}

/** One step of a leg's calendar: a roll into a later expiry, or the close at the horizon (or when none is left). */
export interface RollStep {
  action: 'roll' | 'close';
  atMs: number;
  /** Venue id held before the step, and its signed base units. */
  instrument: string;
  baseAmount: number;
  /** Venue id rolled into and its signed base units (null for a close). */
  into: string | null;
  intoBaseAmount: number | null;
  /** Expected cost of the step, USD: close of the old leg plus open of the new. */
  costQuote: number;
}

export interface LegHorizonPlan {
  instrument: string;
  baseAmount: number;
  entryCostQuote: number;
  rollCostQuote: number;
  closeCostQuote: number;
  vegaChargeQuote: number;
  steps: RollStep[];
  /** Days between the horizon end and the end of the last leg's cover when the listing cannot reach it (else 0). */
  uncoveredDays: number;
}

/** A candidate's expected cost to the horizon per base unit bought / sold, USD, with its parts. */
export interface HorizonCandidateCost {
  buyCostQuote: number;
  sellCostQuote: number;
  /** Per base unit: rolls, the close at the horizon and the vega charge (the same bought or sold). */
  rollCostQuote: number;
  closeCostQuote: number;
  vegaChargeQuote: number;
  rolls: number;
}

const carryRowSchema = z.object({
  instrument: z.string(),
  kind: z.enum(['perp', 'future']),
  /** Carry of a long position, decimal per year (funding APR, or the future's basis per year to its expiry). */
  carryApr: z.number(),
  source: z.enum(['snapshot', 'assumption', 'basis']),
  /** Expected carry of one base unit held long to the horizon, USD. */
  costPerBaseLongQuote: z.number(),
  tradable: z.boolean(),
  expiry: z.string().nullable(),
});

/**
 * A ticket's `horizon` section: the model above applied to its legs. Money in USD; `calendar` is every roll and
 * close of the option legs in time order; `carry` the perp's and each future's carry for the perp-or-future choice.
 */
export const horizonSummarySchema = z.object({
  objective: z.enum(['one-off', 'horizon']),
  horizonDays: z.number(),
  horizonEnd: z.string(),
  rollBeforeExpiryHours: z.number(),
  /** Half-spreads and fees of the legs now. */
  entryCostQuote: z.number(),
  rollCostQuote: z.number(),
  /** Closing what is left at the horizon (options and the delta leg). */
  closeCostQuote: z.number(),
  /** Funding (or basis) of the delta leg to the horizon: > 0 paid, < 0 earned. */
  fundingQuote: z.number(),
  vegaChargeQuote: z.number(),
  expectedCostQuote: z.number(),
  /** `expectedCostQuote / horizonDays`: the cost of a day of protection. */
  costPerDayQuote: z.number(),
  calendar: z.array(
    z.object({
      at: z.string(),
      action: z.enum(['roll', 'close']),
      instrument: z.string(),
      baseAmount: z.number(),
      into: z.string().nullable(),
      intoBaseAmount: z.number().nullable(),
      costQuote: z.number(),
    }),
  ),
  legs: z.array(
    z.object({
      instrument: z.string(),
      baseAmount: z.number(),
      entryCostQuote: z.number(),
      rollCostQuote: z.number(),
      closeCostQuote: z.number(),
      vegaChargeQuote: z.number(),
      totalQuote: z.number(),
      rolls: z.number(),
    }),
  ),
  funding: z
    .object({
      instrument: z.string(),
      baseAmount: z.number(),
      carryApr: z.number(),
      source: z.enum(['snapshot', 'assumption', 'basis']),
      quote: z.number(),
    })
    .nullable(),
  carry: z.array(carryRowSchema),
  /** Days of the horizon the listed expiries cannot reach (0 when covered). */
  uncoveredDays: z.number(),
});
export type HorizonSummary = z.infer<typeof horizonSummarySchema>;

/** The model's context for `market` at `asOfMs` under `policy`. */
export function horizonContext(
  market: MarketSnapshot,
  asOfMs: number,
  policy: HedgePolicy,
  fees: HorizonFees = horizonFeesOf(policy),
): HorizonContext {
  const settings = horizonSettingsOf(policy);
  const chains = market.chains
    .filter((c) => c.expiryMs > asOfMs && c.options.some((q) => twoSided(market, q)))
    .sort((a, b) => a.expiryMs - b.expiryMs);
  return {
    market,
    asOfMs,
    settings,
    horizonEndMs: asOfMs + daysToMs(settings.horizonDays),
    rollLeadMs: hoursToMs(settings.rollBeforeExpiryHours),
    fees,
    chains,
  };
}

function twoSided(market: MarketSnapshot, q: OptionQuote): boolean {
  return (
    market.usableForHedging.has(q.instrument.symbol) &&
    q.bidQuote !== null &&
    q.askQuote !== null &&
    q.askQuote > 0 &&
    q.bidQuote >= 0 &&
    q.forward !== null &&
    q.markIv !== null &&
    q.markIv > 0 &&
    q.instrument.strike !== null
  );
}

/** Black-76 premium, vega and gamma per base unit of `q` at `atMs` (at its mark IV on its forward), USD. */
function greeksAt(q: OptionQuote, atMs: number) {
  const years = Math.max(0, yearFractionAct365(atMs, q.instrument.expiryMs!));
  return black76Greeks(q.instrument.optionType!, q.forward!, q.instrument.strike!, years, q.markIv!);
}

/** Half a price tick in USD per base (coin ticks are worth the forward). */
function halfTickQuote(q: OptionQuote, priceSettle: number): number {
  const tick = tickAt(q.instrument, priceSettle);
  return 0.5 * tick * (q.instrument.inverse ? q.forward! : 1);
}

/**
 * Expected cost of trading one base unit of `q` at `atMs`, USD: the half-spread held constant in vol (half-spread now
 * / vega now x vega then, at least half a tick) plus the venue fee at the premium then.
 */
export function tradeCostAt(ctx: HorizonContext, q: OptionQuote, atMs: number): number {
  const now = greeksAt(q, ctx.asOfMs);
  const then = atMs === ctx.asOfMs ? now : greeksAt(q, atMs);
  const halfNow = (q.askQuote! - q.bidQuote!) / 2;
  const settlePrice = q.instrument.inverse ? then.price / q.forward! : then.price;
  const half = Math.max(now.vega > 0 ? (halfNow / now.vega) * then.vega : halfNow, halfTickQuote(q, settlePrice));
  return half + ctx.fees.option(q, then.price + half);
}

/**
 * The first listed expiry at or after the horizon end (it covers the rest of the horizon), else the last one whose
 * roll time is later than `afterMs` (rolled again).
 */
function rollExpiry(ctx: HorizonContext, afterMs: number): Chain | null {
  const later = ctx.chains.filter((c) => c.expiryMs - ctx.rollLeadMs > afterMs);
  return later.find((c) => c.expiryMs >= ctx.horizonEndMs) ?? later[later.length - 1] ?? null;
}

/** The two-sided option of `chain` of the same type nearest in log-moneyness to `logMoneyness`. */
function sameMoneyness(ctx: HorizonContext, chain: Chain, type: 'call' | 'put', logMoneyness: number) {
  let best: OptionQuote | null = null;
  let bestGap = Infinity;
  for (const q of chain.options) {
    if (q.instrument.optionType !== type || !twoSided(ctx.market, q)) continue;
    const gap = Math.abs(Math.log(q.instrument.strike! / q.forward!) - logMoneyness);
    if (gap < bestGap || (gap === bestGap && best && q.instrument.strike! < best.instrument.strike!)) {
      best = q;
      bestGap = gap;
    }
  }
  return best;
}

/**
 * The roll plan of `baseAmount` (signed) of option `quote` bought or sold now, to the horizon: its rolls and its
 * close, each costed (entry and vega charge included). At most one roll per listed expiry, so it ends.
 */
export function legHorizonPlan(ctx: HorizonContext, quote: OptionQuote, baseAmount: number): LegHorizonPlan {
  const q0 = quote;
  if (
    q0.forward === null ||
    q0.markIv === null ||
    q0.instrument.expiryMs === null ||
    q0.instrument.strike === null ||
    q0.bidQuote === null ||
    q0.askQuote === null
  )
    throw new InvalidHedgeInputError(
      'legs.instrument',
      q0.instrument.venueId,
      'needs a forward, mark IV, strike, expiry, bid and ask to plan its rolls',
    );
  const unit = optionUnitGreeks(q0, ctx.asOfMs);
  const size = Math.abs(baseAmount);
  const mid = (q0.bidQuote! + q0.askQuote!) / 2;
  const entryPerBase =
    baseAmount >= 0
      ? q0.askQuote! - mid + ctx.fees.option(q0, q0.askQuote!)
      : mid - q0.bidQuote! + ctx.fees.option(q0, q0.bidQuote!);
  const steps: RollStep[] = [];
  let rollCost = 0;
  let closeCost = 0;
  let uncoveredDays = 0;
  let cur = q0;
  let curBase = baseAmount;
  // The gamma per base unit the current leg was bought with (for the first leg: now).
  let curGamma = unit.gamma;
  let t = ctx.asOfMs;
  for (let guard = 0; guard <= ctx.chains.length + 1; guard++) {
    const expiry = cur.instrument.expiryMs!;
    const rollAt = Math.max(t, expiry - ctx.rollLeadMs);
    if (expiry >= ctx.horizonEndMs) {
      // Covers the horizon: held to its end, or closed a roll lead before its expiry if that comes first.
      const at = Math.min(ctx.horizonEndMs, rollAt);
      const cost = Math.abs(curBase) * tradeCostAt(ctx, cur, at);
      closeCost += cost;
      steps.push(closeStep(at, cur, curBase, cost));
      break;
    }
    const chain = rollExpiry(ctx, rollAt);
    const logK = Math.log(cur.instrument.strike! / cur.forward!);
    const next = chain ? sameMoneyness(ctx, chain, cur.instrument.optionType!, logK) : null;
    const nextGamma = next ? greeksAt(next, rollAt).gamma : 0;
    if (!next || !(nextGamma > 0)) {
      // Nothing listed reaches further: the cover ends at this close.
      const cost = Math.abs(curBase) * tradeCostAt(ctx, cur, rollAt);
      closeCost += cost;
      steps.push(closeStep(rollAt, cur, curBase, cost));
      uncoveredDays = msToDays(ctx.horizonEndMs - rollAt);
      break;
    }
    const nextBase = (curBase * curGamma) / nextGamma;
    const cost =
      Math.abs(curBase) * tradeCostAt(ctx, cur, rollAt) + Math.abs(nextBase) * tradeCostAt(ctx, next, rollAt);
    rollCost += cost;
    steps.push({
      action: 'roll',
      atMs: rollAt,
      instrument: cur.instrument.venueId,
      baseAmount: curBase,
      into: next.instrument.venueId,
      intoBaseAmount: nextBase,
      costQuote: cost,
    });
    cur = next;
    curBase = nextBase;
    curGamma = nextGamma;
    t = rollAt;
  }
  const vegaCharge = size * ctx.settings.vegaPriceQuotePerVolPoint * Math.abs(vegaPerUnitVolToPerVolPoint(unit.vega));
  return {
    instrument: q0.instrument.venueId,
    baseAmount,
    entryCostQuote: size * entryPerBase,
    rollCostQuote: rollCost,
    closeCostQuote: closeCost,
    vegaChargeQuote: vegaCharge,
    steps,
    uncoveredDays,
  };
}

function closeStep(atMs: number, q: OptionQuote, baseAmount: number, cost: number): RollStep {
  return {
    action: 'close',
    atMs,
    instrument: q.instrument.venueId,
    baseAmount,
    into: null,
    intoBaseAmount: null,
    costQuote: cost,
  };
}

/**
 * A candidate's horizon cost per base unit: entry (ask - mid + fee to buy, mid - bid + fee to sell) plus the rolls,
 * the close and the vega charge of one base unit (the same for a short: buying back and selling again costs the same
 * spread and fees).
 */
export function horizonCandidateCost(
  ctx: HorizonContext,
  c: { quote: OptionQuote; askQuote: number; bidQuote: number; midQuote: number; feeQuote: number },
): HorizonCandidateCost {
  const plan = legHorizonPlan(ctx, c.quote, 1);
  const later = plan.rollCostQuote + plan.closeCostQuote + plan.vegaChargeQuote;
  const sellFee = ctx.fees.option(c.quote, c.bidQuote);
  return {
    buyCostQuote: c.askQuote - c.midQuote + c.feeQuote + later,
    sellCostQuote: c.midQuote - c.bidQuote + sellFee + later,
    rollCostQuote: plan.rollCostQuote,
    closeCostQuote: plan.closeCostQuote,
    vegaChargeQuote: plan.vegaChargeQuote,
    rolls: plan.steps.filter((s) => s.action === 'roll').length,
  };
}

/** A ticket leg as the model needs it. */
export interface HorizonLegInput {
  instrument: string;
  kind: 'option' | 'perp' | 'future';
  baseAmount: number;
}

/** The model applied to a ticket's legs: its `horizon` section. */
export function horizonSummary(ctx: HorizonContext, legs: readonly HorizonLegInput[]): HorizonSummary {
  const plans: LegHorizonPlan[] = [];
  let entry = 0;
  let deltaClose = 0;
  let deltaRoll = 0;
  let funding: HorizonSummary['funding'] = null;
  for (const leg of legs) {
    const quote = findQuote(ctx.market, leg.instrument);
    if (!quote) throw new InvalidHedgeInputError('legs.instrument', leg.instrument, 'is not in the market snapshot');
    if (quote.kind === 'option') {
      const plan = legHorizonPlan(ctx, quote, leg.baseAmount);
      plans.push(plan);
      entry += plan.entryCostQuote;
      continue;
    }
    if (quote.bid === null || quote.ask === null)
      throw new InvalidHedgeInputError('legs.instrument', leg.instrument, 'needs a bid and an ask');
    const mark = linearMark(quote);
    const half = (quote.ask - quote.bid) / 2;
    const fee = ctx.fees.linear(quote, mark);
    const h = deltaHedgeHorizonCost(ctx, quote, half, fee);
    const size = Math.abs(leg.baseAmount);
    // Entry and close of the delta leg are both counted: the options' close at the horizon is too.
    entry += size * (half + fee);
    deltaClose += size * h.closeQuote;
    deltaRoll += size * h.rollQuote;
    funding = {
      instrument: leg.instrument,
      baseAmount: leg.baseAmount,
      carryApr: h.carry.carryApr,
      source: h.carry.source,
      quote: leg.baseAmount * h.carry.costPerBaseLongQuote,
    };
  }
  const sum = (f: (p: LegHorizonPlan) => number) => plans.reduce((s, p) => s + f(p), 0);
  const rollCost = sum((p) => p.rollCostQuote) + deltaRoll;
  const closeCost = sum((p) => p.closeCostQuote) + deltaClose;
  const vegaCharge = sum((p) => p.vegaChargeQuote);
  const fundingQuote = funding?.quote ?? 0;
  const expected = entry + rollCost + closeCost + fundingQuote + vegaCharge;
  const days = ctx.settings.horizonDays;
  const calendar = plans
    .flatMap((p) => p.steps)
    .sort((a, b) => a.atMs - b.atMs || a.instrument.localeCompare(b.instrument))
    .map((s) => ({
      at: new Date(s.atMs).toISOString(),
      action: s.action,
      instrument: s.instrument,
      baseAmount: s.baseAmount,
      into: s.into,
      intoBaseAmount: s.intoBaseAmount,
      costQuote: s.costQuote,
    }));
  return {
    objective: ctx.settings.objective,
    horizonDays: days,
    horizonEnd: new Date(ctx.horizonEndMs).toISOString(),
    rollBeforeExpiryHours: ctx.settings.rollBeforeExpiryHours,
    entryCostQuote: entry,
    rollCostQuote: rollCost,
    closeCostQuote: closeCost,
    fundingQuote,
    vegaChargeQuote: vegaCharge,
    expectedCostQuote: expected,
    costPerDayQuote: expected / days,
    calendar,
    legs: plans.map((p) => ({
      instrument: p.instrument,
      baseAmount: p.baseAmount,
      entryCostQuote: p.entryCostQuote,
      rollCostQuote: p.rollCostQuote,
      closeCostQuote: p.closeCostQuote,
      vegaChargeQuote: p.vegaChargeQuote,
      totalQuote: p.entryCostQuote + p.rollCostQuote + p.closeCostQuote + p.vegaChargeQuote,
      rolls: p.steps.filter((s) => s.action === 'roll').length,
    })),
    funding,
    carry: carryTable(ctx),
    uncoveredDays: Math.max(0, ...plans.map((p) => p.uncoveredDays)),
  };
}
