/**
 * The token amounts of a position exactly as v3-core's `UniswapV3Pool._modifyPosition` pays them (burn, rounded
 * down) or charges them (mint, rounded up): below the range all token0, above it all token1, in range both, the
 * branch chosen by the pool's current tick.
 */
import { MAX_UINT128, requireSqrtPrice, requireTick, requireTickOrder, requireUint } from './checks.js';
import { getAmount0Delta, getAmount1Delta } from './sqrtPriceMath.js';
import { getSqrtRatioAtTick, getTickAtSqrtRatio } from './tickMath.js';

export interface RawAmounts {
  /** Token0 in its smallest unit. */
  amount0: bigint;
  /** Token1 in its smallest unit. */
  amount1: bigint;
}

export interface PositionAmountsInput {
  tickLower: number;
  tickUpper: number;
  /** Pool sqrt price (uint160, Q64.96). */
  sqrtPriceX96: bigint;
  /** Position liquidity (uint128). */
  liquidity: bigint;
  /**
   * The pool's `slot0.tick`; defaults to `getTickAtSqrtRatio(sqrtPriceX96)`. The pool picks the branch by this
   * tick, which after a swap that ends exactly on an initialized tick going down is one below that default.
   */
  tickCurrent?: number;
}

function positionAmounts(input: PositionAmountsInput, roundUp: boolean): RawAmounts {
  const { tickLower, tickUpper, sqrtPriceX96, liquidity } = input;
  requireTickOrder(tickLower, tickUpper);
  requireSqrtPrice('sqrtPriceX96', sqrtPriceX96);
  requireUint('liquidity', liquidity, MAX_UINT128, 128);
  const tick = input.tickCurrent ?? getTickAtSqrtRatio(sqrtPriceX96);
  requireTick('tickCurrent', tick);
  const sqrtLower = getSqrtRatioAtTick(tickLower);
  const sqrtUpper = getSqrtRatioAtTick(tickUpper);
  if (tick < tickLower) return { amount0: getAmount0Delta(sqrtLower, sqrtUpper, liquidity, roundUp), amount1: 0n };
  if (tick < tickUpper) {
    return {
      amount0: getAmount0Delta(sqrtPriceX96, sqrtUpper, liquidity, roundUp),
      amount1: getAmount1Delta(sqrtLower, sqrtPriceX96, liquidity, roundUp),
    };
  }
  return { amount0: 0n, amount1: getAmount1Delta(sqrtLower, sqrtUpper, liquidity, roundUp) };
}

/** What the pool pays out when `liquidity` is burned (amounts rounded down, in the pool's favour). */
export function burnAmounts(input: PositionAmountsInput): RawAmounts {
  return positionAmounts(input, false);
}

/** What the pool charges to mint `liquidity` (amounts rounded up, in the pool's favour). */
export function mintAmounts(input: PositionAmountsInput): RawAmounts {
  return positionAmounts(input, true);
}
