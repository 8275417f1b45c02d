/** Input checks and vol curves shared by the continuous and discrete strips. */
import { InvalidInputError, requireFinite, requirePositive } from '../errors.js';

/** A vol (annualised decimal) as a function of strike. */
export type VolCurve = (strike: number) => number;

/** Strikes must be finite, positive (the pool price lives in (0, inf)), strictly increasing, at least two. */
export function requireStrikes(strikes: readonly number[], field = 'strikes'): readonly number[] {
  if (!Array.isArray(strikes)) throw new InvalidInputError(field, strikes, 'must be an array of strikes');
  if (strikes.length < 2) {
    throw new InvalidInputError(field, strikes, 'needs at least two strikes (one strike spans no interval)');
  }
  strikes.forEach((strike, i) => {
    requirePositive(`${field}[${i}]`, strike);
    if (i > 0 && !(strike > strikes[i - 1]!)) {
      throw new InvalidInputError(
        `${field}[${i}]`,
        strike,
        `must be greater than ${field}[${i - 1}] (${strikes[i - 1]}): sort strikes ascending, no duplicates`,
      );
    }
  });
  return strikes;
}

export function requireVol(field: string, vol: number): number {
  return requirePositive(field, vol);
}

/**
 * A flat vol, or one vol per listed strike interpolated linearly in strike between them (flat beyond the outer
 * strikes) for the continuous integrals; the listed strikes themselves use their own vol exactly.
 */
export function volCurveFrom(
  strikes: readonly number[],
  vol: number | undefined,
  vols: readonly number[] | undefined,
): VolCurve {
  if (vol !== undefined && vols !== undefined) {
    throw new InvalidInputError('vols', vols, 'give either vol (flat) or vols (one per strike), not both');
  }
  if (vols !== undefined) {
    if (!Array.isArray(vols) || vols.length !== strikes.length) {
      throw new InvalidInputError('vols', vols, `must be an array with one vol per strike (${strikes.length})`);
    }
    vols.forEach((v, i) => requireVol(`vols[${i}]`, v));
    return (strike) => interpolate(strikes, vols, strike);
  }
  if (vol === undefined) throw new InvalidInputError('vol', vol, 'give vol (flat) or vols (one per strike)');
  requireVol('vol', vol);
  return () => vol;
}

function interpolate(xs: readonly number[], ys: readonly number[], x: number): number {
  const last = xs.length - 1;
  if (x <= xs[0]!) return ys[0]!;
  if (x >= xs[last]!) return ys[last]!;
  let lo = 0;
  let hi = last;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (xs[mid]! <= x) lo = mid;
    else hi = mid;
  }
  const t = (x - xs[lo]!) / (xs[hi]! - xs[lo]!);
  return ys[lo]! + t * (ys[hi]! - ys[lo]!);
}

export function requireExpiry(field: string, years: number): number {
  return requirePositive(field, years);
}

export function requireRate(rate: number): number {
  return requireFinite('rate', rate);
}
