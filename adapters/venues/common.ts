/**
 * What every venue adapter shares: the adapter interface (with its optional live hooks), the instrument index that
 * rejects unknown symbols before ccxt can invent a market (pitfall P1), small number helpers that never turn a
 * missing value into 0 or NaN, and the construction of the model's instruments and quotes from what each venue
 * read off its raw fields (`instrumentOf`, `optionQuoteOf`, `perpQuoteOf`): the derived fields are computed here
 * once, the extraction (and its evidence) stays in the venue's file.
 */
import type { Exchange, MarketInterface as Market, Ticker } from 'ccxt';
import { MS_PER_HOUR, MS_PER_YEAR } from '../../pricing/time.js';
import { InconsistentMarketError, UnknownInstrumentError } from '../errors.js';
import type { RequestBudget } from '../live/rateLimit.js';
import type {
  FutureQuote,
  Instrument,
  InstrumentKind,
  OptionQuote,
  PerpQuote,
  PriceTickStep,
  Venue,
  VenueGreeks,
} from '../model.js';

export interface LoadOptions {
  /** Underlying coin, e.g. `BTC`. */
  underlying: string;
  /**
   * Settle currency of the options wanted. Deribit: `BTC`/`ETH` (inverse, the default) or `USDC` (linear).
   * Other venues: informational.
   */
  settle?: string;
}

/** Raw quotes of one venue and underlying, already normalised. */
export interface VenueQuotes {
  options: OptionQuote[];
  perp: PerpQuote | null;
  futures: FutureQuote[];
  index: number | null;
  /** Venue ids or symbols present in the payloads but not among the loaded instruments (never used). */
  unknown: string[];
}

/** One venue's quirks behind ccxt's unified methods. */
export interface VenueAdapter {
  venue: Venue;
  /** Loads only the markets a desk needs for `underlying` into `ex` (setMarkets) and indexes them. */
  loadInstruments(ex: Exchange, opts: LoadOptions): Promise<InstrumentIndex>;
  /** Fetches the option chain, the perp and the futures of `underlying` through unified methods. */
  fetchQuotes(ex: Exchange, index: InstrumentIndex, opts: LoadOptions): Promise<VenueQuotes>;
  /** Fetches one instrument's quote (fetchTicker). */
  fetchQuote(ex: Exchange, instrument: Instrument): Promise<OptionQuote | PerpQuote | FutureQuote>;
  /** Pure: a ccxt ticker (REST or websocket) of `instrument` into the model. */
  normaliseTicker(instrument: Instrument, ticker: Ticker): OptionQuote | PerpQuote | FutureQuote;
  /** Pure: a ccxt market into an Instrument (throws InconsistentMarketError when ccxt disagrees with raw fields). */
  instrumentFromMarket(market: Market): Instrument;
  /** What the live stream must know of this venue beyond ccxt's unified methods; none: the stream's defaults. */
  live?: VenueLiveHooks;
}

/** What a frame fix-up may touch: ccxt pro's cached state and the stream's own instruments. */
export interface LiveFrameContext {
  /** The ccxt pro exchange: `orderbooks` are its cached books by unified symbol. */
  exchange: { orderbooks?: Record<string, unknown> };
  /** The unified symbol of one of the stream's instruments, by venue id; undefined for any other id. */
  symbolOf(venueId: string): string | undefined;
}

/**
 * A venue's specifics for the live stream (`live/stream.ts`), so that the stream itself names no venue. Every
 * member is optional; the stream's defaults apply where one is missing.
 */
export interface VenueLiveHooks {
  /** The subscribe budget kept below the venue's limit. Default: `DEFAULT_REQUEST_BUDGET` (`live/rateLimit.ts`). */
  requestBudget?: RequestBudget;
  /**
   * True when `text` says the venue refused us for rate: asked of every error's message and of every raw frame
   * that carries `"error"`. (ccxt's own RateLimitExceeded / DDoSProtection count without asking.)
   */
  isRateLimit?(text: string): boolean;
  /** Runs on every raw frame before ccxt parses it: a fix-up of ccxt's cached state for a known ccxt fault. */
  beforeParse?(text: string, context: LiveFrameContext): void;
}

