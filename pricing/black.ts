/**
 * Black-76 on the forward (with discounting) and generalised Black-Scholes-Merton (spot, rate, carry): prices and
 * Greeks for calls and puts, in the units of docs/CONVENTIONS.md ("Options"). Values are in the quote currency; Greeks are plain
 * partial derivatives of that value:
 *   delta = dV/dF (Black-76) or dV/dS (BSM); gamma the second derivative; vega = dV/dsigma with sigma a decimal;
 *   theta = dV/dt per year of calendar time (Black-76: forward held fixed, so theta = -dV/dT; BSM: spot held fixed);
 *   rho = dV/dr with every other argument fixed (Black-76: -T V); vanna = d2V/dF dsigma (BSM: d2V/dS dsigma);
 *   volga = d2V/dsigma2.
 *
 * The price keeps full relative precision far out of the money: it is the intrinsic value plus
 * D sqrt(F K) b(-|x|, s) with Jäckel's normalised Black function b (see lbr/normalisedBlack.ts), instead of
 * F N(d1) - K N(d2), whose two terms cancel to ~1e-9 relative accuracy in the wings.
 *
 * Degenerate inputs: expiryYears = 0, vol = 0 (or sigma sqrt(T) underflowing to 0), strike = 0 or forward = 0 give
 * the discounted intrinsic value with delta D times a step (1 in the money, 0 out of it, 1/2 exactly at the strike,
 * the limit of N(d1)), gamma = vega = vanna = volga = 0, theta = r V and rho = -T V. At F = K exactly the true
 * limits of gamma and theta are singular; we return the values that hold everywhere else.
 */
import { InvalidInputError } from './errors.js';
import { NB_IN, NB_OUT, normalisedBlackOtmCore, normalisedBlackOtmInto } from './lbr/normalisedBlack.js';
import { CODY_THRESHOLD, erfcxPositive, erfSmall, ONE_OVER_SQRT_TWO, ONE_OVER_SQRT_TWO_PI } from './normal.js';

export type OptionType = 'call' | 'put';

export interface OptionGreeks {
  /** Discounted value in the quote currency. */
  price: number;
  /** dV/dF (Black-76) or dV/dS (BSM). */
  delta: number;
  /** d2V/dF2 (Black-76) or d2V/dS2 (BSM). */
  gamma: number;
  /** dV/dsigma, sigma as a decimal (divide by 100 for "per vol point"). */
  vega: number;
  /** dV/dt per year of calendar time (divide by DAYS_PER_YEAR = 365, time.ts, for "per day"). */
  theta: number;
  /** dV/dr, r continuously compounded, per unit of rate (divide by 100 for "per percentage point"). */
  rho: number;
  /** d2V/dF dsigma (Black-76) or d2V/dS dsigma (BSM). */
  vanna: number;
  /** d2V/dsigma2. */
  volga: number;
}

/** BSM Greeks add the sensitivity to the carry rate b (dV/db with r fixed). */
export interface BsmGreeks extends OptionGreeks {
  /**
   * dV/db with r, S fixed. Haug's stock-option rho (carry b = r - q moving with r) is `rho + carryRho`.
   */
  carryRho: number;
}

function invalid(field: string, value: unknown, reason: string): never {
  throw new InvalidInputError(field, value, reason);
}

/** +1 for a call, -1 for a put; throws on anything else. */
export function optionSign(type: OptionType): 1 | -1 {
  if (type === 'call') return 1;
  if (type === 'put') return -1;
  return invalid('type', type, "must be 'call' or 'put'");
}

/** Cheap validation: one comparison pair per input (NaN fails every comparison). */
function checkInputs(
  forward: number,
  strike: number,
  expiryYears: number,
  vol: number,
  rate: number,
  fwdName: string,
  suffix = '',
) {
  if (!(forward >= 0 && forward < Infinity)) invalid(fwdName + suffix, forward, 'must be a finite number at least 0');
  if (!(strike >= 0 && strike < Infinity)) invalid('strike' + suffix, strike, 'must be a finite number at least 0');
  if (!(expiryYears >= 0 && expiryYears < Infinity))
    invalid('expiryYears' + suffix, expiryYears, 'must be a finite number of years at least 0');
  if (!(vol >= 0 && vol < Infinity)) invalid('vol' + suffix, vol, 'must be a finite decimal volatility at least 0');
  if (!(rate > -Infinity && rate < Infinity)) invalid('rate' + suffix, rate, 'must be a finite number');
}

