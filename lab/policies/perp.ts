/**
 * Unhedged, and the perp delta hedges of the IL: the perp is set to minus the book's delta relative to HODL
 * (LP delta - entry base amount), so the hedged P&L against HODL is the LP's gamma P&L minus its theta: in the
 * continuous limit -LVR (Milionis et al. 2022; domain-notes A.5).
 * - `perp-time`: back to zero delta every `intervalHours` (on the path's clock, so gaps in history are skipped).
 * - `perp-band`: `hedging/policy.ts`'s gamma band, half-width k |Gamma| S sigma sqrt(dt) with dt the step, floored
 *   at one perp lot; inside the band, no trade (`rebalanceDecision`).
 */
import { deltaBandHalfWidth, rebalanceDecision } from '../../hedging/index.js';
import { LabInputError } from '../errors.js';
import type { HedgeState } from '../hedgeState.js';
import { bookDelta, bookGamma, type PolicyContext, type PolicyRunner } from './types.js';
import { MS_PER_HOUR } from '../../pricing/time.js';

export function unhedged(): PolicyRunner {
  return { name: 'unhedged', warnings: [], decide: () => undefined };
}

export function perpTime(ctx: PolicyContext, intervalHours: number): PolicyRunner {
  if (!(intervalHours > 0)) throw new LabInputError('hedgeIntervalHours', intervalHours, 'must be greater than 0');
  const intervalMs = intervalHours * MS_PER_HOUR;
  let next = -Infinity;
  return {
    name: 'perp-time',
    warnings: [],
    decide(i: number, h: HedgeState) {
      const t = ctx.path.timesMs[i]!;
      // Half a millisecond of slack: hourly times are exact integers, intervals may not be.
      if (t + 0.5 < next) return;
      h.tradePerp(i, h.roundPerp(-bookDelta(ctx, i, h)));
      next = t + intervalMs;
    },
  };
}

export function perpBand(ctx: PolicyContext, k: number): PolicyRunner {
  if (!(k > 0)) throw new LabInputError('bandK', k, 'must be greater than 0');
  const { timesMs, prices, vols } = ctx.path;
  return {
    name: 'perp-band',
    warnings: [],
    decide(i: number, h: HedgeState) {
      const stepMs = timesMs[i + 1]! - timesMs[i]!;
      const band = deltaBandHalfWidth(
        { kind: 'gamma', k, reviewIntervalMs: stepMs },
        { gamma: bookGamma(ctx, i, h), price: prices[i]!, vol: vols[i]!, minBase: ctx.costs.perpLotBase },
      );
      const decision = rebalanceDecision(bookDelta(ctx, i, h), 0, band);
      if (decision.action === 'rebalance') h.tradePerp(i, h.roundPerp(decision.tradeBase));
    },
  };
}
