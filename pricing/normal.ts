/**
 * The standard normal distribution to full double precision in both tails.
 *
 * erfc / erfcx are W. J. Cody's rational Chebyshev approximations ("Rational Chebyshev approximations for the error
 * function", Math. Comp. 23, 1969, pp. 631-638; netlib specfun CALERF, March 1990), the same ones Jäckel's "Let's Be
 * Rational" reference code uses: near-minimax to at least 18 significant digits in exact arithmetic on the three
 * intervals |x| <= 0.46875, 0.46875 < |x| <= 4 and |x| > 4.
 *
 * The inverse cdf is Wichura's algorithm AS241 (PPND16, Appl. Statist. 37(3), 1988), accurate to about 1e-16.
 */
// The published coefficients (Cody 1969/1990, Wichura 1988) are quoted to 18-21 digits, more than a double holds;
// we keep them verbatim so they can be checked against the sources, and the parser rounds them to nearest.
/* eslint-disable no-loss-of-precision */

/** 1/sqrt(pi), CALERF's SQRPI. */
const ONE_OVER_SQRT_PI = 0.56418958354775628695;
/** 1/sqrt(2 pi), the normal density at 0. */
export const ONE_OVER_SQRT_TWO_PI = 0.3989422804014326779399460599343818684758586311649;
export const SQRT_TWO_PI = 2.50662827463100050241576528481104525300698674061;
export const ONE_OVER_SQRT_TWO = 0.7071067811865475244008443621048490392848359376887;

/** Cody's first interval boundary: erfSmall below, erfcxPositive above. */
export const CODY_THRESHOLD = 0.46875;
/** CALERF's XBIG for IEEE double: erfc(x) underflows to 0 beyond. */
const XBIG = 26.543;
/** CALERF's XNEG: erfcx(x) overflows below. */
const XNEG = -26.628;
/** CALERF's XHUGE: above it erfcx(x) = 1/(x sqrt(pi)) to machine precision. */
const XHUGE = 6.71e7;
/** CALERF's XMAX: erfcx(x) underflows to 0 beyond. */
const XMAX = 2.53e307;

// Coefficients for erf on |x| <= 0.46875 (CALERF A, B).
const A0 = 3.1611237438705656;
const A1 = 113.864154151050156;
const A2 = 377.485237685302021;
const A3 = 3209.37758913846947;
const A4 = 0.185777706184603153;
const B0 = 23.6012909523441209;
const B1 = 244.024637934444173;
const B2 = 1282.61652607737228;
const B3 = 2844.23683343917062;
// Coefficients for erfcx on 0.46875 < x <= 4 (CALERF C, D).
const C0 = 0.564188496988670089;
const C1 = 8.88314979438837594;
const C2 = 66.1191906371416295;
const C3 = 298.635138197400131;
const C4 = 881.95222124176909;
const C5 = 1712.04761263407058;
const C6 = 2051.07837782607147;
const C7 = 1230.33935479799725;
const C8 = 2.15311535474403846e-8;
const D0 = 15.7449261107098347;
const D1 = 117.693950891312499;
const D2 = 537.181101862009858;
const D3 = 1621.38957456669019;
const D4 = 3290.79923573345963;
const D5 = 4362.61909014324716;
const D6 = 3439.36767414372164;
const D7 = 1230.33935480374942;
// Coefficients for erfcx on x > 4 (CALERF P, Q), in 1/x^2.
const P0 = 0.305326634961232344;
const P1 = 0.360344899949804439;
const P2 = 0.125781726111229246;
const P3 = 0.0160837851487422766;
const P4 = 6.58749161529837803e-4;
const P5 = 0.0163153871373020978;
const Q0 = 2.56852019228982242;
const Q1 = 1.87295284992346047;
const Q2 = 0.527905102951428412;
const Q3 = 0.0605183413124413191;
const Q4 = 0.00233520497626869185;

