/**
 * An independent high-precision oracle for option pricing tests, built on decimal.js at 60 significant digits (so
 * that ~40 survive the cancellations of the closed forms). It shares no code with pricing/: the normal cdf comes from
 * its Taylor series Phi(x) = 1/2 + phi(x) sum x^{2n+1}/(2n+1)!! for |x| <= 5 and from Laplace's continued fraction
 * for the Mills ratio beyond; Black-76 prices and Greeks come from their textbook closed forms. Doubles are
 * converted exactly (every binary digit), so the oracle answers for the very inputs the double code saw.
 */
import { Decimal } from 'decimal.js';

export const HP = Decimal.clone({ precision: 60, rounding: Decimal.ROUND_HALF_EVEN, toExpNeg: -100, toExpPos: 100 });
export type HPNumber = InstanceType<typeof HP>;

/** The exact value of a double as a 60-digit decimal (toPrecision(100) prints the binary value exactly). */
export function exact(x: number): HPNumber {
  if (!Number.isFinite(x)) throw new Error(`not finite: ${x}`);
  return new HP(x === 0 ? '0' : x.toPrecision(100));
}

const PI = HP.acos(-1);
const SQRT_2PI = PI.times(2).sqrt();
const HALF = new HP('0.5');

/** Standard normal density. */
export function hpPdf(x: HPNumber): HPNumber {
  return x.times(x).neg().div(2).exp().div(SQRT_2PI);
}

/** Mills ratio R(t) = (1 - Phi(t))/phi(t) for t > 0 by Laplace's continued fraction 1/(t+1/(t+2/(t+3/(t+...)))). */
function millsRatio(t: HPNumber): HPNumber {
  // Evaluated backwards from a depth that is ample for 55 digits at t >= 5 (checked against depth 2000).
  let acc = new HP(0);
  for (let k = 200; k >= 1; k--) acc = new HP(k).div(t.plus(acc));
  return new HP(1).div(t.plus(acc));
}

/** Standard normal cdf. */
export function hpCdf(x: HPNumber): HPNumber {
  if (x.abs().lte(5)) {
    // sum_{n>=0} x^{2n+1}/(2n+1)!!, all terms of one sign.
    const x2 = x.times(x);
    let term = x;
    let sum = x;
    for (let n = 1; n < 1000; n++) {
      term = term.times(x2).div(2 * n + 1);
      sum = sum.plus(term);
      if (term.abs().lt(sum.abs().times('1e-62'))) break;
    }
    return HALF.plus(hpPdf(x).times(sum));
  }
  if (x.isNeg()) return hpPdf(x).times(millsRatio(x.neg()));
  return new HP(1).minus(hpPdf(x).times(millsRatio(x)));
}

/** erfc(z) = 2 Phi(-z sqrt 2). */
export function hpErfc(z: HPNumber): HPNumber {
  return hpCdf(z.neg().times(new HP(2).sqrt())).times(2);
}

export interface HPGreeks {
  price: HPNumber;
  delta: HPNumber;
  gamma: HPNumber;
  vega: HPNumber;
  theta: HPNumber;
  rho: HPNumber;
  vanna: HPNumber;
  volga: HPNumber;
  /** The two terms of theta, for an absolute tolerance where they cancel. */
  thetaScale: HPNumber;
}

/**
 * Black-76 closed forms (Hull; Haug "The Complete Guide to Option Pricing Formulas", 2007, 1.1.5), forward fixed:
 * V = D [w F N(w d1) - w K N(w d2)], delta = w D N(w d1), gamma = D phi(d1)/(F sigma sqrt T),
 * vega = D F phi(d1) sqrt T, theta = -dV/dT = r V - D F phi(d1) sigma / (2 sqrt T), rho = -T V,
 * vanna = -D phi(d1) d2 / sigma, volga = vega d1 d2 / sigma. Requires T > 0, sigma > 0, F > 0, K > 0.
 */
export function hpBlack76(
  isCall: boolean,
  forward: number,
  strike: number,
  expiryYears: number,
  vol: number,
  rate = 0,
): HPGreeks {
  const F = exact(forward);
  const K = exact(strike);
  const T = exact(expiryYears);
  const sigma = exact(vol);
  const r = exact(rate);
  const w = isCall ? 1 : -1;
  const D = r.times(T).neg().exp();
  const sqrtT = T.sqrt();
  const sst = sigma.times(sqrtT);
  const d1 = F.div(K).ln().div(sst).plus(sst.div(2));
  const d2 = d1.minus(sst);
  const price = D.times(F.times(hpCdf(d1.times(w))).minus(K.times(hpCdf(d2.times(w))))).times(w);
  const pdf1 = hpPdf(d1);
  const vega = D.times(F).times(pdf1).times(sqrtT);
  const thetaDecay = D.times(F).times(pdf1).times(sigma).div(sqrtT.times(2));
  return {
    price,
    delta: D.times(hpCdf(d1.times(w))).times(w),
    gamma: D.times(pdf1).div(F.times(sst)),
    vega,
    theta: r.times(price).minus(thetaDecay),
    rho: T.neg().times(price),
    vanna: D.times(pdf1).times(d2).div(sigma).neg(),
    volga: vega.times(d1).times(d2).div(sigma),
    thetaScale: r.times(price).abs().plus(thetaDecay),
  };
}

/** |a - b| / |b| as a double (b exact), or |a| when b = 0. */
export function relErr(a: number, b: HPNumber): number {
  if (b.isZero()) return Math.abs(a);
  return exact(a).minus(b).abs().div(b.abs()).toNumber();
}

/** |a - b| as a double. */
export function absErr(a: number, b: HPNumber): number {
  return exact(a).minus(b).abs().toNumber();
}
