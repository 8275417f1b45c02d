/**
 * The delta-gamma hedge as a mixed-integer programme, solved by HiGHS (the npm `highs` package, WebAssembly).
 *
 * Decision variables, per option candidate i: whole lots bought `b_i` and sold `s_i` (integers), plus binaries
 * `yb_i`, `ys_i` when a minimum order above one lot or a maximum number of legs needs them; and the delta hedge
 * (perp or future) as two continuous variables in base units. Constraints, each row scaled by its tolerance so that
 * HiGHS sees coefficients of order one (gamma per BTC is ~1e-5; unscaled it would sit below HiGHS's 1e-9
 * small-matrix threshold for small lots):
 *
 *   |delta_book + sum_i lot_i delta_i (b_i - s_i) + d_h (h+ - h-) - delta_target| <= tol_delta
 *   |gamma_book + sum_i lot_i gamma_i (b_i - s_i) - gamma_target|                  <= tol_gamma
 *   |vega_book  + sum_i lot_i vega_i  (b_i - s_i)|                                 <= vega_bound   (optional)
 *   sum_i (yb_i + ys_i) <= max_legs                                                                 (optional)
 *
 * and minimises the linear cost sum_i lot_i (c+_i b_i + c-_i s_i) + c_h (h+ + h-). The relaxed problem (integrality,
 * minimum orders and the leg limit dropped) is solved too: its optimum is a lower bound on any whole-lot hedge and
 * the ticket reports both. After the
 * MIP, the delta hedge is re-fixed to the delta target in whole lots of its own (rounding the perp is the last step,
 * so what remains is at most half a perp lot of delta, reported as the residual).
 *
 * Why a MIP rather than rounding the LP optimum: at Deribit's 0.1 BTC lots a 1 M USD v3 range needs only tens of
 * lots of gamma, and rounding a basic LP solution component-wise can leave the gamma row outside a tight tolerance
 * or pick a needlessly expensive combination; the MIP answers exactly, in about a millisecond at this size.
 */
import type { Highs } from 'highs';
import { InfeasibleHedgeError, InvalidHedgeInputError, SolverError, requireFiniteField } from './errors.js';

/** What the optimiser minimises. */
export type CostModel = 'spread' | 'theta' | 'premium';
export const COST_MODELS: readonly CostModel[] = ['spread', 'theta', 'premium'];

/** An option the optimiser may trade, reduced to numbers: Greeks and costs per base unit, lots in base units. */
export interface HedgeCandidate {
  /** Stable key, e.g. `deribit:BTC-26JUN26-80000-C`. */
  key: string;
  /** Greeks of one base unit held long, quote currency (delta premium-adjusted for coin-settled options). */
  delta: number;
  gamma: number;
  /** dV/dsigma (sigma decimal), quote currency per base unit. */
  vega: number;
  /** dV/dt per year, quote currency per base unit. */
  theta: number;
  /** Cost of buying / selling one base unit under the chosen cost model, quote currency (may be < 0 for premium). */
  buyCost: number;
  sellCost: number;
  /** Order step and minimum order, in base units (contracts x contract size). */
  lotBase: number;
  minBase: number;
  /** Largest quantity the hedge may trade in this candidate, base units (limits); Infinity for no limit. */
  maxBase: number;
  canBuy: boolean;
  canSell: boolean;
}

/** The instrument that takes the delta (a perp or a future): linear in the underlying, no gamma. */
export interface DeltaHedgeCandidate {
  key: string;
  /** Delta of one base unit held long (1 for a perp or a future on the same underlying). */
  delta: number;
  /** Cost per base unit bought / sold, quote currency. */
  buyCost: number;
  sellCost: number;
  /** Order step and minimum in base units at the current price (inverse perps: contract USD / price). */
  lotBase: number;
  minBase: number;
  /** Largest |quantity| in base units; Infinity for no limit. */
  maxBase: number;
}

export interface BookGreeks {
  delta: number;
  gamma: number;
  vega: number;
  theta: number;
}

