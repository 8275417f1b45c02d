/**
 * Binance: European options (USDT-settled, `eapi`) and USD-M / COIN-M perps.
 *
 * Quirks handled here, with their evidence:
 * - Options are not loaded unless `options.fetchMarkets.types` includes `option` (P11, ccxt #26312; `client.ts`).
 * - There is no `fetchOptionChain` (P7, `has` matrix): the chain is `fetchTickers` over the loaded option symbols
 *   (`eapi/v1/ticker`) merged with `fetchAllGreeks` (`eapi/v1/mark`: `markIV`, `bidIV`, `askIV` decimals, greeks,
 *   `markPrice`).
 * - No forward is sent: option quotes carry `forward: null` and the chain uses its put-call-parity forward
 *   (`source.ts`); `exercisePrice` in the ticker is the index.
 * - Contract size is `unit` (ccxt `contractSize`), checked against the raw field.
 * - The 2023 eoptions websocket `@ticker` frames (`binance/ws_eoptions_...2023-10-01.json`) use short keys: `bo`/`ao`
 *   best bid/ask price, `bq`/`aq` sizes, `b`/`a` bid/ask IV, `vo` mark IV, `mp` mark, `d`/`g`/`v`/`t` greeks.
 *   ccxt 4.5.84 parses these frames but maps `b`/`a` (IVs) to `bid`/`ask`: the normaliser reads the book from
 *   `bo`/`ao` instead (tested on the recorded frames).
 * - `eapi/v1/mark` sends `bidIV`/`askIV` "-0.00000001" for "no IV": read as null, never as a vol (ccxt's static
 *   `fetchAllGreeks` answer, `binance/eapi_v1_mark_ETH-231229-800-C_ccxt-static.json`).
 * Tested on real USD-M and COIN-M `exchangeInfo` entries and that mark row (`binanceRest.test.ts`); no recorded option
 * ticker, option `exchangeInfo` or funding answer was found (SOURCES.md).
 */
import type { Exchange, MarketInterface as Market, Ticker } from 'ccxt';
import { hoursToMs } from '../../pricing/time.js';
import { InconsistentMarketError } from '../errors.js';
import type { FutureQuote, Instrument, OptionQuote, PerpQuote, VenueGreeks } from '../model.js';
import { futureQuoteOf, instrumentKindOf, instrumentOf, optionQuoteOf, perpQuoteOf, rawMarket } from './common.js';
import { field, fundingOf, num, positive, venueGreeksOf } from './common.js';
import type { InstrumentIndex, LoadOptions, RawGreeks, VenueAdapter, VenueQuotes } from './common.js';
import { fetchTickerWithFunding, loadedPerpQuote, loadOptionsAndPerps, optionsAndPerp } from './fetching.js';

export const BINANCE_GREEKS_CONVENTION =
  'binance: delta per 1 base unit; gamma per USDT; vega USDT per vol point; theta USDT per day';

export function binanceInstrumentFromMarket(market: Market): Instrument {
  const { info, id } = rawMarket(market);
  const kind = instrumentKindOf(market);
  const rawUnit = num(info.unit) ?? num(info.contractSize);
  const contract = rawUnit ?? num(market.contractSize) ?? 1;
  if (rawUnit !== null && market.contractSize !== undefined && market.contractSize !== rawUnit) {
    throw new InconsistentMarketError('binance', id, `ccxt contractSize ${market.contractSize} != raw ${rawUnit}`);
  }
  const minQty = num(market.limits?.amount?.min) ?? num(info.minQty) ?? null;
  const step = num(market.precision?.amount) ?? minQty;
  const tick = num(market.precision?.price);
  if (minQty === null || step === null || tick === null) {
    throw new InconsistentMarketError('binance', id, 'amount or price precision missing');
  }
  // COIN-M (inverse) perps and futures: a contract is `contract` USD.
  const usdContract = market.inverse === true && kind !== 'option';
  return instrumentOf(market, {
    venue: 'binance',
    settle: market.settle ?? market.quote,
    expiryMs: kind === 'perp' ? null : (market.expiry ?? num(info.expiryDate)),
    contract,
    usdContract,
    // Binance option and USD-M amounts are in base units; COIN-M amounts are in contracts.
    minAmount: usdContract ? minQty : minQty / contract,
    amountStep: usdContract ? step : step / contract,
    priceTick: tick,
    venueAmountPerContract: usdContract ? 1 : contract,
    active: market.active !== false,
  });
}

/** REST `eapi/v1/mark` names the greeks in full, the websocket `@ticker` by letter (`d`/`g`/`v`/`t`); no rho. */
function greeksFrom(info: Record<string, unknown>): VenueGreeks | null {
  const raw: RawGreeks = {
    delta: info.delta ?? info.d,
    gamma: info.gamma ?? info.g,
    vega: info.vega ?? info.v,
    theta: info.theta ?? info.t,
  };
  if (raw.delta === undefined && raw.gamma === undefined) return null;
  return venueGreeksOf(BINANCE_GREEKS_CONVENTION, raw);
}

