/**
 * The vol surface of one venue and underlying, built from a `MarketSnapshot`'s chains (marks) with the pure fit of
 * `pricing/surface`. Per expiry:
 *  - T = ACT/365 years from `asOfMs` (passed in, never the clock); expired chains are skipped;
 *  - the forward is the chain's put-call-parity forward from its own marks when there is one (the venue computes
 *    its marks on it: `Chain.parityForward`), else the chain's quoted forward;
 *  - one point per strike: the out-of-the-money option's mark IV (put below the forward, call at or above), with
 *    k = ln(K / F); quotes the sanity checks flag for their IV or mark (`zero-iv`, `absurd-iv`, `no-mark`,
 *    `no-forward`, `expired`, `mark-outside-bounds`) are left out;
 *  - its weight: `vega` (Black-76 vega at the mark IV, per unit base) or `spread` (1 / the bid-ask spread in vol,
 *    from the implied vols of the bid and the ask of that option; when a side is missing the half-spread is taken
 *    from the other side against the mark, and a point with neither side gets the median weight of the slice).
 *  - the bid-ask half-spread in vol points is kept per point: it is the data's own error scale, which the fit's
 *    RMSE is judged against (`medianHalfSpreadVolPoints`).
 */
import type { Chain, MarketSnapshot, OptionQuote } from '../adapters/model.js';
import { yearFractionAct365 } from '../adapters/model.js';
import { black76Greeks, tryImpliedVolBlack76 } from '../pricing/index.js';
import {
  fitSurface,
  SviCalibrationError,
  volAt,
  type ArbitragePolicy,
  type SmilePoint,
  type SurfaceSliceInput,
  type VolSurface,
} from '../pricing/surface/index.js';

export type SurfaceWeighting = 'vega' | 'spread';

export interface BuildSurfaceOptions {
  weighting?: SurfaceWeighting;
  arbitrage?: ArbitragePolicy;
  /** Skip expiries with fewer than this many years to go (default 0: all unexpired). */
  minExpiryYears?: number;
}

/** One market point as used by the fit, with where it came from. */
export interface SurfaceMarketPoint extends SmilePoint {
  strike: number;
  /** Venue id of the option whose mark IV was used (the OTM one). */
  instrument: string;
  /** Bid-ask half-spread in vol points, null when neither side is quoted. */
  halfSpreadVolPoints: number | null;
}

export interface SurfaceSliceSource {
  expiryIso: string;
  expiryMs: number;
  forward: number;
  forwardSource: 'parity' | 'chain';
  points: SurfaceMarketPoint[];
  /** Median bid-ask half-spread of the slice, vol points (null without quotes on both sides). */
  medianHalfSpreadVolPoints: number | null;
}

export interface MarketVolSurface {
  venue: string;
  underlying: string;
  asOfMs: number;
  weighting: SurfaceWeighting;
  surface: VolSurface;
  /** Same order as `surface.slices` (by expiry). */
  sources: SurfaceSliceSource[];
  pointsUsed: number;
  optionsListed: number;
}

const IV_REASONS = new Set(['zero-iv', 'absurd-iv', 'no-mark', 'no-forward', 'expired', 'mark-outside-bounds']);

function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h]! : 0.5 * (s[h - 1]! + s[h]!);
}

function ivOf(q: OptionQuote, price: number | null, forward: number, T: number): number | null {
  if (price === null || !(price > 0)) return null;
  const r = tryImpliedVolBlack76(q.instrument.optionType!, forward, q.instrument.strike!, T, price);
  return r.ok && r.vol > 0 ? r.vol : null;
}

