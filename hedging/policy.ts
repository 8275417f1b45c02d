/**
 * Rebalancing policy: when the book's delta has drifted far enough to trade, and when to look again.
 *
 * A fixed small threshold makes a short-gamma book trade back and forth on noise (Dual-Finance/risk-manager#32:
 * "ping-pong" hedges; the proposal there is a band that grows with gamma). Three bands are offered:
 * - `absolute`: a fixed half-width in base units;
 * - `gamma`: half-width k |Gamma| S sigma sqrt(dt): the delta the book is expected to drift by, one standard
 *   deviation of the price over the review interval dt, times k (k = 1.5 by default);
 * - `whalley-wilmott`: the asymptotically optimal no-trade band under proportional costs, half-width
 *   (3/2 e^{-rT} lambda S Gamma^2 / riskAversion)^{1/3} (Whalley & Wilmott 1997, "An asymptotic analysis of an
 *   optimal hedging model for option pricing with transaction costs", Math. Finance 7(3), eq. 3.11 with r = 0),
 *   lambda the proportional cost of a perp trade (half-spread plus fee as a fraction of price).
 * Every band is floored at `minBase` (at least one perp lot, so a trade inside the band could not even be placed).
 * Inside the band the decision is an explicit "no action", with the numbers.
 */
import { MS_PER_YEAR, hoursToMs } from '../pricing/index.js';
import { InvalidHedgeInputError } from './errors.js';
import type { HedgePolicy } from './policySchema.js';

export type DeltaBand =
  | { kind: 'absolute'; halfWidthBase: number }
  | { kind: 'gamma'; k: number; reviewIntervalMs: number }
  | { kind: 'whalley-wilmott'; riskAversion: number; costFraction: number };

export interface BandInputs {
  /** The book's gamma (base units per quote unit). */
  gamma: number;
  /** Current price, quote per base. */
  price: number;
  /** Volatility used for the drift, decimal per sqrt(year). */
  vol: number;
  /** Floor for the half-width (base units): at least one lot of the delta hedge. */
  minBase?: number;
}

export interface BandResult {
  kind: DeltaBand['kind'];
  /** Half-width of the no-trade band around the delta target, base units. */
  halfWidthBase: number;
  /** The formula with its numbers, for the ticket. */
  explanation: string;
}

/** Half-width of the no-trade band for the book's current gamma and the market's vol. */
export function deltaBandHalfWidth(band: DeltaBand, inputs: BandInputs): BandResult {
  const floor = inputs.minBase ?? 0;
  const gamma = Math.abs(inputs.gamma);
  let raw: number;
  let explanation: string;
  switch (band.kind) {
    case 'absolute':
      if (!(band.halfWidthBase >= 0))
        throw new InvalidHedgeInputError('band.halfWidthBase', band.halfWidthBase, 'must be at least 0');
      raw = band.halfWidthBase;
      explanation = `absolute band +-${fmt(raw)} base units`;
      break;
    case 'gamma': {
      if (!(band.k > 0)) throw new InvalidHedgeInputError('band.k', band.k, 'must be greater than 0');
      if (!(band.reviewIntervalMs > 0))
        throw new InvalidHedgeInputError('band.reviewIntervalMs', band.reviewIntervalMs, 'must be greater than 0');
      const dtYears = band.reviewIntervalMs / MS_PER_YEAR;
      raw = band.k * gamma * inputs.price * inputs.vol * Math.sqrt(dtYears);
      explanation =
        `k|gamma|S sigma sqrt(dt) = ${band.k} x ${gamma.toExponential(3)} x ${fmt(inputs.price)} x ` +
        `${fmt(inputs.vol)} x sqrt(${dtYears.toExponential(3)} y) = ${fmt(raw)} base units`;
      break;
    }
    case 'whalley-wilmott': {
      if (!(band.riskAversion > 0))
        throw new InvalidHedgeInputError('band.riskAversion', band.riskAversion, 'must be greater than 0');
      if (!(band.costFraction >= 0))
        throw new InvalidHedgeInputError('band.costFraction', band.costFraction, 'must be at least 0');
      raw = Math.cbrt((1.5 * band.costFraction * inputs.price * gamma * gamma) / band.riskAversion);
      explanation =
        `Whalley-Wilmott (3/2 lambda S gamma^2 / riskAversion)^(1/3) with lambda ${band.costFraction}, ` +
        `riskAversion ${band.riskAversion}: ${fmt(raw)} base units`;
      break;
    }
  }
  if (raw < floor) {
    explanation += `; floored at one hedge lot ${fmt(floor)}`;
    raw = floor;
  }
  return { kind: band.kind, halfWidthBase: raw, explanation };
}

