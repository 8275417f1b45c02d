/**
 * The hedge problem in CPLEX LP format for HiGHS: one column per candidate side in whole lots (bounded by what the
 * candidate may trade), the delta hedge as two continuous columns, and the rows of `optimise.ts`'s header, each
 * scaled by its tolerance or bound so the coefficients are of order one.
 */
import type { OptimiseProblem } from './optimiseProblem.js';

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

/** Per candidate: the most lots each side may trade, the minimum order in lots, and whether it needs binaries. */
export interface ColumnPlan {
  buyLotsMax: number;
  sellLotsMax: number;
  minLots: number;
  needsBinary: boolean;
}

/** Column bounds: the candidate's own limit (`maxBase`), else a few times the gap it could close alone. */
export function planColumns(problem: OptimiseProblem, useLegCount: boolean): ColumnPlan[] {
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

/** The LP text for `plan`; `maxLegs` null leaves the leg row out (the first, cheaper solve of `solveWholeLots`). */
export function buildLp(
  problem: OptimiseProblem,
  plan: ColumnPlan[],
  integral: boolean,
  maxLegs: number | null,
): string {
  const { book, target, tolerance, options, deltaHedge } = problem;
  let objective = '';
  let deltaRow = '';
  let gammaRow = '';
  let vegaRow = '';
  let legsRow = '';
  let premiumRow = '';
  let netDeltaRow = '';
  let netGammaRow = '';
  const linkRows: string[] = [];
  const bounds: string[] = [];
  const generals: string[] = [];
  const binaries: string[] = [];
  const vegaBound = problem.vegaBound ?? null;
  const premiumBound = problem.premiumBound ?? null;
  const netDelta = problem.netDeltaBound ?? null;
  const netGamma = problem.netGammaBound ?? null;

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
      if (premiumBound != null) {
        const premium = sign > 0 ? c.buyPremiumQuote! : -c.sellPremiumQuote!;
        premiumRow += term((premium * c.lotBase) / premiumBound, name);
      }
      if (netDelta != null) netDeltaRow += term((sign * c.delta * c.lotBase) / netDelta, name);
      if (netGamma != null) netGammaRow += term((sign * c.gamma * c.lotBase) / netGamma, name);
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
    if (netDelta != null)
      netDeltaRow += term(deltaHedge.delta / netDelta, 'hp') + term(-deltaHedge.delta / netDelta, 'hm');
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
  if (netDelta != null) range('netdelta', netDeltaRow, -book.delta / netDelta);
  if (netGamma != null) range('netgamma', netGammaRow, -book.gamma / netGamma);
  // Scaled by the bound: the options' premium in units of the limit must not exceed 1.
  if (premiumBound != null) rows.push(` premium:${premiumRow === '' ? ' + 0 zero' : premiumRow} <= 1`);
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
