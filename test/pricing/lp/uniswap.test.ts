import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../../pricing/errors.js';
import {
  MAX_SQRT_RATIO,
  MAX_TICK,
  MIN_SQRT_RATIO,
  MIN_TICK,
  Q96,
  burnAmounts,
  getAmount0Delta,
  getAmount1Delta,
  getFeeGrowthInside,
  getFeesOwed,
  getLiquidityForAmounts,
  getSqrtRatioAtTick,
  getTickAtSqrtRatio,
  liquidityRawToHuman,
  lpState,
  mintAmounts,
  nearestUsableTick,
  priceRangeToTicks,
  priceToSqrtPriceX96,
  priceToTick,
  priceToUsableTick,
  rawAmountToHuman,
  rawAmountsToBaseQuote,
  sqrtPriceX96ToPrice,
  subIn256,
  tickSpacingForFee,
  tickToPrice,
  ticksToPriceRange,
  v3PositionFromTicks,
  type PoolOrientation,
} from '../../../pricing/lp/index.js';
import { JSBI, USDC, WBTC, WETH, core, fromJsbi, sdk, toJsbi } from './uniswapOracle.js';

const tick = fc.integer({ min: MIN_TICK, max: MAX_TICK });
const uint128 = fc.bigInt({ min: 0n, max: (1n << 128n) - 1n });
const sqrtPrice = fc.bigInt({ min: MIN_SQRT_RATIO, max: MAX_SQRT_RATIO - 1n });
const uint256 = fc.bigInt({ min: 0n, max: (1n << 256n) - 1n });
/** Mostly realistic magnitudes, sometimes the full range, so both ordinary and extreme paths are exercised. */
const liquidity = fc.oneof(fc.bigInt({ min: 1n, max: 10n ** 24n }), uint128);
const tickPair = fc
  .tuple(tick, tick)
  .filter(([a, b]) => a !== b)
  .map(([a, b]): [number, number] => (a < b ? [a, b] : [b, a]));

const USDC_WETH: PoolOrientation = { decimals0: 6, decimals1: 18, baseToken: 'token1' };
const WBTC_WETH: PoolOrientation = { decimals0: 8, decimals1: 18, baseToken: 'token0' };

describe('TickMath against the v3-sdk', () => {
  it('getSqrtRatioAtTick matches to the unit on random ticks and both ends', () => {
    fc.assert(
      fc.property(tick, (t) => {
        expect(getSqrtRatioAtTick(t)).toBe(fromJsbi(sdk.TickMath.getSqrtRatioAtTick(t)));
      }),
      { numRuns: 500 },
    );
    expect(getSqrtRatioAtTick(MIN_TICK)).toBe(MIN_SQRT_RATIO);
    expect(getSqrtRatioAtTick(MAX_TICK)).toBe(MAX_SQRT_RATIO);
    expect(getSqrtRatioAtTick(0)).toBe(Q96);
  });

  it('getTickAtSqrtRatio matches on random sqrt prices and inverts getSqrtRatioAtTick', () => {
    fc.assert(
      fc.property(sqrtPrice, (s) => {
        expect(getTickAtSqrtRatio(s)).toBe(sdk.TickMath.getTickAtSqrtRatio(toJsbi(s)));
      }),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(fc.integer({ min: MIN_TICK, max: MAX_TICK - 1 }), (t) => {
        const s = getSqrtRatioAtTick(t);
        expect(getTickAtSqrtRatio(s)).toBe(t);
        expect(getTickAtSqrtRatio(getSqrtRatioAtTick(t + 1) - 1n)).toBe(t);
      }),
      { numRuns: 300 },
    );
  });

  it('rejects ticks and sqrt prices outside the contract bounds', () => {
    expect(() => getSqrtRatioAtTick(MAX_TICK + 1)).toThrow(InvalidInputError);
    expect(() => getSqrtRatioAtTick(1.5)).toThrow(/tick/);
    expect(() => getTickAtSqrtRatio(MIN_SQRT_RATIO - 1n)).toThrow(/sqrtPriceX96/);
    expect(() => getTickAtSqrtRatio(MAX_SQRT_RATIO)).toThrow(InvalidInputError);
  });
});

