/**
 * OKX through ccxt with real payloads: 2022-05-13 `public/instruments` (REST replay) and 2021-12 v5 websocket
 * option frames (ccxt.pro handleMessage, no sockets). Values read by hand from the raw files.
 */
import ccxt from 'ccxt';
import type { Ticker } from 'ccxt';
import { describe, expect, it } from 'vitest';
import type { Instrument, OptionQuote } from '../../adapters/model.js';
import { createReplayClient } from '../../adapters/replayRest.js';
import { okx, okxNormaliseTicker } from '../../adapters/venues/okx.js';
import { fixtureJson, recordingOf } from './fixtures.js';

const ROUTES = [
  ['https://www.okx.com/api/v5/public/instruments?instType=SWAP', 'public_instruments_SWAP_2022-05-13.json'],
  [
    'https://www.okx.com/api/v5/public/instruments?instType=OPTION&uly=BTC-USD',
    'public_instruments_OPTION_BTC-USD_2022-05-13.json',
  ],
  [
    'https://www.okx.com/api/v5/public/instruments?instType=OPTION&uly=ETH-USD',
    'public_instruments_OPTION_ETH-USD_2022-05-13.json',
  ],
] as const;

async function loadOkx(underlying: string, log?: string[]) {
  const ex = createReplayClient(recordingOf('okx', ROUTES), { log, underlyings: ['BTC', 'ETH'] });
  const index = await okx.loadInstruments(ex, { underlying });
  return { ex, index };
}

describe('okx instruments (2022-05-13, through ccxt loadMarkets narrowed to swap + option)', () => {
  it('requests only swaps and the option families asked for', async () => {
    const log: string[] = [];
    await loadOkx('BTC', log);
    expect(log.map((l) => new URL(l.split(' ')[1]!).search).sort()).toEqual([
      '?instType=OPTION&uly=BTC-USD',
      '?instType=OPTION&uly=ETH-USD',
      '?instType=SWAP',
    ]);
  });

  it('a 2022 BTC-USD option is 0.1 BTC per contract (ctVal 1 x ctMult 0.1) although ccxt reports 1 (P4)', async () => {
    const { ex, index } = await loadOkx('BTC');
    expect(ex.market('BTC/USD:BTC-220514-22000-C').contractSize).toBe(1);
    const o = index.resolve('BTC-USD-220514-22000-C');
    expect(o).toMatchObject({
      symbol: 'BTC/USD:BTC-220514-22000-C',
      kind: 'option',
      optionType: 'call',
      strike: 22000,
      settle: 'BTC',
      inverse: true,
      contractSize: 0.1,
      contractValueQuote: null,
      minAmount: 1,
      amountStep: 1,
      priceTick: 0.0005,
      venueAmountPerContract: 1,
      expiryMs: 1652515200000,
      expiryIso: '2022-05-14T08:00:00.000Z',
    });
    const options = index.all().filter((i) => i.kind === 'option');
    expect(options).toHaveLength(346);
    for (const i of options) expect(i.contractSize).toBe(0.1);
  });

  it('ETH options had ctMult 1 then: 1 ETH per contract', async () => {
    const { index } = await loadOkx('ETH');
    const eth = index.all().filter((i) => i.kind === 'option');
    expect(eth).toHaveLength(350);
    for (const i of eth) expect(i.contractSize).toBe(1);
  });

  it('swaps: BTC-USD-SWAP is 100 USD per contract (inverse), BTC-USDT-SWAP 0.01 BTC (linear)', async () => {
    const { index } = await loadOkx('BTC');
    expect(index.resolve('BTC-USD-SWAP')).toMatchObject({
      kind: 'perp',
      inverse: true,
      contractSize: null,
      contractValueQuote: 100,
      priceTick: 0.1,
      priceCurrency: 'USD',
    });
    expect(index.resolve('BTC-USDT-SWAP')).toMatchObject({
      kind: 'perp',
      inverse: false,
      linear: true,
      contractSize: 0.01,
      contractValueQuote: null,
      settle: 'USDT',
    });
  });

  it('refuses an unknown option id that ccxt would turn into a garbage market (P1)', async () => {
    const { index } = await loadOkx('BTC');
    expect(() => index.resolve('BTC-USD-220514-22001-C')).toThrow(/okx: unknown instrument/);
  });
});

describe('okx websocket option frames (2021-12-20, ccxt.pro handleMessage)', () => {
  // The 2021 frames' instruments are not in the 2022 listing: the spec is that of the same family in the real
  // 2022-05-13 ETH-USD payload (ctVal 1, ctMult 1, tick 0.0005, minSz 1), with this id, strike and expiry.
  const eth9600: Instrument = {
    venue: 'okx',
    symbol: 'ETH/USD:ETH-211231-9600-C',
    venueId: 'ETH-USD-211231-9600-C',
    base: 'ETH',
    quote: 'USD',
    settle: 'ETH',
    kind: 'option',
    optionType: 'call',
    strike: 9600,
    expiryMs: Date.parse('2021-12-31T08:00:00Z'),
    expiryIso: '2021-12-31T08:00:00.000Z',
    inverse: true,
    linear: false,
    contractSize: 1,
    contractValueQuote: null,
    minAmount: 1,
    amountStep: 1,
    priceTick: 0.0005,
    priceTickSteps: [],
    priceCurrency: 'ETH',
    venueAmountPerContract: 1,
    takerFee: null,
    makerFee: null,
    active: true,
  };
  const frames = fixtureJson<{ arg: { channel: string }; data: Record<string, unknown>[] }[]>(
    'okx',
    'ws_option_channels_2021-12-20.json',
  );

  it('tickers frame: ask 0.0005 ETH x 111 contracts, empty bid stays null', () => {
    const ex = new ccxt.pro.okx({ enableRateLimit: false });
    ex.setMarkets([]);
    const client = ex.client('wss://ws.okx.com:8443/ws/v5/public');
    for (const f of frames) ex.handleMessage(client, f);
    const ticker = ex.tickers['ETH/USD:ETH-211231-9600-C'] as Ticker;
    const q = okx.normaliseTicker(eth9600, ticker) as OptionQuote;
    expect(q.askSettle).toBe(0.0005);
    expect(q.askSizeContracts).toBe(111);
    expect(q.bidSettle).toBeNull();
    expect(q.timestampMs).toBe(1640001603301);
    // No forward on OKX tickers: quote-currency prices wait for the chain's forward.
    expect(q.forward).toBeNull();
    expect(q.askQuote).toBeNull();
  });

  it('opt-summary: IVs are decimals already; greeks are the price-adjusted (coin) ones, units stated (P6)', () => {
    const summary = frames
      .find((f) => f.arg.channel === 'opt-summary')!
      .data.find((d) => d.instId === 'ETH-USD-211231-9600-C')!;
    const ticker = { symbol: eth9600.symbol, info: {}, timestamp: undefined } as unknown as Ticker;
    const q = okxNormaliseTicker(eth9600, ticker, summary) as OptionQuote;
    expect(q.markIv).toBe(1.8880399194);
    expect(q.askIv).toBe(1.9531310937);
    expect(q.bidIv).toBeNull(); // "" on the wire
    expect(q.venueGreeks).toMatchObject({ delta: 0.0034043137, gamma: 0.0275368426, theta: -0.0001676198 });
    expect(q.venueGreeks?.convention).toMatch(/price-adjusted greeks in coin/);
    expect(q.timestampMs).toBe(1640001659181);
  });
});