/** The policy's band with its review interval filled in (the gamma band drifts over one review interval). */
export function deltaBandOf(policy: HedgePolicy): DeltaBand {
  const b = policy.band;
  if (b.kind === 'absolute') return b;
  if (b.kind === 'gamma') return { kind: 'gamma', k: b.k, reviewIntervalMs: hoursToMs(policy.reviewIntervalHours) };
  return b;
}

export type RebalanceAction = 'none' | 'rebalance';

export interface RebalanceDecision {
  action: RebalanceAction;
  /** Delta minus target, base units. */
  deviationBase: number;
  halfWidthBase: number;
  /** Base units of the delta hedge to trade to return to the target (0 for no action). */
  tradeBase: number;
  /** One sentence for the desk: "no action: delta 0.12 is inside the band +-0.30" or why to trade. */
  message: string;
}

/** Inside the band: no action; outside: trade back to the target (not to the band's edge: the band is the trigger). */
export function rebalanceDecision(delta: number, target: number, band: BandResult): RebalanceDecision {
  const deviation = delta - target;
  const inside = Math.abs(deviation) <= band.halfWidthBase;
  return {
    action: inside ? 'none' : 'rebalance',
    deviationBase: deviation,
    halfWidthBase: band.halfWidthBase,
    tradeBase: inside ? 0 : -deviation,
    message: inside
      ? `no action: delta deviation ${fmt(deviation)} is inside the band +-${fmt(band.halfWidthBase)}`
      : `rebalance: delta deviation ${fmt(deviation)} is outside the band +-${fmt(band.halfWidthBase)}; ` +
        `trade ${fmt(-deviation)} base units of the delta hedge`,
  };
}

export interface ReviewSchedule {
  /** Every review interval, ms. */
  intervalMs: number;
  /** Also review this long before each option expiry held (venues settle at 08:00 UTC), ms. */
  beforeExpiryMs?: number;
}

/**
 * The next `count` review times after `asOfMs`: the regular grid (aligned to multiples of the interval since the
 * epoch, so every process agrees on them) merged with a review shortly before each expiry in the book.
 */
export function nextReviewTimes(
  asOfMs: number,
  schedule: ReviewSchedule,
  expiriesMs: readonly number[] = [],
  count = 3,
): number[] {
  if (!(schedule.intervalMs > 0))
    throw new InvalidHedgeInputError('reviewIntervalMs', schedule.intervalMs, 'must be greater than 0');
  const times = new Set<number>();
  let t = Math.floor(asOfMs / schedule.intervalMs) * schedule.intervalMs + schedule.intervalMs;
  for (let i = 0; i < count; i++, t += schedule.intervalMs) times.add(t);
  const before = schedule.beforeExpiryMs ?? 0;
  for (const expiry of expiriesMs) {
    const review = expiry - before;
    if (review > asOfMs) times.add(review);
  }
  return [...times].sort((a, b) => a - b).slice(0, count);
}

/**
 * Six significant digits for an explanation. The stream explains every position's band on every tick with the same
 * price and vol, so the last few results are kept (a direct-mapped table of `FMT_SLOTS` by value).
 */
const FMT_SLOTS = 16;
const fmtValues = new Float64Array(FMT_SLOTS).fill(NaN);
const fmtTexts: string[] = new Array<string>(FMT_SLOTS).fill('');

function fmt(x: number): string {
  if (x === 0) return '0';
  const slot = (Math.abs(x * 1e6) | 0) & (FMT_SLOTS - 1);
  if (fmtValues[slot] === x) return fmtTexts[slot]!;
  const a = Math.abs(x);
  const text = a >= 1e-3 && a < 1e9 ? String(Number(x.toPrecision(6))) : x.toExponential(4);
  fmtValues[slot] = x;
  fmtTexts[slot] = text;
  return text;
}
