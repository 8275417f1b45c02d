/**
 * What `ilhedge backtest` and `ilhedge simulate` run, minus the terminal: settings in, summaries and the report's
 * data out (the CLI in src/cli/commands renders them).
 */
import { loadSolver } from '../hedging/index.js';
import type { LpPosition } from '../pricing/index.js';
import { buildPositions, parsePolicyNames, policySpecs, validateCosts, type PositionSettings } from './config.js';
import { LabInputError } from './errors.js';
import { loadHistory, type HistoryInput } from './history/load.js';
import type { PathModel } from './paths/models.js';
import { modelPricingVol } from './paths/models.js';
import { dailyChanges } from './risk.js';
import type { ReportInput } from './report/html.js';
import { runPath } from './run.js';
import { fieldColumn, type SimulateConfig } from './simulate.js';
import { summariseBacktest, summariseSimulation, type PolicySummary } from './summary.js';
import type { CostSettings } from './types.js';
import { simulate } from './workers.js';
import { MS_PER_HOUR } from '../pricing/time.js';

export interface CommonSettings {
  model: 'v2' | 'v3';
  lower?: number;
  upper?: number;
  rangeWidth: number;
  depositValue: number;
  positions?: string;
  policies: string;
  hedgeIntervalHours: number;
  bandK: number;
  reviewHours: number;
  rollHours: number;
  stripHorizonDays: number;
  sell: boolean;
  perpCostBp: number;
  perpLot: number;
  optionSpreadVol: number;
  optionFee: number;
  optionLot: number;
  feeApr: number;
  fundingApr: number;
  vol?: number;
}

export interface LabRunResult {
  kind: 'backtest' | 'simulate';
  description: string;
  assumptions: string[];
  positions: LpPosition[];
  policies: PolicySummary[];
  report: ReportInput;
}

function costsOf(c: CommonSettings): CostSettings {
  return validateCosts({
    perpCostFraction: c.perpCostBp / 1e4,
    perpLotBase: c.perpLot,
    optionSpreadVol: c.optionSpreadVol,
    optionFeeRate: c.optionFee,
    optionLotBase: c.optionLot,
  });
}

function positionSettings(c: CommonSettings): PositionSettings {
  return {
    model: c.model,
    lower: c.lower,
    upper: c.upper,
    rangeWidth: c.rangeWidth,
    depositValue: c.depositValue,
    positionsJson: c.positions,
  };
}

function specsOf(c: CommonSettings) {
  return policySpecs(parsePolicyNames(c.policies), {
    hedgeIntervalHours: c.hedgeIntervalHours,
    bandK: c.bandK,
    reviewHours: c.reviewHours,
    rollBeforeExpiryHours: c.rollHours,
    stripHorizonDays: c.stripHorizonDays,
    allowSell: c.sell,
  });
}

function costAssumptions(c: CostSettings): string[] {
  return [
    `perp: forward = perp = spot (zero rates, no basis); cost ${c.perpCostFraction * 1e4} bp of notional per trade, lot ${c.perpLotBase} base`,
    `options: synthetic chain, Fridays 08:00 UTC, strikes every ~2.5% of price, linear, Black-76 at the path vol; bid/ask at vol -+ ${c.optionSpreadVol / 2}; fee ${c.optionFeeRate} of the underlying (cap 12.5% of premium); lot ${c.optionLotBase} base`,
    'P&L against holding the entry amounts (HODL); hedges target the IL delta (LP delta - entry base amount)',
  ];
}

export async function backtestRun(input: { history: HistoryInput; common: CommonSettings }): Promise<LabRunResult> {
  const history = loadHistory(input.history);
  const costs = costsOf(input.common);
  const policies = specsOf(input.common);
  const positions = buildPositions(positionSettings(input.common), history.prices[0]!);
  const highs = policies.some((p) => p.kind === 'options') ? await loadSolver() : null;
  const outcomes = runPath({ path: history, book: { positions }, policies, costs, highs, record: true });
  const summaries = summariseBacktest(history.timesMs, outcomes);
  const n = history.timesMs.length;
  const description =
    `backtest ${new Date(history.timesMs[0]!).toISOString()} to ${new Date(history.timesMs[n - 1]!).toISOString()}, ` +
    `${n} prices from ${history.prices[0]} to ${history.prices[n - 1]}`;
  const timesSec = Array.from(history.timesMs, (t) => t / 1000);
  return {
    kind: 'backtest',
    description,
    assumptions: [...history.assumptions, ...costAssumptions(costs)],
    positions,
    policies: summaries,
    report: {
      title: 'ilhedge backtest',
      subtitle: `${description}; sources: ${history.sources.join(', ')}`,
      assumptions: [...history.assumptions, ...costAssumptions(costs)],
      summaries,
      series: {
        timesSec,
        prices: Array.from(history.prices),
        totals: outcomes.map((o) => ({ policy: o.policy, values: Array.from(o.totals!) })),
        trades: outcomes.map((o) => ({ policy: o.policy, steps: o.tradeSteps! })),
      },
      distributions: outcomes.map((o) => ({
        policy: o.policy,
        label: 'daily change of the total',
        values: Array.from(dailyChanges(history.timesMs, o.totals!)),
      })),
    },
  };
}