/**
 * ln(F/K) with the rounding of F/K kept out when F is near K: F - K is exact there (Sterbenz) and log1p keeps its
 * relative precision, which matters because the out-of-the-money price is very sensitive to x when s is small.
 */
export function logMoneyness(forward: number, strike: number): number {
  const diff = forward - strike;
  return diff < 0.5 * strike && diff > -0.5 * strike ? Math.log1p(diff / strike) : Math.log(forward / strike);
}

/** Undiscounted Black-76 value for the option sign `sign` (+1 call, -1 put); inputs already validated. */
function undiscountedBlack(sign: number, forward: number, strike: number, s: number): number {
  const intrinsic = sign * (forward - strike);
  const iv = intrinsic > 0 ? intrinsic : 0;
  if (s === 0 || forward === 0 || strike === 0) return iv;
  const x = logMoneyness(forward, strike);
  const sqrtF = Math.sqrt(forward);
  const sqrtK = Math.sqrt(strike);
  const h = x / s;
  const t = 0.5 * s;
  const E = Math.exp(-0.5 * (h * h + t * t));
  // The out-of-the-money option is a call on -|x|; bMax = exp(-|x|/2) = sqrt of the smaller over the larger.
  return x > 0
    ? iv + sqrtF * sqrtK * normalisedBlackOtmCore(-x, s, E, sqrtK / sqrtF)
    : iv + sqrtF * sqrtK * normalisedBlackOtmCore(x, s, E, sqrtF / sqrtK);
}

/**
 * Black-76 value of a European option on the forward `forward`, discounted at the continuously compounded
 * `rate` over `expiryYears`: e^{-rT} [w F N(w d1) - w K N(w d2)], with the option sign w = +1 call, -1 put
 * (Jäckel's theta; called `sign` here so that it cannot be read as the Greek).
 */
export function black76Price(
  type: OptionType,
  forward: number,
  strike: number,
  expiryYears: number,
  vol: number,
  rate = 0,
): number {
  const sign = optionSign(type);
  checkInputs(forward, strike, expiryYears, vol, rate, 'forward');
  const df = rate === 0 ? 1 : Math.exp(-rate * expiryYears);
  return df * undiscountedBlack(sign, forward, strike, vol * Math.sqrt(expiryYears));
}

/**
 * Scratch result of `greeksCore` (price, delta, gamma, vega, theta, rho, vanna, volga): a typed array, so that the
 * hot paths allocate nothing (stores of doubles into object fields or returns from non-inlined calls can box).
 */
const CORE = new Float64Array(8);
const PRICE = 0;
const DELTA = 1;
const GAMMA = 2;
const VEGA = 3;
const THETA = 4;
const RHO = 5;
const VANNA = 6;
const VOLGA = 7;

/** Argument slots of `greeksCore`: (forward, strike, expiryYears, vol, rate), for the reason given at CORE. */
const IN = new Float64Array(5);

/** Loads the inputs of `greeksCore` (see CORE for why not arguments). */
function greeksCoreFor(sign: number, forward: number, strike: number, expiryYears: number, vol: number, rate: number) {
  IN[0] = forward;
  IN[1] = strike;
  IN[2] = expiryYears;
  IN[3] = vol;
  IN[4] = rate;
  greeksCore(sign);
}

/**
 * All Greeks of one option into CORE, from IN = (forward, strike, expiryYears, vol, rate), already validated;
 * `sign` = +1 call, -1 put. One exponential E = exp(-(h^2+t^2)/2) serves the price (normalised Black), the
 * density phi(d1) = E e^{-x/2}/sqrt(2 pi) and the tail of N(d1) (Cody's erfcx times E e^{-x/2}), with
 * e^{-x/2} = sqrt(K/F) from square roots we need anyway. `secondOrder` false skips vanna and volga (left as they
 * were), which the chain batch does not need unless asked.
 */
