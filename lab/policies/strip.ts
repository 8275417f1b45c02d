/**
 * The static Carr-Madan strip, rolled at expiry (CONVENTIONS.md "Static replication"; domain-notes A.3). At the
 * start and after each expiry, for every position the strip of `pricing/replication`'s `replicationStrip` (target
 * `il`) is bought for the position re-entered at the current price P_t, on the synthetic chain's grid strikes
 * (v3: from the grid strike at or below Pa to the one at or above Pb, so nothing is left in the tails; v2 and
 * weighted: forward x exp(+-4 sigma sqrt(T))), expiring on the first Friday 08:00 UTC at least `horizonDays` out.
 *
 * Why re-entered: the IL against the original entry changes from P_t on by
 *   IL(P) - IL(P_t) = [V(P) - x_t P - y_t] + (x_t - x0)(P - P_t),
 * the IL of a position entered at P_t plus a linear part; the strip hedges the first, the perp holds
 * -(x_t - x0) for the second, plus the strip's own forward leg. Between rolls nothing is traded (static).
 */
import { replicationStrip, type LpPosition } from '../../pricing/index.js';
import { gridStrikes, nextExpiryAtOrAfter, quoteOption, strikeStep } from '../chain.js';
import { LabInputError } from '../errors.js';
import type { HedgeState } from '../hedgeState.js';
import type { StripRecord } from '../types.js';
import type { PolicyContext, PolicyRunner } from './types.js';
import { MS_PER_DAY, MS_PER_YEAR } from '../../pricing/time.js';

/** replicationStrip needs a positive vol for its premiums; the weights do not depend on it. */
const MIN_STRIP_VOL = 1e-8;

function reentered(p: LpPosition, price: number): LpPosition {
  return p.model === 'weighted'
    ? { ...p, entryPrice: price, entryValue: p.entryValue * Math.pow(price / p.entryPrice, p.weight) }
    : { ...p, entryPrice: price };
}

export function stripPolicy(ctx: PolicyContext, horizonDays: number, roundToLots: boolean): PolicyRunner {
  if (!(horizonDays > 0)) throw new LabInputError('stripHorizonDays', horizonDays, 'must be greater than 0');
  const { timesMs, prices, vols } = ctx.path;
  const strips: StripRecord[] = [];
  const warnings: string[] = [];
  let activeExpiry = -Infinity;
  const lot = ctx.costs.optionLotBase;

  return {
    name: 'strip',
    warnings,
    strips,
    decide(i: number, h: HedgeState) {
      const t = timesMs[i]!;
      if (t < activeExpiry) return;
      const price = prices[i]!;
      const vol = Math.max(vols[i]!, MIN_STRIP_VOL);
      const expiryMs = nextExpiryAtOrAfter(t + horizonDays * MS_PER_DAY);
      const years = (expiryMs - t) / MS_PER_YEAR;
      const step = strikeStep(price);
      let forward = 0;
      let maxError = 0;
      let premium = 0;
      let legs = 0;
      for (const p of ctx.book.positions) {
        const lo = p.model === 'v3' ? p.lower : price * Math.exp(-4 * vol * Math.sqrt(years));
        const hi = p.model === 'v3' ? p.upper : price * Math.exp(4 * vol * Math.sqrt(years));
        const strikes = gridStrikes(lo, hi, step);
        if (strikes.length < 2) strikes.push(strikes[0]! + step);
        const strip = replicationStrip({
          position: reentered(p, price),
          strikes,
          expiryYears: years,
          vol,
          forward: price,
        });
        forward += strip.forward;
        maxError += strip.maxError;
        for (const leg of strip.legs) {
          const q = roundToLots && lot > 0 ? Math.round(leg.quantity / lot) * lot : leg.quantity;
          if (q === 0) continue;
          h.tradeOption(i, leg.type, leg.strike, expiryMs, q);
          premium += q * quoteOption(leg.type, price, leg.strike, years, vols[i]!, ctx.costs).mid;
          legs++;
        }
      }
      h.perpTo(i, forward - ctx.lp.ilDelta[i]!);
      strips.push({ startMs: t, expiryMs, premium, maxError, legs });
      activeExpiry = expiryMs;
    },
  };
}
