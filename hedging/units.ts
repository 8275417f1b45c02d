/**
 * Display units of the Greeks. Inside, vega is dV/dsigma per 1.00 of vol and theta dV/dt per year (README
 * "Conventions"); desks read vega per vol point and theta per day, so every display converts here and says so.
 */
import { perYearToPerDay } from '../pricing/index.js';

/** Vol points in one unit of vol (decimal): a vol point is 0.01, so vega per vol point = vega per 1.00 / 100. */
export const VOL_POINTS_PER_UNIT_VOL = 100;

/** Vega per vol point (USD per 0.01 of vol) as vega per unit of vol (USD per 1.00 of vol, dV/dsigma). */
export function vegaPerVolPointToPerUnitVol(vegaQuotePerVolPoint: number): number {
  return vegaQuotePerVolPoint * VOL_POINTS_PER_UNIT_VOL;
}

/** Vega per unit of vol (dV/dsigma, USD per 1.00 of vol) as vega per vol point (USD per 0.01 of vol). */
export function vegaPerUnitVolToPerVolPoint(vegaQuotePerUnitVol: number): number {
  return vegaQuotePerUnitVol / VOL_POINTS_PER_UNIT_VOL;
}

/** Vega per vol point and theta per day of Greeks held per 1.00 of vol and per year. */
export function displayGreeksOf(g: { vega: number; theta: number }): {
  vegaQuotePerVolPoint: number;
  thetaQuotePerDay: number;
} {
  return { vegaQuotePerVolPoint: vegaPerUnitVolToPerVolPoint(g.vega), thetaQuotePerDay: perYearToPerDay(g.theta) };
}
