/**
 * The hedge policy as one zod schema: what the desk config's `policy` section holds, what the service accepts as
 * overrides, and what every ticket echoes back (fully resolved, defaults filled in). Units are in the names.
 */
import { z } from 'zod';
import { feeOverridesSchema } from '../adapters/venues/fees/index.js';

const positive = z.number().positive();
const nonNegative = z.number().min(0);

export const candidateFilterSchema = z
  .object({
    /** Venues whose options may be traded (only the snapshot's venue can be used in one ticket). */
    venues: z
      .array(z.enum(['deribit', 'okx', 'bybit', 'binance']))
      .min(1)
      .default(['deribit']),
    /** Expiry window, calendar days from `asOf`. */
    minExpiryDays: nonNegative.default(2),
    maxExpiryDays: positive.default(60),
    /** Strikes with |ln(K/F)| above this are left out. */
    maxAbsLogMoneyness: positive.default(0.15),
    /** (ask - bid) / mid above this is left out. */
    maxRelativeSpread: positive.default(0.3),
    minOpenInterestContracts: nonNegative.default(0),
    /** Allow the optimiser to sell options (write gamma) as well as buy them. */
    allowSell: z.boolean().default(false),
    /**
     * How many candidates reach the MIP after ranking by cost per unit of gamma (best puts and calls per expiry
     * first). Small keeps HiGHS in the low milliseconds; the ticket reports how many were filtered out.
     */
    maxCandidates: z.int().min(1).max(64).default(8),
  })
  .strict();

export const toleranceSchema = z
  .object({
    /** |delta after - target|, base units. */
    deltaBase: positive.default(0.05),
    /** |gamma after - target| as a fraction of |gamma before| ... */
    gammaRelative: positive.default(0.05),
    /** ... or at least this absolute gamma (base units per quote unit), whichever is larger. */
    gammaAbsolute: nonNegative.default(0),
  })
  .strict();

export const bandSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('absolute'), halfWidthBase: positive }).strict(),
  z.object({ kind: z.literal('gamma'), k: positive.default(1.5) }).strict(),
  z
    .object({
      kind: z.literal('whalley-wilmott'),
      riskAversion: positive.default(1e-4),
      /** Proportional cost of a delta-hedge trade (half-spread + fee) as a fraction of price. */
      costFraction: nonNegative.default(0.0005),
    })
    .strict(),
]);

export const scenarioSettingsSchema = z
  .object({
    spotMoves: z.array(z.number().gt(-1)).min(1).default([-0.5, -0.3, -0.2, -0.1, -0.05, 0, 0.05, 0.1, 0.2, 0.3, 0.5]),
    /** Absolute vol shifts, decimal (0.1 = +10 vol points). */
    volShifts: z.array(z.number()).min(1).default([-0.1, 0, 0.1]),
  })
  .strict();

export const staticSettingsSchema = z
  .object({
    /** Expiry of the strip: an ISO date (`2026-06-26`) or null for the first expiry at or after the horizon. */
    expiry: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}/, 'must be an ISO date like 2026-06-26')
      .nullable()
      .default(null),
    /** The LP's horizon, days from `asOf`: the strip's expiry mismatch is measured against it. */
    horizonDays: positive.default(30),
    /** Hedge the impermanent loss (default) or the whole LP value. */
    target: z.enum(['il', 'value']).default('il'),
  })
  .strict();