export interface SimulateSettings extends CommonSettings {
  pathModel: 'gbm' | 'merton' | 'heston';
  paths: number;
  days: number;
  stepHours: number;
  seed: number;
  price: number;
  startMs: number;
  drift: number;
  jumpIntensity: number;
  jumpMean: number;
  jumpSd: number;
  kappa: number;
  theta?: number;
  xi: number;
  rho: number;
  v0?: number;
  workers: number;
  samplePaths: number;
}

export function pathModelOf(s: SimulateSettings): PathModel {
  const vol = s.vol ?? 0.6;
  switch (s.pathModel) {
    case 'gbm':
      return { kind: 'gbm', drift: s.drift, vol };
    case 'merton':
      return {
        kind: 'merton',
        drift: s.drift,
        vol,
        jumpIntensityPerYear: s.jumpIntensity,
        jumpMean: s.jumpMean,
        jumpSd: s.jumpSd,
      };
    case 'heston':
      return {
        kind: 'heston',
        drift: s.drift,
        v0: s.v0 ?? vol * vol,
        kappa: s.kappa,
        theta: s.theta ?? vol * vol,
        xi: s.xi,
        rho: s.rho,
      };
    default:
      throw new LabInputError('pathModel', s.pathModel, "must be 'gbm', 'merton' or 'heston'");
  }
}

export async function simulateRun(
  s: SimulateSettings,
  onProgress?: (done: number, total: number) => void,
): Promise<LabRunResult> {
  const model = pathModelOf(s);
  const steps = Math.round((s.days * 24) / s.stepHours);
  if (!(steps >= 1)) throw new LabInputError('days', s.days, 'must cover at least one step');
  const positions = buildPositions(positionSettings(s), s.price);
  const policies = specsOf(s);
  const config: SimulateConfig = {
    model,
    startPrice: s.price,
    startMs: s.startMs,
    stepHours: s.stepHours,
    steps,
    paths: s.paths,
    seed: s.seed,
    positions,
    policies,
    costs: costsOf(s),
    feeApr: s.feeApr,
    fundingApr: s.fundingApr,
    samplePaths: Math.min(s.samplePaths, s.paths),
  };
  const chunk = await simulate(config, { workers: s.workers, onProgress });
  const names = policies.map((p) => p.kind);
  const summaries = summariseSimulation(names, chunk);
  const description =
    `simulate ${model.kind}, ${s.paths} paths x ${steps} steps of ${s.stepHours} h (${s.days} days), seed ${s.seed}, ` +
    `start price ${s.price}, drift ${s.drift}, pricing vol ${modelPricingVol(model).toFixed(4)}`;
  const assumptions = [
    `fees at --fee-apr ${s.feeApr} of position value a year while in range; funding at --funding-apr ${s.fundingApr}`,
    ...costAssumptions(config.costs),
    model.kind === 'merton'
      ? 'merton: options priced at sqrt(sigma^2 + lambda (muJ^2 + sigmaJ^2)), drift corrected by -lambda kappa'
      : model.kind === 'heston'
        ? 'heston: full-truncation Euler; options priced at the instantaneous vol sqrt(v)'
        : 'gbm: exact log-Euler',
  ];
  const sample = chunk.samples[0];
  const timesSec = Array.from({ length: steps + 1 }, (_, i) => (s.startMs + i * s.stepHours * MS_PER_HOUR) / 1000);
  return {
    kind: 'simulate',
    description,
    assumptions,
    positions,
    policies: summaries,
    report: {
      title: 'ilhedge simulate',
      subtitle: `${description}; plots of path 0`,
      assumptions,
      summaries,
      series: sample
        ? {
            timesSec,
            prices: Array.from(sample.prices),
            totals: names.map((p, j) => ({ policy: p, values: Array.from(sample.totals[j]!) })),
            trades: names.map((p, j) => ({ policy: p, steps: sample.tradeSteps[j]! })),
          }
        : { timesSec: [], prices: [], totals: [], trades: [] },
      distributions: names.map((p, j) => ({
        policy: p,
        label: 'path total',
        values: Array.from(fieldColumn(chunk.values[j]!, 'total')),
      })),
    },
  };
}

/** The JSON form: per policy `il`, `fees`, `hedgePnl`, `funding`, `costs`, `total`, the attribution and the risk figures. */
export function resultJson(r: LabRunResult): unknown {
  return {
    kind: r.kind,
    description: r.description,
    assumptions: r.assumptions,
    positions: r.positions,
    policies: r.policies.map((p) => ({
      policy: p.policy,
      il: p.il,
      fees: p.fees,
      hedgePnl: p.hedgePnl,
      funding: p.funding,
      costs: p.costs,
      total: p.total,
      attribution: p.attribution,
      riskOf: p.riskOf,
      mean: p.risk.mean,
      sd: p.risk.sd,
      standardError: p.risk.standardError,
      var95: p.risk.var95,
      cvar95: p.risk.cvar95,
      var99: p.risk.var99,
      cvar99: p.risk.cvar99,
      worstDrawdown: p.worstDrawdown,
      trades: p.trades,
      warnings: p.warnings,
      ...(p.strips ? { strips: p.strips } : {}),
    })),
  };
}