function greeksCore(sign: number, secondOrder = true) {
  const forward = IN[0]!;
  const strike = IN[1]!;
  const expiryYears = IN[2]!;
  const vol = IN[3]!;
  const rate = IN[4]!;
  const df = rate === 0 ? 1 : Math.exp(-rate * expiryYears);
  const sqrtT = Math.sqrt(expiryYears);
  const s = vol * sqrtT;
  const intrinsic = sign * (forward - strike);
  const iv = intrinsic > 0 ? intrinsic : 0;
  if (s === 0 || forward === 0 || strike === 0) {
    const price = df * iv;
    CORE[PRICE] = price;
    CORE[DELTA] = sign * df * (intrinsic > 0 ? 1 : intrinsic < 0 ? 0 : 0.5);
    CORE[GAMMA] = 0;
    CORE[VEGA] = 0;
    CORE[THETA] = rate * price;
    CORE[RHO] = -expiryYears * price;
    CORE[VANNA] = 0;
    CORE[VOLGA] = 0;
    return;
  }
  // logMoneyness, inlined by hand (hot path).
  const diff = forward - strike;
  const x = diff < 0.5 * strike && diff > -0.5 * strike ? Math.log1p(diff / strike) : Math.log(forward / strike);
  const sqrtF = Math.sqrt(forward);
  const sqrtK = Math.sqrt(strike);
  const sqrtFK = sqrtF * sqrtK;
  const h = x / s;
  const t = 0.5 * s;
  const E = Math.exp(-0.5 * (h * h + t * t));
  NB_IN[0] = x > 0 ? -x : x;
  NB_IN[1] = s;
  NB_IN[2] = E;
  NB_IN[3] = x > 0 ? sqrtK / sqrtF : sqrtF / sqrtK;
  normalisedBlackOtmInto();
  const price = df * (iv + sqrtFK * NB_OUT[0]!);
  const d1 = h + t;
  const d2 = h - t;
  // Where the normalised Black already evaluated N(d1), N(d2) of the out-of-the-money call b(-|x|, s) (region III),
  // reuse them. For x <= 0 that option's d1 is ours: N(sign d1) is N(d1) (call) or 1 - N(d1) (put). For x > 0 its
  // d2 is -d1 of ours: N(sign d1) is 1 - N(d2) (call) or N(d2) (put). The out-of-the-money delta keeps its full
  // relative precision; the in-the-money one (at least 1/2) is a subtraction from 1.
  let n: number;
  if (NB_OUT[1]! >= 0) {
    const otm = x <= 0 ? NB_OUT[1]! : NB_OUT[2]!;
    n = x <= 0 === (sign === 1) ? otm : 1 - otm;
  } else {
    // N(sign d1) with exp(-d1^2/2) = E sqrt(K/F): erf inside Cody's first interval, erfcx in the tails.
    const y = sign * d1 * ONE_OVER_SQRT_TWO;
    const expD1 = (E * sqrtK) / sqrtF;
    n =
      y < -CODY_THRESHOLD
        ? 0.5 * expD1 * erfcxPositive(-y)
        : y <= CODY_THRESHOLD
          ? 0.5 + 0.5 * erfSmall(y)
          : 1 - 0.5 * expD1 * erfcxPositive(y);
  }
  CORE[PRICE] = price;
  CORE[DELTA] = sign * df * n;
  CORE[RHO] = -expiryYears * price;
  // D F phi(d1) = D K phi(d2) = D sqrt(FK) E / sqrt(2 pi).
  const dfPhiSqrtFK = df * sqrtFK * ONE_OVER_SQRT_TWO_PI * E;
  if (dfPhiSqrtFK === 0) {
    // phi(d1) underflowed (|d1| > ~38): phi d^k underflows with it, and d may be infinite (x/s overflow).
    CORE[GAMMA] = 0;
    CORE[VEGA] = 0;
    CORE[THETA] = rate * price;
    CORE[VANNA] = 0;
    CORE[VOLGA] = 0;
    return;
  }
  const vega = dfPhiSqrtFK * sqrtT;
  // Sequential divisions: an underflowing denominator gives Infinity, never 0/0.
  CORE[GAMMA] = dfPhiSqrtFK / forward / forward / s;
  CORE[VEGA] = vega;
  CORE[THETA] = rate * price - (dfPhiSqrtFK * vol) / (2 * sqrtT);
  if (!secondOrder) return;
  CORE[VANNA] = (-dfPhiSqrtFK * d2) / forward / vol;
  CORE[VOLGA] = (vega * d1 * d2) / vol;
}