export const hedgePolicySchema = z
  .object({
    target: z
      .object({ delta: z.number().default(0), gamma: z.number().default(0) })
      .strict()
      .prefault({}),
    tolerance: toleranceSchema.prefault({}),
    /** What the optimiser minimises: half-spread + fees (default), theta bleed (+ spread), or premium paid. */
    costModel: z.enum(['spread', 'theta', 'premium']).default('spread'),
    /** Hard limit on |vega| after the hedge, USD per vol point (dV/dsigma / 100; see limits.ts). */
    maxAbsVegaQuotePerVolPoint: positive.nullable().default(null),
    /** Maximum number of option legs in a dynamic ticket (the perp does not count). */
    maxLegs: z.int().min(1).max(32).nullable().default(4),
    candidates: candidateFilterSchema.prefault({}),
    /**
     * What takes the delta: the venue's perpetual (default), its nearest future, the one of them that costs least
     * to hold to the horizon (`least-carry`: spread, fees, a roll, funding or basis; hedging/deltaHedge.ts), or
     * nothing (options only).
     */
    deltaHedge: z.enum(['perp', 'future', 'least-carry', 'none']).default('perp'),
    /** Quotes older than this (relative to `asOf`) refuse the ticket. */
    maxQuoteAgeMs: positive.default(60_000),
    /** Refuse when more than this fraction of the chain fails its sanity checks. */
    maxSanityFailureFraction: z.number().min(0).max(1).default(0.2),
    band: bandSchema.default({ kind: 'gamma', k: 1.5 }),
    reviewIntervalHours: positive.default(8),
    /** Also review this many hours before each option expiry held. */
    reviewBeforeExpiryHours: nonNegative.default(2),
    scenarios: scenarioSettingsSchema.prefault({}),
    static: staticSettingsSchema.prefault({}),
    /**
     * Hard limits: the dynamic optimiser holds them as constraints, the static strip is capped or refused by them;
     * a ticket that cannot meet one is refused with `LimitInfeasibleError` (code `limit-infeasible`) naming it.
     */
    limits: z
      .object({
        /** Largest order per option leg, contracts (the delta hedge is bounded by notional instead). */
        maxContractsPerLeg: positive.nullable().default(null),
        /** Largest |base units| x forward (options) or x mark (perp/future) of any one leg, USD. */
        maxNotionalQuotePerLeg: positive.nullable().default(null),
        /** Largest premium paid by the option legs together (at their limit prices; sales count as received), USD. */
        maxPremiumQuote: positive.nullable().default(null),
        /** Largest |delta| of the hedged book after the legs, base units. */
        maxAbsNetDeltaBase: positive.nullable().default(null),
        /** Largest |gamma| of the hedged book after the legs, base units per USD. */
        maxAbsNetGamma: positive.nullable().default(null),
      })
      .strict()
      .prefault({}),
    /**
     * What the dynamic optimiser minimises per candidate: `one-off` (absent; the default) the cost model above on
     * the trade now; `horizon` the expected cost of keeping the protection to the LP's horizon: the trade now (its
     * half-spread and fee; `costModel` is for one-off), the rolls of each option leg before its expiry into the
     * same-moneyness option of a later expiry, the close at the horizon, the delta leg's funding (or future basis)
     * and optionally a price per unit of vega (hedging/horizon.ts). One-off stays the default so that existing
     * desks keep their tickets (and their ids, which hash the policy); a desk opts in by stating its horizon.
     */
    objective: z.enum(['one-off', 'horizon']).optional(),
    /**
     * The LP's horizon, days from `asOf`, for the horizon objective and the ticket's `horizon` section (given, a
     * one-off ticket shows its horizon cost too). Absent: `static.horizonDays`, the horizon the strip uses.
     */
    horizonDays: positive.optional(),
    /** Option legs are rolled this many hours before their expiry (horizon objective; absent: 24). */
    rollBeforeExpiryHours: positive.optional(),
    /**
     * Funding of the perp, decimal per year (0.1 = 10%; > 0: longs pay), used when the snapshot carries no funding
     * rate; the horizon objective on a snapshot without one refuses to guess and names this field.
     */
    fundingAprAssumption: z.number().min(-10).max(10).optional(),
    /** Horizon objective: a charge per unit of |vega| taken on, USD per vol point of vega (absent: 0). */
    vegaPriceQuotePerVolPoint: nonNegative.optional(),
    /** Which side of the venue's fee table the legs pay (absent: taker: the legs cross the spread at the touch). */
    feeRole: z.enum(['taker', 'maker']).optional(),
    /**
     * The account's fee tier per venue: rates that replace the venue's published table (adapters/venues/fees), e.g.
     * `{ "deribit": { "tier": "VIP 2", "options": { "inverse": { "takerRate": 0.00025 } } } }`.
     */
    fees: feeOverridesSchema.optional(),
    /** How long a proposed ticket stays approvable, and how far the price may move before it must be re-priced. */
    approval: z
      .object({
        /** Minutes after `createdAt` after which a proposed ticket expires. */
        ttlMinutes: positive.default(15),
        /** |price now / price at creation - 1| above which approval re-prices the ticket (0.005 = 0.5%). */
        maxPriceMoveFraction: positive.default(0.005),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type HedgePolicy = z.infer<typeof hedgePolicySchema>;
export type HedgePolicyInput = z.input<typeof hedgePolicySchema>;

/** Default roll lead of the horizon objective: a day before expiry, before the last day's gamma and pin risk. */
export const DEFAULT_ROLL_BEFORE_EXPIRY_HOURS = 24;

/** The horizon settings of a policy with their documented defaults filled in. */
export interface HorizonSettings {
  objective: 'one-off' | 'horizon';
  horizonDays: number;
  /** True when the policy names a horizon or the horizon objective (the ticket then shows a `horizon` section). */
  shown: boolean;
  rollBeforeExpiryHours: number;
  fundingAprAssumption: number | null;
  vegaPriceQuotePerVolPoint: number;
}

export function horizonSettingsOf(policy: HedgePolicy): HorizonSettings {
  const objective = policy.objective ?? 'one-off';
  return {
    objective,
    horizonDays: policy.horizonDays ?? policy.static.horizonDays,
    shown: objective === 'horizon' || policy.horizonDays !== undefined,
    rollBeforeExpiryHours: policy.rollBeforeExpiryHours ?? DEFAULT_ROLL_BEFORE_EXPIRY_HOURS,
    fundingAprAssumption: policy.fundingAprAssumption ?? null,
    vegaPriceQuotePerVolPoint: policy.vegaPriceQuotePerVolPoint ?? 0,
  };
}

/** The fully defaulted policy. */
export function resolvePolicy(input: HedgePolicyInput = {}): HedgePolicy {
  return hedgePolicySchema.parse(input);
}

/** A shallow-by-section merge of overrides onto a resolved policy, validated again. */
export function withPolicyOverrides(policy: HedgePolicy, overrides: HedgePolicyInput | undefined): HedgePolicy {
  if (!overrides) return policy;
  const merged: Record<string, unknown> = { ...policy };
  for (const [key, value] of Object.entries(overrides)) {
    const base = (policy as Record<string, unknown>)[key];
    merged[key] =
      value && typeof value === 'object' && !Array.isArray(value) && base && typeof base === 'object'
        ? key === 'band'
          ? value
          : { ...(base as object), ...(value as object) }
        : value;
  }
  return hedgePolicySchema.parse(merged);
}
