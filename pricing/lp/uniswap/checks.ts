/**
 * Input checks for the raw on-chain integers (ticks, uint BigInts, sqrt prices) shared by the files of this
 * folder: each names the offending field, where the contracts would just revert (`require(..., 'T')`).
 * Internal to pricing/lp/uniswap/ (index.ts does not re-export it).
 */
import { InvalidInputError } from '../../errors.js';
import { MAX_SQRT_RATIO, MAX_TICK, MIN_SQRT_RATIO, MIN_TICK } from './constants.js';

export const MAX_UINT256 = (1n << 256n) - 1n;
export const MAX_UINT160 = (1n << 160n) - 1n;
export const MAX_UINT128 = (1n << 128n) - 1n;

export function requireTick(field: string, tick: number): number {
  if (!Number.isInteger(tick) || tick < MIN_TICK || tick > MAX_TICK) {
    throw new InvalidInputError(field, tick, `must be an integer tick in [${MIN_TICK}, ${MAX_TICK}]`);
  }
  return tick;
}

export function requireUint(field: string, value: bigint, max: bigint, bits: number): bigint {
  if (typeof value !== 'bigint' || value < 0n || value > max) {
    throw new InvalidInputError(field, value, `must be a uint${bits} BigInt`);
  }
  return value;
}

export function requireSqrtPrice(field: string, sqrtPriceX96: bigint): bigint {
  if (typeof sqrtPriceX96 !== 'bigint' || sqrtPriceX96 < MIN_SQRT_RATIO || sqrtPriceX96 >= MAX_SQRT_RATIO) {
    throw new InvalidInputError(field, sqrtPriceX96, `must be a BigInt in [${MIN_SQRT_RATIO}, ${MAX_SQRT_RATIO})`);
  }
  return sqrtPriceX96;
}

export function requireTickOrder(tickLower: number, tickUpper: number): void {
  requireTick('tickLower', tickLower);
  requireTick('tickUpper', tickUpper);
  if (!(tickLower < tickUpper)) {
    throw new InvalidInputError('tickLower', tickLower, `must be less than tickUpper (${tickUpper})`);
  }
}

/** The uint128 cast the contracts revert on (`LiquidityAmounts.toUint128`, `SafeCast.toUint128`). */
export function toUint128(field: string, value: bigint): bigint {
  if (value > MAX_UINT128) throw new InvalidInputError(field, value, 'overflows uint128 (the contract reverts)');
  return value;
}

/** The two sqrt prices in ascending order, as every `SqrtPriceMath` and `LiquidityAmounts` function sorts them. */
export function sortSqrt(a: bigint, b: bigint): [bigint, bigint] {
  return a > b ? [b, a] : [a, b];
}
