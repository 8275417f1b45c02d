/**
 * Price path models for the Monte Carlo lab. Time steps are in years (ACT/365); drifts and vols are annualised
 * decimals; prices are quote per base. Each model fills `prices[0..n]` (and `vols[0..n]`, the vol the options of
 * that step are priced at) from one `Rng` stream.
 *
 * - GBM, exact log-Euler: ln S += (mu - sigma^2/2) dt + sigma sqrt(dt) Z. E[S_T] = S_0 e^{mu T}.
 * - Merton (1976) jump-diffusion: log jumps J ~ N(muJ, sigmaJ^2) at Poisson rate lambda per year, drift corrected by
 *   -lambda kappa with kappa = E[e^J - 1] = e^{muJ + sigmaJ^2/2} - 1, so E[S_T] = S_0 e^{mu T} still (the martingale
 *   correction). Options are priced at the total vol sqrt(sigma^2 + lambda (muJ^2 + sigmaJ^2)) (stated: Black-76 on
 *   the variance the jumps add, not the Merton series).
 * - Heston (1993) with full-truncation Euler (Lord, Koekkoek & van Dijk 2010): v+ = max(v, 0),
 *   ln S += (mu - v+/2) dt + sqrt(v+ dt) Z1, v += kappa (theta - v+) dt + xi sqrt(v+ dt) Z2, corr(Z1, Z2) = rho.
 *   Options are priced at the instantaneous vol sqrt(v+) (stated simplification).
 */
import { LabInputError, requireFiniteLab, requireNonNegativeLab, requirePositiveLab } from '../errors.js';
import type { Rng } from './rng.js';

export type PathModel =
  | { kind: 'gbm'; drift: number; vol: number }
  | { kind: 'merton'; drift: number; vol: number; jumpIntensityPerYear: number; jumpMean: number; jumpSd: number }
  | {
      kind: 'heston';
      drift: number;
      /** Initial variance (vol^2), mean-reversion speed per year, long-run variance, vol of variance, correlation. */
      v0: number;
      kappa: number;
      theta: number;
      xi: number;
      rho: number;
    };

export function validateModel(model: PathModel): PathModel {
  requireFiniteLab('drift', model.drift);
  switch (model.kind) {
    case 'gbm':
      requireNonNegativeLab('vol', model.vol);
      break;
    case 'merton':
      requireNonNegativeLab('vol', model.vol);
      requireNonNegativeLab('jumpIntensityPerYear', model.jumpIntensityPerYear);
      requireFiniteLab('jumpMean', model.jumpMean);
      requireNonNegativeLab('jumpSd', model.jumpSd);
      break;
    case 'heston':
      requireNonNegativeLab('v0', model.v0);
      requirePositiveLab('kappa', model.kappa);
      requireNonNegativeLab('theta', model.theta);
      requireNonNegativeLab('xi', model.xi);
      if (!(model.rho >= -1 && model.rho <= 1)) throw new LabInputError('rho', model.rho, 'must be between -1 and 1');
      break;
    default:
      throw new LabInputError('model', (model as { kind: unknown }).kind, "must be 'gbm', 'merton' or 'heston'");
  }
  return model;
}

/** The vol options are priced at when the model's own state does not give one (GBM, Merton). */
export function modelPricingVol(model: PathModel): number {
  switch (model.kind) {
    case 'gbm':
      return model.vol;
    case 'merton':
      return Math.sqrt(model.vol * model.vol + model.jumpIntensityPerYear * (model.jumpMean ** 2 + model.jumpSd ** 2));
    case 'heston':
      return Math.sqrt(model.v0);
  }
}

/**
 * Fills `prices` and `vols` (length n + 1) with one path from `startPrice`, `dtYears` per step.
 */
export function fillPath(
  model: PathModel,
  rng: Rng,
  startPrice: number,
  dtYears: number,
  prices: Float64Array,
  vols: Float64Array,
): void {
  const n = prices.length - 1;
  prices[0] = startPrice;
  const sqdt = Math.sqrt(dtYears);
  switch (model.kind) {
    case 'gbm': {
      const mu = (model.drift - 0.5 * model.vol * model.vol) * dtYears;
      const s = model.vol * sqdt;
      let x = Math.log(startPrice);
      vols.fill(model.vol);
      for (let i = 1; i <= n; i++) {
        x += mu + s * rng.normal();
        prices[i] = Math.exp(x);
      }
      return;
    }
    case 'merton': {
      const kappa = Math.exp(model.jumpMean + 0.5 * model.jumpSd * model.jumpSd) - 1;
      const mu = (model.drift - 0.5 * model.vol * model.vol - model.jumpIntensityPerYear * kappa) * dtYears;
      const s = model.vol * sqdt;
      const jumpsPerStep = model.jumpIntensityPerYear * dtYears;
      let x = Math.log(startPrice);
      vols.fill(modelPricingVol(model));
      for (let i = 1; i <= n; i++) {
        x += mu + s * rng.normal();
        const jumps = rng.poisson(jumpsPerStep);
        // A sum of k normal jumps is N(k muJ, k sigmaJ^2).
        if (jumps > 0) x += jumps * model.jumpMean + Math.sqrt(jumps) * model.jumpSd * rng.normal();
        prices[i] = Math.exp(x);
      }
      return;
    }
    case 'heston': {
      const { kappa, theta, xi, rho } = model;
      const rhoBar = Math.sqrt(1 - rho * rho);
      let v = model.v0;
      let x = Math.log(startPrice);
      vols[0] = Math.sqrt(Math.max(v, 0));
      for (let i = 1; i <= n; i++) {
        const vp = v > 0 ? v : 0;
        const z1 = rng.normal();
        const z2 = rho * z1 + rhoBar * rng.normal();
        const sv = Math.sqrt(vp * dtYears);
        x += (model.drift - 0.5 * vp) * dtYears + sv * z1;
        v += kappa * (theta - vp) * dtYears + xi * sv * z2;
        prices[i] = Math.exp(x);
        vols[i] = Math.sqrt(v > 0 ? v : 0);
      }
      return;
    }
  }
}
