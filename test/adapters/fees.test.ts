/**
 * Venue fee tables against each venue's own published worked examples (pages and dates in
 * adapters/venues/fees/*.ts). Published figures are given to the digits the page prints, so each is compared at
 * the page's rounding (half a unit of its last digit), or exactly where the page's figure is exact.
 */
import { describe, expect, test } from 'vitest';
import {
  FEE_TABLES,
  feeOverridesSchema,
  feeTable,
  FeeInputError,
  futureFee,
  futureSettlementFee,
  optionDeliveryFee,
  optionFeeQuote,
  perpFee,
} from '../../adapters/venues/fees/index.js';

/**
 * |x - published| <= half a unit in the published figure's last decimal place (rounded), or x in [figure, figure +
 * one unit) where the page truncates.
 */
function published(x: number, figure: string, mode: 'rounded' | 'truncated' = 'rounded') {
  const decimals = figure.includes('.') ? figure.split('.')[1]!.length : 0;
  const unit = 10 ** -decimals;
  if (mode === 'rounded') expect(Math.abs(x - Number(figure))).toBeLessThanOrEqual(0.5 * unit + 1e-15);
  else {
    expect(x).toBeGreaterThanOrEqual(Number(figure) - 1e-18);
    expect(x).toBeLessThan(Number(figure) + unit);
  }
}

describe('Deribit (support.deribit.com "Fees")', () => {
  test('option fee capped at 12.5% of the price: traded at 0.0001 BTC -> 0.0000125 BTC instead of 0.0003', () => {
    const q = optionFeeQuote('deribit', {
      settlement: 'inverse',
      role: 'taker',
      underlyingPrice: 1,
      optionPrice: 0.0001,
      baseAmount: 1,
    });
    published(q.fee, '0.0000125');
    expect(q.capped).toBe(true);
    const uncapped = optionFeeQuote('deribit', {
      settlement: 'inverse',
      role: 'maker',
      underlyingPrice: 1,
      optionPrice: 0.05,
      baseAmount: 1,
    });
    published(uncapped.fee, '0.0003');
  });

  test('BTC perpetual: $50,000 at $100,000 -> taker 0.00025 BTC, maker 0', () => {
    published(
      perpFee('deribit', { settlement: 'inverse', role: 'taker', price: 100_000, size: 50_000 }).fee,
      '0.00025',
    );
    expect(perpFee('deribit', { settlement: 'inverse', role: 'maker', price: 100_000, size: 50_000 }).fee).toBe(0);
  });

  test('delivery: 0.015% of the index, capped at 12.5% of the value; daily expiries free', () => {
    const itm = optionDeliveryFee('deribit', {
      settlement: 'linear',
      type: 'call',
      strike: 70_000,
      indexPrice: 80_000,
      settlementPrice: 80_000,
      baseAmount: 1,
    });
    expect(itm.fee).toBeCloseTo(12, 10);
    const nearMoney = optionDeliveryFee('deribit', {
      settlement: 'linear',
      type: 'put',
      strike: 80_050,
      indexPrice: 80_000,
      settlementPrice: 80_000,
      baseAmount: 2,
    });
    expect(nearMoney.fee).toBeCloseTo(0.125 * 50 * 2, 10);
    expect(nearMoney.capped).toBe(true);
    expect(
      optionDeliveryFee('deribit', {
        settlement: 'linear',
        type: 'call',
        strike: 70_000,
        indexPrice: 80_000,
        settlementPrice: 80_000,
        baseAmount: 1,
        dailyExpiry: true,
      }).fee,
    ).toBe(0);
    expect(
      optionDeliveryFee('deribit', {
        settlement: 'linear',
        type: 'call',
        strike: 90_000,
        indexPrice: 80_000,
        settlementPrice: 80_000,
        baseAmount: 1,
      }).fee,
    ).toBe(0);
  });
});

describe('Bybit (help center "Options Trading: Fees Explained", "Perpetual & Futures Contract: Fees Explained")', () => {
  test('0.3 BTC call at 3,000, index 42,000, maker: min(0.02% x 42,000, 7% x 3,000) x 0.3 = 2.52 USDT', () => {
    published(
      optionFeeQuote('bybit', {
        settlement: 'linear',
        role: 'maker',
        underlyingPrice: 42_000,
        optionPrice: 3_000,
        baseAmount: 0.3,
      }).fee,
      '2.52',
    );
  });

  test('the older 0.03% / 12.5% schedule as an account override reproduces the older page: 3.78 USDC', () => {
    const overrides = feeOverridesSchema.parse({
      bybit: { tier: 'USDC options 2021', options: { linear: { makerRate: 0.0003, premiumCap: 0.125 } } },
    });
    published(
      optionFeeQuote(
        'bybit',
        { settlement: 'linear', role: 'maker', underlyingPrice: 42_000, optionPrice: 3_000, baseAmount: 0.3 },
        overrides,
      ).fee,
      '3.78',
    );
    expect(feeTable('bybit', overrides).tier).toBe('USDC options 2021');
  });

  test('delivery: strike 45,000, 0.3 BTC, index 46,000, delivery price 46,050 -> 2.07 USDT', () => {
    published(
      optionDeliveryFee('bybit', {
        settlement: 'linear',
        type: 'call',
        strike: 45_000,
        indexPrice: 46_000,
        settlementPrice: 46_050,
        baseAmount: 0.3,
      }).fee,
      '2.07',
    );
  });

  test('inverse perpetual: 10,000 BTCUSD at 8,000 -> taker 0.0006875 BTC, maker 0.00025 BTC', () => {
    published(perpFee('bybit', { settlement: 'inverse', role: 'taker', price: 8_000, size: 10_000 }).fee, '0.0006875');
    published(perpFee('bybit', { settlement: 'inverse', role: 'maker', price: 8_000, size: 10_000 }).fee, '0.00025');
  });

  test('futures settlement 0.05%: 10,000 BTCUSD settled at 10,600 -> 0.00047169 BTC (truncated on the page)', () => {
    published(
      futureSettlementFee('bybit', { settlement: 'inverse', price: 10_600, size: 10_000 }).fee,
      '0.00047169',
      'truncated',
    );
  });
});

