/**
 * The hedge policy as one zod schema: what the desk config's `policy` section holds, what the service accepts as
 * overrides, and what every ticket echoes back (fully resolved, defaults filled in). Units are in the names.
 */
import { z } from 'zod';

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
    /** What takes the delta: the venue's perpetual (default), its nearest future, or nothing (options only). */
    deltaHedge: z.enum(['perp', 'future', 'none']).default('perp'),
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
