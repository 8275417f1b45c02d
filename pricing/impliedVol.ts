/**
 * Black-76 implied volatility at the accuracy of Jäckel's "Let's Be Rational" (2015): the price is mapped to the
 * normalised out-of-the-money call value beta = (p/D - intrinsic)/sqrt(F K) (reciprocal-strike call-put symmetry,
 * paper section 2) and inverted by lbr/impliedNormalisedVol.ts in two Householder(3) steps from a rational guess.
 *
 * No-arbitrage bounds (undiscounted p = price e^{rT}): max(w(F - K), 0) <= p < F (call) or K (put). A price at the
 * intrinsic value has implied vol 0; a price at or above the upper bound has none.
 */
import { defineError, INVALID_INPUT, NOT_REPRESENTABLE, PricingError, type ErrorDefinition } from './errors.js';
import { logMoneyness, type OptionType } from './black.js';
import { impliedNormalisedVolOtmCall } from './lbr/impliedNormalisedVol.js';

/**
 * `below-intrinsic`: price < e^{-rT} max(w(F - K), 0); `above-maximum`: price >= e^{-rT} F (call) or e^{-rT} K (put),
 * or above the intrinsic value with no time left; `invalid-input`: a non-finite or out-of-domain input (see `field`);
 * `not-representable`: a vol exists but overflows double precision (e.g. expiryYears ~ 1e-300).
 */
export type ImpliedVolFailure = 'below-intrinsic' | 'above-maximum' | 'invalid-input' | 'not-representable';

/** The registry definition of each failure: the failure is the error's code. */
const FAILURES: Readonly<Record<ImpliedVolFailure, ErrorDefinition>> = {
  'below-intrinsic': defineError(
    'below-intrinsic',
    422,
    'an option price below its discounted intrinsic value: no implied vol exists (the message gives the bound)',
  ),
  'above-maximum': defineError(
    'above-maximum',
    422,
    'an option price at or above its no-arbitrage maximum (discounted forward for a call, strike for a put): no implied vol exists',
  ),
  'invalid-input': INVALID_INPUT,
  'not-representable': NOT_REPRESENTABLE,
};

/**
 * Why no implied volatility exists for the inputs; `field` names the offending input for `invalid-input`. The
 * error's `code` is its `reason`.
 */
export class ImpliedVolError extends PricingError {
  constructor(
    readonly reason: ImpliedVolFailure,
    message: string,
    readonly field?: string,
    readonly value?: unknown,
  ) {
    super(message, { definition: FAILURES[reason] });
  }
}

export type ImpliedVolResult = { ok: true; vol: number } | { ok: false; error: ImpliedVolError };

/**
 * Relative slack below the intrinsic value accepted as "at intrinsic" (vol 0): dividing by the discount factor and
 * the subtraction F - K each round by up to half an ulp, so a price computed as exactly D * intrinsic can land a few
 * ulps below it. Anything further below is an arbitrage and throws.
 */
const INTRINSIC_SLACK = 8 * 2.220446049250313e-16;

function fail(reason: ImpliedVolFailure, message: string, field?: string, value?: unknown): ImpliedVolError {
  return new ImpliedVolError(reason, message, field, value);
}

/**
 * Core solver; returns the vol, or an error object (not thrown, so the batch and non-throwing forms allocate
 * nothing on success). `sign` +1 call, -1 put.
 */
function solve(
  sign: number,
  forward: number,
  strike: number,
  expiryYears: number,
  price: number,
  rate: number,
): number | ImpliedVolError {
  if (!(forward > 0 && forward < Infinity))
    return fail(
      'invalid-input',
      `forward: must be a finite number greater than 0 (got ${forward})`,
      'forward',
      forward,
    );
  if (!(strike > 0 && strike < Infinity))
    return fail('invalid-input', `strike: must be a finite number greater than 0 (got ${strike})`, 'strike', strike);
  if (!(expiryYears >= 0 && expiryYears < Infinity))
    return fail(
      'invalid-input',
      `expiryYears: must be a finite number of years at least 0 (got ${expiryYears})`,
      'expiryYears',
      expiryYears,
    );
  if (!(price >= 0 && price < Infinity))
    return fail('invalid-input', `price: must be a finite number at least 0 (got ${price})`, 'price', price);
  if (!(rate > -Infinity && rate < Infinity))
    return fail('invalid-input', `rate: must be a finite number (got ${rate})`, 'rate', rate);
  const df = rate === 0 ? 1 : Math.exp(-rate * expiryYears);
  const p = price / df;
  const intrinsic = sign * (forward - strike);
  const iv = intrinsic > 0 ? intrinsic : 0;
  const upper = sign > 0 ? forward : strike;
  const kind = sign > 0 ? 'call' : 'put';
  if (p < iv) {
    if (p >= iv * (1 - INTRINSIC_SLACK)) return 0;
    return fail(
      'below-intrinsic',
      `price ${price} is below the discounted intrinsic value ${df * iv} of the ${kind} ` +
        `(no-arbitrage lower bound e^{-rT} max(${sign > 0 ? 'F - K' : 'K - F'}, 0) with F = ${forward}, K = ${strike})`,
    );
  }
  if (p >= upper) {
    return fail(
      'above-maximum',
      `price ${price} is at or above the ${kind}'s no-arbitrage upper bound e^{-rT} ${sign > 0 ? 'F' : 'K'} = ${df * upper} ` +
        '(reached only at infinite volatility)',
    );
  }
  const timeValue = p - iv;
  if (timeValue <= 0) return 0;
  if (expiryYears === 0) {
    return fail(
      'above-maximum',
      `price ${price} exceeds the intrinsic value ${df * iv}, but with expiryYears = 0 no volatility adds time value`,
    );
  }
  const x = logMoneyness(forward, strike);
  const beta = timeValue / (Math.sqrt(forward) * Math.sqrt(strike));
  // The out-of-the-money option is a call on -|x| by reciprocal-strike symmetry; beta < e^{-|x|/2} follows from
  // p < upper, but rounding in beta can touch it: then the vol is beyond double precision.
  const xOtm = x > 0 ? -x : x;
  if (beta >= Math.exp(0.5 * xOtm)) {
    return fail(
      'above-maximum',
      `price ${price} is within rounding of the ${kind}'s upper bound e^{-rT} ${sign > 0 ? 'F' : 'K'} = ${df * upper}: ` +
        'the implied volatility is not representable',
    );
  }
  const vol = impliedNormalisedVolOtmCall(beta, xOtm) / Math.sqrt(expiryYears);
  if (vol >= 0 && vol < Infinity) return vol;
  return fail(
    'not-representable',
    `the implied volatility of price ${price} over expiryYears = ${expiryYears} is beyond double precision (${vol})`,
  );
}

