/**
 * One position model, one zod schema, shared by the desk config, the CLI and the API: LP positions (v2, v3 range,
 * weighted pool; sized by deposit value at the entry price, by liquidity, by token amounts, or as the Uniswap
 * position itself: ticks, raw liquidity, token decimals and order, fee tier), hedges already held (option,
 * perp, future: venue, instrument, contracts, entry price, entry time) and venue balances (collateral: venue,
 * currency, amount in its unit, the time it was stated; hedging/collateral.ts).
 *
 * Prices are quote per base (docs/CONVENTIONS.md); `price` of an LP is the pool price at entry, from which the
 * impermanent loss is measured. A position may carry a policy of its own (`hedgePolicySchema` input), applied over
 * the desk's; the service stores each position with the policy that applies to it.
 */
import { z } from 'zod';
import { InvalidInputError, positionFromSpec, v3PositionFromTicks, type LpSpec } from '../pricing/index.js';
import type { LpPosition } from '../pricing/index.js';
import type { BookPosition } from './book.js';
import { inRangeFeeRate, inRangeFractionOf, type LpCarryInput } from './carry.js';
import { balanceSpecIssues } from './collateral.js';
import { InvalidHedgeInputError } from './errors.js';
import { hedgePolicySchema, type HedgePolicyInput } from './policySchema.js';

export const venueSchema = z.enum(['deribit', 'okx', 'bybit', 'binance']);
const price = z.number().positive().finite();
const underlying = z
  .string()
  .regex(/^[A-Z0-9]{1,20}$/, 'must be an upper-case coin like BTC')
  .describe('the base coin, e.g. BTC');
const id = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9._:-]+$/, 'letters, digits and . _ : - only');

/** A Uniswap v3 position as the pool holds it: ticks, raw uint128 liquidity, and how to read its tokens. */
export const uniswapPositionSchema = z
  .object({
    tickLower: z.int().min(-887272).max(887272),
    tickUpper: z.int().min(-887272).max(887272),
    /** Raw uint128 liquidity as a decimal string (too large for a JSON number). */
    liquidity: z.string().regex(/^\d{1,39}$/, 'must be a decimal string of the raw uint128 liquidity'),
    decimals0: z.int().min(0).max(255),
    decimals1: z.int().min(0).max(255),
    /** Which token is the base (the risky asset): USDC(token0)/WETH(token1) has base `token1`. */
    baseToken: z.enum(['token0', 'token1']),
    /** Fee tier in hundredths of a basis point (pips): 500 = 0.05%, 3000 = 0.30%. */
    feeTier: z.int().positive().max(1_000_000),
  })
  .strict()
  .refine((u) => u.tickUpper > u.tickLower, { message: 'must be greater than tickLower', path: ['tickUpper'] });

/**
 * Overrides of the desk's hedge policy, validated by the policy schema but kept as sent: sections left out keep
 * the desk's values (a parsed policy would have every default filled in and override them all).
 */
export const policyOverridesSchema = z
  .record(z.string(), z.unknown())
  .superRefine((value, ctx) => {
    const result = hedgePolicySchema.safeParse(value);
    if (!result.success)
      for (const issue of result.error.issues)
        ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
  })
  .transform((value) => value as HedgePolicyInput)
  .describe("overrides of the desk's hedge policy (the hedging layer's policy schema, section by section)");

const fraction01 = z.number().min(0).max(1);

/**
 * A pool's history over a window (hedging/carry.ts estimates the in-range fee rate from it): the pool's volume with
 * its TVL or its active liquidity (the fee tier comes from `feeTier` or `uniswap.feeTier`), or the fees it paid per
 * unit of in-range liquidity (Uniswap fee growth).
 */
export const poolHistorySchema = z
  .object({
    windowDays: price.describe('length of the history window, days'),
    volumeQuote: z.number().min(0).finite().optional().describe("the pool's volume over the window, quote currency"),
    tvlQuote: price.optional().describe("the pool's mean TVL over the window, quote currency (read as full range)"),
    activeLiquidity: price
      .optional()
      .describe("the pool's mean in-range liquidity, human units sqrt(base x quote), including the position"),
    feesPerLiquidityQuote: z
      .number()
      .min(0)
      .finite()
      .optional()
      .describe('fees paid per unit of human in-range liquidity over the window, quote currency (fee growth)'),
  })
  .strict()
  .superRefine((h, ctx) => {
    const given = (['tvlQuote', 'activeLiquidity', 'feesPerLiquidityQuote'] as const).filter((k) => h[k] !== undefined);
    if (given.length !== 1)
      ctx.addIssue({
        code: 'custom',
        path: [given[1] ?? 'tvlQuote'],
        message: `give exactly one of tvlQuote, activeLiquidity or feesPerLiquidityQuote (got ${given.join(', ') || 'none'})`,
      });
    if (given[0] === 'feesPerLiquidityQuote' && h.volumeQuote !== undefined)
      ctx.addIssue({ code: 'custom', path: ['volumeQuote'], message: 'not used with feesPerLiquidityQuote: omit it' });
    if ((given[0] === 'tvlQuote' || given[0] === 'activeLiquidity') && h.volumeQuote === undefined)
      ctx.addIssue({ code: 'custom', path: ['volumeQuote'], message: `required with ${given[0]}` });
  });

