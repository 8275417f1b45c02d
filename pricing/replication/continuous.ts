/**
 * The continuous Carr-Madan strip (Carr & Madan 2001, eq. 11; docs/CONVENTIONS.md "Static replication"):
 * `f(S) = f(a) + f'(a)(S - a) + int_0^a f''(K) (K - S)^+ dK + int_a^inf f''(K) (S - K)^+ dK`.
 * The hedge is the negative: long `-f''(K) dK` puts below `a` and calls above, a forward of `-f'(a)` and cash.
 * Its premium is integrated in log-strike with adaptive Gauss-Kronrod; under Black with r = 0 the v2 IL strip
 * costs `V0 (1 - exp(-sigma^2 T / 8))` (docs/CONVENTIONS.md, V4).
 */
import { black76Price } from '../black.js';
import { requirePositive } from '../errors.js';
import { validatePosition } from '../lp/validate.js';
import type { LpPosition } from '../lp/types.js';
import { lpStateUnchecked } from '../lp/state.js';
import { type VolCurve, requireExpiry, requireRate, requireVol } from './inputs.js';
import {
  type ReplicationTarget,
  densitySupport,
  replicationDensity,
  requireTarget,
  targetPayoff,
  targetSlope,
} from './payoff.js';
import { integrate } from './quadrature.js';

export interface ContinuousStripInput {
  position: LpPosition;
  /** Option expiry in years (ACT/365). */
  expiryYears: number;
  /** Flat vol (annualised decimal), or a vol per strike. */
  vol: number | VolCurve;
  /** Continuously compounded discount rate (default 0). */
  rate?: number;
  /** Forward of the option expiry, quote per base (default the position's entry price). */
  forward?: number;
  /** Expansion point `a` of the decomposition (default the forward). */
  expansionPoint?: number;
  /** `il` (default) or `value`. */
  target?: ReplicationTarget;
  /** Only strikes at or above this (default the density's support). */
  strikeLower?: number;
  /** Only strikes at or below this (default the density's support). */
  strikeUpper?: number;
  /** Strikes where the vol curve has kinks, to split the integral at. */
  breakpoints?: readonly number[];
}

export interface ContinuousStripResult {
  target: ReplicationTarget;
  /** Forward used for pricing (quote per base). */
  forwardPrice: number;
  expansionPoint: number;
  /** Hedge cash paid at expiry (quote currency): `-(f(a) + f'(a)(F - a))`. */
  cash: number;
  /** Hedge forward (base units, struck at the forward so it costs nothing): `-f'(a)`. */
  forward: number;
  /** Present value of the puts (quote currency). */
  putPremium: number;
  /** Present value of the calls (quote currency). */
  callPremium: number;
  /** `putPremium + callPremium`. */
  premium: number;
  /** Present value of the whole hedge: `premium + e^{-rT} cash` (the forward costs nothing). */
  hedgeValue: number;
}

/** Log-strike half-width beyond which an OTM option is worth less than N(-40) of the forward: nothing. */
const TRUNCATION_STDEVS = 40;

export function continuousStrip(input: ContinuousStripInput): ContinuousStripResult {
  const position = validatePosition(input.position);
  const expiryYears = requireExpiry('expiryYears', input.expiryYears);
  const rate = requireRate(input.rate ?? 0);
  const forwardPrice = requirePositive('forward', input.forward ?? position.entryPrice);
  const a = requirePositive('expansionPoint', input.expansionPoint ?? forwardPrice);
  const target = requireTarget(input.target ?? 'il');
  const volAt: VolCurve = typeof input.vol === 'function' ? input.vol : constantVol(requireVol('vol', input.vol));
  const support = densitySupport(position);
  const lower = Math.max(
    support.lower,
    input.strikeLower === undefined ? 0 : requirePositive('strikeLower', input.strikeLower),
  );
  const upper = Math.min(
    support.upper,
    input.strikeUpper === undefined ? Infinity : requirePositive('strikeUpper', input.strikeUpper),
  );

  const { puts, calls } = stripPremiums(position, {
    forwardPrice,
    expiryYears,
    rate,
    volAt,
    a,
    lower,
    upper,
    breakpoints: input.breakpoints ?? [],
  });
  const slope = targetSlope(position, target, a);
  const cash = 0 - (targetPayoff(position, target, a) + slope * (forwardPrice - a)); // 0 - x: no -0
  const premium = puts + calls;
  return {
    target,
    forwardPrice,
    expansionPoint: a,
    cash,
    forward: 0 - slope,
    putPremium: puts,
    callPremium: calls,
    premium,
    hedgeValue: premium + Math.exp(-rate * expiryYears) * cash,
  };
}

function constantVol(vol: number): VolCurve {
  return () => vol;
}

interface PremiumInputs {
  forwardPrice: number;
  expiryYears: number;
  rate: number;
  volAt: VolCurve;
  a: number;
  lower: number;
  upper: number;
  breakpoints: readonly number[];
}

/** `int -f''(K) Put(K) dK` over `[lower, a]` and `int -f''(K) Call(K) dK` over `[a, upper]`, in `u = ln K`. */
function stripPremiums(position: LpPosition, p: PremiumInputs): { puts: number; calls: number } {
  const lnA = Math.log(p.a);
  const width = TRUNCATION_STDEVS * p.volAt(p.a) * Math.sqrt(p.expiryYears) + 1;
  const uMin = Math.max(p.lower > 0 ? Math.log(p.lower) : -Infinity, lnA - width, -690);
  const uMax = Math.min(Math.log(p.upper), lnA + width, 690);
  // Tolerance floor: far below a cent on any position (the value scale times 1e-15).
  const absTol = 1e-15 * Math.abs(lpStateUnchecked(position, p.forwardPrice).value);
  const integrand = (type: 'put' | 'call') => (u: number) => {
    const strike = Math.exp(u);
    const density = replicationDensity(position, strike);
    if (density === 0) return 0;
    return density * strike * black76Price(type, p.forwardPrice, strike, p.expiryYears, p.volAt(strike), p.rate);
  };
  const split = p.breakpoints.filter((k) => k > 0).map(Math.log);
  const puts = integrateSplit(integrand('put'), uMin, Math.min(lnA, uMax), split, absTol);
  const calls = integrateSplit(integrand('call'), Math.max(lnA, uMin), uMax, split, absTol);
  return { puts, calls };
}

function integrateSplit(
  f: (u: number) => number,
  from: number,
  to: number,
  split: readonly number[],
  absTol: number,
): number {
  if (!(to > from)) return 0;
  const nodes = [from, ...split.filter((u) => u > from && u < to), to];
  let sum = 0;
  for (let i = 1; i < nodes.length; i++) sum += integrate(f, nodes[i - 1]!, nodes[i]!, { absTol, relTol: 1e-13 }).value;
  return sum;
}
