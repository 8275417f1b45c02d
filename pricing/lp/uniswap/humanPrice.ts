/**
 * The float side of the Uniswap maths: ticks, Q64.96 sqrt prices, raw liquidity and raw amounts converted to and
 * from the toolkit's human units (price quote per base, docs/CONVENTIONS.md "Prices and pools"), with token
 * decimals and the token0/token1 orientation. The v3-sdk's `priceTickConversions.ts` and `encodeSqrtRatioX96.ts`
 * do the same with fractions; here the result is a double (relative error ~1e-16).
 */
import { InvalidInputError } from '../../errors.js';
import type { V3Position } from '../types.js';
import { requirePositive, requireRange } from '../validate.js';
import { MAX_UINT128, MAX_UINT160, requireTickOrder, requireUint, toUint128 } from './checks.js';
import { MAX_SQRT_RATIO, MAX_TICK, MIN_SQRT_RATIO, MIN_TICK } from './constants.js';
import type { RawAmounts } from './modifyPosition.js';
import { nearestUsableTick } from './tickSpacing.js';
import { getSqrtRatioAtTick, getTickAtSqrtRatio } from './tickMath.js';

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
  // token1 per token0 in whole tokens: P_raw * 10^(dec0 - dec1) (docs/CONVENTIONS.md, "Prices and pools").
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
