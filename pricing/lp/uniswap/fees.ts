/**
 * Fee accounting of v3-core: `Tick.getFeeGrowthInside` (`Tick.sol`) and the `tokensOwed` of `Position.update`
 * (`Position.sol`). The uint256 fee-growth counters wrap modulo 2^256 by design, so every difference is taken
 * modulo 2^256 as the contract's unchecked (Solidity < 0.8) arithmetic does.
 */
import { MAX_UINT128, MAX_UINT256, requireTick, requireTickOrder, requireUint } from './checks.js';
import { Q128, Q256 } from './constants.js';
import { mulDiv } from './fullMath.js';

/** `a - b` modulo 2^256, as Solidity < 0.8 (and `unchecked`) subtracts fee growth counters. */
export function subIn256(a: bigint, b: bigint): bigint {
  return (((a - b) % Q256) + Q256) % Q256;
}

export interface FeeGrowthInsideInput {
  tickLower: number;
  tickUpper: number;
  tickCurrent: number;
  /** `feeGrowthGlobal{0,1}X128` of the pool (uint256). */
  feeGrowthGlobalX128: bigint;
  /** `ticks[tickLower].feeGrowthOutside{0,1}X128` (uint256). */
  feeGrowthOutsideLowerX128: bigint;
  /** `ticks[tickUpper].feeGrowthOutside{0,1}X128` (uint256). */
  feeGrowthOutsideUpperX128: bigint;
}

/** Fee growth per unit of liquidity inside the range, for one token, modulo 2^256. */
export function getFeeGrowthInside(input: FeeGrowthInsideInput): bigint {
  const { tickLower, tickUpper, tickCurrent } = input;
  requireTickOrder(tickLower, tickUpper);
  requireTick('tickCurrent', tickCurrent);
  const global = requireUint('feeGrowthGlobalX128', input.feeGrowthGlobalX128, MAX_UINT256, 256);
  const outsideLower = requireUint('feeGrowthOutsideLowerX128', input.feeGrowthOutsideLowerX128, MAX_UINT256, 256);
  const outsideUpper = requireUint('feeGrowthOutsideUpperX128', input.feeGrowthOutsideUpperX128, MAX_UINT256, 256);
  const below = tickCurrent >= tickLower ? outsideLower : subIn256(global, outsideLower);
  const above = tickCurrent < tickUpper ? outsideUpper : subIn256(global, outsideUpper);
  return subIn256(subIn256(global, below), above);
}

/**
 * Fees owed since the last update, for one token (raw units): `(inside - insideLast) mod 2^256 * L / 2^128`
 * floored, as `Position.update` computes `tokensOwed` (v3-core casts it to uint128, dropping higher bits).
 */
export function getFeesOwed(liquidity: bigint, feeGrowthInsideX128: bigint, feeGrowthInsideLastX128: bigint): bigint {
  requireUint('liquidity', liquidity, MAX_UINT128, 128);
  requireUint('feeGrowthInsideX128', feeGrowthInsideX128, MAX_UINT256, 256);
  requireUint('feeGrowthInsideLastX128', feeGrowthInsideLastX128, MAX_UINT256, 256);
  return mulDiv(subIn256(feeGrowthInsideX128, feeGrowthInsideLastX128), liquidity, Q128) & MAX_UINT128;
}
