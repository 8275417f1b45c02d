/**
 * Ticket assembly: book -> (dynamic: candidates -> MIP; static: Carr-Madan strip in lots) -> perp re-fix -> legs on
 * venue grids -> scenarios -> band -> warnings. Time is `asOfMs`, passed in; ids are injected or derived from the
 * inputs (a hash), never random, so the same inputs give the same ticket.
 */
import { lpImpermanentLossUnchecked, lpStateUnchecked, replicationStrip } from '../pricing/index.js';
import type { LpPosition } from '../pricing/index.js';
import type { FutureQuote, MarketSnapshot, OptionQuote, PerpQuote } from '../adapters/model.js';
import {
  baseUnitsPerContract,
  findQuote,
  linearMark,
  optionUnitGreeks,
  valueBook,
  type BookPosition,
  type BookValuation,
} from './book.js';
import { selectCandidates, toCandidate, type OptionCandidate } from './candidates.js';
import {
  InfeasibleHedgeError,
  InvalidHedgeInputError,
  MarketSanityError,
  StaleMarketError,
  UnknownPositionError,
} from './errors.js';
import {
  addGreeks,
  loadSolver,
  optimiseHedgeWith,
  type BookGreeks,
  type DeltaHedgeCandidate,
  type OptimiseResult,
} from './optimise.js';
import { deltaBandHalfWidth, nextReviewTimes, rebalanceDecision, type DeltaBand } from './policy.js';
import { resolvePolicy, withPolicyOverrides, type HedgePolicy, type HedgePolicyInput } from './policySchema.js';
import { defaultHorizons, scenarioPnl, type ScenarioHolding } from './scenarios.js';
import { limitOnGrid, roundToStep } from './ticks.js';
import { ticketSchema, type Ticket, type TicketLeg, type TicketWarning } from './ticket.js';

export type HedgeMode = 'dynamic' | 'static';

export interface TicketRequest {
  positions: readonly BookPosition[];
  market: MarketSnapshot;
  /** The time the ticket is made at (UTC ms): quotes are aged and options timed against it. */
  asOfMs: number;
  mode: HedgeMode;
  policy?: HedgePolicy | HedgePolicyInput;
  /** Hedge only these positions of `positions` (by id); default all. Unknown ids are refused. */
  positionIds?: readonly string[];
  /** Overrides applied on top of `policy` (section by section), validated again. */
  policyOverrides?: HedgePolicyInput;
  /** Ticket id; default a hash of the inputs. */
  id?: string;
  /** Pool price for the LP positions; default the snapshot's index. */
  poolPrice?: number;
}

const MS_PER_DAY = 86_400_000;
const MS_PER_YEAR = 365 * MS_PER_DAY;

// --- market checks ------------------------------------------------------------------------------------------------

/** Refuses stale data and chains that fail their sanity checks; returns warnings for what it tolerates. */
export function checkMarket(market: MarketSnapshot, asOfMs: number, policy: HedgePolicy): TicketWarning[] {
  const warnings: TicketWarning[] = [];
  const ageMs = asOfMs - market.source.dataTimeMs;
  if (ageMs > policy.maxQuoteAgeMs) {
    throw new StaleMarketError(
      `quotes are ${(ageMs / 1000).toFixed(1)} s old at ${new Date(asOfMs).toISOString()} (data time ` +
        `${new Date(market.source.dataTimeMs).toISOString()}, ${market.source.label}); the policy allows ` +
        `${(policy.maxQuoteAgeMs / 1000).toFixed(1)} s (maxQuoteAgeMs)`,
      ageMs,
      policy.maxQuoteAgeMs,
    );
  }
  const optionCount = market.chains.reduce((n, c) => n + c.options.length, 0);
  if (optionCount === 0)
    throw new MarketSanityError(`${market.venue} ${market.underlying}: the snapshot has no options`);
  const optionSymbols = new Set(market.chains.flatMap((c) => c.options.map((o) => o.instrument.symbol)));
  const failed = new Set(market.issues.filter((i) => optionSymbols.has(i.symbol)).map((i) => i.symbol));
  const fraction = failed.size / optionCount;
  if (fraction > policy.maxSanityFailureFraction) {
    const reasons = new Map<string, number>();
    for (const i of market.issues) reasons.set(i.reason, (reasons.get(i.reason) ?? 0) + 1);
    throw new MarketSanityError(
      `the chain fails its sanity checks: ${failed.size} of ${optionCount} options flagged ` +
        `(${(fraction * 100).toFixed(1)}% > ${(policy.maxSanityFailureFraction * 100).toFixed(1)}% allowed: ` +
        `${[...reasons].map(([r, n]) => `${r} ${n}`).join(', ')})`,
    );
  }
  if (failed.size > 0) {
    warnings.push({
      code: 'sanity-excluded',
      message: `${failed.size} of ${optionCount} options excluded by sanity checks (${[...new Set(market.issues.map((i) => i.reason))].join(', ')})`,
    });
  }
  return warnings;
}

