/**
 * LP carry (hedging/carry.ts) against closed forms: v2 LVR = sigma^2/8 of value a year (V7), the v3 multiplier
 * (V8), fee estimates that scale with the position's share of liquidity and its in-range time, the TVL and the
 * active-liquidity estimates agreeing on a full-range pool, the break-even fee APR zeroing the net, an option leg's
 * gamma income equal to its decay at its own vol (and to a numerical integral of sigma^2 F^2 Gamma / 2), fee growth
 * of the real USDC/WETH pool against the lab's independent per-step fees, and the net book's carry = LP + holdings.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { black76Greeks, positionFromSpec, v3LvrMultiplier, type LpPosition } from '../../pricing/index.js';
import { loadMarketSnapshot } from '../../adapters/index.js';
import {
  breakEvenFeeApr,
  horizonCarry,
  lpCarry,
  optionLegHorizon,
  poolHistoryFromFeeGrowth,
} from '../../hedging/carry.js';
import {
  bookReport,
  lpPositionSpecSchema,
  lpBookPosition,
  marketContext,
  netBook,
  resolvePolicy,
} from '../../hedging/index.js';
import { DeskBook } from '../../src/service/deskBook.js';
import { ScriptedFeed } from '../../src/service/feeds/scripted.js';
import type { StoredPosition } from '../../src/service/types.js';
import { lpPath } from '../../lab/lpPath.js';

const DAYS = 365;
const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);

const v2 = (price: number, depositValue: number) => positionFromSpec({ model: 'v2', price, depositValue });
const v3 = (lower: number, upper: number, price: number, depositValue: number) =>
  positionFromSpec({ model: 'v3', lower, upper, price, depositValue });

describe('LVR', () => {
  it('v2: sigma^2/8 of value a year for any price and vol; carry without fees is -LVR (lvr-only)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 10, max: 1e6, noNaN: true }),
        fc.double({ min: 0.05, max: 3, noNaN: true }),
        (price, vol) => {
          const p = v2(price, 1e6);
          const c = lpCarry(p, price, vol, null);
          expect(rel(c.lvrQuotePerYear / 1e6, (vol * vol) / 8)).toBeLessThan(1e-12);
          expect(c.basis).toBe('lvr-only');
          expect(c.feeIncomeQuotePerYear).toBe(0);
          expect(c.carryQuotePerYear).toBe(-c.lvrQuotePerYear);
        },
      ),
    );
  });

  it('V7: a daily vol of 5% is 11.41% of value a year; V8: the v3 range is 9.4721 times v2, 42.6%/yr at 60%', () => {
    const daily = lpCarry(v2(2000, 10_000), 2000, 0.05 * Math.sqrt(DAYS), null);
    expect(daily.lvrQuotePerYear / 10_000).toBeCloseTo(0.1141, 4);
    const range = lpCarry(v3(1600, 2500, 2000, 10_000), 2000, 0.6, null);
    expect(range.lvrQuotePerYear / 10_000 / (0.36 / 8)).toBeCloseTo(1 / (1 - Math.sqrt(0.8)), 10);
    expect(range.lvrQuotePerYear / 10_000).toBeCloseTo(0.426, 3);
  });
});

describe('fee estimates', () => {
  const P = 2000;
  const pos = v3(1600, 2500, P, 10_000) as Extract<LpPosition, { model: 'v3' }>;

  it('a fee APR is on the value while in range; out of range there are neither fees nor LVR', () => {
    const c = lpCarry(pos, P, 0.6, { spec: { feeApr: 0.5 }, feeTierPips: null });
    expect(c.feeIncomeQuotePerYear).toBeCloseTo(5000, 9);
    expect(c.carryQuotePerYear).toBeCloseTo(5000 - c.lvrQuotePerYear, 9);
    expect(c.basis).toBe('fees-minus-lvr');
    const out = lpCarry(pos, 3000, 0.6, { spec: { feeApr: 0.5 }, feeTierPips: null });
    expect(out.feeIncomeQuotePerYear).toBe(0);
    expect(out.lvrQuotePerYear).toBe(0);
  });

  it('fees and LVR scale with the in-range share; fees with the share of active liquidity', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 2.01, max: 1000, noNaN: true }),
        (fraction, poolMultiple) => {
          const history = { windowDays: 30, volumeQuote: 5e8, activeLiquidity: pos.liquidity * poolMultiple };
          const full = lpCarry(pos, P, 0.6, { spec: { poolHistory: history }, feeTierPips: 3000 });
          const part = lpCarry(pos, P, 0.6, {
            spec: { poolHistory: history, inRangeFraction: fraction },
            feeTierPips: 3000,
          });
          // volume x fee tier a year x L / L_active.
          const expected = ((5e8 * 0.003) / (30 / DAYS)) * (1 / poolMultiple);
          expect(rel(full.feeIncomeQuotePerYear, expected)).toBeLessThan(1e-12);
          expect(part.feeIncomeQuotePerYear).toBeCloseTo(full.feeIncomeQuotePerYear * fraction, 6);
          expect(part.lvrQuotePerYear).toBeCloseTo(full.lvrQuotePerYear * fraction, 9);
          // Twice the liquidity in the same pool: twice the fees.
          const twice = positionFromSpec({ model: 'v3', lower: 1600, upper: 2500, price: P, depositValue: 20_000 });
          const c2 = lpCarry(twice, P, 0.6, { spec: { poolHistory: history }, feeTierPips: 3000 });
          expect(rel(c2.feeIncomeQuotePerYear, 2 * full.feeIncomeQuotePerYear)).toBeLessThan(1e-12);
        },
      ),
    );
  });

  it('TVL and active liquidity agree on a full-range pool (TVL = 2 L sqrt P), for v2 and for a v3 range', () => {
    const activeLiquidity = 5e6;
    const tvlQuote = 2 * activeLiquidity * Math.sqrt(P);
    for (const p of [v2(P, 10_000), pos]) {
      const byTvl = lpCarry(p, P, 0.6, {
        spec: { poolHistory: { windowDays: 7, volumeQuote: 1e8, tvlQuote } },
        feeTierPips: 500,
      });
      const byL = lpCarry(p, P, 0.6, {
        spec: { poolHistory: { windowDays: 7, volumeQuote: 1e8, activeLiquidity } },
        feeTierPips: 500,
      });
      expect(rel(byTvl.feeIncomeQuotePerYear, byL.feeIncomeQuotePerYear)).toBeLessThan(1e-12);
    }
    // The range's concentration is its LVR multiplier: the fee APR on its value is that multiple of v2's.
    const c = lpCarry(pos, P, 0.6, {
      spec: { poolHistory: { windowDays: 7, volumeQuote: 1e8, tvlQuote } },
      feeTierPips: 500,
    });
    const apr = (1e8 * 0.0005) / (7 / DAYS) / tvlQuote;
    expect(rel(c.feeAprInRange!, apr * v3LvrMultiplier(1600, 2500, P))).toBeLessThan(1e-12);
  });

  it('refuses what it cannot use, naming the field', () => {
    expect(() =>
      lpCarry(pos, P, 0.6, {
        spec: { poolHistory: { windowDays: 7, volumeQuote: 1e8, tvlQuote: 1e7 } },
        feeTierPips: null,
      }),
    ).toThrow(/feeTier/);
    expect(() =>
      lpCarry(
        v2(P, 1),
        P,
        0.6,
        { spec: { feeApr: 0.1, inRangeFraction: 0.5 }, feeTierPips: null },
        'positions.a.carry',
      ),
    ).toThrow(/positions\.a\.carry\.inRangeFraction/);
    expect(() =>
      lpCarry(pos, P, 0.6, {
        spec: { poolHistory: { windowDays: 7, volumeQuote: 1, activeLiquidity: pos.liquidity / 2 } },
        feeTierPips: 3000,
      }),
    ).toThrow(/carry\.poolHistory\.activeLiquidity/);
    const parse = (carry: unknown, extra: object = {}) =>
      lpPositionSpecSchema.safeParse({
        kind: 'lp',
        model: 'v3',
        lower: 1600,
        upper: 2500,
        price: P,
        depositValue: 1,
        carry,
        ...extra,
      });
    const paths = (carry: unknown, extra?: object) => {
      const r = parse(carry, extra);
      return r.success ? [] : r.error.issues.map((i) => i.path.join('.'));
    };
    expect(paths({ poolHistory: { windowDays: 7, volumeQuote: 1e8, tvlQuote: 1e7 } })).toEqual(['feeTier']);
    expect(paths({ poolHistory: { windowDays: 7, volumeQuote: 1e8, tvlQuote: 1e7 } }, { feeTier: 3000 })).toEqual([]);
    expect(paths({ poolHistory: { windowDays: 7, tvlQuote: 1e7 } }, { feeTier: 3000 })).toContain(
      'carry.poolHistory.volumeQuote',
    );
    expect(paths({ feeApr: -0.1 })).toContain('carry.feeApr');
    expect(paths({ feeApr: 0.1, inRangeFraction: 1.5 })).toContain('carry.inRangeFraction');
  });
});

describe('the horizon carry', () => {
  const P = 75_800;
  const pos = v3(68_000, 84_000, P, 1e6);

  it('the break-even fee APRs make the unhedged and the hedged net zero', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.2, max: 1.5, noNaN: true }),
        fc.double({ min: 1, max: 90, noNaN: true }),
        fc.double({ min: 0, max: 5000, noNaN: true }),
        (vol, horizonDays, spread) => {
          const legs = [
            {
              type: 'put' as const,
              strike: 74_000,
              expiryYears: 20 / DAYS,
              forward: P + 30,
              iv: vol * 1.1,
              baseAmount: 4,
            },
          ];
          const base = { price: P, vol, horizonDays, legs, spreadAndFeesQuote: spread };
          const probe = horizonCarry({ ...base, lps: [{ id: 'a', position: pos, carry: null }] });
          for (const side of ['unhedged', 'hedged'] as const) {
            const apr = probe.breakEvenFeeApr[side]!;
            if (apr < 0) continue; // a hedge that earns more than it costs: no fee is needed
            const at = horizonCarry({
              ...base,
              lps: [{ id: 'a', position: pos, carry: { spec: { feeApr: apr }, feeTierPips: null } }],
            });
            expect(Math.abs(at.netQuote[side])).toBeLessThan(1e-9 * Math.max(1, at.expectedFeesQuote));
          }
        },
      ),
    );
    expect(breakEvenFeeApr(100, 0, 1)).toBeNull();
  });

  it('an option at the market vol on P = F earns back its decay as gamma income: hedged = unhedged - spread', () => {
    const legs = [
      { type: 'call' as const, strike: 76_000, expiryYears: 45 / DAYS, forward: P, iv: 0.5, baseAmount: 10 },
    ];
    const lps = [{ id: 'a', position: pos, carry: { spec: { feeApr: 0.3 }, feeTierPips: null } }];
    const c = horizonCarry({ lps, price: P, vol: 0.5, horizonDays: 30, legs, spreadAndFeesQuote: 123 });
    expect(c.gammaIncomeQuote).toBeCloseTo(c.optionDecayQuote, 9);
    expect(c.netQuote.hedged).toBeCloseTo(c.netQuote.unhedged - 123, 6);
    expect(c.lvrQuote).toBeCloseTo(lpCarry(pos, P, 0.5, null).lvrQuotePerYear * (30 / DAYS), 9);
    expect(c.expectedFeesQuote).toBeCloseTo(0.3 * 1e6 * (30 / DAYS), 6);
    expect(c.thetaBasis).toBe('fees-minus-lvr');
  });

  it("a leg's gamma income is the integral of sigma^2 P^2 Gamma / 2 over its life (midpoint rule), also past expiry", () => {
    for (const [expiryDays, horizonDays] of [
      [45, 30],
      [10, 30],
    ] as const) {
      const leg = {
        type: 'put' as const,
        strike: 72_000,
        expiryYears: expiryDays / DAYS,
        forward: 75_900,
        iv: 0.45,
        baseAmount: 3,
      };
      const { gammaIncomeQuote, decayQuote } = optionLegHorizon(leg, horizonDays / DAYS, P, 0.6);
      const held = Math.min(expiryDays, horizonDays) / DAYS;
      const n = 20_000;
      let integral = 0;
      for (let i = 0; i < n; i++) {
        const t = ((i + 0.5) / n) * held;
        const g = black76Greeks('put', leg.forward, leg.strike, leg.expiryYears - t, leg.iv).gamma;
        integral += 0.5 * 0.36 * P * P * g * leg.baseAmount * (held / n);
      }
      expect(rel(gammaIncomeQuote, integral)).toBeLessThan(1e-4);
      expect(decayQuote).toBeGreaterThan(0);
    }
  });
});

describe('fee growth of the real USDC/WETH 0.30% pool', () => {
  it("fees per unit of liquidity times L equal the lab's per-step fees of an always-in-range v2 position", () => {
    const text = readFileSync('test/fixtures/history/univ3_usdc_weth_030_hourly_2022-07_2023-06.csv', 'utf8');
    const lines = text
      .trim()
      .split('\n')
      .slice(1, 24 * 31 + 1);
    const rows = lines.map((line) => {
      const [t, liquidity, close, fg0, fg1] = line.split(',');
      return {
        timeMs: Date.parse(t!),
        price: Number(close),
        liquidityRaw: Number(liquidity),
        feeGrowthGlobal0X128: Number(fg0),
        feeGrowthGlobal1X128: Number(fg1),
      };
    });
    const history = poolHistoryFromFeeGrowth(rows, { decimals0: 6, decimals1: 18, baseToken: 'token1' });
    const position = v2(rows[0]!.price, 100_000);
    const path = lpPath(
      { positions: [position] },
      {
        timesMs: Float64Array.from(rows, (r) => r.timeMs),
        prices: Float64Array.from(rows, (r) => r.price),
        vols: new Float64Array(rows.length).fill(0.7),
        fundingPerYear: new Float64Array(rows.length),
        fees: {
          kind: 'fee-growth',
          feeGrowth0: Float64Array.from(rows, (r) => r.feeGrowthGlobal0X128),
          feeGrowth1: Float64Array.from(rows, (r) => r.feeGrowthGlobal1X128),
          token0IsQuote: true,
          decimals0: 6,
          decimals1: 18,
        },
      },
    );
    const labFees = path.fees.reduce((s, x) => s + x, 0);
    const { windowDays, feesPerLiquidityQuote } = history;
    const c = lpCarry(position, rows[0]!.price, 0.7, {
      spec: { poolHistory: { windowDays, feesPerLiquidityQuote } },
      feeTierPips: 3000,
    });
    const windowYears = (rows.at(-1)!.timeMs - rows[0]!.timeMs) / (365 * 86_400_000);
    expect(labFees).toBeGreaterThan(0);
    expect(rel(c.feeIncomeQuotePerYear * windowYears, labFees)).toBeLessThan(1e-9);
    // The pool's own liquidity is tens of millions of human units: the position's share is small and positive.
    expect(history.activeLiquidity).toBeGreaterThan(position.model === 'v2' ? position.liquidity : 0);
    expect(history.windowDays).toBeCloseTo(30 + 23 / 24, 9);
  });
});

describe('the net book carry', () => {
  it('LP carry = fees - LVR at the market vol, theta = fees, net = LP + holdings field by field', async () => {
    const market = await loadMarketSnapshot({ venue: 'deribit', underlying: 'BTC', source: 'builtin' });
    const ctx = marketContext(market, market.asOfMs);
    const spec = lpPositionSpecSchema.parse({
      kind: 'lp',
      model: 'v3',
      lower: 68_000,
      upper: 84_000,
      price: 75_800,
      depositValue: 1e6,
      carry: { feeApr: 0.4 },
    });
    const lp = lpBookPosition('lp', spec);
    const held = market.chains[3]!.options.find(
      (o) => o.instrument.optionType === 'put' && o.instrument.strike! < 75_000,
    )!;
    const book = netBook(
      [lp, { id: 'h', kind: 'option', venue: 'deribit', instrument: held.instrument.venueId, contracts: 5 }],
      ctx,
      resolvePolicy({}),
    );
    const value = book.lp.valueQuote;
    expect(book.lp.thetaPerYear).toBeCloseTo(0.4 * value, 6);
    const lvrPerDay = lpCarry(lp.position, book.price, ctx.vol, null).lvrQuotePerYear / DAYS;
    expect(book.carry.lp.lvrQuotePerDay).toBeCloseTo(lvrPerDay, 9);
    expect(book.carry.lp.feeIncomeQuotePerDay).toBeCloseTo((0.4 * value) / DAYS, 9);
    expect(book.carry.lp.carryQuotePerDay).toBeCloseTo((0.4 * value) / DAYS - lvrPerDay, 9);
    expect(book.carry.lp.thetaBasis).toBe('fees-minus-lvr');
    // Holdings: theta + sigma^2 P^2 Gamma / 2.
    const h = book.holdings;
    expect(book.carry.holdings.carryQuotePerDay).toBeCloseTo(
      (h.thetaPerYear + 0.5 * ctx.vol ** 2 * book.price ** 2 * h.gamma) / DAYS,
      9,
    );
    for (const k of ['feeIncomeQuotePerDay', 'lvrQuotePerDay', 'carryQuotePerDay'] as const)
      expect(book.carry.net[k]).toBeCloseTo(book.carry.lp[k] + book.carry.holdings[k], 9);
    expect(book.net.thetaPerYear).toBeCloseTo(book.lp.thetaPerYear + book.holdings.thetaPerYear, 6);
    // The book report states the same carry.
    const report = bookReport(
      [lp, { id: 'h', kind: 'option', venue: 'deribit', instrument: held.instrument.venueId, contracts: 5 }],
      market,
      market.asOfMs,
    );
    expect(report.carry).toEqual(book.carry);
    // A stored position with a fee estimate, through the desk service's book: the LP's theta is its fee income.
    const snapshot = new ScriptedFeed(market).current()!;
    const desk = new DeskBook({
      markets: () => new Map([['deribit/BTC', snapshot]]),
      holdings: () => [],
      now: () => snapshot.receivedAtMs,
      maxQuoteAgeMs: 60_000,
      suggestions: false,
    });
    const stored: StoredPosition = {
      ...spec,
      venue: 'deribit',
      underlying: 'BTC',
      id: 'lp',
      createdAtMs: 0,
      updatedAtMs: 0,
      version: 1,
    };
    desk.setPositions([stored]);
    const [state] = desk.tick('deribit/BTC', snapshot);
    expect(state!.lp!.thetaPerYear).toBe(book.lp.thetaPerYear);
    const bare = netBook([lpBookPosition('lp', { ...spec, carry: undefined })], ctx, resolvePolicy({}));
    expect(bare.lp.thetaPerYear).toBe(0);
    expect(bare.carry.lp.thetaBasis).toBe('lvr-only');
    expect(bare.carry.lp.carryQuotePerDay).toBe(-bare.carry.lp.lvrQuotePerDay);
  });
});
