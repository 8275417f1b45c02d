/**
 * Coin-settled (inverse) options and the Deribit vectors of docs/CONVENTIONS.md: V5 (a real
 * BTC-27SEP24-40000-C quote with Deribit's greeks), V10 (inverse settlement) and V12 (delta total).
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { black76Greeks, black76Price } from '../../../pricing/black.js';
import { InvalidInputError } from '../../../pricing/errors.js';
import { impliedVolBlack76 } from '../../../pricing/impliedVol.js';
import {
  black76PriceCoin,
  coinToQuote,
  inverseOptionGreeks,
  inversePayoffCoin,
  inverseProfitCoin,
  premiumAdjustedDelta,
  quoteToCoin,
} from '../../../pricing/inverse.js';

describe('V5: Deribit BTC-27SEP24-40000-C at 2023-11-10T05:18:31.632Z', () => {
  const F = 39165.86; // underlying_price: the Sep-24 future, not the index
  const K = 40000;
  const markIvPercent = 60.86;
  // ACT/365 in calendar time to the 08:00 UTC expiry.
  const T = (Date.parse('2024-09-27T08:00:00Z') - Date.parse('2023-11-10T05:18:31.632Z')) / (365 * 86_400_000);
  const g = inverseOptionGreeks('call', F, K, T, markIvPercent / 100);

  test('coin mark price 0.21692 (Deribit reports 0.2169, four decimals)', () => {
    expect(T).toBeCloseTo(0.882499, 6);
    expect(g.priceCoin).toBeCloseTo(0.21692, 5);
    expect(Math.round(g.priceCoin * 1e4) / 1e4).toBe(0.2169);
    expect(black76PriceCoin('call', F, K, T, 0.6086)).toBe(g.priceCoin);
  });

  test('delta, vega, theta and gamma match Deribit to the precision of the rounded mark_iv', () => {
    // Deribit: delta 0.59833, vega 142.30124 USD per vol point, theta -13.4441 USD per day, gamma 0.00002.
    // With sigma = 0.6086 exactly we get 0.598321, 142.30204 and -13.44330. mark_iv is published with two
    // decimals (60.86%), i.e. sigma is only known to +-5e-5, which moves delta by vanna * 5e-5 = 1.0e-5, vega by
    // volga * 5e-5 / 100 = 9e-4 and theta by ~1.1e-3 per day: exactly the size of the differences. So we assert to
    // that precision here, and the next test shows one sigma inside the rounding interval reproduces all three.
    expect(Math.abs(g.delta - 0.59833)).toBeLessThan(1.1e-5);
    expect(Math.abs(g.vega / 100 - 142.30124)).toBeLessThan(1e-3);
    expect(Math.abs(g.theta / 365 - -13.4441)).toBeLessThan(1.2e-3);
    expect(g.theta / 365).toBeCloseTo(-13.4433, 4);
    expect(Math.round(g.gamma * 1e5) / 1e5).toBe(0.00002);
  });

  test('one sigma within the mark_iv rounding reproduces Deribit delta, vega and theta together', () => {
    // Solve delta(sigma) = 0.59833 by bisection on [60.855%, 60.865%], then compare the other Greeks.
    let lo = 0.60855;
    let hi = 0.60865;
    const delta = (s: number) => black76Greeks('call', F, K, T, s).delta;
    expect(delta(lo) < 0.59833 && delta(hi) > 0.59833).toBe(true);
    for (let i = 0; i < 60; i++) {
      const mid = 0.5 * (lo + hi);
      if (delta(mid) < 0.59833) lo = mid;
      else hi = mid;
    }
    const fit = black76Greeks('call', F, K, T, lo);
    expect(Math.abs(fit.vega / 100 - 142.30124)).toBeLessThan(1e-4);
    expect(Math.abs(fit.theta / 365 - -13.4441)).toBeLessThan(2e-4);
    expect(Math.round((fit.price / F) * 1e4) / 1e4).toBe(0.2169);
  });

  test('the implied vol of the coin mark (in USD at the forward) recovers 60.86% to the mark rounding', () => {
    const usd = coinToQuote(0.2169, F);
    const iv = impliedVolBlack76('call', F, K, T, usd);
    // 0.2169 is rounded to 0.00005 BTC; vega per unit sigma in coin is 14230/39166 = 0.363, so sigma is known to 1.4e-4.
    expect(Math.abs(iv - 0.6086)).toBeLessThan(1.4e-4);
  });

  test('the coin price uses the forward: dividing by the index would give 0.2314 (the wrong answer)', () => {
    const usd = black76Price('call', F, K, T, 0.6086);
    expect(quoteToCoin(usd, F)).toBeCloseTo(0.21692, 5);
    expect(quoteToCoin(usd, 36_714)).not.toBeCloseTo(0.2169, 3);
  });
});

describe('V10 / V12 and inverse helpers', () => {
  test('V10: call K=100000 bought for 0.05 BTC, delivery 125000 pays 0.2 BTC, profit 0.15 BTC', () => {
    expect(inversePayoffCoin('call', 100_000, 125_000)).toBeCloseTo(0.2, 15);
    expect(coinToQuote(inversePayoffCoin('call', 100_000, 125_000), 125_000)).toBeCloseTo(25_000, 9);
    expect(inverseProfitCoin('call', 100_000, 125_000, 0.05)).toBeCloseTo(0.15, 15);
    expect(inverseProfitCoin('call', 100_000, 125_000, 0.05, -2)).toBeCloseTo(-0.3, 15);
    expect(inversePayoffCoin('call', 100_000, 90_000)).toBe(0);
    expect(inversePayoffCoin('put', 100_000, 80_000)).toBeCloseTo(0.25, 15);
  });
  test('V12: delta 0.50 bought for 0.10 BTC gives delta total 0.40', () => {
    expect(premiumAdjustedDelta(0.5, 0.1)).toBeCloseTo(0.4, 15);
    const g = inverseOptionGreeks('put', 30_000, 28_000, 0.1, 0.7);
    expect(g.deltaPremiumAdjusted).toBe(g.delta - g.priceCoin);
  });
  test('coin price * forward = USD price, and back (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 5, noNaN: true }),
        fc.double({ min: 1, max: 1e6, noNaN: true }),
        (coin, f) => Math.abs(quoteToCoin(coinToQuote(coin, f), f) - coin) <= 4e-16 * coin,
      ),
    );
  });
  test('bad inputs name the field', () => {
    expect(() => coinToQuote(0.1, 0)).toThrow(InvalidInputError);
    expect(() => coinToQuote(0.1, 0)).toThrow(/forward/);
    expect(() => quoteToCoin(NaN, 100)).toThrow(/priceQuote/);
    expect(() => inversePayoffCoin('call', 100, -5)).toThrow(/settlementPrice/);
    expect(() => premiumAdjustedDelta(Infinity, 0.1)).toThrow(/delta/);
  });
});
