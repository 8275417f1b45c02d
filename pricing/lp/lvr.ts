/**
 * Loss-versus-rebalancing (Milionis, Moallemi, Roughgarden, Zhang 2022, arXiv 2208.06046): a continuously
 * delta-hedged LP loses `l = (sigma^2 P^2 / 2) |x'(P)|` per unit time, and `x'(P) = V''(P)`, so
 * `l = sigma^2 P^2 |gamma| / 2`. That gives `sigma^2/8` of value per year for v2, the in-range multiplier
 * `1/(1 - sqrt(P/Pb)/2 - sqrt(Pa/P)/2)` for a v3 range (0 outside), and `sigma^2 w(1-w)/2` for a weighted pool.
 * Vol is an annualised decimal; years are ACT/365.
 */
import { InvalidInputError } from '../errors.js';
import { DAYS_PER_YEAR } from '../time.js';
import { lpState } from './state.js';
import type { LpPosition } from './types.js';
import { requireNonNegative, requirePositive, requireRange } from './validate.js';

/** LVR in the quote currency per year: `sigma^2 P^2 |gamma| / 2`. */
export function lvrPerYear(position: LpPosition, price: number, vol: number): number {
  requireNonNegative('vol', vol);
  const { gamma } = lpState(position, price);
  return 0.5 * vol * vol * price * price * Math.abs(gamma);
}

/** LVR in the quote currency per day (ACT/365). */
export function lvrPerDay(position: LpPosition, price: number, vol: number): number {
  return lvrPerYear(position, price, vol) / DAYS_PER_YEAR;
}

/** LVR as a fraction of position value per year (0.045 = 4.5%/yr). */
export function lvrRate(position: LpPosition, price: number, vol: number): number {
  return lvrPerYear(position, price, vol) / lpState(position, price).value;
}

/** The position's LVR rate as a multiple of the v2 rate `sigma^2/8` (1 for v2, 4w(1-w) for a weighted pool). */
export function lvrMultiplier(position: LpPosition, price: number): number {
  return lvrRate(position, price, 1) / (1 / 8);
}

/** v3 in-range multiplier `1/(1 - sqrt(P/Pb)/2 - sqrt(Pa/P)/2)`; 0 outside the range (no trading, no LVR). */
export function v3LvrMultiplier(lower: number, upper: number, price: number): number {
  requireRange(lower, upper);
  requirePositive('price', price);
  if (!(price > lower && price < upper)) return 0;
  return 1 / (1 - Math.sqrt(price / upper) / 2 - Math.sqrt(lower / price) / 2);
}

/**
 * The annual fee yield on position value at which fees pay for LVR (hedged LP P&L = fees - LVR): equal to the
 * LVR rate. A fraction per year.
 */
export function breakEvenFeeYield(position: LpPosition, price: number, vol: number): number {
  return lvrRate(position, price, vol);
}

/** Annualised vol from a daily one, `sigma_day sqrt(365)` (calendar days, as crypto trades every day). */
export function annualVolFromDaily(dailyVol: number, daysPerYear = DAYS_PER_YEAR): number {
  requireNonNegative('dailyVol', dailyVol);
  if (!(daysPerYear > 0)) throw new InvalidInputError('daysPerYear', daysPerYear, 'must be greater than 0');
  return dailyVol * Math.sqrt(daysPerYear);
}

export interface LvrSummary {
  /** Fraction of value per year. */
  rate: number;
  /** Quote currency per year. */
  perYear: number;
  /** Quote currency per day. */
  perDay: number;
  /** Multiple of the v2 rate `sigma^2/8`. */
  multiplier: number;
  /** Fee yield (fraction of value per year) needed to break even against LVR. */
  breakEvenFeeYield: number;
}

export function lvrSummary(position: LpPosition, price: number, vol: number): LvrSummary {
  const perYear = lvrPerYear(position, price, vol);
  const rate = perYear / lpState(position, price).value;
  return {
    rate,
    perYear,
    perDay: perYear / DAYS_PER_YEAR,
    multiplier: lvrMultiplier(position, price),
    breakEvenFeeYield: rate,
  };
}
