/**
 * The delta-gamma options policy, through the same engine as the tickets: at each review the synthetic chain
 * (lab/chain.ts) goes through `hedging`'s `selectCandidates` with the resolved hedge policy, and the whole-lot MIP
 * `optimiseHedgeWith` (HiGHS) picks the options and the perp that bring the book (IL delta and LP gamma plus what is
 * held) to the policy's delta and gamma targets at least cost (half-spreads and fees under the default cost model).
 *
 * Schedule: a review every `reviewHours`; at a review, legs within `rollBeforeExpiryHours` of expiry are closed
 * first (the roll), and the MIP is run when gamma is outside its tolerance band (policy.tolerance: the larger of
 * gammaRelative x |book gamma| and gammaAbsolute) or a leg was rolled. Between reviews, the perp keeps the delta in
 * `hedging/policy.ts`'s band (policy.band; the gamma band's dt is the path's step). When no whole-lot hedge exists
 * (e.g. zero vol: no option has gamma), the review falls back to the perp and says so in the warnings.
 */
import {
  deltaBandHalfWidth,
  InfeasibleHedgeError,
  optimiseHedgeWith,
  rebalanceDecision,
  resolvePolicy,
  selectCandidates,
  type DeltaHedgeCandidate,
  type HedgePolicy,
  type HedgePolicyInput,
  type OptimiseProblem,
} from '../../hedging/index.js';
import { FEE_CAP, syntheticSnapshot } from '../chain.js';
import { LabInputError } from '../errors.js';
import type { HedgeState } from '../hedgeState.js';
import { bookDelta, bookGamma, type PolicyContext, type PolicyRunner } from './types.js';
import { MS_PER_HOUR } from '../../pricing/time.js';

export interface OptionsPolicySettings {
  reviewHours: number;
  rollBeforeExpiryHours: number;
  policy: HedgePolicyInput;
}

