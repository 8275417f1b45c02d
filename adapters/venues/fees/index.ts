/**
 * Venue fee and contract tables (Deribit, OKX, Bybit, Binance) and the fee functions. Pure: numbers in, numbers
 * out; every rate is a decimal. Fees are returned in the currency the prices are given in: pass quote-currency
 * (USD) prices for a USD fee, or coin prices (underlying price 1, premium in coin) for a fee in the coin, which is
 * how coin-settled venues (Deribit BTC, OKX BTC-USD) charge it.
 *
 * Per-account-tier overrides (`feeOverridesSchema`, for the desk config) replace any rate of a venue's table.
 */
import { z } from 'zod';
import { InvalidInputError } from '../../../pricing/errors.js';
import type { FutureQuote, OptionQuote, PerpQuote } from '../../model.js';
import { BINANCE_FEES } from './binance.js';
import { BYBIT_FEES } from './bybit.js';
import { DERIBIT_FEES } from './deribit.js';
import { OKX_FEES } from './okx.js';
import type { FeeRole, LinearFeeSchedule, OptionFeeSchedule, VenueFeeTable } from './types.js';

export * from './types.js';
export { BINANCE_FEES, BYBIT_FEES, DERIBIT_FEES, OKX_FEES };
export { DERIBIT_WEEKLY_FUTURES } from './deribit.js';

export type FeeVenue = VenueFeeTable['venue'];
export const FEE_TABLES: Readonly<Record<FeeVenue, VenueFeeTable>> = {
  deribit: DERIBIT_FEES,
  okx: OKX_FEES,
  bybit: BYBIT_FEES,
  binance: BINANCE_FEES,
};

/** A fee input outside its domain (code `invalid-input`, the field is named; never a NaN fee). */
export class FeeInputError extends InvalidInputError {
  override name = 'FeeInputError';
}

function nonNegative(field: string, v: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0)
    throw new FeeInputError(field, v, 'must be a finite number at least 0');
  return v;
}

// --- overrides ----------------------------------------------------------------------------------------------------

/** A fee rate as a decimal: -1% (rebate) to 1%. */
const rate = z.number().min(-0.01).max(0.01);
const cap = z.number().min(0).max(1);
const optionOverride = z
  .object({
    makerRate: rate,
    takerRate: rate.min(0),
    premiumCap: cap,
    deliveryRate: rate.min(0),
    deliveryCap: cap,
  })
  .partial()
  .strict();
const linearOverride = z
  .object({ makerRate: rate, takerRate: rate.min(0), settlementRate: rate.min(0) })
  .partial()
  .strict();
const venueOverride = z
  .object({
    /** Name of the account's tier, e.g. `VIP 3` (shown in outputs). */
    tier: z.string().min(1),
    options: z.object({ inverse: optionOverride, linear: optionOverride }).partial().strict(),
    perp: z.object({ inverse: linearOverride, linear: linearOverride }).partial().strict(),
    future: z.object({ inverse: linearOverride, linear: linearOverride }).partial().strict(),
  })
  .partial()
  .strict();

/**
 * Per-account-tier fee overrides for the desk config, by venue: any rate of the published table can be replaced,
 * e.g. `{ "deribit": { "tier": "VIP 2", "options": { "inverse": { "takerRate": 0.00025 } } } }`.
 */
export const feeOverridesSchema = z
  .object({ deribit: venueOverride, okx: venueOverride, bybit: venueOverride, binance: venueOverride })
  .partial()
  .strict();
export type FeeOverrides = z.infer<typeof feeOverridesSchema>;

function merge<T extends object>(base: T | null, over: Partial<T> | undefined, what: string): T | null {
  if (!over || Object.keys(over).length === 0) return base;
  if (base === null) throw new FeeInputError(what, over, 'overrides a product the venue does not list');
  return { ...base, ...over };
}

/** The venue's table with the account's overrides applied. */
export function feeTable(venue: FeeVenue, overrides?: FeeOverrides): VenueFeeTable {
  const base = FEE_TABLES[venue];
  if (!base) throw new FeeInputError('venue', venue, 'must be deribit, okx, bybit or binance');
  const o = overrides?.[venue];
  if (!o) return base;
  return {
    ...base,
    tier: o.tier ?? `${base.tier} (overridden)`,
    options: {
      inverse: merge(base.options.inverse, o.options?.inverse, `${venue}.options.inverse`),
      linear: merge(base.options.linear, o.options?.linear, `${venue}.options.linear`),
    },
    perp: {
      inverse: merge(base.perp.inverse, o.perp?.inverse, `${venue}.perp.inverse`),
      linear: merge(base.perp.linear, o.perp?.linear, `${venue}.perp.linear`),
    },
    future: {
      inverse: merge(base.future.inverse, o.future?.inverse, `${venue}.future.inverse`),
      linear: merge(base.future.linear, o.future?.linear, `${venue}.future.linear`),
    },
  };
}

