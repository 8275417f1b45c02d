/**
 * Path models: moments against closed forms within 4 Monte Carlo standard errors; seeded reproducibility.
 */
import { describe, expect, it } from 'vitest';
import { LabInputError } from '../../lab/errors.js';
import { fillPath, validateModel, type PathModel } from '../../lab/paths/models.js';
import { Rng } from '../../lab/paths/rng.js';
import { mean, sd } from '../../lab/risk.js';

function terminal(model: PathModel, paths: number, steps: number, T: number) {
  const prices = new Float64Array(steps + 1);
  const vols = new Float64Array(steps + 1);
  const s = new Float64Array(paths);
  const v = new Float64Array(paths);
  for (let k = 0; k < paths; k++) {
    fillPath(model, new Rng(3, k), 100, T / steps, prices, vols);
    s[k] = prices[steps]!;
    v[k] = vols[steps]! ** 2;
  }
  return { s, v };
}

describe('Rng', () => {
  it('is reproducible per (seed, stream) and streams differ', () => {
    const a = new Rng(42, 7);
    const b = new Rng(42, 7);
    const c = new Rng(42, 8);
    const xs = Array.from({ length: 5 }, () => a.uniform());
    expect(Array.from({ length: 5 }, () => b.uniform())).toEqual(xs);
    expect(Array.from({ length: 5 }, () => c.uniform())).not.toEqual(xs);
  });

  it('normals have mean 0 and variance 1 within 4 standard errors', () => {
    const r = new Rng(1);
    const n = 100_000;
    const z = Float64Array.from({ length: n }, () => r.normal());
    expect(Math.abs(mean(z))).toBeLessThan(4 / Math.sqrt(n));
    // Var of the sample variance of normals is 2/n.
    expect(Math.abs(sd(z) ** 2 - 1)).toBeLessThan(4 * Math.sqrt(2 / n));
  });
});

describe('path models keep E[S_T] = S_0 e^{mu T} (martingale drift corrections)', () => {
  const T = 0.5;
  const mu = 0.1;
  it.each<PathModel>([
    { kind: 'gbm', drift: mu, vol: 0.8 },
    { kind: 'merton', drift: mu, vol: 0.5, jumpIntensityPerYear: 20, jumpMean: -0.05, jumpSd: 0.1 },
    { kind: 'heston', drift: mu, v0: 0.36, kappa: 3, theta: 0.49, xi: 0.8, rho: -0.5 },
  ])('%o', (model) => {
    const paths = 20_000;
    const { s, v } = terminal(model, paths, 50, T);
    const se = sd(s) / Math.sqrt(paths);
    expect(Math.abs(mean(s) - 100 * Math.exp(mu * T))).toBeLessThan(4 * se);
    if (model.kind === 'heston') {
      // E[v_T] = theta + (v0 - theta) e^{-kappa T}; full truncation adds an O(dt) bias, far below 4 SE at 50 steps.
      const ev = model.theta + (model.v0 - model.theta) * Math.exp(-model.kappa * T);
      expect(Math.abs(mean(v) - ev)).toBeLessThan((4 * sd(v)) / Math.sqrt(paths));
    }
  });

  it('refuses bad parameters by name', () => {
    expect(() => validateModel({ kind: 'gbm', drift: 0, vol: -1 })).toThrow(LabInputError);
    expect(() => validateModel({ kind: 'heston', drift: 0, v0: 0.1, kappa: 1, theta: 0.1, xi: 1, rho: 2 })).toThrow(
      /rho/,
    );
  });
});
