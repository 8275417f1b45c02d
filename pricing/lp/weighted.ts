/**
 * Balancer-style weighted pool share, weight `w` on the base token. The pool keeps the base token worth `w` of its
 * value, so `V(P) = V0 (P/P0)^w`, `x = w V/P`, `y = (1-w) V` (Balancer whitepaper's value function).
 * No validation here: callers validate.
 */
import type { LpState } from './types.js';

export function weightedValue(weight: number, entryValue: number, entryPrice: number, price: number): number {
  return entryValue * Math.pow(price / entryPrice, weight);
}

export function weightedState(weight: number, entryValue: number, entryPrice: number, price: number): LpState {
  const value = weightedValue(weight, entryValue, entryPrice, price);
  const amountBase = (weight * value) / price;
  return {
    value,
    amountBase,
    amountQuote: (1 - weight) * value,
    delta: amountBase,
    gamma: (weight * (weight - 1) * value) / (price * price),
  };
}

/**
 * `IL(P) = V0 phi(ln(P/P0))` with `phi(u) = e^{wu} - 1 - w(e^u - 1)`. Near `u = 0` both terms are about `w u` and
 * cancel, so there the Taylor series `sum_{n>=2} (w^n - w) u^n / n!` is summed instead (every coefficient is
 * negative for 0 < w < 1, which keeps the sign right).
 */
export function weightedImpermanentLoss(weight: number, entryValue: number, entryPrice: number, price: number): number {
  const u = Math.log(price / entryPrice);
  if (Math.abs(u) >= 0.5) return entryValue * (Math.expm1(weight * u) - weight * Math.expm1(u));
  let sum = 0;
  let power = u; // u^n / n!
  let weightPower = weight; // w^n
  for (let n = 2; n <= 40; n++) {
    power *= u / n;
    weightPower *= weight;
    const term = (weightPower - weight) * power;
    sum += term;
    if (Math.abs(term) <= 1e-17 * Math.abs(sum)) break;
  }
  return entryValue * sum;
}