export interface OptimiseProblem {
  /** The book before the hedge. */
  book: BookGreeks;
  target: { delta: number; gamma: number };
  /** Absolute tolerances: base units for delta, base units per quote unit for gamma; both > 0. */
  tolerance: { delta: number; gamma: number };
  /** Optional bound on |vega| of the book after the hedge, quote currency per unit of vol (decimal). */
  vegaBound?: number | null;
  /** Optional maximum number of option legs (the delta hedge does not count). */
  maxLegs?: number | null;
  options: readonly HedgeCandidate[];
  deltaHedge: DeltaHedgeCandidate | null;
}

export interface HedgeAllocation {
  /** Signed base units per option candidate, in the order of `problem.options` (+ bought, - sold). */
  optionBase: number[];
  /** Signed base units of the delta hedge. */
  deltaHedgeBase: number;
  /** Objective value of this allocation, quote currency. */
  cost: number;
}

export interface RoundedAllocation extends HedgeAllocation {
  /** Signed whole lots per option candidate. */
  optionLots: number[];
  /** Signed whole lots of the delta hedge after the re-fix. */
  deltaHedgeLots: number;
  /** MIP objective (continuous delta hedge, before its own rounding), quote currency: never below `relaxed.cost`. */
  mipCost: number;
}

export interface OptimiseResult {
  relaxed: HedgeAllocation;
  rounded: RoundedAllocation;
  /** The book after the rounded hedge. */
  after: BookGreeks;
  /** `after - target` for delta and gamma: what rounding (and the tolerance) leaves. */
  residual: { delta: number; gamma: number };
  withinTolerance: { delta: boolean; gamma: boolean; vega: boolean };
}

// --- the solver: loaded once per process, reused by every solve ---------------------------------------------------

let highsPromise: Promise<Highs> | undefined;

/** Loads HiGHS (compiles its WebAssembly) once; later calls return the same instance. */
export function loadSolver(): Promise<Highs> {
  if (!highsPromise) {
    highsPromise = import('highs').then((mod) => {
      const loader = (mod as unknown as { default: () => Promise<Highs> }).default;
      return loader();
    });
    highsPromise.catch(() => (highsPromise = undefined));
  }
  return highsPromise;
}

/**
 * Options for every solve. At this size (a few rows, under twenty integers) the primal heuristics are what costs:
 * feasibility jump alone adds a fixed ~7 ms per MIP in the wasm build, and the root heuristics (RINS, RENS,
 * randomised rounding) ~3 ms more; branch and bound with the cost-tightened bounds finds and proves the optimum in
 * a few nodes without them (measured on the built-in chain: ~8 ms -> ~2.5 ms CPU per MIP). Symmetry detection is
 * useless here too. The gap is 0 so the answer is the proven optimum (the property "adding a candidate never raises
 * the cost" relies on it).
 */
const SOLVE_OPTIONS = {
  output_flag: false,
  mip_rel_gap: 0,
  mip_abs_gap: 1e-9,
  mip_heuristic_effort: 0,
  mip_heuristic_run_feasibility_jump: false,
  mip_detect_symmetry: false,
  time_limit: 10,
} as const;

/** Lots per candidate when no limit is given: enough to cover the gamma gap several times over on its own. */
const MAX_LOTS_CAP = 1_000_000;

function fmt(x: number): string {
  // Shortest round-trip representation; HiGHS's LP reader accepts JS exponent notation (1e-7).
  return Object.is(x, -0) ? '0' : String(x);
}

function term(coefficient: number, variable: string): string {
  if (coefficient === 0) return '';
  return coefficient < 0 ? ` - ${fmt(-coefficient)} ${variable}` : ` + ${fmt(coefficient)} ${variable}`;
}

interface ColumnPlan {
  buyLotsMax: number;
  sellLotsMax: number;
  minLots: number;
  needsBinary: boolean;
}