/**
 * What the position earns in fees: a fee APR (decimal, 0.25 = 25% of the position's value a year while in range) or
 * its pool's history. `inRangeFraction` is the expected share of the time a v3 range holds the price (default 1).
 */
export const lpCarrySchema = z.union([
  z
    .object({
      feeApr: z
        .number()
        .min(0)
        .finite()
        .describe("fee income, decimal fraction of the position's value a year in range"),
      inRangeFraction: fraction01.optional(),
    })
    .strict(),
  z.object({ poolHistory: poolHistorySchema, inRangeFraction: fraction01.optional() }).strict(),
]);

const lpCommon = {
  id: id.optional(),
  kind: z.literal('lp'),
  label: z.string().max(200).optional(),
  venue: venueSchema.optional().describe('the venue whose market hedges it (default: the desk market)'),
  underlying: underlying.optional(),
  /** Entry pool price, quote per base. */
  price,
  depositValue: price.optional().describe('value at entry, quote currency'),
  liquidity: price.optional().describe('human-unit liquidity sqrt(base x quote)'),
  amountBase: z.number().min(0).finite().optional(),
  amountQuote: z.number().min(0).finite().optional(),
  /** The pool's fee tier in pips, when known (500 = 0.05%). */
  feeTier: z.int().positive().max(1_000_000).optional(),
  /** Fee income (a fee APR or the pool's history), for the book's carry and the tickets' (hedging/carry.ts). */
  carry: lpCarrySchema.optional(),
  policy: policyOverridesSchema.optional(),
};

export const lpPositionSpecSchema = z
  .discriminatedUnion('model', [
    z.object({ ...lpCommon, model: z.literal('v2') }).strict(),
    z
      .object({
        ...lpCommon,
        model: z.literal('v3'),
        lower: price.optional(),
        upper: price.optional(),
        uniswap: uniswapPositionSchema.optional(),
      })
      .strict(),
    z.object({ ...lpCommon, model: z.literal('weighted'), weight: z.number().gt(0).lt(1) }).strict(),
  ])
  .superRefine((p, ctx) => {
    const sizings = [
      p.depositValue !== undefined && 'depositValue',
      p.liquidity !== undefined && 'liquidity',
      (p.amountBase !== undefined || p.amountQuote !== undefined) && 'amounts',
      p.model === 'v3' && p.uniswap !== undefined && 'uniswap',
    ].filter(Boolean);
    if (sizings.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['depositValue'],
        message: `give exactly one sizing: depositValue, liquidity, amountBase/amountQuote or uniswap (got ${sizings.join(', ') || 'none'})`,
      });
    }
    const history = p.carry && 'poolHistory' in p.carry ? p.carry.poolHistory : null;
    const feeTier = p.feeTier ?? (p.model === 'v3' ? p.uniswap?.feeTier : undefined);
    if (history?.volumeQuote !== undefined && feeTier === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['feeTier'],
        message: 'required with carry.poolHistory.volumeQuote (pips: 3000 = 0.30%)',
      });
    if (p.model === 'weighted' && history && history.tvlQuote === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['carry', 'poolHistory', 'tvlQuote'],
        message: 'a weighted pool has no liquidity L: give the pool history as volumeQuote and tvlQuote',
      });
    if (p.model !== 'v3' && p.carry?.inRangeFraction !== undefined && p.carry.inRangeFraction !== 1)
      ctx.addIssue({
        code: 'custom',
        path: ['carry', 'inRangeFraction'],
        message: `a ${p.model} position is always in range: omit it or give 1`,
      });
    if (p.model !== 'v3') return;
    if (p.uniswap) {
      for (const field of ['lower', 'upper'] as const)
        if (p[field] !== undefined)
          ctx.addIssue({ code: 'custom', path: [field], message: 'comes from uniswap.tickLower/tickUpper: omit it' });
    } else {
      if (p.lower === undefined) ctx.addIssue({ code: 'custom', path: ['lower'], message: 'required for a v3 range' });
      if (p.upper === undefined) ctx.addIssue({ code: 'custom', path: ['upper'], message: 'required for a v3 range' });
      if (p.lower !== undefined && p.upper !== undefined && !(p.upper > p.lower))
        ctx.addIssue({ code: 'custom', path: ['upper'], message: 'must be greater than lower' });
    }
  });

export const heldPositionSpecSchema = z
  .object({
    id: id.optional(),
    kind: z.enum(['option', 'perp', 'future']),
    label: z.string().max(200).optional(),
    venue: venueSchema,
    underlying: underlying.optional(),
    /** The venue's own id, e.g. BTC-26JUN26-80000-C, BTC-PERPETUAL. */
    instrument: z.string().min(1).max(100),
    /** Signed contracts (+ long). */
    contracts: z
      .number()
      .finite()
      .refine((x) => x !== 0, 'must not be 0'),
    /** Entry price in the instrument's price currency (Deribit inverse options: BTC; BTC-PERPETUAL: USD). */
    entryPrice: price,
    /** When the hedge was entered, ISO-8601. */
    entryTime: z.iso.datetime({ offset: true }),
    /** LP positions this hedge belongs to; empty or absent: the whole book of its market. */
    positionIds: z.array(id).max(200).optional(),
  })
  .strict();

