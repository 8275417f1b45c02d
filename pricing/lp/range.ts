/**
 * Concentrated-liquidity formulas on a range `[lower, upper]` (Uniswap v3 whitepaper eqs 6.29/6.30, restated in
 * docs/CONVENTIONS.md). A v2 position is the same formulas with `lower = 0`, `upper = Infinity` (`1/sqrt(Inf) = 0`,
 * `sqrt(0) = 0`), so both models share this one implementation. No validation here: callers validate.
 */
import type { LpState } from './types.js';

/** The price the reserves are computed at: the pool price clamped to the range (outside, the position is one token). */
function clampToRange(price: number, lower: number, upper: number): number {
  return price < lower ? lower : price > upper ? upper : price;
}

/** Base token held per unit of liquidity: `1/sqrt(P) - 1/sqrt(Pb)` with `P` clamped to the range. */
export function baseAmountPerLiquidity(price: number, lower: number, upper: number): number {
  const clamped = clampToRange(price, lower, upper);
  return 1 / Math.sqrt(clamped) - 1 / Math.sqrt(upper);
}

/** Quote token held per unit of liquidity: `sqrt(P) - sqrt(Pa)` with `P` clamped to the range. */
export function quoteAmountPerLiquidity(price: number, lower: number, upper: number): number {
  const clamped = clampToRange(price, lower, upper);
  return Math.sqrt(clamped) - Math.sqrt(lower);
}

/** Value per unit of liquidity `x P + y` (quote currency); the deposit-to-liquidity divisor. */
export function valuePerLiquidity(price: number, lower: number, upper: number): number {
  return baseAmountPerLiquidity(price, lower, upper) * price + quoteAmountPerLiquidity(price, lower, upper);
}

/** Strictly inside the range: where the pool trades against the position and gamma is not zero. */
export function isInRange(price: number, lower: number, upper: number): boolean {
  return price > lower && price < upper;
}

/** Gamma `-L/(2 P^1.5)` strictly inside the range, 0 outside (the payoff is linear there). */
export function rangeGamma(liquidity: number, price: number, lower: number, upper: number): number {
  return isInRange(price, lower, upper) ? -liquidity / (2 * price * Math.sqrt(price)) : 0;
}

export function rangeState(liquidity: number, price: number, lower: number, upper: number): LpState {
  const amountBase = liquidity * baseAmountPerLiquidity(price, lower, upper);
  const amountQuote = liquidity * quoteAmountPerLiquidity(price, lower, upper);
  return {
    value: amountBase * price + amountQuote,
    amountBase,
    amountQuote,
    delta: amountBase,
    gamma: rangeGamma(liquidity, price, lower, upper),
  };
}

/**
 * `IL(P) = V(P) - (x0 P + y0)` without cancellation. By Taylor's theorem with integral remainder around `P0`,
 * `IL(P) = integral between P0 and P of V''(K) |P - K| dK`, and `V'' = -L/(2 K^1.5)` on `[c, d]`, the part of the
 * range between `P0` and `P`. The integral is `-L (sqrt(d) - sqrt(c)) |P/sqrt(cd) - 1|`; each factor is computed
 * as a sum of non-negative terms so the result is never positive and keeps its relative accuracy near `P0`.
 */
export function rangeImpermanentLoss(
  liquidity: number,
  entryPrice: number,
  price: number,
  lower: number,
  upper: number,
): number {
  const from = Math.min(entryPrice, price);
  const to = Math.max(entryPrice, price);
  const c = Math.max(from, lower);
  const d = Math.min(to, upper);
  if (!(d > c)) return 0;
  const sqrtC = Math.sqrt(c);
  const sqrtD = Math.sqrt(d);
  const sqrtSpan = (d - c) / (sqrtD + sqrtC);
  const geometricMean = sqrtC * sqrtD;
  // P >= d: P - sqrt(cd) = (P - d) + sqrt(d)(sqrt(d) - sqrt(c)); P <= c: sqrt(cd) - P = (c - P) + sqrt(c)(...).
  const distance = price >= d ? price - d + sqrtD * sqrtSpan : c - price + sqrtC * sqrtSpan;
  return (-liquidity * sqrtSpan * distance) / geometricMean;
}
