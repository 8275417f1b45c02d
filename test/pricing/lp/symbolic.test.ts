/**
 * The LP Greeks against symbolic differentiation: mathjs differentiates the value formulas of CONVENTIONS.md
 * (independently of pricing/lp's hand-derived delta and gamma), and the results are compared on random
 * positions and prices.
 */
import fc from 'fast-check';
import { derivative, parse, type MathNode } from 'mathjs';
import { describe, expect, it } from 'vitest';
import { lpState, v2FromDeposit, v3FromDeposit, weightedFromDeposit } from '../../../pricing/lp/index.js';

interface Symbolic {
  value: MathNode;
  delta: MathNode;
  gamma: MathNode;
}

function symbolic(expression: string): Symbolic {
  const value = parse(expression);
  const delta = derivative(value, 'P');
  return { value, delta, gamma: derivative(delta, 'P') };
}

/** Value of each model as a function of the price P (CONVENTIONS.md "LP payoff"). */
const v2 = symbolic('2 * L * sqrt(P)');
const v3Below = symbolic('P * L * (1 / sqrt(Pa) - 1 / sqrt(Pb))');
const v3Inside = symbolic('L * (2 * sqrt(P) - P / sqrt(Pb) - sqrt(Pa))');
const v3Above = symbolic('L * (sqrt(Pb) - sqrt(Pa))');
const weighted = symbolic('V0 * (P / P0) ^ w');

function expectClose(actual: number, expected: number, scale: number): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(1e-12 * Math.max(scale, Math.abs(expected)));
}

function compare(state: ReturnType<typeof lpState>, model: Symbolic, scope: Record<string, number>): void {
  const value = model.value.evaluate(scope) as number;
  const delta = model.delta.evaluate(scope) as number;
  const gamma = model.gamma.evaluate(scope) as number;
  expectClose(state.value, value, value);
  expectClose(state.delta, delta, Math.abs(value / scope.P!));
  expectClose(state.gamma, gamma, Math.abs(value / scope.P! ** 2));
}

const price = fc.double({ min: 1, max: 1e6, noNaN: true });
const deposit = fc.double({ min: 1, max: 1e8, noNaN: true });
const move = fc.double({ min: 0.2, max: 5, noNaN: true });

describe('LP Greeks equal the symbolic derivatives of the value', () => {
  it('v2: V = 2 L sqrt(P)', () => {
    fc.assert(
      fc.property(price, deposit, move, (p0, value, k) => {
        const position = v2FromDeposit({ price: p0, depositValue: value });
        compare(lpState(position, p0 * k), v2, { L: position.liquidity, P: p0 * k });
      }),
    );
  });

  it('v3: below, inside and above the range', () => {
    fc.assert(
      fc.property(
        price,
        deposit,
        fc.double({ min: 0.3, max: 0.99, noNaN: true }),
        fc.double({ min: 1.01, max: 3, noNaN: true }),
        move,
        (p0, value, lowerRatio, upperRatio, k) => {
          const [lower, upper] = [p0 * lowerRatio, p0 * upperRatio];
          const position = v3FromDeposit({ lower, upper, price: p0, depositValue: value });
          const p = p0 * k;
          const model = p <= lower ? v3Below : p >= upper ? v3Above : v3Inside;
          compare(lpState(position, p), model, { L: position.liquidity, P: p, Pa: lower, Pb: upper });
        },
      ),
    );
  });

  it('weighted: V = V0 (P/P0)^w', () => {
    fc.assert(
      fc.property(price, deposit, fc.double({ min: 0.05, max: 0.95, noNaN: true }), move, (p0, value, w, k) => {
        const position = weightedFromDeposit({ weight: w, price: p0, depositValue: value });
        compare(lpState(position, p0 * k), weighted, { V0: value, P0: p0, w, P: p0 * k });
      }),
    );
  });
});
