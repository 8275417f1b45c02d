/**
 * From plain settings (what the CLI parses) to the lab's inputs: positions, policies and costs, validated with
 * named errors. A position given without a price enters at the path's first price.
 */
import { positionFromSpec, type LpPosition, type LpSpec } from '../pricing/index.js';
import { LabInputError, requireNonNegativeLab, requirePositiveLab } from './errors.js';
import { POLICY_NAMES, type CostSettings, type PolicyName, type PolicySpec } from './types.js';

export interface PolicySettings {
  hedgeIntervalHours: number;
  bandK: number;
  reviewHours: number;
  rollBeforeExpiryHours: number;
  stripHorizonDays: number;
  /** Let the options policy sell options (unwind gamma it no longer needs). */
  allowSell: boolean;
}

export const DEFAULT_POLICY_SETTINGS: PolicySettings = {
  hedgeIntervalHours: 8,
  bandK: 1.5,
  reviewHours: 24,
  rollBeforeExpiryHours: 48,
  stripHorizonDays: 30,
  allowSell: true,
};

export function parsePolicyNames(list: string): PolicyName[] {
  const names = list
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (names.length === 0) throw new LabInputError('policies', list, `give one or more of ${POLICY_NAMES.join(', ')}`);
  for (const n of names)
    if (!(POLICY_NAMES as readonly string[]).includes(n))
      throw new LabInputError('policies', n, `unknown policy; choose from ${POLICY_NAMES.join(', ')}`);
  return [...new Set(names)] as PolicyName[];
}

export function policySpecs(names: readonly PolicyName[], s: PolicySettings): PolicySpec[] {
  requirePositiveLab('hedgeIntervalHours', s.hedgeIntervalHours);
  requirePositiveLab('bandK', s.bandK);
  requirePositiveLab('reviewHours', s.reviewHours);
  requireNonNegativeLab('rollBeforeExpiryHours', s.rollBeforeExpiryHours);
  requirePositiveLab('stripHorizonDays', s.stripHorizonDays);
  return names.map((name): PolicySpec => {
    switch (name) {
      case 'unhedged':
        return { kind: 'unhedged' };
      case 'perp-time':
        return { kind: 'perp-time', intervalHours: s.hedgeIntervalHours };
      case 'perp-band':
        return { kind: 'perp-band', k: s.bandK };
      case 'options':
        return {
          kind: 'options',
          reviewHours: s.reviewHours,
          rollBeforeExpiryHours: s.rollBeforeExpiryHours,
          policy: { candidates: { allowSell: s.allowSell }, band: { kind: 'gamma', k: s.bandK } },
        };
      case 'strip':
        return { kind: 'strip', horizonDays: s.stripHorizonDays, roundToLots: true };
    }
  });
}

export function validateCosts(c: CostSettings): CostSettings {
  requireNonNegativeLab('perpCostFraction', c.perpCostFraction);
  requireNonNegativeLab('perpLotBase', c.perpLotBase);
  requireNonNegativeLab('optionSpreadVol', c.optionSpreadVol);
  requireNonNegativeLab('optionFeeRate', c.optionFeeRate);
  requireNonNegativeLab('optionLotBase', c.optionLotBase);
  return c;
}

export interface PositionSettings {
  model: 'v2' | 'v3';
  lower?: number;
  upper?: number;
  /** v3 range as a width around the entry price when lower/upper are not given: [P0/(1+w), P0 (1+w)]. */
  rangeWidth: number;
  depositValue: number;
  /** JSON array of LpSpec objects (`price` optional: the entry price) instead of the single position. */
  positionsJson?: string;
}

export function buildPositions(s: PositionSettings, entryPrice: number): LpPosition[] {
  if (s.positionsJson) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(s.positionsJson);
    } catch {
      throw new LabInputError('positions', s.positionsJson, 'must be a JSON array of LP specs');
    }
    if (!Array.isArray(parsed) || parsed.length === 0)
      throw new LabInputError('positions', parsed, 'must be a non-empty JSON array of LP specs');
    return parsed.map((spec: Record<string, unknown>) => positionFromSpec({ price: entryPrice, ...spec } as LpSpec));
  }
  requirePositiveLab('depositValue', s.depositValue);
  if (s.model === 'v2') return [positionFromSpec({ model: 'v2', price: entryPrice, depositValue: s.depositValue })];
  if (s.model !== 'v3') throw new LabInputError('model', s.model, "must be 'v2' or 'v3'");
  const w = requirePositiveLab('rangeWidth', s.rangeWidth);
  const lower = s.lower ?? entryPrice / (1 + w);
  const upper = s.upper ?? entryPrice * (1 + w);
  return [positionFromSpec({ model: 'v3', lower, upper, price: entryPrice, depositValue: s.depositValue })];
}
