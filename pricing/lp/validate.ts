/** Input checks shared by the LP constructors and entry points: each names the offending field. */
import { InvalidInputError, requireFinite, requireNonNegative, requirePositive } from '../errors.js';
import type { LpPosition } from './types.js';

export function requireRange(lower: number, upper: number, prefix = ''): void {
  requirePositive(`${prefix}lower`, lower);
  requirePositive(`${prefix}upper`, upper);
  if (!(lower < upper)) {
    throw new InvalidInputError(`${prefix}lower`, lower, `must be less than upper (${upper})`);
  }
}

export function requireWeight(weight: number, field = 'weight'): void {
  requireFinite(field, weight);
  if (!(weight > 0 && weight < 1)) {
    throw new InvalidInputError(field, weight, 'must be strictly between 0 and 1 (the base token weight)');
  }
}

const MODELS = ['v2', 'v3', 'weighted'] as const;

/** Checks a position that arrived as data (config, API body) before it is priced. */
export function validatePosition(position: LpPosition, field = 'position'): LpPosition {
  if (typeof position !== 'object' || position === null) {
    throw new InvalidInputError(field, position, 'must be an LP position object');
  }
  const model = (position as { model?: unknown }).model;
  switch (model) {
    case 'v2': {
      const p = position as Extract<LpPosition, { model: 'v2' }>;
      requirePositive(`${field}.liquidity`, p.liquidity);
      requirePositive(`${field}.entryPrice`, p.entryPrice);
      return position;
    }
    case 'v3': {
      const p = position as Extract<LpPosition, { model: 'v3' }>;
      requirePositive(`${field}.liquidity`, p.liquidity);
      requireRange(p.lower, p.upper, `${field}.`);
      requirePositive(`${field}.entryPrice`, p.entryPrice);
      return position;
    }
    case 'weighted': {
      const p = position as Extract<LpPosition, { model: 'weighted' }>;
      requireWeight(p.weight, `${field}.weight`);
      requirePositive(`${field}.entryValue`, p.entryValue);
      requirePositive(`${field}.entryPrice`, p.entryPrice);
      return position;
    }
    default:
      throw new InvalidInputError(`${field}.model`, model, `must be one of ${MODELS.join(', ')}`);
  }
}

export { requireFinite, requireNonNegative, requirePositive };
