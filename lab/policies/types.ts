import type { Highs } from 'highs';
import type { HedgeState } from '../hedgeState.js';
import type { LpPathState } from '../lpPath.js';
import type { CostSettings, LabBook, MarketPath, PolicyName, StripRecord } from '../types.js';

/** What a policy sees: the path, the LP along it, the costs, and the solver (for the options policy). */
export interface PolicyContext {
  path: MarketPath;
  book: LabBook;
  lp: LpPathState;
  costs: CostSettings;
  highs: Highs | null;
}

/** A policy on one path: called at every step but the last, before the step's move; trades through `h`. */
export interface PolicyRunner {
  readonly name: PolicyName;
  decide(i: number, h: HedgeState): void;
  readonly warnings: string[];
  readonly strips?: StripRecord[];
}

/** The book's delta (IL delta + perp + options), base units. */
export function bookDelta(ctx: PolicyContext, i: number, h: HedgeState): number {
  let d = ctx.lp.ilDelta[i]! + h.perpBase;
  for (const l of h.legs) d += l.quantity * l.delta;
  return d;
}

export function bookGamma(ctx: PolicyContext, i: number, h: HedgeState): number {
  let g = ctx.lp.gamma[i]!;
  for (const l of h.legs) g += l.quantity * l.gamma;
  return g;
}
