/**
 * The batch contract (`ilhedge batch`): JSON lines in, one JSON line out per request, in order, with the same id
 * and either `result` or `error`; one bad line never stops the batch. Run against the built CLI, as a desk would.
 */
import { describe, expect, it } from 'vitest';
import { fromJsbi, sdk, toJsbi } from '../pricing/lp/uniswapOracle.js';
import { runCli } from './runCli.js';

interface Answer {
  id: unknown;
  result?: Record<string, unknown>;
  error?: { code: string; message: string; field?: string };
}

async function batch(lines: readonly string[]): Promise<Answer[]> {
  const { code, stdout, stderr } = await runCli(['batch'], lines.join('\n') + '\n');
  expect(stderr).toBe('');
  expect(code).toBe(0);
  return stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Answer);
}

/** Standard normal cdf via the textbook erf series; independent of pricing/normal.ts and accurate near the money. */
function normCdfReference(x: number): number {
  // erf by its Maclaurin series: converges quickly for |x| < 3, which is all these tests use.
  const z = x / Math.SQRT2;
  let term = z;
  let sum = z;
  for (let n = 1; n < 200; n++) {
    term *= (-z * z) / n;
    sum += term / (2 * n + 1);
  }
  return 0.5 * (1 + (2 / Math.sqrt(Math.PI)) * sum);
}

