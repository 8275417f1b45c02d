/**
 * A discrete Carr-Madan strip on listed strikes (docs/CONVENTIONS.md "Static replication" and "domain-notes A.3").
 *
 * The strip replicates the piecewise-linear interpolant `g` of the payoff `f` through the strikes, continued
 * beyond the outer strikes with the true slopes `f'(K_0)` and `f'(K_n)` (a v3 payoff is exactly linear outside
 * its range, so strikes at the range bounds leave no tail). Option weights are the slope changes of `g` at the
 * strikes. If the expansion point is a strike, its kink (which the smooth `f` lacks) is booked as half a put plus
 * half a call there with the mean of the two slopes as the forward; booking it as one option with the true slope
 * would leave an O(h) error instead of O(h^2). The hedge is `-g`: the LP is short the strip, the desk buys it.
 */
import { black76Price } from '../black.js';
import { requirePositive } from '../errors.js';
import { lpStateUnchecked } from '../lp/state.js';
import type { LpPosition } from '../lp/types.js';
import { validatePosition } from '../lp/validate.js';
import { continuousStrip } from './continuous.js';
import { type VolCurve, requireExpiry, requireRate, requireStrikes, volCurveFrom } from './inputs.js';
import { type ReplicationTarget, requireTarget, targetPayoff, targetSlope } from './payoff.js';

export interface StripInput {
  position: LpPosition;
  /** Listed strikes (quote per base), strictly increasing, at least two. */
  strikes: readonly number[];
  /** Option expiry in years (ACT/365). */
  expiryYears: number;
  /** Flat vol (annualised decimal); give this or `vols`. */
  vol?: number;
  /** One vol per strike (annualised decimals), interpolated linearly in strike for the continuous integrals. */
  vols?: readonly number[];
  /** Continuously compounded discount rate (default 0). */
  rate?: number;
  /** Forward of the option expiry, quote per base (default the position's entry price). */
  forward?: number;
  /** Expansion point of the decomposition (default the forward). */
  expansionPoint?: number;
  /** `il` (default): hedge the impermanent loss; `value`: hedge the whole LP value. */
  target?: ReplicationTarget;
  /** The LP's horizon in years, when it differs from the option expiry: reported as the expiry mismatch. */
  horizonYears?: number;
  /** Moves (in standard deviations `vol sqrt(T)` of log price) at which the tails are reported (default 2, 3, 4). */
  tailSigmas?: readonly number[];
}

export interface StripLeg {
  type: 'put' | 'call';
  strike: number;
  /** Base units of the option in the hedge; positive = long. */
  quantity: number;
  /** Vol the leg is priced at (annualised decimal). */
  vol: number;
  /** Black-76 value of one unit (quote currency, discounted). */
  unitPrice: number;
  /** `quantity * unitPrice` (quote currency). */
  premium: number;
}

export interface TailPoint {
  /** Standard deviations of log price from the forward. */
  sigmas: number;
  price: number;
  /** `f(P) + hedge(P)`: what the LP plus the strip is left with (quote currency; negative = shortfall). */
  error: number;
}

export interface StripTail {
  /** The outermost strike on this side. */
  outerStrike: number;
  /** Present value of the continuous hedge beyond the outer strike that the strip does not hold (quote, >= 0). */
  uncoveredValue: number;
  points: TailPoint[];
}

export interface ExpiryMismatch {
  horizonYears: number;
  expiryYears: number;
  /** Value of the continuous hedge to the option expiry (quote currency). */
  continuousValueAtExpiry: number;
  /** Value of the continuous hedge to the LP horizon (quote currency). */
  continuousValueAtHorizon: number;
  /** `atHorizon - atExpiry`: what the horizon's risk costs beyond (or short of) the hedge's expiry. */
  difference: number;
}

