/**
 * The static engine: the Carr-Madan IL strip of each LP position on one expiry's listed strikes
 * (`pricing/replication`), the strikes of all positions merged, rounded to whole lots, and the strip's forward plus
 * the book's remaining delta given to the delta hedge. Reported: coverage, tails, the expiry-vs-horizon mismatch and
 * the replication error of the rounded strip on a grid.
 *
 *   chooseStripChain -> stripQuotes -> stripPerPosition (each LP) -> roundToLots -> refixDelta -> roundedStripError
 */
import {
  MS_PER_DAY,
  daysToYears,
  lpImpermanentLossUnchecked,
  msToDays,
  replicationStrip,
  yearFractionAct365,
  type LpPosition,
} from '../../pricing/index.js';
import type { MarketSnapshot, Chain } from '../../adapters/model.js';
import type { BookPosition } from '../book.js';
import { toCandidate, type OptionCandidate } from '../candidates.js';
import type { DeltaHedgeInstrument } from '../deltaHedge.js';
import { InfeasibleHedgeError, InvalidHedgeInputError, MarketSanityError } from '../errors.js';
import { legOf, optionHolding } from '../legs.js';
import { LimitInfeasibleError, limitValue, vegaBoundPerUnitVol, type LimitField } from '../limits.js';
import { MIN_USABLE_EXPIRY_MS } from '../marketChecks.js';
import { addGreeks, type BookGreeks } from '../optimise.js';
import type { HedgePolicy } from '../policySchema.js';
import type { ScenarioHolding } from '../scenarios.js';
import type { Ticket, TicketLeg, TicketWarning } from '../ticket.js';
import type { HedgeArguments, HedgeEngine, HedgeOutcome } from './types.js';

type LpBookPosition = Extract<BookPosition, { kind: 'lp' }>;

/** A strike's weight in base units on one candidate (+ bought). */
interface StrikeWeight {
  c: OptionCandidate;
  base: number;
}

/** Intervals of the price grid over the covered range on which the rounded strip's error is measured. */
export const STRIP_ERROR_GRID_INTERVALS = 200;

/**
 * An expiry further than this from the LP horizon gets an `expiry-mismatch` warning: within a day, the listed
 * expiry is as close to the horizon as a daily expiry cycle allows.
 */
const EXPIRY_MISMATCH_WARNING_MS = MS_PER_DAY;

/** The expiry of the strip: the policy's date, else the first expiry at or after the horizon, else the last one. */
export function chooseStripChain(market: MarketSnapshot, asOfMs: number, policy: HedgePolicy): Chain {
  const s = policy.static;
  const chains = market.chains.filter((c) => c.expiryMs > asOfMs + MIN_USABLE_EXPIRY_MS);
  if (s.expiry) {
    const wanted = s.expiry.slice(0, 10);
    const chain = chains.find((c) => c.expiryIso.slice(0, 10) === wanted);
    if (!chain) {
      throw new InvalidHedgeInputError(
        'policy.static.expiry',
        s.expiry,
        `no listed expiry on that date (listed: ${chains.map((c) => c.expiryIso.slice(0, 10)).join(', ')})`,
      );
    }
    return chain;
  }
  const horizonMs = asOfMs + s.horizonDays * MS_PER_DAY;
  const chain = chains.find((c) => c.expiryMs >= horizonMs) ?? chains[chains.length - 1];
  if (!chain) throw new MarketSanityError(`${market.venue} ${market.underlying}: no expiry to build a strip on`);
  return chain;
}

/** The strip's quotes on one chain: one per strike (the out-of-the-money side), and a lookup by type and strike. */
interface StripQuotes {
  /** Usable two-sided candidates by strike: the put below the forward, the call above. */
  byStrike: Map<number, OptionCandidate>;
  /** The candidate of `type` at `strike` (the ATM node holds half a put and half a call), or null. */
  quoteAt(type: 'put' | 'call', strike: number): OptionCandidate | null;
}

function stripQuotes(chain: Chain, market: MarketSnapshot, asOfMs: number, policy: HedgePolicy): StripQuotes {
  const byStrike = new Map<number, OptionCandidate>();
  for (const q of chain.options) {
    const k = q.instrument.strike;
    if (k === null || !market.usableForHedging.has(q.instrument.symbol)) continue;
    const wantType = k < chain.forward ? 'put' : 'call';
    if (q.instrument.optionType !== wantType) continue;
    const c = toCandidate(q, asOfMs, policy);
    if (c) byStrike.set(k, c);
  }
  const quoteAt = (type: 'put' | 'call', strike: number): OptionCandidate | null => {
    const found = byStrike.get(strike);
    if (found && found.quote.instrument.optionType === type) return found;
    const q = chain.options.find((o) => o.instrument.strike === strike && o.instrument.optionType === type);
    return q && market.usableForHedging.has(q.instrument.symbol) ? toCandidate(q, asOfMs, policy) : null;
  };
  return { byStrike, quoteAt };
}