export type Settlement = 'inverse' | 'linear';

function optionSchedule(table: VenueFeeTable, settlement: Settlement): OptionFeeSchedule {
  const s = table.options[settlement];
  if (!s) throw new FeeInputError('settlement', settlement, `${table.venue} lists no ${settlement} options`);
  return s;
}

// --- options ------------------------------------------------------------------------------------------------------

export interface OptionTradeFeeInput {
  settlement: Settlement;
  role: FeeRole;
  /** Price of the underlying (index) in the fee currency: USD, or 1 when prices are in the coin. */
  underlyingPrice: number;
  /** Traded option price per unit of base, same currency. */
  optionPrice: number;
  /** Size in base units (contracts x contract size), >= 0. */
  baseAmount: number;
}

export interface FeeQuote {
  /** Total fee in the currency of the prices (negative: a rebate). */
  fee: number;
  /**
   * Per unit of base, in the fee currency: the currency of the prices for options and linear perps/futures; the
   * coin for inverse perps/futures (multiply by the price for USD).
   */
  feePerBase: number;
  /** The rate that applied (decimal of notional). */
  rate: number;
  /** True when the premium (or value) cap, not the rate, set the fee. */
  capped: boolean;
}

/**
 * Option trading fee: min(rate x underlying price, premiumCap x option price) x base amount (the formula all four
 * venues publish). A negative maker rate (rebate) is not capped.
 */
export function optionFeeQuote(venue: FeeVenue, input: OptionTradeFeeInput, overrides?: FeeOverrides): FeeQuote {
  const s = optionSchedule(feeTable(venue, overrides), input.settlement);
  const u = nonNegative('underlyingPrice', input.underlyingPrice);
  const p = nonNegative('optionPrice', input.optionPrice);
  const n = nonNegative('baseAmount', input.baseAmount);
  const r = input.role === 'maker' ? s.makerRate : input.role === 'taker' ? s.takerRate : Number.NaN;
  if (Number.isNaN(r)) throw new FeeInputError('role', input.role, 'must be maker or taker');
  const byRate = r * u;
  const byCap = s.premiumCap * p;
  const capped = byRate > byCap;
  const perBase = capped ? byCap : byRate;
  return { fee: perBase * n, feePerBase: perBase, rate: r, capped };
}

export interface OptionDeliveryFeeInput {
  settlement: Settlement;
  type: 'call' | 'put';
  strike: number;
  /** The index at expiry (the delivery rate's basis on Deribit and Bybit), fee currency. */
  indexPrice: number;
  /** The settlement (delivery) price the option's value is computed from, fee currency. */
  settlementPrice: number;
  baseAmount: number;
  /** A daily (non-weekly) expiry: free on the venues that say so. */
  dailyExpiry?: boolean;
}

/**
 * Delivery (exercise) fee of an option at expiry: min(deliveryRate x reference price, deliveryCap x value) x base
 * amount, where value = max(0, settlement - strike) for a call, max(0, strike - settlement) for a put; 0 when the
 * option expires worthless (and for daily expiries where the venue waives it). Coin-settled venues: pass prices in
 * the coin (index 1, value in coin) for a fee in coin.
 */
export function optionDeliveryFee(venue: FeeVenue, input: OptionDeliveryFeeInput, overrides?: FeeOverrides): FeeQuote {
  const s = optionSchedule(feeTable(venue, overrides), input.settlement);
  const K = nonNegative('strike', input.strike);
  const idx = nonNegative('indexPrice', input.indexPrice);
  const S = nonNegative('settlementPrice', input.settlementPrice);
  const n = nonNegative('baseAmount', input.baseAmount);
  if (input.type !== 'call' && input.type !== 'put') throw new FeeInputError('type', input.type, 'must be call or put');
  const value = input.type === 'call' ? Math.max(0, S - K) : Math.max(0, K - S);
  const rate = s.deliveryRateAtMostTaker ? Math.min(s.deliveryRate, s.takerRate) : s.deliveryRate;
  if (value === 0 || (input.dailyExpiry && s.dailyExpiriesDeliveryFree))
    return { fee: 0, feePerBase: 0, rate, capped: false };
  const byRate = rate * (s.deliveryRateBasis === 'index' ? idx : S);
  const byCap = s.deliveryCap * value;
  const capped = byRate > byCap;
  const perBase = capped ? byCap : byRate;
  return { fee: perBase * n, feePerBase: perBase, rate, capped };
}

// --- perps and futures --------------------------------------------------------------------------------------------

