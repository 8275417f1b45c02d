/**
 * Jäckel's "Let's Be Rational" (Wilmott, January 2015, pp. 40-53) implied volatility of the normalised Black
 * function: given beta = b(x, s) for an out-of-the-money call (x <= 0), find s = sigma sqrt(T). Four branches of
 * rational initial guesses (section 4: lower map f_l, two rational cubic segments around the inflexion point s_c,
 * upper map f_u), then at most two Householder(3) steps on a branch-specific objective (section 5), which reaches
 * the attainable double precision for all inputs. Structure and constants follow Jäckel's reference code (2013-2014).
 */
import { inverseNormCdf, normCdf, normPdf } from '../normal.js';
import { NB_IN, NB_OUT, normalisedBlackOtmInto } from './normalisedBlack.js';
import { ONE_OVER_SQRT_TWO_PI } from '../normal.js';
import {
  convexControlToFitSecondDerivativeAtLeftSide,
  convexControlToFitSecondDerivativeAtRightSide,
  rationalCubicInterpolation,
} from './rationalCubic.js';

const DBL_EPSILON = 2.220446049250313e-16;
const DBL_MIN = 2.2250738585072014e-308;
const DBL_MAX = Number.MAX_VALUE;
const SQRT_DBL_MAX = Math.sqrt(DBL_MAX);
const TWO_PI = 2 * Math.PI;
const SQRT_PI_OVER_TWO = Math.sqrt(Math.PI / 2);
const SQRT_THREE = Math.sqrt(3);
const SQRT_ONE_OVER_THREE = Math.sqrt(1 / 3);
const TWO_PI_OVER_SQRT_TWENTY_SEVEN = TWO_PI / Math.sqrt(27);
const PI_OVER_SIX = Math.PI / 6;
/** Two Householder(3) iterations suffice for full attainable accuracy (paper section 5). */
const MAX_ITERATIONS = 2;

/** Householder(3) step factor: s_{n+1} = s_n + nu (1 + h2 nu/2) / (1 + nu (h2 + h3 nu/6)), nu the Newton step. */
function householderStep(newton: number, halley: number, hh3: number): number {
  const factor = (1 + 0.5 * halley * newton) / (1 + newton * (halley + (hh3 * newton) / 6));
  // At denormal s the higher derivatives can be 0/0 or overflow; fall back to the Newton step there.
  return factor > -Infinity && factor < Infinity ? newton * factor : newton;
}

/** Results (f, f', f'') of lowerMap / upperMap, in a typed array so nothing is allocated per solve. */
const MAP = new Float64Array(3);

/** The lower map f_l(s) = 2 pi |x| / sqrt(27) Phi(-|x|/sqrt(3 s^2))^3 (paper eq. (4.4)) and its first two beta-derivatives. */
function lowerMap(x: number, s: number): void {
  const ax = Math.abs(x);
  const z = (SQRT_ONE_OVER_THREE * ax) / s;
  const y = z * z;
  const s2 = s * s;
  const Phi = normCdf(-z);
  const phi = normPdf(z);
  const fpp =
    ((PI_OVER_SIX * y) / (s2 * s)) *
    Phi *
    (8 * SQRT_THREE * s * ax + ((3 * s2 * (s2 - 8) - 8 * x * x) * Phi) / phi) *
    Math.exp(2 * y + 0.25 * s2);
  const Phi2 = Phi * Phi;
  const fp = TWO_PI * y * Phi2 * Math.exp(y + 0.125 * s2);
  MAP[0] = TWO_PI_OVER_SQRT_TWENTY_SEVEN * ax * (Phi2 * Phi);
  MAP[1] = fp;
  MAP[2] = fpp;
}

function inverseLowerMap(x: number, f: number): number {
  if (f === 0) return 0;
  return Math.abs(x / (SQRT_THREE * inverseNormCdf(Math.cbrt(f / (TWO_PI_OVER_SQRT_TWENTY_SEVEN * Math.abs(x))))));
}

