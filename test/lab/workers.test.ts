/**
 * Monte Carlo on worker threads (the compiled dist/lab/simulateWorker.js, as `npm test` builds it first): path k
 * uses Rng(seed, k) whoever runs it, so in-thread, 1 and 2 workers agree to the last bit.
 */
import { describe, expect, it } from 'vitest';
import { LabInputError } from '../../lab/errors.js';
import { simulate } from '../../lab/workers.js';
import { DEFAULT_COSTS } from '../../lab/types.js';
import type { SimulateConfig } from '../../lab/simulate.js';
import { v3FromDeposit } from '../../pricing/index.js';

const config: SimulateConfig = {
  model: { kind: 'merton', drift: 0, vol: 0.6, jumpIntensityPerYear: 10, jumpMean: -0.02, jumpSd: 0.06 },
  startPrice: 2000,
  startMs: Date.UTC(2026, 0, 5, 8),
  stepHours: 1,
  steps: 24 * 14,
  paths: 64,
  seed: 9,
  positions: [v3FromDeposit({ lower: 1600, upper: 2500, price: 2000, depositValue: 10_000 })],
  policies: [
    { kind: 'unhedged' },
    { kind: 'perp-time', intervalHours: 8 },
    { kind: 'perp-band', k: 1.5 },
    { kind: 'strip', horizonDays: 7, roundToLots: true },
  ],
  costs: DEFAULT_COSTS,
  feeApr: 0.2,
  fundingApr: 0.1,
  samplePaths: 3,
};

describe('simulate on worker threads', () => {
  it('0, 1 and 2 workers give identical results, and progress reaches the total', async () => {
    const progress: number[] = [];
    const inThread = await simulate(config, { workers: 0 });
    const one = await simulate(config, { workers: 1 });
    const two = await simulate(config, { workers: 2, onProgress: (done) => progress.push(done) });
    for (const r of [one, two]) {
      expect(r.values.map((v) => Array.from(v))).toEqual(inThread.values.map((v) => Array.from(v)));
      expect(r.samples.map((s) => s.pathIndex)).toEqual([0, 1, 2]);
      expect(Array.from(r.samples[2]!.totals[1]!)).toEqual(Array.from(inThread.samples[2]!.totals[1]!));
    }
    expect(progress[progress.length - 1]).toBe(config.paths);
    expect(progress.every((p, i) => i === 0 || p >= progress[i - 1]!)).toBe(true);
  });

  it('refuses a bad worker count by name', async () => {
    await expect(simulate(config, { workers: -1 })).rejects.toThrow(LabInputError);
  });
});
