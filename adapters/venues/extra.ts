/**
 * Venue-neutral wrappers of the remaining unified calls: `fetchGreeks` (one option's IVs and venue greeks) and
 * `fetchOrderBook` (depth), normalised like the quotes: IVs as decimals (Deribit sends percent, P5), book sizes in
 * contracts (`venueAmountPerContract` converts the venue's amount unit: USD for Deribit inverse perps, coin for
 * Deribit options, contracts on OKX, base units on Bybit/Binance options), prices in the venue's price currency.
 */
import type { Exchange, Greeks, OrderBook } from 'ccxt';
import { fromCcxtError } from '../errors.js';
import type { Instrument, VenueGreeks } from '../model.js';
import { num, positive } from './common.js';
import { BINANCE_GREEKS_CONVENTION } from './binance.js';
import { BYBIT_GREEKS_CONVENTION } from './bybit.js';
import { DERIBIT_GREEKS_CONVENTION } from './deribit.js';
import { OKX_GREEKS_CONVENTION } from './okx.js';

export interface NormalisedGreeks {
  instrument: Instrument;
  markIv: number | null;
  bidIv: number | null;
  askIv: number | null;
  venueGreeks: VenueGreeks;
  /** The venue's underlying/forward for the greeks, quote per base; null if not sent (OKX, Binance). */
  forward: number | null;
  timestampMs: number;
}

const CONVENTIONS: Record<Instrument['venue'], string> = {
  deribit: DERIBIT_GREEKS_CONVENTION,
  okx: OKX_GREEKS_CONVENTION,
  bybit: BYBIT_GREEKS_CONVENTION,
  binance: BINANCE_GREEKS_CONVENTION,
};

/** Pure: a ccxt Greeks structure into decimals and stated units. */
export function normaliseGreeks(instrument: Instrument, g: Greeks): NormalisedGreeks {
  // Deribit: IVs in percent (P5, ccxt PR #19908 shows markImpliedVolatility 60.86); everyone else decimals.
  const scale = instrument.venue === 'deribit' ? 100 : 1;
  const iv = (v: unknown) => {
    const n = positive(v);
    return n === null ? null : Number((n / scale).toPrecision(12));
  };
  return {
    instrument,
    markIv: iv(g.markImpliedVolatility),
    bidIv: iv(g.bidImpliedVolatility),
    askIv: iv(g.askImpliedVolatility),
    venueGreeks: {
      delta: num(g.delta),
      gamma: num(g.gamma),
      vega: num(g.vega),
      theta: num(g.theta),
      rho: num(g.rho),
      convention: CONVENTIONS[instrument.venue],
    },
    forward: positive(g.underlyingPrice),
    timestampMs: num(g.timestamp) ?? 0,
  };
}

export async function fetchGreeksNormalised(ex: Exchange, instrument: Instrument): Promise<NormalisedGreeks> {
  try {
    return normaliseGreeks(instrument, await ex.fetchGreeks(instrument.symbol));
  } catch (error) {
    throw fromCcxtError(error, { venue: instrument.venue, symbol: instrument.symbol, operation: 'fetchGreeks' });
  }
}

export interface BookLevel {
  /** Price in the instrument's `priceCurrency` (coin for inverse options). */
  price: number;
  sizeContracts: number;
}

export interface NormalisedBook {
  instrument: Instrument;
  /** Best first. */
  bids: BookLevel[];
  asks: BookLevel[];
  priceCurrency: string;
  timestampMs: number;
}

/** Pure: a ccxt order book into contracts. */
export function normaliseOrderBook(instrument: Instrument, book: OrderBook): NormalisedBook {
  const levels = (side: unknown[][]) =>
    side
      .map((l) => ({ price: num(l[0]), amount: num(l[1]) }))
      .filter((l): l is { price: number; amount: number } => l.price !== null && l.amount !== null && l.amount > 0)
      .map((l) => ({ price: l.price, sizeContracts: l.amount / instrument.venueAmountPerContract }));
  return {
    instrument,
    bids: levels(book.bids as unknown[][]),
    asks: levels(book.asks as unknown[][]),
    priceCurrency: instrument.priceCurrency,
    timestampMs: num(book.timestamp) ?? 0,
  };
}

export async function fetchOrderBookNormalised(
  ex: Exchange,
  instrument: Instrument,
  depth = 20,
): Promise<NormalisedBook> {
  try {
    return normaliseOrderBook(instrument, await ex.fetchOrderBook(instrument.symbol, depth));
  } catch (error) {
    throw fromCcxtError(error, { venue: instrument.venue, symbol: instrument.symbol, operation: 'fetchOrderBook' });
  }
}
