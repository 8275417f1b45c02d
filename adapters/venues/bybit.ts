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
import { InconsistentMarketError } from '../errors.js';
import type { FutureQuote, Instrument, OptionQuote, PerpQuote, VenueGreeks } from '../model.js';
import {
  InstrumentIndex,
  annualise,
  field,
  isoOrNull,
  num,
  positive,
  premiumToQuote,
  str,
  type LoadOptions,
  type VenueAdapter,
  type VenueQuotes,
} from './common.js';

export const BYBIT_GREEKS_CONVENTION =
  'bybit: delta per 1 base unit; gamma per USD; vega USD per vol point; theta USD per day';

export function bybitInstrumentFromMarket(market: Market): Instrument {
  // ccxt's invented markets (P1) have no `info`: refuse them with a typed error below, never a TypeError.
  const info = (market.info ?? {}) as Record<string, unknown>;
  const id = market.id ?? '';
  const kind = market.option ? 'option' : market.swap ? 'perp' : 'future';
  const inverse = market.inverse === true;
  const contract = num(market.contractSize) ?? 1;
  const minQty = num(field(info, 'lotSizeFilter', 'minOrderQty')) ?? market.limits?.amount?.min ?? null;
  const step = num(field(info, 'lotSizeFilter', 'qtyStep')) ?? market.precision?.amount ?? minQty;
  const tick = num(field(info, 'priceFilter', 'tickSize')) ?? market.precision?.price ?? null;
  if (minQty === null || step === null || tick === null) {
    throw new InconsistentMarketError('bybit', id, 'lotSizeFilter or priceFilter missing');
  }
  const expiryMs = kind === 'perp' ? null : (market.expiry ?? num(info.deliveryTime));
  const usdContract = inverse && kind !== 'option';
  return {
    venue: 'bybit',
    symbol: market.symbol,
    venueId: id,
    base: market.base,
    quote: market.quote,
    settle: market.settle ?? market.quote,
    kind,
    optionType: kind === 'option' ? (market.optionType === 'call' ? 'call' : 'put') : null,
    strike: kind === 'option' ? num(market.strike) : null,
    expiryMs,
    expiryIso: isoOrNull(expiryMs),
    inverse,
    linear: !inverse,
    contractSize: usdContract ? null : contract,
    contractValueUsd: usdContract ? contract : null,
    minAmount: minQty / contract,
    amountStep: step / contract,
    priceTick: tick,
    priceTickSteps: [],
    priceCurrency: kind === 'option' ? (market.settle ?? market.quote) : market.quote,
    venueAmountPerContract: contract,
    takerFee: num(market.taker),
    makerFee: num(market.maker),
    active: market.active !== false,
  };
}

function bybitGreeks(info: Record<string, unknown>): VenueGreeks | null {
  if (info.delta === undefined) return null;
  return {
    delta: num(info.delta),
    gamma: num(info.gamma),
    vega: num(info.vega),
    theta: num(info.theta),
    rho: null,
    convention: BYBIT_GREEKS_CONVENTION,
  };
}

/** Pure: a ccxt ticker of Bybit (REST `v5/market/tickers` or websocket `tickers.<symbol>`). */
export function bybitNormaliseTicker(instrument: Instrument, ticker: Ticker): OptionQuote | PerpQuote | FutureQuote {
  const info = ticker.info as Record<string, unknown>;
  const timestampMs = num(ticker.timestamp) ?? num(info.ts) ?? num(info.time) ?? 0;
  // P10: websocket option tickers use bidPrice/askPrice, which ccxt does not read.
  const bid = positive(ticker.bid) ?? positive(info.bid1Price) ?? positive(info.bidPrice);
  const ask = positive(ticker.ask) ?? positive(info.ask1Price) ?? positive(info.askPrice);
  const bidSize = num(ticker.bidVolume) ?? num(info.bid1Size) ?? num(info.bidSize);
  const askSize = num(ticker.askVolume) ?? num(info.ask1Size) ?? num(info.askSize);
  const mark = num(ticker.markPrice) ?? num(info.markPrice);
  const index = positive(ticker.indexPrice) ?? positive(info.indexPrice);
  const perContract = instrument.contractSize ?? instrument.contractValueUsd ?? 1;
  if (instrument.kind === 'option') {
    const forward = positive(info.underlyingPrice);
    return {
      kind: 'option',
      instrument,
      bidSettle: bid,
      askSettle: ask,
      markSettle: mark,
      bidQuote: premiumToQuote(instrument, bid, forward),
      askQuote: premiumToQuote(instrument, ask, forward),
      markQuote: premiumToQuote(instrument, mark, forward),
      bidSizeContracts: bid === null ? null : bidSize === null ? null : bidSize / perContract,
      askSizeContracts: ask === null ? null : askSize === null ? null : askSize / perContract,
      markIv: positive(info.markIv) ?? positive(info.markPriceIv),
      bidIv: positive(info.bid1Iv) ?? positive(info.bidIv),
      askIv: positive(info.ask1Iv) ?? positive(info.askIv),
      venueGreeks: bybitGreeks(info),
      forward,
      index,
      openInterestContracts: num(info.openInterest),
      timestampMs,
    };
  }
  if (instrument.kind === 'perp') {
    const fundingRate = num(info.fundingRate);
    const hours = num(info.fundingIntervalHour) ?? (fundingRate === null ? null : 8);
    const intervalMs = hours === null ? null : hours * 3_600_000;
    return {
      kind: 'perp',
      instrument,
      bid,
      ask,
      mark,
      index,
      bidSizeContracts: bidSize === null ? null : bidSize / perContract,
      askSizeContracts: askSize === null ? null : askSize / perContract,
      fundingRate,
      fundingIntervalMs: intervalMs,
      fundingRateAnnualised: annualise(fundingRate, intervalMs),
      nextFundingTimeMs: num(info.nextFundingTime),
      openInterestContracts: num(info.openInterest),
      timestampMs,
    };
  }
  return { kind: 'future', instrument, bid, ask, mark, index, timestampMs };
}

export const bybit: VenueAdapter = {
  venue: 'bybit',

  async loadInstruments(ex: Exchange, opts: LoadOptions): Promise<InstrumentIndex> {
    const markets = Object.values(await ex.loadMarkets()).filter(
      (m): m is Market => m !== undefined && m.base === opts.underlying && (m.option === true || m.swap === true),
    );
    return new InstrumentIndex('bybit', markets.map(bybitInstrumentFromMarket));
  },

  async fetchQuotes(ex: Exchange, index: InstrumentIndex, opts: LoadOptions): Promise<VenueQuotes> {
    const chain = await ex.fetchOptionChain(opts.underlying);
    const options: OptionQuote[] = [];
    const unknown: string[] = [];
    for (const entry of Object.values(chain)) {
      const id = str(field(entry.info, 'symbol'));
      const instrument = id === null ? undefined : index.find(id);
      if (!instrument) {
        if (id !== null) unknown.push(id);
        continue;
      }
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
