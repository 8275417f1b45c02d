/**
 * The one market model every venue is normalised into at the adapter boundary.
 *
 * Conventions (see `docs/CONVENTIONS.md`):
 * - Prices of the underlying (strike, forward, index, perp prices) are in the **quote currency per one unit of
 *   base** (USD per BTC).
 * - Option premiums are always **per one unit of base** (not per contract) and come in two currencies: the settle
 *   currency (`...Settle`: BTC for Deribit/OKX inverse options, USDC/USDT for linear ones) and the quote currency
 *   (`...Quote`: USD). For inverse options `quote = settle * forward` (the forward of the option's own expiry, not
 *   the index); for linear options the two are equal.
 * - Volatilities are decimals (0.6086), never percent.
 * - Times are UTC epoch milliseconds (`...Ms`) or ISO-8601 strings (`...Iso`); year fractions are computed by the
 *   caller (ACT/365) from a passed-in `asOfMs`, never from the wall clock.
 * - Amounts are in **contracts** unless the name says otherwise; `contractSize` converts contracts to base units.
 *
 * These names are a contract with the live stream (H4) and hedging (H5): add fields, do not rename them.
 */

/** Venues the adapters support (ccxt exchange ids). */
export type Venue = 'deribit' | 'okx' | 'bybit' | 'binance';
export const VENUES: readonly Venue[] = ['deribit', 'okx', 'bybit', 'binance'];

export function isVenue(value: string): value is Venue {
  return (VENUES as readonly string[]).includes(value);
}

export type InstrumentKind = 'option' | 'perp' | 'future';
export type OptionType = 'call' | 'put';

/** A tick size that applies above a price (Deribit `tick_size_steps`, which ccxt ignores: pitfall notes §1.3). */
export interface PriceTickStep {
  /** The step applies to prices strictly above this, in `priceCurrency`. */
  abovePrice: number;
  tick: number;
}

/** One tradable instrument, as the venue lists it. */
export interface Instrument {
  venue: Venue;
  /** ccxt unified symbol, e.g. `BTC/USD:BTC-260626-80000-C`, `BTC/USD:BTC` (perp). */
  symbol: string;
  /** The venue's own id, e.g. `BTC-26JUN26-80000-C`, `BTC-PERPETUAL`, `BTC-USD-220514-22000-C`. */
  venueId: string;
  /** Underlying coin, e.g. `BTC`. */
  base: string;
  /** Currency of strikes and of the underlying's price, e.g. `USD` (Deribit, OKX), `USDC`, `USDT`. */
  quote: string;
  /** Currency the instrument settles (and is margined) in, e.g. `BTC` for inverse, `USDC` for linear. */
  settle: string;
  kind: InstrumentKind;
  /** Options only; null otherwise. */
  optionType: OptionType | null;
  /** Options only, quote currency per base; null otherwise. */
  strike: number | null;
  /** Exact expiry in UTC epoch ms (08:00 UTC on all four venues); null for perps. */
  expiryMs: number | null;
  /** The same expiry as ISO-8601 (`2026-06-26T08:00:00.000Z`); null for perps. */
  expiryIso: string | null;
  /**
   * True for coin-settled instruments priced or margined in the base coin (Deribit BTC/ETH options and perps, OKX
   * `-USD` options and swaps). Their premiums are in the coin; their USD value moves with the coin.
   */
  inverse: boolean;
  /** `!inverse`: settled in the quote (or a stable coin). */
  linear: boolean;
  /**
   * Base units per contract (Deribit BTC options 1; OKX 2022 BTC options `ctVal*ctMult` = 0.1). Null where a
   * contract is a fixed amount of the quote currency instead (inverse perps and futures: see `contractValueQuote`).
   */
  contractSize: number | null;
  /** Inverse perps and futures: USD per contract (Deribit BTC-PERPETUAL 10, OKX BTC-USD-SWAP 100); else null. */
  contractValueQuote: number | null;
  /** Minimum order size, in contracts. */
  minAmount: number;
  /** Order size increment, in contracts. */
  amountStep: number;
  /** Price increment in `priceCurrency` (the smallest one; see `priceTickSteps` for larger ticks above a price). */
  priceTick: number;
  priceTickSteps: PriceTickStep[];
  /** Currency the venue quotes this instrument's price in: the settle coin for options, the quote for perps. */
  priceCurrency: string;
  /**
   * How many units of ccxt's/the venue's order `amount` make one contract (Deribit options 1 (BTC), Deribit
   * inverse perp 10 (USD), OKX 1 (contracts)): what a ticket multiplies contracts by before calling createOrder.
   */
  venueAmountPerContract: number;
  /** Taker and maker fees as decimals of notional (venue's own figure, as ccxt parsed it); null if unknown. */
  takerFee: number | null;
  makerFee: number | null;
  /** False when the venue lists it as inactive or not open. */
  active: boolean;
}

/**
 * Greeks as the venue sends them, with their units spelled out in `convention` (they differ per venue: pitfall P6).
 * Hedging should prefer Black-76 greeks recomputed from `markIv` and `forward` (plain derivatives in quote currency).
 */
export interface VenueGreeks {
  delta: number | null;
  gamma: number | null;
  vega: number | null;
  theta: number | null;
  rho: number | null;
  /** e.g. `deribit: delta per 1 base unit (Black, not premium-adjusted), gamma per USD, vega USD per vol point, theta USD per day`. */
  convention: string;
}

/** How a chain's forward was obtained. */
export type ForwardMethod = 'future' | 'parity';

