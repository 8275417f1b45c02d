/**
 * Bybit: linear options (USDC-settled, USDT-settled since 2025) and linear perps.
 *
 * Quirks handled here, with their evidence:
 * - Option websocket tickers name the book `bidPrice`/`askPrice`, but `bybit.parseTicker` reads the REST names
 *   `bid1Price`/`ask1Price`, so ccxt's `bid`/`ask` come out undefined (P10;
 *   `bybit/ws_option_publicTrade_orderbook_tickers_2023-04-05.json`): read from `info` here.
 * - IV names differ: REST `markIv`/`bid1Iv`/`ask1Iv`, websocket `markPriceIv`/`bidIv`/`askIv`; all decimals.
 *   `"0"` means none (an empty side has `askPrice` "0", `askIv` "0").
 * - Only the first page of option instruments loads per coin unless `loadAllOptions` (P11; set in `client.ts`).
 * - ccxt hard-codes `contractSize` 1 for options, which is right: a Bybit option contract is 1 unit of the base
 *   (minimum 0.01 BTC is `minOrderQty`).
 * - Greeks: delta per 1 base unit, gamma per USD, vega USD per vol point, theta USD per day (magnitudes of the
 *   recorded SOL frame match Black-76 with those units).
 * - The forward is `underlyingPrice` (the expiry's future or Bybit's synthetic).
 * - REST tickers (`v5/market/tickers`) carry no time per entry: the data's time is the envelope's `time`
 *   (1744124642786 in `bybit/v5_market_tickers_option_baseCoin-BTC_2025-04-08.json`), which ccxt's `parseTicker` and
 *   `parseOption` drop (timestamp undefined). The REST paths here call the endpoint through ccxt's implicit method
 *   and stamp every quote with that `time`; without it a quote would be stamped 0 and read as decades stale.
 * - The funding interval is the instrument's `fundingInterval`, in minutes (`"480"` for BTCUSDT, `"60"` for ZRXUSDT
 *   in `bybit/v5_market_instruments-info_linear_BTCUSDT-ZRXUSDT_ccxt-static.json`); REST tickers do not state it.
 *   A ticker's own `fundingIntervalHour`, where sent, wins; the 8-hour default applies only when neither is known.
 */
import type { Exchange, MarketInterface as Market, Ticker } from 'ccxt';
import { hoursToMs, MS_PER_MINUTE } from '../../pricing/time.js';
import { InconsistentMarketError, UnknownInstrumentError } from '../errors.js';
import type { FutureQuote, Instrument, OptionQuote, PerpQuote, VenueGreeks } from '../model.js';
import { futureQuoteOf, instrumentKindOf, instrumentOf, optionQuoteOf, perpQuoteOf, rawMarket } from './common.js';
import { field, fundingOf, num, positive, str, venueGreeksOf } from './common.js';
import type { InstrumentIndex, LoadOptions, VenueAdapter, VenueQuotes } from './common.js';
import { knownChainEntries, loadedPerpQuote, loadOptionsAndPerps, optionsAndPerp } from './fetching.js';

export const BYBIT_GREEKS_CONVENTION =
  'bybit: delta per 1 base unit; gamma per USD; vega USD per vol point; theta USD per day';

export function bybitInstrumentFromMarket(market: Market): Instrument {
  const { info, id } = rawMarket(market);
  const kind = instrumentKindOf(market);
  const contract = num(market.contractSize) ?? 1;
  const minQty = num(field(info, 'lotSizeFilter', 'minOrderQty')) ?? market.limits?.amount?.min ?? null;
  const step = num(field(info, 'lotSizeFilter', 'qtyStep')) ?? market.precision?.amount ?? minQty;
  const tick = num(field(info, 'priceFilter', 'tickSize')) ?? market.precision?.price ?? null;
  if (minQty === null || step === null || tick === null) {
    throw new InconsistentMarketError('bybit', id, 'lotSizeFilter or priceFilter missing');
  }
  return instrumentOf(market, {
    venue: 'bybit',
    settle: market.settle ?? market.quote,
    expiryMs: kind === 'perp' ? null : (market.expiry ?? num(info.deliveryTime)),
    contract,
    // Quantities are in base units: a contract is `contract` of them.
    minAmount: minQty / contract,
    amountStep: step / contract,
    priceTick: tick,
    venueAmountPerContract: contract,
    active: market.active !== false,
  });
}

function bybitGreeks(info: Record<string, unknown>): VenueGreeks | null {
  if (info.delta === undefined) return null;
  // Bybit sends no rho.
  const { delta, gamma, vega, theta } = info;
  return venueGreeksOf(BYBIT_GREEKS_CONVENTION, { delta, gamma, vega, theta });
}

/** What a Bybit ticker does not say about itself: read elsewhere by the REST paths (see the header). */
export interface BybitTickerContext {
  /** The instrument's funding interval (`fundingInterval` minutes), ms. */
  fundingIntervalMs?: number | null;
}