/** The upper map f_u(s) = Phi(-s/2) (paper eq. (4.7)) and its first two beta-derivatives. */
function upperMap(x: number, s: number): void {
  MAP[0] = normCdf(-0.5 * s);
  if (x === 0) {
    MAP[1] = -0.5;
    MAP[2] = 0;
    return;
  }
  const w = (x / s) * (x / s);
  MAP[1] = -0.5 * Math.exp(0.5 * w);
  MAP[2] = (SQRT_PI_OVER_TWO * Math.exp(w + 0.125 * s * s) * w) / s;
}

function inverseUpperMap(f: number): number {
  return -2 * inverseNormCdf(f);
}

/** b(x, s) and the normalised vega at one point, written to BV (b, vega). */
const BV = new Float64Array(2);

/**
 * Evaluates b(x, s) and db/ds = exp(-(h^2+t^2)/2)/sqrt(2 pi) sharing the one exponential (x <= 0, bMax = e^{x/2}).
 * At s = 0 the vega is that of the limit s -> 0 (1/sqrt(2 pi) at x = 0, else 0), as in the reference code.
 */
function blackAndVega(x: number, s: number, bMax: number): void {
  if (!(s > 0)) {
    BV[0] = 0;
    BV[1] = x === 0 ? ONE_OVER_SQRT_TWO_PI : 0;
    return;
  }
  const h = x / s;
  const t = 0.5 * s;
  const E = Math.exp(-0.5 * (h * h + t * t));
  NB_IN[0] = x;
  NB_IN[1] = s;
  NB_IN[2] = E;
  NB_IN[3] = bMax;
  normalisedBlackOtmInto();
  BV[0] = NB_OUT[0]!;
  BV[1] = ONE_OVER_SQRT_TWO_PI * E;
}

/** The objective g(s) the Householder loop drives to 0; the branch of the initial guess picks it (section 5). */
const OBJECTIVE_LOWER = 0;
const OBJECTIVE_MIDDLE = 1;
const OBJECTIVE_UPPER = 2;

/**
 * Argument slots of `householder` (beta, ln beta, x, bMax, initial s, sLeft, sRight): doubles passed as arguments
 * to a function V8 does not inline are boxed (see normalisedBlack.ts), typed-array slots are not.
 */
const HH = new Float64Array(7);

/**
 * s = sigma sqrt(T) with b(x, s) = beta for an out-of-the-money call, x <= 0, 0 <= beta < exp(x/2) (the caller
 * has checked the bounds). Returns 0 for beta = 0.
 */