describe('SqrtPriceMath against the v3-sdk', () => {
  it('getAmount0Delta and getAmount1Delta match for both roundings', () => {
    fc.assert(
      fc.property(sqrtPrice, sqrtPrice, liquidity, fc.boolean(), (a, b, l, roundUp) => {
        const want0 = fromJsbi(sdk.SqrtPriceMath.getAmount0Delta(toJsbi(a), toJsbi(b), toJsbi(l), roundUp));
        const want1 = fromJsbi(sdk.SqrtPriceMath.getAmount1Delta(toJsbi(a), toJsbi(b), toJsbi(l), roundUp));
        expect(getAmount0Delta(a, b, l, roundUp)).toBe(want0);
        expect(getAmount1Delta(a, b, l, roundUp)).toBe(want1);
      }),
      { numRuns: 500 },
    );
  });

  it('rounding up never pays less than rounding down, by at most one unit', () => {
    fc.assert(
      fc.property(sqrtPrice, sqrtPrice, liquidity, (a, b, l) => {
        const down = getAmount0Delta(a, b, l, false);
        const up = getAmount0Delta(a, b, l, true);
        expect(up - down === 0n || up - down === 1n).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});

describe('position amounts as the pool pays them', () => {
  const pool = (s: bigint, tickCurrent: number) => new sdk.Pool(USDC, WETH, 100, s.toString(), '0', tickCurrent);

  it('burn and mint amounts match the sdk Position on random ranges, prices and liquidity', () => {
    fc.assert(
      fc.property(tickPair, sqrtPrice, liquidity, ([tickLower, tickUpper], s, l) => {
        const tickCurrent = getTickAtSqrtRatio(s);
        const position = new sdk.Position({
          pool: pool(s, tickCurrent),
          liquidity: l.toString(),
          tickLower,
          tickUpper,
        });
        const burn = burnAmounts({ tickLower, tickUpper, sqrtPriceX96: s, liquidity: l });
        expect(burn.amount0).toBe(fromJsbi(position.amount0.quotient));
        expect(burn.amount1).toBe(fromJsbi(position.amount1.quotient));
        const mint = mintAmounts({ tickLower, tickUpper, sqrtPriceX96: s, liquidity: l });
        expect(mint.amount0).toBe(fromJsbi(position.mintAmounts.amount0));
        expect(mint.amount1).toBe(fromJsbi(position.mintAmounts.amount1));
      }),
      { numRuns: 400 },
    );
  });

  it('the batch example: ticks -600..600 at sqrtPriceX96 = 2^96, liquidity 1e12', () => {
    const input = {
      tickLower: -600,
      tickUpper: 600,
      sqrtPriceX96: 79228162514264337593543950336n,
      liquidity: 1000000000000n,
    };
    const burn = burnAmounts(input);
    const position = new sdk.Position({
      pool: pool(input.sqrtPriceX96, 0),
      liquidity: '1000000000000',
      tickLower: -600,
      tickUpper: 600,
    });
    expect(burn.amount0).toBe(fromJsbi(position.amount0.quotient));
    expect(burn.amount1).toBe(fromJsbi(position.amount1.quotient));
    // Independently: at price 1 the range is symmetric in log price, amount0 = L(1 - 1.0001^-300) and
    // amount1 = L(1 - 1.0001^-300) in exact arithmetic, so both are about 2.955e10 and within a unit of each other.
    const exact = 1e12 * (1 - Math.pow(1.0001, -300));
    expect(Math.abs(Number(burn.amount0) - exact)).toBeLessThan(2);
    expect(Math.abs(Number(burn.amount1) - exact)).toBeLessThan(2);
    expect(
      burn.amount0 === burn.amount1 || burn.amount0 - burn.amount1 === 1n || burn.amount1 - burn.amount0 === 1n,
    ).toBe(true);
  });

  it('uses slot0.tick when given (the tick below an initialized tick after a downward swap)', () => {
    const s = getSqrtRatioAtTick(120);
    const atDefault = burnAmounts({ tickLower: -60, tickUpper: 120, sqrtPriceX96: s, liquidity: 10n ** 18n });
    const atTickBelow = burnAmounts({
      tickLower: -60,
      tickUpper: 120,
      sqrtPriceX96: s,
      liquidity: 10n ** 18n,
      tickCurrent: 119,
    });
    expect(atDefault.amount0).toBe(0n); // tick 120 is not < tickUpper: all token1
    expect(atTickBelow.amount0).toBe(0n); // in range branch, but sqrtPrice == sqrtUpper gives no token0
    expect(atTickBelow.amount1).toBe(atDefault.amount1);
    const position = new sdk.Position({
      pool: pool(s, 119),
      liquidity: (10n ** 18n).toString(),
      tickLower: -60,
      tickUpper: 120,
    });
    expect(atTickBelow.amount1).toBe(fromJsbi(position.amount1.quotient));
  });

  it('rejects an empty or inverted range and bad liquidity', () => {
    const base = { sqrtPriceX96: Q96, liquidity: 1n };
    expect(() => burnAmounts({ ...base, tickLower: 60, tickUpper: 60 })).toThrow(/tickLower/);
    expect(() => burnAmounts({ ...base, tickLower: 60, tickUpper: -60 })).toThrow(InvalidInputError);
    expect(() => burnAmounts({ ...base, tickLower: -60, tickUpper: 60, liquidity: -1n })).toThrow(/liquidity/);
    expect(() => burnAmounts({ ...base, tickLower: -60, tickUpper: 60, liquidity: 1n << 128n })).toThrow(/uint128/);
  });
});

describe('LiquidityAmounts against the v3-sdk (periphery precision)', () => {
  it('getLiquidityForAmounts matches maxLiquidityForAmounts(useFullPrecision = false)', () => {
    const amount = fc.bigInt({ min: 0n, max: 10n ** 30n });
    fc.assert(
      fc.property(tickPair, sqrtPrice, amount, amount, ([tl, tu], s, a0, a1) => {
        const sa = getSqrtRatioAtTick(tl);
        const sb = getSqrtRatioAtTick(tu);
        let want: bigint;
        try {
          want = fromJsbi(sdk.maxLiquidityForAmounts(toJsbi(s), toJsbi(sa), toJsbi(sb), toJsbi(a0), toJsbi(a1), false));
        } catch {
          return; // the sdk asserts on inputs the contract would revert on
        }
        // The periphery reverts when either candidate overflows uint128, even if the other is smaller (the sdk
        // only returns the minimum); recompute the candidates to know which case this is.
        const lo = s <= sa ? sa : s < sb ? s : null;
        const hi = s <= sa ? null : s < sb ? s : sb;
        const l0 = lo === null ? 0n : (a0 * ((lo * sb) / Q96)) / (sb - lo);
        const l1 = hi === null ? 0n : (a1 * Q96) / (hi - sa);
        if (l0 >= 1n << 128n || l1 >= 1n << 128n) {
          expect(() => getLiquidityForAmounts(s, sa, sb, a0, a1)).toThrow(/uint128/);
        } else {
          expect(getLiquidityForAmounts(s, sa, sb, a0, a1)).toBe(want);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('amounts -> liquidity -> mint amounts never asks for more than was offered', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -200000, max: 199000 }),
        fc.integer({ min: 1, max: 5000 }),
        fc.integer({ min: -6000, max: 6000 }),
        fc.bigInt({ min: 10n ** 6n, max: 10n ** 24n }),
        fc.bigInt({ min: 10n ** 6n, max: 10n ** 24n }),
        (tl, width, offset, a0, a1) => {
          const tu = tl + width;
          const s = getSqrtRatioAtTick(tl + offset);
          const l = getLiquidityForAmounts(s, getSqrtRatioAtTick(tl), getSqrtRatioAtTick(tu), a0, a1);
          const mint = mintAmounts({ tickLower: tl, tickUpper: tu, sqrtPriceX96: s, liquidity: l });
          expect(mint.amount0 <= a0).toBe(true);
          expect(mint.amount1 <= a1).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('fees', () => {
  it('getFeeGrowthInside matches TickLibrary.getFeeGrowthInside, wrapping modulo 2^256', () => {
    fc.assert(
      fc.property(tickPair, tick, uint256, uint256, uint256, ([tickLower, tickUpper], tickCurrent, g, lo, hi) => {
        const [want] = sdk.TickLibrary.getFeeGrowthInside(
          { feeGrowthOutside0X128: toJsbi(lo), feeGrowthOutside1X128: toJsbi(0n) },
          { feeGrowthOutside0X128: toJsbi(hi), feeGrowthOutside1X128: toJsbi(0n) },
          tickLower,
          tickUpper,
          tickCurrent,
          toJsbi(g),
          toJsbi(0n),
        );
        const got = getFeeGrowthInside({
          tickLower,
          tickUpper,
          tickCurrent,
          feeGrowthGlobalX128: g,
          feeGrowthOutsideLowerX128: lo,
          feeGrowthOutsideUpperX128: hi,
        });
        expect(got).toBe(fromJsbi(want));
        expect(got >= 0n && got < 1n << 256n).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('a counter that wrapped past 2^256 still gives the small positive growth', () => {
    const last = (1n << 256n) - 5n * (1n << 128n); // just below the wrap
    const now = 3n * (1n << 128n); // wrapped around
    expect(subIn256(now, last)).toBe(8n * (1n << 128n));
    expect(getFeesOwed(10n ** 18n, now, last)).toBe(8n * 10n ** 18n);
  });

  it('getFeesOwed matches PositionLibrary.getTokensOwed', () => {
    fc.assert(
      fc.property(uint128, uint256, uint256, (l, now, last) => {
        const [want] = sdk.PositionLibrary.getTokensOwed(toJsbi(last), toJsbi(0n), toJsbi(l), toJsbi(now), toJsbi(0n));
        // The sdk keeps all bits; the contract (and ilhedge) truncate tokensOwed to uint128.
        expect(getFeesOwed(l, now, last)).toBe(fromJsbi(want) & ((1n << 128n) - 1n));
      }),
      { numRuns: 300 },
    );
  });
});

describe('fee tiers and usable ticks', () => {
  it('maps each fee tier to its tick spacing (CONVENTIONS.md) and the sdk agrees', () => {
    expect([100, 500, 3000, 10000].map(tickSpacingForFee)).toEqual([1, 10, 60, 200]);
    for (const fee of [100, 500, 3000, 10000]) expect(tickSpacingForFee(fee)).toBe(sdk.TICK_SPACINGS[fee]);
    expect(() => tickSpacingForFee(2500)).toThrow(/feePips/);
  });

  it('nearestUsableTick matches the sdk', () => {
    fc.assert(
      fc.property(tick, fc.constantFrom(1, 10, 60, 200), (t, spacing) => {
        expect(nearestUsableTick(t, spacing)).toBe(sdk.nearestUsableTick(t, spacing));
      }),
      { numRuns: 300 },
    );
  });
});

describe('human prices, decimals and orientation', () => {
  const sdkPrice = (base: unknown, quote: unknown, t: number) =>
    Number(sdk.tickToPrice(base, quote, t).toSignificant(16));

  it('V13: USDC(token0, 6)/WETH(token1, 18) reads 1 / (p_raw 10^(6-18)) USDC per ETH, as the sdk prices WETH in USDC', () => {
    fc.assert(
      fc.property(fc.integer({ min: 150000, max: 250000 }), (t) => {
        const price = tickToPrice(t, USDC_WETH);
        expect(price).toBeCloseTo(1 / (Math.pow(1.0001, t) * 1e-12), 6 - Math.ceil(Math.log10(price)));
        expect(Math.abs(price / sdkPrice(WETH, USDC, t) - 1)).toBeLessThan(1e-14);
      }),
      { numRuns: 200 },
    );
  });

  it('base as token0 (WBTC/WETH) is not inverted and agrees with the sdk', () => {
    fc.assert(
      fc.property(fc.integer({ min: 240000, max: 280000 }), (t) => {
        const price = tickToPrice(t, WBTC_WETH);
        expect(Math.abs(price / (Math.pow(1.0001, t) * 1e-10) - 1)).toBeLessThan(1e-9);
        expect(Math.abs(price / sdkPrice(WBTC, WETH, t) - 1)).toBeLessThan(1e-14);
      }),
      { numRuns: 200 },
    );
  });

  it('for USDC/WETH the lower tick gives the upper human price', () => {
    const { lower, upper } = ticksToPriceRange(196200, 200280, USDC_WETH);
    expect(lower).toBe(tickToPrice(200280, USDC_WETH));
    expect(upper).toBe(tickToPrice(196200, USDC_WETH));
    expect(lower).toBeLessThan(upper);
    expect(Math.abs(lower / (1e12 / Math.pow(1.0001, 200280)) - 1)).toBeLessThan(1e-9);
    expect(Math.abs(upper / (1e12 / Math.pow(1.0001, 196200)) - 1)).toBeLessThan(1e-9);
    const back = priceRangeToTicks(lower, upper, USDC_WETH, 60);
    expect(back).toEqual({ tickLower: 196200, tickUpper: 200280 });
  });

  it('priceToTick returns the tick whose interval holds the price, in either orientation', () => {
    fc.assert(
      fc.property(fc.double({ min: 100, max: 100000, noNaN: true }), (price) => {
        const t = priceToTick(price, WBTC_WETH.baseToken === 'token0' ? { ...WBTC_WETH, decimals0: 18 } : WBTC_WETH);
        const o = { ...WBTC_WETH, decimals0: 18 };
        expect(tickToPrice(t, o)).toBeLessThanOrEqual(price * (1 + 1e-15));
        expect(tickToPrice(t + 1, o)).toBeGreaterThan(price);
        const tInv = priceToTick(price, USDC_WETH);
        // Inverted: the raw price falls as the human price rises, so the human price sits in (P(t+1), P(t)].
        expect(tickToPrice(tInv, USDC_WETH)).toBeGreaterThanOrEqual(price * (1 - 1e-15));
        expect(tickToPrice(tInv + 1, USDC_WETH)).toBeLessThan(price);
      }),
      { numRuns: 200 },
    );
  });

  it('priceToUsableTick rounds to the nearest multiple of the spacing', () => {
    const t = priceToUsableTick(2000, USDC_WETH, 60);
    expect(t % 60).toBe(0);
    const exact = Math.log(1e12 / 2000) / Math.log(1.0001);
    expect(Math.abs(t - exact)).toBeLessThanOrEqual(30);
  });

  it('sqrtPriceX96 <-> human price round trip', () => {
    fc.assert(
      fc.property(fc.double({ min: 1e-3, max: 1e6, noNaN: true }), (price) => {
        for (const o of [USDC_WETH, WBTC_WETH]) {
          const s = priceToSqrtPriceX96(price, o);
          expect(Math.abs(sqrtPriceX96ToPrice(s, o) / price - 1)).toBeLessThan(1e-14);
        }
      }),
      { numRuns: 200 },
    );
    expect(sqrtPriceX96ToPrice(Q96, { decimals0: 18, decimals1: 18, baseToken: 'token0' })).toBe(1);
  });

  it('converts raw amounts exactly and maps them to base/quote by orientation', () => {
    expect(rawAmountToHuman(1234567n, 6)).toBe(1.234567);
    // 21 digits: one correct rounding of the decimal, not the sum of two rounded parts.
    expect(rawAmountToHuman(123456789012345678901n, 18)).toBe(Number('123.456789012345678901'));
    expect(rawAmountToHuman(-5n, 1)).toBe(-0.5);
    expect(rawAmountToHuman(42n, 0)).toBe(42);
    expect(rawAmountsToBaseQuote({ amount0: 2_000_000_000n, amount1: 10n ** 18n }, USDC_WETH)).toEqual({
      amountBase: 1,
      amountQuote: 2000,
    });
    expect(() => rawAmountToHuman(1n, -1)).toThrow(/decimals/);
    expect(() => tickToPrice(0, { decimals0: 6, decimals1: 18, baseToken: 'weth' as never })).toThrow(/baseToken/);
  });

  it('an on-chain USDC/WETH position in human units holds what the pool would pay on a burn', () => {
    const tickLower = 196200;
    const tickUpper = 200280;
    const s = getSqrtRatioAtTick(198000) + 123456789n;
    const rawLiquidity = 3_000_000_000_000_000n;
    const price = sqrtPriceX96ToPrice(s, USDC_WETH);
    const position = v3PositionFromTicks({
      tickLower,
      tickUpper,
      liquidity: rawLiquidity,
      orientation: USDC_WETH,
      entryPrice: price,
    });
    const human = rawAmountsToBaseQuote(
      burnAmounts({ tickLower, tickUpper, sqrtPriceX96: s, liquidity: rawLiquidity }),
      USDC_WETH,
    );
    const state = lpState(position, price);
    expect(Math.abs(state.amountBase / human.amountBase - 1)).toBeLessThan(1e-9);
    expect(Math.abs(state.amountQuote / human.amountQuote - 1)).toBeLessThan(1e-9);
    expect(liquidityRawToHuman(rawLiquidity, USDC_WETH)).toBeCloseTo(3e15 / 1e12, 9);
  });

  it('the oracle itself is the sdk (sanity: JSBI and the sdk Token sort as on mainnet)', () => {
    expect(USDC.sortsBefore(WETH)).toBe(true);
    expect(WBTC.sortsBefore(WETH)).toBe(true);
    expect(JSBI.BigInt('5').toString()).toBe('5');
    expect(core.MaxUint256.toString()).toBe(((1n << 256n) - 1n).toString());
  });
});