/** One LP position's strip: the replication result, the strikes it used and its weights per candidate. */
function stripPerPosition(
  lp: LpBookPosition,
  quotes: StripQuotes,
  chain: Chain,
  expiryYears: number,
  policy: HedgePolicy,
): { strip: ReturnType<typeof replicationStrip>; strikes: number[]; weights: StrikeWeight[] } {
  const position = lp.position;
  const lower = position.model === 'v3' ? position.lower : 0;
  const upper = position.model === 'v3' ? position.upper : Infinity;
  const listed = [...quotes.byStrike.keys()].sort((a, b) => a - b);
  // Strikes inside the range, plus the nearest listed strike at or beyond each bound (the payoff is linear outside
  // a v3 range, so one strike past each bound closes the strip without a tail).
  const inside = listed.filter((k) => k > lower && k < upper);
  const below = listed.filter((k) => k <= lower).pop();
  const above = listed.find((k) => k >= upper);
  const strikes = [...(below !== undefined ? [below] : []), ...inside, ...(above !== undefined ? [above] : [])];
  if (strikes.length < 2) {
    throw new InfeasibleHedgeError(
      `position ${lp.id}: the ${chain.expiryIso.slice(0, 10)} expiry lists fewer than two usable strikes around its range`,
    );
  }
  const vols = strikes.map((k) => quotes.byStrike.get(k)!.quote.markIv!);
  const strip = replicationStrip({
    position,
    strikes,
    expiryYears,
    vols,
    forward: chain.forward,
    target: policy.static.target,
    horizonYears: daysToYears(policy.static.horizonDays),
  });
  const weights = strip.legs.map((leg) => {
    const c = quotes.quoteAt(leg.type, leg.strike);
    if (!c) {
      throw new InfeasibleHedgeError(
        `position ${lp.id}: the strip needs a ${leg.type} at ${leg.strike} (${chain.expiryIso.slice(0, 10)}) with a two-sided quote`,
      );
    }
    return { c, base: leg.quantity };
  });
  return { strip, strikes, weights };
}

/**
 * Each strike's weight in whole lots: at least the venue minimum or nothing (the minimum when the weight is at least
 * half of it), capped at the candidate's `maxBase` (the policy's contracts and notional per leg); sorted by strike,
 * zero legs dropped.
 */
export function roundToLots(weights: Iterable<StrikeWeight>): { rounded: StrikeWeight[]; warnings: TicketWarning[] } {
  const rounded: StrikeWeight[] = [];
  const warnings: TicketWarning[] = [];
  for (const { c, base } of weights) {
    let lots = Math.round(base / c.lotBase);
    const minLots = Math.ceil(c.minBase / c.lotBase - 1e-9);
    if (lots !== 0 && Math.abs(lots) < minLots) lots = Math.abs(base) >= c.minBase / 2 ? Math.sign(lots) * minLots : 0;
    if (Number.isFinite(c.candidate.maxBase)) {
      const maxLots = Math.floor(c.candidate.maxBase / c.lotBase + 1e-9);
      if (Math.abs(lots) > maxLots) {
        const contracts = (maxLots * c.lotBase) / c.basePerContract;
        warnings.push({
          code: 'limit',
          message: `${c.quote.instrument.venueId}: capped at ${contracts} contracts (policy.limits per leg)`,
        });
        lots = Math.sign(lots) * maxLots;
      }
    }
    if (lots === 0) continue;
    rounded.push({ c, base: lots * c.lotBase });
  }
  rounded.sort((a, b) => a.c.quote.instrument.strike! - b.c.quote.instrument.strike!);
  return { rounded, warnings };
}

/** Base units of the delta hedge, in whole lots, that bring `delta` to `targetDelta` (the strip's forward included). */
export function refixDelta(hedge: DeltaHedgeInstrument, targetDelta: number, delta: number): number {
  const { lotBase, maxBase } = hedge.candidate;
  const maxLots = Number.isFinite(maxBase) ? Math.floor(maxBase / lotBase + 1e-9) : Infinity;
  const lots = Math.max(-maxLots, Math.min(maxLots, Math.round((targetDelta - delta) / lotBase)));
  return lots * lotBase;
}

