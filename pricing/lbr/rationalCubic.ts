/**
 * Shape-preserving rational cubic interpolation (R. Delbourgo and J. A. Gregory, "Shape preserving piecewise
 * rational interpolation", SIAM J. Sci. Stat. Comput. 6(4), 1985), as used by Jäckel's "Let's Be Rational" (2015,
 * section 4) for the initial guesses of the implied volatility on its four branches.
 */
const DBL_EPSILON = 2.220446049250313e-16;
const DBL_MIN = 2.2250738585072014e-308;
const DBL_MAX = Number.MAX_VALUE;
const MIN_CONTROL = -(1 - Math.sqrt(DBL_EPSILON));
const MAX_CONTROL = 2 / (DBL_EPSILON * DBL_EPSILON);

function isZero(x: number): boolean {
  return Math.abs(x) < DBL_MIN;
}

/** Delbourgo-Gregory (2.4)/(2.5): interpolant through (xL, yL), (xR, yR) with slopes dL, dR and control r > -1. */
export function rationalCubicInterpolation(
  x: number,
  xL: number,
  xR: number,
  yL: number,
  yR: number,
  dL: number,
  dR: number,
  r: number,
): number {
  const h = xR - xL;
  if (Math.abs(h) <= 0) return 0.5 * (yL + yR);
  const t = (x - xL) / h;
  if (!(r >= MAX_CONTROL)) {
    const omt = 1 - t;
    const t2 = t * t;
    const omt2 = omt * omt;
    return (
      (yR * t2 * t + (r * yR - h * dR) * t2 * omt + (r * yL + h * dL) * t * omt2 + yL * omt2 * omt) /
      (1 + (r - 3) * t * omt)
    );
  }
  // Linear interpolation without over- or underflow.
  return yR * t + yL * (1 - t);
}

function controlToFitSecondDerivativeAtLeftSide(
  xL: number,
  xR: number,
  yL: number,
  yR: number,
  dL: number,
  dR: number,
  secondDerivativeL: number,
): number {
  const h = xR - xL;
  const numerator = 0.5 * h * secondDerivativeL + (dR - dL);
  const denominator = (yR - yL) / h - dL;
  if (isZero(denominator)) return numerator > 0 ? MAX_CONTROL : MIN_CONTROL;
  return numerator / denominator;
}

function controlToFitSecondDerivativeAtRightSide(
  xL: number,
  xR: number,
  yL: number,
  yR: number,
  dL: number,
  dR: number,
  secondDerivativeR: number,
): number {
  const h = xR - xL;
  const numerator = 0.5 * h * secondDerivativeR + (dR - dL);
  const denominator = dR - (yR - yL) / h;
  if (isZero(denominator)) return numerator > 0 ? MAX_CONTROL : MIN_CONTROL;
  return numerator / denominator;
}

/** The smallest control parameter that keeps the interpolant monotonic and convex/concave (eqs. (3.8), (3.18)). */
function minimumControl(dL: number, dR: number, s: number, preferShapePreservation: boolean): number {
  const monotonic = dL * s >= 0 && dR * s >= 0;
  const convex = dL <= s && s <= dR;
  const concave = dL >= s && s >= dR;
  if (!monotonic && !convex && !concave) return MIN_CONTROL;
  const dRmdL = dR - dL;
  const dRms = dR - s;
  const smdL = s - dL;
  let r1 = -DBL_MAX;
  let r2 = r1;
  if (monotonic) {
    if (!isZero(s)) r1 = (dR + dL) / s;
    else if (preferShapePreservation) r1 = MAX_CONTROL;
  }
  if (convex || concave) {
    if (!(isZero(smdL) || isZero(dRms))) r2 = Math.max(Math.abs(dRmdL / dRms), Math.abs(dRmdL / smdL));
    else if (preferShapePreservation) r2 = MAX_CONTROL;
  } else if (monotonic && preferShapePreservation) r2 = MAX_CONTROL;
  return Math.max(MIN_CONTROL, r1, r2);
}

export function convexControlToFitSecondDerivativeAtLeftSide(
  xL: number,
  xR: number,
  yL: number,
  yR: number,
  dL: number,
  dR: number,
  secondDerivativeL: number,
  preferShapePreservation: boolean,
): number {
  const r = controlToFitSecondDerivativeAtLeftSide(xL, xR, yL, yR, dL, dR, secondDerivativeL);
  const rMin = minimumControl(dL, dR, (yR - yL) / (xR - xL), preferShapePreservation);
  return Math.max(r, rMin);
}

export function convexControlToFitSecondDerivativeAtRightSide(
  xL: number,
  xR: number,
  yL: number,
  yR: number,
  dL: number,
  dR: number,
  secondDerivativeR: number,
  preferShapePreservation: boolean,
): number {
  const r = controlToFitSecondDerivativeAtRightSide(xL, xR, yL, yR, dL, dR, secondDerivativeR);
  const rMin = minimumControl(dL, dR, (yR - yL) / (xR - xL), preferShapePreservation);
  return Math.max(r, rMin);
}
