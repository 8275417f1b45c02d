/**
 * v3-periphery's `LiquidityAmounts.sol`: the liquidity that token amounts pay for at a price, with the periphery's
 * intermediate floors (what the NonfungiblePositionManager mints).
 */
import { InvalidInputError } from '../../errors.js';
import { MAX_UINT256, requireUint, sortSqrt, toUint128 } from './checks.js';
import { Q96 } from './constants.js';
import { mulDiv } from './fullMath.js';

/** `amount0 * (sqrtA sqrtB / 2^96) / (sqrtB - sqrtA)`, with the periphery's intermediate floor. */
export function getLiquidityForAmount0(sqrtRatioAX96: bigint, sqrtRatioBX96: bigint, amount0: bigint): bigint {
  const [a, b] = sortSqrt(sqrtRatioAX96, sqrtRatioBX96);
  const intermediate = mulDiv(a, b, Q96);
  return toUint128('liquidity', mulDiv(amount0, intermediate, b - a));
}

/** `amount1 * 2^96 / (sqrtB - sqrtA)`. */
export function getLiquidityForAmount1(sqrtRatioAX96: bigint, sqrtRatioBX96: bigint, amount1: bigint): bigint {
  const [a, b] = sortSqrt(sqrtRatioAX96, sqrtRatioBX96);
  return toUint128('liquidity', mulDiv(amount1, Q96, b - a));
}

/**
 * The most liquidity both amounts pay for at the current price (`LiquidityAmounts.getLiquidityForAmounts`):
 * below the range only token0 counts, above it only token1, in range the minimum of the two.
 */
export function getLiquidityForAmounts(
  sqrtPriceX96: bigint,
  sqrtRatioAX96: bigint,
  sqrtRatioBX96: bigint,
  amount0: bigint,
  amount1: bigint,
): bigint {
  const [a, b] = sortSqrt(sqrtRatioAX96, sqrtRatioBX96);
  if (a === b) throw new InvalidInputError('sqrtRatioBX96', b, 'must differ from sqrtRatioAX96');
  requireUint('amount0', amount0, MAX_UINT256, 256);
  requireUint('amount1', amount1, MAX_UINT256, 256);
  if (sqrtPriceX96 <= a) return getLiquidityForAmount0(a, b, amount0);
  if (sqrtPriceX96 < b) {
    const liquidity0 = getLiquidityForAmount0(sqrtPriceX96, b, amount0);
    const liquidity1 = getLiquidityForAmount1(a, sqrtPriceX96, amount1);
    return liquidity0 < liquidity1 ? liquidity0 : liquidity1;
  }
  return getLiquidityForAmount1(a, b, amount1);
}
