/**
 * The optimiser's problem and answer, as numbers only: candidates with their Greeks, costs and lots per base unit,
 * the book, targets, tolerances and hard-limit bounds, and the allocations it returns (`optimise.ts` solves it,
 * `lpFormat.ts` writes it for HiGHS).
 */
import { InvalidHedgeInputError, requireFiniteField } from './errors.js';

/** What the optimiser minimises. */
export type CostModel = 'spread' | 'theta' | 'premium';
export const COST_MODELS: readonly CostModel[] = ['spread', 'theta', 'premium'];

/** An option the optimiser may trade, reduced to numbers: Greeks and costs per base unit, lots in base units. */
export interface HedgeCandidate {
  /** Stable key, e.g. `deribit:BTC-26JUN26-80000-C`. */
  key: string;
  /** Greeks of one base unit held long, quote currency (delta premium-adjusted for coin-settled options). */
  delta: number;
  gamma: number;
  /** dV/dsigma (sigma decimal), quote currency per base unit. */
  vega: number;
  /** dV/dt per year, quote currency per base unit. */
  theta: number;
  /**
   * Cost of buying / selling one base unit under the chosen cost model, quote currency (may be < 0 for premium);
   * under the horizon objective the expected cost of holding it to the LP's horizon (hedging/horizon.ts: the trade
   * now, its rolls, the close at the horizon, a vega charge).
   */
  buyCost: number;
  sellCost: number;
  /** Order step and minimum order, in base units (contracts x contract size). */
  lotBase: number;
  minBase: number;
  /** Largest quantity the hedge may trade in this candidate, base units (limits); Infinity for no limit. */
  maxBase: number;
  canBuy: boolean;
  canSell: boolean;
  /**
   * Premium paid per base unit bought and received per base unit sold (both >= 0 normally), quote currency, at the
   * prices the legs will be sent at; needed only with `premiumBound`.
   */
  buyPremiumQuote?: number;
  sellPremiumQuote?: number;
}

/** The instrument that takes the delta (a perp or a future): linear in the underlying, no gamma. */
export interface DeltaHedgeCandidate {
  key: string;
  /** Delta of one base unit held long (1 for a perp or a future on the same underlying). */
  delta: number;
  /**
   * Cost per base unit bought / sold, quote currency; under the horizon objective also the close at the horizon and
   * the funding or basis to it (a short may then earn more than it pays: a negative cost, bounded by the delta row).
   */
  buyCost: number;
  sellCost: number;
  /** Order step and minimum in base units at the current price (inverse perps: contract USD / price). */
  lotBase: number;
  minBase: number;
  /** Largest |quantity| in base units; Infinity for no limit. */
  maxBase: number;
}

export interface BookGreeks {
  delta: number;
  gamma: number;
  vega: number;
  theta: number;
}

export interface OptimiseProblem {
  /** The book before the hedge. */
  book: BookGreeks;
  target: { delta: number; gamma: number };
  /** Absolute tolerances: base units for delta, base units per quote unit for gamma; both > 0. */
  tolerance: { delta: number; gamma: number };
  /** Optional bound on |vega| of the book after the hedge, quote currency per unit of vol (decimal). */
  vegaBound?: number | null;
  /** Optional maximum number of option legs (the delta hedge does not count). */
  maxLegs?: number | null;
  /** Optional bound on the premium the option legs pay together (sales count as received), quote currency. */
  premiumBound?: number | null;
  /** Optional bounds on |delta| (base units) and |gamma| of the book after the hedge, whatever the target. */
  netDeltaBound?: number | null;
  netGammaBound?: number | null;
  options: readonly HedgeCandidate[];
  deltaHedge: DeltaHedgeCandidate | null;
}

export interface HedgeAllocation {
  /** Signed base units per option candidate, in the order of `problem.options` (+ bought, - sold). */
  optionBase: number[];
  /** Signed base units of the delta hedge. */
  deltaHedgeBase: number;
  /** Objective value of this allocation, quote currency. */
  cost: number;
}

export interface RoundedAllocation extends HedgeAllocation {
  /** Signed whole lots per option candidate. */
  optionLots: number[];
  /** Signed whole lots of the delta hedge after the re-fix. */
  deltaHedgeLots: number;
  /** MIP objective (continuous delta hedge, before its own rounding), quote currency: never below `relaxed.cost`. */
  mipCost: number;
}

