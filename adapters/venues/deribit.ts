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
 * - Live (the stream's hooks, `deribitLive`): a request over the credit budget is refused with 10028 and the session
 *   is terminated (P8), so subscriptions are kept below the budget; ccxt's order-book handler does not clear the
 *   book on a `snapshot` frame, so the cached book is dropped before ccxt parses one.
 */
import type { Exchange, MarketInterface as Market, Option, Ticker } from 'ccxt';
import { MS_PER_HOUR, MS_PER_SECOND } from '../../pricing/time.js';
import { InconsistentMarketError } from '../errors.js';
import type { RequestBudget } from '../live/rateLimit.js';
import type { FutureQuote, Instrument, OptionQuote, PerpQuote, VenueGreeks } from '../model.js';
import { futureQuoteOf, instrumentKindOf, instrumentOf, optionQuoteOf, perpQuoteOf, rawMarket } from './common.js';
import { InstrumentIndex, divide, field, num, positive, str, venueGreeksOf } from './common.js';
import type { LiveFrameContext, LoadOptions, RawGreeks, VenueAdapter, VenueLiveHooks, VenueQuotes } from './common.js';

const EIGHT_HOURS_MS = 8 * MS_PER_HOUR;

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
  const { info, id } = rawMarket(market);
  const kind = instrumentKindOf(market);
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
  return instrumentOf(market, {
    venue: 'deribit',
    settle: market.settle ?? market.base,
    rawStrike: info.strike,
    expiryMs,
    // Inverse perps and futures trade in USD (the default `usdContract`): a contract is `contract_size` USD (P3).
    contract: rawContract,
    // Deribit amounts are in USD (inverse perps/futures) or coin (options, linear): one contract = contract_size.
    minAmount: minTrade / rawContract,
    amountStep: minTrade / rawContract,
    priceTick: tick,
    priceTickSteps: steps
      .map((s) => ({ abovePrice: num(s.above_price), tick: num(s.tick_size) }))
      .filter((s): s is { abovePrice: number; tick: number } => s.abovePrice !== null && s.tick !== null),
    venueAmountPerContract: rawContract,
    active: market.active !== false && (str(info.state) ?? 'open') === 'open',
  });
}

function greeksFrom(info: unknown): VenueGreeks | null {
  const g = field(info, 'greeks');
  if (g === undefined || g === null) return null;
  return venueGreeksOf(DERIBIT_GREEKS_CONVENTION, g as RawGreeks);
}

