/**
 * Uniswap v3 integer maths, one file per contract library it mirrors, as the v3-sdk's `utils/` does: raw on-chain
 * integers (uint160 sqrt prices, uint128 liquidity, uint256 fee growth, token amounts in wei) are BigInt and are
 * computed exactly as the contracts compute them (`fullMath`, `tickMath`, `sqrtPriceMath`, `liquidityAmounts`,
 * `modifyPosition`, `fees`, `tickSpacing`); `humanPrice` is the float side, in the toolkit's units.
 */
export * from './constants.js';
export * from './fullMath.js';
export { getSqrtRatioAtTick, getTickAtSqrtRatio } from './tickMath.js';
export * from './sqrtPriceMath.js';
export * from './liquidityAmounts.js';
export * from './modifyPosition.js';
export * from './fees.js';
export * from './tickSpacing.js';
export * from './humanPrice.js';
