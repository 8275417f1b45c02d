/**
 * The batch contract under arbitrary input: every line gets an answer (the batch never throws), an error answer
 * carries a registered code other than `internal` (an unexpected failure is a bug, not an answer), and a result
 * never holds a number that is not finite (no silent NaN or Infinity reaches a caller).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ERROR_REGISTRY } from '../../pricing/errors.js';
import { answerLine } from '../../src/cli/batch.js';

const REGISTERED = new Set(ERROR_REGISTRY.map((d) => d.code));

/** Every number reachable in a JSON-like value, with its path (for the failure message). */
function numbersIn(value: unknown, path = 'result', out: [string, number][] = []): [string, number][] {
  if (typeof value === 'number') out.push([path, value]);
  else if (Array.isArray(value)) value.forEach((v, i) => numbersIn(v, `${path}[${i}]`, out));
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) numbersIn(v, `${path}.${k}`, out);
  }
  return out;
}

/** Numbers a desk sends and the ones that break maths: extremes, signed zeros, subnormals, huge and tiny. */
const edgyNumber = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.double({ min: 1e-6, max: 1e6, noNaN: true }),
  fc.constantFrom(0, -0, 1, -1, 5e-324, 1e-300, 1e300, Number.MAX_VALUE, 2 ** 53, 0.5, 2000, 1e-12),
);
/** A field that is mostly a plausible value, sometimes the wrong type altogether. */
const field = (valid: fc.Arbitrary<unknown>) =>
  fc.oneof({ weight: 6, arbitrary: valid }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 1 }) });

const optionFields = {
  type: field(fc.constantFrom('call', 'put')),
  forward: field(edgyNumber),
  strike: field(edgyNumber),
  expiryYears: field(edgyNumber),
  rate: field(fc.oneof(fc.constant(0), edgyNumber)),
};

const lpFields = {
  model: field(fc.constantFrom('v2', 'v3', 'weighted')),
  price: field(edgyNumber),
  lower: field(edgyNumber),
  upper: field(edgyNumber),
  weight: field(fc.double({ min: 0, max: 1, noNaN: true })),
  depositValue: field(edgyNumber),
  liquidity: field(edgyNumber),
  amountBase: field(edgyNumber),
  amountQuote: field(edgyNumber),
};

const tick = field(fc.oneof(fc.integer({ min: -887272, max: 887272 }), fc.integer()));
const uint = field(
  fc.oneof(
    fc.bigInt({ min: 0n, max: 2n ** 160n }).map(String),
    fc.constantFrom('0', '1', String(2n ** 96n), String(2n ** 160n - 1n)),
  ),
);

const requests = fc.oneof(
  fc.record(
    { id: fc.integer(), op: fc.constant('price'), ...optionFields, vol: field(edgyNumber) },
    { requiredKeys: [] },
  ),
  fc.record(
    { id: fc.integer(), op: fc.constant('iv'), ...optionFields, price: field(edgyNumber) },
    { requiredKeys: [] },
  ),
  fc.record(
    { id: fc.string(), op: fc.constant('lp'), ...lpFields, at: field(fc.array(edgyNumber, { maxLength: 4 })) },
    { requiredKeys: ['op'] },
  ),
  fc.record(
    {
      id: fc.integer(),
      op: fc.constant('uniswapAmounts'),
      tickLower: tick,
      tickUpper: tick,
      sqrtPriceX96: uint,
      liquidity: uint,
      tickCurrent: tick,
      rounding: field(fc.constantFrom('burn', 'mint')),
    },
    { requiredKeys: ['op'] },
  ),
  fc.record(
    {
      id: fc.integer(),
      op: fc.constant('replicate'),
      ...lpFields,
      strikes: field(fc.array(edgyNumber, { minLength: 2, maxLength: 6 })),
      expiryYears: field(edgyNumber),
      vol: field(edgyNumber),
    },
    { requiredKeys: ['op'] },
  ),
);

const lines = fc.oneof(
  { weight: 8, arbitrary: requests.map((r) => JSON.stringify(r)) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)) },
  { weight: 1, arbitrary: fc.string({ maxLength: 60 }) },
);

describe('batch contract under arbitrary lines', () => {
  it('refuses a result that overflows a double instead of writing it as null (found by this fuzz)', () => {
    // rho = -T V is -Infinity for the largest finite expiry; JSON.stringify would have written null.
    const line = JSON.stringify({
      id: 7,
      op: 'price',
      type: 'call',
      forward: 2,
      strike: 0,
      expiryYears: Number.MAX_VALUE,
      vol: 0,
    });
    expect(answerLine(line)).toEqual({
      id: 7,
      error: {
        code: 'not-representable',
        field: 'result.rho',
        message: 'result.rho: -Infinity does not fit in JSON (a double overflowed for these inputs)',
      },
    });
  });

  it('answers every line: a registered code other than internal, or a result with only finite numbers', () => {
    fc.assert(
      fc.property(lines, (line) => {
        const answer = answerLine(line);
        if ('error' in answer) {
          expect(REGISTERED.has(answer.error.code), `${line} -> ${answer.error.code}`).toBe(true);
          expect(answer.error.code, `${line} -> ${answer.error.message}`).not.toBe('internal');
          expect(answer.error.message.length).toBeGreaterThan(0);
        } else {
          for (const [path, n] of numbersIn(answer.result)) {
            expect(Number.isFinite(n), `${line}: ${path} = ${n}`).toBe(true);
          }
        }
      }),
      { numRuns: 3000, seed: 20261203 },
    );
  });
});