export interface LinearTradeInput {
  settlement: Settlement;
  role: FeeRole;
  /** Trade price, quote per base. */
  price: number;
  /**
   * linear: size in base units (fee in the quote currency, rate x size x price);
   * inverse: size in USD (contracts x contract value; fee in the coin, rate x size / price).
   */
  size: number;
}

function linearSchedule(table: VenueFeeTable, kind: 'perp' | 'future', settlement: Settlement): LinearFeeSchedule {
  const s = table[kind][settlement];
  if (!s) throw new FeeInputError('settlement', settlement, `${table.venue} lists no ${settlement} ${kind}s`);
  return s;
}

function linearFee(s: LinearFeeSchedule, input: LinearTradeInput, rateOf: (s: LinearFeeSchedule) => number): FeeQuote {
  const price = input.price;
  if (typeof price !== 'number' || !Number.isFinite(price) || price <= 0)
    throw new FeeInputError('price', price, 'must be a finite number greater than 0');
  const size = nonNegative('size', input.size);
  const r = rateOf(s);
  const baseAmount = input.settlement === 'linear' ? size : size / price;
  const perBase = input.settlement === 'linear' ? r * price : r;
  return { fee: perBase * baseAmount, feePerBase: perBase, rate: r, capped: false };
}

function roleRate(role: FeeRole): (s: LinearFeeSchedule) => number {
  if (role !== 'maker' && role !== 'taker') throw new FeeInputError('role', role, 'must be maker or taker');
  return (s) => (role === 'maker' ? s.makerRate : s.takerRate);
}

/** Perpetual trading fee (see `LinearTradeInput` for the currency). */
export function perpFee(venue: FeeVenue, input: LinearTradeInput, overrides?: FeeOverrides): FeeQuote {
  return linearFee(linearSchedule(feeTable(venue, overrides), 'perp', input.settlement), input, roleRate(input.role));
}

/** Dated-future trading fee. */
export function futureFee(venue: FeeVenue, input: LinearTradeInput, overrides?: FeeOverrides): FeeQuote {
  return linearFee(linearSchedule(feeTable(venue, overrides), 'future', input.settlement), input, roleRate(input.role));
}

/** Fee on a future position delivered at expiry, at the settlement price (`role` is ignored). */
export function futureSettlementFee(
  venue: FeeVenue,
  input: Omit<LinearTradeInput, 'role'>,
  overrides?: FeeOverrides,
): FeeQuote {
  return linearFee(
    linearSchedule(feeTable(venue, overrides), 'future', input.settlement),
    { ...input, role: 'taker' },
    (s) => s.settlementRate,
  );
}

// --- fees of a normalised quote (what hedging charges a leg) --------------------------------------------------------

/** The account's side of the table and its tier overrides. */
export interface FeeTerms {
  /** Maker or taker rate (default taker: a leg sent at the touch crosses the spread). */
  role?: FeeRole | undefined;
  overrides?: FeeOverrides | undefined;
}

/**
 * Venue fee per base unit of the option `quote` traded at `premiumQuote` (USD per base), USD, from the venue's table:
 * min(rate x underlying, premiumCap x premium). Coin-settled options are charged in the coin, min(rate, cap x coin
 * premium), worth that times the option's forward in USD (the conversion of its USD premium); linear options on
 * the index (the forward when the quote has none).
 */
export function optionQuoteFee(
  quote: OptionQuote,
  premiumQuote: number,
  terms: FeeTerms = {},
): { feeQuote: number; capped: boolean; rate: number } {
  const i = quote.instrument;
  const underlying = i.inverse ? (quote.forward ?? 0) : (quote.index ?? quote.forward ?? 0);
  const fee = optionFeeQuote(
    i.venue,
    {
      settlement: i.inverse ? 'inverse' : 'linear',
      role: terms.role ?? 'taker',
      underlyingPrice: underlying,
      optionPrice: Math.max(0, premiumQuote),
      baseAmount: 1,
    },
    terms.overrides,
  );
  return { feeQuote: fee.feePerBase, capped: fee.capped, rate: fee.rate };
}

/**
 * Venue fee per base unit of a perp or future traded at `price`, USD: the table's rate of notional (inverse
 * contracts are charged in the coin, rate x USD size / price, worth rate x base units x price).
 */
export function linearQuoteFeePerBase(quote: PerpQuote | FutureQuote, price: number, terms: FeeTerms = {}): number {
  const i = quote.instrument;
  const input = { settlement: i.inverse ? 'inverse' : 'linear', role: terms.role ?? 'taker', price, size: 1 } as const;
  const fee =
    quote.kind === 'perp' ? perpFee(i.venue, input, terms.overrides) : futureFee(i.venue, input, terms.overrides);
  return fee.rate * price;
}
