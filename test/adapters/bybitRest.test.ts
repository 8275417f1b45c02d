/**
 * Bybit REST paths through ccxt 4.5.84 (replay below ccxt) on real payloads from ccxt's own static tests
 * (`test/fixtures/exchanges/SOURCES.md`): instruments-info entries from ccxt's `markets/bybit.json`, the 2025-04-08
 * BTC option tickers, and the BTCUSDT linear tickers of 2024-02-14 and 2024-11-04. Every expected value is read by
 * hand from those files.
 */
import { describe, expect, it } from 'vitest';
import type { Instrument, OptionQuote, PerpQuote } from '../../adapters/model.js';
import type { Recording } from '../../adapters/recording.js';
import { createReplayClient } from '../../adapters/replayRest.js';
import { bybit, bybitFundingIntervalMs } from '../../adapters/venues/bybit.js';
import { InstrumentIndex } from '../../adapters/venues/common.js';
import { black76Greeks } from '../../pricing/black.js';
import { recordingOf } from './fixtures.js';

const API = 'https://api.bybit.com/v5/market';
const INSTRUMENT_ROUTES = [
  [
    `${API}/instruments-info?category=linear&limit=1000`,
    'v5_market_instruments-info_linear_BTCUSDT-ZRXUSDT_ccxt-static.json',
  ],
  [`${API}/instruments-info?category=option&baseCoin=SOL`, 'v5_market_instruments-info_option_SOL_ccxt-static.json'],
] as const;
const CHAIN_2025_04_08 = [
  `${API}/tickers?category=option&baseCoin=BTC`,
  'v5_market_tickers_option_baseCoin-BTC_2025-04-08.json',
] as const;
const BTCUSDT_2024_11_04 = [
  `${API}/tickers?category=linear&symbol=BTCUSDT`,
  'v5_market_tickers_linear_BTCUSDT_2024-11-04.json',
] as const;
const BTCUSDT_2024_02_14 = [
  `${API}/tickers?category=linear&symbol=BTCUSDT`,
  'v5_market_tickers_linear_BTCUSDT_2024-02-14.json',
] as const;

/**
 * ccxt also asks for linear instruments in `status=PreLaunch`; ccxt's static data has no such answer, so this one is
 * an empty list written here (not venue data: it only lets loadMarkets finish).
 */
const PRE_LAUNCH_EMPTY = {
  method: 'GET',
  url: `${API}/instruments-info?category=linear&limit=1000&status=PreLaunch`,
  status: 200,
  body: '{"retCode":0,"retMsg":"OK","result":{"category":"linear","list":[],"nextPageCursor":""},"retExtInfo":{}}',
  receivedAtMs: 0,
};

function recording(routes: readonly (readonly [string, string])[]): Recording {
  const base = recordingOf('bybit', [...INSTRUMENT_ROUTES, ...routes]);
  return { ...base, http: [...base.http, PRE_LAUNCH_EMPTY] };
}

async function loaded(routes: readonly (readonly [string, string])[] = [], log?: string[]) {
  const ex = createReplayClient(recording(routes), { underlyings: ['SOL'], log });
  const btc = await bybit.loadInstruments(ex, { underlying: 'BTC' });
  const sol = await bybit.loadInstruments(ex, { underlying: 'SOL' });
  return { ex, btc, sol };
}

/**
 * The three 30MAY25 BTC options of the 2025-04-08 chain. ccxt's static data has no instruments-info entry for them
 * (its `markets/bybit.json` entry for BTC/USDT:USDT-250530-70000-C has `info: null`), so the spec is written here:
 * from the ids (USDT-settled, expiry 2025-05-30 08:00 UTC) and that ccxt market entry (contractSize 1, price step 5,
 * amount step 0.01).
 */
