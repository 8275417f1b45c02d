/**
 * Fee tiers and usable ticks: the fee -> tick spacing table `UniswapV3Factory` enables in its constructor
 * (`feeAmountTickSpacing`), and the v3-sdk's `nearestUsableTick` (`utils/nearestUsableTick.ts`).
 */
import { InvalidInputError } from '../../errors.js';
import { requireTick } from './checks.js';
import { MAX_TICK, MIN_TICK } from './constants.js';

/** Tick spacing by fee tier, fee in hundredths of a basis point as on chain (100 = 0.01%, 3000 = 0.30%). */
export function tickSpacingForFee(feePips: number): number {
  switch (feePips) {
    case 100:
      return 1;
    case 500:
      return 10;
    case 3000:
      return 60;
    case 10000:
      return 200;
    default:
      throw new InvalidInputError('feePips', feePips, 'must be a Uniswap v3 fee tier: 100, 500, 3000 or 10000');
  }
}

/** The usable tick (a multiple of the spacing, inside the tick bounds) nearest to `tick`, as the v3-sdk rounds. */
export function nearestUsableTick(tick: number, tickSpacing: number): number {
  requireTick('tick', tick);
  if (!Number.isInteger(tickSpacing) || tickSpacing <= 0) {
    throw new InvalidInputError('tickSpacing', tickSpacing, 'must be a positive integer');
  }
  const rounded = Math.round(tick / tickSpacing) * tickSpacing;
  if (rounded < MIN_TICK) return rounded + tickSpacing;
  if (rounded > MAX_TICK) return rounded - tickSpacing;
  return rounded;
}