/**
 * A venue balance (collateral) as a position (hedging/collateral.ts): the amount held on `venue` in `currency` when
 * it was stated (`entryTime`; absent: before any fill). Coin collateral (BTC, ETH) carries delta and is counted in
 * the book of its own coin on that venue; a USD stablecoin (USDC, USDT) carries none and is counted in the book of
 * `underlying` (default: the desk market's). The amount is named by its unit: `amountCoin` for a coin,
 * `amountQuote` for a stablecoin (valued at par). Fills on the venue after `entryTime` move it (premiums, realised
 * P&L of perps and futures, fees in the currency they settle in).
 */
export const balancePositionSpecSchema = z
  .object({
    id: id.optional(),
    kind: z.literal('balance'),
    label: z.string().max(200).optional(),
    venue: venueSchema,
    currency: z
      .string()
      .regex(/^[A-Z0-9]{1,20}$/, 'must be an upper-case currency like BTC or USDC')
      .describe('the currency held: a coin (BTC, ETH) or a USD stablecoin (USDC, USDT)'),
    amountCoin: z
      .number()
      .min(0, 'must be at least 0 (a venue balance is not negative)')
      .finite()
      .optional()
      .describe('coin held, base units (BTC); for a coin currency'),
    amountQuote: z
      .number()
      .min(0, 'must be at least 0 (a venue balance is not negative)')
      .finite()
      .optional()
      .describe('stablecoin held, quote currency (USD at par); for a USD stablecoin currency'),
    underlying: underlying
      .optional()
      .describe("the book it is counted in: a coin's own; a stablecoin's default is the desk market's"),
    /** When the amount was read, ISO-8601: fills up to then are already in it. */
    entryTime: z.iso.datetime({ offset: true }).optional(),
  })
  .strict()
  .superRefine((b, ctx) => {
    for (const issue of balanceSpecIssues(b))
      ctx.addIssue({ code: 'custom', path: [issue.field], message: issue.message });
  });

export const positionSpecSchema = z.union([lpPositionSpecSchema, heldPositionSpecSchema, balancePositionSpecSchema]);

export type LpPositionSpec = z.infer<typeof lpPositionSpecSchema>;
export type HeldPositionSpec = z.infer<typeof heldPositionSpecSchema>;
export type BalancePositionSpec = z.infer<typeof balancePositionSpecSchema>;
export type PositionSpec = z.infer<typeof positionSpecSchema>;

/**
 * The LP position of a spec, in the pricing layer's model, its fee estimate checked against it (an active
 * liquidity below the position's own, a weighted pool without TVL). Errors name the field (`uniswap.liquidity`,
 * `carry.poolHistory.activeLiquidity`).
 */
export function lpPositionOf(spec: LpPositionSpec): LpPosition {
  const position = lpPositionOfSpec(spec);
  const carry = lpCarryInputOf(spec);
  if (carry) {
    inRangeFractionOf(carry.spec, position);
    inRangeFeeRate(position, spec.price, carry);
  }
  return position;
}

function lpPositionOfSpec(spec: LpPositionSpec): LpPosition {
  if (spec.model === 'v3' && spec.uniswap) {
    const u = spec.uniswap;
    try {
      return v3PositionFromTicks({
        tickLower: u.tickLower,
        tickUpper: u.tickUpper,
        liquidity: BigInt(u.liquidity),
        orientation: { decimals0: u.decimals0, decimals1: u.decimals1, baseToken: u.baseToken },
        entryPrice: spec.price,
      });
    } catch (error) {
      if (error instanceof InvalidInputError)
        throw new InvalidHedgeInputError(`uniswap.${error.field}`, error.value, error.reason);
      throw error;
    }
  }
  const {
    id: _id,
    kind: _kind,
    label: _label,
    venue: _v,
    underlying: _u,
    feeTier: _f,
    carry: _c,
    policy: _p,
    ...rest
  } = spec;
  return positionFromSpec(rest as LpSpec);
}

/** The carry inputs of a spec (its fee estimate and the pool's fee tier), or null without a fee estimate. */
export function lpCarryInputOf(spec: LpPositionSpec): LpCarryInput | null {
  if (!spec.carry) return null;
  const feeTier = spec.feeTier ?? (spec.model === 'v3' ? spec.uniswap?.feeTier : undefined) ?? null;
  return { spec: spec.carry, feeTierPips: feeTier };
}

/** An LP spec as the book holds it. */
export function lpBookPosition(id: string, spec: LpPositionSpec): Extract<BookPosition, { kind: 'lp' }> {
  const carry = lpCarryInputOf(spec);
  return {
    id,
    kind: 'lp',
    ...(spec.label ? { label: spec.label } : {}),
    position: lpPositionOf(spec),
    ...(carry ? { carry } : {}),
  };
}