/** The loaded instruments of one venue, by ccxt symbol and by venue id. Lookups of anything else throw. */
export class InstrumentIndex {
  readonly bySymbol = new Map<string, Instrument>();
  readonly byVenueId = new Map<string, Instrument>();
  constructor(
    readonly venue: Venue,
    instruments: readonly Instrument[],
  ) {
    for (const i of instruments) {
      this.bySymbol.set(i.symbol, i);
      this.byVenueId.set(i.venueId, i);
    }
  }
  get size(): number {
    return this.bySymbol.size;
  }
  all(): Instrument[] {
    return [...this.bySymbol.values()];
  }
  /** By ccxt symbol or venue id, else undefined. */
  find(symbolOrId: string): Instrument | undefined {
    return this.bySymbol.get(symbolOrId) ?? this.byVenueId.get(symbolOrId);
  }
  /** By ccxt symbol or venue id; throws UnknownInstrumentError for anything the venue did not list. */
  resolve(symbolOrId: string): Instrument {
    const found = this.find(symbolOrId);
    if (!found) throw new UnknownInstrumentError(this.venue, symbolOrId, `not among ${this.size} loaded instruments`);
    return found;
  }
}

/** A finite number or null (ccxt gives undefined for missing fields; venues send null, "" or strings). */
export function num(value: unknown): number | null {
  if (value === null || value === undefined || value === '') return null;
  const n = typeof value === 'number' ? value : Number(value);
  return Number.isFinite(n) ? n : null;
}

/** A finite number > 0 or null: for prices where 0 means "no price" on the wire. */
export function positive(value: unknown): number | null {
  const n = num(value);
  return n !== null && n > 0 ? n : null;
}

/** a / b, or null when either is missing or the quotient is not finite (a size over a contract of 5e-324). */
export function divide(a: number | null, b: number | null): number | null {
  if (a === null || b === null || b === 0) return null;
  const q = a / b;
  return Number.isFinite(q) ? q : null;
}

