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
 * Not verified against recorded REST payloads (none found).
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
  type LoadOptions,
  type VenueAdapter,
  type VenueQuotes,
} from './common.js';

export const BINANCE_GREEKS_CONVENTION =
  'binance: delta per 1 base unit; gamma per USDT; vega USDT per vol point; theta USDT per day';

export function binanceInstrumentFromMarket(market: Market): Instrument {
  // ccxt's invented markets (P1) have no `info`: refuse them with a typed error below, never a TypeError.
  const info = (market.info ?? {}) as Record<string, unknown>;
  const id = market.id ?? '';
  const kind = market.option ? 'option' : market.swap ? 'perp' : 'future';
  const inverse = market.inverse === true;
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
  const expiryMs = kind === 'perp' ? null : (market.expiry ?? num(info.expiryDate));
  const usdContract = inverse && kind !== 'option';
  return {
    venue: 'binance',
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
    // Binance option and USD-M amounts are in base units; COIN-M amounts are in contracts.
    minAmount: usdContract ? minQty : minQty / contract,
    amountStep: usdContract ? step : step / contract,
    priceTick: tick,
    priceTickSteps: [],
    priceCurrency: kind === 'option' ? (market.settle ?? market.quote) : market.quote,
    venueAmountPerContract: usdContract ? 1 : contract,
    takerFee: num(market.taker),
    makerFee: num(market.maker),
    active: market.active !== false,
  };
}

function greeks(d: unknown, g: unknown, v: unknown, t: unknown): VenueGreeks | null {
  if (d === undefined && g === undefined) return null;
  return {
    delta: num(d),
    gamma: num(g),
    vega: num(v),
    theta: num(t),
    rho: null,
    convention: BINANCE_GREEKS_CONVENTION,
  };
}

/** Pure: a ccxt ticker of Binance (REST `eapi/v1/ticker` or perps), optionally merged with `eapi/v1/mark` info. */
export function binanceNormaliseTicker(
  instrument: Instrument,
  ticker: Ticker,
  mark?: Record<string, unknown>,
): OptionQuote | PerpQuote | FutureQuote {
  const info = { ...(ticker.info as Record<string, unknown>), ...(mark ?? {}) };
  const timestampMs = num(ticker.timestamp) ?? num(info.E) ?? num(info.time) ?? 0;
  // Option websocket tickers carry the book in `bo`/`ao` and the bid/ask IVs in `b`/`a`; ccxt 4.5.84 maps `b`/`a` to
  // `bid`/`ask`, so for those frames ccxt's bid/ask are IVs (0.38 where the book bid is 3000 USDT: tested on the
  // 2023-10-01 frames). Read the book from `bo`/`ao` whenever they are present.
  const wsOption = info.bo !== undefined || info.ao !== undefined;
  const bid = wsOption ? positive(info.bo) : (positive(info.bidPrice) ?? positive(ticker.bid));
  const ask = wsOption ? positive(info.ao) : (positive(info.askPrice) ?? positive(ticker.ask));
  const markPrice = num(ticker.markPrice) ?? num(info.markPrice) ?? num(info.mp);
  const index = positive(ticker.indexPrice) ?? positive(info.exercisePrice) ?? positive(info.indexPrice);
  if (instrument.kind === 'option') {
    return {
      kind: 'option',
      instrument,
      bidSettle: bid,
      askSettle: ask,
      markSettle: markPrice,
      bidQuote: premiumToQuote(instrument, bid, null),
      askQuote: premiumToQuote(instrument, ask, null),
      markQuote: premiumToQuote(instrument, markPrice, null),
      bidSizeContracts: wsOption ? num(info.bq) : (num(info.bidQty) ?? num(ticker.bidVolume)),
      askSizeContracts: wsOption ? num(info.aq) : (num(info.askQty) ?? num(ticker.askVolume)),
      markIv: positive(info.markIV) ?? positive(info.vo),
      bidIv: positive(info.bidIV) ?? (info.bo !== undefined ? positive(info.b) : null),
      askIv: positive(info.askIV) ?? (info.ao !== undefined ? positive(info.a) : null),
      venueGreeks: greeks(info.delta ?? info.d, info.gamma ?? info.g, info.vega ?? info.v, info.theta ?? info.t),
      forward: null,
      index,
      openInterestContracts: null,
      timestampMs,
    };
  }
  if (instrument.kind === 'perp') {
    const fundingRate = num(info.lastFundingRate) ?? num(info.fundingRate);
    const hours = num(info.fundingIntervalHours) ?? (fundingRate === null ? null : 8);
    const intervalMs = hours === null ? null : hours * 3_600_000;
    return {
      kind: 'perp',
      instrument,
      bid,
      ask,
      mark: markPrice,
      index,
      bidSizeContracts: num(ticker.bidVolume),
      askSizeContracts: num(ticker.askVolume),
      fundingRate,
      fundingIntervalMs: intervalMs,
      fundingRateAnnualised: annualise(fundingRate, intervalMs),
      nextFundingTimeMs: num(info.nextFundingTime),
      openInterestContracts: null,
      timestampMs,
    };
  }
  return { kind: 'future', instrument, bid, ask, mark: markPrice, index, timestampMs };
}

/** Pure: one 2023-format eoptions `@ticker` frame's `data` into an OptionQuote (see the header). */
export function binanceOptionFromWsTicker(instrument: Instrument, data: Record<string, unknown>): OptionQuote {
  const q = binanceNormaliseTicker(instrument, { symbol: instrument.symbol, info: data } as unknown as Ticker);
  if (q.kind !== 'option') throw new InconsistentMarketError('binance', instrument.venueId, 'not an option');
  return q;
}

export const binance: VenueAdapter = {
  venue: 'binance',

  async loadInstruments(ex: Exchange, opts: LoadOptions): Promise<InstrumentIndex> {
    const markets = Object.values(await ex.loadMarkets()).filter(
      (m): m is Market => m !== undefined && m.base === opts.underlying && (m.option === true || m.swap === true),
    );
    return new InstrumentIndex('binance', markets.map(binanceInstrumentFromMarket));
  },

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
    const perpInstrument = index.all().find((i) => i.kind === 'perp' && i.settle === (opts.settle ?? 'USDT'));
    let perp: PerpQuote | null = null;
    if (perpInstrument) {
      const t = await ex.fetchTicker(perpInstrument.symbol);
      const f = await ex.fetchFundingRate(perpInstrument.symbol);
      const q = binanceNormaliseTicker(perpInstrument, {
        ...t,
        info: { ...(t.info as object), ...(f.info as object) },
      });
      if (q.kind === 'perp') perp = q;
    }
    return { options, perp, futures: [], index: perp?.index ?? options[0]?.index ?? null, unknown: [] };
  },

  async fetchQuote(ex: Exchange, instrument: Instrument) {
    return binanceNormaliseTicker(instrument, await ex.fetchTicker(instrument.symbol));
  },

  normaliseTicker: (instrument, ticker) => binanceNormaliseTicker(instrument, ticker),
  instrumentFromMarket: binanceInstrumentFromMarket,
};
