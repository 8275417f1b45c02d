/**
 * The constants of v3-core's `TickMath.sol` (tick and sqrt-ratio bounds), `FixedPoint96.sol` (Q96) and
 * `FixedPoint128.sol` (Q128), and the 2^256 modulus of fee-growth arithmetic (the v3-sdk's `internalConstants.ts`).
 */

/** The minimum tick of `TickMath.sol`: log base 1.0001 of 2^-128. */
export const MIN_TICK = -887272;
/** The maximum tick of `TickMath.sol`: log base 1.0001 of 2^128. */
export const MAX_TICK = 887272;
/** `getSqrtRatioAtTick(MIN_TICK)`. */
export const MIN_SQRT_RATIO = 4295128739n;
/** `getSqrtRatioAtTick(MAX_TICK)`. */
export const MAX_SQRT_RATIO = 1461446703485210103287273052203988822378723970342n;
/** 2^96, `FixedPoint96.Q96`: the scale of Q64.96 sqrt prices. */
export const Q96 = 1n << 96n;
/** 2^128, `FixedPoint128.Q128`: the scale of Q128.128 fee growth. */
export const Q128 = 1n << 128n;
/** 2^256: uint256 counters wrap modulo it. */
export const Q256 = 1n << 256n;
