/**
 * The two real markets the multi-venue tests and the `hedging.ticket.multiVenue` benchmark use, both from payloads
 * in `test/fixtures/exchanges` (SOURCES.md) read through ccxt 4.5.84 and the adapters:
 *
 * - Deribit BTC, coin-settled (inverse) options, 1 BTC per contract, lots of 0.1: the built-in chain of 2026-05-26
 *   (878 options, reconstructed from the real chain export) with BTC-PERPETUAL.
 * - Bybit BTC, USDT-settled (linear) options, 1 BTC per contract, lots of 0.01: the `v5/market/tickers` answer of
 *   2025-04-08 (three 30MAY25 options) with the BTCUSDT perp ticker of 2024-11-04, served below ccxt by the replay
 *   client. ccxt's static data has no instruments-info entry for these options (its market entry for them has
 *   `info: null`), so their specs are written here as `test/adapters/bybitRest.test.ts` writes them: from the ids
 *   (USDT-settled, expiry 2025-05-30 08:00 UTC) and that ccxt market entry (contractSize 1, price step 5, amount
 *   step 0.01).
 *
 * The two were recorded a year apart, so each runs on its own clock (its data time): exactly the case the per-venue
 * clock of hedging/venueMarkets.ts is for.
 */
import type { Instrument, MarketSnapshot } from '../../adapters/model.js';
import type { Recording } from '../../adapters/recording.js';
import { createReplayClient } from '../../adapters/replayRest.js';
import { assembleSnapshot, loadMarketSnapshot, type LoadedSnapshot } from '../../adapters/source.js';
import { bybit } from '../../adapters/venues/bybit.js';
import { InstrumentIndex } from '../../adapters/venues/common.js';
import { recordingOf } from '../adapters/fixtures.js';

const API = 'https://api.bybit.com/v5/market';

/** ccxt also asks for linear instruments in `status=PreLaunch`; no recording has it: an empty list (not venue data). */
const PRE_LAUNCH_EMPTY = {
  method: 'GET',
  url: `${API}/instruments-info?category=linear&limit=1000&status=PreLaunch`,
  status: 200,
  body: '{"retCode":0,"retMsg":"OK","result":{"category":"linear","list":[],"nextPageCursor":""},"retExtInfo":{}}',
  receivedAtMs: 0,
};

function bybitRecording(): Recording {
  const base = recordingOf('bybit', [
    [
      `${API}/instruments-info?category=linear&limit=1000`,
      'v5_market_instruments-info_linear_BTCUSDT-ZRXUSDT_ccxt-static.json',
    ],
    [`${API}/instruments-info?category=option&baseCoin=SOL`, 'v5_market_instruments-info_option_SOL_ccxt-static.json'],
    [`${API}/tickers?category=option&baseCoin=BTC`, 'v5_market_tickers_option_baseCoin-BTC_2025-04-08.json'],
    [`${API}/tickers?category=linear&symbol=BTCUSDT`, 'v5_market_tickers_linear_BTCUSDT_2024-11-04.json'],
  ]);
  return { ...base, http: [...base.http, PRE_LAUNCH_EMPTY] };
}

/** A 30MAY25 BTC option of the 2025-04-08 Bybit chain (spec as described in the header). */
export function bybitBtcOption(strike: number, type: 'call' | 'put'): Instrument {
  const cp = type === 'call' ? 'C' : 'P';
  return {
    venue: 'bybit',
    symbol: `BTC/USDT:USDT-250530-${strike}-${cp}`,
    venueId: `BTC-30MAY25-${strike}-${cp}-USDT`,
    base: 'BTC',
    quote: 'USDT',
    settle: 'USDT',
    kind: 'option',
    optionType: type,
    strike,
    expiryMs: Date.parse('2025-05-30T08:00:00Z'),
    expiryIso: '2025-05-30T08:00:00.000Z',
    inverse: false,
    linear: true,
    contractSize: 1,
    contractValueQuote: null,
    minAmount: 0.01,
    amountStep: 0.01,
    priceTick: 5,
    priceTickSteps: [],
    priceCurrency: 'USDT',
    venueAmountPerContract: 1,
    takerFee: null,
    makerFee: null,
    active: true,
  };
}

/** The data time of the Bybit chain (its envelope `time`): the Bybit market's own clock. */
export const BYBIT_2025_04_08_MS = 1744124642786;

/** The Bybit BTC snapshot of 2025-04-08 on its own clock (sanity judged at its data time). */
export async function bybitMarket(): Promise<MarketSnapshot> {
  const ex = createReplayClient(bybitRecording(), { underlyings: ['SOL'] });
  const btc = await bybit.loadInstruments(ex, { underlying: 'BTC' });
  const index = new InstrumentIndex('bybit', [
    ...btc.all(),
    bybitBtcOption(68000, 'put'),
    bybitBtcOption(70000, 'call'),
    bybitBtcOption(78000, 'call'),
  ]);
  const quotes = await bybit.fetchQuotes(ex, index, { underlying: 'BTC' });
  return assembleSnapshot(
    'bybit',
    'BTC',
    quotes,
    { kind: 'replay', label: 'bybit v5/market/tickers BTC options 2025-04-08 (ccxt static test payload)' },
    (dataTimeMs) => ({ asOfMs: dataTimeMs }),
  );
}

/** The built-in Deribit BTC snapshot (2026-05-26) on its own clock. */
export function deribitMarket(): Promise<LoadedSnapshot> {
  return loadMarketSnapshot({ venue: 'deribit', underlying: 'BTC', source: 'builtin' });
}
