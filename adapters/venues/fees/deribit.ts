/**
 * Deribit fees and contracts, base (non-VIP) tier.
 *
 * Source: Deribit Support, "Fees", https://support.deribit.com/hc/en-us/articles/25944746248989-Fees (read
 * 2026-12-02): BTC/ETH options maker and taker "0.03% of the underlying or 0.0003 BTC per options contract
 * (Capped at 12.5% of the options price)", with the worked example "if an option is traded at 0.0001 BTC, the taker
 * fee will be 0.0000125 BTC (instead of 0.0003 BTC)"; USDC linear options maker 0.0001 x index, taker 0.0005 x
 * index, capped at 12.5% of the premium; BTC futures (incl. daily) and perpetual maker 0.00%, taker 0.05%, example
 * "A trade of $50,000 is executed at a price of $100,000. The taker ... will pay 0.05% of 0.5 BTC ... 0.00025
 * BTC"; BTC weekly futures maker -0.01% (rebate), taker 0.05%, example "$10,000 ... at $100,000 ... taker 0.00005
 * BTC ... maker ... rebate of ... 0.00001 BTC".
 * Delivery fees (same page, delivery section, as summarised in api-evangelist/deribit finops/finops.yml, read
 * 2026-12-02, which cites that page): options 0.015% capped at 12.5% of the option's value, daily options 0,
 * quarterly futures 0.025%, weekly futures 0.
 * Contracts (CONVENTIONS.md and the built-in recording's instrument payloads): BTC and ETH options 1 coin per
 * contract, minimum 0.1; BTC-PERPETUAL and BTC futures 10 USD per contract.
 */
import type { VenueFeeTable } from './types.js';

export const DERIBIT_FEES: VenueFeeTable = {
  venue: 'deribit',
  tier: 'base (non-VIP)',
  options: {
    inverse: {
      makerRate: 0.0003,
      takerRate: 0.0003,
      premiumCap: 0.125,
      deliveryRate: 0.00015,
      deliveryCap: 0.125,
      deliveryRateBasis: 'index',
      deliveryRateAtMostTaker: false,
      dailyExpiriesDeliveryFree: true,
    },
    linear: {
      makerRate: 0.0001,
      takerRate: 0.0005,
      premiumCap: 0.125,
      deliveryRate: 0.00015,
      deliveryCap: 0.125,
      deliveryRateBasis: 'index',
      deliveryRateAtMostTaker: false,
      dailyExpiriesDeliveryFree: true,
    },
  },
  perp: {
    inverse: { makerRate: 0, takerRate: 0.0005, settlementRate: 0 },
    linear: { makerRate: 0, takerRate: 0.0005, settlementRate: 0 },
  },
  future: {
    // Quarterly (and daily) futures; weekly futures are maker -0.0001 and deliver free (see WEEKLY below).
    inverse: { makerRate: 0, takerRate: 0.0005, settlementRate: 0.00025 },
    linear: null,
  },
  contracts: [
    {
      product: 'BTC options (coin-settled)',
      kind: 'option',
      settle: 'BTC',
      inverse: true,
      contractSizeBase: 1,
      contractValueQuote: null,
      minContracts: 0.1,
    },
    {
      product: 'ETH options (coin-settled)',
      kind: 'option',
      settle: 'ETH',
      inverse: true,
      contractSizeBase: 1,
      contractValueQuote: null,
      minContracts: 1,
    },
    {
      product: 'BTC-PERPETUAL',
      kind: 'perp',
      settle: 'BTC',
      inverse: true,
      contractSizeBase: null,
      contractValueQuote: 10,
      minContracts: 1,
    },
    {
      product: 'BTC futures',
      kind: 'future',
      settle: 'BTC',
      inverse: true,
      contractSizeBase: null,
      contractValueQuote: 10,
      minContracts: 1,
    },
  ],
  sources: [
    {
      url: 'https://support.deribit.com/hc/en-us/articles/25944746248989-Fees',
      read: '2026-12-02',
      note: 'maker/taker per product with worked examples; options cap 12.5% of the option price',
    },
    {
      url: 'https://raw.githubusercontent.com/api-evangelist/deribit/refs/heads/main/finops/finops.yml',
      read: '2026-12-02',
      note: 'summary of the same page: delivery fees (options 0.015% capped 12.5%, daily options 0, quarterly futures 0.025%)',
    },
  ],
};

/** Deribit BTC/ETH weekly futures: maker rebate 0.01%, taker 0.05%, no delivery fee (same page, read 2026-12-02). */
export const DERIBIT_WEEKLY_FUTURES = { makerRate: -0.0001, takerRate: 0.0005, settlementRate: 0 } as const;
