/**
 * Bybit fees and contracts, non-VIP tier.
 *
 * Options: Bybit Help Center, "Options Trading: Fees Explained",
 * https://www.bybit.com/en/help-center/article/Bybit-Option-Fees-Explained (read 2026-12-02 in its testnet mirror
 * testnet.bytick.com, "Last updated on 2025-09-18", and the pt-BR version): USDT and USDC options, maker 0.02%,
 * taker 0.03% of the index, "Trading fee for a single contract can never be higher than 7% of the option price";
 * example: 0.3 BTC call, index 42,000, traded at 3,000, maker: "Minimum (0.02% x 42,000, 7% x 3,000) x 0.3 = 2.52
 * USDT". Delivery fee 0.015% of the index, never higher than 12.5% of the option's value, daily options free;
 * example: strike 45,000, 0.3 BTC, index 46,000 at expiry, estimated delivery price 46,050: 2.07 USDT
 * (= min(0.015% x 46,000, 12.5% x (46,050 - 45,000)) x 0.3). The older USDC-only version of the page
 * (help.bybit.com/hc/en-us/articles/5488484662041) had 0.03%/0.03% capped at 12.5%: "3.78 USDC" for the same trade.
 * Perpetuals and futures: Bybit Help Center, "Perpetual & Futures Contract: Fees Explained",
 * https://www.bybit.com/en/help-center/article/Perpetual-Futures-Contract-Fees-Explained (read 2026-12-02, the
 * bybit.nl copy dated 2024-10-16): taker 0.055%, maker 0.02%; inverse example "10,000 BTCUSD contracts ... at
 * $8,000: Taker fee ... 10,000/8,000 x 0.055% = 0.0006875 BTC, Maker fee ... 0.00025 BTC". Futures settlement fee
 * 0.05% (help.bybit.com/hc/en-us/articles/900003221726, read 2026-12-02): "(10,000/10,600) x 0.05% = 0.00047169 BTC".
 * Contracts (CONVENTIONS.md): options USDC/USDT-settled, 1 BTC per contract unit, minimum 0.01 BTC; inverse
 * perps 1 USD per contract; linear perps in base units.
 */
import type { VenueFeeTable } from './types.js';

export const BYBIT_FEES: VenueFeeTable = {
  venue: 'bybit',
  tier: 'non-VIP',
  options: {
    inverse: null,
    linear: {
      makerRate: 0.0002,
      takerRate: 0.0003,
      premiumCap: 0.07,
      deliveryRate: 0.00015,
      deliveryCap: 0.125,
      deliveryRateBasis: 'index',
      deliveryRateAtMostTaker: false,
      dailyExpiriesDeliveryFree: true,
    },
  },
  perp: {
    inverse: { makerRate: 0.0002, takerRate: 0.00055, settlementRate: 0 },
    linear: { makerRate: 0.0002, takerRate: 0.00055, settlementRate: 0 },
  },
  future: {
    inverse: { makerRate: 0.0002, takerRate: 0.00055, settlementRate: 0.0005 },
    linear: { makerRate: 0.0002, takerRate: 0.00055, settlementRate: 0.0005 },
  },
  contracts: [
    {
      product: 'BTC options (USDT/USDC)',
      kind: 'option',
      settle: 'USDT',
      inverse: false,
      contractSizeBase: 1,
      contractValueQuote: null,
      minContracts: 0.01,
    },
    {
      product: 'BTCUSD inverse perpetual',
      kind: 'perp',
      settle: 'BTC',
      inverse: true,
      contractSizeBase: null,
      contractValueQuote: 1,
      minContracts: 1,
    },
    {
      product: 'BTCUSDT linear perpetual',
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
      url: 'https://www.bybit.com/en/help-center/article/Bybit-Option-Fees-Explained',
      read: '2026-12-02',
      note: 'options maker 0.02% / taker 0.03%, cap 7% of option price; delivery 0.015% capped 12.5%; examples 2.52 and 2.07 USDT',
    },
    {
      url: 'https://www.bybit.com/en/help-center/article/Perpetual-Futures-Contract-Fees-Explained',
      read: '2026-12-02',
      note: 'perpetual and futures taker 0.055%, maker 0.02%; inverse example 0.0006875 / 0.00025 BTC',
    },
    {
      url: 'https://help.bybit.com/hc/en-us/articles/900003221726-Trading-and-Settlement-Fees-Futures-Contract-',
      read: '2026-12-02',
      note: 'futures settlement fee 0.05%; example 0.00047169 BTC',
    },
  ],
};
