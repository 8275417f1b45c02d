/**
 * The one step loop shared by `backtest` (a historical path) and `simulate` (Monte Carlo paths): for each policy,
 * at every step but the last the policy trades at the step's prices, then the holdings move to the next step
 * (lab/hedgeState.ts). The LP side (value, HODL, IL, fees) is computed once per path (lab/lpPath.ts).
 *
 * P&L is measured against holding the LP's entry amounts (HODL), in the quote currency:
 *   total(t) = IL(t) + fees(0..t) + hedge P&L(0..t) + funding(0..t) + costs(0..t),   IL(t) = LP(t) - HODL(t).
 */
import type { Highs } from 'highs';
import { LabInputError } from './errors.js';
import { HedgeState } from './hedgeState.js';
import { lpPath, type LpPathState } from './lpPath.js';
import { makePolicy } from './policies/index.js';
import type { CostSettings, LabBook, MarketPath, PolicyOutcome, PolicySpec } from './types.js';

export interface RunInput {
  path: MarketPath;
  book: LabBook;
  policies: readonly PolicySpec[];
  costs: CostSettings;
  /** HiGHS, loaded once (`loadSolver()`), for the options policy. */
  highs?: Highs | null;
  /** Keep the running total per step and the steps with trades (for plots). */
  record?: boolean;
  /** Reused buffers for the LP state (Monte Carlo loops). */
  lpBuffers?: LpPathState;
}

export function validatePath(path: MarketPath): void {
  const n = path.prices.length;
  if (n < 2) throw new LabInputError('path', n, 'needs at least two steps');
  for (const [name, arr] of [
    ['timesMs', path.timesMs],
    ['vols', path.vols],
    ['fundingPerYear', path.fundingPerYear],
  ] as const)
    if (arr.length !== n) throw new LabInputError(name, arr.length, `must have one value per price (${n})`);
  for (let i = 1; i < n; i++)
    if (!(path.timesMs[i]! > path.timesMs[i - 1]!))
      throw new LabInputError('timesMs', path.timesMs[i], `must increase (step ${i})`);
}

export function runPath(input: RunInput): PolicyOutcome[] {
  const { path, book, costs } = input;
  validatePath(path);
  if (book.positions.length === 0) throw new LabInputError('positions', [], 'give at least one LP position');
  const lp = lpPath(book, path, input.lpBuffers);
  const n = path.prices.length;
  const record = input.record ?? false;
  const ctx = { path, book, lp, costs, highs: input.highs ?? null };
  const outcomes: PolicyOutcome[] = [];
  for (const spec of input.policies) {
    const policy = makePolicy(spec, ctx);
    const h = new HedgeState(path, costs, record);
    const totals = record ? new Float64Array(n) : null;
    let fees = 0;
    let peak = 0;
    let maxDrawdown = 0;
    for (let i = 0; ; i++) {
      const total = lp.il[i]! + fees + h.hedgePnl() + h.funding + h.costs;
      if (totals) totals[i] = total;
      if (total > peak) peak = total;
      else if (peak - total > maxDrawdown) maxDrawdown = peak - total;
      if (i === n - 1) break;
      policy.decide(i, h);
      h.advance(i);
      fees += lp.fees[i]!;
    }
    const hedgePnl = h.hedgePnl();
    const il = lp.il[n - 1]!;
    const outcome: PolicyOutcome = {
      policy: spec.kind,
      il,
      fees,
      hedgePnl,
      funding: h.funding,
      costs: h.costs,
      total: il + fees + hedgePnl + h.funding + h.costs,
      attribution: { ...h.hedge },
      trades: h.trades,
      maxDrawdown,
      warnings: policy.warnings,
    };
    if (totals) {
      outcome.totals = totals;
      outcome.tradeSteps = h.tradeSteps;
    }
    if (policy.strips) outcome.strips = policy.strips;
    outcomes.push(outcome);
  }
  return outcomes;
}
