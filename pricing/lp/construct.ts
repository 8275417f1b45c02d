/**
 * Building positions: from liquidity (plus the entry price), from a deposit value at a price, or from token
 * amounts with the min-liquidity rule of Uniswap's `LiquidityAmounts.getLiquidityForAmounts` (the pool takes the
 * largest liquidity both amounts can pay for; the rest of the other token is left over and reported).
 */
import { InvalidInputError } from '../errors.js';
import { lpStateUnchecked } from './state.js';
import { baseAmountPerLiquidity, quoteAmountPerLiquidity, valuePerLiquidity } from './range.js';
import type { LpFromAmounts, LpPosition, LpSpec, V2Position, V3Position, WeightedPosition } from './types.js';
import { requireNonNegative, requirePositive, requireRange, requireWeight } from './validate.js';

export function v2FromLiquidity(input: { liquidity: number; price: number }): V2Position {
  requirePositive('liquidity', input.liquidity);
  requirePositive('price', input.price);
  return { model: 'v2', liquidity: input.liquidity, entryPrice: input.price };
}

/** `L = V0 / (2 sqrt(P0))`: half the deposit in each token. */
export function v2FromDeposit(input: { price: number; depositValue: number }): V2Position {
  requirePositive('price', input.price);
  requirePositive('depositValue', input.depositValue);
  return v2FromLiquidity({ liquidity: input.depositValue / (2 * Math.sqrt(input.price)), price: input.price });
}

/** `L = min(x sqrt(P), y / sqrt(P))` (the v2 mint takes the smaller share of the reserves). */
export function v2FromAmounts(input: {
  price: number;
  amountBase: number;
  amountQuote: number;
}): LpFromAmounts<V2Position> {
  requirePositive('price', input.price);
  requireNonNegative('amountBase', input.amountBase);
  requireNonNegative('amountQuote', input.amountQuote);
  const sqrtPrice = Math.sqrt(input.price);
  const liquidity = Math.min(input.amountBase * sqrtPrice, input.amountQuote / sqrtPrice);
  requireLiquidityFromAmounts(liquidity, input.amountBase, input.amountQuote);
  const position = v2FromLiquidity({ liquidity, price: input.price });
  return withLeftover(position, liquidity / sqrtPrice, liquidity * sqrtPrice, input.amountBase, input.amountQuote);
}

export function v3FromLiquidity(input: { lower: number; upper: number; price: number; liquidity: number }): V3Position {
  requireRange(input.lower, input.upper);
  requirePositive('price', input.price);
  requirePositive('liquidity', input.liquidity);
  return { model: 'v3', liquidity: input.liquidity, lower: input.lower, upper: input.upper, entryPrice: input.price };
}

/** `L = V0 / (x/L * P0 + y/L)`: in range `V0 / (2 sqrt(P0) - P0/sqrt(Pb) - sqrt(Pa))`; outside, one token only. */
export function v3FromDeposit(input: {
  lower: number;
  upper: number;
  price: number;
  depositValue: number;
}): V3Position {
  requireRange(input.lower, input.upper);
  requirePositive('price', input.price);
  requirePositive('depositValue', input.depositValue);
  const liquidity = input.depositValue / valuePerLiquidity(input.price, input.lower, input.upper);
  return v3FromLiquidity({ ...input, liquidity });
}

/**
 * `LiquidityAmounts.getLiquidityForAmounts` in human units: below the range only base counts, above only quote,
 * in range `L = min(x / (1/sqrt(P) - 1/sqrt(Pb)), y / (sqrt(P) - sqrt(Pa)))`.
 */
export function v3FromAmounts(input: {
  lower: number;
  upper: number;
  price: number;
  amountBase: number;
  amountQuote: number;
}): LpFromAmounts<V3Position> {
  const { lower, upper, price, amountBase, amountQuote } = input;
  requireRange(lower, upper);
  requirePositive('price', price);
  requireNonNegative('amountBase', amountBase);
  requireNonNegative('amountQuote', amountQuote);
  const basePerL = baseAmountPerLiquidity(price, lower, upper);
  const quotePerL = quoteAmountPerLiquidity(price, lower, upper);
  const fromBase = basePerL > 0 ? amountBase / basePerL : Infinity;
  const fromQuote = quotePerL > 0 ? amountQuote / quotePerL : Infinity;
  const liquidity = Math.min(fromBase, fromQuote);
  requireLiquidityFromAmounts(liquidity, amountBase, amountQuote);
  const position = v3FromLiquidity({ lower, upper, price, liquidity });
  return withLeftover(position, liquidity * basePerL, liquidity * quotePerL, amountBase, amountQuote);
}

export function weightedFromDeposit(input: { weight: number; price: number; depositValue: number }): WeightedPosition {
  requireWeight(input.weight);
  requirePositive('price', input.price);
  requirePositive('depositValue', input.depositValue);
  return { model: 'weighted', weight: input.weight, entryValue: input.depositValue, entryPrice: input.price };
}