/** One option's quote, normalised. Premiums are per one unit of base (multiply by `contractSize` per contract). */
export interface OptionQuote {
  kind: 'option';
  instrument: Instrument;
  /** Best bid / ask / mark premium in the settle currency; null when the venue sends none (empty side). */
  bidSettle: number | null;
  askSettle: number | null;
  markSettle: number | null;
  /** The same in the quote currency (USD): `settle * forward` for inverse, equal for linear. */
  bidQuote: number | null;
  askQuote: number | null;
  markQuote: number | null;
  /** Sizes at the best bid / ask, in contracts; null when unknown. */
  bidSizeContracts: number | null;
  askSizeContracts: number | null;
  /** Implied vols as decimals (Deribit's percent converted); null when the venue sends none. */
  markIv: number | null;
  bidIv: number | null;
  askIv: number | null;
  /** Venue greeks when the payload carries them, else null. */
  venueGreeks: VenueGreeks | null;
  /** Forward of this option's expiry, quote per base (Deribit `underlying_price`); null if the venue gave none. */
  forward: number | null;
  /** Index (spot) price, quote per base; null when not sent. */
  index: number | null;
  /** Open interest in contracts; null when not sent. */
  openInterestContracts: number | null;
  /** When the venue produced these numbers (UTC ms): the data's own time, never the time we read it. */
  timestampMs: number;
}

/** A perpetual swap's quote. Prices in quote currency per base. */
export interface PerpQuote {
  kind: 'perp';
  instrument: Instrument;
  bid: number | null;
  ask: number | null;
  mark: number | null;
  index: number | null;
  bidSizeContracts: number | null;
  askSizeContracts: number | null;
  /** Funding rate per interval as a decimal (0.0001 = 1 bp per interval); null when unknown. */
  fundingRate: number | null;
  /** Length of the funding interval the rate refers to, ms (8 h = 28_800_000). */
  fundingIntervalMs: number | null;
  /** `fundingRate * (365 days / fundingIntervalMs)`: simple annualisation, decimal per year. */
  fundingRateAnnualised: number | null;
  /** Next funding time (UTC ms); null where the venue accrues continuously (Deribit) or does not say. */
  nextFundingTimeMs: number | null;
  openInterestContracts: number | null;
  timestampMs: number;
}

/** A dated future's quote (used for forwards). Prices in quote currency per base. */
export interface FutureQuote {
  kind: 'future';
  instrument: Instrument;
  bid: number | null;
  ask: number | null;
  mark: number | null;
  index: number | null;
  timestampMs: number;
}

export type Quote = OptionQuote | PerpQuote | FutureQuote;

/** All options of one underlying and one expiry, with the forward they are priced on. */
export interface Chain {
  venue: Venue;
  underlying: string;
  expiryMs: number;
  expiryIso: string;
  /** Forward for this expiry, quote per base. */
  forward: number;
  /** 'future': the venue's future or the option's quoted underlying price; 'parity': put-call parity on the chain. */
  forwardMethod: ForwardMethod;
  /** Human detail, e.g. `underlying_price of BTC-26JUN26` or `SYN.BTC-27MAY26 (Deribit synthetic)`. */
  forwardDetail: string;
  /**
   * Put-call-parity forward implied by the chain's own marks (strikes nearest the money, zero rates), or null
   * without a call/put pair. Marks are computed by the venue on this forward, so it is the one to recompute marks
   * with; a gap to `forward` means the venue's underlying and its marks were taken at different moments.
   */
  parityForward: number | null;
  /** Options sorted by strike, then call before put. */
  options: OptionQuote[];
}

export type SourceKind = 'builtin' | 'replay' | 'live';

/** Where a snapshot's data came from, and the data's own time. */
export interface SnapshotSource {
  kind: SourceKind;
  /** e.g. `builtin: Deribit BTC 2026-05-26T19:27:44Z (reconstructed from real values)`, `replay:/path/file.json`. */
  label: string;
  /** The data's own time (UTC ms): the latest quote timestamp, or the recording time. */
  dataTimeMs: number;
}

/** Why a quote or instrument is not fit for hedging (see `adapters/sanity.ts`). */
export type SanityReason =
  | 'crossed-book'
  | 'empty-book'
  | 'no-mark'
  | 'no-forward'
  | 'zero-iv'
  | 'absurd-iv'
  | 'parity-violation'
  | 'expired'
  | 'unknown-instrument'
  | 'inactive'
  | 'stale'
  | 'mark-outside-bounds';

export interface SanityIssue {
  /** ccxt symbol of the instrument concerned. */
  symbol: string;
  reason: SanityReason;
  /** A sentence a desk can read: what was found, with the numbers. */
  detail: string;
}

/** Everything a desk needs from one venue and underlying at one time. */
export interface MarketSnapshot {
  venue: Venue;
  underlying: string;
  source: SnapshotSource;
  /** Per expiry, sorted by expiry. */
  chains: Chain[];
  perp: PerpQuote | null;
  futures: FutureQuote[];
  /** Index price, quote per base; null when no payload carried it. */
  index: number | null;
  /** Sanity findings on every quote; quotes named here are excluded from `usableForHedging`. */
  issues: SanityIssue[];
  /** ccxt symbols that passed every check. Hedging must use only these. */
  usableForHedging: ReadonlySet<string>;
}

/**
 * The time vocabulary lives in pricing/time.ts (ACT/365, docs/CONVENTIONS.md); re-exported here so adapters'
 * callers keep one import. `MS_PER_YEAR_ACT365` is the old name of `MS_PER_YEAR`.
 */
export { MS_PER_DAY, MS_PER_YEAR, MS_PER_YEAR as MS_PER_YEAR_ACT365, yearFractionAct365 } from '../pricing/time.js';