function validate(problem: OptimiseProblem): void {
  const { book, target, tolerance } = problem;
  requireFiniteField('book.delta', book.delta);
  requireFiniteField('book.gamma', book.gamma);
  requireFiniteField('book.vega', book.vega);
  requireFiniteField('target.delta', target.delta);
  requireFiniteField('target.gamma', target.gamma);
  if (!(tolerance.delta > 0 && Number.isFinite(tolerance.delta)))
    throw new InvalidHedgeInputError('tolerance.delta', tolerance.delta, 'must be a finite number greater than 0');
  if (!(tolerance.gamma > 0 && Number.isFinite(tolerance.gamma)))
    throw new InvalidHedgeInputError('tolerance.gamma', tolerance.gamma, 'must be a finite number greater than 0');
  if (problem.vegaBound != null && !(problem.vegaBound > 0))
    throw new InvalidHedgeInputError('vegaBound', problem.vegaBound, 'must be greater than 0 when given');
  if (problem.maxLegs != null && !(Number.isInteger(problem.maxLegs) && problem.maxLegs >= 0))
    throw new InvalidHedgeInputError('maxLegs', problem.maxLegs, 'must be a whole number at least 0 when given');
  problem.options.forEach((c, i) => {
    const f = `options[${i}]`;
    for (const k of ['delta', 'gamma', 'vega', 'theta', 'buyCost', 'sellCost'] as const)
      requireFiniteField(`${f}.${k}`, c[k]);
    if (!(c.lotBase > 0 && Number.isFinite(c.lotBase)))
      throw new InvalidHedgeInputError(`${f}.lotBase`, c.lotBase, 'must be a finite number greater than 0');
    if (!(c.minBase >= 0 && Number.isFinite(c.minBase)))
      throw new InvalidHedgeInputError(`${f}.minBase`, c.minBase, 'must be a finite number at least 0');
    if (!(c.maxBase >= 0))
      throw new InvalidHedgeInputError(`${f}.maxBase`, c.maxBase, 'must be at least 0 (Infinity for no limit)');
  });
  const h = problem.deltaHedge;
  if (h) {
    for (const k of ['delta', 'buyCost', 'sellCost'] as const) requireFiniteField(`deltaHedge.${k}`, h[k]);
    if (!(h.delta !== 0)) throw new InvalidHedgeInputError('deltaHedge.delta', h.delta, 'must not be 0');
    if (!(h.lotBase > 0 && Number.isFinite(h.lotBase)))
      throw new InvalidHedgeInputError('deltaHedge.lotBase', h.lotBase, 'must be a finite number greater than 0');
  }
}

function planColumns(problem: OptimiseProblem, useLegCount: boolean): ColumnPlan[] {
  const gammaGap = Math.abs(problem.target.gamma - problem.book.gamma) + problem.tolerance.gamma;
  const deltaGap = Math.abs(problem.target.delta - problem.book.delta) + problem.tolerance.delta;
  return problem.options.map((c) => {
    // Without a limit, a candidate never needs more than a few times the gap it could close alone.
    const byGamma = c.gamma !== 0 ? (4 * gammaGap) / Math.abs(c.gamma) : 0;
    const byDelta = c.delta !== 0 && !problem.deltaHedge ? (4 * deltaGap) / Math.abs(c.delta) : 0;
    const naturalBase = Math.max(byGamma, byDelta, c.minBase);
    const capBase = Number.isFinite(c.maxBase) ? c.maxBase : naturalBase;
    const maxLots = Math.min(MAX_LOTS_CAP, Math.floor(capBase / c.lotBase + 1e-9));
    const minLots = Math.max(1, Math.ceil(c.minBase / c.lotBase - 1e-9));
    const usable = maxLots >= minLots;
    return {
      buyLotsMax: c.canBuy && usable ? maxLots : 0,
      sellLotsMax: c.canSell && usable ? maxLots : 0,
      minLots,
      needsBinary: useLegCount || minLots > 1,
    };
  });
}

/** Writes the problem in CPLEX LP format; `integral` false gives the relaxation (binaries become [0, 1]). */
export function formatLpProblem(problem: OptimiseProblem, integral: boolean): string {
  const plan = planColumns(problem, problem.maxLegs != null);
  return buildLp(problem, plan, integral, problem.maxLegs ?? null);
}