export function impliedNormalisedVolOtmCall(beta: number, x: number): number {
  if (beta <= 0) return 0;
  const bMax = Math.exp(0.5 * x);
  let objective = OBJECTIVE_MIDDLE;
  let lnBeta = 0;
  let s: number;
  let sLeft = DBL_MIN;
  let sRight = DBL_MAX;
  // The inflexion point s_c = sqrt(2|x|) of b(s) splits the domain (paper section 4).
  const sC = Math.sqrt(Math.abs(2 * x));
  blackAndVega(x, sC, bMax);
  const bC = BV[0]!;
  const vC = BV[1]!;
  if (beta < bC) {
    const sL = sC - bC / vC;
    blackAndVega(x, sL, bMax);
    const bL = BV[0]!;
    const vL = BV[1]!;
    if (beta < bL) {
      // Lowest branch: rational cubic in the lower map.
      lowerMap(x, sL);
      const fL = MAP[0]!;
      const dfL = MAP[1]!;
      const d2fL = MAP[2]!;
      const rLL = convexControlToFitSecondDerivativeAtRightSide(0, bL, 0, fL, 1, dfL, d2fL, true);
      let f = rationalCubicInterpolation(beta, 0, bL, 0, fL, 1, dfL, rLL);
      if (!(f > 0)) {
        // Round-off for extreme |x|: quadratic through f(0) = 0, f(b_l), f'(0) = 1.
        const t = beta / bL;
        f = (fL * t + bL * (1 - t)) * t;
      }
      s = inverseLowerMap(x, f);
      sRight = sL;
      objective = OBJECTIVE_LOWER;
      lnBeta = Math.log(beta);
    } else {
      const rLM = convexControlToFitSecondDerivativeAtRightSide(bL, bC, sL, sC, 1 / vL, 1 / vC, 0, false);
      s = rationalCubicInterpolation(beta, bL, bC, sL, sC, 1 / vL, 1 / vC, rLM);
      sLeft = sL;
      sRight = sC;
    }
  } else {
    const sH = vC > DBL_MIN ? sC + (bMax - bC) / vC : sC;
    blackAndVega(x, sH, bMax);
    const bH = BV[0]!;
    const vH = BV[1]!;
    if (beta <= bH) {
      const rHM = convexControlToFitSecondDerivativeAtLeftSide(bC, bH, sC, sH, 1 / vC, 1 / vH, 0, false);
      s = rationalCubicInterpolation(beta, bC, bH, sC, sH, 1 / vC, 1 / vH, rHM);
      sLeft = sC;
      sRight = sH;
    } else {
      // Highest branch: rational cubic in the upper map.
      upperMap(x, sH);
      const fH = MAP[0]!;
      const dfH = MAP[1]!;
      const d2fH = MAP[2]!;
      let f = -DBL_MAX;
      if (d2fH > -SQRT_DBL_MAX && d2fH < SQRT_DBL_MAX) {
        const rHH = convexControlToFitSecondDerivativeAtLeftSide(bH, bMax, fH, 0, dfH, -0.5, d2fH, true);
        f = rationalCubicInterpolation(beta, bH, bMax, fH, 0, dfH, -0.5, rHH);
      }
      if (f <= 0) {
        // Quadratic through f(b_h), f(b_max) = 0, f'(b_max) = -1/2.
        const h = bMax - bH;
        const t = (beta - bH) / h;
        f = (fH * (1 - t) + 0.5 * h * t) * (1 - t);
      }
      s = inverseUpperMap(f);
      sLeft = sH;
      // Above half the maximum the upper objective; below it b - beta is well conditioned (the reference's choice).
      if (beta > 0.5 * bMax) objective = OBJECTIVE_UPPER;
    }
  }
  HH[0] = beta;
  HH[1] = lnBeta;
  HH[2] = x;
  HH[3] = bMax;
  HH[4] = s;
  HH[5] = sLeft;
  HH[6] = sRight;
  return householder(objective);
}

