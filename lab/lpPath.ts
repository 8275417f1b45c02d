/**
 * The LP book along a path, computed once per path and shared by every policy: value, HODL value, IL, the IL's
 * delta (LP delta - entry base amount: what a hedge of the IL offsets), gamma, and the fees earned over each step.
 */
import {
  isInRange,
  lpEntryAmounts,
  lpStateUnchecked,
  v3LvrMultiplier,
  validatePosition,
  type LpPosition,
} from '../pricing/index.js';
import { LabInputError } from './errors.js';
import type { FeeSource, LabBook, MarketPath } from './types.js';
import { MS_PER_YEAR } from '../pricing/time.js';

const Q128 = 2 ** 128;

export interface LpPathState {
  value: Float64Array;
  hold: Float64Array;
  /** value - hold, computed directly per step (never accumulated). */
  il: Float64Array;
  /** dIL/dP = sum of (x(P) - x0), base units. */
  ilDelta: Float64Array;
  gamma: Float64Array;
  /** Fees earned from step i to i + 1 (index n holds 0), quote currency. */
  fees: Float64Array;
}

function inRange(p: LpPosition, price: number): boolean {
  return p.model !== 'v3' || isInRange(price, p.lower, p.upper);
}

/** How much more liquidity per unit of value a range has than full range (1 for v2 and weighted pools). */
export function concentration(p: LpPosition, price: number): number {
  return p.model === 'v3' ? v3LvrMultiplier(p.lower, p.upper, price) : 1;
}

function rawLiquidity(p: LpPosition, fees: Extract<FeeSource, { kind: 'fee-growth' }>): number {
  if (p.model === 'weighted')
    throw new LabInputError('position.model', p.model, 'fee growth needs a v2 or v3 position (liquidity L)');
  return p.liquidity * Math.pow(10, (fees.decimals0 + fees.decimals1) / 2);
}

export function lpPath(book: LabBook, path: MarketPath, out?: LpPathState): LpPathState {
  const n = path.prices.length;
  const s: LpPathState = out ?? {
    value: new Float64Array(n),
    hold: new Float64Array(n),
    il: new Float64Array(n),
    ilDelta: new Float64Array(n),
    gamma: new Float64Array(n),
    fees: new Float64Array(n),
  };
  s.value.fill(0);
  s.hold.fill(0);
  s.ilDelta.fill(0);
  s.gamma.fill(0);
  s.fees.fill(0);
  const { prices, timesMs, fees } = path;
  for (const p of book.positions) {
    validatePosition(p);
    const entry = lpEntryAmounts(p);
    const lRaw = fees.kind === 'fee-growth' ? rawLiquidity(p, fees) : 0;
    for (let i = 0; i < n; i++) {
      const price = prices[i]!;
      const st = lpStateUnchecked(p, price);
      s.value[i]! += st.value;
      s.hold[i]! += entry.amountBase * price + entry.amountQuote;
      s.ilDelta[i]! += st.delta - entry.amountBase;
      s.gamma[i]! += st.gamma;
      if (i + 1 < n && inRange(p, price)) {
        const dtYears = (timesMs[i + 1]! - timesMs[i]!) / MS_PER_YEAR;
        switch (fees.kind) {
          case 'apr':
            s.fees[i]! += fees.aprOnValue * st.value * dtYears;
            break;
          case 'pool-apr':
            s.fees[i]! += fees.aprFullRange[i]! * concentration(p, price) * st.value * dtYears;
            break;
          case 'fee-growth': {
            // Fees accrue in both tokens; the base token's are valued at the step's end price.
            const d0 = ((fees.feeGrowth0[i + 1]! - fees.feeGrowth0[i]!) * lRaw) / Q128 / Math.pow(10, fees.decimals0);
            const d1 = ((fees.feeGrowth1[i + 1]! - fees.feeGrowth1[i]!) * lRaw) / Q128 / Math.pow(10, fees.decimals1);
            const end = prices[i + 1]!;
            s.fees[i]! += fees.token0IsQuote ? d0 + d1 * end : d0 * end + d1;
            break;
          }
        }
      }
    }
  }
  for (let i = 0; i < n; i++) s.il[i] = s.value[i]! - s.hold[i]!;
  return s;
}