// --- the delta hedge ----------------------------------------------------------------------------------------------

interface DeltaHedgeInstrument {
  quote: PerpQuote | FutureQuote;
  mark: number;
  basePerContract: number;
  feeUsdPerBase: number;
  candidate: DeltaHedgeCandidate;
}

function deltaHedgeInstrument(
  market: MarketSnapshot,
  asOfMs: number,
  policy: HedgePolicy,
): DeltaHedgeInstrument | null {
  if (policy.deltaHedge === 'none') return null;
  let quote: PerpQuote | FutureQuote | null = null;
  if (policy.deltaHedge === 'perp') {
    quote = market.perp;
  } else {
    quote =
      market.futures
        .filter((f) => (f.instrument.expiryMs ?? 0) > asOfMs + MS_PER_DAY && f.bid !== null && f.ask !== null)
        .sort((a, b) => a.instrument.expiryMs! - b.instrument.expiryMs!)[0] ?? null;
  }
  if (!quote) {
    throw new MarketSanityError(
      `${market.venue} ${market.underlying}: no ${policy.deltaHedge} quote to hedge delta with`,
    );
  }
  if (!market.usableForHedging.has(quote.instrument.symbol)) {
    const why = market.issues.filter((i) => i.symbol === quote!.instrument.symbol).map((i) => i.detail);
    throw new MarketSanityError(`${quote.instrument.venueId} fails its sanity checks: ${why.join('; ')}`);
  }
  if (quote.bid === null || quote.ask === null) {
    throw new MarketSanityError(`${quote.instrument.venueId}: needs both a bid and an ask to trade delta`);
  }
  const mark = linearMark(quote);
  const basePerContract = baseUnitsPerContract(quote.instrument, mark);
  const feeUsdPerBase = (quote.instrument.takerFee ?? 0) * mark;
  const halfSpread = (quote.ask - quote.bid) / 2;
  const lotBase = quote.instrument.amountStep * basePerContract;
  return {
    quote,
    mark,
    basePerContract,
    feeUsdPerBase,
    candidate: {
      key: `${quote.instrument.venue}:${quote.instrument.venueId}`,
      delta: 1,
      buyCost: halfSpread + feeUsdPerBase,
      sellCost: halfSpread + feeUsdPerBase,
      lotBase,
      minBase: Math.max(quote.instrument.minAmount, quote.instrument.amountStep) * basePerContract,
      maxBase: Infinity,
    },
  };
}

// --- legs ---------------------------------------------------------------------------------------------------------

function optionLeg(c: OptionCandidate, baseAmount: number): TicketLeg {
  const q = c.quote;
  const i = q.instrument;
  const side = baseAmount > 0 ? 'buy' : 'sell';
  const contracts = roundToStep(Math.abs(baseAmount) / c.basePerContract, i.amountStep, 'nearest');
  const venuePrice = side === 'buy' ? q.askSettle! : q.bidSettle!;
  const limitPrice = limitOnGrid(i, venuePrice, side);
  const limitUsd = i.inverse ? limitPrice * q.forward! : limitPrice;
  const fees = Math.abs(baseAmount) * c.feeUsd;
  const perBaseCost = side === 'buy' ? c.candidate.buyCost : c.candidate.sellCost;
  return {
    venue: i.venue,
    instrument: i.venueId,
    kind: 'option',
    type: i.optionType,
    strike: i.strike,
    expiry: i.expiryIso,
    side,
    contracts,
    baseAmount,
    limitPrice,
    priceCurrency: i.priceCurrency,
    bid: q.bidSettle,
    ask: q.askSettle,
    mid: q.bidSettle !== null && q.askSettle !== null ? (q.bidSettle + q.askSettle) / 2 : null,
    iv: q.markIv,
    forward: q.forward,
    delta: baseAmount * c.unit.delta,
    gamma: baseAmount * c.unit.gamma,
    vega: baseAmount * c.unit.vega,
    theta: baseAmount * c.unit.theta,
    cost: Math.abs(baseAmount) * perBaseCost,
    fees,
    premiumUsd: baseAmount * limitUsd,
  };
}