/**
 * The one Householder(3) loop of every branch, on the inputs in HH (Jäckel's reference writes the loop out three
 * times, and py_lets_be_rational's copies have drifted; one loop cannot). Each step is
 * s += nu (1 + h2 nu/2) / (1 + nu (h2 + h3 nu/6)) (householderStep) with nu = -g/g', h2 = g''/g', h3 = g'''/g' of
 * the branch's objective g, inside the bracket [sLeft, sRight]: a step that leaves the bracket, or the third
 * reversal of direction, is replaced by bisection (and the reversal count restarts); no step shrinks s by more
 * than half.
 *
 * The three objectives are built from b(s) and its s-derivatives, with h = x/s, t = s/2:
 *   b'(s) = exp(-(h^2 + t^2)/2) / sqrt(2 pi)             (the normalised vega, from blackAndVega)
 *   B2 = b''/b' = d/ds ln b' = x^2/s^3 - s/4             (bHalley below)
 *   B3 = b'''/b' = B2' + B2^2 = B2^2 - 3 x^2/s^4 - 1/4   (bHh3 below)
 * and, for any g, g'''/g' = (g''/g')' + (g''/g')^2.
 *
 * Middle branches, g(s) = b(s) - beta:
 *   nu = (beta - b)/b',  h2 = B2,  h3 = B3.
 *
 * Lowest branch, g(s) = 1/ln b(s) - 1/ln beta (b behaves like exp(-c/s^2) there, so 1/ln b is nearly linear in
 * s^2). With L = ln b and u = b'/b:
 *   g' = -u/L^2,  nu = -g/g' = (ln beta - L) L / ln beta / u,
 *   h2 = d/ds ln|g'| = B2 - u - 2u/L = B2 - u (1 + 2/L),
 *   u' = u B2 - u^2, so h3 = h2' + h2^2 = B3 - 3 B2 u (1 + 2/L) + 2 u^2 (1 + (3/L)(1 + 1/L)).
 *
 * Upper branch (beta > bMax/2), g(s) = ln(bMax - beta) - ln(bMax - b(s)) (bMax - b decays like a normal tail
 * probability, which the logarithm straightens). With gp = g' = b'/(bMax - b):
 *   nu = -g/gp,  h2 = d/ds ln g' = B2 + gp,
 *   gp' = gp B2 + gp^2, so h3 = h2' + h2^2 = B3 + 3 B2 gp + 2 gp^2 = B3 + gp (2 gp + 3 B2).
 *
 * Where the lowest or the upper objective is undefined at the iterate (b <= 0, b at bMax, or a vega that
 * underflowed), the step goes to the middle of the bracket instead.
 */
function householder(objective: number): number {
  const beta = HH[0]!;
  const lnBeta = HH[1]!;
  const x = HH[2]!;
  const bMax = HH[3]!;
  let s = HH[4]!;
  let sLeft = HH[5]!;
  let sRight = HH[6]!;
  let iterations = 0;
  let directionReversals = 0;
  let ds = -DBL_MAX;
  let dsPrevious = 0;
  while (iterations < MAX_ITERATIONS && Math.abs(ds) > DBL_EPSILON * s) {
    if (ds * dsPrevious < 0) directionReversals++;
    if (iterations > 0 && (directionReversals === 3 || !(s > sLeft && s < sRight))) {
      s = 0.5 * (sLeft + sRight);
      if (sRight - sLeft <= DBL_EPSILON * s) break;
      directionReversals = 0;
      ds = 0;
    }
    dsPrevious = ds;
    blackAndVega(x, s, bMax);
    const b = BV[0]!;
    const bp = BV[1]!;
    if (b > beta && s < sRight) sRight = s;
    else if (b < beta && s > sLeft) sLeft = s;
    const h = x / s;
    const bHalley = (h * h) / s - s / 4;
    const bHh3 = bHalley * bHalley - 3 * (h / s) * (h / s) - 0.25;
    if (objective === OBJECTIVE_MIDDLE) {
      ds = householderStep((beta - b) / bp, bHalley, bHh3);
    } else if (objective === OBJECTIVE_LOWER) {
      if (b <= 0 || bp <= 0) {
        ds = 0.5 * (sLeft + sRight) - s;
      } else {
        const lnB = Math.log(b);
        const u = bp / b;
        const newton = ((lnBeta - lnB) * lnB) / lnBeta / u;
        const halley = bHalley - u * (1 + 2 / lnB);
        const hh3 = bHh3 + 2 * u * u * (1 + (3 / lnB) * (1 + 1 / lnB)) - 3 * bHalley * u * (1 + 2 / lnB);
        ds = householderStep(newton, halley, hh3);
      }
    } else if (b >= bMax || bp <= DBL_MIN) {
      ds = 0.5 * (sLeft + sRight) - s;
    } else {
      const bMaxMinusB = bMax - b;
      const g = Math.log((bMax - beta) / bMaxMinusB);
      const gp = bp / bMaxMinusB;
      ds = householderStep(-g / gp, bHalley + gp, bHh3 + gp * (2 * gp + 3 * bHalley));
    }
    ds = Math.max(-0.5 * s, ds);
    s += ds;
    iterations++;
  }
  return s;
}