export interface StripResult {
  target: ReplicationTarget;
  /** Forward the legs are priced on (quote per base). */
  forwardPrice: number;
  expansionPoint: number;
  expiryYears: number;
  rate: number;
  /** The hedge legs, by strike; legs with zero weight (linear parts of the payoff) are left out. */
  legs: StripLeg[];
  /** Base units of forward in the hedge (struck at `forwardPrice`, so it costs nothing). */
  forward: number;
  /** Cash the hedge pays at expiry (quote currency). */
  cash: number;
  /** Present value of the legs at the given vols (quote currency). */
  premium: number;
  /** Present value of the whole hedge: `premium + e^{-rT} cash`. */
  hedgeValue: number;
  /** Premium of the continuous strip (the limit of infinitely many strikes). */
  continuousPremium: number;
  /** Largest `|f + hedge|` between the outer strikes (quote currency), maximised on each strike interval. */
  maxError: number;
  /** Where `maxError` is reached. */
  maxErrorPrice: number;
  /** `maxError` over the position value at the forward. */
  maxErrorRelative: number;
  tailBelow: StripTail;
  tailAbove: StripTail;
  /** Present when `horizonYears` is given. */
  expiryMismatch: ExpiryMismatch | null;
}

/** Strikes closer than this (relative) to the expansion point count as the expansion strike. */
const SAME_STRIKE = 1e-12;

interface Interpolant {
  strikes: readonly number[];
  values: number[];
  /** slopes[0] = left outer slope, slopes[i] = slope on [K_{i-1}, K_i], slopes[n+1] = right outer slope. */
  slopes: number[];
}

function buildInterpolant(
  f: (p: number) => number,
  df: (p: number) => number,
  strikes: readonly number[],
): Interpolant {
  const n = strikes.length;
  const values = strikes.map(f);
  const slopes = [df(strikes[0]!)];
  for (let i = 1; i < n; i++) slopes.push((values[i]! - values[i - 1]!) / (strikes[i]! - strikes[i - 1]!));
  slopes.push(df(strikes[n - 1]!));
  return { strikes, values, slopes };
}

/**
 * Rounding error of the slope change at strike `i`: the chord slopes divide payoff values (each good to a few
 * ulps of the largest nearby value) by the strike gaps, so the error is about `eps |f| / gap`. `scale` is the
 * position's value at entry: an IL is a difference of two values of that size, so its slopes carry rounding of
 * that size even where the IL itself is tiny (a range whose bound is the entry price to an ulp, found by fast-check).
 */
function slopeChangeNoise(g: Interpolant, i: number, scale: number): number {
  const { strikes, values, slopes } = g;
  const lo = Math.max(0, i - 1);
  const hi = Math.min(strikes.length - 1, i + 1);
  let size = scale;
  for (let j = lo; j <= hi; j++) size = Math.max(size, Math.abs(values[j]!), Math.abs(slopes[j + 1]! * strikes[j]!));
  let gap = Infinity;
  if (i > 0) gap = Math.min(gap, strikes[i]! - strikes[i - 1]!);
  if (i < strikes.length - 1) gap = Math.min(gap, strikes[i + 1]! - strikes[i]!);
  return (128 * Number.EPSILON * size) / gap; // a few dozen ulps per value: IL takes ~10 operations
}

/** `g(S)`: linear between strikes, the true outer slopes beyond. */
function evaluateInterpolant(g: Interpolant, price: number): number {
  const { strikes, values, slopes } = g;
  const n = strikes.length;
  if (price <= strikes[0]!) return values[0]! + slopes[0]! * (price - strikes[0]!);
  if (price >= strikes[n - 1]!) return values[n - 1]! + slopes[n]! * (price - strikes[n - 1]!);
  let i = 1;
  while (strikes[i]! < price) i++;
  return values[i - 1]! + slopes[i]! * (price - strikes[i - 1]!);
}

/** Index of the piece holding `price` in `slopes` numbering (0 = left of K_0, n = right of K_{n-1}). */
function pieceIndex(strikes: readonly number[], price: number): number {
  let i = 0;
  while (i < strikes.length && strikes[i]! < price) i++;
  return i;
}

