/**
 * Binance fees and contracts, regular user (VIP 0).
 *
 * Options: Binance Support, "Binance Options Trading Fees",
 * https://www.binance.com/en/support/faq/binance-options-trading-fees-5326e5de61c34fed98abe28d2f175a23 (published
 * 2022-09-08; read 2026-12-02): transaction fee rate 0.03% of the index, "capped at 10% of the option's value";
 * example: 3 ETHUSDT call contracts at a 1,000 USDT premium, index 2,000: "Minimum (0.03% * 2,000, 10% * 1,000) * 3
 * = 1.8 USDT". Exercise fee 0.015% of the settlement price, capped at 10% of the option value: strike 2,000,
 * settlement 2,200, 3 contracts: "Minimum [0.015% * 2,200, 10% * (2,200 - 2,000)] * 3 = 0.99 USDT". The page gives
 * one rate for maker and taker.
 * Futures: Binance Support, "Binance Futures Fee Structure & Fee Calculations",
 * https://www.binance.com/en/support/faq/360033544231 (read 2026-12-02): regular user maker 0.02%, taker 0.05%;
 * USDⓈ-M example "Buy 1 BTC worth of BTCUSDT ... 10,104 ... Taker commission fee ... 5.052 USDT", "Sell ... at
 * 11,104 ... Maker commission fee ... 2.2208 USDT"; COIN-M example "Buy 10 BTCUSD 0925 quarterly contracts ...
 * (10 contracts * 100 USD) / 10,104 USD = 0.09897 BTC; Taker commission fee: 0.09897 * 0.050% = 0.000049485 BTC".
 * Contracts: options USDT-settled, contract unit 1 of the underlying; COIN-M BTCUSD 100 USD per contract; USDⓈ-M
 * in base units.
 */
import type { VenueFeeTable } from './types.js';

export const BINANCE_FEES: VenueFeeTable = {
  venue: 'binance',
  tier: 'regular (VIP 0)',
  options: {
    inverse: null,
    linear: {
      makerRate: 0.0003,
      takerRate: 0.0003,
      premiumCap: 0.1,
      deliveryRate: 0.00015,
      deliveryCap: 0.1,
      deliveryRateBasis: 'settlement',
      deliveryRateAtMostTaker: false,
      dailyExpiriesDeliveryFree: false,
    },
  },
  perp: {
    inverse: { makerRate: 0.0002, takerRate: 0.0005, settlementRate: 0 },
    linear: { makerRate: 0.0002, takerRate: 0.0005, settlementRate: 0 },
  },
  future: {
    inverse: { makerRate: 0.0002, takerRate: 0.0005, settlementRate: 0 },
    linear: { makerRate: 0.0002, takerRate: 0.0005, settlementRate: 0 },
  },
  contracts: [
    {
      product: 'BTCUSDT options',
      kind: 'option',
      settle: 'USDT',
      inverse: false,
      contractSizeBase: 1,
      contractValueQuote: null,
      minContracts: 0.01,
    },
    {
      product: 'BTCUSD COIN-M perpetual/quarterly',
      kind: 'perp',
      settle: 'BTC',
      inverse: true,
      contractSizeBase: null,
      contractValueQuote: 100,
      minContracts: 1,
    },
    {
      product: 'BTCUSDT USDⓈ-M perpetual',
      kind: 'perp',
      settle: 'USDT',
      inverse: false,
      contractSizeBase: 1,
      contractValueQuote: null,
      minContracts: 0.001,
    },
  ],
  sources: [
    {
      url: 'https://www.binance.com/en/support/faq/binance-options-trading-fees-5326e5de61c34fed98abe28d2f175a23',
      read: '2026-12-02',
      note: 'options 0.03% capped 10%; exercise 0.015% capped 10%; examples 1.8 and 0.99 USDT',
    },
    {
      url: 'https://www.binance.com/en/support/faq/360033544231',
      read: '2026-12-02',
      note: 'futures maker 0.02% / taker 0.05%; USDⓈ-M and COIN-M examples',
    },
  ],
};
