/**
 * Scenario P&L: the book before and after the hedge, revalued under spot moves x vol shifts x horizons.
 *
 * Revaluation is full (not a Greek expansion): LP positions at the moved pool price; options with Black-76 on the
 * moved forward `F (1 + move)`, the shifted vol `sigma + shift` (absolute, decimal) and the remaining time (at or
 * past expiry: intrinsic value); perps and futures linearly. A coin-settled option carries its coin premium `c0` as
 * coin paid away (see book.ts), so its USD P&L is `dC - c0 dF`. Transaction costs are not in the grid (they are the
 * ticket's `cost`); an LP's fee income is not modelled.
 */
import { MS_PER_DAY, black76Price, lpStateUnchecked, msToDays, yearFractionAct365 } from '../pricing/index.js';
import type { LpPosition } from '../pricing/index.js';
import { InvalidHedgeInputError } from './errors.js';

export type ScenarioHolding =
  | { kind: 'lp'; position: LpPosition }
  | {
      kind: 'option';
      type: 'call' | 'put';
      strike: number;
      expiryMs: number;
      forward: number;
      vol: number;
      /** Signed base units (+ long). */
      baseAmount: number;
      /** Coin premium per base unit paid away (coin-settled options), else 0. */
      premiumCoin: number;
    }
  | { kind: 'linear'; baseAmount: number };

export interface Horizon {
  label: string;
  /** Time from `asOfMs`, ms (0 = now). */
  offsetMs: number;
}

export interface ScenarioGrid {
  /** Relative moves of the price, e.g. -0.5 .. 0.5. */
  spotMoves: readonly number[];
  /** Absolute vol shifts, decimal (0.1 = +10 vol points). */
  volShifts: readonly number[];
  horizons: readonly Horizon[];
}

export interface ScenarioRow {
  horizon: string;
  horizonDays: number;
  volShift: number;
  spotMove: number;
  /** Pool price in the scenario, quote per base. */
  price: number;
  /** USD P&L of the book without / with the hedge legs. */
  pnlBefore: number;
  pnlAfter: number;
}

export interface ScenarioReport {
  grid: { spotMoves: number[]; volShifts: number[]; horizons: { label: string; days: number }[] };
  rows: ScenarioRow[];
  /** Worst P&L over the grid, before and after the hedge. */
  worstBefore: number;
  worstAfter: number;
}

export const DEFAULT_SPOT_MOVES = [-0.5, -0.3, -0.2, -0.1, -0.05, 0, 0.05, 0.1, 0.2, 0.3, 0.5] as const;
export const DEFAULT_VOL_SHIFTS = [-0.1, 0, 0.1] as const;

function holdingValue(h: ScenarioHolding, price: number, move: number, volShift: number, tYears: number): number {
  switch (h.kind) {
    case 'lp':
      return lpStateUnchecked(h.position, price * (1 + move)).value;
    case 'linear':
      return h.baseAmount * price * (1 + move);
    case 'option': {
      const forward = h.forward * (1 + move);
      const vol = Math.max(0, h.vol + volShift);
      const value = black76Price(h.type, forward, h.strike, Math.max(0, tYears), vol);
      return h.baseAmount * (value - h.premiumCoin * forward);
    }
  }
}

function pnl(
  holdings: readonly ScenarioHolding[],
  price: number,
  asOfMs: number,
  move: number,
  volShift: number,
  offsetMs: number,
): number {
  let total = 0;
  for (const h of holdings) {
    const remainingNow = h.kind === 'option' ? yearFractionAct365(asOfMs, h.expiryMs) : 0;
    const remaining = h.kind === 'option' ? yearFractionAct365(asOfMs + offsetMs, h.expiryMs) : 0;
    total += holdingValue(h, price, move, volShift, remaining) - holdingValue(h, price, 0, 0, remainingNow);
  }
  return total;
}

/** Revalues `before` and `before + hedge` on the grid. `price` is the current pool (spot) price. */
export function scenarioPnl(
  before: readonly ScenarioHolding[],
  hedge: readonly ScenarioHolding[],
  price: number,
  asOfMs: number,
  grid: ScenarioGrid,
): ScenarioReport {
  grid.spotMoves.forEach((m, i) => {
    if (!(m > -1 && Number.isFinite(m)))
      throw new InvalidHedgeInputError(`scenarios.spotMoves[${i}]`, m, 'must be a finite move greater than -1 (-100%)');
  });
  grid.volShifts.forEach((v, i) => {
    if (!Number.isFinite(v)) throw new InvalidHedgeInputError(`scenarios.volShifts[${i}]`, v, 'must be finite');
  });
  grid.horizons.forEach((h, i) => {
    if (!(h.offsetMs >= 0))
      throw new InvalidHedgeInputError(`scenarios.horizons[${i}]`, h.offsetMs, 'must be at least 0 ms from now');
  });
  const after = [...before, ...hedge];
  const rows: ScenarioRow[] = [];
  let worstBefore = Infinity;
  let worstAfter = Infinity;
  for (const horizon of grid.horizons) {
    for (const volShift of grid.volShifts) {
      for (const move of grid.spotMoves) {
        const pnlBefore = pnl(before, price, asOfMs, move, volShift, horizon.offsetMs);
        const pnlAfter = pnl(after, price, asOfMs, move, volShift, horizon.offsetMs);
        worstBefore = Math.min(worstBefore, pnlBefore);
        worstAfter = Math.min(worstAfter, pnlAfter);
        rows.push({
          horizon: horizon.label,
          horizonDays: msToDays(horizon.offsetMs),
          volShift,
          spotMove: move,
          price: price * (1 + move),
          pnlBefore,
          pnlAfter,
        });
      }
    }
  }
  return {
    grid: {
      spotMoves: [...grid.spotMoves],
      volShifts: [...grid.volShifts],
      horizons: grid.horizons.map((h) => ({ label: h.label, days: msToDays(h.offsetMs) })),
    },
    rows,
    worstBefore: rows.length ? worstBefore : 0,
    worstAfter: rows.length ? worstAfter : 0,
  };
}

/** now, +1 day and (when there is one) the hedge's first option expiry. */
export function defaultHorizons(asOfMs: number, expiryMs: number | null): Horizon[] {
  const horizons: Horizon[] = [
    { label: 'now', offsetMs: 0 },
    { label: '+1d', offsetMs: MS_PER_DAY },
  ];
  if (expiryMs !== null && expiryMs - asOfMs > MS_PER_DAY)
    horizons.push({ label: 'expiry', offsetMs: expiryMs - asOfMs });
  return horizons;
}
