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
 */
import type { Exchange, MarketInterface as Market, Ticker } from 'ccxt';
import { hoursToMs } from '../../pricing/time.js';
import { InconsistentMarketError } from '../errors.js';
import type { FutureQuote, Instrument, OptionQuote, PerpQuote, VenueGreeks } from '../model.js';
import { futureQuoteOf, instrumentKindOf, instrumentOf, optionQuoteOf, perpQuoteOf, rawMarket } from './common.js';
import { field, fundingOf, num, positive, venueGreeksOf } from './common.js';
import type { InstrumentIndex, LoadOptions, VenueAdapter, VenueQuotes } from './common.js';
import { knownChainEntries, loadOptionsAndPerps } from './fetching.js';

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

/** Pure: a ccxt ticker of Bybit (REST `v5/market/tickers` or websocket `tickers.<symbol>`). */
export function bybitNormaliseTicker(instrument: Instrument, ticker: Ticker): OptionQuote | PerpQuote | FutureQuote {
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
  const openInterestContracts = num(info.openInterest);
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
    const hours = num(info.fundingIntervalHour);
    const funding = fundingOf(fundingRate, hours === null ? null : hoursToMs(hours), num(info.nextFundingTime));
    const sizes = { bidSizeContracts: bidSize, askSizeContracts: askSize, openInterestContracts };
    return perpQuoteOf(instrument, top, sizes, funding);
  }
  return futureQuoteOf(instrument, top);
}

export const bybit: VenueAdapter = {
  venue: 'bybit',

  loadInstruments: (ex: Exchange, opts: LoadOptions) =>
    loadOptionsAndPerps(ex, 'bybit', opts, bybitInstrumentFromMarket),

  async fetchQuotes(ex: Exchange, index: InstrumentIndex, opts: LoadOptions): Promise<VenueQuotes> {
    const chain = await ex.fetchOptionChain(opts.underlying);
    const options: OptionQuote[] = [];
    const unknown: string[] = [];
    for (const { instrument, entry } of knownChainEntries(Object.values(chain), 'symbol', index, unknown)) {
      const q = bybitNormaliseTicker(instrument, {
        symbol: instrument.symbol,
        info: entry.info,
        timestamp: entry.timestamp,
      } as unknown as Ticker);
      if (q.kind === 'option') options.push(q);
    }
    const settle = opts.settle ?? 'USDT';
    const perpInstrument = index.all().find((i) => i.kind === 'perp' && i.settle === settle);
    let perp: PerpQuote | null = null;
    if (perpInstrument) {
      const q = bybitNormaliseTicker(perpInstrument, await ex.fetchTicker(perpInstrument.symbol));
      if (q.kind === 'perp') perp = q;
    }
    return { options, perp, futures: [], index: perp?.index ?? options[0]?.index ?? null, unknown };
  },

  async fetchQuote(ex: Exchange, instrument: Instrument) {
    return bybitNormaliseTicker(instrument, await ex.fetchTicker(instrument.symbol));
  },

  normaliseTicker: bybitNormaliseTicker,
  instrumentFromMarket: bybitInstrumentFromMarket,
};