/** erf(x) for |x| <= 0.46875 (Cody's first interval); a rational function, no exponential. */
export function erfSmall(x: number): number {
  const ysq = x * x;
  const num = (((A4 * ysq + A0) * ysq + A1) * ysq + A2) * ysq + A3;
  const den = (((ysq + B0) * ysq + B1) * ysq + B2) * ysq + B3;
  return (x * num) / den;
}

/** erfcx(y) = exp(y^2) erfc(y) for y > 0.46875 (Cody's second and third intervals); no exponential. */
export function erfcxPositive(y: number): number {
  if (y <= 4) {
    const num = (((((((C8 * y + C0) * y + C1) * y + C2) * y + C3) * y + C4) * y + C5) * y + C6) * y + C7;
    const den = (((((((y + D0) * y + D1) * y + D2) * y + D3) * y + D4) * y + D5) * y + D6) * y + D7;
    return num / den;
  }
  if (y >= XHUGE) return y >= XMAX ? 0 : ONE_OVER_SQRT_PI / y;
  const ysq = 1 / (y * y);
  const num = ((((P5 * ysq + P0) * ysq + P1) * ysq + P2) * ysq + P3) * ysq + P4;
  const den = ((((ysq + Q0) * ysq + Q1) * ysq + Q2) * ysq + Q3) * ysq + Q4;
  return (ONE_OVER_SQRT_PI - (ysq * num) / den) / y;
}

/**
 * exp(-y^2) to full relative precision for y >= 0: CALERF splits y = y16 + rest with y16 = trunc(16 y)/16 so that
 * y16^2 is exact and the remainder (y - y16)(y + y16) is small, avoiding the error amplification of exp(-y*y).
 */
export function expMinusSquare(y: number): number {
  const y16 = Math.trunc(y * 16) / 16;
  const del = (y - y16) * (y + y16);
  return Math.exp(-y16 * y16) * Math.exp(-del);
}

/** The complementary error function erfc(x) = 1 - erf(x), full relative precision for all x (Cody). */
export function erfc(x: number): number {
  const y = Math.abs(x);
  let result: number;
  if (y <= CODY_THRESHOLD) return 1 - erfSmall(x);
  if (y >= XBIG) result = 0;
  else result = expMinusSquare(y) * erfcxPositive(y);
  return x < 0 ? 2 - result : result;
}

/** erf(x) (Cody). */
export function erf(x: number): number {
  const y = Math.abs(x);
  if (y <= CODY_THRESHOLD) return erfSmall(x);
  const c = y >= XBIG ? 0 : expMinusSquare(y) * erfcxPositive(y);
  return x < 0 ? c - 1 : 1 - c;
}

/**
 * The scaled complementary error function erfcx(x) = exp(x^2) erfc(x) (Cody). Decays like 1/(x sqrt(pi)) for large
 * x, which is what keeps out-of-the-money Black prices and the normal left tail at full relative precision.
 */
export function erfcx(x: number): number {
  const y = Math.abs(x);
  if (y <= CODY_THRESHOLD) {
    const ysq = x * x;
    return Math.exp(ysq) * (1 - erfSmall(x));
  }
  const result = erfcxPositive(y);
  if (x >= 0) return result;
  if (x < XNEG) return Infinity;
  // erfcx(-y) = 2 exp(y^2) - erfcx(y), with exp(y^2) split as in CALERF.
  const y16 = Math.trunc(x * 16) / 16;
  const del = (x - y16) * (x + y16);
  const e = Math.exp(y16 * y16) * Math.exp(del);
  return e + e - result;
}

/** Standard normal density phi(x). */
export function normPdf(x: number): number {
  return ONE_OVER_SQRT_TWO_PI * Math.exp(-0.5 * x * x);
}

/**
 * Standard normal cdf Phi(z) to full relative precision in both tails. For z < -0.66 it is
 * erfcx(-z/sqrt2) * exp(-z^2/2) / 2 with exp(-z^2/2) split exactly (so the rounding of z/sqrt2 is not squared into
 * the exponent); elsewhere erfc(-z/sqrt2)/2, whose relative error is bounded since Phi >= 0.25 there.
 */
