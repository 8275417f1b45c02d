/**
 * The dynamic engine: delta- and gamma-neutral at least cost. Candidates are filtered and ranked
 * (`candidates.ts`), from every venue the request brings and the policy allows, into one list; the whole-lot MIP
 * picks options and the delta hedge (`optimise.ts`) in one solve (one set of delta/gamma/vega rows over all legs,
 * each leg in its own venue's lots), and the perp re-fixes delta after rounding; what rounding leaves is reported
 * as a residual warning.
 */
import { selectCandidatesAcross } from '../candidates.js';
import { InvalidHedgeInputError } from '../errors.js';
import { legOf, optionHolding } from '../legs.js';
import { deltaHedgeInstrument, deltaHedgeSide } from '../deltaHedge.js';
import { horizonSettingsOf } from '../policySchema.js';
import { InfeasibleHedgeError } from '../errors.js';
import { LimitInfeasibleError, findBindingLimits, limitValue, vegaBoundPerUnitVol } from '../limits.js';
import { loadSolver, optimiseHedgeWith, type OptimiseResult } from '../optimise.js';
import type { HedgePolicy } from '../policySchema.js';
import type { ScenarioHolding } from '../scenarios.js';
import type { TicketLeg, TicketWarning } from '../ticket.js';
import type { HedgeArguments, HedgeEngine, HedgeOutcome } from './types.js';

/**
 * A rounding residual in gamma larger than this fraction of the tolerance is worth a warning: within it, whole lots
 * landed about as close as the tolerance asks.
 */
const GAMMA_RESIDUAL_WARNING_FRACTION = 0.5;

/** The absolute gamma tolerance: the larger of the policy's absolute one and its fraction of the LP gamma hedged. */
export function gammaTolerance(policy: HedgePolicy, lpGamma: number): number {
  return Math.max(policy.tolerance.gammaAbsolute, policy.tolerance.gammaRelative * Math.abs(lpGamma));
}

/**
 * The whole-lot MIP under `policy`, with the hard limits as constraints (per-leg limits are the candidates' and the
 * delta hedge's `maxBase`, built from the same policy).
 */
async function solve(args: HedgeArguments, policy: HedgePolicy) {
  const { market, asOfMs, before } = args;
  const hedge =
    policy === args.policy
      ? args.deltaHedge
      : deltaHedgeInstrument(market, asOfMs, policy, null, deltaHedgeSide(policy.target.delta, before.delta));
  const markets = args.markets ?? [{ venue: market.venue, market, asOfMs, primary: true }];
  const selection = selectCandidatesAcross(markets, policy);
  const tolGamma = gammaTolerance(policy, args.lpGamma);
  const gap = Math.abs(policy.target.gamma - before.gamma);
  // Gamma already within tolerance: only delta to fix, no options needed.
  const options = gap <= tolGamma ? [] : selection.used;
  if (gap > tolGamma && options.length === 0) {
    // Without a candidate the gamma row would be restated as moot below and the ticket leave gamma unhedged silently.
    throw new InfeasibleHedgeError(
      `gamma is ${before.gamma.toExponential(4)} against a target of ${policy.target.gamma} +- ${tolGamma.toExponential(3)}, ` +
        `but no option of ${markets.map((m) => m.venue).join(', ')} passes policy.candidates ` +
        `(venues ${policy.candidates.venues.join(', ')}, ${policy.candidates.minExpiryDays}-${policy.candidates.maxExpiryDays} d, ` +
        `|ln K/F| <= ${policy.candidates.maxAbsLogMoneyness}, spread <= ${policy.candidates.maxRelativeSpread}; ` +
        `${selection.listed} listed)`,
    );
  }
  // No gamma to hedge and none held (an out-of-range v3): a delta-only ticket, no tolerance needed.
  if (tolGamma <= 0 && gap > 0) {
    throw new InvalidHedgeInputError(
      'policy.tolerance.gammaAbsolute',
      policy.tolerance.gammaAbsolute,
      'the book has no gamma, so a relative gamma tolerance is 0: give an absolute one',
    );
  }
  const highs = await loadSolver();
  const result: OptimiseResult = optimiseHedgeWith(highs, {
    book: before,
    target: policy.target,
    // Without options the gamma row only restates the book's gamma: a zero tolerance (nothing to hedge) is moot.
    tolerance: {
      delta: policy.tolerance.deltaBase,
      gamma: options.length ? tolGamma : Math.max(tolGamma, gap, Number.MIN_VALUE),
    },
    vegaBound: vegaBoundPerUnitVol(policy),
    maxLegs: policy.maxLegs,
    premiumBound: policy.limits.maxPremiumQuote,
    netDeltaBound: policy.limits.maxAbsNetDeltaBase,
    netGammaBound: policy.limits.maxAbsNetGamma,
    options: options.map((c) => c.candidate),
    deltaHedge: hedge?.candidate ?? null,
  });
  return { result, options, selection, tolGamma, hedge };
}

/** Solves under the policy; when that is infeasible, names the limit that makes it so (or rethrows). */
async function solveWithinLimits(args: HedgeArguments): ReturnType<typeof solve> {
  try {
    return await solve(args, args.policy);
  } catch (error) {
    if (!(error instanceof InfeasibleHedgeError)) throw error;
    const binding = await findBindingLimits(args.policy, (p) => solve(args, p));
    if (!binding) throw error;
    throw new LimitInfeasibleError(
      binding.fields,
      binding.fields.map((f) => limitValue(args.policy, f)!),
      binding.together
        ? `no one limit binds alone, but a hedge exists without all of them (${error.message})`
        : `a hedge exists without ${binding.fields.length > 1 ? 'any one of them' : 'it'} (${error.message})`,
    );
  }
}

async function dynamicHedge(args: HedgeArguments): Promise<HedgeOutcome> {
  const { asOfMs, policy } = args;
  const { result, options, selection, tolGamma, hedge } = await solveWithinLimits(args);
  const warnings: TicketWarning[] = [];
  const legs: TicketLeg[] = [];
  const hedgeHoldings: ScenarioHolding[] = [];
  let firstExpiryMs: number | null = null;
  result.rounded.optionBase.forEach((base, idx) => {
    if (base === 0) return;
    const c = options[idx]!;
    legs.push(legOf({ kind: 'option', option: c }, base));
    // A leg of another venue is priced on that venue's clock; the scenario grid runs on the ticket's.
    const offsetMs = asOfMs - c.asOfMs;
    hedgeHoldings.push(optionHolding(c.quote, base, c.asOfMs, offsetMs));
    const e = c.quote.instrument.expiryMs! + offsetMs;
    firstExpiryMs = firstExpiryMs === null ? e : Math.min(firstExpiryMs, e);
  });
  if (hedge && result.rounded.deltaHedgeBase !== 0) {
    legs.push(legOf({ kind: 'delta', hedge }, result.rounded.deltaHedgeBase));
    hedgeHoldings.push({ kind: 'linear', baseAmount: result.rounded.deltaHedgeBase });
  }
  if (Math.abs(result.residual.gamma) > GAMMA_RESIDUAL_WARNING_FRACTION * tolGamma) {
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
      // Under the horizon objective the MIP minimised the cost to the horizon (hedging/horizon.ts), whatever
      // the one-off cost model says.
      costModel: horizonSettingsOf(policy).objective === 'horizon' ? 'horizon' : policy.costModel,
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

export const dynamicEngine: HedgeEngine = { hedge: dynamicHedge };