function deltaLeg(h: DeltaHedgeInstrument, baseAmount: number): TicketLeg {
  const q = h.quote;
  const i = q.instrument;
  const side = baseAmount > 0 ? 'buy' : 'sell';
  const contracts = roundToStep(Math.abs(baseAmount) / h.basePerContract, i.amountStep, 'nearest');
  const limitPrice = limitOnGrid(i, side === 'buy' ? q.ask! : q.bid!, side);
  return {
    venue: i.venue,
    instrument: i.venueId,
    kind: q.kind,
    type: null,
    strike: null,
    expiry: i.expiryIso,
    side,
    contracts,
    baseAmount,
    limitPrice,
    priceCurrency: i.priceCurrency,
    bid: q.bid,
    ask: q.ask,
    mid: q.bid !== null && q.ask !== null ? (q.bid + q.ask) / 2 : null,
    iv: null,
    forward: null,
    delta: baseAmount,
    gamma: 0,
    vega: 0,
    theta: 0,
    cost: Math.abs(baseAmount) * (side === 'buy' ? h.candidate.buyCost : h.candidate.sellCost),
    fees: Math.abs(baseAmount) * h.feeUsdPerBase,
    premiumUsd: 0,
  };
}

// --- scenarios holdings -------------------------------------------------------------------------------------------

function holdingsOfBook(
  positions: readonly BookPosition[],
  market: MarketSnapshot,
  valuation: BookValuation,
): ScenarioHolding[] {
  const out: ScenarioHolding[] = [];
  positions.forEach((p, idx) => {
    if (p.kind === 'lp') {
      out.push({ kind: 'lp', position: p.position });
      return;
    }
    const row = valuation.positions[idx]!;
    const quote = market.chains.flatMap((c) => c.options).find((o) => o.instrument.venueId === p.instrument);
    if (p.kind === 'option' && quote) out.push(optionHolding(quote, row.baseAmount ?? 0, valuation.asOfMs));
    else out.push({ kind: 'linear', baseAmount: row.baseAmount ?? 0 });
  });
  return out;
}

function optionHolding(quote: OptionQuote, baseAmount: number, asOfMs: number): ScenarioHolding {
  const i = quote.instrument;
  const unit = optionUnitGreeks(quote, asOfMs);
  return {
    kind: 'option',
    type: i.optionType!,
    strike: i.strike!,
    expiryMs: i.expiryMs!,
    forward: quote.forward!,
    vol: quote.markIv!,
    baseAmount,
    premiumCoin: i.inverse ? unit.value / quote.forward! : 0,
  };
}

// --- ids ----------------------------------------------------------------------------------------------------------

/** FNV-1a over the canonical inputs: the same book, market time, mode and policy give the same id. */
export function ticketIdFor(parts: unknown): string {
  const text = JSON.stringify(parts);
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193) >>> 0;
    h2 = Math.imul(h2 ^ c, 0x5bd1e995) >>> 0;
  }
  return `tkt-${h1.toString(16).padStart(8, '0')}${h2.toString(16).padStart(8, '0')}`;
}

// --- the ticket ---------------------------------------------------------------------------------------------------

function atmVol(market: MarketSnapshot, asOfMs: number): number {
  for (const chain of market.chains) {
    if (chain.expiryMs - asOfMs < MS_PER_DAY) continue;
    let best: OptionQuote | null = null;
    for (const o of chain.options) {
      if (o.markIv === null || o.instrument.strike === null) continue;
      if (!best || Math.abs(o.instrument.strike - chain.forward) < Math.abs(best.instrument.strike! - chain.forward))
        best = o;
    }
    if (best?.markIv) return best.markIv;
  }
  throw new MarketSanityError(`${market.venue} ${market.underlying}: no option with a mark IV to read the vol from`);
}

function bandOf(policy: HedgePolicy): DeltaBand {
  const b = policy.band;
  if (b.kind === 'absolute') return b;
  if (b.kind === 'gamma') return { kind: 'gamma', k: b.k, reviewIntervalMs: policy.reviewIntervalHours * 3_600_000 };
  return b;
}

function gammaTolerance(policy: HedgePolicy, gammaBefore: number): number {
  return Math.max(policy.tolerance.gammaAbsolute, policy.tolerance.gammaRelative * Math.abs(gammaBefore));
}

interface HedgeOutcome {
  legs: TicketLeg[];
  hedgeHoldings: ScenarioHolding[];
  after: BookGreeks;
  optimiser: Ticket['optimiser'];
  strip: Ticket['strip'];
  gammaTolerance: number | null;
  firstExpiryMs: number | null;
  warnings: TicketWarning[];
}

