/**
 * Uniswap v3 integer maths, one small function per formula, ported from v3-core's `TickMath`, `SqrtPriceMath`,
 * `FullMath`, `Tick.getFeeGrowthInside`, `Position.update` and v3-periphery's `LiquidityAmounts` (the same shape
 * as the v3-sdk's static modules). Raw on-chain integers (uint160 sqrt prices, uint128 liquidity, uint256 fee
 * growth, token amounts in wei) are BigInt and are computed exactly as the contracts compute them.
 *
 * The second half converts between ticks / sqrt prices and the toolkit's human price (quote per base,
 * CONVENTIONS.md), with token decimals and the token0/token1 orientation.
 */
import { InvalidInputError } from '../errors.js';
import type { V3Position } from './types.js';
import { requireRange, requirePositive } from './validate.js';

export const MIN_TICK = -887272;
export const MAX_TICK = 887272;
/** `getSqrtRatioAtTick(MIN_TICK)`. */
export const MIN_SQRT_RATIO = 4295128739n;
/** `getSqrtRatioAtTick(MAX_TICK)`. */
export const MAX_SQRT_RATIO = 1461446703485210103287273052203988822378723970342n;
export const Q96 = 1n << 96n;
export const Q128 = 1n << 128n;
export const Q256 = 1n << 256n;
const MAX_UINT256 = Q256 - 1n;
const MAX_UINT128 = Q128 - 1n;
const MAX_UINT160 = (1n << 160n) - 1n;

// ---------------------------------------------------------------------------------------------------------------
// Input checks for raw integers

function requireTick(field: string, tick: number): number {
  if (!Number.isInteger(tick) || tick < MIN_TICK || tick > MAX_TICK) {
    throw new InvalidInputError(field, tick, `must be an integer tick in [${MIN_TICK}, ${MAX_TICK}]`);
  }
  return tick;
}

function requireUint(field: string, value: bigint, max: bigint, bits: number): bigint {
  if (typeof value !== 'bigint' || value < 0n || value > max) {
    throw new InvalidInputError(field, value, `must be a uint${bits} BigInt`);
  }
  return value;
}

function requireSqrtPrice(field: string, sqrtPriceX96: bigint): bigint {
  if (typeof sqrtPriceX96 !== 'bigint' || sqrtPriceX96 < MIN_SQRT_RATIO || sqrtPriceX96 >= MAX_SQRT_RATIO) {
    throw new InvalidInputError(field, sqrtPriceX96, `must be a BigInt in [${MIN_SQRT_RATIO}, ${MAX_SQRT_RATIO})`);
  }
  return sqrtPriceX96;
}