function btcOption(strike: number, type: 'call' | 'put'): Instrument {
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
const P68000 = btcOption(68000, 'put');
const C70000 = btcOption(70000, 'call');
const C78000 = btcOption(78000, 'call');

describe('bybit instruments (instruments-info entries of ccxt markets/bybit.json, through loadMarkets)', () => {
  it('requests linear instruments (and their pre-launch list) and the options of the configured coins only', async () => {
    const log: string[] = [];
    await loaded([], log);
    expect(log.map((l) => new URL(l.split(' ')[1]!).search).sort()).toEqual([
      '?category=linear&limit=1000',
      '?category=linear&limit=1000&status=PreLaunch',
      '?category=option&baseCoin=SOL',
    ]);
  });

  it('BTCUSDT perp: linear USDT, 1 BTC per contract, min 0.001, tick 0.10 (lotSizeFilter, priceFilter)', async () => {
    const { btc } = await loaded();
    expect(btc.all().map((i) => i.venueId)).toEqual(['BTCUSDT']);
    expect(btc.resolve('BTCUSDT')).toMatchObject({
      symbol: 'BTC/USDT:USDT',
      kind: 'perp',
      settle: 'USDT',
      inverse: false,
      linear: true,
      contractSize: 1,
      contractValueQuote: null,
      minAmount: 0.001,
      amountStep: 0.001,
      priceTick: 0.1,
      priceCurrency: 'USDT',
      expiryMs: null,
    });
  });

  it('SOL-30MAY25-90-P-USDT: a USDT-settled put, strike 90, delivery 2025-05-30 08:00 UTC, 1 SOL per contract', async () => {
    const { sol } = await loaded();
    expect(sol.resolve('SOL-30MAY25-90-P-USDT')).toMatchObject({
      symbol: 'SOL/USDT:USDT-250530-90-P',
      kind: 'option',
      optionType: 'put',
      strike: 90,
      // deliveryTime "1748592000000"
      expiryMs: 1748592000000,
      expiryIso: '2025-05-30T08:00:00.000Z',
      settle: 'USDT',
      inverse: false,
      contractSize: 1,
      minAmount: 1,
      amountStep: 1,
      priceTick: 0.01,
      priceCurrency: 'USDT',
      active: true,
    });
  });

  it('funding intervals come from the instrument: fundingInterval "480" min is 8 h, ZRXUSDT "60" min is 1 h', async () => {
    const { ex, btc } = await loaded();
    expect(bybitFundingIntervalMs(ex, btc.resolve('BTCUSDT'))).toBe(8 * 3_600_000);
    const zrx = bybit.instrumentFromMarket(ex.market('ZRX/USDT:USDT'));
    expect(bybitFundingIntervalMs(ex, zrx)).toBe(3_600_000);
  });
});

describe('bybit option chain over REST (v5/market/tickers category=option, 2025-04-08)', () => {
  async function quotes(options: Instrument[]) {
    const { ex, btc } = await loaded([CHAIN_2025_04_08, BTCUSDT_2024_11_04]);
    const index = new InstrumentIndex('bybit', [...btc.all(), ...options]);
    return bybit.fetchQuotes(ex, index, { underlying: 'BTC' });
  }

  it('BTC-30MAY25-70000-C: USDT premiums, sizes in BTC = contracts, decimal IVs, forward = underlyingPrice', async () => {
    const q = await quotes([P68000, C70000, C78000]);
    expect(q.options).toHaveLength(3);
    expect(q.unknown).toEqual([]);
    const c = q.options.find((o) => o.instrument.venueId === C70000.venueId)!;
    // Raw: bid1Price 11595 x 9.93, ask1Price 12150 x 9.9, markPrice 11860.81425623, bid1Iv 0.5126, ask1Iv 0.5729,
    // markIv 0.5419, underlyingPrice 79369.63, indexPrice 78750.38868972, openInterest 1.09.
    expect(c).toMatchObject({
      bidSettle: 11595,
      askSettle: 12150,
      markSettle: 11860.81425623,
      // Linear (USDT) options: the quote-currency premium is the settle one, no forward needed.
      bidQuote: 11595,
      askQuote: 12150,
      markQuote: 11860.81425623,
      bidSizeContracts: 9.93,
      askSizeContracts: 9.9,
      markIv: 0.5419,
      bidIv: 0.5126,
      askIv: 0.5729,
      forward: 79369.63,
      index: 78750.38868972,
      openInterestContracts: 1.09,
    });
    expect(c.venueGreeks).toMatchObject({
      delta: 0.76359856,
      gamma: 0.00001905,
      vega: 92.10112644,
      theta: -48.26013817,
      rho: null,
    });
  });

  it('every quote carries the envelope time 1744124642786 (ccxt drops it: its chain entries have no timestamp)', async () => {
    const q = await quotes([P68000, C70000, C78000]);
    for (const o of q.options) expect(o.timestampMs).toBe(1744124642786);
    const { ex } = await loaded([CHAIN_2025_04_08]);
    const chain = await ex.fetchOptionChain('BTC');
    expect(Object.values(chain).every((entry) => entry.timestamp === undefined)).toBe(true);
  });

  it('the put: ask 2050 x 0.11, mark IV 0.552 (decimal, not percent), delta -0.19818258', async () => {
    const q = await quotes([P68000, C70000, C78000]);
    const p = q.options.find((o) => o.instrument.venueId === P68000.venueId)!;
    expect(p).toMatchObject({ bidSettle: 1975, askSettle: 2050, askSizeContracts: 0.11, markIv: 0.552, bidIv: 0.547 });
    expect(p.venueGreeks?.delta).toBe(-0.19818258);
  });

  it('Black-76 on the quote (F = underlyingPrice, markIv, ACT/365 to 08:00 UTC) reproduces mark, delta, vega, theta', async () => {
    const q = await quotes([P68000, C70000, C78000]);
    for (const o of q.options) {
      const T = (o.instrument.expiryMs! - o.timestampMs) / (365 * 86_400_000);
      const g = black76Greeks(o.instrument.optionType!, o.forward!, o.instrument.strike!, T, o.markIv!);
      expect(Math.abs(g.price - o.markQuote!) / o.markQuote!).toBeLessThan(0.005);
      expect(g.delta).toBeCloseTo(o.venueGreeks!.delta!, 2);
      // Bybit vega is per vol point and theta per day (USDT).
      expect(g.vega / 100 / o.venueGreeks!.vega!).toBeCloseTo(1, 2);
      expect(g.theta / 365 / o.venueGreeks!.theta!).toBeCloseTo(1, 2);
    }
  });

  it('chain entries that are not loaded instruments are reported by id and not used (P1)', async () => {
    const q = await quotes([C70000]);
    expect(q.options.map((o) => o.instrument.venueId)).toEqual([C70000.venueId]);
    expect(q.unknown.sort()).toEqual(['BTC-30MAY25-68000-P-USDT', 'BTC-30MAY25-78000-C-USDT']);
  });

  it('the perp of the same call: BTCUSDT 2024-11-04 with its funding per 8 h from the instrument', async () => {
    const q = await quotes([C70000]);
    // Raw: bid1Price 68577.40 x 6.371, ask1Price 68577.50 x 7.927, markPrice 68591.46, indexPrice 68599.90,
    // fundingRate 0.0001, nextFundingTime 1730736000000, openInterest 69604.924, time "1730730080834".
    expect(q.perp).toMatchObject({
      bid: 68577.4,
      ask: 68577.5,
      mark: 68591.46,
      index: 68599.9,
      bidSizeContracts: 6.371,
      askSizeContracts: 7.927,
      fundingRate: 0.0001,
      fundingIntervalMs: 28_800_000,
      nextFundingTimeMs: 1730736000000,
      openInterestContracts: 69604.924,
      timestampMs: 1730730080834,
    });
    expect(q.perp!.fundingRateAnnualised).toBeCloseTo(0.0001 * 3 * 365, 12);
    expect(q.index).toBe(68599.9);
  });
});

describe('bybit perp ticker over REST (v5/market/tickers category=linear, 2024-02-14)', () => {
  it('negative funding -0.00046295 per 8 h, next at 16:00 UTC, stamped with the envelope time', async () => {
    const { ex, btc } = await loaded([BTCUSDT_2024_02_14]);
    const q = (await bybit.fetchQuote(ex, btc.resolve('BTCUSDT'))) as PerpQuote;
    expect(q).toMatchObject({
      kind: 'perp',
      bid: 51444.3,
      ask: 51444.4,
      mark: 51444.4,
      index: 51469.95,
      bidSizeContracts: 55.841,
      askSizeContracts: 491.691,
      fundingRate: -0.00046295,
      fundingIntervalMs: 28_800_000,
      nextFundingTimeMs: Date.parse('2024-02-14T16:00:00Z'),
      openInterestContracts: 225766.793,
      timestampMs: 1707905549267,
    });
    expect(q.fundingRateAnnualised).toBeCloseTo(-0.00046295 * 1095, 12);
  });

  it('ccxt fetchTicker on the same payload has no timestamp: the reason the adapter reads the envelope', async () => {
    const { ex } = await loaded([BTCUSDT_2024_02_14]);
    const t = await ex.fetchTicker('BTC/USDT:USDT');
    expect(t.timestamp).toBeUndefined();
    expect(t.bid).toBe(51444.3);
  });

  // The 2025-04-08 chain body served under the one-symbol URL (it was recorded for the whole BTC chain): the adapter
  // picks its entry by id.
  it('an option quote fetched alone is stamped the same way', async () => {
    const { ex } = await loaded([[`${API}/tickers?category=option&symbol=${C70000.venueId}`, CHAIN_2025_04_08[1]]]);
    const q = (await bybit.fetchQuote(ex, C70000)) as OptionQuote;
    expect(q.markSettle).toBe(11860.81425623);
    expect(q.timestampMs).toBe(1744124642786);
  });
});
