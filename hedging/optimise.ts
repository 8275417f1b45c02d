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
 *   sum_i lot_i (p+_i b_i - p-_i s_i) <= max_premium   (premium at the limit prices)                (optional)
 *   |delta_book + sum_i lot_i delta_i (b_i - s_i) + d_h (h+ - h-)| <= net_delta                     (optional)
 *   |gamma_book + sum_i lot_i gamma_i (b_i - s_i)|                 <= net_gamma                     (optional)
 *   lot_i b_i, lot_i s_i <= max_base_i;  h+, h- <= max_base_h         (per-leg contracts, notional) (bounds)
 *
 * and minimises the linear cost sum_i lot_i (c+_i b_i + c-_i s_i) + c_h (h+ + h-), where the costs are per base unit
 * under the policy's objective: the one-off cost of the trade now, or its expected cost to the LP's horizon with
 * rolls, the close and funding (`policy.objective`, hedging/horizon.ts; candidates.ts and deltaHedge.ts fill them
 * in, so the programme is the same either way). The relaxed problem (integrality,
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
import { InfeasibleHedgeError, SolverError } from './errors.js';
import { buildLp, planColumns, type ColumnPlan } from './lpFormat.js';
import {
  addGreeks,
  validate,
  type BookGreeks,
  type HedgeAllocation,
  type OptimiseProblem,
  type OptimiseResult,
} from './optimiseProblem.js';

export { formatLpProblem } from './lpFormat.js';
export {
  COST_MODELS,
  addGreeks,
  type BookGreeks,
  type CostModel,
  type DeltaHedgeCandidate,
  type HedgeAllocation,
  type HedgeCandidate,
  type OptimiseProblem,
  type OptimiseResult,
  type RoundedAllocation,
} from './optimiseProblem.js';

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
  let premium = 0;
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
    if (problem.premiumBound != null) premium += c.lotBase * (b * c.buyPremiumQuote! - s * c.sellPremiumQuote!);
  }
  if (problem.premiumBound != null && premium > problem.premiumBound) return Infinity;
  if (problem.netGammaBound != null && Math.abs(gamma) > problem.netGammaBound) return Infinity;
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
    // The hedge stops at the near edge of the tolerance band: that is the delta the net-delta bound must admit.
    delta = target.delta + Math.sign(delta - target.delta) * tolerance.delta;
  }
  // Infinity only withholds this incumbent from the cost cut-off, so a conservative check is safe.
  if (problem.netDeltaBound != null && Math.abs(delta) > problem.netDeltaBound) return Infinity;
  // A hair above, so the cut-off never excludes the incumbent itself through rounding of the objective.
  return cost * (1 + 1e-9) + 1e-9;
}

function primal(solution: Solution, name: string): number {
  const column = solution.Columns[name] as { Primal?: number } | undefined;
  return column?.Primal ?? 0;
}

function describeBounds(problem: OptimiseProblem): string {
  return (
    (problem.premiumBound != null ? `, premium <= ${problem.premiumBound}` : '') +
    (problem.netDeltaBound != null ? `, |net delta| <= ${problem.netDeltaBound}` : '') +
    (problem.netGammaBound != null ? `, |net gamma| <= ${problem.netGammaBound}` : '')
  );
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
          describeBounds(problem) +
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
          describeBounds(problem) +
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
    // Re-fix delta: the perp closes whatever the options leave, to the nearest lot it trades in. With a net-delta
    // bound narrower than the target, it aims at the admissible delta nearest the target (the MIP held both rows).
    const bound = problem.netDeltaBound ?? Infinity;
    const aim = Math.max(-bound, Math.min(bound, problem.target.delta));
    const wantedBase = (aim - optionsOnly.delta) / h.delta;
    const maxLots = Number.isFinite(h.maxBase) ? Math.floor(h.maxBase / h.lotBase + 1e-9) : Infinity;
    deltaHedgeLots = Math.max(-maxLots, Math.min(maxLots, Math.round(wantedBase / h.lotBase)));
    const minLots = Math.ceil(h.minBase / h.lotBase - 1e-9);
    if (deltaHedgeLots !== 0 && Math.abs(deltaHedgeLots) < minLots) {
      // Below the venue minimum: trade the minimum or nothing, whichever lands closer to the target.
      const atMin = Math.sign(deltaHedgeLots) * minLots;
      deltaHedgeLots = Math.abs(atMin * h.lotBase - wantedBase) < Math.abs(wantedBase) ? atMin : 0;
    }
    if (problem.netDeltaBound != null) {
      // Rounding to the nearest lot may step just past the bound when the aim sits on it: one lot back inside.
      const deltaWith = (lots: number) => optionsOnly.delta + h.delta * lots * h.lotBase;
      const inward = -Math.sign(deltaWith(deltaHedgeLots)) * Math.sign(h.delta);
      if (Math.abs(deltaWith(deltaHedgeLots)) > problem.netDeltaBound && Math.abs(deltaHedgeLots + inward) <= maxLots)
        deltaHedgeLots += inward;
    }
    deltaHedgeBase = deltaHedgeLots * h.lotBase;
  }
  const netDeltaAfter = optionsOnly.delta + (h ? h.delta * deltaHedgeBase : 0);
  if (problem.netDeltaBound != null && Math.abs(netDeltaAfter) > problem.netDeltaBound * (1 + 1e-9)) {
    throw new InfeasibleHedgeError(
      `the delta hedge in whole lots (${h ? h.lotBase : 0} base units) leaves delta ${netDeltaAfter.toPrecision(4)}, ` +
        `outside |delta| <= ${problem.netDeltaBound}`,
    );
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