/** Pure: a ccxt ticker of Binance (REST `eapi/v1/ticker` or perps), optionally merged with `eapi/v1/mark` info. */
export function binanceNormaliseTicker(
  instrument: Instrument,
  ticker: Ticker,
  mark?: Record<string, unknown>,
): OptionQuote | PerpQuote | FutureQuote {
  const info = { ...(ticker.info as Record<string, unknown>), ...(mark ?? {}) };
  // Option websocket tickers carry the book in `bo`/`ao` and the bid/ask IVs in `b`/`a`; ccxt 4.5.84 maps `b`/`a` to
  // `bid`/`ask`, so for those frames ccxt's bid/ask are IVs (0.38 where the book bid is 3000 USDT: tested on the
  // 2023-10-01 frames). Read the book from `bo`/`ao` whenever they are present.
  const wsOption = info.bo !== undefined || info.ao !== undefined;
  const top = {
    bid: wsOption ? positive(info.bo) : (positive(info.bidPrice) ?? positive(ticker.bid)),
    ask: wsOption ? positive(info.ao) : (positive(info.askPrice) ?? positive(ticker.ask)),
    mark: num(ticker.markPrice) ?? num(info.markPrice) ?? num(info.mp),
    index: positive(ticker.indexPrice) ?? positive(info.exercisePrice) ?? positive(info.indexPrice),
    timestampMs: num(ticker.timestamp) ?? num(info.E) ?? num(info.time) ?? 0,
  };
  if (instrument.kind === 'option') {
    // No open interest in either payload.
    const sizes = {
      bidSizeContracts: wsOption ? num(info.bq) : (num(info.bidQty) ?? num(ticker.bidVolume)),
      askSizeContracts: wsOption ? num(info.aq) : (num(info.askQty) ?? num(ticker.askVolume)),
      openInterestContracts: null,
    };
    const ivs = {
      markIv: positive(info.markIV) ?? positive(info.vo),
      bidIv: positive(info.bidIV) ?? (info.bo !== undefined ? positive(info.b) : null),
      askIv: positive(info.askIV) ?? (info.ao !== undefined ? positive(info.a) : null),
    };
    // No forward on Binance (see the header); the premiums are linear, so the quote ones need none.
    return optionQuoteOf(instrument, top, sizes, { forward: null, ...ivs, venueGreeks: greeksFrom(info) });
  }
  if (instrument.kind === 'perp') {
    const fundingRate = num(info.lastFundingRate) ?? num(info.fundingRate);
    const hours = num(info.fundingIntervalHours);
    const funding = fundingOf(fundingRate, hours === null ? null : hoursToMs(hours), num(info.nextFundingTime));
    const sizes = { bidSizeContracts: num(ticker.bidVolume), askSizeContracts: num(ticker.askVolume) };
    return perpQuoteOf(instrument, top, { ...sizes, openInterestContracts: null }, funding);
  }
  return futureQuoteOf(instrument, top);
}

/** Pure: one 2023-format eoptions `@ticker` frame's `data` into an OptionQuote (see the header). */
export function binanceOptionFromWsTicker(instrument: Instrument, data: Record<string, unknown>): OptionQuote {
  const q = binanceNormaliseTicker(instrument, { symbol: instrument.symbol, info: data } as unknown as Ticker);
  if (q.kind !== 'option') throw new InconsistentMarketError('binance', instrument.venueId, 'not an option');
  return q;
}

export const binance: VenueAdapter = {
  venue: 'binance',

  loadInstruments: (ex: Exchange, opts: LoadOptions) =>
    loadOptionsAndPerps(ex, 'binance', opts, binanceInstrumentFromMarket),

  async fetchQuotes(ex: Exchange, index: InstrumentIndex, opts: LoadOptions): Promise<VenueQuotes> {
    const optionSymbols = index
      .all()
      .filter((i) => i.kind === 'option')
      .map((i) => i.symbol);
    const tickers = optionSymbols.length ? await ex.fetchTickers(optionSymbols) : {};
    let marks = new Map<string, Record<string, unknown>>();
    try {
      const g = await ex.fetchAllGreeks(optionSymbols);
      marks = new Map(
        Object.values(g).map((x) => [String(field(x.info, 'symbol')), x.info as Record<string, unknown>]),
      );
    } catch {
      // IVs and greeks are optional; marks may then come from the ticker alone.
    }
    const options: OptionQuote[] = [];
    for (const t of Object.values(tickers)) {
      const instrument = index.find(t.symbol ?? '');
      if (!instrument) continue;
      const q = binanceNormaliseTicker(instrument, t, marks.get(instrument.venueId));
      if (q.kind === 'option') options.push(q);
    }
    const perp = await loadedPerpQuote(index, opts.settle ?? 'USDT', async (i) =>
      binanceNormaliseTicker(i, await fetchTickerWithFunding(ex, i.symbol)),
    );
    return optionsAndPerp(options, perp, []);
  },

  async fetchQuote(ex: Exchange, instrument: Instrument) {
    return binanceNormaliseTicker(instrument, await ex.fetchTicker(instrument.symbol));
  },

  normaliseTicker: (instrument, ticker) => binanceNormaliseTicker(instrument, ticker),
  instrumentFromMarket: binanceInstrumentFromMarket,
};