async function dynamicHedge(
  market: MarketSnapshot,
  asOfMs: number,
  policy: HedgePolicy,
  before: BookGreeks,
  hedge: DeltaHedgeInstrument | null,
): Promise<HedgeOutcome> {
  const selection = selectCandidates(market, asOfMs, policy);
  const tolGamma = gammaTolerance(policy, before.gamma);
  const gap = Math.abs(policy.target.gamma - before.gamma);
  const warnings: TicketWarning[] = [];
  let options = selection.used;
  let result: OptimiseResult | null = null;
  if (gap <= tolGamma) {
    // Gamma is already within tolerance: only delta to fix; no options needed.
    options = [];
  }
  if (tolGamma <= 0) {
    throw new InvalidHedgeInputError(
      'policy.tolerance.gammaAbsolute',
      policy.tolerance.gammaAbsolute,
      'the book has no gamma, so a relative gamma tolerance is 0: give an absolute one',
    );
  }
  const highs = await loadSolver();
  result = optimiseHedgeWith(highs, {
    book: before,
    target: policy.target,
    tolerance: { delta: policy.tolerance.deltaBase, gamma: tolGamma },
    vegaBound: policy.maxAbsVegaUsdPerVolPoint === null ? null : policy.maxAbsVegaUsdPerVolPoint * 100,
    maxLegs: policy.maxLegs,
    options: options.map((c) => c.candidate),
    deltaHedge: hedge?.candidate ?? null,
  });
  const legs: TicketLeg[] = [];
  const hedgeHoldings: ScenarioHolding[] = [];
  let firstExpiryMs: number | null = null;
  result.rounded.optionBase.forEach((base, idx) => {
    if (base === 0) return;
    const c = options[idx]!;
    legs.push(optionLeg(c, base));
    hedgeHoldings.push(optionHolding(c.quote, base, asOfMs));
    const e = c.quote.instrument.expiryMs!;
    firstExpiryMs = firstExpiryMs === null ? e : Math.min(firstExpiryMs, e);
  });
  if (hedge && result.rounded.deltaHedgeBase !== 0) {
    legs.push(deltaLeg(hedge, result.rounded.deltaHedgeBase));
    hedgeHoldings.push({ kind: 'linear', baseAmount: result.rounded.deltaHedgeBase });
  }
  if (Math.abs(result.residual.gamma) > 0.5 * tolGamma) {
    warnings.push({
      code: 'rounding-residual',
      message: `whole lots leave gamma ${result.residual.gamma.toExponential(3)} off target (tolerance ${tolGamma.toExponential(3)})`,
    });
  }
  if (hedge && Math.abs(result.residual.delta) > 0) {
    warnings.push({
      code: 'rounding-residual',
      message: `the ${hedge.quote.instrument.venueId} lot (${hedge.candidate.lotBase.toPrecision(4)} base) leaves delta ${result.residual.delta.toPrecision(4)} off target`,
    });
  }
  return {
    legs,
    hedgeHoldings,
    after: result.after,
    optimiser: {
      costModel: policy.costModel,
      candidatesListed: selection.listed,
      candidatesEligible: selection.eligible,
      candidatesUsed: options.length,
      relaxedCost: result.relaxed.cost,
      roundedCost: result.rounded.mipCost,
    },
    strip: null,
    gammaTolerance: tolGamma,
    firstExpiryMs,
    warnings,
  };
}

