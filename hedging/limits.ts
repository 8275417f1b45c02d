/**
 * The policy's hard limits (`policy.limits` and `policy.maxAbsVegaQuotePerVolPoint`) in the units the optimiser works
 * in, and the error a ticket is refused with when it cannot meet them. The dynamic optimiser holds every limit as a
 * constraint (per-leg limits as variable bounds, the others as rows); which limit binds is found by solving again
 * without each one in turn (`findBindingLimits`).
 */
import { defineError, type ErrorDefinition } from '../pricing/errors.js';
import { InfeasibleHedgeError } from './errors.js';
import type { HedgePolicy } from './policySchema.js';
import { vegaPerVolPointToPerUnitVol } from './units.js';

export { VOL_POINTS_PER_UNIT_VOL, vegaPerUnitVolToPerVolPoint, vegaPerVolPointToPerUnitVol } from './units.js';

/** The policy's |vega| bound as dV/dsigma (USD per 1.00 of vol), or null for none. */
export function vegaBoundPerUnitVol(policy: HedgePolicy): number | null {
  const v = policy.maxAbsVegaQuotePerVolPoint;
  return v === null ? null : vegaPerVolPointToPerUnitVol(v);
}

/** Every hard limit, by the policy path an error names. */
export const LIMIT_FIELDS = [
  'policy.limits.maxPremiumQuote',
  'policy.maxAbsVegaQuotePerVolPoint',
  'policy.limits.maxNotionalQuotePerLeg',
  'policy.limits.maxContractsPerLeg',
  'policy.limits.maxAbsNetDeltaBase',
  'policy.limits.maxAbsNetGamma',
] as const;
export type LimitField = (typeof LIMIT_FIELDS)[number];

/** The value of a limit in the policy (null: not set). */
export function limitValue(policy: HedgePolicy, field: LimitField): number | null {
  if (field === 'policy.maxAbsVegaQuotePerVolPoint') return policy.maxAbsVegaQuotePerVolPoint;
  const key = field.slice('policy.limits.'.length) as keyof HedgePolicy['limits'];
  return policy.limits[key];
}

/** The limits the policy sets. */
export function activeLimits(policy: HedgePolicy): LimitField[] {
  return LIMIT_FIELDS.filter((f) => limitValue(policy, f) !== null);
}

/** The policy with `fields` lifted (set to null): to find out which limit makes a hedge infeasible. */
export function withoutLimits(policy: HedgePolicy, fields: readonly LimitField[]): HedgePolicy {
  const out: HedgePolicy = { ...policy, limits: { ...policy.limits } };
  for (const field of fields) {
    if (field === 'policy.maxAbsVegaQuotePerVolPoint') out.maxAbsVegaQuotePerVolPoint = null;
    else out.limits[field.slice('policy.limits.'.length) as keyof HedgePolicy['limits']] = null;
  }
  return out;
}

/**
 * Largest |base units| one leg may trade: contracts x base per contract (when `basePerContract` is given: option
 * legs) and notional / price, whichever is smaller; Infinity without limits.
 */
export function legMaxBase(policy: HedgePolicy, priceQuote: number, basePerContract: number | null): number {
  const { maxContractsPerLeg: contracts, maxNotionalQuotePerLeg: notional } = policy.limits;
  const byContracts = contracts !== null && basePerContract !== null ? contracts * basePerContract : Infinity;
  const byNotional = notional !== null ? notional / priceQuote : Infinity;
  return Math.min(byContracts, byNotional);
}

export const LIMIT_INFEASIBLE: ErrorDefinition = defineError(
  'limit-infeasible',
  422,
  'a hedge within the tolerances exists, but not within a hard limit of the policy (the error names the limit)',
);

/**
 * A hedge is refused because of the policy's hard limits. `field` is the binding limit (the first, when several
 * bind on their own); `fields` all that bind: each alone makes the hedge infeasible, or, when none does alone,
 * those that bind together.
 */
export class LimitInfeasibleError extends InfeasibleHedgeError {
  static override readonly definition: ErrorDefinition = LIMIT_INFEASIBLE;
  override name = 'LimitInfeasibleError';
  readonly field: LimitField;
  constructor(
    readonly fields: readonly LimitField[],
    /** The limits' values, in the order of `fields` (policy units). */
    readonly limits: readonly number[],
    detail: string,
  ) {
    super(
      `${fields.map((f, i) => `${f} (${limits[i]})`).join(' and ')}: ${
        fields.length > 1 ? 'these limits' : 'this limit'
      } cannot be met: ${detail}`,
    );
    this.field = fields[0]!;
  }
}

/**
 * Which limits make `attempt` infeasible: each active limit is lifted alone and the attempt retried; those whose
 * removal makes it feasible bind (`together: false`). If none does alone but lifting all does, a minimal set that
 * binds together is found by putting limits back one at a time (`together: true`); if even lifting all fails, the limits are not the cause and null is returned (the caller rethrows the original refusal).
 * Only `InfeasibleHedgeError` counts as infeasible; any other error propagates.
 */
export async function findBindingLimits(
  policy: HedgePolicy,
  attempt: (policy: HedgePolicy) => Promise<unknown>,
): Promise<{ fields: LimitField[]; together: boolean } | null> {
  const active = activeLimits(policy);
  if (active.length === 0) return null;
  const feasible = async (p: HedgePolicy) => {
    try {
      await attempt(p);
      return true;
    } catch (e) {
      if (e instanceof InfeasibleHedgeError) return false;
      throw e;
    }
  };
  const alone: LimitField[] = [];
  for (const field of active) if (await feasible(withoutLimits(policy, [field]))) alone.push(field);
  if (alone.length > 0) return { fields: alone, together: false };
  if (!(await feasible(withoutLimits(policy, active)))) return null;
  // Greedy: put the limits back one at a time, keeping each that still leaves a hedge; those that cannot be put
  // back bind together (a minimal set for that order, so a limit that never mattered is not blamed).
  let lifted = [...active];
  for (const field of active) {
    const trial = lifted.filter((f) => f !== field);
    if (await feasible(withoutLimits(policy, trial))) lifted = trial;
  }
  return { fields: lifted, together: true };
}