function buildLp(problem: OptimiseProblem, plan: ColumnPlan[], integral: boolean, maxLegs: number | null): string {
  const { book, target, tolerance, options, deltaHedge } = problem;
  let objective = '';
  let deltaRow = '';
  let gammaRow = '';
  let vegaRow = '';
  let legsRow = '';
  const linkRows: string[] = [];
  const bounds: string[] = [];
  const generals: string[] = [];
  const binaries: string[] = [];
  const vegaBound = problem.vegaBound ?? null;

  options.forEach((c, i) => {
    const p = plan[i]!;
    const sides: [string, number, number, number][] = [];
    if (p.buyLotsMax > 0) sides.push([`b${i}`, 1, c.buyCost, p.buyLotsMax]);
    if (p.sellLotsMax > 0) sides.push([`s${i}`, -1, c.sellCost, p.sellLotsMax]);
    for (const [name, sign, cost, maxLots] of sides) {
      objective += term(cost * c.lotBase, name);
      deltaRow += term((sign * c.delta * c.lotBase) / tolerance.delta, name);
      gammaRow += term((sign * c.gamma * c.lotBase) / tolerance.gamma, name);
      if (vegaBound != null) vegaRow += term((sign * c.vega * c.lotBase) / vegaBound, name);
      bounds.push(` 0 <= ${name} <= ${maxLots}`);
      generals.push(name);
      if (p.needsBinary) {
        const y = `y${name}`;
        linkRows.push(` lo_${name}: ${name} - ${p.minLots} ${y} >= 0`);
        linkRows.push(` hi_${name}: ${name} - ${maxLots} ${y} <= 0`);
        legsRow += ` + ${y}`;
        if (integral) binaries.push(y);
        else bounds.push(` 0 <= ${y} <= 1`);
      }
    }
  });
  if (deltaHedge) {
    const maxBase = Number.isFinite(deltaHedge.maxBase) ? fmt(deltaHedge.maxBase) : '+inf';
    objective += term(deltaHedge.buyCost, 'hp') + term(deltaHedge.sellCost, 'hm');
    deltaRow += term(deltaHedge.delta / tolerance.delta, 'hp') + term(-deltaHedge.delta / tolerance.delta, 'hm');
    bounds.push(` 0 <= hp <= ${maxBase}`, ` 0 <= hm <= ${maxBase}`);
  }

  const rows: string[] = [];
  const range = (name: string, expr: string, centre: number) => {
    // expr in tolerance units must lie in [centre - 1, centre + 1]. An empty row is checked by the caller.
    if (expr === '') expr = ' + 0 zero';
    rows.push(` ${name}_lo:${expr} >= ${fmt(centre - 1)}`, ` ${name}_hi:${expr} <= ${fmt(centre + 1)}`);
  };
  range('delta', deltaRow, (target.delta - book.delta) / tolerance.delta);
  range('gamma', gammaRow, (target.gamma - book.gamma) / tolerance.gamma);
  if (vegaBound != null) range('vega', vegaRow, -book.vega / vegaBound);
  if (maxLegs !== null && legsRow !== '') rows.push(` legs:${legsRow} <= ${maxLegs}`);
  rows.push(...linkRows);
  if (objective === '') objective = ' 0 zero';
  const usesZero = rows.some((r) => r.includes(' zero')) || objective.includes(' zero');
  if (usesZero) bounds.push(' 0 <= zero <= 0');

  return [
    'Minimize',
    ` cost:${objective}`,
    'Subject To',
    ...rows,
    'Bounds',
    ...bounds,
    ...(integral && generals.length ? ['Generals', ' ' + generals.join(' ')] : []),
    ...(integral && binaries.length ? ['Binaries', ' ' + binaries.join(' ')] : []),
    'End',
    '',
  ].join('\n');
}

type Solution = ReturnType<Highs['solve']>;

/**
 * The whole-lot MIP. A leg limit needs one binary per side and candidate, which makes HiGHS several times slower
 * (measured: ~7 ms -> ~38 ms CPU at 8 candidates); so the problem is first solved without the limit. The optimum of
 * that larger feasible set is also optimal under the limit whenever it already uses few enough legs (the usual
 * case: one or two options carry the gamma); only otherwise is the limited problem solved.
 */
function solveWholeLots(highs: Highs, problem: OptimiseProblem, plan: ColumnPlan[], maxLegs: number | null): Solution {
  const needsMinBinaries = plan.some((p) => p.minLots > 1);
  if (maxLegs !== null && !needsMinBinaries) {
    const free = plan.map((p) => ({ ...p, needsBinary: false }));
    const first = highs.solve(buildLp(problem, free, true, null), SOLVE_OPTIONS);
    if (first.Status === 'Optimal') {
      const legs = problem.options.reduce(
        (n, _, i) =>
          n + (Math.round(primal(first, `b${i}`)) > 0 ? 1 : 0) + (Math.round(primal(first, `s${i}`)) > 0 ? 1 : 0),
        0,
      );
      if (legs <= maxLegs) return first;
    } else if (first.Status === 'Infeasible') {
      return first;
    }
  }
  return highs.solve(buildLp(problem, plan, true, maxLegs), SOLVE_OPTIONS);
}