/**
 * The static strip has no optimiser to hold them, so the limits that are not bounds per leg are checked on the
 * result: premium of the option legs, |vega|, |delta| and |gamma| after. Throws naming every one it breaks.
 */
function checkStripLimits(policy: HedgePolicy, legs: readonly TicketLeg[], after: BookGreeks): void {
  const premiumQuote = legs.reduce((sum, l) => sum + l.premiumQuote, 0);
  const vegaBound = vegaBoundPerUnitVol(policy);
  const broken: [LimitField, string][] = [];
  const { maxPremiumQuote, maxAbsNetDeltaBase, maxAbsNetGamma } = policy.limits;
  if (maxPremiumQuote !== null && premiumQuote > maxPremiumQuote)
    broken.push(['policy.limits.maxPremiumQuote', `the strip pays ${premiumQuote.toFixed(2)} USD of premium`]);
  if (vegaBound !== null && Math.abs(after.vega) > vegaBound)
    broken.push(['policy.maxAbsVegaQuotePerVolPoint', `vega after is ${after.vega.toPrecision(6)} per 1.00 of vol`]);
  if (maxAbsNetDeltaBase !== null && Math.abs(after.delta) > maxAbsNetDeltaBase)
    broken.push(['policy.limits.maxAbsNetDeltaBase', `delta after is ${after.delta.toPrecision(6)} base units`]);
  if (maxAbsNetGamma !== null && Math.abs(after.gamma) > maxAbsNetGamma)
    broken.push(['policy.limits.maxAbsNetGamma', `gamma after is ${after.gamma.toExponential(4)}`]);
  if (broken.length === 0) return;
  throw new LimitInfeasibleError(
    broken.map(([f]) => f),
    broken.map(([f]) => limitValue(policy, f)!),
    `the static strip breaks it: ${broken.map(([, why]) => why).join('; ')}`,
  );
}

/** Max |IL(S) + rounded strip payoff(S)| over a grid of the covered interval (USD): the error a trader actually holds. */
export function roundedStripError(
  positions: readonly LpPosition[],
  legs: readonly StrikeWeight[],
  cash: number,
  forwardBase: number,
  forward: number,
  lower: number,
  upper: number,
): number {
  let worst = 0;
  const n = STRIP_ERROR_GRID_INTERVALS;
  for (let j = 0; j <= n; j++) {
    const s = lower + ((upper - lower) * j) / n;
    let total = cash + forwardBase * (s - forward);
    for (const p of positions) total += lpImpermanentLossUnchecked(p, s);
    for (const { c, base } of legs) {
      const k = c.quote.instrument.strike!;
      const intrinsic = c.quote.instrument.optionType === 'call' ? s - k : k - s;
      if (intrinsic > 0) total += base * intrinsic;
    }
    worst = Math.max(worst, Math.abs(total));
  }
  return worst;
}

