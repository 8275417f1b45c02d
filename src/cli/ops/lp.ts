import { z } from 'zod';
import {
  lpImpermanentLoss,
  lpImpermanentLossRelative,
  lpState,
  lvrSummary,
  positionFromSpecDetailed,
  type LpSpec,
} from '../../../pricing/lp/index.js';
import { finite, requestId } from './fields.js';
import { defineOp } from './types.js';

/**
 * An LP position from one spec (v2, v3 range or weighted; sized by deposit value, liquidity or token amounts) and
 * its value, token amounts, delta, gamma and IL against holding the entry amounts at each price of `at`.
 */
export const lpSpecFields = {
  model: z.enum(['v2', 'v3', 'weighted'], { error: "expected 'v2', 'v3' or 'weighted'" }),
  price: finite,
  lower: finite.optional(),
  upper: finite.optional(),
  weight: finite.optional(),
  depositValue: finite.optional(),
  liquidity: finite.optional(),
  amountBase: finite.optional(),
  amountQuote: finite.optional(),
};

export const lpRequest = z.object({
  id: requestId,
  op: z.literal('lp'),
  ...lpSpecFields,
  /** Prices to evaluate at (quote per base); the entry price when omitted. */
  at: z.array(finite).max(10_000).optional(),
  /** Annualised volatility (decimal) for the LVR rate and the break-even fee yield. */
  vol: finite.optional(),
});

export const lpOp = defineOp(lpRequest, (r) => {
  const { id: _id, op: _op, at, vol, ...spec } = r;
  const built = positionFromSpecDetailed(spec as LpSpec);
  const position = built.position;
  const entry = lpState(position, position.entryPrice);
  const points = (at ?? [position.entryPrice]).map((price) => {
    const state = lpState(position, price);
    return {
      price,
      value: state.value,
      amountBase: state.amountBase,
      amountQuote: state.amountQuote,
      delta: state.delta,
      gamma: state.gamma,
      il: lpImpermanentLoss(position, price),
      ilRelative: lpImpermanentLossRelative(position, price),
    };
  });
  return {
    position,
    liquidity: 'liquidity' in position ? position.liquidity : undefined,
    value: entry.value,
    amountBase: entry.amountBase,
    amountQuote: entry.amountQuote,
    leftoverBase: built.leftoverBase,
    leftoverQuote: built.leftoverQuote,
    points,
    lvr: vol === undefined ? undefined : lvrSummary(position, position.entryPrice, vol),
  };
});