function requireTickOrder(tickLower: number, tickUpper: number): void {
  requireTick('tickLower', tickLower);
  requireTick('tickUpper', tickUpper);
  if (!(tickLower < tickUpper)) {
    throw new InvalidInputError('tickLower', tickLower, `must be less than tickUpper (${tickUpper})`);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// FullMath (BigInt has no overflow, so the 512-bit tricks of the contract reduce to plain division)

/** `floor(a * b / denominator)`. */
export function mulDiv(a: bigint, b: bigint, denominator: bigint): bigint {
  return (a * b) / denominator;
}

/** `ceil(a * b / denominator)`. */
export function mulDivRoundingUp(a: bigint, b: bigint, denominator: bigint): bigint {
  const product = a * b;
  const quotient = product / denominator;
  return product % denominator === 0n ? quotient : quotient + 1n;
}

/** `a - b` modulo 2^256, as Solidity < 0.8 (and `unchecked`) subtracts fee growth counters. */
export function subIn256(a: bigint, b: bigint): bigint {
  return (((a - b) % Q256) + Q256) % Q256;
}

// ---------------------------------------------------------------------------------------------------------------
// TickMath

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

// ---------------------------------------------------------------------------------------------------------------
// SqrtPriceMath

function sortSqrt(a: bigint, b: bigint): [bigint, bigint] {
  return a > b ? [b, a] : [a, b];
}

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

// ---------------------------------------------------------------------------------------------------------------
// LiquidityAmounts (v3-periphery)

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

function toUint128(field: string, value: bigint): bigint {
  if (value > MAX_UINT128) throw new InvalidInputError(field, value, 'overflows uint128 (the contract reverts)');
  return value;
}

// ---------------------------------------------------------------------------------------------------------------
// Position amounts, as the pool pays them (Pool._modifyPosition)

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

// ---------------------------------------------------------------------------------------------------------------
// Fees (Tick.getFeeGrowthInside, Position.update): counters wrap modulo 2^256 by design.

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

// ---------------------------------------------------------------------------------------------------------------
// Fee tiers

/** Tick spacing by fee tier, fee in hundredths of a basis point as on chain (100 = 0.01%, 3000 = 0.30%). */
export function tickSpacingForFee(feePips: number): number {
  switch (feePips) {
    case 100:
      return 1;
    case 500:
      return 10;
    case 3000:
      return 60;
    case 10000:
      return 200;
    default:
      throw new InvalidInputError('feePips', feePips, 'must be a Uniswap v3 fee tier: 100, 500, 3000 or 10000');
  }
}

/** The usable tick (a multiple of the spacing, inside the tick bounds) nearest to `tick`, as the v3-sdk rounds. */
export function nearestUsableTick(tick: number, tickSpacing: number): number {
  requireTick('tick', tick);
  if (!Number.isInteger(tickSpacing) || tickSpacing <= 0) {
    throw new InvalidInputError('tickSpacing', tickSpacing, 'must be a positive integer');
  }
  const rounded = Math.round(tick / tickSpacing) * tickSpacing;
  if (rounded < MIN_TICK) return rounded + tickSpacing;
  if (rounded > MAX_TICK) return rounded - tickSpacing;
  return rounded;
}

// ---------------------------------------------------------------------------------------------------------------
// Human prices: quote per base, with decimals and orientation

/**
 * Which pool token is the base (the risky asset priced in the other). Uniswap prices token1 per token0 in raw
 * units; when token0 is the quote (mainnet USDC(token0, 6 dec)/WETH(token1, 18 dec)) the human price is inverted
 * and range bounds swap: the lower tick gives the upper human price.
 */
export interface PoolOrientation {
  /** Decimals of token0 (e.g. 6 for USDC). */
  decimals0: number;
  /** Decimals of token1 (e.g. 18 for WETH). */
  decimals1: number;
  /** `token0` if the base token is token0 (raw price is quote per base), else `token1` (raw price inverted). */
  baseToken: 'token0' | 'token1';
}

function requireOrientation(orientation: PoolOrientation): PoolOrientation {
  for (const field of ['decimals0', 'decimals1'] as const) {
    const decimals = orientation[field];
    if (!Number.isInteger(decimals) || decimals < 0 || decimals > 255) {
      throw new InvalidInputError(field, decimals, 'must be an integer number of token decimals in [0, 255]');
    }
  }
  if (orientation.baseToken !== 'token0' && orientation.baseToken !== 'token1') {
    throw new InvalidInputError('baseToken', orientation.baseToken, "must be 'token0' or 'token1'");
  }
  return orientation;
}

/** Raw price `token1/token0` (smallest units) to the human price quote per base. */
export function rawPriceToHuman(rawPrice: number, orientation: PoolOrientation): number {
  const { decimals0, decimals1, baseToken } = requireOrientation(orientation);
  // token1 per token0 in whole tokens (V13: P_raw * 10^(dec0 - dec1)).
  const token1PerToken0 = rawPrice * Math.pow(10, decimals0 - decimals1);
  return baseToken === 'token0' ? token1PerToken0 : 1 / token1PerToken0;
}

/** Human price quote per base to the raw price `token1/token0` (smallest units). */
export function humanPriceToRaw(price: number, orientation: PoolOrientation): number {
  requirePositive('price', price);
  const { decimals0, decimals1, baseToken } = requireOrientation(orientation);
  const token1PerToken0 = baseToken === 'token0' ? price : 1 / price;
  return token1PerToken0 * Math.pow(10, decimals1 - decimals0);
}

/** Human price of a Q64.96 sqrt price: `(sqrtPriceX96 / 2^96)^2`, rescaled and oriented (relative error ~1e-16). */
export function sqrtPriceX96ToPrice(sqrtPriceX96: bigint, orientation: PoolOrientation): number {
  if (typeof sqrtPriceX96 !== 'bigint' || sqrtPriceX96 <= 0n || sqrtPriceX96 > MAX_UINT160) {
    throw new InvalidInputError('sqrtPriceX96', sqrtPriceX96, 'must be a positive uint160 BigInt');
  }
  const sqrtRaw = Number(sqrtPriceX96) / 2 ** 96;
  return rawPriceToHuman(sqrtRaw * sqrtRaw, orientation);
}

/** The Q64.96 sqrt price of a human price, rounded to the nearest integer from a double (about 53 bits exact). */
export function priceToSqrtPriceX96(price: number, orientation: PoolOrientation): bigint {
  const sqrtRaw = Math.sqrt(humanPriceToRaw(price, orientation));
  const scaled = sqrtRaw * 2 ** 96;
  if (!Number.isFinite(scaled) || scaled < 1) {
    throw new InvalidInputError('price', price, 'is outside the prices a Uniswap v3 pool can represent');
  }
  return BigInt(Math.round(scaled));
}

/** Human price at a tick, through the pool's own `getSqrtRatioAtTick` (what the v3-sdk's `tickToPrice` uses). */
export function tickToPrice(tick: number, orientation: PoolOrientation): number {
  return sqrtPriceX96ToPrice(getSqrtRatioAtTick(tick), orientation);
}

/**
 * The tick whose price interval `[tick, tick + 1)` in raw price holds the price, the pool's `slot0.tick` for it.
 * With the base token as token1 the human price falls as the tick rises.
 */
export function priceToTick(price: number, orientation: PoolOrientation): number {
  const sqrtPriceX96 = priceToSqrtPriceX96(price, orientation);
  if (sqrtPriceX96 < MIN_SQRT_RATIO || sqrtPriceX96 >= MAX_SQRT_RATIO) {
    throw new InvalidInputError('price', price, 'is outside the tick range of Uniswap v3');
  }
  return getTickAtSqrtRatio(sqrtPriceX96);
}

/** The usable tick (multiple of `tickSpacing`) nearest to the price in log space. */
export function priceToUsableTick(price: number, orientation: PoolOrientation, tickSpacing: number): number {
  const exactTick = Math.log(humanPriceToRaw(price, orientation)) / Math.log(1.0001);
  if (!(exactTick >= MIN_TICK && exactTick <= MAX_TICK)) {
    throw new InvalidInputError('price', price, 'is outside the tick range of Uniswap v3');
  }
  return nearestUsableTick(Math.round(exactTick), tickSpacing);
}

/** Human range of a tick range; with the base as token1 the lower tick gives the upper price. */
export function ticksToPriceRange(
  tickLower: number,
  tickUpper: number,
  orientation: PoolOrientation,
): { lower: number; upper: number } {
  requireTickOrder(tickLower, tickUpper);
  const atLower = tickToPrice(tickLower, orientation);
  const atUpper = tickToPrice(tickUpper, orientation);
  return orientation.baseToken === 'token0' ? { lower: atLower, upper: atUpper } : { lower: atUpper, upper: atLower };
}

/** Usable tick range for a human price range (rounded to the nearest usable ticks, bounds swapped if inverted). */
export function priceRangeToTicks(
  lower: number,
  upper: number,
  orientation: PoolOrientation,
  tickSpacing: number,
): { tickLower: number; tickUpper: number } {
  requireRange(lower, upper);
  const a = priceToUsableTick(lower, orientation, tickSpacing);
  const b = priceToUsableTick(upper, orientation, tickSpacing);
  const [tickLower, tickUpper] = a < b ? [a, b] : [b, a];
  if (tickLower === tickUpper) {
    throw new InvalidInputError('upper', upper, `rounds to the same usable tick as lower (spacing ${tickSpacing})`);
  }
  return { tickLower, tickUpper };
}

/**
 * Raw uint128 liquidity to the toolkit's human liquidity `sqrt(base * quote)`. Raw `L = sqrt(amount0 * amount1)`
 * in smallest units, so human `L = L_raw / 10^((decimals0 + decimals1)/2)` in either orientation.
 */
export function liquidityRawToHuman(liquidity: bigint, orientation: PoolOrientation): number {
  requireUint('liquidity', liquidity, MAX_UINT128, 128);
  const { decimals0, decimals1 } = requireOrientation(orientation);
  return Number(liquidity) / Math.pow(10, (decimals0 + decimals1) / 2);
}

/** Human liquidity to raw uint128 liquidity (floored, as a mint from amounts would be). */
export function liquidityHumanToRaw(liquidity: number, orientation: PoolOrientation): bigint {
  requirePositive('liquidity', liquidity);
  const { decimals0, decimals1 } = requireOrientation(orientation);
  return toUint128('liquidity', BigInt(Math.floor(liquidity * Math.pow(10, (decimals0 + decimals1) / 2))));
}

/** Raw token amount (smallest units) to whole tokens, correctly rounded to a double. */
export function rawAmountToHuman(amount: bigint, decimals: number): number {
  if (typeof amount !== 'bigint') throw new InvalidInputError('amount', amount, 'must be a BigInt');
  if (!Number.isInteger(decimals) || decimals < 0 || decimals > 255) {
    throw new InvalidInputError('decimals', decimals, 'must be an integer in [0, 255]');
  }
  // Through a decimal string: JavaScript parses decimal literals with correct rounding, summing parts would not.
  const digits = (amount < 0n ? -amount : amount).toString().padStart(decimals + 1, '0');
  const text = `${digits.slice(0, digits.length - decimals)}.${digits.slice(digits.length - decimals)}`;
  return (amount < 0n ? -1 : 1) * Number(text);
}

/** Raw pool amounts as human base and quote amounts for an orientation. */
export function rawAmountsToBaseQuote(
  amounts: RawAmounts,
  orientation: PoolOrientation,
): { amountBase: number; amountQuote: number } {
  const { decimals0, decimals1, baseToken } = requireOrientation(orientation);
  const human0 = rawAmountToHuman(amounts.amount0, decimals0);
  const human1 = rawAmountToHuman(amounts.amount1, decimals1);
  return baseToken === 'token0'
    ? { amountBase: human0, amountQuote: human1 }
    : { amountBase: human1, amountQuote: human0 };
}

/** An on-chain position (ticks, raw liquidity) as a `V3Position` in human units at an entry price. */
export function v3PositionFromTicks(input: {
  tickLower: number;
  tickUpper: number;
  liquidity: bigint;
  orientation: PoolOrientation;
  /** Entry pool price (quote per base) that IL is measured from. */
  entryPrice: number;
}): V3Position {
  const { lower, upper } = ticksToPriceRange(input.tickLower, input.tickUpper, input.orientation);
  requirePositive('entryPrice', input.entryPrice);
  const liquidity = liquidityRawToHuman(input.liquidity, input.orientation);
  requirePositive('liquidity', liquidity);
  return { model: 'v3', liquidity, lower, upper, entryPrice: input.entryPrice };
}