function staticHedge(args: HedgeArguments): HedgeOutcome {
  const { positions, market, asOfMs, policy, before, deltaHedge: hedge } = args;
  const lps = positions.filter((p): p is LpBookPosition => p.kind === 'lp');
  if (lps.length === 0) {
    throw new InvalidHedgeInputError(
      'positions',
      positions.map((p) => p.id),
      'a static strip needs at least one LP position',
    );
  }
  const chain = chooseStripChain(market, asOfMs, policy);
  const expiryYears = yearFractionAct365(asOfMs, chain.expiryMs);
  const quotes = stripQuotes(chain, market, asOfMs, policy);
  const weightsByKey = new Map<string, StrikeWeight>();
  const summary: NonNullable<Ticket['strip']> = {
    expiry: chain.expiryIso,
    expiryYears,
    forwardPrice: chain.forward,
    forwardBase: 0,
    cash: 0,
    premiumUnrounded: 0,
    premiumRounded: 0,
    continuousPremium: 0,
    coverage: { lower: Infinity, upper: -Infinity },
    uncoveredBelow: 0,
    uncoveredAbove: 0,
    maxError: 0,
    maxErrorPrice: 0,
    maxErrorRounded: 0,
    horizonDays: policy.static.horizonDays,
    expiryDays: msToDays(chain.expiryMs - asOfMs),
    expiryMismatchQuote: 0,
  };
  let mismatch = 0;
  const warnings: TicketWarning[] = [];
  for (const lp of lps) {
    const { strip, strikes, weights } = stripPerPosition(lp, quotes, chain, expiryYears, policy);
    summary.forwardBase += strip.forward;
    summary.cash += strip.cash;
    summary.premiumUnrounded += strip.premium;
    summary.continuousPremium += strip.continuousPremium;
    if (strip.maxError > summary.maxError) {
      summary.maxError = strip.maxError;
      summary.maxErrorPrice = strip.maxErrorPrice;
    }
    summary.uncoveredBelow += strip.tailBelow.uncoveredValue;
    summary.uncoveredAbove += strip.tailAbove.uncoveredValue;
    mismatch += strip.expiryMismatch?.difference ?? 0;
    summary.coverage.lower = Math.min(summary.coverage.lower, strikes[0]!);
    summary.coverage.upper = Math.max(summary.coverage.upper, strikes[strikes.length - 1]!);
    for (const { c, base } of weights) {
      const entry = weightsByKey.get(c.candidate.key) ?? { c, base: 0 };
      entry.base += base;
      weightsByKey.set(c.candidate.key, entry);
    }
    // The running totals decide (kept as before the split): once one position leaves a tail, later ones warn too.
    if (summary.uncoveredBelow > 0 || summary.uncoveredAbove > 0) {
      warnings.push({
        code: 'tail-uncovered',
        message: `position ${lp.id}: beyond the listed strikes ${strikes[0]}..${strikes[strikes.length - 1]} the strip leaves ${(
          strip.tailBelow.uncoveredValue + strip.tailAbove.uncoveredValue
        ).toFixed(2)} USD of hedge value uncovered`,
      });
    }
  }
  const { rounded, warnings: limitWarnings } = roundToLots(weightsByKey.values());
  warnings.push(...limitWarnings);
  const legs: TicketLeg[] = [];
  const holdings: ScenarioHolding[] = [];
  let after: BookGreeks = { ...before };
  for (const { c, base } of rounded) {
    legs.push(legOf({ kind: 'option', option: c }, base));
    holdings.push(optionHolding(c.quote, base, asOfMs));
    after = addGreeks(after, [c.unit], [base]);
  }
  // The strip's forward and the book's remaining delta both go to the delta hedge, in whole lots.
  if (hedge) {
    const base = refixDelta(hedge, policy.target.delta, after.delta);
    const unclamped =
      Math.round((policy.target.delta - after.delta) / hedge.candidate.lotBase) * hedge.candidate.lotBase;
    if (base !== unclamped) {
      warnings.push({
        code: 'limit',
        message: `${hedge.quote.instrument.venueId}: capped at ${Math.abs(base).toPrecision(6)} base (policy.limits.maxNotionalQuotePerLeg); delta ${(unclamped - base).toPrecision(6)} stays unhedged`,
      });
    }
    if (base !== 0) {
      legs.push(legOf({ kind: 'delta', hedge }, base));
      holdings.push({ kind: 'linear', baseAmount: base });
      after = { ...after, delta: after.delta + base };
    }
  }
  checkStripLimits(policy, legs, after);
  summary.premiumRounded = rounded.reduce((s, { c, base }) => s + base * c.unit.value, 0);
  summary.maxErrorRounded = roundedStripError(
    lps.map((l) => l.position),
    rounded,
    summary.cash,
    summary.forwardBase,
    chain.forward,
    summary.coverage.lower,
    summary.coverage.upper,
  );
  summary.expiryMismatchQuote = mismatch;
  const horizonMs = policy.static.horizonDays * MS_PER_DAY;
  if (Math.abs(chain.expiryMs - asOfMs - horizonMs) > EXPIRY_MISMATCH_WARNING_MS) {
    warnings.push({
      code: 'expiry-mismatch',
      message:
        `strip expiry ${chain.expiryIso.slice(0, 10)} is ${msToDays(chain.expiryMs - asOfMs).toFixed(1)} d away; ` +
        `the LP horizon is ${policy.static.horizonDays} d (hedge value difference ${mismatch.toFixed(2)} USD)`,
    });
  }
  return {
    legs,
    hedgeHoldings: holdings,
    after,
    optimiser: null,
    strip: summary,
    gammaTolerance: null,
    firstExpiryMs: chain.expiryMs,
    warnings,
  };
}

export const staticEngine: HedgeEngine = { hedge: (args) => Promise.resolve().then(() => staticHedge(args)) };
