/**
 * The lab's data: a market path (historical or simulated), the LP book, the costs, the policies and what a run
 * returns. Units are in the names: prices quote per base, amounts base units, values quote currency, vols and
 * rates decimals per year (ACT/365), times UTC epoch ms.
 */
import type { HedgePolicyInput } from '../hedging/index.js';
import type { LpPosition } from '../pricing/index.js';

/** Where the LP's fees come from. */
export type FeeSource =
  /** A flat APR on position value while in range (v3) or always (v2, weighted). */
  | { kind: 'apr'; aprOnValue: number }
  /** A per-step pool fee APR on full-range value (pool fees / TVL), scaled by each range's concentration. */
  | { kind: 'pool-apr'; aprFullRange: Float64Array }
  /** Uniswap v3 feeGrowthGlobal{0,1}X128 per step (as floats): fees = L_raw x d(fee growth) / 2^128. */
  | {
      kind: 'fee-growth';
      feeGrowth0: Float64Array;
      feeGrowth1: Float64Array;
      token0IsQuote: boolean;
      decimals0: number;
      decimals1: number;
    };

export interface MarketPath {
  /** Step times, UTC ms, increasing. */
  timesMs: Float64Array;
  /** Pool (= perp = forward: zero rates and no basis, stated) price per step, quote per base. */
  prices: Float64Array;
  /** Implied vol the options are priced at, per step (decimal). */
  vols: Float64Array;
  /** Perp funding rate per step, decimal per year; positive: longs pay shorts. */
  fundingPerYear: Float64Array;
  fees: FeeSource;
}

/** Trading costs (all zero for the theory checks). */
export interface CostSettings {
  /** Perp half-spread plus taker fee, fraction of notional (0.0005 = 5 bp). */
  perpCostFraction: number;
  /** Perp order step, base units (0.001 ETH on Binance USDT-M); 0 trades any size. */
  perpLotBase: number;
  /** Option bid/ask are Black-76 at vol -+ half of this (decimal vol points: 0.02 = 2 vol points wide). */
  optionSpreadVol: number;
  /** Option taker fee, fraction of the underlying per base unit (Deribit 0.0003), capped at 12.5% of premium. */
  optionFeeRate: number;
  /** Option order step and minimum, base units. */
  optionLotBase: number;
}

export const DEFAULT_COSTS: CostSettings = {
  perpCostFraction: 0.0005,
  perpLotBase: 0.001,
  optionSpreadVol: 0.02,
  optionFeeRate: 0.0003,
  optionLotBase: 0.1,
};

export const ZERO_COSTS: CostSettings = {
  perpCostFraction: 0,
  perpLotBase: 0,
  optionSpreadVol: 0,
  optionFeeRate: 0,
  optionLotBase: 0.1,
};

export type PolicySpec =
  | { kind: 'unhedged' }
  /** Perp to the IL's delta every `intervalHours`. */
  | { kind: 'perp-time'; intervalHours: number }
  /** Perp to the IL's delta when it leaves the no-trade band of `hedging/policy.ts` (gamma band, k). */
  | { kind: 'perp-band'; k: number }
  /**
   * Delta-gamma through `hedging/`'s candidate selection and MIP on a synthetic chain: re-optimised every
   * `reviewHours` when gamma is outside its tolerance or a leg is within `rollBeforeExpiryHours` of expiry (it is
   * closed first); the perp keeps delta in the policy's band in between. `policy` overrides `hedging`'s defaults.
   */
  | { kind: 'options'; reviewHours: number; rollBeforeExpiryHours: number; policy: HedgePolicyInput }
  /**
   * The static Carr-Madan strip of the IL (pricing/replication) on the synthetic chain's strikes, bought at the
   * first expiry at least `horizonDays` out, held to expiry and rolled; its forward leg and the IL's delta at the
   * roll are held in the perp. `roundToLots` rounds each leg to the option lot.
   */
  | { kind: 'strip'; horizonDays: number; roundToLots: boolean };

export type PolicyName = PolicySpec['kind'];
export const POLICY_NAMES: readonly PolicyName[] = ['unhedged', 'perp-time', 'perp-band', 'options', 'strip'];

/** The LP book of a run: positions priced by `pricing/lp`. */
export interface LabBook {
  positions: readonly LpPosition[];
}

/** Hedge P&L split by Taylor expansion per step (greeks at the step's start), with the residual. */
export interface HedgeAttribution {
  delta: number;
  gamma: number;
  theta: number;
  vega: number;
  residual: number;
}

export interface StripRecord {
  startMs: number;
  expiryMs: number;
  /** Legs bought at mid, quote currency. */
  premium: number;
  /** The strip's largest replication error between its outer strikes (sum over positions), quote currency. */
  maxError: number;
  legs: number;
}

/** One policy on one path. P&L is measured against holding the LP's entry amounts (HODL), quote currency. */
export interface PolicyOutcome {
  policy: PolicyName;
  /** LP value - HODL value at the end (impermanent loss, <= 0). */
  il: number;
  fees: number;
  /** Mark-to-market P&L of the perp and the options (excluding funding and costs) = sum of `attribution`. */
  hedgePnl: number;
  /** Funding received by the perp position (negative = paid). */
  funding: number;
  /** Spreads and fees paid (<= 0). */
  costs: number;
  /** il + fees + hedgePnl + funding + costs. */
  total: number;
  attribution: HedgeAttribution;
  /** Orders placed (each perp trade and each option leg traded counts one). */
  trades: number;
  /** Largest fall of the running total from its running peak (quote, >= 0). */
  maxDrawdown: number;
  /** Running total per step (when recorded). */
  totals?: Float64Array;
  /** Step indices at which the policy traded (when recorded). */
  tradeSteps?: number[];
  strips?: StripRecord[];
  warnings: string[];
}
