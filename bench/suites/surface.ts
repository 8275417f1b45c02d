/**
 * surface.fit: the raw SVI surface of the built-in 878-option Deribit BTC chain (11 expiries, 439 strikes after
 * taking the OTM option per strike), end to end from the loaded snapshot: points, weights from the bid/ask implied
 * vols (Let's Be Rational), the quasi-explicit fit per slice, the butterfly check on 2001 points per slice and the
 * calendar check. surface.fit.slice: one 59-strike slice (2026-06-26) alone. surface.volAt: one query on the fitted
 * surface at an unlisted strike and expiry.
 */
import { loadMarketSnapshot } from '../../adapters/source.js';
import { buildVolSurface } from '../../hedging/surface.js';
import { fitSviSlice, volAt } from '../../pricing/surface/index.js';
import { measureLatency, measureThroughput, type BenchResult, type BenchSuite } from '../harness.js';

export const surfaceSuite: BenchSuite = {
  name: 'surface',
  async run(): Promise<BenchResult[]> {
    const market = await loadMarketSnapshot({ venue: 'deribit', underlying: 'BTC', source: 'builtin' });
    const options = market.chains.reduce((n, c) => n + c.options.length, 0);
    const fit = buildVolSurface(market, market.asOfMs);
    const cpu = process.cpuUsage();
    const full = await measureLatency(() => buildVolSurface(market, market.asOfMs), 60, 5);
    const used = process.cpuUsage(cpu);
    const worst = Math.max(...fit.surface.slices.map((s) => s.rmseVolPoints));
    const results: BenchResult[] = [
      {
        name: 'surface.fit',
        opsPerSec: full.opsPerSec,
        p50Ms: full.p50Ms,
        p99Ms: full.p99Ms,
        extra: {
          options,
          strikes: fit.pointsUsed,
          expiries: fit.surface.slices.length,
          worstRmseVolPoints: Number(worst.toFixed(3)),
          cpuMsPerFit: Number(((used.user + used.system) / 1000 / 65).toFixed(2)),
        },
      },
    ];
    const i = fit.sources.findIndex((s) => s.expiryIso.startsWith('2026-06-26'));
    const slice = { expiryYears: fit.surface.slices[i]!.expiryYears, points: fit.sources[i]!.points };
    const one = await measureLatency(() => fitSviSlice(slice), 200, 10);
    results.push({
      name: 'surface.fit.slice',
      opsPerSec: one.opsPerSec,
      p50Ms: one.p50Ms,
      p99Ms: one.p99Ms,
      extra: { strikes: slice.points.length },
    });
    const s = fit.surface;
    let sink = 0;
    const q = measureThroughput(() => {
      for (let j = 0; j < 1000; j++) sink += volAt(s, { strike: 70_000 + j * 20, expiryYears: 0.25 });
    }, 1000);
    if (!(sink > 0)) throw new Error('volAt bench produced no vols');
    results.push({ name: 'surface.volAt', opsPerSec: q });
    return results;
  },
};