/**
 * Shrinks the lot bounds with a cost cut-off. When every trade costs something (spread or theta plus spread), no
 * optimal hedge spends more than a known feasible one, so no candidate can hold more than `cost / (cost per lot)`
 * lots. The feasible hedge comes from rounding the relaxed optimum (nearest, then up), each also repaired by moving
 * one candidate to put gamma on target; if none is feasible the natural bounds stay. This keeps the optimum exact while cutting the integer domains HiGHS has to
 * search from thousands of lots to tens (measured: ~20 ms -> ~3 ms per solve at 8 candidates).
 */
function tightenByCost(problem: OptimiseProblem, plan: ColumnPlan[], relaxed: Solution): void {
  const h = problem.deltaHedge;
  const positive = problem.options.every(
    (c, i) => (plan[i]!.buyLotsMax === 0 || c.buyCost > 0) && (plan[i]!.sellLotsMax === 0 || c.sellCost > 0),
  );
  if (!positive || (h && (h.buyCost < 0 || h.sellCost < 0))) return;
  let best = Infinity;
  for (const round of [Math.round, Math.ceil]) {
    const lots = problem.options.map((_, i) => {
      const b = round(primal(relaxed, `b${i}`) - 1e-9);
      const s = round(primal(relaxed, `s${i}`) - 1e-9);
      return [Math.min(b, plan[i]!.buyLotsMax), Math.min(s, plan[i]!.sellLotsMax)] as [number, number];
    });
    best = Math.min(best, feasibleCost(problem, plan, lots));
    // Repair: move one candidate's lots so the gamma row lands on its target (any candidate whose lot gamma is
    // narrower than the band can), keeping the cheapest feasible result.
    let gamma = problem.book.gamma;
    lots.forEach(([b, s], i) => (gamma += (b - s) * problem.options[i]!.lotBase * problem.options[i]!.gamma));
    problem.options.forEach((c, i) => {
      const lotGamma = c.lotBase * c.gamma;
      if (lotGamma === 0) return;
      const step = Math.round((problem.target.gamma - gamma) / lotGamma);
      if (step === 0) return;
      const [b, s] = lots[i]!;
      const net = b - s + step;
      const candidate = lots.map((l) => [...l] as [number, number]);
      candidate[i] = net >= 0 ? [Math.min(net, plan[i]!.buyLotsMax), 0] : [0, Math.min(-net, plan[i]!.sellLotsMax)];
      best = Math.min(best, feasibleCost(problem, plan, candidate));
    });
  }
  if (!Number.isFinite(best)) return;
  problem.options.forEach((c, i) => {
    const p = plan[i]!;
    const cut = (costPerLot: number) => Math.floor(best / costPerLot + 1e-9);
    if (p.buyLotsMax > 0) p.buyLotsMax = Math.min(p.buyLotsMax, cut(c.buyCost * c.lotBase));
    if (p.sellLotsMax > 0) p.sellLotsMax = Math.min(p.sellLotsMax, cut(c.sellCost * c.lotBase));
  });
}

/** Cost of an integral allocation if it satisfies every row (delta through the continuous hedge), else Infinity. */
function feasibleCost(
  problem: OptimiseProblem,
  plan: ColumnPlan[],
  lots: readonly (readonly [number, number])[],
): number {
  const { book, target, tolerance } = problem;
  let delta = book.delta;
  let gamma = book.gamma;
  let vega = book.vega;
  let cost = 0;
  let legs = 0;
  for (let i = 0; i < lots.length; i++) {
    const [b, s] = lots[i]!;
    const c = problem.options[i]!;
    const p = plan[i]!;
    for (const n of [b, s]) {
      if (n === 0) continue;
      if (n < p.minLots) return Infinity;
      legs++;
    }
    const q = (b - s) * c.lotBase;
    delta += q * c.delta;
    gamma += q * c.gamma;
    vega += q * c.vega;
    cost += b * c.lotBase * c.buyCost + s * c.lotBase * c.sellCost;
  }
  if (Math.abs(gamma - target.gamma) > tolerance.gamma) return Infinity;
  if (problem.vegaBound != null && Math.abs(vega) > problem.vegaBound) return Infinity;
  if (problem.maxLegs != null && legs > problem.maxLegs) return Infinity;
  const excess = Math.abs(delta - target.delta) - tolerance.delta;
  if (excess > 0) {
    const h = problem.deltaHedge;
    if (!h) return Infinity;
    const base = excess / Math.abs(h.delta);
    if (base > h.maxBase) return Infinity;
    const buying = (target.delta - delta) * h.delta > 0;
    cost += base * (buying ? h.buyCost : h.sellCost);
  }
  // A hair above, so the cut-off never excludes the incumbent itself through rounding of the objective.
  return cost * (1 + 1e-9) + 1e-9;
}

