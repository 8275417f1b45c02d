/**
 * The payoff a strip replicates, as a function of the price at expiry: the LP value `V(P)` or its impermanent
 * loss `IL(P) = V(P) - (x0 P + y0)`. Both have second derivative `V''`, so the Carr-Madan density is the same.
 */
import { InvalidInputError } from '../errors.js';
import { lpImpermanentLossUnchecked, lpRange, lpStateUnchecked } from '../lp/state.js';
import type { LpPosition } from '../lp/types.js';

/** `il`: hedge the impermanent loss (the default); `value`: hedge the whole LP value. */
export type ReplicationTarget = 'il' | 'value';

export function requireTarget(target: unknown): ReplicationTarget {
  if (target !== 'il' && target !== 'value') {
    throw new InvalidInputError('target', target, "must be 'il' or 'value'");
  }
  return target;
}

/** `f(P)` in the quote currency. */
export function targetPayoff(position: LpPosition, target: ReplicationTarget, price: number): number {
  return target === 'il' ? lpImpermanentLossUnchecked(position, price) : lpStateUnchecked(position, price).value;
}

/** `f'(P)` in base units (the IL slope is `x(P) - x0`, zero at entry). */
export function targetSlope(position: LpPosition, target: ReplicationTarget, price: number): number {
  const delta = lpStateUnchecked(position, price).delta;
  return target === 'il' ? delta - lpStateUnchecked(position, position.entryPrice).amountBase : delta;
}

/**
 * Carr-Madan density of the hedge: `-V''(K)` base units of options per unit of strike (the LP is short
 * `V''(K) dK` options, the hedge buys them). v2/v3: `L/(2 K^1.5)` on the range; weighted: `w(1-w) V(K)/K^2`.
 */
export function replicationDensity(position: LpPosition, strike: number): number {
  return 0 - lpStateUnchecked(position, strike).gamma; // 0 - x: +0 outside the range, not -0
}

/** Strikes where the density is not zero: the v3 range, or all of `(0, Infinity)`. */
export function densitySupport(position: LpPosition): { lower: number; upper: number } {
  return lpRange(position);
}