export interface OptimiseResult {
  relaxed: HedgeAllocation;
  rounded: RoundedAllocation;
  /** The book after the rounded hedge. */
  after: BookGreeks;
  /** `after - target` for delta and gamma: what rounding (and the tolerance) leaves. */
  residual: { delta: number; gamma: number };
  withinTolerance: { delta: boolean; gamma: boolean; vega: boolean };
}

/** Refuses a problem with a non-finite or out-of-domain number, naming the field. */
export function validate(problem: OptimiseProblem): void {
  const { book, target, tolerance } = problem;
  requireFiniteField('book.delta', book.delta);
  requireFiniteField('book.gamma', book.gamma);
  requireFiniteField('book.vega', book.vega);
  requireFiniteField('target.delta', target.delta);
  requireFiniteField('target.gamma', target.gamma);
  if (!(tolerance.delta > 0 && Number.isFinite(tolerance.delta)))
    throw new InvalidHedgeInputError('tolerance.delta', tolerance.delta, 'must be a finite number greater than 0');
  if (!(tolerance.gamma > 0 && Number.isFinite(tolerance.gamma)))
    throw new InvalidHedgeInputError('tolerance.gamma', tolerance.gamma, 'must be a finite number greater than 0');
  if (problem.vegaBound != null && !(problem.vegaBound > 0))
    throw new InvalidHedgeInputError('vegaBound', problem.vegaBound, 'must be greater than 0 when given');
  for (const k of ['premiumBound', 'netDeltaBound', 'netGammaBound'] as const) {
    const v = problem[k];
    if (v != null && !(v > 0)) throw new InvalidHedgeInputError(k, v, 'must be greater than 0 when given');
  }
  if (problem.maxLegs != null && !(Number.isInteger(problem.maxLegs) && problem.maxLegs >= 0))
    throw new InvalidHedgeInputError('maxLegs', problem.maxLegs, 'must be a whole number at least 0 when given');
  problem.options.forEach((c, i) => {
    const f = `options[${i}]`;
    for (const k of ['delta', 'gamma', 'vega', 'theta', 'buyCost', 'sellCost'] as const)
      requireFiniteField(`${f}.${k}`, c[k]);
    if (!(c.lotBase > 0 && Number.isFinite(c.lotBase)))
      throw new InvalidHedgeInputError(`${f}.lotBase`, c.lotBase, 'must be a finite number greater than 0');
    if (!(c.minBase >= 0 && Number.isFinite(c.minBase)))
      throw new InvalidHedgeInputError(`${f}.minBase`, c.minBase, 'must be a finite number at least 0');
    if (!(c.maxBase >= 0))
      throw new InvalidHedgeInputError(`${f}.maxBase`, c.maxBase, 'must be at least 0 (Infinity for no limit)');
    if (problem.premiumBound != null) {
      requireFiniteField(`${f}.buyPremiumQuote`, c.buyPremiumQuote as number);
      requireFiniteField(`${f}.sellPremiumQuote`, c.sellPremiumQuote as number);
    }
  });
  const h = problem.deltaHedge;
  if (h) {
    for (const k of ['delta', 'buyCost', 'sellCost'] as const) requireFiniteField(`deltaHedge.${k}`, h[k]);
    if (!(h.delta !== 0)) throw new InvalidHedgeInputError('deltaHedge.delta', h.delta, 'must not be 0');
    if (!(h.lotBase > 0 && Number.isFinite(h.lotBase)))
      throw new InvalidHedgeInputError('deltaHedge.lotBase', h.lotBase, 'must be a finite number greater than 0');
  }
}

/** The book's Greeks after adding `baseAmounts` of each candidate (pure arithmetic, used for the after-state). */
export function addGreeks(
  book: BookGreeks,
  candidates: readonly Pick<HedgeCandidate, 'delta' | 'gamma' | 'vega' | 'theta'>[],
  baseAmounts: readonly number[],
): BookGreeks {
  const out = { ...book };
  candidates.forEach((c, i) => {
    const q = baseAmounts[i] ?? 0;
    out.delta += q * c.delta;
    out.gamma += q * c.gamma;
    out.vega += q * c.vega;
    out.theta += q * c.theta;
  });
  return out;
}
