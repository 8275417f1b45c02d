/**
 * OKX REST instruments through ccxt 4.5.84 (replay below ccxt) on the current field set: the `public/instruments`
 * entries of ccxt's own static `markets/okx.json` (`test/fixtures/exchanges/SOURCES.md`). ccxt's static responses
 * hold no OKX option, swap-ticker or funding answer, so only instruments are tested here on ccxt's data (tickers and
 * greeks: `okx.test.ts`, on the 2021 websocket frames). Expected values are read by hand from the fixture files.
 */
import { describe, expect, it } from 'vitest';
import { createReplayClient } from '../../adapters/replayRest.js';
import { okx } from '../../adapters/venues/okx.js';
import { recordingOf } from './fixtures.js';

const ROUTES = [
  [
    'https://www.okx.com/api/v5/public/instruments?instType=OPTION&uly=BTC-USD',
    'public_instruments_OPTION_BTC-USD_ccxt-static.json',
  ],
  ['https://www.okx.com/api/v5/public/instruments?instType=SWAP', 'public_instruments_SWAP_BTC_ccxt-static.json'],
] as const;

async function loadBtc(log?: string[]) {
  const ex = createReplayClient(recordingOf('okx', ROUTES), { underlyings: ['BTC'], log });
  const index = await okx.loadInstruments(ex, { underlying: 'BTC' });
  return { ex, index };
}

describe('okx instruments (public/instruments entries of ccxt markets/okx.json, through loadMarkets)', () => {
  it('requests the BTC-USD option family and the swaps, nothing else', async () => {
    const log: string[] = [];
    await loadBtc(log);
    expect(log.map((l) => new URL(l.split(' ')[1]!).search).sort()).toEqual([
      '?instType=OPTION&uly=BTC-USD',
      '?instType=SWAP',
    ]);
  });

  it('BTC-USD-241227-60000-P is 0.01 BTC per contract (ctVal 1 x ctMult 0.01) while ccxt reports 1 (P4)', async () => {
    const { ex, index } = await loadBtc();
    expect(ex.market('BTC/USD:BTC-241227-60000-P').contractSize).toBe(1);
    expect(index.resolve('BTC-USD-241227-60000-P')).toMatchObject({
      symbol: 'BTC/USD:BTC-241227-60000-P',
      kind: 'option',
      optionType: 'put',
      // stk "60000", expTime "1735286400000"
      strike: 60000,
      expiryMs: 1735286400000,
      expiryIso: '2024-12-27T08:00:00.000Z',
      // settleCcy BTC: an inverse option, premium in BTC.
      settle: 'BTC',
      inverse: true,
      linear: false,
      priceCurrency: 'BTC',
      contractSize: 0.01,
      contractValueQuote: null,
      // minSz "1", lotSz "1" (contracts), tickSz "0.0001" (BTC)
      minAmount: 1,
      amountStep: 1,
      priceTick: 0.0001,
      venueAmountPerContract: 1,
      active: true,
    });
  });

  it('BTC-USD-SWAP is 100 USD per contract (ctVal 100, ctValCcy USD), inverse, settled in BTC', async () => {
    const { index } = await loadBtc();
    expect(index.resolve('BTC-USD-SWAP')).toMatchObject({
      kind: 'perp',
      inverse: true,
      settle: 'BTC',
      contractSize: null,
      contractValueQuote: 100,
      minAmount: 1,
      amountStep: 1,
      priceTick: 0.1,
      priceCurrency: 'USD',
    });
  });

  it('BTC-USDT-SWAP is 0.01 BTC per contract (ctVal 0.01, ctValCcy BTC), linear, min 0.01 contract', async () => {
    const { index } = await loadBtc();
    expect(index.resolve('BTC-USDT-SWAP')).toMatchObject({
      kind: 'perp',
      linear: true,
      settle: 'USDT',
      contractSize: 0.01,
      contractValueQuote: null,
      minAmount: 0.01,
      amountStep: 0.01,
      priceTick: 0.1,
      priceCurrency: 'USDT',
    });
  });

  it('indexes exactly the listed option and the two BTC swaps, and refuses any other option id (P1)', async () => {
    const { index } = await loadBtc();
    expect(
      index
        .all()
        .map((i) => i.venueId)
        .sort(),
    ).toEqual(['BTC-USD-241227-60000-P', 'BTC-USD-SWAP', 'BTC-USDT-SWAP']);
    expect(() => index.resolve('BTC-USD-241227-61000-P')).toThrow(/okx: unknown instrument/);
  });
});
