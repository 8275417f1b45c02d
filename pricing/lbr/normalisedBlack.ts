/**
 * Jäckel's normalised Black function (P. Jäckel, "Let's Be Rational", Wilmott 2015, section 2 and the reference
 * code of 2013-2014) to full relative precision:
 *
 *   b(x, s) = Phi(x/s + s/2) e^{x/2} - Phi(x/s - s/2) e^{-x/2},   x = ln(F/K), s = sigma sqrt(T),
 *
 * so that the undiscounted call is sqrt(F K) b(x, s) and the put is sqrt(F K) b(-x, s) (reciprocal-strike
 * call-put symmetry). We only ever evaluate the out-of-the-money value (x <= 0) and add the intrinsic value in price
 * space, which keeps everything a sum of positive terms. With h = x/s and t = s/2 the four regions of the paper are:
 *   I   h < eta and t < tau + |h| - |eta|: asymptotic expansion (A&S 26.2.12) of Y(h+t) - Y(h-t), Y = Phi/phi
 *       (generated: asymptoticExpansion.generated.ts);
 *   II  t < tau: small-t expansion of Y(h+t) - Y(h-t) to twelfth order in t (paper eq. (13));
 *   III h + t > 0.85: b is mostly its first term; the plain Phi form does not cancel;
 *   IV  otherwise: b = exp(-(h^2+t^2)/2)/2 [erfcx(-(h+t)/sqrt2) - erfcx(-(h-t)/sqrt2)] (one exponential).
 * (III and IV are evaluated by one expression, see normalisedBlackOtmInto.)
 */
import {
  CODY_THRESHOLD,
  erfcxPositive,
  erfSmall,
  ONE_OVER_SQRT_TWO,
  ONE_OVER_SQRT_TWO_PI,
  SQRT_TWO_PI,
} from '../normal.js';
import { asymptoticExpansion } from './asymptoticExpansion.generated.js';
import { NB_IN, NB_OUT, REGION_IN } from './slots.js';

const DBL_EPSILON = 2.220446049250313e-16;
/** eta = -10: the asymptotic expansion with 17 terms gives Phi(z) to 1.64e-16 relative for z <= -10. */
const ETA = -10;
const FOURTH_ROOT_DBL_EPSILON = Math.sqrt(Math.sqrt(DBL_EPSILON));
/** tau = 2 eps^(1/16) ~ 0.21: the small-t expansion is accurate to eps below it (paper section 3). */
const TAU = 2 * Math.sqrt(Math.sqrt(Math.sqrt(Math.sqrt(DBL_EPSILON))));

export { NB_IN, NB_OUT };

// Reciprocal factorials of the small-t expansion (multiplying is cheaper than dividing; the rounding of these
// constants is far below the expansion's own truncation error).
const INV_6 = 1 / 6;
const INV_120 = 1 / 120;
const INV_5040 = 1 / 5040;
const INV_362880 = 1 / 362880;
const INV_39916800 = 1 / 39916800;
const INV_6227020800 = 1 / 6227020800;

/**
 * Region II: t < tau, h <= 0. Twelfth order in t (paper eq. (13)), with a = 1 + h Y(h), Y(h) = sqrt(pi/2)
 * erfcx(-h/sqrt2). E = exp(-(h^2+t^2)/2).
 */
function smallTExpansion(): void {
  const h = REGION_IN[0]!;
  const t = REGION_IN[1]!;
  const E = REGION_IN[2]!;
  // Y(h) = sqrt(pi/2) erfcx(-h/sqrt2) with -h/sqrt2 >= 0: Cody's erf form (one exponential) inside 0.46875.
  const z = -ONE_OVER_SQRT_TWO * h;
  const ex = z <= CODY_THRESHOLD ? Math.exp(z * z) * (1 - erfSmall(z)) : erfcxPositive(z);
  const a = 1 + h * (0.5 * SQRT_TWO_PI) * ex;
  const w = t * t;
  const u = h * h;
  // The paper's eq. (13) as sum_k w^k (p_k(h^2) + a q_k(h^2)) / (2k+1)!: the seven coefficients are independent, so
  // we evaluate them side by side and combine them in w by Estrin's scheme. The paper's fully nested form computes
  // the same sums (prices agree to a few ulps) but is one long dependent chain, which V8 runs ~60 ns slower.
  const c1 = (-1 + a * (3 + u)) * INV_6;
  const c2 = (-7 - u + a * (15 + u * (10 + u))) * INV_120;
  const c3 = (-57 - u * (18 + u) + a * (105 + u * (105 + u * (21 + u)))) * INV_5040;
  const c4 = (-561 - u * (285 + u * (33 + u)) + a * (945 + u * (1260 + u * (378 + u * (36 + u))))) * INV_362880;
  const c5 =
    (-6555 -
      u * (4680 + u * (840 + u * (52 + u))) +
      a * (10395 + u * (17325 + u * (6930 + u * (990 + u * (55 + u)))))) *
    INV_39916800;
  const c6 =
    (-89055 -
      u * (82845 + u * (20370 + u * (1926 + u * (75 + u)))) +
      a * (135135 + u * (270270 + u * (135135 + u * (25740 + u * (2145 + u * (78 + u))))))) *
    INV_6227020800;
  const w2 = w * w;
  const w4 = w2 * w2;
  const expansion = 2 * t * (a + w * c1 + w2 * (c2 + w * c3) + w4 * (c4 + w * c5 + w2 * c6));
  const b = ONE_OVER_SQRT_TWO_PI * E * expansion;
  NB_OUT[0] = b > 0 ? b : 0;
}

