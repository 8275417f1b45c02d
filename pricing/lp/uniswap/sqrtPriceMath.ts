/**
 * v3-core's `SqrtPriceMath.sol`: `getAmount0Delta` and `getAmount1Delta`, the token amounts a liquidity delta is
 * worth between two sqrt prices, rounded down for what the pool pays out and up for what it takes in.
 */
import { InvalidInputError } from '../../errors.js';
import { MAX_UINT128, requireUint, sortSqrt } from './checks.js';
import { Q96 } from './constants.js';
import { mulDiv, mulDivRoundingUp } from './fullMath.js';

/**
 * Token0 for liquidity between two sqrt prices: `L 2^96 (sqrtB - sqrtA) / sqrtB / sqrtA`, floored for burns
 * (`roundUp = false`) and ceiled for mints, as `SqrtPriceMath.getAmount0Delta`.
 */
export function getAmount0Delta(
  sqrtRatioAX96: bigint,
  sqrtRatioBX96: bigint,
  liquidity: bigint,
  roundUp: boolean,
): bigint {
  const [a, b] = sortSqrt(sqrtRatioAX96, sqrtRatioBX96);
  if (a <= 0n) throw new InvalidInputError('sqrtRatioAX96', a, 'must be greater than 0');
  requireUint('liquidity', liquidity, MAX_UINT128, 128);
  const numerator1 = liquidity << 96n;
  const numerator2 = b - a;
  if (roundUp) return mulDivRoundingUp(mulDivRoundingUp(numerator1, numerator2, b), 1n, a);
  return mulDiv(numerator1, numerator2, b) / a;
}

/** Token1 for liquidity between two sqrt prices: `L (sqrtB - sqrtA) / 2^96`, as `SqrtPriceMath.getAmount1Delta`. */
export function getAmount1Delta(
  sqrtRatioAX96: bigint,
  sqrtRatioBX96: bigint,
  liquidity: bigint,
  roundUp: boolean,
): bigint {
  const [a, b] = sortSqrt(sqrtRatioAX96, sqrtRatioBX96);
  requireUint('liquidity', liquidity, MAX_UINT128, 128);
  return roundUp ? mulDivRoundingUp(liquidity, b - a, Q96) : mulDiv(liquidity, b - a, Q96);
}
