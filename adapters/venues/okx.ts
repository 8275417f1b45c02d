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
 * Tested on instruments of 2022 and of the current field set (ccxt's static `markets/okx.json`: a BTC-USD option
 * with `ctMult` "0.01", i.e. 0.01 BTC per contract, `okxRest.test.ts`) and on 2021 websocket frames. No recorded REST
 * ticker, opt-summary or funding answer exists in ccxt's static data or elsewhere found (SOURCES.md).
 */
import type { Exchange, MarketInterface as Market, Ticker } from 'ccxt';
import { InconsistentMarketError } from '../errors.js';
import type { FutureQuote, Instrument, OptionQuote, PerpQuote, VenueGreeks } from '../model.js';
import { futureQuoteOf, instrumentKindOf, instrumentOf, optionQuoteOf, perpQuoteOf, rawMarket } from './common.js';
import { field, fundingOf, num, positive, str, venueGreeksOf } from './common.js';
import type { InstrumentIndex, LoadOptions, VenueAdapter, VenueQuotes } from './common.js';
import {
  fetchTickerWithFunding,
  knownChainEntries,
  loadedPerpQuote,
  loadOptionsAndPerps,
  optionsAndPerp,
} from './fetching.js';

export const OKX_GREEKS_CONVENTION =
  'okx: price-adjusted greeks in coin (delta, gamma, vega, theta per OKX opt-summary); Black-Scholes ones are deltaBS/gammaBS/vegaBS/thetaBS in info';

export function okxInstrumentFromMarket(market: Market): Instrument {
  const { info, id } = rawMarket(market);
  const kind = instrumentKindOf(market);
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
  return instrumentOf(market, {
    venue: 'okx',
    settle: market.settle ?? market.base,
    rawStrike: info.stk,
    expiryMs,
    contract,
    usdContract,
    // Sizes are in contracts on OKX.
    minAmount: minSz,
    amountStep: lotSz,
    priceTick: tick,
    venueAmountPerContract: 1,
    active: market.active !== false && (str(info.state) ?? 'live') === 'live',
  });
}

function okxGreeks(info: Record<string, unknown>): VenueGreeks | null {
  if (info.delta === undefined) return null;
  // opt-summary sends no rho.
  const { delta, gamma, vega, theta } = info;
  return venueGreeksOf(OKX_GREEKS_CONVENTION, { delta, gamma, vega, theta });
}

/** Pure: a ccxt ticker of OKX (REST `market/ticker(s)`, websocket `tickers`), optionally merged with opt-summary info. */
export function okxNormaliseTicker(
  instrument: Instrument,
  ticker: Ticker,
  summary?: Record<string, unknown>,
): OptionQuote | PerpQuote | FutureQuote {
  const info = { ...(ticker.info as Record<string, unknown>), ...(summary ?? {}) };
  const top = {
    bid: positive(ticker.bid) ?? positive(info.bidPx),
    ask: positive(ticker.ask) ?? positive(info.askPx),
    mark: num(ticker.markPrice) ?? num(info.markPx),
    index: positive(ticker.indexPrice) ?? positive(info.idxPx),
    timestampMs: num(ticker.timestamp) ?? num(info.ts) ?? 0,
  };
  // Sizes (`sz`) and open interest (`oi`) are in contracts already.
  const sizes = {
    bidSizeContracts: num(ticker.bidVolume) ?? num(info.bidSz),
    askSizeContracts: num(ticker.askVolume) ?? num(info.askSz),
    openInterestContracts: num(info.oi),
  };
  if (instrument.kind === 'option') {
    const ivs = { markIv: positive(info.markVol), bidIv: positive(info.bidVol), askIv: positive(info.askVol) };
    return optionQuoteOf(instrument, top, sizes, {
      forward: positive(info.fwdPx),
      ...ivs,
      venueGreeks: okxGreeks(info),
    });
  }
  if (instrument.kind === 'perp') {
    const fundingRate = num(info.fundingRate);
    const next = num(info.nextFundingTime);
    const cur = num(info.fundingTime);
    // The interval is the gap between OKX's current and next funding times.
    const statedMs = next !== null && cur !== null && next > cur ? next - cur : null;
    return perpQuoteOf(instrument, top, sizes, fundingOf(fundingRate, statedMs, cur));
  }
  return futureQuoteOf(instrument, top);
}

export const okx: VenueAdapter = {
  venue: 'okx',

  loadInstruments: (ex: Exchange, opts: LoadOptions) => loadOptionsAndPerps(ex, 'okx', opts, okxInstrumentFromMarket),

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
    for (const { id, instrument, entry } of knownChainEntries(Object.values(chain), 'instId', index, unknown)) {
      const ticker = {
        symbol: instrument.symbol,
        info: entry.info,
        timestamp: entry.timestamp,
        bid: entry.bidPrice,
        ask: entry.askPrice,
        markPrice: entry.markPrice,
      } as unknown as Ticker;
      const q = okxNormaliseTicker(instrument, ticker, summaries.get(id));
      if (q.kind === 'option') options.push(q);
    }
    // The coin-margined swap (BTC-USD-SWAP), settled in the underlying like the options.
    const perp = await loadedPerpQuote(index, opts.underlying, async (i) =>
      okxNormaliseTicker(i, await fetchTickerWithFunding(ex, i.symbol)),
    );
    return optionsAndPerp(options, perp, unknown);
  },

  async fetchQuote(ex: Exchange, instrument: Instrument) {
    return okxNormaliseTicker(instrument, await ex.fetchTicker(instrument.symbol));
  },

  normaliseTicker: (instrument, ticker) => okxNormaliseTicker(instrument, ticker),
  instrumentFromMarket: okxInstrumentFromMarket,
};