function signOf(type: OptionType): number | ImpliedVolError {
  if (type === 'call') return 1;
  if (type === 'put') return -1;
  return fail('invalid-input', `type: must be 'call' or 'put' (got ${JSON.stringify(type)})`, 'type', type);
}

/** `solve` for an option type: the vol, or the error (the throwing and the non-throwing forms share it). */
function solveTyped(
  type: OptionType,
  forward: number,
  strike: number,
  expiryYears: number,
  price: number,
  rate: number,
): number | ImpliedVolError {
  const sign = signOf(type);
  return typeof sign === 'number' ? solve(sign, forward, strike, expiryYears, price, rate) : sign;
}

/**
 * Black-76 implied volatility (decimal, per sqrt(year)) of an option whose discounted price in the quote currency
 * is `price`. Throws `ImpliedVolError` (reason `below-intrinsic`, `above-maximum` or `invalid-input`) when none
 * exists; never returns NaN. A price at the intrinsic value gives 0.
 */
export function impliedVolBlack76(
  type: OptionType,
  forward: number,
  strike: number,
  expiryYears: number,
  price: number,
  rate = 0,
): number {
  const r = solveTyped(type, forward, strike, expiryYears, price, rate);
  if (typeof r !== 'number') throw r;
  return r;
}

/** As `impliedVolBlack76`, but returns `{ ok: false, error }` instead of throwing. */
export function tryImpliedVolBlack76(
  type: OptionType,
  forward: number,
  strike: number,
  expiryYears: number,
  price: number,
  rate = 0,
): ImpliedVolResult {
  const r = solveTyped(type, forward, strike, expiryYears, price, rate);
  return typeof r === 'number' ? { ok: true, vol: r } : { ok: false, error: r };
}

/** Status codes of `impliedVolBlack76Batch`. */
export const IV_STATUS = { ok: 0, belowIntrinsic: 1, aboveMaximum: 2, invalidInput: 3, notRepresentable: 4 } as const;

const STATUS_OF: Record<ImpliedVolFailure, number> = {
  'below-intrinsic': IV_STATUS.belowIntrinsic,
  'above-maximum': IV_STATUS.aboveMaximum,
  'invalid-input': IV_STATUS.invalidInput,
  'not-representable': IV_STATUS.notRepresentable,
};

export interface ImpliedVolBatchInput {
  /** 1 for a call, 0 for a put. */
  isCall: Uint8Array;
  forward: Float64Array;
  strike: Float64Array;
  expiryYears: Float64Array;
  /** Discounted prices in the quote currency. */
  price: Float64Array;
  /** One rate per option, or one for all (default 0). */
  rate?: Float64Array | number;
}

export interface ImpliedVolBatchOutput {
  vol: Float64Array;
  /** IV_STATUS code per option; `vol[i]` is NaN exactly where `status[i] !== 0`. */
  status: Uint8Array;
}

/**
 * Implied vols of a whole chain over typed arrays. Does not throw for options without an implied vol: it flags them
 * in `out.status` (see IV_STATUS) and returns how many failed. `count` defaults to `input.forward.length`.
 */
export function impliedVolBlack76Batch(
  input: ImpliedVolBatchInput,
  out: ImpliedVolBatchOutput,
  count?: number,
): number {
  const { isCall, forward, strike, expiryYears, price } = input;
  const n = count ?? forward.length;
  const rateIn = input.rate ?? 0;
  const rateArr = typeof rateIn === 'number' ? null : rateIn;
  const rateConst = typeof rateIn === 'number' ? rateIn : 0;
  const lengths: [string, number][] = [
    ['isCall', isCall.length],
    ['strike', strike.length],
    ['expiryYears', expiryYears.length],
    ['price', price.length],
    ['out.vol', out.vol.length],
    ['out.status', out.status.length],
  ];
  if (rateArr) lengths.push(['rate', rateArr.length]);
  for (const [name, len] of lengths) {
    if (len < n)
      throw fail('invalid-input', `${name}: must hold at least count = ${n} entries (has ${len})`, name, len);
  }
  let failures = 0;
  const { vol, status } = out;
  for (let i = 0; i < n; i++) {
    const c = isCall[i]!;
    const r =
      c > 1
        ? fail('invalid-input', `isCall[${i}]: must be 1 or 0 (got ${c})`, `isCall[${i}]`, c)
        : solve(
            c === 1 ? 1 : -1,
            forward[i]!,
            strike[i]!,
            expiryYears[i]!,
            price[i]!,
            rateArr ? rateArr[i]! : rateConst,
          );
    if (typeof r === 'number') {
      vol[i] = r;
      status[i] = 0;
    } else {
      vol[i] = NaN;
      status[i] = STATUS_OF[r.reason];
      failures++;
    }
  }
  return failures;
}