export function isoOrNull(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

export function annualise(rate: number | null, intervalMs: number | null): number | null {
  return rate === null || intervalMs === null || intervalMs <= 0 ? null : rate * (MS_PER_YEAR / intervalMs);
}

/** The interval a funding rate refers to when the venue sends a rate without one: 8 hours. */
export const DEFAULT_FUNDING_INTERVAL_MS = 8 * MS_PER_HOUR;

/** The settle/quote conversion of a premium: coin premium x forward for inverse options, unchanged for linear. */
export function premiumToQuote(instrument: Instrument, settle: number | null, forward: number | null): number | null {
  if (settle === null) return null;
  if (!instrument.inverse) return settle;
  if (forward === null) return null;
  // A quote-currency premium that overflows (a damaged mark or forward) is no price, not Infinity.
  const quote = settle * forward;
  return Number.isFinite(quote) ? quote : null;
}

/** Yields the value at `path` of a loosely-typed object (ccxt `info`). */
export function field(obj: unknown, ...path: string[]): unknown {
  let cur: unknown = obj;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

export function str(value: unknown): string | null {
  return typeof value === 'string' && value.length > 0 ? value : null;
}

/** ccxt's market kind in the model's words. */
export function instrumentKindOf(market: Market): InstrumentKind {
  return market.option ? 'option' : market.swap ? 'perp' : 'future';
}

/**
 * A market's raw payload and venue id. ccxt's invented markets (P1) have no `info`: this yields `{}` for them, so
 * the venue refuses them with a typed error (its checks of the raw fields fail), never a TypeError.
 */
export function rawMarket(market: Market): { info: Record<string, unknown>; id: string } {
  return { info: (market.info ?? {}) as Record<string, unknown>, id: market.id ?? '' };
}

/** What a venue reads off a market's raw fields; `instrumentOf` derives the rest from these and ccxt's market. */
export interface InstrumentFields {
  venue: Venue;
  /** Settle currency: ccxt's, else the venue's default (the base coin on inverse venues, the quote on linear). */
  settle: string;
  /** The venue's raw strike field, read where ccxt's `strike` is missing (options only). */
  rawStrike?: unknown;
  expiryMs: number | null;
  /** One contract: base units, or USD when `usdContract`. */
  contract: number;
  /** A contract is `contract` USD rather than base units. Default: inverse perps and futures. */
  usdContract?: boolean;
  minAmount: number;
  amountStep: number;
  priceTick: number;
  priceTickSteps?: PriceTickStep[];
  venueAmountPerContract: number;
  active: boolean;
}

/** The largest time a JavaScript Date holds (ECMA-262 21.4.1.1). */
const MAX_DATE_MS = 8.64e15;

/**
 * Contract terms every quantity is divided by must be positive and finite, and an expiry must be a date: a venue
 * (or a damaged recording) sending otherwise gets the instrument refused by name, not sizes of Infinity.
 */
function checkInstrumentFields(market: Market, fields: InstrumentFields): void {
  const terms = {
    contract: fields.contract,
    minAmount: fields.minAmount,
    amountStep: fields.amountStep,
    priceTick: fields.priceTick,
    venueAmountPerContract: fields.venueAmountPerContract,
  };
  for (const [name, value] of Object.entries(terms)) {
    if (!(Number.isFinite(value) && value > 0 && Number.isFinite(1 / value))) {
      throw new InconsistentMarketError(
        fields.venue,
        market.symbol,
        `${name} ${value} is not a positive finite number`,
      );
    }
  }
  const expiry = fields.expiryMs;
  if (expiry !== null && !(Number.isFinite(expiry) && Math.abs(expiry) <= MAX_DATE_MS)) {
    throw new InconsistentMarketError(fields.venue, market.symbol, `expiry ${expiry} is not a date`);
  }
}

/** Pure: the model's Instrument from ccxt's market and the venue's raw-field readings. */
export function instrumentOf(market: Market, fields: InstrumentFields): Instrument {
  checkInstrumentFields(market, fields);
  const { settle, contract, expiryMs } = fields;
  const kind = instrumentKindOf(market);
  const inverse = market.inverse === true;
  const option = kind === 'option';
  const usdContract = fields.usdContract ?? (inverse && !option);
  return {
    venue: fields.venue,
    symbol: market.symbol,
    venueId: market.id ?? '',
    base: market.base,
    quote: market.quote,
    settle,
    kind,
    optionType: option ? (market.optionType === 'call' ? 'call' : 'put') : null,
    strike: option ? (num(market.strike) ?? num(fields.rawStrike)) : null,
    expiryMs,
    expiryIso: isoOrNull(expiryMs),
    inverse,
    linear: !inverse,
    contractSize: usdContract ? null : contract,
    contractValueQuote: usdContract ? contract : null,
    minAmount: fields.minAmount,
    amountStep: fields.amountStep,
    priceTick: fields.priceTick,
    priceTickSteps: fields.priceTickSteps ?? [],
    priceCurrency: option ? settle : market.quote,
    venueAmountPerContract: fields.venueAmountPerContract,
    takerFee: num(market.taker),
    makerFee: num(market.maker),
    active: fields.active,
  };
}

/** Raw greeks as the venue names them (any of them may be missing: null in the model). */
export interface RawGreeks {
  delta?: unknown;
  gamma?: unknown;
  vega?: unknown;
  theta?: unknown;
  rho?: unknown;
}

/** Pure: venue greeks with their units stated (`convention`); a missing or non-numeric value is null. */
export function venueGreeksOf(convention: string, raw: RawGreeks): VenueGreeks {
  return {
    delta: num(raw.delta),
    gamma: num(raw.gamma),
    vega: num(raw.vega),
    theta: num(raw.theta),
    rho: num(raw.rho),
    convention,
  };
}

/** What every quote kind has, as the venue sent it: prices in the quote currency (premiums in the settle one). */
export interface QuoteTop {
  bid: number | null;
  ask: number | null;
  mark: number | null;
  index: number | null;
  /** The venue's time of these numbers (UTC ms). */
  timestampMs: number;
}

/** Sizes at the best bid and ask and the open interest, in contracts; null when not sent. */
export interface QuoteSizes {
  bidSizeContracts: number | null;
  askSizeContracts: number | null;
  openInterestContracts: number | null;
}

/** What only an option quote has. */
export type OptionFields = Pick<OptionQuote, 'forward' | 'markIv' | 'bidIv' | 'askIv' | 'venueGreeks'>;

/** A perp's funding as the venue states it; the annualised rate is derived. */
export type FundingFields = Pick<PerpQuote, 'fundingRate' | 'fundingIntervalMs' | 'nextFundingTimeMs'>;

/**
 * A funding rate with the interval it refers to: the venue's stated one (ms), else the 8-hour default when a rate
 * came without one, else null.
 */
export function fundingOf(
  fundingRate: number | null,
  statedIntervalMs: number | null,
  nextFundingTimeMs: number | null,
): FundingFields {
  const fundingIntervalMs = statedIntervalMs ?? (fundingRate === null ? null : DEFAULT_FUNDING_INTERVAL_MS);
  return { fundingRate, fundingIntervalMs, nextFundingTimeMs };
}

/** Pure: an OptionQuote; `top`'s premiums are in the settle currency, the quote-currency ones derived on `forward`. */
export function optionQuoteOf(
  instrument: Instrument,
  top: QuoteTop,
  sizes: QuoteSizes,
  option: OptionFields,
): OptionQuote {
  const { bid, ask, mark } = top;
  const { forward } = option;
  return {
    kind: 'option',
    instrument,
    bidSettle: bid,
    askSettle: ask,
    markSettle: mark,
    bidQuote: premiumToQuote(instrument, bid, forward),
    askQuote: premiumToQuote(instrument, ask, forward),
    markQuote: premiumToQuote(instrument, mark, forward),
    bidSizeContracts: sizes.bidSizeContracts,
    askSizeContracts: sizes.askSizeContracts,
    markIv: option.markIv,
    bidIv: option.bidIv,
    askIv: option.askIv,
    venueGreeks: option.venueGreeks,
    forward,
    index: top.index,
    openInterestContracts: sizes.openInterestContracts,
    timestampMs: top.timestampMs,
  };
}

/** Pure: a PerpQuote, with the funding rate annualised over its interval. */
export function perpQuoteOf(
  instrument: Instrument,
  top: QuoteTop,
  sizes: QuoteSizes,
  funding: FundingFields,
): PerpQuote {
  const { fundingRate, fundingIntervalMs } = funding;
  return {
    kind: 'perp',
    instrument,
    bid: top.bid,
    ask: top.ask,
    mark: top.mark,
    index: top.index,
    bidSizeContracts: sizes.bidSizeContracts,
    askSizeContracts: sizes.askSizeContracts,
    fundingRate,
    fundingIntervalMs,
    fundingRateAnnualised: annualise(fundingRate, fundingIntervalMs),
    nextFundingTimeMs: funding.nextFundingTimeMs,
    openInterestContracts: sizes.openInterestContracts,
    timestampMs: top.timestampMs,
  };
}

/** Pure: a FutureQuote. */
export function futureQuoteOf(instrument: Instrument, top: QuoteTop): FutureQuote {
  const { bid, ask, mark, index, timestampMs } = top;
  return { kind: 'future', instrument, bid, ask, mark, index, timestampMs };
}