export function replicationStrip(input: StripInput): StripResult {
  const position = validatePosition(input.position);
  const strikes = requireStrikes(input.strikes);
  const expiryYears = requireExpiry('expiryYears', input.expiryYears);
  const rate = requireRate(input.rate ?? 0);
  const forwardPrice = requirePositive('forward', input.forward ?? position.entryPrice);
  const a = requirePositive('expansionPoint', input.expansionPoint ?? forwardPrice);
  const target = requireTarget(input.target ?? 'il');
  const volAt = volCurveFrom(strikes, input.vol, input.vols);
  const legVol = (i: number): number => (input.vols ? input.vols[i]! : input.vol!);
  const horizonYears = input.horizonYears === undefined ? undefined : requireExpiry('horizonYears', input.horizonYears);
  const tailSigmas = (input.tailSigmas ?? [2, 3, 4]).map((s, i) => requirePositive(`tailSigmas[${i}]`, s));

  const f = (p: number) => targetPayoff(position, target, p);
  const g = buildInterpolant(f, (p) => targetSlope(position, target, p), strikes);
  const n = strikes.length;
  const weights = strikes.map((_, i) => g.slopes[i + 1]! - g.slopes[i]!);
  const entryValue = Math.abs(lpStateUnchecked(position, position.entryPrice).value);
  const noise = strikes.map((_, i) => slopeChangeNoise(g, i, entryValue));

  const expansionIndex = strikes.findIndex((k) => Math.abs(k - a) <= SAME_STRIKE * a);
  const piece = pieceIndex(strikes, a);
  // At an expansion strike the forward is the mean of its two slopes; otherwise the slope of a's piece.
  const slopeAtA =
    expansionIndex >= 0 ? 0.5 * (g.slopes[expansionIndex]! + g.slopes[expansionIndex + 1]!) : g.slopes[piece]!;
  const gAtA = evaluateInterpolant(g, a);

  const legs: StripLeg[] = [];
  const addLeg = (type: 'put' | 'call', i: number, weight: number) => {
    // A slope change within its own rounding error (linear stretches of v3, near-duplicate strikes) is no option.
    if (Math.abs(weight) <= noise[i]!) return;
    const vol = legVol(i);
    const strike = strikes[i]!;
    const unitPrice = black76Price(type, forwardPrice, strike, expiryYears, vol, rate);
    legs.push({ type, strike, quantity: -weight, vol, unitPrice, premium: -weight * unitPrice });
  };
  for (let i = 0; i < n; i++) {
    if (i === expansionIndex) {
      addLeg('put', i, 0.5 * weights[i]!);
      addLeg('call', i, 0.5 * weights[i]!);
    } else {
      addLeg(strikes[i]! < a ? 'put' : 'call', i, weights[i]!);
    }
  }

  const discount = Math.exp(-rate * expiryYears);
  const cash = 0 - (gAtA + slopeAtA * (forwardPrice - a)); // 0 - x: no -0 in the report
  const premium = legs.reduce((s, leg) => s + leg.premium, 0);
  const continuousBase = {
    position,
    expiryYears,
    vol: volAt,
    rate,
    forward: forwardPrice,
    expansionPoint: a,
    target,
    breakpoints: strikes,
  };
  const continuous = continuousStrip(continuousBase);
  const { maxError, maxErrorPrice } = largestInteriorError(f, g);
  const sigma = volAt(forwardPrice) * Math.sqrt(expiryYears);
  const tailPoints = (sign: -1 | 1): TailPoint[] =>
    tailSigmas.map((sigmas) => {
      const price = forwardPrice * Math.exp(sign * sigmas * sigma);
      return { sigmas, price, error: f(price) - evaluateInterpolant(g, price) };
    });

  return {
    target,
    forwardPrice,
    expansionPoint: a,
    expiryYears,
    rate,
    legs,
    forward: 0 - slopeAtA,
    cash,
    premium,
    hedgeValue: premium + discount * cash,
    continuousPremium: continuous.premium,
    maxError,
    maxErrorPrice,
    maxErrorRelative: maxError / Math.abs(lpStateUnchecked(position, forwardPrice).value),
    tailBelow: {
      outerStrike: strikes[0]!,
      uncoveredValue: continuousStrip({ ...continuousBase, strikeUpper: strikes[0]! }).premium,
      points: tailPoints(-1),
    },
    tailAbove: {
      outerStrike: strikes[n - 1]!,
      uncoveredValue: continuousStrip({ ...continuousBase, strikeLower: strikes[n - 1]! }).premium,
      points: tailPoints(1),
    },
    expiryMismatch:
      horizonYears === undefined ? null : expiryMismatch(continuousBase, continuous.hedgeValue, horizonYears),
  };
}

