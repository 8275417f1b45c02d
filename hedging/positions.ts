/**
 * One position model, one zod schema, shared by the desk config, the CLI and the API: LP positions (v2, v3 range,
 * weighted pool; sized by deposit value at the entry price, by liquidity, by token amounts, or as the Uniswap
 * position itself: ticks, raw liquidity, token decimals and order, fee tier) and hedges already held (option,
 * perp, future: venue, instrument, contracts, entry price, entry time).
 *
 * Prices are quote per base (docs/CONVENTIONS.md); `price` of an LP is the pool price at entry, from which the
 * impermanent loss is measured. A position may carry a policy of its own (`hedgePolicySchema` input), applied over
 * the desk's; the service stores each position with the policy that applies to it.
 */
import { z } from 'zod';
import { InvalidInputError, positionFromSpec, v3PositionFromTicks, type LpSpec } from '../pricing/index.js';
import type { LpPosition } from '../pricing/index.js';
import type { BookPosition } from './book.js';
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

export const positionSpecSchema = z.union([lpPositionSpecSchema, heldPositionSpecSchema]);

export type LpPositionSpec = z.infer<typeof lpPositionSpecSchema>;
export type HeldPositionSpec = z.infer<typeof heldPositionSpecSchema>;
export type PositionSpec = z.infer<typeof positionSpecSchema>;

/** The LP position of a spec, in the pricing layer's model. Errors name the field (`uniswap.liquidity`). */
export function lpPositionOf(spec: LpPositionSpec): LpPosition {
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
  const { id: _id, kind: _kind, label: _label, venue: _v, underlying: _u, feeTier: _f, policy: _p, ...rest } = spec;
  return positionFromSpec(rest as LpSpec);
}

/** An LP spec as the book holds it. */
export function lpBookPosition(id: string, spec: LpPositionSpec): Extract<BookPosition, { kind: 'lp' }> {
  return { id, kind: 'lp', ...(spec.label ? { label: spec.label } : {}), position: lpPositionOf(spec) };
}