/** A proportional join: the pool holds `w` of its value in base, so `V0 = min(x P / w, y / (1 - w))`. */
export function weightedFromAmounts(input: {
  weight: number;
  price: number;
  amountBase: number;
  amountQuote: number;
}): LpFromAmounts<WeightedPosition> {
  const { weight, price, amountBase, amountQuote } = input;
  requireWeight(weight);
  requirePositive('price', price);
  requireNonNegative('amountBase', amountBase);
  requireNonNegative('amountQuote', amountQuote);
  const value = Math.min((amountBase * price) / weight, amountQuote / (1 - weight));
  requireLiquidityFromAmounts(value, amountBase, amountQuote);
  const position = weightedFromDeposit({ weight, price, depositValue: value });
  return withLeftover(position, (weight * value) / price, (1 - weight) * value, amountBase, amountQuote);
}

function requireLiquidityFromAmounts(liquidity: number, amountBase: number, amountQuote: number): void {
  if (!(liquidity > 0 && Number.isFinite(liquidity))) {
    throw new InvalidInputError(
      'amountBase',
      { amountBase, amountQuote },
      'the amounts buy no liquidity at this price (a range below the price needs quote, above it needs base, in range both)',
    );
  }
}

/** Clamps rounding (used may exceed supplied by an ulp) so leftovers are never negative. */
function withLeftover<P extends LpPosition>(
  position: P,
  usedBase: number,
  usedQuote: number,
  amountBase: number,
  amountQuote: number,
): LpFromAmounts<P> {
  const base = Math.min(usedBase, amountBase);
  const quote = Math.min(usedQuote, amountQuote);
  return {
    position,
    usedBase: base,
    usedQuote: quote,
    leftoverBase: amountBase - base,
    leftoverQuote: amountQuote - quote,
  };
}

type Sizing = 'depositValue' | 'liquidity' | 'amounts';

function sizingOf(spec: Record<string, unknown>): Sizing {
  const given: Sizing[] = [];
  if (spec.depositValue !== undefined) given.push('depositValue');
  if (spec.liquidity !== undefined) given.push('liquidity');
  if (spec.amountBase !== undefined || spec.amountQuote !== undefined) given.push('amounts');
  if (given.length !== 1) {
    throw new InvalidInputError(
      given[0] === 'amounts' || given.length === 0 ? 'depositValue' : given[0]!,
      given,
      'give exactly one sizing: depositValue, liquidity, or amountBase and/or amountQuote',
    );
  }
  return given[0]!;
}

/** Builds any position from one plain spec and reports what a deposit from amounts left over. */
export function positionFromSpecDetailed(spec: LpSpec): LpFromAmounts {
  if (typeof spec !== 'object' || spec === null) throw new InvalidInputError('spec', spec, 'must be an object');
  const raw = spec as unknown as Record<string, unknown>;
  const num = (field: string): number => raw[field] as number;
  const model = raw.model;
  if (model !== 'v2' && model !== 'v3' && model !== 'weighted') {
    throw new InvalidInputError('model', model, 'must be one of v2, v3, weighted');
  }
  const sizing = sizingOf(raw);
  const amounts = {
    price: num('price'),
    amountBase: (raw.amountBase ?? 0) as number,
    amountQuote: (raw.amountQuote ?? 0) as number,
  };
  const price = num('price');
  if (model === 'v2') {
    if (sizing === 'depositValue') return whole(v2FromDeposit({ price, depositValue: num('depositValue') }));
    if (sizing === 'liquidity') return whole(v2FromLiquidity({ price, liquidity: num('liquidity') }));
    return v2FromAmounts(amounts);
  }
  if (model === 'v3') {
    const range = { lower: num('lower'), upper: num('upper') };
    if (sizing === 'depositValue') return whole(v3FromDeposit({ ...range, price, depositValue: num('depositValue') }));
    if (sizing === 'liquidity') return whole(v3FromLiquidity({ ...range, price, liquidity: num('liquidity') }));
    return v3FromAmounts({ ...range, ...amounts });
  }
  const weight = num('weight');
  if (sizing === 'depositValue')
    return whole(weightedFromDeposit({ weight, price, depositValue: num('depositValue') }));
  if (sizing === 'liquidity') {
    throw new InvalidInputError(
      'liquidity',
      raw.liquidity,
      'a weighted pool is sized by depositValue or amounts, not liquidity',
    );
  }
  return weightedFromAmounts({ weight, ...amounts });
}

/** Builds any position from one plain JSON-able spec (see `LpSpec`). */
export function positionFromSpec(spec: LpSpec): LpPosition {
  return positionFromSpecDetailed(spec).position;
}

/** A position sized by value or liquidity deposits exactly its entry amounts: nothing is left over. */
function whole<P extends LpPosition>(position: P): LpFromAmounts<P> {
  const { amountBase, amountQuote } = lpStateUnchecked(position, position.entryPrice);
  return { position, usedBase: amountBase, usedQuote: amountQuote, leftoverBase: 0, leftoverQuote: 0 };
}
