/**
 * OKX fees and contracts, regular user tier Lv1.
 *
 * Options: OKX Help, "Trading Fee Rules FAQ", https://www.okx.com/help/trading-fee-rules-faq (published
 * 2024-03-22, updated 2026-06-24; read 2026-12-02 through the okx mirror eexkomnwps.com): "Trader A (Maker fee:
 * 0.02%; Taker fee: 0.03%) bought 100 contracts of call options (notional is 1 BTC): ... taker ... Trading fee =
 * Min(0.03% x 0.01 x 1 x 100, 7% x 0.05 x 0.01 x 1 x 100) = 0.0003 BTC; ... maker ... = 0.0002 BTC" (contract
 * multiplier 0.01, face value 1 BTC, premium 0.05 BTC). The cap fell from 12.5% to 7% of the premium on
 * 2025-05-15 (OKX announcement "adjust the fee calculation parameters for options", as reported e.g. by
 * spbxxx.com/2886.html, read 2026-12-02), which also gives the exercise fee: min(0.02%, the taker rate) of the
 * notional, capped at 7% of the settlement value; same-day (daily) options pay none.
 * Perpetuals and futures: https://www.okx.com/fees (read 2026-12-02): regular Lv1 maker 0.02%, taker 0.05%. No
 * worked example for swaps was found on OKX's own pages; the formula (fee = rate x contracts x multiplier x face
 * value x price for linear swaps, / price for inverse) is the one the options FAQ uses.
 * Contracts (CONVENTIONS.md): BTC-USD options 0.01 BTC per contract (multiplier 0.01 x face value 1), ETH 0.1 ETH;
 * BTC-USD-SWAP (inverse) 100 USD per contract; BTC-USDT-SWAP 0.01 BTC per contract.
 */
import type { VenueFeeTable } from './types.js';

export const OKX_FEES: VenueFeeTable = {
  venue: 'okx',
  tier: 'regular Lv1',
  options: {
    inverse: {
      makerRate: 0.0002,
      takerRate: 0.0003,
      premiumCap: 0.07,
      deliveryRate: 0.0002,
      deliveryCap: 0.07,
      deliveryRateBasis: 'settlement',
      deliveryRateAtMostTaker: true,
      dailyExpiriesDeliveryFree: true,
    },
    linear: null,
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
      product: 'BTC-USD options (coin-settled)',
      kind: 'option',
      settle: 'BTC',
      inverse: true,
      contractSizeBase: 0.01,
      contractValueQuote: null,
      minContracts: 1,
    },
    {
      product: 'ETH-USD options (coin-settled)',
      kind: 'option',
      settle: 'ETH',
      inverse: true,
      contractSizeBase: 0.1,
      contractValueQuote: null,
      minContracts: 1,
    },
    {
      product: 'BTC-USD-SWAP',
      kind: 'perp',
      settle: 'BTC',
      inverse: true,
      contractSizeBase: null,
      contractValueQuote: 100,
      minContracts: 1,
    },
    {
      product: 'BTC-USDT-SWAP',
      kind: 'perp',
      settle: 'USDT',
      inverse: false,
      contractSizeBase: 0.01,
      contractValueQuote: null,
      minContracts: 0.01,
    },
  ],
  sources: [
    {
      url: 'https://www.okx.com/help/trading-fee-rules-faq',
      read: '2026-12-02',
      note: 'options example: taker 0.0003 BTC, maker 0.0002 BTC for 100 contracts (1 BTC notional) at 0.05 BTC',
    },
    {
      url: 'https://www.okx.com/fees',
      read: '2026-12-02',
      note: 'tier tables; regular Lv1 swaps maker 0.02% / taker 0.05%',
    },
    {
      url: 'https://www.spbxxx.com/2886.html',
      read: '2026-12-02',
      note: 'third-party copy of the 2025-05-15 OKX announcement: option fee caps 12.5% -> 7%, exercise fee formula',
    },
  ],
};
