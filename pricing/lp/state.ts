/**
 * Generic entry points on any `LpPosition`: state (value, amounts, delta, gamma) and impermanent loss against
 * holding the entry amounts, all in the quote currency (docs/CONVENTIONS.md, "LP payoff").
 */
import { rangeImpermanentLoss, rangeState } from './range.js';
import type { LpPosition, LpState } from './types.js';
import { requirePositive, validatePosition } from './validate.js';
import { weightedImpermanentLoss, weightedState } from './weighted.js';

/** Range bounds of a concentrated-liquidity model; v2 is the full range `(0, Infinity)`. */
export function lpRange(position: LpPosition): { lower: number; upper: number } {
  switch (position.model) {
    case 'v2':
      return { lower: 0, upper: Infinity };
    case 'v3':
      return { lower: position.lower, upper: position.upper };
    case 'weighted':
      return { lower: 0, upper: Infinity };
  }
}

/** Unvalidated state, for inner loops (quadrature, grids) that validated the position once. */
export function lpStateUnchecked(position: LpPosition, price: number): LpState {
  switch (position.model) {
    case 'v2':
      return rangeState(position.liquidity, price, 0, Infinity);
    case 'v3':
      return rangeState(position.liquidity, price, position.lower, position.upper);
    case 'weighted':
      return weightedState(position.weight, position.entryValue, position.entryPrice, price);
  }
}

/** Unvalidated impermanent loss (quote currency), for inner loops. */
export function lpImpermanentLossUnchecked(position: LpPosition, price: number): number {
  switch (position.model) {
    case 'v2':
      return rangeImpermanentLoss(position.liquidity, position.entryPrice, price, 0, Infinity);
    case 'v3':
      return rangeImpermanentLoss(position.liquidity, position.entryPrice, price, position.lower, position.upper);
    case 'weighted':
      return weightedImpermanentLoss(position.weight, position.entryValue, position.entryPrice, price);
  }
}

/** Value, token amounts, delta `dV/dP` and gamma `d2V/dP2` at pool price `price` (quote per base). */
export function lpState(position: LpPosition, price: number): LpState {
  validatePosition(position);
  requirePositive('price', price);
  return lpStateUnchecked(position, price);
}

/** Position value at `price` (quote currency). */
export function lpValue(position: LpPosition, price: number): number {
  return lpState(position, price).value;
}

/** The token amounts held at entry `(x0, y0)`: the "hold" portfolio IL is measured against. */
export function lpEntryAmounts(position: LpPosition): { amountBase: number; amountQuote: number } {
  validatePosition(position);
  const { amountBase, amountQuote } = lpStateUnchecked(position, position.entryPrice);
  return { amountBase, amountQuote };
}

/** Value of holding the entry amounts: `x0 P + y0` (quote currency). */
export function lpHoldValue(position: LpPosition, price: number): number {
  requirePositive('price', price);
  const { amountBase, amountQuote } = lpEntryAmounts(position);
  return amountBase * price + amountQuote;
}

/** `IL(P) = V(P) - (x0 P + y0)` in the quote currency; never positive (the LP payoff is concave). */
export function lpImpermanentLoss(position: LpPosition, price: number): number {
  validatePosition(position);
  requirePositive('price', price);
  return lpImpermanentLossUnchecked(position, price);
}

/** IL as a fraction of the hold value, `IL / (x0 P + y0)`; v2 gives `2 sqrt(k)/(1+k) - 1` with `k = P/P0`. */
export function lpImpermanentLossRelative(position: LpPosition, price: number): number {
  return lpImpermanentLoss(position, price) / lpHoldValue(position, price);
}

/** `dIL/dP = x(P) - x0` (base units): the delta of the IL alone, zero at entry. */
export function lpImpermanentLossDelta(position: LpPosition, price: number): number {
  const { amountBase } = lpEntryAmounts(position);
  return lpState(position, price).delta - amountBase;
}