function chooseStripChain(market: MarketSnapshot, asOfMs: number, policy: HedgePolicy) {
  const s = policy.static;
  const chains = market.chains.filter((c) => c.expiryMs > asOfMs + MS_PER_DAY);
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

function staticHedge(
  positions: readonly BookPosition[],
  market: MarketSnapshot,
  asOfMs: number,
  policy: HedgePolicy,
  before: BookGreeks,
  hedge: DeltaHedgeInstrument | null,
): HedgeOutcome {
  const lps = positions.filter((p): p is Extract<BookPosition, { kind: 'lp' }> => p.kind === 'lp');
  if (lps.length === 0) {
    throw new InvalidHedgeInputError(
      'positions',
      positions.map((p) => p.id),
      'a static strip needs at least one LP position',
    );
  }
  const chain = chooseStripChain(market, asOfMs, policy);
  const expiryYears = (chain.expiryMs - asOfMs) / MS_PER_YEAR;
  const horizonYears = policy.static.horizonDays / 365;
  // One quote per strike: the out-of-the-money side (put below the forward, call above), usable and two-sided.
  const byStrike = new Map<number, OptionCandidate>();
  for (const q of chain.options) {
    const k = q.instrument.strike;
    if (k === null || !market.usableForHedging.has(q.instrument.symbol)) continue;
    const wantType = k < chain.forward ? 'put' : 'call';
    if (q.instrument.optionType !== wantType) continue;
    const c = toCandidate(q, asOfMs, policy);
    if (c) byStrike.set(k, c);
  }
  // Put-call pairs at the same strike exist for the ATM node (half put + half call): index both types there.
  const quoteAt = (type: 'put' | 'call', strike: number): OptionCandidate | null => {
    const found = byStrike.get(strike);
    if (found && found.quote.instrument.optionType === type) return found;
    const q = chain.options.find((o) => o.instrument.strike === strike && o.instrument.optionType === type);
    return q && market.usableForHedging.has(q.instrument.symbol) ? toCandidate(q, asOfMs, policy) : null;
  };
  const legsByKey = new Map<string, { c: OptionCandidate; base: number }>();
  let forwardBase = 0;
  let cash = 0;
  let premiumUnrounded = 0;
  let continuousPremium = 0;
  let maxError = 0;
  let maxErrorPrice = 0;
  let uncoveredBelow = 0;
  let uncoveredAbove = 0;
  let mismatch = 0;
  let coverLower = Infinity;
  let coverUpper = -Infinity;
  const warnings: TicketWarning[] = [];
  for (const lp of lps) {
    const position = lp.position;
    const lower = position.model === 'v3' ? position.lower : 0;
    const upper = position.model === 'v3' ? position.upper : Infinity;
    const listed = [...byStrike.keys()].sort((a, b) => a - b);
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
    const vols = strikes.map((k) => byStrike.get(k)!.quote.markIv!);
    const strip = replicationStrip({
      position,
      strikes,
      expiryYears,
      vols,
      forward: chain.forward,
      target: policy.static.target,
      horizonYears,
    });
    forwardBase += strip.forward;
    cash += strip.cash;
    premiumUnrounded += strip.premium;
    continuousPremium += strip.continuousPremium;
    if (strip.maxError > maxError) {
      maxError = strip.maxError;
      maxErrorPrice = strip.maxErrorPrice;
    }
    uncoveredBelow += strip.tailBelow.uncoveredValue;
    uncoveredAbove += strip.tailAbove.uncoveredValue;
    mismatch += strip.expiryMismatch?.difference ?? 0;
    coverLower = Math.min(coverLower, strikes[0]!);
    coverUpper = Math.max(coverUpper, strikes[strikes.length - 1]!);
    for (const leg of strip.legs) {
      const c = quoteAt(leg.type, leg.strike);
      if (!c) {
        throw new InfeasibleHedgeError(
          `position ${lp.id}: the strip needs a ${leg.type} at ${leg.strike} (${chain.expiryIso.slice(0, 10)}) with a two-sided quote`,
        );
      }
      const key = c.candidate.key;
      const entry = legsByKey.get(key) ?? { c, base: 0 };
      entry.base += leg.quantity;
      legsByKey.set(key, entry);
    }
    if (uncoveredBelow > 0 || uncoveredAbove > 0) {
      warnings.push({
        code: 'tail-uncovered',
        message: `position ${lp.id}: beyond the listed strikes ${strikes[0]}..${strikes[strikes.length - 1]} the strip leaves ${(
          strip.tailBelow.uncoveredValue + strip.tailAbove.uncoveredValue
        ).toFixed(2)} USD of hedge value uncovered`,
      });
    }
  }
  // Round each strike's weight to whole lots (at least the minimum, or nothing).
  const legs: TicketLeg[] = [];
  const holdings: ScenarioHolding[] = [];
  const rounded: { c: OptionCandidate; base: number }[] = [];
  for (const { c, base } of legsByKey.values()) {
    let lots = Math.round(base / c.lotBase);
    const minLots = Math.ceil(c.minBase / c.lotBase - 1e-9);
    if (lots !== 0 && Math.abs(lots) < minLots) lots = Math.abs(base) >= c.minBase / 2 ? Math.sign(lots) * minLots : 0;
    const maxContracts = policy.limits.maxContractsPerLeg;
    if (maxContracts !== null) {
      const maxLots = Math.floor((maxContracts * c.basePerContract) / c.lotBase + 1e-9);
      if (Math.abs(lots) > maxLots) {
        warnings.push({ code: 'limit', message: `${c.quote.instrument.venueId}: capped at ${maxContracts} contracts` });
        lots = Math.sign(lots) * maxLots;
      }
    }
    if (lots === 0) continue;
    rounded.push({ c, base: lots * c.lotBase });
  }
  rounded.sort((a, b) => a.c.quote.instrument.strike! - b.c.quote.instrument.strike!);
  let after = { ...before };
  for (const { c, base } of rounded) {
    legs.push(optionLeg(c, base));
    holdings.push(optionHolding(c.quote, base, asOfMs));
    after = addGreeks(after, [c.unit], [base]);
  }
  // The strip's forward and the book's remaining delta both go to the delta hedge, in whole lots.
  if (hedge) {
    const wanted = policy.target.delta - after.delta;
    const lots = Math.round(wanted / hedge.candidate.lotBase);
    const base = lots * hedge.candidate.lotBase;
    if (base !== 0) {
      legs.push(deltaLeg(hedge, base));
      holdings.push({ kind: 'linear', baseAmount: base });
      after = { ...after, delta: after.delta + base };
    }
  }
  const premiumRounded = rounded.reduce((s, { c, base }) => s + base * c.unit.value, 0);
  const maxErrorRounded = roundedStripError(
    lps.map((l) => l.position),
    rounded,
    cash,
    forwardBase,
    chain.forward,
    coverLower,
    coverUpper,
  );
  const horizonMs = policy.static.horizonDays * MS_PER_DAY;
  if (Math.abs(chain.expiryMs - asOfMs - horizonMs) > MS_PER_DAY) {
    warnings.push({
      code: 'expiry-mismatch',
      message:
        `strip expiry ${chain.expiryIso.slice(0, 10)} is ${((chain.expiryMs - asOfMs) / MS_PER_DAY).toFixed(1)} d away; ` +
        `the LP horizon is ${policy.static.horizonDays} d (hedge value difference ${mismatch.toFixed(2)} USD)`,
    });
  }
  return {
    legs,
    hedgeHoldings: holdings,
    after,
    optimiser: null,
    strip: {
      expiry: chain.expiryIso,
      expiryYears,
      forwardPrice: chain.forward,
      forwardBase,
      cash,
      premiumUnrounded,
      premiumRounded,
      continuousPremium,
      coverage: { lower: coverLower, upper: coverUpper },
      uncoveredBelow,
      uncoveredAbove,
      maxError,
      maxErrorPrice,
      maxErrorRounded,
      horizonDays: policy.static.horizonDays,
      expiryDays: (chain.expiryMs - asOfMs) / MS_PER_DAY,
      expiryMismatchUsd: mismatch,
    },
    gammaTolerance: null,
    firstExpiryMs: chain.expiryMs,
    warnings,
  };
}

/** Max |IL(S) + rounded strip payoff(S)| over a grid of the covered interval (USD): the error a trader actually holds. */
function roundedStripError(
  positions: readonly LpPosition[],
  legs: readonly { c: OptionCandidate; base: number }[],
  cash: number,
  forwardBase: number,
  forward: number,
  lower: number,
  upper: number,
): number {
  let worst = 0;
  const n = 200;
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

/** The positions named by `ids` (all when absent), refusing ids the book does not hold. */
export function selectPositions(positions: readonly BookPosition[], ids?: readonly string[]): BookPosition[] {
  if (!ids) return [...positions];
  const known = new Map(positions.map((p) => [p.id, p]));
  const missing = ids.filter((id) => !known.has(id));
  if (missing.length) {
    throw new UnknownPositionError(
      `unknown position id(s) ${missing.join(', ')} (the book holds ${[...known.keys()].join(', ')})`,
    );
  }
  if (ids.length === 0) throw new InvalidHedgeInputError('positionIds', ids, 'must name at least one position');
  return ids.map((id) => known.get(id)!);
}

/** Builds a hedge ticket. Throws a `HedgingError` subclass (stale, sanity, infeasible, invalid input) on refusal. */
export async function makeTicket(request: TicketRequest): Promise<Ticket> {
  const { market, asOfMs, mode } = request;
  if (!Number.isFinite(asOfMs)) throw new InvalidHedgeInputError('asOfMs', asOfMs, 'must be a time in UTC ms');
  if (mode !== 'dynamic' && mode !== 'static') {
    throw new InvalidHedgeInputError('mode', mode, "must be 'dynamic' or 'static'");
  }
  const policy = withPolicyOverrides(resolvePolicy(request.policy as HedgePolicyInput), request.policyOverrides);
  const positions = selectPositions(request.positions, request.positionIds);
  if (!(policy.candidates.venues as readonly string[]).includes(market.venue)) {
    throw new UnknownPositionError(
      `policy.candidates.venues (${policy.candidates.venues.join(', ')}) excludes ${market.venue}`,
    );
  }
  const warnings = checkMarket(market, asOfMs, policy);
  const valuation = valueBook(positions, market, asOfMs, { poolPrice: request.poolPrice });
  const before: BookGreeks = {
    delta: valuation.total.delta,
    gamma: valuation.total.gamma,
    vega: valuation.total.vega,
    theta: valuation.total.theta,
  };
  for (const p of positions) {
    if (
      p.kind === 'lp' &&
      p.position.model === 'v3' &&
      (valuation.price <= p.position.lower || valuation.price >= p.position.upper)
    ) {
      warnings.push({
        code: 'out-of-range',
        message: `position ${p.id}: price ${valuation.price} is outside its range ${p.position.lower}-${p.position.upper} (no gamma)`,
      });
    }
  }
  const hedge = deltaHedgeInstrument(market, asOfMs, policy);
  const outcome =
    mode === 'dynamic'
      ? await dynamicHedge(market, asOfMs, policy, before, hedge)
      : staticHedge(positions, market, asOfMs, policy, before, hedge);
  warnings.push(...outcome.warnings);

  for (const leg of outcome.legs) {
    const quote = findQuote(market, leg.instrument);
    const ageMs = quote ? asOfMs - quote.timestampMs : 0;
    if (ageMs > policy.maxQuoteAgeMs) {
      throw new StaleMarketError(
        `${leg.instrument}: quote is ${(ageMs / 1000).toFixed(1)} s old at ${new Date(asOfMs).toISOString()}; ` +
          `the policy allows ${(policy.maxQuoteAgeMs / 1000).toFixed(1)} s (maxQuoteAgeMs)`,
        ageMs,
        policy.maxQuoteAgeMs,
      );
    }
    if (ageMs > policy.maxQuoteAgeMs / 2) {
      warnings.push({
        code: 'stale-quotes',
        message: `${leg.instrument}: quote is ${(ageMs / 1000).toFixed(1)} s old (limit ${(policy.maxQuoteAgeMs / 1000).toFixed(1)} s)`,
      });
    }
    if (leg.kind !== 'option' || leg.bid === null || leg.ask === null || leg.mid === null) continue;
    const rel = (leg.ask - leg.bid) / leg.mid;
    if (rel > 0.1) {
      warnings.push({
        code: 'wide-spread',
        message: `${leg.instrument}: bid-ask spread is ${(rel * 100).toFixed(1)}% of mid`,
      });
    }
    const optionQuote = quote?.kind === 'option' ? quote : null;
    const size = leg.side === 'buy' ? optionQuote?.askSizeContracts : optionQuote?.bidSizeContracts;
    const oi = optionQuote?.openInterestContracts;
    if ((size != null && size < leg.contracts) || (oi != null && oi < leg.contracts)) {
      warnings.push({
        code: 'thin-book',
        message: `${leg.instrument}: ${leg.contracts} contracts against ${size != null ? `${size} at the touch` : ''}${
          size != null && oi != null ? ', ' : ''
        }${oi != null ? `open interest ${oi}` : ''}`,
      });
    }
  }
  const totals = {
    cost: outcome.legs.reduce((s, l) => s + l.cost, 0),
    fees: outcome.legs.reduce((s, l) => s + l.fees, 0),
    premiumUsd: outcome.legs.reduce((s, l) => s + l.premiumUsd, 0),
  };
  if (policy.limits.maxPremiumUsd !== null && totals.premiumUsd > policy.limits.maxPremiumUsd) {
    warnings.push({
      code: 'limit',
      message: `premium ${totals.premiumUsd.toFixed(2)} USD exceeds the limit ${policy.limits.maxPremiumUsd} USD`,
    });
  }

  const scenarios = scenarioPnl(
    holdingsOfBook(positions, market, valuation),
    outcome.hedgeHoldings,
    valuation.price,
    asOfMs,
    {
      spotMoves: policy.scenarios.spotMoves,
      volShifts: policy.scenarios.volShifts,
      horizons: defaultHorizons(asOfMs, outcome.firstExpiryMs),
    },
  );

  const vol = atmVol(market, asOfMs);
  const band = deltaBandHalfWidth(bandOf(policy), {
    gamma: before.gamma,
    price: valuation.price,
    vol,
    minBase: hedge?.candidate.lotBase ?? 0,
  });
  const decision = rebalanceDecision(before.delta, policy.target.delta, band);
  const expiries = outcome.legs.flatMap((l) => (l.kind === 'option' && l.expiry ? [Date.parse(l.expiry)] : []));
  const reviews = nextReviewTimes(
    asOfMs,
    { intervalMs: policy.reviewIntervalHours * 3_600_000, beforeExpiryMs: policy.reviewBeforeExpiryHours * 3_600_000 },
    expiries,
    3,
  );

  const id =
    request.id ??
    ticketIdFor({
      positions: positions,
      venue: market.venue,
      t: market.source.dataTimeMs,
      asOfMs,
      mode,
      policy,
    });
  const ticket: Ticket = {
    id,
    createdAt: new Date(asOfMs).toISOString(),
    asOfMs,
    mode,
    source: {
      kind: market.source.kind,
      label: market.source.label,
      dataTimeMs: market.source.dataTimeMs,
      dataTime: new Date(market.source.dataTimeMs).toISOString(),
    },
    venue: market.venue,
    underlying: market.underlying,
    price: valuation.price,
    positions: valuation.positions.map((p) => ({
      id: p.id,
      kind: p.kind,
      label: p.label,
      model: p.model,
      range: p.range,
      liquidity: p.liquidity,
      instrument: p.instrument,
      contracts: p.contracts,
      price: p.price,
      value: p.value,
      delta: p.delta,
      gamma: p.gamma,
      vega: p.vega,
      theta: p.theta,
    })),
    legs: outcome.legs,
    before,
    after: outcome.after,
    target: policy.target,
    tolerance: {
      delta: policy.tolerance.deltaBase,
      gamma: outcome.gammaTolerance,
      vega: policy.maxAbsVegaUsdPerVolPoint === null ? null : policy.maxAbsVegaUsdPerVolPoint * 100,
    },
    residual: {
      delta: outcome.after.delta - policy.target.delta,
      gamma: outcome.after.gamma - policy.target.gamma,
    },
    totals,
    optimiser: outcome.optimiser,
    strip: outcome.strip,
    rebalance: {
      action: decision.action,
      band: band.explanation,
      halfWidthBase: band.halfWidthBase,
      deviationBase: decision.deviationBase,
      message: decision.message,
      nextReviews: reviews.map((t) => new Date(t).toISOString()),
    },
    scenarios: {
      ...scenarios.grid,
      rows: scenarios.rows,
      worstBefore: scenarios.worstBefore,
      worstAfter: scenarios.worstAfter,
    },
    warnings,
    policy,
  };
  return ticketSchema.parse(ticket);
}

// --- book report: Greeks and hedge ratios now -------------------------------------------------------------------

export interface HedgeRatio {
  instrument: string;
  type: 'call' | 'put' | null;
  strike: number | null;
  expiry: string | null;
  /** Contracts (signed) of this instrument alone that would bring gamma to target. */
  contracts: number;
  baseAmount: number;
  /** Cost of doing so under the policy's cost model, USD. */
  cost: number;
}

export interface BookReport {
  asOfMs: number;
  price: number;
  source: Ticket['source'];
  positions: BookValuation['positions'];
  total: BookValuation['total'];
  /** The delta hedge that neutralises delta now: contracts (signed) of the perp/future and base units. */
  deltaHedge: { instrument: string; contracts: number; baseAmount: number } | null;
  /** Single-instrument gamma hedges among the best-ranked candidates (each alone, not combined). */
  gammaHedges: HedgeRatio[];
  band: { halfWidthBase: number; explanation: string; action: 'none' | 'rebalance'; message: string };
}

/** Greeks and the hedge ratios now: perp contracts for delta, option contracts for gamma, and the band status. */
export function bookReport(
  positions: readonly BookPosition[],
  market: MarketSnapshot,
  asOfMs: number,
  policyInput?: HedgePolicy | HedgePolicyInput,
  options: { poolPrice?: number; gammaHedges?: number } = {},
): BookReport {
  const policy = resolvePolicy(policyInput as HedgePolicyInput);
  const valuation = valueBook(positions, market, asOfMs, { poolPrice: options.poolPrice });
  const hedge = deltaHedgeInstrument(market, asOfMs, policy);
  const deltaGap = policy.target.delta - valuation.total.delta;
  const gammaGap = policy.target.gamma - valuation.total.gamma;
  const selection = selectCandidates(market, asOfMs, policy);
  const gammaHedges = selection.used.slice(0, options.gammaHedges ?? 3).map((c) => {
    const lots = Math.round(gammaGap / c.unit.gamma / c.lotBase);
    const base = lots * c.lotBase;
    return {
      instrument: c.quote.instrument.venueId,
      type: c.quote.instrument.optionType,
      strike: c.quote.instrument.strike,
      expiry: c.quote.instrument.expiryIso,
      contracts: roundToStep(base / c.basePerContract, c.quote.instrument.amountStep, 'nearest'),
      baseAmount: base,
      cost: Math.abs(base) * (base >= 0 ? c.candidate.buyCost : c.candidate.sellCost),
    };
  });
  const vol = atmVol(market, asOfMs);
  const band = deltaBandHalfWidth(bandOf(policy), {
    gamma: valuation.total.gamma,
    price: valuation.price,
    vol,
    minBase: hedge?.candidate.lotBase ?? 0,
  });
  const decision = rebalanceDecision(valuation.total.delta, policy.target.delta, band);
  let deltaHedge: BookReport['deltaHedge'] = null;
  if (hedge) {
    const lots = Math.round(deltaGap / hedge.candidate.lotBase);
    deltaHedge = {
      instrument: hedge.quote.instrument.venueId,
      contracts: roundToStep(lots * hedge.quote.instrument.amountStep, hedge.quote.instrument.amountStep, 'nearest'),
      baseAmount: lots * hedge.candidate.lotBase,
    };
  }
  return {
    asOfMs,
    price: valuation.price,
    source: {
      kind: market.source.kind,
      label: market.source.label,
      dataTimeMs: market.source.dataTimeMs,
      dataTime: new Date(market.source.dataTimeMs).toISOString(),
    },
    positions: valuation.positions,
    total: valuation.total,
    deltaHedge,
    gammaHedges,
    band: {
      halfWidthBase: band.halfWidthBase,
      explanation: band.explanation,
      action: decision.action,
      message: decision.message,
    },
  };
}

/** LP state helper re-exported for callers that show amounts (kept here so src/ need not reach into pricing/lp). */
export function lpAmounts(
  position: LpPosition,
  price: number,
): { amountBase: number; amountQuote: number; value: number } {
  const s = lpStateUnchecked(position, price);
  return { amountBase: s.amountBase, amountQuote: s.amountQuote, value: s.value };
}
