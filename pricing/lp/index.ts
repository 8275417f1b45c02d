/** pricing/lp: LP positions (v2, v3 range, weighted), IL, LVR and Uniswap v3 integer maths. */
export * from './types.js';
export * from './construct.js';
export * from './state.js';
export * from './lvr.js';
export * from './uniswap/index.js';
export { validatePosition } from './validate.js';
export {
  baseAmountPerLiquidity,
  quoteAmountPerLiquidity,
  valuePerLiquidity,
  isInRange,
  rangeImpermanentLoss,
} from './range.js';
export { weightedImpermanentLoss } from './weighted.js';
