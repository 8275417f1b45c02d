/**
 * What every venue adapter shares: the adapter interface, the instrument index that rejects unknown symbols before
 * ccxt can invent a market (pitfall P1), and small number helpers that never turn a missing value into 0 or NaN.
 */
import type { Exchange, MarketInterface as Market, Ticker } from 'ccxt';
import { UnknownInstrumentError } from '../errors.js';
import type { FutureQuote, Instrument, OptionQuote, PerpQuote, Venue } from '../model.js';

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

export function divide(a: number | null, b: number | null): number | null {
  return a === null || b === null || b === 0 ? null : a / b;
}

export function isoOrNull(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

export const FUNDING_YEAR_MS = 365 * 86_400_000;

export function annualise(rate: number | null, intervalMs: number | null): number | null {
  return rate === null || intervalMs === null || intervalMs <= 0 ? null : rate * (FUNDING_YEAR_MS / intervalMs);
}

/** The settle/quote conversion of a premium: coin premium x forward for inverse options, unchanged for linear. */
export function premiumToQuote(instrument: Instrument, settle: number | null, forward: number | null): number | null {
  if (settle === null) return null;
  if (!instrument.inverse) return settle;
  return forward === null ? null : settle * forward;
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
