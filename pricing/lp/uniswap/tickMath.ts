/**
 * v3-core's `TickMath.sol`: `getSqrtRatioAtTick` and `getTickAtSqrtRatio`, exactly as the contract computes
 * them (the same magic constants, the same rounding), checked against the v3-sdk's `TickMath` in the tests.
 */
import { MAX_UINT256, requireSqrtPrice, requireTick } from './checks.js';

export { MAX_SQRT_RATIO, MAX_TICK, MIN_SQRT_RATIO, MIN_TICK } from './constants.js';

/** Multiplies a Q128 ratio by a Q128 magic constant, as `TickMath.getSqrtRatioAtTick` does step by step. */
function mulShift128(ratio: bigint, magic: bigint): bigint {
  return (ratio * magic) >> 128n;
}

/** Q128 values of `1/sqrt(1.0001)^(2^i)` for i = 1..19, the constants of `TickMath.getSqrtRatioAtTick`. */
const TICK_MAGIC: readonly bigint[] = [
  0xfff97272373d413259a46990580e213an,
  0xfff2e50f5f656932ef12357cf3c7fdccn,
  0xffe5caca7e10e4e61c3624eaa0941cd0n,
  0xffcb9843d60f6159c9db58835c926644n,
  0xff973b41fa98c081472e6896dfb254c0n,
  0xff2ea16466c96a3843ec78b326b52861n,
  0xfe5dee046a99a2a811c461f1969c3053n,
  0xfcbe86c7900a88aedcffc83b479aa3a4n,
  0xf987a7253ac413176f2b074cf7815e54n,
  0xf3392b0822b70005940c7a398e4b70f3n,
  0xe7159475a2c29b7443b29c7fa6e889d9n,
  0xd097f3bdfd2022b8845ad8f792aa5825n,
  0xa9f746462d870fdf8a65dc1f90e061e5n,
  0x70d869a156d2a1b890bb3df62baf32f7n,
  0x31be135f97d08fd981231505542fcfa6n,
  0x9aa508b5b7a84e1c677de54f3e99bc9n,
  0x5d6af8dedb81196699c329225ee604n,
  0x2216e584f5fa1ea926041bedfe98n,
  0x48a170391f7dc42444e8fa2n,
];

/** `sqrt(1.0001^tick) * 2^96` rounded up, exactly as `TickMath.getSqrtRatioAtTick`. */
export function getSqrtRatioAtTick(tick: number): bigint {
  requireTick('tick', tick);
  const absTick = Math.abs(tick);
  let ratio = (absTick & 0x1) !== 0 ? 0xfffcb933bd6fad37aa2d162d1a594001n : 0x100000000000000000000000000000000n;
  for (let bit = 1; bit < 20; bit++) {
    if ((absTick & (1 << bit)) !== 0) ratio = mulShift128(ratio, TICK_MAGIC[bit - 1]!);
  }
  if (tick > 0) ratio = MAX_UINT256 / ratio;
  // Q128 -> Q96, rounding up so that getTickAtSqrtRatio(getSqrtRatioAtTick(t)) == t.
  return (ratio >> 32n) + (ratio % (1n << 32n) === 0n ? 0n : 1n);
}

function mostSignificantBit(x: bigint): number {
  return x.toString(2).length - 1;
}

/** The greatest tick whose sqrt ratio is <= `sqrtPriceX96`, exactly as `TickMath.getTickAtSqrtRatio`. */
export function getTickAtSqrtRatio(sqrtPriceX96: bigint): number {
  requireSqrtPrice('sqrtPriceX96', sqrtPriceX96);
  const ratio = sqrtPriceX96 << 32n;
  const msb = mostSignificantBit(ratio);
  let r = msb >= 128 ? ratio >> BigInt(msb - 127) : ratio << BigInt(127 - msb);
  let log2 = BigInt(msb - 128) << 64n;
  // 14 bits of the fractional part of log2 by repeated squaring (the contract's assembly loop).
  for (let i = 0; i < 14; i++) {
    r = (r * r) >> 127n;
    const f = r >> 128n;
    log2 |= f << BigInt(63 - i);
    r >>= f;
  }
  const logSqrt10001 = log2 * 255738958999603826347141n;
  const tickLow = Number((logSqrt10001 - 3402992956809132418596140100660247210n) >> 128n);
  const tickHigh = Number((logSqrt10001 + 291339464771989622907027621153398088495n) >> 128n);
  if (tickLow === tickHigh) return tickLow;
  return getSqrtRatioAtTick(tickHigh) <= sqrtPriceX96 ? tickHigh : tickLow;
}