/**
 * The normalised out-of-the-money value b(x, s) into NB_OUT[0], for x = NB_IN[0] <= 0, s = NB_IN[1] > 0, given
 * E = NB_IN[2] = exp(-(h^2+t^2)/2) (h = x/s, t = s/2)
 * and bMax = NB_IN[3] = exp(x/2), so that a caller computing the vega (which is E/sqrt(2 pi)) and the delta pays for one
 * exponential in all. Regions I and II as in the paper; elsewhere (regions III and IV) we use
 *
 *   b = bMax Phi(h+t) - Phi(h-t)/bMax,
 *   bMax Phi(h+t) = E erfcx(-(h+t)/sqrt2)/2 = bMax (1 + erf((h+t)/sqrt2))/2 = bMax - E erfcx((h+t)/sqrt2)/2,
 *   Phi(h-t)/bMax = E erfcx((t-h)/sqrt2)/2 = (1 - erf((t-h)/sqrt2))/(2 bMax),
 *
 * choosing in each term the form whose Cody function needs no exponential (erf inside |y| <= 0.46875, erfcx
 * outside). This is algebraically the reference code's region IV expression E [erfcx(q1) - erfcx(q2)]/2 (using
 * E exp(q1^2) = bMax) and its region III Phi form (one sum, no cancellation beyond a factor ~1.25 since
 * Phi(h+t) > 0.8 there).
 */
export function normalisedBlackOtmInto(): void {
  const x = NB_IN[0]!;
  const s = NB_IN[1]!;
  const E = NB_IN[2]!;
  const bMax = NB_IN[3]!;
  const t = 0.5 * s;
  const h = x / s;
  if (x < s * ETA && 0.5 * s * s + x < s * (TAU + ETA)) {
    NB_OUT[1] = -1;
    if (E === 0) {
      // Region I is E times a bounded sum: it underflows with E, no need to sum the series.
      NB_OUT[0] = 0;
      return;
    }
    REGION_IN[0] = h;
    REGION_IN[1] = t;
    REGION_IN[2] = E;
    asymptoticExpansion();
    return;
  }
  if (t < TAU) {
    NB_OUT[1] = -1;
    REGION_IN[0] = h;
    REGION_IN[1] = t;
    REGION_IN[2] = E;
    smallTExpansion();
    return;
  }
  const y1 = (h + t) * ONE_OVER_SQRT_TWO;
  const y2 = (t - h) * ONE_OVER_SQRT_TWO;
  const term1 =
    y1 < -CODY_THRESHOLD
      ? 0.5 * E * erfcxPositive(-y1)
      : y1 <= CODY_THRESHOLD
        ? 0.5 * bMax * (1 + erfSmall(y1))
        : bMax - 0.5 * E * erfcxPositive(y1);
  const term2 = y2 <= CODY_THRESHOLD ? (0.5 * (1 - erfSmall(y2))) / bMax : 0.5 * E * erfcxPositive(y2);
  const b = term1 - term2;
  NB_OUT[0] = b > 0 ? b : 0;
  // term1 = bMax N(d1) and term2 = N(d2) / bMax (Cody's erfc of -y1 = -d1/sqrt 2 and of y2 = -d2/sqrt 2, scaled by
  // exp(-y1^2) = E / bMax and exp(-y2^2) = E bMax): N(d1) and N(d2) to a rounding each.
  NB_OUT[1] = term1 / bMax;
  NB_OUT[2] = term2 * bMax;
}

/** As `normalisedBlackOtmInto`, returning the value. */
export function normalisedBlackOtmCore(x: number, s: number, E: number, bMax: number): number {
  NB_IN[0] = x;
  NB_IN[1] = s;
  NB_IN[2] = E;
  NB_IN[3] = bMax;
  normalisedBlackOtmInto();
  return NB_OUT[0]!;
}

/**
 * The normalised Black value of the out-of-the-money option: b(-|x|, s) (for x <= 0 this is the call, for x > 0
 * the put). Zero for s = 0 or on underflow, never negative or NaN for finite inputs.
 */
export function normalisedBlackOtm(x: number, s: number): number {
  if (x > 0) x = -x;
  if (!(s > 0)) return 0;
  const h = x / s;
  const t = 0.5 * s;
  return normalisedBlackOtmCore(x, s, Math.exp(-0.5 * (h * h + t * t)), Math.exp(0.5 * x));
}

/** Normalised intrinsic value of a call, e^{x/2} - e^{-x/2} = 2 sinh(x/2) for x > 0, else 0. */
export function normalisedIntrinsicCall(x: number): number {
  if (x <= 0) return 0;
  const x2 = x * x;
  // Taylor series where the two exponentials would cancel (reference code; 98 = 92897280^(1/4)).
  if (x2 < 98 * FOURTH_ROOT_DBL_EPSILON)
    return x * (1 + x2 * (1 / 24 + x2 * (1 / 1920 + x2 * (1 / 322560 + x2 / 92897280))));
  const bMax = Math.exp(0.5 * x);
  return bMax - 1 / bMax;
}

/** Normalised call for any x: intrinsic + out-of-the-money value. */
export function normalisedBlackCall(x: number, s: number): number {
  return x > 0 ? normalisedIntrinsicCall(x) + normalisedBlackOtm(-x, s) : normalisedBlackOtm(x, s);
}

/** db/ds = exp(-(h^2 + t^2)/2)/sqrt(2 pi), the normalised vega (symmetric in x). */
export function normalisedVega(x: number, s: number): number {
  if (x === 0) return ONE_OVER_SQRT_TWO_PI * Math.exp(-0.125 * s * s);
  if (!(s > 0)) return 0;
  const h = x / s;
  const t = 0.5 * s;
  return ONE_OVER_SQRT_TWO_PI * Math.exp(-0.5 * (h * h + t * t));
}
