/**
 * OKX: inverse `-USD` options (premium in coin) and swaps.
 *
 * Quirks handled here, with their evidence:
 * - ccxt's `contractSize` is `ctVal` and ignores `ctMult` (P4): 2022 BTC-USD options have `ctVal` "1", `ctMult`
 *   "0.1", so a contract is 0.1 BTC although ccxt reports 1 (`okx/public_instruments_OPTION_BTC-USD_2022-05-13.json`).
 *   The contract size used here is `ctVal * ctMult` from the raw fields, in the `ctValCcy` unit: base coin for
 *   options and linear swaps, USD for inverse swaps (BTC-USD-SWAP 100 USD).
 * - Option markets load per underlying family (`options.defaultUnderlying`, set by `client.ts`), swaps for perps.
 * - `fetchOptionChain` (`market/tickers`) carries no IV, mark, greeks or underlying (P7): IVs and greeks come from
 *   `fetchAllGreeks` (`public/opt-summary`), whose `delta/gamma/theta/vega` are OKX's price-adjusted (coin) greeks;
 *   the Black-Scholes ones are `deltaBS`... in `info` (P6). The forward is `fwdPx` when OKX sends it, else the chain's
 *   put-call-parity forward is used (`source.ts`).
 * - IVs (`markVol`, `bidVol`, `askVol`) are decimals already; empty strings mean none.
 * - Sizes (`sz`, `minSz`, `lotSz`) are in contracts.
 * Not verified against recorded REST tickers/greeks (none found, see SOURCES.md); instruments and websocket frames
 * are tested.
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

export const OKX_GREEKS_CONVENTION =
  'okx: price-adjusted greeks in coin (delta, gamma, vega, theta per OKX opt-summary); Black-Scholes ones are deltaBS/gammaBS/vegaBS/thetaBS in info';

export function okxInstrumentFromMarket(market: Market): Instrument {
  // ccxt's invented markets (P1) have no `info`: refuse them with a typed error below, never a TypeError.
  const info = (market.info ?? {}) as Record<string, unknown>;
  const id = market.id ?? '';
  const kind = market.option ? 'option' : market.swap ? 'perp' : 'future';
  const ctVal = num(info.ctVal);
  const ctMult = num(info.ctMult) ?? 1;
  if (ctVal === null || ctVal <= 0)
    throw new InconsistentMarketError('okx', id, `ctVal missing (${String(info.ctVal)})`);
  // P4: the true contract is ctVal x ctMult, whatever ccxt's contractSize says.
  const contract = ctVal * ctMult;
  const usdContract = str(info.ctValCcy) === 'USD' || (market.inverse === true && kind !== 'option');
  const expiryMs = kind === 'perp' ? null : (market.expiry ?? num(info.expTime));
  const minSz = num(info.minSz) ?? 1;
  const lotSz = num(info.lotSz) ?? minSz;
  const tick = num(info.tickSz) ?? market.precision?.price ?? null;
  if (tick === null) throw new InconsistentMarketError('okx', id, 'tickSz missing');
  const inverse = market.inverse === true;
  return {
    venue: 'okx',
    symbol: market.symbol,
    venueId: id,
    base: market.base,
    quote: market.quote,
    settle: market.settle ?? market.base,
    kind,
    optionType: kind === 'option' ? (market.optionType === 'call' ? 'call' : 'put') : null,
    strike: kind === 'option' ? (num(market.strike) ?? num(info.stk)) : null,
    expiryMs,
    expiryIso: isoOrNull(expiryMs),
    inverse,
    linear: !inverse,
    contractSize: usdContract ? null : contract,
    contractValueUsd: usdContract ? contract : null,
    minAmount: minSz,
    amountStep: lotSz,
    priceTick: tick,
    priceTickSteps: [],
    priceCurrency: kind === 'option' ? (market.settle ?? market.base) : market.quote,
    venueAmountPerContract: 1,
    takerFee: num(market.taker),
    makerFee: num(market.maker),
    active: market.active !== false && (str(info.state) ?? 'live') === 'live',
  };
}

function okxGreeks(info: unknown): VenueGreeks | null {
  if (field(info, 'delta') === undefined) return null;
  return {
    delta: num(field(info, 'delta')),
    gamma: num(field(info, 'gamma')),
    vega: num(field(info, 'vega')),
    theta: num(field(info, 'theta')),
    rho: null,
    convention: OKX_GREEKS_CONVENTION,
  };
}

/** Pure: a ccxt ticker of OKX (REST `market/ticker(s)`, websocket `tickers`), optionally merged with opt-summary info. */
export function okxNormaliseTicker(
  instrument: Instrument,
  ticker: Ticker,
  summary?: Record<string, unknown>,
): OptionQuote | PerpQuote | FutureQuote {
  const info = { ...(ticker.info as Record<string, unknown>), ...(summary ?? {}) };
  const timestampMs = num(ticker.timestamp) ?? num(info.ts) ?? 0;
  const bid = positive(ticker.bid) ?? positive(info.bidPx);
  const ask = positive(ticker.ask) ?? positive(info.askPx);
  const mark = num(ticker.markPrice) ?? num(info.markPx);
  const index = positive(ticker.indexPrice) ?? positive(info.idxPx);
  if (instrument.kind === 'option') {
    const forward = positive(info.fwdPx);
    return {
      kind: 'option',
      instrument,
      bidSettle: bid,
      askSettle: ask,
      markSettle: mark,
      bidQuote: premiumToQuote(instrument, bid, forward),
      askQuote: premiumToQuote(instrument, ask, forward),
      markQuote: premiumToQuote(instrument, mark, forward),
      bidSizeContracts: num(ticker.bidVolume) ?? num(info.bidSz),
      askSizeContracts: num(ticker.askVolume) ?? num(info.askSz),
      markIv: positive(info.markVol),
      bidIv: positive(info.bidVol),
      askIv: positive(info.askVol),
      venueGreeks: okxGreeks(info),
      forward,
      index,
      openInterestContracts: num(info.oi),
      timestampMs,
    };
  }
  if (instrument.kind === 'perp') {
    const fundingRate = num(info.fundingRate);
    const next = num(info.nextFundingTime);
    const cur = num(info.fundingTime);
    const intervalMs =
      next !== null && cur !== null && next > cur ? next - cur : fundingRate === null ? null : 28_800_000;
    return {
      kind: 'perp',
      instrument,
      bid,
      ask,
      mark,
      index,
      bidSizeContracts: num(ticker.bidVolume) ?? num(info.bidSz),
      askSizeContracts: num(ticker.askVolume) ?? num(info.askSz),
      fundingRate,
      fundingIntervalMs: intervalMs,
      fundingRateAnnualised: annualise(fundingRate, intervalMs),
      nextFundingTimeMs: cur,
      openInterestContracts: num(info.oi),
      timestampMs,
    };
  }
  return { kind: 'future', instrument, bid, ask, mark, index, timestampMs };
}

