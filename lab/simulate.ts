/**
 * Monte Carlo: the policies of `run.ts` on simulated paths. Path `k` draws from its own stream `Rng(seed, k)`, so
 * results do not depend on how the paths are split between workers (lab/workers.ts). Per path and policy the run
 * keeps the attribution fields of `FIELDS`; the first `samplePaths` paths also keep their price and running totals.
 */
import type { Highs } from 'highs';
import type { LpPosition } from '../pricing/index.js';
import { LabInputError } from './errors.js';
import { lpPath } from './lpPath.js';
import { fillPath, validateModel, type PathModel } from './paths/models.js';
import { Rng } from './paths/rng.js';
import { runPath } from './run.js';
import type { CostSettings, MarketPath, PolicySpec } from './types.js';
import { HOURS_PER_YEAR, MS_PER_HOUR } from '../pricing/time.js';

export interface SimulateConfig {
  model: PathModel;
  /** Price at the start, quote per base; the positions' entry price. */
  startPrice: number;
  /** Start time (for the chain's expiries), UTC ms. */
  startMs: number;
  stepHours: number;
  steps: number;
  paths: number;
  seed: number;
  positions: LpPosition[];
  policies: PolicySpec[];
  costs: CostSettings;
  /** Fee APR on position value while in range (simulated paths have no pool history). */
  feeApr: number;
  /** Perp funding, decimal per year (longs pay). */
  fundingApr: number;
  /** How many of the first paths keep their series for plots. */
  samplePaths: number;
}

export const FIELDS = [
  'il',
  'fees',
  'hedgePnl',
  'funding',
  'costs',
  'total',
  'delta',
  'gamma',
  'theta',
  'vega',
  'residual',
  'trades',
  'maxDrawdown',
] as const;
export type Field = (typeof FIELDS)[number];
export const FIELD_COUNT = FIELDS.length;

export interface SamplePath {
  pathIndex: number;
  prices: Float64Array;
  /** Per policy, in `config.policies` order. */
  totals: Float64Array[];
  tradeSteps: number[][];
}

export interface SimulateChunk {
  from: number;
  to: number;
  /** Per policy: (to - from) x FIELD_COUNT values, path-major. */
  values: Float64Array[];
  samples: SamplePath[];
  warnings: string[][];
}

export function validateConfig(config: SimulateConfig): void {
  validateModel(config.model);
  if (!(config.startPrice > 0)) throw new LabInputError('startPrice', config.startPrice, 'must be greater than 0');
  if (!(config.stepHours > 0)) throw new LabInputError('stepHours', config.stepHours, 'must be greater than 0');
  if (!(Number.isInteger(config.steps) && config.steps >= 1))
    throw new LabInputError('steps', config.steps, 'must be a whole number at least 1');
  if (!(Number.isInteger(config.paths) && config.paths >= 1))
    throw new LabInputError('paths', config.paths, 'must be a whole number at least 1');
  if (!Number.isInteger(config.seed)) throw new LabInputError('seed', config.seed, 'must be a whole number');
  if (config.policies.length === 0) throw new LabInputError('policies', [], 'give at least one policy');
}

export function needsSolver(policies: readonly PolicySpec[]): boolean {
  return policies.some((p) => p.kind === 'options');
}

/** Runs paths `from` to `to - 1`; `onProgress(done)` after each path. */
export function simulateRange(
  config: SimulateConfig,
  from: number,
  to: number,
  highs: Highs | null,
  onProgress?: (pathsDone: number) => void,
): SimulateChunk {
  validateConfig(config);
  const n = config.steps + 1;
  const dtYears = config.stepHours / HOURS_PER_YEAR;
  const timesMs = new Float64Array(n);
  for (let i = 0; i < n; i++) timesMs[i] = config.startMs + i * config.stepHours * MS_PER_HOUR;
  const path: MarketPath = {
    timesMs,
    prices: new Float64Array(n),
    vols: new Float64Array(n),
    fundingPerYear: new Float64Array(n).fill(config.fundingApr),
    fees: { kind: 'apr', aprOnValue: config.feeApr },
  };
  const book = { positions: config.positions };
  const buffers = lpPath(book, path); // allocates once; refilled per path
  const values = config.policies.map(() => new Float64Array((to - from) * FIELD_COUNT));
  const samples: SamplePath[] = [];
  const warnings = config.policies.map(() => new Set<string>());
  for (let k = from; k < to; k++) {
    const rng = new Rng(config.seed, k);
    fillPath(config.model, rng, config.startPrice, dtYears, path.prices, path.vols);
    const record = k < config.samplePaths;
    const outcomes = runPath({
      path,
      book,
      policies: config.policies,
      costs: config.costs,
      highs,
      record,
      lpBuffers: buffers,
    });
    outcomes.forEach((o, j) => {
      const v = values[j]!;
      const base = (k - from) * FIELD_COUNT;
      const a = o.attribution;
      const row = [
        o.il,
        o.fees,
        o.hedgePnl,
        o.funding,
        o.costs,
        o.total,
        a.delta,
        a.gamma,
        a.theta,
        a.vega,
        a.residual,
        o.trades,
        o.maxDrawdown,
      ];
      for (let f = 0; f < FIELD_COUNT; f++) v[base + f] = row[f]!;
      for (const w of o.warnings) warnings[j]!.add(w);
    });
    if (record)
      samples.push({
        pathIndex: k,
        prices: path.prices.slice(),
        totals: outcomes.map((o) => o.totals!),
        tradeSteps: outcomes.map((o) => o.tradeSteps!),
      });
    onProgress?.(k - from + 1);
  }
  return { from, to, values, samples, warnings: warnings.map((s) => [...s]) };
}

/** Joins chunks (in path order) into one. */
export function mergeChunks(chunks: SimulateChunk[], policyCount: number): SimulateChunk {
  const sorted = [...chunks].sort((a, b) => a.from - b.from);
  const total = sorted.reduce((s, c) => s + (c.to - c.from), 0);
  const values = Array.from({ length: policyCount }, () => new Float64Array(total * FIELD_COUNT));
  let offset = 0;
  for (const c of sorted) {
    for (let j = 0; j < policyCount; j++) values[j]!.set(c.values[j]!, offset);
    offset += (c.to - c.from) * FIELD_COUNT;
  }
  const warnings = Array.from({ length: policyCount }, (_, j) => [...new Set(sorted.flatMap((c) => c.warnings[j]!))]);
  return {
    from: sorted[0]!.from,
    to: sorted[sorted.length - 1]!.to,
    values,
    samples: sorted.flatMap((c) => c.samples),
    warnings,
  };
}

/** One field of one policy across paths. */
export function fieldColumn(values: Float64Array, field: Field): Float64Array {
  const f = FIELDS.indexOf(field);
  const n = values.length / FIELD_COUNT;
  const out = new Float64Array(n);
  for (let k = 0; k < n; k++) out[k] = values[k * FIELD_COUNT + f]!;
  return out;
}