describe('ilhedge batch', () => {
  const examples = [
    '{"id":1,"op":"price","type":"call","forward":3000,"strike":3200,"expiryYears":0.25,"vol":0.65,"rate":0}',
    '{"id":2,"op":"iv","type":"put","forward":3000,"strike":2800,"expiryYears":0.1,"price":55.2,"rate":0}',
    '{"id":3,"op":"lp","model":"v3","lower":1600,"upper":2500,"price":2000,"depositValue":10000,"at":[1200,2100]}',
    '{"id":4,"op":"uniswapAmounts","tickLower":-600,"tickUpper":600,"sqrtPriceX96":"79228162514264337593543950336","liquidity":"1000000000000"}',
    '{"id":5,"op":"replicate","model":"v3","lower":1600,"upper":2500,"price":2000,"depositValue":10000,"expiryYears":0.0822,"vol":0.6,"strikes":[1600,1800,2000,2250,2500]}',
  ];

  it('answers the documented examples in order with their ids', async () => {
    const answers = await batch(examples);
    expect(answers.map((a) => a.id)).toEqual([1, 2, 3, 4, 5]);
    for (const a of answers) expect(a.error).toBeUndefined();
  });

  it('prices with Black-76: price, delta = dV/dF, vega, theta per year with F fixed', async () => {
    const [answer] = await batch([examples[0]!]);
    const r = answer!.result as Record<string, number>;
    const [F, K, T, s] = [3000, 3200, 0.25, 0.65];
    const d1 = (Math.log(F / K) + 0.5 * s * s * T) / (s * Math.sqrt(T));
    const d2 = d1 - s * Math.sqrt(T);
    const pdf = Math.exp(-0.5 * d1 * d1) / Math.sqrt(2 * Math.PI);
    expect(r.price).toBeCloseTo(F * normCdfReference(d1) - K * normCdfReference(d2), 10);
    expect(r.delta).toBeCloseTo(normCdfReference(d1), 12);
    expect(r.gamma).toBeCloseTo(pdf / (F * s * Math.sqrt(T)), 14);
    expect(r.vega).toBeCloseTo(F * pdf * Math.sqrt(T), 9);
    expect(r.theta).toBeCloseTo((-F * pdf * s) / (2 * Math.sqrt(T)), 9);
    expect(r.rho).toBeCloseTo(-T * r.price!, 10);
  });

  it('implied vol reprices the input price', async () => {
    const [answer] = await batch([examples[1]!]);
    const vol = answer!.result!.vol as number;
    const [F, K, T] = [3000, 2800, 0.1];
    const d1 = (Math.log(F / K) + 0.5 * vol * vol * T) / (vol * Math.sqrt(T));
    const d2 = d1 - vol * Math.sqrt(T);
    const put = K * normCdfReference(-d2) - F * normCdfReference(-d1);
    expect(put).toBeCloseTo(55.2, 9);
  });

  it('builds the v3 position of TEST-VECTORS V2 and its IL of V3', async () => {
    const [answer] = await batch([examples[2]!]);
    const r = answer!.result as {
      liquidity: number;
      amountBase: number;
      amountQuote: number;
      points: Answer['result'][];
    };
    expect(r.liquidity).toBeCloseTo(1059.017, 3);
    expect(r.amountBase).toBeCloseTo(2.5, 10);
    expect(r.amountQuote).toBeCloseTo(5000, 8);
    expect(r.points.map((p) => p!.price)).toEqual([1200, 2100]);
    expect(r.points[0]!.il).toBeCloseTo(-1645.9, 2);
    expect(r.points[1]!.il).toBeCloseTo(-28.88, 2);
    expect(r.points[0]!.gamma).toBe(0); // below the range the position is all base: linear
    expect(r.points[1]!.delta).toBeGreaterThan(0);
  });

  it("pays Uniswap's own burn amounts to the unit (v3-sdk SqrtPriceMath as oracle)", async () => {
    const [answer] = await batch([examples[3]!]);
    const sqrtPrice = toJsbi(79228162514264337593543950336n);
    const liquidity = toJsbi(1000000000000n);
    const lower = sdk.TickMath.getSqrtRatioAtTick(-600);
    const upper = sdk.TickMath.getSqrtRatioAtTick(600);
    const amount0 = fromJsbi(sdk.SqrtPriceMath.getAmount0Delta(sqrtPrice, upper, liquidity, false)).toString();
    const amount1 = fromJsbi(sdk.SqrtPriceMath.getAmount1Delta(lower, sqrtPrice, liquidity, false)).toString();
    expect(answer!.result).toMatchObject({ amount0, amount1 });
  });

  it('replicates the v3 IL with long puts below and long calls above, exact at every strike', async () => {
    const [answer] = await batch([examples[4]!]);
    const r = answer!.result as {
      legs: { type: 'put' | 'call'; strike: number; quantity: number }[];
      forward: number;
      cash: number;
      premium: number;
      maxError: number;
    };
    const F = 2000;
    for (const leg of r.legs) {
      expect(leg.quantity).toBeGreaterThan(0);
      expect(leg.type === 'put' ? leg.strike <= F : leg.strike >= F).toBe(true);
    }
    // IL of the V2 position (in range: -(L/sqrt(P0)) (sqrt(P) - sqrt(P0))^2), plus the hedge's payoff, is zero at
    // every strike: the strip replicates the interpolant through the strikes.
    const L = 1059.0169943749474;
    const il = (p: number) => -(L / Math.sqrt(F)) * (Math.sqrt(p) - Math.sqrt(F)) ** 2;
    const hedge = (p: number) =>
      r.cash +
      r.forward * (p - F) +
      r.legs.reduce((sum, l) => sum + l.quantity * Math.max(l.type === 'call' ? p - l.strike : l.strike - p, 0), 0);
    for (const k of [1600, 1800, 2000, 2250, 2500]) expect(il(k) + hedge(k)).toBeCloseTo(0, 8);
    // Between strikes the error is the interpolation error, positive and below maxError.
    expect(il(2125) + hedge(2125)).toBeGreaterThan(0);
    expect(il(2125) + hedge(2125)).toBeLessThanOrEqual(r.maxError + 1e-9);
    expect(r.premium).toBeGreaterThan(0);
  });

  it('keeps going past bad lines, one answer per request, errors naming the field', async () => {
    const answers = await batch([
      'not json',
      '[1,2]',
      '{"id":"a","op":"nope"}',
      '{"id":"b","op":"price","type":"call","forward":3000,"strike":-5,"expiryYears":0.25,"vol":0.65}',
      '{"id":"c","op":"price","type":"straddle","forward":3000,"strike":3000,"expiryYears":0.25,"vol":0.65}',
      '',
      '{"id":"d","op":"iv","type":"call","forward":3000,"strike":3000,"expiryYears":0.25,"price":5000}',
      '{"id":"e","op":"uniswapAmounts","tickLower":-600,"tickUpper":600,"sqrtPriceX96":"1e30","liquidity":"1"}',
      examples[0]!,
    ]);
    expect(answers).toHaveLength(8);
    expect(answers.map((a) => a.id)).toEqual([null, null, 'a', 'b', 'c', 'd', 'e', 1]);
    expect(answers[0]!.error!.code).toBe('invalid-json');
    expect(answers[2]!.error).toMatchObject({ code: 'unknown-op', field: 'op' });
    expect(answers[3]!.error).toMatchObject({ code: 'invalid-input', field: 'strike' });
    expect(answers[4]!.error).toMatchObject({ code: 'invalid-request', field: 'type' });
    expect(answers[5]!.error!.code).toBe('above-maximum');
    expect(answers[6]!.error).toMatchObject({ field: 'sqrtPriceX96' });
    expect(answers[7]!.result!.price).toBeGreaterThan(0);
    for (const a of answers.slice(0, 7)) expect(a.error!.message.length).toBeGreaterThan(10);
  });

  it('answers a long batch in order', async () => {
    const lines = Array.from({ length: 2000 }, (_, i) =>
      JSON.stringify({
        id: i,
        op: 'price',
        type: i % 2 ? 'put' : 'call',
        forward: 100,
        strike: 50 + (i % 100),
        expiryYears: 0.5,
        vol: 0.8,
      }),
    );
    const answers = await batch(lines);
    expect(answers.map((a) => a.id)).toEqual(lines.map((_, i) => i));
    expect(answers.every((a) => a.result && Number.isFinite(a.result.price))).toBe(true);
  });
});