export function normCdf(z: number): number {
  const q = -z * ONE_OVER_SQRT_TWO;
  if (q <= CODY_THRESHOLD) return 0.5 * (q < -CODY_THRESHOLD ? 2 - erfcTail(-q) : 1 - erfSmall(q));
  if (z < -38.5) return 0; // Phi(-38.5) < 5e-324
  return 0.5 * erfcxPositive(q) * expMinusHalfSquare(z);
}

/** erfc(y) for y > 0.46875. */
function erfcTail(y: number): number {
  return y >= XBIG ? 0 : expMinusSquare(y) * erfcxPositive(y);
}

/** exp(-z^2/2) to full relative precision: split |z| = z8 + rest with z8 a multiple of 1/8 (z8^2/2 exact). */
export function expMinusHalfSquare(z: number): number {
  const y = Math.abs(z);
  const y8 = Math.trunc(y * 8) / 8;
  const del = 0.5 * (y - y8) * (y + y8);
  return Math.exp(-0.5 * y8 * y8) * Math.exp(-del);
}

// AS241 (PPND16) coefficients.
const SPLIT1 = 0.425;
const SPLIT2 = 5;
const CONST1 = 0.180625;
const CONST2 = 1.6;
const AA = [
  3.387132872796366608, 1.3314166789178437745e2, 1.9715909503065514427e3, 1.3731693765509461125e4,
  4.5921953931549871457e4, 6.7265770927008700853e4, 3.3430575583588128105e4, 2.5090809287301226727e3,
] as const;
const BB = [
  1, 4.2313330701600911252e1, 6.871870074920579083e2, 5.3941960214247511077e3, 2.1213794301586595867e4,
  3.930789580009271061e4, 2.8729085735721942674e4, 5.226495278852854561e3,
] as const;
const CC = [
  1.42343711074968357734, 4.6303378461565452959, 5.7694972214606914055, 3.64784832476320460504, 1.27045825245236838258,
  2.4178072517745061177e-1, 2.27238449892691845833e-2, 7.7454501427834140764e-4,
] as const;
const DD = [
  1, 2.05319162663775882187, 1.6763848301838038494, 6.8976733498510000455e-1, 1.4810397642748007459e-1,
  1.51986665636164571966e-2, 5.475938084995344946e-4, 1.05075007164441684324e-9,
] as const;
const EE = [
  6.6579046435011037772, 5.4637849111641143699, 1.7848265399172913358, 2.9656057182850489123e-1,
  2.6532189526576123093e-2, 1.2426609473880784386e-3, 2.71155556874348757815e-5, 2.01033439929228813265e-7,
] as const;
const FF = [
  1, 5.9983220655588793769e-1, 1.3692988092273580531e-1, 1.48753612908506148525e-2, 7.868691311456132591e-4,
  1.8463183175100546818e-5, 1.4215117583164458887e-7, 2.04426310338993978564e-15,
] as const;

function ratio8(n: readonly number[], d: readonly number[], r: number): number {
  let num = n[7]!;
  let den = d[7]!;
  for (let i = 6; i >= 0; i--) {
    num = num * r + n[i]!;
    den = den * r + d[i]!;
  }
  return num / den;
}

/**
 * Inverse standard normal cdf, Wichura AS241: x with Phi(x) = p, relative accuracy about 1e-16. Returns -Infinity
 * at p = 0, +Infinity at p = 1 and NaN outside [0, 1].
 */
export function inverseNormCdf(p: number): number {
  if (!(p >= 0 && p <= 1)) return NaN;
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  const q = p - 0.5;
  if (Math.abs(q) <= SPLIT1) return q * ratio8(AA, BB, CONST1 - q * q);
  const r = Math.sqrt(-Math.log(q < 0 ? p : 1 - p));
  const x = r < SPLIT2 ? ratio8(CC, DD, r - CONST2) : ratio8(EE, FF, r - SPLIT2);
  return q < 0 ? -x : x;
}