function expiryMismatch(
  base: Parameters<typeof continuousStrip>[0],
  valueAtExpiry: number,
  horizonYears: number,
): ExpiryMismatch {
  const atHorizon = continuousStrip({ ...base, expiryYears: horizonYears }).hedgeValue;
  return {
    horizonYears,
    expiryYears: base.expiryYears,
    continuousValueAtExpiry: valueAtExpiry,
    continuousValueAtHorizon: atHorizon,
    difference: atHorizon - valueAtExpiry,
  };
}

/**
 * `max |f - g|` between the outer strikes. `f` is concave (LP payoffs have gamma <= 0) and `g` is its chord on
 * each strike interval, so `f - g` is concave there and golden-section search finds each interval's maximum.
 */
function largestInteriorError(f: (p: number) => number, g: Interpolant): { maxError: number; maxErrorPrice: number } {
  let maxError = 0;
  let maxErrorPrice = g.strikes[0]!;
  for (let i = 1; i < g.strikes.length; i++) {
    const lo = g.strikes[i - 1]!;
    const hi = g.strikes[i]!;
    const chord = (p: number) => g.values[i - 1]! + g.slopes[i]! * (p - lo);
    const gap = (p: number) => f(p) - chord(p);
    const { x, value } = goldenMax(gap, lo, hi);
    if (Math.abs(value) > maxError) {
      maxError = Math.abs(value);
      maxErrorPrice = x;
    }
  }
  return { maxError, maxErrorPrice };
}

const INV_PHI = (Math.sqrt(5) - 1) / 2;

function goldenMax(h: (x: number) => number, lo: number, hi: number): { x: number; value: number } {
  let a = lo;
  let b = hi;
  let c = b - INV_PHI * (b - a);
  let d = a + INV_PHI * (b - a);
  let hc = h(c);
  let hd = h(d);
  for (let iter = 0; iter < 80 && b - a > 1e-13 * (Math.abs(a) + Math.abs(b)); iter++) {
    if (hc > hd) {
      b = d;
      d = c;
      hd = hc;
      c = b - INV_PHI * (b - a);
      hc = h(c);
    } else {
      a = c;
      c = d;
      hc = hd;
      d = a + INV_PHI * (b - a);
      hd = h(d);
    }
  }
  return hc > hd ? { x: c, value: hc } : { x: d, value: hd };
}

/** The hedge's payoff at expiry for a pool price: `cash + forward (S - F) + sum of legs` (quote currency). */
export function stripHedgePayoff(
  strip: Pick<StripResult, 'cash' | 'forward' | 'forwardPrice' | 'legs'>,
  price: number,
): number {
  requirePositive('price', price);
  let payoff = strip.cash + strip.forward * (price - strip.forwardPrice);
  for (const leg of strip.legs) {
    const intrinsic = leg.type === 'call' ? price - leg.strike : leg.strike - price;
    if (intrinsic > 0) payoff += leg.quantity * intrinsic;
  }
  return payoff;
}

export type { VolCurve };