function primal(solution: Solution, name: string): number {
  const column = solution.Columns[name] as { Primal?: number } | undefined;
  return column?.Primal ?? 0;
}

function describeReach(problem: OptimiseProblem, plan: ColumnPlan[]): string {
  let up = 0;
  let down = 0;
  problem.options.forEach((c, i) => {
    const p = plan[i]!;
    const buy = p.buyLotsMax * c.lotBase * c.gamma;
    const sell = -p.sellLotsMax * c.lotBase * c.gamma;
    for (const g of [buy, sell]) {
      if (g > 0) up += g;
      else down += g;
    }
  });
  return `candidates can add between ${down.toExponential(3)} and +${up.toExponential(3)} of gamma within their limits`;
}

/**
 * Chooses whole-lot quantities of the candidates (and the delta hedge) that put the book's delta and gamma within
 * tolerance of their targets at least cost. Throws `InfeasibleHedgeError` naming the binding requirement when no
 * admissible combination exists.
 */
export async function optimiseHedge(problem: OptimiseProblem): Promise<OptimiseResult> {
  validate(problem);
  const highs = await loadSolver();
  return optimiseHedgeWith(highs, problem);
}

/** As `optimiseHedge`, with an already loaded solver (synchronous). */
export function optimiseHedgeWith(highs: Highs, problem: OptimiseProblem): OptimiseResult {
  validate(problem);
  const maxLegs = problem.maxLegs ?? null;
  const plan = planColumns(problem, maxLegs !== null);
  // The relaxation drops integrality and, with it, the binaries of the leg limit and of minimum orders: still a
  // lower bound on every whole-lot hedge, and a plain LP (with those rows HiGHS took 5-50 ms on it instead of ~1).
  const relaxedSolution = highs.solve(
    buildLp(
      problem,
      plan.map((p) => ({ ...p, needsBinary: false })),
      false,
      null,
    ),
    SOLVE_OPTIONS,
  );
  if (relaxedSolution.Status !== 'Optimal') {
    if (relaxedSolution.Status === 'Infeasible' || relaxedSolution.Status === 'Primal infeasible or unbounded') {
      const gap = problem.target.gamma - problem.book.gamma;
      throw new InfeasibleHedgeError(
        `no candidate set can reach the gamma target: the book's gamma is ${problem.book.gamma.toExponential(4)}, ` +
          `the target ${problem.target.gamma.toExponential(4)} +- ${problem.tolerance.gamma.toExponential(3)} ` +
          `(a gap of ${gap.toExponential(4)}); the ${problem.options.length} ${describeReach(problem, plan)}` +
          (problem.vegaBound != null ? `, with |vega| <= ${problem.vegaBound}` : '') +
          (problem.deltaHedge ? '' : '; no perp or future is allowed for delta'),
      );
    }
    throw new SolverError(`HiGHS could not solve the relaxed hedge problem: ${relaxedSolution.Status}`);
  }
  tightenByCost(problem, plan, relaxedSolution);
  const mipSolution = solveWholeLots(highs, problem, plan, maxLegs);
  if (mipSolution.Status !== 'Optimal') {
    if (mipSolution.Status === 'Infeasible' || mipSolution.Status === 'Primal infeasible or unbounded') {
      throw new InfeasibleHedgeError(
        `no combination of whole lots reaches the targets: the relaxed hedge exists, but with lot sizes ` +
          `(${[...new Set(problem.options.map((c) => c.lotBase))].join(', ')} base units)` +
          (problem.maxLegs != null ? `, at most ${problem.maxLegs} legs` : '') +
          ` the gamma tolerance ${problem.tolerance.gamma.toExponential(3)} cannot be met; widen it or allow more legs`,
      );
    }
    throw new SolverError(`HiGHS could not solve the whole-lot hedge problem: ${mipSolution.Status}`);
  }

  const relaxedBase = problem.options.map(
    (c, i) => (primal(relaxedSolution, `b${i}`) - primal(relaxedSolution, `s${i}`)) * c.lotBase,
  );
  const relaxed: HedgeAllocation = {
    optionBase: relaxedBase,
    deltaHedgeBase: primal(relaxedSolution, 'hp') - primal(relaxedSolution, 'hm'),
    cost: relaxedSolution.ObjectiveValue,
  };

  const optionLots = problem.options.map((_, i) =>
    Math.round(primal(mipSolution, `b${i}`) - primal(mipSolution, `s${i}`)),
  );
  const optionBase = optionLots.map((lots, i) => lots * problem.options[i]!.lotBase);
  const optionsOnly = addGreeks(problem.book, problem.options, optionBase);

  let deltaHedgeLots = 0;
  let deltaHedgeBase = 0;
  const h = problem.deltaHedge;
  if (h) {
    // Re-fix delta: the perp closes whatever the options leave, to the nearest lot it trades in.
    const wantedBase = (problem.target.delta - optionsOnly.delta) / h.delta;
    const maxLots = Number.isFinite(h.maxBase) ? Math.floor(h.maxBase / h.lotBase + 1e-9) : Infinity;
    deltaHedgeLots = Math.max(-maxLots, Math.min(maxLots, Math.round(wantedBase / h.lotBase)));
    const minLots = Math.ceil(h.minBase / h.lotBase - 1e-9);
    if (deltaHedgeLots !== 0 && Math.abs(deltaHedgeLots) < minLots) {
      // Below the venue minimum: trade the minimum or nothing, whichever lands closer to the target.
      const atMin = Math.sign(deltaHedgeLots) * minLots;
      deltaHedgeLots = Math.abs(atMin * h.lotBase - wantedBase) < Math.abs(wantedBase) ? atMin : 0;
    }
    deltaHedgeBase = deltaHedgeLots * h.lotBase;
  }
  const after: BookGreeks = {
    ...optionsOnly,
    delta: optionsOnly.delta + (h ? h.delta * deltaHedgeBase : 0),
  };
  const optionCost = optionBase.reduce((sum, base, i) => {
    const c = problem.options[i]!;
    return sum + (base > 0 ? base * c.buyCost : -base * c.sellCost);
  }, 0);
  const hedgeCost = h ? (deltaHedgeBase > 0 ? deltaHedgeBase * h.buyCost : -deltaHedgeBase * h.sellCost) : 0;
  const residual = { delta: after.delta - problem.target.delta, gamma: after.gamma - problem.target.gamma };
  const eps = 1e-9;
  return {
    relaxed,
    rounded: {
      optionBase,
      optionLots,
      deltaHedgeBase,
      deltaHedgeLots,
      cost: optionCost + hedgeCost,
      mipCost: mipSolution.ObjectiveValue,
    },
    after,
    residual,
    withinTolerance: {
      delta: Math.abs(residual.delta) <= problem.tolerance.delta * (1 + eps),
      gamma: Math.abs(residual.gamma) <= problem.tolerance.gamma * (1 + eps),
      vega: problem.vegaBound == null || Math.abs(after.vega) <= problem.vegaBound * (1 + eps),
    },
  };
}

/** The book's Greeks after adding `baseAmounts` of each candidate (pure arithmetic, used for the after-state). */
export function addGreeks(
  book: BookGreeks,
  candidates: readonly Pick<HedgeCandidate, 'delta' | 'gamma' | 'vega' | 'theta'>[],
  baseAmounts: readonly number[],
): BookGreeks {
  const out = { ...book };
  candidates.forEach((c, i) => {
    const q = baseAmounts[i] ?? 0;
    out.delta += q * c.delta;
    out.gamma += q * c.gamma;
    out.vega += q * c.vega;
    out.theta += q * c.theta;
  });
  return out;
}
