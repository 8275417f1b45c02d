/**
 * LP value, delta and gamma of a position spec (CONVENTIONS.md, "LP payoff"): v2 is `V = 2L sqrt(P)`; v3 holds
 * `x = L(1/sqrt(P) - 1/sqrt(Pb))`, `y = L(sqrt(P) - sqrt(Pa))` clamped to the range. Liquidity L is solved from the
 * notional at entry. Used by the service's fallback engine; the hedging layer's book supersedes it when wired.
 */
import type { PositionSpec } from '../types.js';

export interface LpModel {
  liquidity: number;
  /** Entry amounts: base units and quote. */
  x0: number;
  y0: number;
  value(price: number): number;
  delta(price: number): number;
  gamma(price: number): number;
  hodl(price: number): number;
  lower: number;
  upper: number;
}

function amountsPerL(price: number, lower: number, upper: number): { x: number; y: number } {
  const p = Math.min(Math.max(price, lower), upper);
  const x = upper === Infinity ? 1 / Math.sqrt(p) : 1 / Math.sqrt(p) - 1 / Math.sqrt(upper);
  const y = Math.sqrt(p) - Math.sqrt(lower);
  return { x, y };
}

export function lpModel(spec: PositionSpec): LpModel {
  const lower = spec.pool.kind === 'v3' ? spec.pool.lowerPrice : 0;
  const upper = spec.pool.kind === 'v3' ? spec.pool.upperPrice : Infinity;
  const unit = amountsPerL(spec.entryPrice, lower, upper);
  const liquidity = spec.notionalQuote / (unit.x * spec.entryPrice + unit.y);
  const x0 = liquidity * unit.x;
  const y0 = liquidity * unit.y;
  return {
    liquidity,
    x0,
    y0,
    lower,
    upper,
    value(price) {
      const a = amountsPerL(price, lower, upper);
      return liquidity * (a.x * price + a.y);
    },
    delta(price) {
      return liquidity * amountsPerL(price, lower, upper).x;
    },
    gamma(price) {
      if (price <= lower || price >= upper) return 0;
      return -liquidity / (2 * price ** 1.5);
    },
    hodl(price) {
      return x0 * price + y0;
    },
  };
}
