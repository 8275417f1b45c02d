/**
 * The SVI surface of the built-in Deribit BTC chain (878 options, 11 expiries, 2026-05-26T19:27:44Z).
 *
 * Stated errors, derived from the data: each expiry's spread-weighted vol RMSE is at most that expiry's median
 * bid-ask half-spread in vol points (the marks are only known to within the spread around them), and the fitted
 * vol lies inside the bid-ask spread (in vol) at no fewer than half of the strikes of every expiry. Arbitrage: on
 * a dense grid of 4001 strikes from the lowest to the highest listed strike (20,000 to 380,000 USD), Gatheral's
 * g(k) >= 0 on every slice and on interpolated expiries, and total variance is non-decreasing in T at every k.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { loadMarketSnapshot, type LoadedSnapshot } from '../../../adapters/source.js';
import { buildVolSurface, marketVolAt, type MarketVolSurface } from '../../../hedging/surface.js';
import {
  butterflyDensityAt,
  linearGrid,
  sviButterflyDensity,
  totalVarianceAt,
} from '../../../pricing/surface/index.js';

let market: LoadedSnapshot;
let fit: MarketVolSurface;

beforeAll(async () => {
  market = await loadMarketSnapshot({ venue: 'deribit', underlying: 'BTC', source: 'builtin' });
  fit = buildVolSurface(market, market.asOfMs);
});

describe('SVI surface of the built-in Deribit BTC chain', () => {
  test('fits every expiry of the 878-option chain', () => {
    expect(fit.optionsListed).toBe(878);
    expect(fit.surface.slices).toHaveLength(11);
    // One point per strike (the OTM option; Deribit's call and put share a mark IV).
    expect(fit.pointsUsed).toBe(439);
  });

  test('reprices the mark IVs within the stated errors per expiry', () => {
    fit.surface.slices.forEach((slice, i) => {
      const src = fit.sources[i]!;
      const half = src.medianHalfSpreadVolPoints!;
      expect(slice.rmseVolPoints, slice.label).toBeLessThanOrEqual(half);
      const inside = src.points.filter(
        (p, j) => p.halfSpreadVolPoints !== null && Math.abs(slice.residualsVolPoints[j]!) <= p.halfSpreadVolPoints,
      ).length;
      expect(inside / src.points.length, slice.label).toBeGreaterThanOrEqual(0.5);
    });
  });

  test('no butterfly arbitrage on a dense strike grid, listed and interpolated expiries', () => {
    const strikes = linearGrid(20_000, 380_000, 4001);
    const s = fit.surface;
    for (const slice of s.slices)
      for (const K of strikes)
        expect(sviButterflyDensity(slice.params, Math.log(K / slice.forward))).toBeGreaterThanOrEqual(0);
    const T = s.slices.map((x) => x.expiryYears);
    for (let i = 1; i < T.length; i++) {
      const mid = 0.5 * (T[i - 1]! + T[i]!);
      for (const K of strikes.filter((_, j) => j % 4 === 0)) {
        const k = Math.log(K / s.slices[i]!.forward);
        expect(butterflyDensityAt(s, k, mid)).toBeGreaterThanOrEqual(0);
      }
    }
  });

  test('no calendar arbitrage: total variance non-decreasing in T at every k of the dense grid', () => {
    const s = fit.surface;
    const ks = linearGrid(Math.log(20_000 / 78_000), Math.log(380_000 / 75_700), 4001);
    for (const k of ks) {
      let prev = 0;
      for (const slice of s.slices) {
        const w = totalVarianceAt(s, k, slice.expiryYears).w;
        expect(w).toBeGreaterThanOrEqual(prev);
        prev = w;
      }
    }
    expect(s.arbitrageFree).toBe(true);
  });

  test('volAt on an unlisted strike and expiry lies between its neighbours', () => {
    const [a, b] = [fit.sources[6]!, fit.sources[7]!]; // 2026-06-26 and 2026-07-31
    const midMs = Math.round((a.expiryMs + b.expiryMs) / 2);
    const v = marketVolAt(fit, 77_777, midMs);
    const va = marketVolAt(fit, 77_777, a.expiryMs, a.forward);
    const vb = marketVolAt(fit, 77_777, b.expiryMs, b.forward);
    expect(v).toBeGreaterThan(Math.min(va, vb) - 0.01);
    expect(v).toBeLessThan(Math.max(va, vb) + 0.01);
  });
});
