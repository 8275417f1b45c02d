/**
 * Vols under a spot shock: sticky-strike, sticky-delta (in its moneyness form), and a spot-vol correlated shift.
 *
 * A scenario moves the forward of every expiry by the same log return x (F' = F e^x) and asks for the vol of an
 * option of strike K:
 *  - sticky-strike: the vol of a strike does not move, sigma'(K) = sigma(ln(K / F)) (the smile stays put in strike);
 *  - sticky-delta: the smile moves with the forward, sigma'(K) = sigma(ln(K / F')): the vol is a function of
 *    log-forward-moneyness, the usual first-order stand-in for fixed Black delta (delta depends on k / (sigma
 *    sqrt T), and sigma is held at the point with the same k);
 *  - either rule plus a spot-vol correlated shift of every vol by `volPerLogReturn * x` (decimal vol per unit of
 *    log return), e.g. -0.5: a 10% fall (x = ln 0.9) raises vols by 5.3 vol points. For a stochastic vol
 *    d sigma = nu sigma dW2, d ln S = sigma dW1, corr rho, the regression of d sigma on d ln S has slope rho nu:
 *    `spotVolBeta(rho, nu)`.
 * A shifted vol is floored at 0 (never negative, never NaN).
 */
import { InvalidInputError } from '../errors.js';
import { forwardAt, totalVarianceAt, type VolSurface } from './surface.js';

export type StickyRule = 'sticky-strike' | 'sticky-delta';

export interface SpotShock {
  /** Log return of the forwards, x = ln(F'/F); finite. */
  logReturn: number;
  rule: StickyRule;
  /** Vol change per unit log return (decimal vol), default 0; see `spotVolBeta`. */
  volPerLogReturn?: number;
}

/** Slope of the expected vol move on the log spot move, rho * nu (decimal vol per unit log return). */
export function spotVolBeta(correlation: number, volOfVol: number): number {
  if (!Number.isFinite(correlation) || correlation < -1 || correlation > 1)
    throw new InvalidInputError('correlation', correlation, 'must be a finite number in [-1, 1]');
  if (!Number.isFinite(volOfVol) || volOfVol < 0)
    throw new InvalidInputError('volOfVol', volOfVol, 'must be a finite number at least 0');
  return correlation * volOfVol;
}

/**
 * Vol (decimal) of strike `strike` at `expiryYears` after `shock`. `forward` is the unshocked forward of that
 * expiry (default: the surface's own). Returns the vol and the shocked forward to price with.
 */
export function shockedVol(
  surface: VolSurface,
  q: { strike: number; expiryYears: number; forward?: number },
  shock: SpotShock,
): { vol: number; forward: number } {
  if (!Number.isFinite(shock.logReturn))
    throw new InvalidInputError('shock.logReturn', shock.logReturn, 'must be a finite number');
  const beta = shock.volPerLogReturn ?? 0;
  if (!Number.isFinite(beta)) throw new InvalidInputError('shock.volPerLogReturn', beta, 'must be a finite number');
  if (shock.rule !== 'sticky-strike' && shock.rule !== 'sticky-delta')
    throw new InvalidInputError('shock.rule', shock.rule, 'must be sticky-strike or sticky-delta');
  if (!Number.isFinite(q.strike) || q.strike <= 0)
    throw new InvalidInputError('strike', q.strike, 'must be a finite number greater than 0');
  if (!Number.isFinite(q.expiryYears) || q.expiryYears <= 0)
    throw new InvalidInputError('expiryYears', q.expiryYears, 'must be a finite number of years greater than 0');
  const F = q.forward ?? forwardAt(surface, q.expiryYears);
  if (!Number.isFinite(F) || F <= 0)
    throw new InvalidInputError('forward', F, 'must be a finite number greater than 0');
  const shocked = F * Math.exp(shock.logReturn);
  const k = Math.log(q.strike / (shock.rule === 'sticky-strike' ? F : shocked));
  const { w } = totalVarianceAt(surface, k, q.expiryYears);
  const base = Math.sqrt(Math.max(0, w) / q.expiryYears);
  return { vol: Math.max(0, base + beta * shock.logReturn), forward: shocked };
}
