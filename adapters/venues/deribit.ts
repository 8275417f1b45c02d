/**
 * Deribit: inverse BTC/ETH options and perps (premiums in coin), linear USDC options (`BTC_USDC-...`).
 *
 * Quirks handled here, with their evidence (`shared/research/ccxt-notes.md`, fixtures in `test/fixtures/exchanges`):
 * - Markets are loaded narrowly with `fetchMarkets({currency, kind})` then `setMarkets` (§2.2): a plain loadMarkets
 *   fetches every currency's instruments.
 * - `mark_iv`, `bid_iv`, `ask_iv` are in percent (60.86), ccxt passes them through (P5): divided by 100 here.
 * - `fetchOptionChain` (book summary) leaves `timestamp` undefined: the payload has `creation_timestamp` (P7), read
 *   here. It also ignores `mark_iv`, read from `info`.
 * - 2021 `get_instruments` payloads lack `counter_currency`/`settlement_currency`, and ccxt 4.5.84 builds
 *   `BTC/undefined:undefined-...` symbols with `inverse` unset (P2): `repairDeribitMarket` fills them (BTC/ETH
 *   options were all coin-settled then, quoted against USD).
 * - `safeMarket()` invents an "expired" market for any option-looking symbol (P1): every lookup goes through
 *   `InstrumentIndex`, and payload rows with unknown ids are reported, never used.
 * - Perp contract is 10 USD (`contract_size` 10, ccxt `contractSize` 10 in USD, P3); the order amount of inverse
 *   perps/futures is in USD, of options in the base coin.
 * - `fetchFundingRate` returns the realised rate over the last 8 h ending *now* (P12) and puts the wall clock in
 *   the query: the perp's `public/ticker` `funding_8h` is used instead (the current 8-hour rate, accrued
 *   continuously, so there is no next funding time).
 * - Option greeks only come with `public/ticker` (REST or websocket), never with the book summary (P7).
 *   Convention from Deribit's API docs and their magnitudes (P6): delta per 1 coin of underlying (not
 *   premium-adjusted), gamma per USD, vega USD per 1 vol point, theta USD per calendar day, rho USD per 1%.
 */