/** The three IVs, percent on the wire (P5), as decimals. */
function ivsFrom(info: Record<string, unknown>): { markIv: number | null; bidIv: number | null; askIv: number | null } {
  return {
    markIv: deribitIvToDecimal(info.mark_iv),
    bidIv: deribitIvToDecimal(info.bid_iv),
    askIv: deribitIvToDecimal(info.ask_iv),
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
  const top = {
    bid: positive(entry.bidPrice),
    ask: positive(entry.askPrice),
    mark: num(entry.markPrice),
    index: positive(info.estimated_delivery_price) ?? positive(info.index_price),
    timestampMs: timestampOf(entry.timestamp, info),
  };
  // The book summary has no sizes at the touch.
  const openInterestContracts = divide(num(entry.openInterest), instrument.contractSize);
  const sizes = { bidSizeContracts: null, askSizeContracts: null, openInterestContracts };
  const forward = positive(entry.underlyingPrice) ?? positive(info.underlying_price);
  return optionQuoteOf(instrument, top, sizes, { forward, ...ivsFrom(info), venueGreeks: null });
}

/** Pure: a ccxt ticker (REST `public/ticker`, websocket `ticker.<id>.<interval>`, or a book-summary row). */
export function deribitNormaliseTicker(instrument: Instrument, ticker: Ticker): OptionQuote | PerpQuote | FutureQuote {
  const info = ticker.info as Record<string, unknown>;
  const top = {
    timestampMs: timestampOf(ticker.timestamp, info),
    bid: positive(ticker.bid) ?? positive(info.best_bid_price) ?? positive(info.bid_price),
    ask: positive(ticker.ask) ?? positive(info.best_ask_price) ?? positive(info.ask_price),
    mark: num(ticker.markPrice) ?? num(info.mark_price),
    index: positive(ticker.indexPrice) ?? positive(info.index_price) ?? positive(info.estimated_delivery_price),
  };
  // Amounts are in coin (options) or USD (perps, futures): per contract, contract_size of them.
  const perContract = instrument.contractSize ?? instrument.contractValueQuote ?? 1;
  const sizes = {
    bidSizeContracts: divide(num(ticker.bidVolume) ?? num(info.best_bid_amount), perContract),
    askSizeContracts: divide(num(ticker.askVolume) ?? num(info.best_ask_amount), perContract),
    openInterestContracts: divide(num(info.open_interest), perContract),
  };
  if (instrument.kind === 'option') {
    const forward = positive(info.underlying_price);
    return optionQuoteOf(instrument, top, sizes, { forward, ...ivsFrom(info), venueGreeks: greeksFrom(info) });
  }
  if (instrument.kind === 'perp') {
    const fundingRate = num(info.funding_8h);
    // `funding_8h` is the rate of the current 8 hours, accrued continuously: no next funding time.
    const fundingIntervalMs = fundingRate === null ? null : EIGHT_HOURS_MS;
    return perpQuoteOf(instrument, top, sizes, { fundingRate, fundingIntervalMs, nextFundingTimeMs: null });
  }
  return futureQuoteOf(instrument, top);
}

/** Which currency's instruments to request: the coin for inverse, `USDC` for linear options. */
function currencyFor(opts: LoadOptions): string {
  return opts.settle && opts.settle !== opts.underlying ? opts.settle : opts.underlying;
}

/**
 * Deribit's published default for non-matching-engine requests (public market data, subscriptions, REST and
 * WS alike): 500 credits per request, a pool of 50,000 credits, refilled at 10,000 credits per second, i.e. 20
 * requests per second sustained with a burst of 100 (https://support.deribit.com/hc/en-us/articles/25944617523357).
 */
export const deribitNonMatchingEngineBudget = {
  costCreditsPerRequest: 500,
  maxCredits: 50_000,
  refillCreditsPerSecond: 10_000,
} as const;

/**
 * Our bucket for Deribit, in requests: half the venue's burst and three quarters of its sustained rate, leaving
 * room for ccxt's own calls (loadMarkets, the subscribe sent on each reconnect) and other processes on the key.
 * After a 10028 the pool is empty, and a full refill takes maxCredits / refill = 5 s: that is the cool-down.
 */
export const deribitRequestBucket = {
  capacity: (0.5 * deribitNonMatchingEngineBudget.maxCredits) / deribitNonMatchingEngineBudget.costCreditsPerRequest,
  refillPerSecond:
    (0.75 * deribitNonMatchingEngineBudget.refillCreditsPerSecond) /
    deribitNonMatchingEngineBudget.costCreditsPerRequest,
  rateLimitCooldownMs:
    (MS_PER_SECOND * deribitNonMatchingEngineBudget.maxCredits) / deribitNonMatchingEngineBudget.refillCreditsPerSecond,
} as const satisfies RequestBudget;

/** Deribit answers a request over its credit budget with error 10028 `too_many_requests` (ccxt-notes P8). */
const RATE_LIMIT_TEXT = /\b10028\b|too_many_requests/;

/**
 * ccxt 4.5.84's deribit `handleOrderBook` applies a `type: "snapshot"` notification as deltas onto the book it
 * already holds and never clears it (`js/src/pro/deribit.js`), so after a reconnect (Deribit sends a fresh
 * snapshot) or a looped replay, levels deleted in between would survive as ghosts. This runs before ccxt parses
 * the frame and drops the cached book, so the snapshot rebuilds it from scratch.
 */
function resetBookOnSnapshot(text: string, context: LiveFrameContext): void {
  // Cheap filter first: this runs on every frame.
  if (!text.includes('"snapshot"') || !text.includes('"book.')) return;
  let data: { type?: unknown; instrument_name?: unknown } | undefined;
  try {
    data = (JSON.parse(text) as { params?: { data?: typeof data } }).params?.data;
  } catch {
    return;
  }
  if (data?.type !== 'snapshot' || typeof data.instrument_name !== 'string') return;
  const symbol = context.symbolOf(data.instrument_name);
  const books = context.exchange.orderbooks;
  if (symbol !== undefined && books) delete books[symbol];
}

/** Deribit's live hooks: its subscribe budget, its rate-limit error, the order-book snapshot fix-up. */
export const deribitLive: VenueLiveHooks = {
  requestBudget: deribitRequestBucket,
  isRateLimit: (text) => RATE_LIMIT_TEXT.test(text),
  beforeParse: resetBookOnSnapshot,
};

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
  live: deribitLive,
};