export const okx: VenueAdapter = {
  venue: 'okx',

  async loadInstruments(ex: Exchange, opts: LoadOptions): Promise<InstrumentIndex> {
    const markets = Object.values(await ex.loadMarkets()).filter(
      (m): m is Market => m !== undefined && m.base === opts.underlying && (m.option === true || m.swap === true),
    );
    return new InstrumentIndex('okx', markets.map(okxInstrumentFromMarket));
  },

  async fetchQuotes(ex: Exchange, index: InstrumentIndex, opts: LoadOptions): Promise<VenueQuotes> {
    const chain = await ex.fetchOptionChain(opts.underlying);
    let summaries = new Map<string, Record<string, unknown>>();
    try {
      const greeks = await ex.fetchAllGreeks(undefined, { uly: `${opts.underlying}-USD` });
      summaries = new Map(
        Object.values(greeks).map((g) => [String(field(g.info, 'instId')), g.info as Record<string, unknown>]),
      );
    } catch {
      // IVs and greeks are optional: the chain is still usable on marks and the parity forward.
    }
    const options: OptionQuote[] = [];
    const unknown: string[] = [];
    for (const entry of Object.values(chain)) {
      const id = str(field(entry.info, 'instId'));
      const instrument = id === null ? undefined : index.find(id);
      if (!instrument) {
        if (id !== null) unknown.push(id);
        continue;
      }
      const ticker = {
        symbol: instrument.symbol,
        info: entry.info,
        timestamp: entry.timestamp,
        bid: entry.bidPrice,
        ask: entry.askPrice,
        markPrice: entry.markPrice,
      } as unknown as Ticker;
      const q = okxNormaliseTicker(instrument, ticker, summaries.get(id!));
      if (q.kind === 'option') options.push(q);
    }
    const perpInstrument = index.all().find((i) => i.kind === 'perp' && i.settle === opts.underlying);
    let perp: PerpQuote | null = null;
    if (perpInstrument) {
      const ticker = await ex.fetchTicker(perpInstrument.symbol);
      const funding = await ex.fetchFundingRate(perpInstrument.symbol);
      const q = okxNormaliseTicker(perpInstrument, {
        ...ticker,
        info: { ...(ticker.info as object), ...(funding.info as object) },
      });
      if (q.kind === 'perp') perp = q;
    }
    return { options, perp, futures: [], index: perp?.index ?? null, unknown };
  },

  async fetchQuote(ex: Exchange, instrument: Instrument) {
    return okxNormaliseTicker(instrument, await ex.fetchTicker(instrument.symbol));
  },

  normaliseTicker: (instrument, ticker) => okxNormaliseTicker(instrument, ticker),
  instrumentFromMarket: okxInstrumentFromMarket,
};
