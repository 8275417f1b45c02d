/**
 * Per-policy summaries for output (`--json`, the table, the report). For a simulation the P&L components are means
 * over paths and the risk figures are of the path totals; for a backtest the components are the run's own and the
 * risk figures are of the daily changes of the running total (one path has no distribution of totals).
 */
import { dailyChanges, mean, riskFigures, type RiskFigures } from './risk.js';
import { fieldColumn, type SimulateChunk } from './simulate.js';
import type { HedgeAttribution, PolicyName, PolicyOutcome, StripRecord } from './types.js';

export interface PolicySummary {
  policy: PolicyName;
  il: number;
  fees: number;
  hedgePnl: number;
  funding: number;
  costs: number;
  total: number;
  attribution: HedgeAttribution;
  /** What the risk figures are of: `path totals` (simulate) or `daily changes of the total` (backtest). */
  riskOf: string;
  risk: RiskFigures;
  /** Worst drawdown of the running total (over paths: the worst one). */
  worstDrawdown: number;
  /** Trades (simulate: mean per path). */
  trades: number;
  warnings: string[];
  strips?: StripRecord[];
}

export function summariseBacktest(timesMs: Float64Array, outcomes: PolicyOutcome[]): PolicySummary[] {
  return outcomes.map((o) => ({
    policy: o.policy,
    il: o.il,
    fees: o.fees,
    hedgePnl: o.hedgePnl,
    funding: o.funding,
    costs: o.costs,
    total: o.total,
    attribution: o.attribution,
    riskOf: 'daily changes of the total',
    risk: riskFigures(o.totals ? dailyChanges(timesMs, o.totals) : [o.total]),
    worstDrawdown: o.maxDrawdown,
    trades: o.trades,
    warnings: o.warnings,
    ...(o.strips ? { strips: o.strips } : {}),
  }));
}

export function summariseSimulation(policies: readonly PolicyName[], chunk: SimulateChunk): PolicySummary[] {
  return policies.map((policy, j) => {
    const v = chunk.values[j]!;
    const m = (f: Parameters<typeof fieldColumn>[1]) => mean(fieldColumn(v, f));
    const drawdowns = fieldColumn(v, 'maxDrawdown');
    return {
      policy,
      il: m('il'),
      fees: m('fees'),
      hedgePnl: m('hedgePnl'),
      funding: m('funding'),
      costs: m('costs'),
      total: m('total'),
      attribution: {
        delta: m('delta'),
        gamma: m('gamma'),
        theta: m('theta'),
        vega: m('vega'),
        residual: m('residual'),
      },
      riskOf: 'path totals',
      risk: riskFigures(fieldColumn(v, 'total')),
      worstDrawdown: drawdowns.reduce((a, b) => Math.max(a, b), 0),
      trades: m('trades'),
      warnings: chunk.warnings[j]!,
    };
  });
}