describe('OKX ("Trading Fee Rules FAQ")', () => {
  test('100 call contracts (multiplier 0.01, face value 1 BTC) at 0.05 BTC: taker 0.0003 BTC, maker 0.0002 BTC', () => {
    const baseAmount = 100 * 0.01 * 1;
    published(
      optionFeeQuote('okx', { settlement: 'inverse', role: 'taker', underlyingPrice: 1, optionPrice: 0.05, baseAmount })
        .fee,
      '0.0003',
    );
    published(
      optionFeeQuote('okx', { settlement: 'inverse', role: 'maker', underlyingPrice: 1, optionPrice: 0.05, baseAmount })
        .fee,
      '0.0002',
    );
  });

  test('exercise: min(0.02%, taker rate) of the notional, capped at 7% of the settlement value', () => {
    const q = optionDeliveryFee('okx', {
      settlement: 'inverse',
      type: 'call',
      strike: 0.9,
      indexPrice: 1,
      settlementPrice: 1,
      baseAmount: 1,
    });
    expect(q.rate).toBe(0.0002);
    expect(q.fee).toBeCloseTo(0.0002, 15);
    const low = feeOverridesSchema.parse({ okx: { options: { inverse: { takerRate: 0.0001 } } } });
    expect(
      optionDeliveryFee(
        'okx',
        { settlement: 'inverse', type: 'call', strike: 0.9, indexPrice: 1, settlementPrice: 1, baseAmount: 1 },
        low,
      ).rate,
    ).toBe(0.0001);
  });
});

describe('Binance ("Binance Options Trading Fees", "Binance Futures Fee Structure & Fee Calculations")', () => {
  test('3 ETHUSDT calls at 1,000, index 2,000: min(0.03% x 2,000, 10% x 1,000) x 3 = 1.8 USDT', () => {
    published(
      optionFeeQuote('binance', {
        settlement: 'linear',
        role: 'taker',
        underlyingPrice: 2_000,
        optionPrice: 1_000,
        baseAmount: 3,
      }).fee,
      '1.8',
    );
  });

  test('exercise: strike 2,000, settlement 2,200, 3 contracts -> 0.99 USDT', () => {
    published(
      optionDeliveryFee('binance', {
        settlement: 'linear',
        type: 'call',
        strike: 2_000,
        indexPrice: 2_190,
        settlementPrice: 2_200,
        baseAmount: 3,
      }).fee,
      '0.99',
    );
  });

  test('USDⓈ-M: 1 BTC at 10,104 taker 5.052 USDT; at 11,104 maker 2.2208 USDT', () => {
    published(perpFee('binance', { settlement: 'linear', role: 'taker', price: 10_104, size: 1 }).fee, '5.052');
    published(perpFee('binance', { settlement: 'linear', role: 'maker', price: 11_104, size: 1 }).fee, '2.2208');
  });

  test('COIN-M: 10 BTCUSD quarterly contracts (100 USD) at 10,104 -> taker 0.000049485 BTC', () => {
    // The page rounds the notional to 0.09897 BTC before multiplying: compare at that rounding (0.5e-5 x 0.05%).
    const q = futureFee('binance', { settlement: 'inverse', role: 'taker', price: 10_104, size: 10 * 100 });
    expect(Math.abs(q.fee - 0.000049485)).toBeLessThanOrEqual(0.5e-5 * 0.0005);
  });
});

describe('tables, overrides and errors', () => {
  test('every table cites at least one page with a date', () => {
    for (const t of Object.values(FEE_TABLES)) {
      expect(t.sources.length).toBeGreaterThan(0);
      for (const s of t.sources) {
        expect(s.url).toMatch(/^https:\/\//);
        expect(s.read).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      }
    }
  });

  test('the override schema refuses percent-looking rates and unknown keys', () => {
    expect(feeOverridesSchema.safeParse({ deribit: { perp: { inverse: { takerRate: 0.05 } } } }).success).toBe(false);
    expect(feeOverridesSchema.safeParse({ deribit: { perp: { inverse: { takerFee: 0.0004 } } } }).success).toBe(false);
    expect(feeOverridesSchema.safeParse({ kraken: {} }).success).toBe(false);
    expect(() => feeTable('bybit', { bybit: { options: { inverse: { takerRate: 0.0001 } } } })).toThrow(
      /does not list/,
    );
  });

  test('bad inputs are named errors, never NaN', () => {
    const base = {
      settlement: 'inverse' as const,
      role: 'taker' as const,
      underlyingPrice: 1,
      optionPrice: 0.01,
      baseAmount: 1,
    };
    expect(() => optionFeeQuote('deribit', { ...base, optionPrice: Number.NaN })).toThrow(FeeInputError);
    expect(() => optionFeeQuote('deribit', { ...base, baseAmount: -1 })).toThrow(/baseAmount/);
    expect(() => optionFeeQuote('bybit', base)).toThrow(/no inverse options/);
    expect(() => perpFee('binance', { settlement: 'linear', role: 'taker', price: 0, size: 1 })).toThrow(/price/);
  });
});
