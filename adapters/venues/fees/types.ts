/**
 * The shape of a venue's fee and contract table. Every rate is a **decimal** (0.0003 = 0.03% = 3 bp), never a
 * percent; a negative maker rate is a rebate. Each table carries the pages it was taken from and the date read.
 */
export type FeeRole = 'maker' | 'taker';

/** Where a figure comes from. */
export interface FeeSource {
  url: string;
  /** Date the page was read (UTC, YYYY-MM-DD). */
  read: string;
  /** What the page gave. */
  note: string;
}

/**
 * Option trading and delivery fees. Trading fee per unit of base = min(rate * underlying price, premiumCap *
 * option price); delivery (exercise) fee per unit of base of an exercised option = min(deliveryRate * reference
 * price, deliveryCap * option value at settlement), 0 for options that expire worthless.
 */
export interface OptionFeeSchedule {
  makerRate: number;
  takerRate: number;
  /** Cap of the trading fee as a fraction of the option's traded price (Deribit 0.125, Bybit 0.07, ...). */
  premiumCap: number;
  deliveryRate: number;
  /** Cap of the delivery fee as a fraction of the option's value at settlement. */
  deliveryCap: number;
  /** The price the delivery rate applies to: the index at expiry (Bybit, Deribit) or the settlement price (Binance, OKX). */
  deliveryRateBasis: 'index' | 'settlement';
  /** OKX: the delivery rate is also capped by the account's taker rate. */
  deliveryRateAtMostTaker: boolean;
  /** Options that expire on a day that is not a weekly/monthly expiry pay no delivery fee (Deribit, Bybit, OKX dailies). */
  dailyExpiriesDeliveryFree: boolean;
}

/** Perpetual or dated-future trading fees as a fraction of notional (base units times price). */
export interface LinearFeeSchedule {
  makerRate: number;
  takerRate: number;
  /** Fee charged on positions delivered (settled) at expiry, fraction of notional; 0 for perps. */
  settlementRate: number;
}

/** A contract as the venue lists it. */
export interface ContractSpec {
  /** e.g. `BTC options (coin-settled)`, `BTC-PERPETUAL`. */
  product: string;
  kind: 'option' | 'perp' | 'future';
  /** Settlement currency, e.g. `BTC`, `USDC`, `USDT`. */
  settle: string;
  inverse: boolean;
  /** Base units per contract (linear and inverse options); null for USD-denominated inverse contracts. */
  contractSizeBase: number | null;
  /** USD per contract for inverse perps and futures; null otherwise. */
  contractValueQuote: number | null;
  /** Minimum order, in contracts. */
  minContracts: number;
}

export interface VenueFeeTable {
  venue: 'deribit' | 'okx' | 'bybit' | 'binance';
  /** The account tier the rates are for (the venue's base tier unless overridden). */
  tier: string;
  /** Coin-settled (inverse) and linear (stable-coin settled) options; null where the venue lists none. */
  options: { inverse: OptionFeeSchedule | null; linear: OptionFeeSchedule | null };
  perp: { inverse: LinearFeeSchedule | null; linear: LinearFeeSchedule | null };
  future: { inverse: LinearFeeSchedule | null; linear: LinearFeeSchedule | null };
  contracts: ContractSpec[];
  sources: FeeSource[];
}
