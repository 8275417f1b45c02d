/**
 * Named errors of the vol surface. Bad inputs (NaN, a negative expiry, a vol of 0) are `InvalidInputError` with the
 * offending field; the two below are about the data as a whole.
 */
import { PricingError } from '../errors.js';

/** A slice cannot be fitted: too few distinct strikes for five parameters, or no finite fit exists. */
export class SviCalibrationError extends PricingError {
  override name = 'SviCalibrationError';
  constructor(
    /** Which slice, e.g. `slices[3] (T=0.0836 y)`. */
    readonly slice: string,
    readonly reason: string,
  ) {
    super(`${slice}: ${reason}`);
  }
}

export type ArbitrageKind = 'butterfly' | 'calendar';

/**
 * The fitted surface has an arbitrage that the requested policy does not repair (`arbitrage: 'refuse'`), or that a
 * repair could not remove. Carries where it is: the slice, the log-moneyness and the size of the violation.
 */
export class SurfaceArbitrageError extends PricingError {
  override name = 'SurfaceArbitrageError';
  constructor(
    readonly kind: ArbitrageKind,
    readonly slice: string,
    /** Log-forward-moneyness ln(K/F) of the worst violation. */
    readonly logMoneyness: number,
    /** butterfly: the density g(k) (< 0); calendar: w(k, T_i) - w(k, T_{i+1}) in total variance (> 0). */
    readonly amount: number,
    detail: string,
  ) {
    super(`${kind} arbitrage in ${slice} at k = ${logMoneyness.toFixed(4)}: ${detail}`);
  }
}