function sliceSource(
  chain: Chain,
  T: number,
  flagged: ReadonlySet<string>,
  weighting: SurfaceWeighting,
): SurfaceSliceSource {
  const forward = chain.parityForward ?? chain.forward;
  const byStrike = new Map<number, OptionQuote>();
  for (const q of chain.options) {
    const K = q.instrument.strike;
    if (K === null || !(K > 0) || q.instrument.optionType === null) continue;
    if (q.markIv === null || !(q.markIv > 0) || flagged.has(q.instrument.symbol)) continue;
    const otm = K < forward ? 'put' : 'call';
    const have = byStrike.get(K);
    if (!have || (have.instrument.optionType !== otm && q.instrument.optionType === otm)) byStrike.set(K, q);
  }
  const raw: { q: OptionQuote; K: number; k: number; iv: number; half: number | null; vega: number }[] = [];
  for (const [K, q] of [...byStrike.entries()].sort((a, b) => a[0] - b[0])) {
    const iv = q.markIv!;
    // Premiums in the quote currency (USD) per base unit, on the slice's forward.
    const bidIv = ivOf(q, q.bidQuote, forward, T);
    const askIv = ivOf(q, q.askQuote, forward, T);
    let half: number | null = null;
    if (bidIv !== null && askIv !== null) half = (askIv - bidIv) / 2;
    else if (askIv !== null) half = Math.abs(askIv - iv);
    else if (bidIv !== null) half = Math.abs(iv - bidIv);
    const vega = black76Greeks(q.instrument.optionType!, forward, K, T, iv).vega;
    raw.push({ q, K, k: Math.log(K / forward), iv, half: half === null ? null : half * 100, vega });
  }
  const halves = raw.map((r) => r.half).filter((h): h is number => h !== null && h > 0);
  const med = median(halves);
  // A spread of 0.01 vol points or less is a rounding artefact of 4-decimal IVs: floor it there.
  const floor = 0.01;
  const spreadWeights = raw.map((r) => (r.half !== null && r.half > 0 ? 1 / Math.max(r.half, floor) : null));
  const medWeight = median(spreadWeights.filter((w): w is number => w !== null)) ?? 1;
  const points: SurfaceMarketPoint[] = raw.map((r, i) => ({
    logMoneyness: r.k,
    impliedVol: r.iv,
    weight: weighting === 'vega' ? Math.max(r.vega, 1e-300) : (spreadWeights[i] ?? medWeight),
    strike: r.K,
    instrument: r.q.instrument.venueId,
    halfSpreadVolPoints: r.half,
  }));
  return {
    expiryIso: chain.expiryIso,
    expiryMs: chain.expiryMs,
    forward,
    forwardSource: chain.parityForward === null ? 'chain' : 'parity',
    points,
    medianHalfSpreadVolPoints: med,
  };
}

/** Fits the surface of `market` at `asOfMs` (see the module comment). */
export function buildVolSurface(
  market: MarketSnapshot,
  asOfMs: number,
  options: BuildSurfaceOptions = {},
): MarketVolSurface {
  const weighting = options.weighting ?? 'spread';
  const flagged = new Set(market.issues.filter((i) => IV_REASONS.has(i.reason)).map((i) => i.symbol));
  const sources: SurfaceSliceSource[] = [];
  const slices: SurfaceSliceInput[] = [];
  let listed = 0;
  for (const chain of market.chains) {
    listed += chain.options.length;
    const T = yearFractionAct365(asOfMs, chain.expiryMs);
    if (!(T > (options.minExpiryYears ?? 0))) continue;
    const src = sliceSource(chain, T, flagged, weighting);
    if (src.points.length === 0) continue;
    sources.push(src);
    slices.push({
      expiryYears: T,
      forward: src.forward,
      points: src.points,
      label: `${chain.expiryIso.slice(0, 10)} (T=${T.toPrecision(4)} y)`,
    });
  }
  if (slices.length === 0)
    throw new SviCalibrationError(`${market.venue} ${market.underlying}`, 'no unexpired expiry with mark IVs to fit');
  const surface = fitSurface({ slices, spot: market.index ?? undefined }, { arbitrage: options.arbitrage ?? 'repair' });
  sources.sort((a, b) => a.expiryMs - b.expiryMs);
  return {
    venue: market.venue,
    underlying: market.underlying,
    asOfMs,
    weighting,
    surface,
    sources,
    pointsUsed: sources.reduce((n, s) => n + s.points.length, 0),
    optionsListed: listed,
  };
}

/** Vol (decimal) at a strike and an expiry given in UTC ms, on the market surface. */
export function marketVolAt(s: MarketVolSurface, strike: number, expiryMs: number, forward?: number): number {
  return volAt(s.surface, { strike, expiryYears: yearFractionAct365(s.asOfMs, expiryMs), forward });
}
