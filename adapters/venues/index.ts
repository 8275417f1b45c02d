/**
 * The venue registry, and the pure ticker normaliser the live stream calls for every update:
 * `normaliseTicker(venue, instrument, ticker)` turns a ccxt Ticker (REST or websocket; greeks and IVs read from
 * `ticker.info`) into the model's OptionQuote / PerpQuote / FutureQuote, per venue.
 */
import type { Ticker } from 'ccxt';
import type { FutureQuote, Instrument, OptionQuote, PerpQuote, Venue } from '../model.js';
import { binance } from './binance.js';
import { bybit } from './bybit.js';
import type { VenueAdapter } from './common.js';
import { deribit } from './deribit.js';
import { okx } from './okx.js';

export const VENUE_ADAPTERS: Readonly<Record<Venue, VenueAdapter>> = { deribit, okx, bybit, binance };

export function venueAdapter(venue: Venue): VenueAdapter {
  return VENUE_ADAPTERS[venue];
}

/** Pure: one ccxt ticker of `instrument` on `venue` into the model (throws nothing for missing fields: nulls). */
export function normaliseTicker(
  venue: Venue,
  instrument: Instrument,
  ticker: Ticker,
): OptionQuote | PerpQuote | FutureQuote {
  return VENUE_ADAPTERS[venue].normaliseTicker(instrument, ticker);
}

export {
  InstrumentIndex,
  type LiveFrameContext,
  type LoadOptions,
  type VenueAdapter,
  type VenueLiveHooks,
  type VenueQuotes,
} from './common.js';
export {
  deribitIvToDecimal,
  parseDeribitOptionId,
  repairDeribitMarket,
  DERIBIT_GREEKS_CONVENTION,
  deribitLive,
  deribitNonMatchingEngineBudget,
  deribitRequestBucket,
} from './deribit.js';
export { binanceOptionFromWsTicker } from './binance.js';
export { okxNormaliseTicker } from './okx.js';
export * from './extra.js';
