import { z } from 'zod';
import { positionFromSpec, type LpSpec } from '../../../pricing/lp/index.js';
import { replicationStrip } from '../../../pricing/replication.js';
import { finite, rate, requestId } from './fields.js';
import { lpSpecFields } from './lp.js';
import { defineOp } from './types.js';

/**
 * The Carr-Madan strip that hedges an LP position's IL (or, with `"target":"value"`, its whole value) with puts
 * below and calls above the expansion point on the given strikes: legs in base units (positive = long), the
 * forward in base units, the premium at `vol` (or `vols`, one per strike) in the quote currency, and its errors.
 */
export const replicateRequest = z.object({
  id: requestId,
  op: z.literal('replicate'),
  ...lpSpecFields,
  strikes: z.array(finite).min(2, 'give at least two strikes').max(10_000),
  expiryYears: finite,
  vol: finite.optional(),
  vols: z.array(finite).optional(),
  rate,
  /** Forward of the option expiry (quote per base); the entry price when omitted. */
  forward: finite.optional(),
  expansionPoint: finite.optional(),
  target: z.enum(['il', 'value']).default('il'),
  horizonYears: finite.optional(),
});

export const replicateOp = defineOp(replicateRequest, (r) => {
  const { model, price, lower, upper, weight, depositValue, liquidity, amountBase, amountQuote } = r;
  const spec = { model, price, lower, upper, weight, depositValue, liquidity, amountBase, amountQuote } as LpSpec;
  const strip = replicationStrip({
    position: positionFromSpec(spec),
    strikes: r.strikes,
    expiryYears: r.expiryYears,
    vol: r.vol,
    vols: r.vols,
    rate: r.rate,
    forward: r.forward,
    expansionPoint: r.expansionPoint,
    target: r.target,
    horizonYears: r.horizonYears,
  });
  return strip;
});