export function optionsPolicy(ctx: PolicyContext, settings: OptionsPolicySettings): PolicyRunner {
  if (!ctx.highs) throw new LabInputError('highs', null, 'the options policy needs the solver (loadSolver())');
  if (!(settings.reviewHours > 0))
    throw new LabInputError('reviewHours', settings.reviewHours, 'must be greater than 0');
  if (!(settings.rollBeforeExpiryHours >= 0))
    throw new LabInputError('rollBeforeExpiryHours', settings.rollBeforeExpiryHours, 'must be at least 0');
  if (!(ctx.costs.optionLotBase > 0))
    throw new LabInputError('optionLotBase', ctx.costs.optionLotBase, 'must be greater than 0 for the options policy');
  const highs = ctx.highs;
  // The synthetic chain is Deribit-like linear options charged `optionFeeRate` of the underlying capped at 12.5% of
  // the premium (lab/chain.ts): the optimiser prices candidates on the same fee, so what it minimises is what the
  // run then pays. A policy's own `fees` for those options wins.
  const rate = ctx.costs.optionFeeRate;
  const labFees = { deribit: { options: { linear: { makerRate: rate, takerRate: rate, premiumCap: FEE_CAP } } } };
  const policy: HedgePolicy = resolvePolicy({ ...settings.policy, fees: settings.policy.fees ?? labFees });
  const counts = new Map<string, number>();
  const note = (message: string) => counts.set(message, (counts.get(message) ?? 0) + 1);
  const { timesMs, prices, vols } = ctx.path;
  const reviewMs = settings.reviewHours * MS_PER_HOUR;
  const rollMs = settings.rollBeforeExpiryHours * MS_PER_HOUR;
  let nextReview = -Infinity;

  function perpBand(i: number, h: HedgeState): void {
    const stepMs = timesMs[i + 1]! - timesMs[i]!;
    const spec = policy.band;
    const band = deltaBandHalfWidth(
      spec.kind === 'gamma' ? { kind: 'gamma', k: spec.k, reviewIntervalMs: stepMs } : spec,
      { gamma: bookGamma(ctx, i, h), price: prices[i]!, vol: vols[i]!, minBase: ctx.costs.perpLotBase },
    );
    const decision = rebalanceDecision(bookDelta(ctx, i, h), policy.target.delta, band);
    if (decision.action === 'rebalance') h.tradePerp(i, h.roundPerp(decision.tradeBase));
  }

  function optimise(i: number, h: HedgeState): boolean {
    const t = timesMs[i]!;
    const price = prices[i]!;
    const snapshot = syntheticSnapshot(t, price, vols[i]!, ctx.costs, policy.candidates);
    const selection = selectCandidates(snapshot, t, policy);
    const g = h.optionGreeks();
    const book = {
      delta: bookDelta(ctx, i, h),
      gamma: bookGamma(ctx, i, h),
      vega: g.vega,
      theta: g.theta,
    };
    // Relative to the LP's own gamma (the ticket's "gamma before" of an unhedged book), so that a book already
    // partly hedged is not held to a tighter band than a fresh one.
    const gammaTol = Math.max(
      policy.tolerance.gammaRelative * Math.abs(ctx.lp.gamma[i]!),
      policy.tolerance.gammaAbsolute,
    );
    if (!(gammaTol > 0)) return false;
    const perpCost = price * ctx.costs.perpCostFraction;
    const lot = ctx.costs.perpLotBase > 0 ? ctx.costs.perpLotBase : 1e-9;
    const deltaHedge: DeltaHedgeCandidate | null =
      policy.deltaHedge === 'none'
        ? null
        : {
            key: 'lab:perp',
            delta: 1,
            buyCost: perpCost,
            sellCost: perpCost,
            lotBase: lot,
            minBase: 0,
            maxBase: Infinity,
          };
    const problem: OptimiseProblem = {
      book,
      target: policy.target,
      tolerance: { delta: policy.tolerance.deltaBase, gamma: gammaTol },
      vegaBound: policy.maxAbsVegaQuotePerVolPoint === null ? null : policy.maxAbsVegaQuotePerVolPoint * 100,
      maxLegs: policy.maxLegs,
      options: selection.used.map((c) => c.candidate),
      deltaHedge,
    };
    if (problem.options.length === 0) {
      note('no option candidate passed the filters (e.g. zero vol: no gamma); the perp took the delta');
      return false;
    }
    let result;
    try {
      result = optimiseHedgeWith(highs, problem);
    } catch (error) {
      if (error instanceof InfeasibleHedgeError) {
        note(
          'no whole-lot hedge reached the gamma target (gamma above target with selling not allowed, or lots too ' +
            'coarse for the tolerance); the perp took the delta',
        );
        return false;
      }
      throw error;
    }
    result.rounded.optionBase.forEach((base, j) => {
      if (base === 0) return;
      const inst = selection.used[j]!.quote.instrument;
      h.tradeOption(i, inst.optionType!, inst.strike!, inst.expiryMs!, base);
    });
    h.tradePerp(i, result.rounded.deltaHedgeBase);
    return true;
  }

  return {
    name: 'options',
    get warnings() {
      return [...counts].map(([message, n]) => `${n} review${n === 1 ? '' : 's'}: ${message}`);
    },
    decide(i: number, h: HedgeState) {
      const t = timesMs[i]!;
      const expiring = h.legs.some((l) => l.expiryMs - t < rollMs);
      if (t + 0.5 >= nextReview || expiring) {
        let rolled = false;
        for (const leg of [...h.legs]) {
          if (leg.expiryMs - t < rollMs) {
            h.tradeOption(i, leg.type, leg.strike, leg.expiryMs, -leg.quantity);
            rolled = true;
          }
        }
        const gamma = bookGamma(ctx, i, h);
        const tol = Math.max(
          policy.tolerance.gammaRelative * Math.abs(ctx.lp.gamma[i]!),
          policy.tolerance.gammaAbsolute,
        );
        let done = false;
        if (rolled || Math.abs(gamma - policy.target.gamma) > tol) done = optimise(i, h);
        if (!done) perpBand(i, h);
        if (t + 0.5 >= nextReview) nextReview = t + reviewMs;
        return;
      }
      perpBand(i, h);
    },
  };
}