/** Pure: a ccxt ticker of Bybit (REST `v5/market/tickers` or websocket `tickers.<symbol>`). */
export function bybitNormaliseTicker(
  instrument: Instrument,
  ticker: Ticker,
  context: BybitTickerContext = {},
): OptionQuote | PerpQuote | FutureQuote {
  const info = ticker.info as Record<string, unknown>;
  const top = {
    // P10: websocket option tickers use bidPrice/askPrice, which ccxt does not read.
    bid: positive(ticker.bid) ?? positive(info.bid1Price) ?? positive(info.bidPrice),
    ask: positive(ticker.ask) ?? positive(info.ask1Price) ?? positive(info.askPrice),
    mark: num(ticker.markPrice) ?? num(info.markPrice),
    index: positive(ticker.indexPrice) ?? positive(info.indexPrice),
    timestampMs: num(ticker.timestamp) ?? num(info.ts) ?? num(info.time) ?? 0,
  };
  const perContract = instrument.contractSize ?? instrument.contractValueQuote ?? 1;
  const contracts = (size: number | null): number | null => (size === null ? null : size / perContract);
  const bidSize = contracts(num(ticker.bidVolume) ?? num(info.bid1Size) ?? num(info.bidSize));
  const askSize = contracts(num(ticker.askVolume) ?? num(info.ask1Size) ?? num(info.askSize));
  // Open interest is in the same unit as the sizes (base units; USD for inverse perps).
  const openInterestContracts = contracts(num(info.openInterest));
  if (instrument.kind === 'option') {
    // An empty side ("0" price) has no size either.
    const bidSizeContracts = top.bid === null ? null : bidSize;
    const askSizeContracts = top.ask === null ? null : askSize;
    const ivs = {
      markIv: positive(info.markIv) ?? positive(info.markPriceIv),
      bidIv: positive(info.bid1Iv) ?? positive(info.bidIv),
      askIv: positive(info.ask1Iv) ?? positive(info.askIv),
    };
    const option = { forward: positive(info.underlyingPrice), ...ivs, venueGreeks: bybitGreeks(info) };
    return optionQuoteOf(instrument, top, { bidSizeContracts, askSizeContracts, openInterestContracts }, option);
  }
  if (instrument.kind === 'perp') {
    const fundingRate = num(info.fundingRate);
    const hours = positive(info.fundingIntervalHour);
    const intervalMs = hours === null ? (context.fundingIntervalMs ?? null) : hoursToMs(hours);
    const funding = fundingOf(fundingRate, intervalMs, num(info.nextFundingTime));
    const sizes = { bidSizeContracts: bidSize, askSizeContracts: askSize, openInterestContracts };
    return perpQuoteOf(instrument, top, sizes, funding);
  }
  return futureQuoteOf(instrument, top);
}

/** The instrument's funding interval from its loaded market (`fundingInterval`, minutes), ms; null if unknown. */
export function bybitFundingIntervalMs(ex: Exchange, instrument: Instrument): number | null {
  const minutes = positive(field(ex.markets?.[instrument.symbol]?.info, 'fundingInterval'));
  return minutes === null ? null : minutes * MS_PER_MINUTE;
}

/** ccxt's implicit method for `GET v5/market/tickers` (the unified ones drop the envelope's `time`). */
type BybitTickersApi = { publicGetV5MarketTickers(params: Record<string, string>): Promise<unknown> };

/**
 * `v5/market/tickers` through ccxt (its URL building and `handleErrors` run as for the unified methods), as
 * ticker-shaped entries: `info` is the raw entry, `timestamp` the envelope's `time`, `symbol` the venue id.
 */
export async function fetchBybitTickers(ex: Exchange, params: Record<string, string>): Promise<Ticker[]> {
  const body = await (ex as unknown as BybitTickersApi).publicGetV5MarketTickers(params);
  const timestamp = num(field(body, 'time')) ?? undefined;
  const list = field(body, 'result', 'list');
  return (Array.isArray(list) ? list : []).map(
    (info: unknown) => ({ symbol: str(field(info, 'symbol')) ?? '', info, timestamp }) as unknown as Ticker,
  );
}

function bybitCategory(instrument: Instrument): string {
  if (instrument.kind === 'option') return 'option';
  return instrument.inverse ? 'inverse' : 'linear';
}

/** One instrument's REST quote: its `v5/market/tickers` entry, stamped and with the instrument's funding interval. */
export async function bybitFetchQuote(
  ex: Exchange,
  instrument: Instrument,
): Promise<OptionQuote | PerpQuote | FutureQuote> {
  const params = { category: bybitCategory(instrument), symbol: instrument.venueId };
  const ticker = (await fetchBybitTickers(ex, params)).find((t) => t.symbol === instrument.venueId);
  if (!ticker) throw new UnknownInstrumentError('bybit', instrument.venueId, 'not in the v5/market/tickers answer');
  return bybitNormaliseTicker(instrument, ticker, { fundingIntervalMs: bybitFundingIntervalMs(ex, instrument) });
}

export const bybit: VenueAdapter = {
  venue: 'bybit',

  loadInstruments: (ex: Exchange, opts: LoadOptions) =>
    loadOptionsAndPerps(ex, 'bybit', opts, bybitInstrumentFromMarket),

  async fetchQuotes(ex: Exchange, index: InstrumentIndex, opts: LoadOptions): Promise<VenueQuotes> {
    // What ccxt's fetchOptionChain requests, with the envelope's time kept (see the header).
    const chain = await fetchBybitTickers(ex, { category: 'option', baseCoin: opts.underlying });
    const options: OptionQuote[] = [];
    const unknown: string[] = [];
    for (const { instrument, entry } of knownChainEntries(chain, 'symbol', index, unknown)) {
      const q = bybitNormaliseTicker(instrument, entry);
      if (q.kind === 'option') options.push(q);
    }
    const perp = await loadedPerpQuote(index, opts.settle ?? 'USDT', (i) => bybitFetchQuote(ex, i));
    return optionsAndPerp(options, perp, unknown);
  },

  fetchQuote: bybitFetchQuote,

  normaliseTicker: (instrument, ticker) => bybitNormaliseTicker(instrument, ticker),
  instrumentFromMarket: bybitInstrumentFromMarket,
};
