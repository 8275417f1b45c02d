import { z } from 'zod';
import { burnAmounts, mintAmounts } from '../../../pricing/lp/index.js';
import { requestId } from './fields.js';
import { defineOp } from './types.js';

/** A uint given as a decimal string (JSON numbers cannot hold uint160/uint128 exactly). */
const uintString = z
  .string({ error: 'expected a decimal integer string' })
  .regex(/^\d+$/, 'expected a decimal integer string (no sign, no exponent)')
  .transform((s) => BigInt(s));
const tick = z.number().int('expected an integer tick');

/**
 * The raw token amounts of a Uniswap v3 position exactly as the pool pays them on a burn (SqrtPriceMath rounding
 * down), or charges on a mint with `"rounding":"mint"` (rounding up). Raw integers in and out as strings.
 */
export const uniswapAmountsRequest = z.object({
  id: requestId,
  op: z.literal('uniswapAmounts'),
  tickLower: tick,
  tickUpper: tick,
  sqrtPriceX96: uintString,
  liquidity: uintString,
  tickCurrent: tick.optional(),
  rounding: z.enum(['burn', 'mint']).default('burn'),
});

export const uniswapAmountsOp = defineOp(uniswapAmountsRequest, (r) => {
  const input = {
    tickLower: r.tickLower,
    tickUpper: r.tickUpper,
    sqrtPriceX96: r.sqrtPriceX96,
    liquidity: r.liquidity,
    ...(r.tickCurrent === undefined ? {} : { tickCurrent: r.tickCurrent }),
  };
  const amounts = r.rounding === 'mint' ? mintAmounts(input) : burnAmounts(input);
  return { amount0: amounts.amount0.toString(), amount1: amounts.amount1.toString(), rounding: r.rounding };
});