import type { Exchange, MarketInterface as Market, Option, Ticker } from 'ccxt';
import { InconsistentMarketError } from '../errors.js';
import type { FutureQuote, Instrument, OptionQuote, PerpQuote, VenueGreeks } from '../model.js';
import {
  InstrumentIndex,
  annualise,
  divide,
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

const EIGHT_HOURS_MS = 8 * 3_600_000;

export const DERIBIT_GREEKS_CONVENTION =
  'deribit: delta per 1 base coin (Black, not premium-adjusted); gamma per USD; vega USD per vol point; theta USD per day; rho USD per 1%';

/**
 * Percent IV (Deribit wire) to decimal; null stays null. Rounded to 12 significant digits so that 60.86 gives
 * exactly 0.6086 (the division alone leaves binary noise such as 0.33020000000000005).
 */
export function deribitIvToDecimal(value: unknown): number | null {
  const n = num(value);
  return n === null ? null : Number((n / 100).toPrecision(12));
}

/** `BTC-26JUN26-80000-C` -> its parts; also `BTC_USDC-26JUN26-80000-C`. Null when it is not an option id. */
export function parseDeribitOptionId(
  id: string,
): { base: string; settleSuffix: string | null; strike: number; optionType: 'call' | 'put' } | null {
  const m = /^([A-Z0-9]+?)(?:_([A-Z]+))?-(\d{1,2}[A-Z]{3}\d{2})-(\d+(?:d\d+)?)-([CP])$/.exec(id);
  if (!m) return null;
  return {
    base: m[1]!,
    settleSuffix: m[2] ?? null,
    strike: Number(m[4]!.replace('d', '.')),
    optionType: m[5] === 'C' ? 'call' : 'put',
  };
}

function yymmdd(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCFullYear() % 100)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}`;
}

/**
 * Fills what ccxt leaves undefined for old payloads (P2) and rebuilds the unified symbol from the repaired
 * currencies, so the symbol of a 2021 option reads `BTC/USD:BTC-210924-8000-P` as it does today.
 */
export function repairDeribitMarket(market: Market): Market {
  // ccxt's invented markets (P1) have no `info`: refuse them with a typed error below, never a TypeError.
  const info = (market.info ?? {}) as Record<string, unknown>;
  const id = market.id ?? '';
  const usdcSuffix = /^[A-Z0-9]+_(USDC|USDT)-/.exec(id)?.[1];
  const base = market.base;
  const quote =
    str(info.counter_currency) ?? usdcSuffix ?? (market.quote && market.quote !== 'undefined' ? market.quote : 'USD');
  const settle =
    str(info.settlement_currency) ??
    usdcSuffix ??
    (market.settle && market.settle !== 'undefined' ? market.settle : base);
  if (quote === market.quote && settle === market.settle && market.inverse !== undefined) return market;
  const inverse = quote !== settle;
  let symbol = `${base}/${quote}:${settle}`;
  if ((market.option || market.future) && market.expiry) {
    symbol += `-${yymmdd(market.expiry)}`;
    if (market.option) symbol += `-${market.strike}-${market.optionType === 'call' ? 'C' : 'P'}`;
  }
  return { ...market, symbol, quote, settle, quoteId: quote, settleId: settle, inverse, linear: !inverse };
}

export function deribitInstrumentFromMarket(market: Market): Instrument {
  // ccxt's invented markets (P1) have no `info`: refuse them with a typed error below, never a TypeError.
  const info = (market.info ?? {}) as Record<string, unknown>;
  const id = market.id ?? '';
  const kind = market.option ? 'option' : market.swap ? 'perp' : 'future';
  const rawContract = num(info.contract_size);
  if (rawContract === null || rawContract <= 0) {
    throw new InconsistentMarketError(
      'deribit',
      id,
      `contract_size missing or not positive (${String(info.contract_size)})`,
    );
  }
  if (market.contractSize !== undefined && market.contractSize !== rawContract) {
    throw new InconsistentMarketError(
      'deribit',
      id,
      `ccxt contractSize ${market.contractSize} disagrees with raw contract_size ${rawContract}`,
    );
  }
  const inverse = market.inverse === true;
  const rawExpiry = num(info.expiration_timestamp);
  const expiryMs = kind === 'perp' ? null : (market.expiry ?? rawExpiry);
  if (expiryMs !== null && rawExpiry !== null && expiryMs !== rawExpiry) {
    throw new InconsistentMarketError('deribit', id, `ccxt expiry ${expiryMs} != expiration_timestamp ${rawExpiry}`);
  }
  const minTrade = num(info.min_trade_amount) ?? market.limits?.amount?.min ?? null;
  const tick = num(info.tick_size) ?? market.precision?.price ?? null;
  if (minTrade === null || tick === null) {
    throw new InconsistentMarketError('deribit', id, 'min_trade_amount or tick_size missing');
  }
  const steps = Array.isArray(info.tick_size_steps) ? (info.tick_size_steps as Record<string, unknown>[]) : [];
  // Inverse perps and futures trade in USD: a contract is `contract_size` USD, not coins (P3).
  const usdContract = inverse && kind !== 'option';
  return {
    venue: 'deribit',
    symbol: market.symbol,
    venueId: id,
    base: market.base,
    quote: market.quote,
    settle: market.settle ?? market.base,
    kind,
    optionType: kind === 'option' ? (market.optionType === 'call' ? 'call' : 'put') : null,
    strike: kind === 'option' ? (num(market.strike) ?? num(info.strike)) : null,
    expiryMs,
    expiryIso: isoOrNull(expiryMs),
    inverse,
    linear: !inverse,
    contractSize: usdContract ? null : rawContract,
    contractValueUsd: usdContract ? rawContract : null,
    // Deribit amounts are in USD (inverse perps/futures) or coin (options, linear): one contract = contract_size.
    minAmount: minTrade / rawContract,
    amountStep: minTrade / rawContract,
    priceTick: tick,
    priceTickSteps: steps
      .map((s) => ({ abovePrice: num(s.above_price), tick: num(s.tick_size) }))
      .filter((s): s is { abovePrice: number; tick: number } => s.abovePrice !== null && s.tick !== null),
    priceCurrency: kind === 'option' ? (market.settle ?? market.base) : market.quote,
    venueAmountPerContract: rawContract,
    takerFee: num(market.taker),
    makerFee: num(market.maker),
    active: market.active !== false && (str(info.state) ?? 'open') === 'open',
  };
}

function greeksFrom(info: unknown): VenueGreeks | null {
  const g = field(info, 'greeks');
  if (g === undefined || g === null) return null;
  return {
    delta: num(field(g, 'delta')),
    gamma: num(field(g, 'gamma')),
    vega: num(field(g, 'vega')),
    theta: num(field(g, 'theta')),
    rho: num(field(g, 'rho')),
    convention: DERIBIT_GREEKS_CONVENTION,
  };
}

function timestampOf(primary: unknown, info: unknown): number {
  // Option chain entries carry `creation_timestamp` only (P7). A quote with no time at all gets 0, which every
  // staleness check rejects (never the wall clock).
  return num(primary) ?? num(field(info, 'timestamp')) ?? num(field(info, 'creation_timestamp')) ?? 0;
}

/** A book-summary entry (ccxt Option from fetchOptionChain) into an OptionQuote. */
export function deribitOptionFromChainEntry(instrument: Instrument, entry: Option): OptionQuote {
  const info = entry.info as Record<string, unknown>;
  const forward = positive(entry.underlyingPrice) ?? positive(info.underlying_price);
  const bid = positive(entry.bidPrice);
  const ask = positive(entry.askPrice);
  const mark = num(entry.markPrice);
  return {
    kind: 'option',
    instrument,
    bidSettle: bid,
    askSettle: ask,
    markSettle: mark,
    bidQuote: premiumToQuote(instrument, bid, forward),
    askQuote: premiumToQuote(instrument, ask, forward),
    markQuote: premiumToQuote(instrument, mark, forward),
    bidSizeContracts: null,
    askSizeContracts: null,
    markIv: deribitIvToDecimal(info.mark_iv),
    bidIv: deribitIvToDecimal(info.bid_iv),
    askIv: deribitIvToDecimal(info.ask_iv),
    venueGreeks: null,
    forward,
    index: positive(info.estimated_delivery_price) ?? positive(info.index_price),
    openInterestContracts: divide(num(entry.openInterest), instrument.contractSize),
    timestampMs: timestampOf(entry.timestamp, info),
  };
}

/** Pure: a ccxt ticker (REST `public/ticker`, websocket `ticker.<id>.<interval>`, or a book-summary row). */
export function deribitNormaliseTicker(instrument: Instrument, ticker: Ticker): OptionQuote | PerpQuote | FutureQuote {
  const info = ticker.info as Record<string, unknown>;
  const timestampMs = timestampOf(ticker.timestamp, info);
  const bid = positive(ticker.bid) ?? positive(info.best_bid_price) ?? positive(info.bid_price);
  const ask = positive(ticker.ask) ?? positive(info.best_ask_price) ?? positive(info.ask_price);
  const mark = num(ticker.markPrice) ?? num(info.mark_price);
  const index = positive(ticker.indexPrice) ?? positive(info.index_price) ?? positive(info.estimated_delivery_price);
  const perContract = instrument.contractSize ?? instrument.contractValueUsd ?? 1;
  const bidSize = divide(num(ticker.bidVolume) ?? num(info.best_bid_amount), perContract);
  const askSize = divide(num(ticker.askVolume) ?? num(info.best_ask_amount), perContract);
  const oi = divide(num(info.open_interest), perContract);
  if (instrument.kind === 'option') {
    const forward = positive(info.underlying_price);
    return {
      kind: 'option',
      instrument,
      bidSettle: bid,
      askSettle: ask,
      markSettle: mark,
      bidQuote: premiumToQuote(instrument, bid, forward),
      askQuote: premiumToQuote(instrument, ask, forward),
      markQuote: premiumToQuote(instrument, mark, forward),
      bidSizeContracts: bidSize,
      askSizeContracts: askSize,
      markIv: deribitIvToDecimal(info.mark_iv),
      bidIv: deribitIvToDecimal(info.bid_iv),
      askIv: deribitIvToDecimal(info.ask_iv),
      venueGreeks: greeksFrom(info),
      forward,
      index,
      openInterestContracts: oi,
      timestampMs,
    };
  }
  if (instrument.kind === 'perp') {
    const fundingRate = num(info.funding_8h);
    return {
      kind: 'perp',
      instrument,
      bid,
      ask,
      mark,
      index,
      bidSizeContracts: bidSize,
      askSizeContracts: askSize,
      fundingRate,
      fundingIntervalMs: fundingRate === null ? null : EIGHT_HOURS_MS,
      fundingRateAnnualised: annualise(fundingRate, EIGHT_HOURS_MS),
      nextFundingTimeMs: null,
      openInterestContracts: oi,
      timestampMs,
    };
  }
  return { kind: 'future', instrument, bid, ask, mark, index, timestampMs };
}

/** Which currency's instruments to request: the coin for inverse, `USDC` for linear options. */
function currencyFor(opts: LoadOptions): string {
  return opts.settle && opts.settle !== opts.underlying ? opts.settle : opts.underlying;
}

export const deribit: VenueAdapter = {
  venue: 'deribit',

  async loadInstruments(ex: Exchange, opts: LoadOptions): Promise<InstrumentIndex> {
    const currency = currencyFor(opts);
    const options = await ex.fetchMarkets({ currency, kind: 'option' });
    const futures = await ex.fetchMarkets({ currency, kind: 'future' });
    const markets = [...options, ...futures]
      .filter((m): m is Market => m !== undefined && m.base === opts.underlying)
      .map(repairDeribitMarket);
    ex.setMarkets(markets);
    return new InstrumentIndex('deribit', markets.map(deribitInstrumentFromMarket));
  },

  async fetchQuotes(ex: Exchange, index: InstrumentIndex, opts: LoadOptions): Promise<VenueQuotes> {
    const currency = currencyFor(opts);
    const chain = await ex.fetchOptionChain(currency);
    const options: OptionQuote[] = [];
    const unknown: string[] = [];
    for (const entry of Object.values(chain)) {
      const id = str(field(entry.info, 'instrument_name'));
      if (id === null) continue;
      const instrument = index.find(id);
      if (!instrument) {
        // USDC option books list every base; only an unknown id of the wanted base is a finding.
        if (id.startsWith(`${opts.underlying}-`) || id.startsWith(`${opts.underlying}_`)) unknown.push(id);
        continue;
      }
      options.push(deribitOptionFromChainEntry(instrument, entry));
    }
    const futureTickers = await ex.fetchTickers(undefined, { code: currency, kind: 'future' });
    const futures: FutureQuote[] = [];
    let perp: PerpQuote | null = null;
    for (const ticker of Object.values(futureTickers)) {
      const id = str(field(ticker.info, 'instrument_name'));
      const instrument = id === null ? undefined : index.find(id);
      if (!instrument) {
        if (id !== null && id.startsWith(opts.underlying)) unknown.push(id);
        continue;
      }
      const q = deribitNormaliseTicker(instrument, ticker);
      if (q.kind === 'future') futures.push(q);
    }
    const perpInstrument = index.all().find((i) => i.kind === 'perp' && i.settle === (opts.settle ?? opts.underlying));
    if (perpInstrument) {
      const q = deribitNormaliseTicker(perpInstrument, await ex.fetchTicker(perpInstrument.symbol));
      if (q.kind === 'perp') perp = q;
    }
    const indexPrice = perp?.index ?? futures.find((f) => f.index !== null)?.index ?? options[0]?.index ?? null;
    return { options, perp, futures, index: indexPrice, unknown };
  },

  async fetchQuote(ex: Exchange, instrument: Instrument) {
    return deribitNormaliseTicker(instrument, await ex.fetchTicker(instrument.symbol));
  },

  normaliseTicker: deribitNormaliseTicker,
  instrumentFromMarket: deribitInstrumentFromMarket,
};