function copyCore(): OptionGreeks {
  return {
    price: CORE[PRICE]!,
    delta: CORE[DELTA]!,
    gamma: CORE[GAMMA]!,
    vega: CORE[VEGA]!,
    theta: CORE[THETA]!,
    rho: CORE[RHO]!,
    vanna: CORE[VANNA]!,
    volga: CORE[VOLGA]!,
  };
}

/** Black-76 value and all Greeks (see the module comment for units and the degenerate cases). */
export function black76Greeks(
  type: OptionType,
  forward: number,
  strike: number,
  expiryYears: number,
  vol: number,
  rate = 0,
): OptionGreeks {
  const sign = optionSign(type);
  checkInputs(forward, strike, expiryYears, vol, rate, 'forward');
  greeksCoreFor(sign, forward, strike, expiryYears, vol, rate);
  return copyCore();
}

/** Validates the BSM inputs and returns the forward S e^{bT} (throws when it overflows). */
function bsmForward(spot: number, strike: number, expiryYears: number, vol: number, rate: number, carry: number) {
  checkInputs(spot, strike, expiryYears, vol, rate, 'spot');
  if (!(carry > -Infinity && carry < Infinity)) invalid('carry', carry, 'must be a finite number');
  const forward = spot * Math.exp(carry * expiryYears);
  if (!(forward < Infinity)) invalid('carry', carry, 'makes the forward S e^{bT} overflow');
  return forward;
}

/**
 * Generalised Black-Scholes-Merton value: spot S, continuously compounded rate r and carry b, so the forward is
 * S e^{bT} (b = r for a non-dividend stock, r - q with a dividend yield q, 0 for a future, r - r_f for FX).
 */
export function bsmPrice(
  type: OptionType,
  spot: number,
  strike: number,
  expiryYears: number,
  vol: number,
  rate: number,
  carry: number,
): number {
  const sign = optionSign(type);
  const forward = bsmForward(spot, strike, expiryYears, vol, rate, carry);
  const df = rate === 0 ? 1 : Math.exp(-rate * expiryYears);
  return df * undiscountedBlack(sign, forward, strike, vol * Math.sqrt(expiryYears));
}

/**
 * Generalised BSM value and Greeks with respect to the spot. theta = dV/dt with S, r, b fixed (the forward rolls
 * down: theta_BSM = theta_76 - b F dV/dF); rho = dV/dr with b fixed (-T V); carryRho = dV/db = T F dV/dF.
 */
export function bsmGreeks(
  type: OptionType,
  spot: number,
  strike: number,
  expiryYears: number,
  vol: number,
  rate: number,
  carry: number,
): BsmGreeks {
  const sign = optionSign(type);
  const forward = bsmForward(spot, strike, expiryYears, vol, rate, carry);
  const growth = Math.exp(carry * expiryYears);
  greeksCoreFor(sign, forward, strike, expiryYears, vol, rate);
  const g = copyCore();
  const deltaF = g.delta;
  return {
    price: g.price,
    delta: deltaF * growth,
    gamma: g.gamma * growth * growth,
    vega: g.vega,
    theta: g.theta - carry * forward * deltaF,
    rho: g.rho,
    vanna: g.vanna * growth,
    volga: g.volga,
    carryRho: expiryYears * forward * deltaF,
  };
}

/** Inputs of `black76GreeksBatch`: one entry per option, `isCall[i]` 1 for a call and 0 for a put. */
export interface Black76BatchInput {
  isCall: Uint8Array;
  forward: Float64Array;
  strike: Float64Array;
  expiryYears: Float64Array;
  vol: Float64Array;
  /** One rate per option, or one for all (default 0). */
  rate?: Float64Array | number;
}

/** Outputs of `black76GreeksBatch`; the optional arrays are filled only when given. */
export interface Black76BatchOutput {
  price: Float64Array;
  delta: Float64Array;
  gamma: Float64Array;
  vega: Float64Array;
  theta: Float64Array;
  rho?: Float64Array;
  vanna?: Float64Array;
  volga?: Float64Array;
}

/**
 * Black-76 prices and Greeks for a whole chain over typed arrays, without allocation: entry i of every output
 * array receives the value of option i, in the same units as `black76Greeks`. `count` defaults to
 * `input.forward.length`; every array must hold at least `count` entries. Invalid entries throw
 * `InvalidInputError` naming the field and index (e.g. `vol[17]`); outputs before it are already written.
 */
export function black76GreeksBatch(input: Black76BatchInput, out: Black76BatchOutput, count?: number): void {
  const { isCall, forward, strike, expiryYears, vol } = input;
  const n = count ?? forward.length;
  const rateIn = input.rate ?? 0;
  const rateArr = typeof rateIn === 'number' ? null : rateIn;
  const rateConst = typeof rateIn === 'number' ? rateIn : 0;
  if (!(n >= 0 && Number.isInteger(n))) invalid('count', n, 'must be a non-negative integer');
  const arrays: [string, ArrayLike<number>][] = [
    ['isCall', isCall],
    ['forward', forward],
    ['strike', strike],
    ['expiryYears', expiryYears],
    ['vol', vol],
    ['out.price', out.price],
    ['out.delta', out.delta],
    ['out.gamma', out.gamma],
    ['out.vega', out.vega],
    ['out.theta', out.theta],
  ];
  if (rateArr) arrays.push(['rate', rateArr]);
  if (out.rho) arrays.push(['out.rho', out.rho]);
  if (out.vanna) arrays.push(['out.vanna', out.vanna]);
  if (out.volga) arrays.push(['out.volga', out.volga]);
  for (const [name, arr] of arrays) {
    if (arr.length < n) invalid(name, arr.length, `must hold at least count = ${n} entries`);
  }
  if (!rateArr && !(rateConst > -Infinity && rateConst < Infinity)) invalid('rate', rateConst, 'must be finite');
  const { price, delta, gamma, vega, theta } = out;
  const rhoOut = out.rho ?? null;
  const vannaOut = out.vanna ?? null;
  const volgaOut = out.volga ?? null;
  const secondOrder = vannaOut !== null || volgaOut !== null;
  for (let i = 0; i < n; i++) {
    const F = forward[i]!;
    const K = strike[i]!;
    const T = expiryYears[i]!;
    const sigma = vol[i]!;
    const r = rateArr ? rateArr[i]! : rateConst;
    if (!(
      F >= 0 &&
      F < Infinity &&
      K >= 0 &&
      K < Infinity &&
      T >= 0 &&
      T < Infinity &&
      sigma >= 0 &&
      sigma < Infinity
    )) {
      checkInputs(F, K, T, sigma, r, 'forward', `[${i}]`);
    }
    if (rateArr && !(r > -Infinity && r < Infinity)) invalid(`rate[${i}]`, r, 'must be a finite number');
    const c = isCall[i]!;
    if (c > 1) invalid(`isCall[${i}]`, c, 'must be 1 (call) or 0 (put)');
    IN[0] = F;
    IN[1] = K;
    IN[2] = T;
    IN[3] = sigma;
    IN[4] = r;
    greeksCore(c === 1 ? 1 : -1, secondOrder);
    price[i] = CORE[PRICE]!;
    delta[i] = CORE[DELTA]!;
    gamma[i] = CORE[GAMMA]!;
    vega[i] = CORE[VEGA]!;
    theta[i] = CORE[THETA]!;
    if (rhoOut) rhoOut[i] = CORE[RHO]!;
    if (vannaOut) vannaOut[i] = CORE[VANNA]!;
    if (volgaOut) volgaOut[i] = CORE[VOLGA]!;
  }
}
