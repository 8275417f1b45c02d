/**
 * Market-data normalisation benchmarks (issue 3):
 * - `adapters.normaliseChain`: the full built-in Deribit BTC chain (878 options, 8 futures, the perp) from raw
 *   wire payloads: ccxt parses the instruments (fetchMarkets x2), the book summaries (fetchOptionChain,
 *   fetchTickers) and the perp ticker from the replayed HTTP bodies, then the adapter normalises, builds 11 chains
 *   with forwards and runs every sanity check. One op = one option; p50/p99 are per full chain.
 * - `adapters.normaliseTicker`: updates per second through the pure ticker normaliser alone (ccxt tickers already
 *   parsed from the 89 real 2021 Deribit websocket ticker frames). The ccxt-parse + normalise path per websocket
 *   frame is H4's `adapters.live.parseNormalise`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ccxt from 'ccxt';
import type { Ticker } from 'ccxt';
import { builtinRecording } from '../../adapters/builtin/index.js';
import { repoRoot } from '../../adapters/builtin/paths.js';
import type { Instrument } from '../../adapters/model.js';
import { createReplayClient } from '../../adapters/replayRest.js';
import { loadMarketSnapshot } from '../../adapters/source.js';
import { InstrumentIndex } from '../../adapters/venues/common.js';
import { deribitInstrumentFromMarket, repairDeribitMarket } from '../../adapters/venues/deribit.js';
import { normaliseTicker } from '../../adapters/venues/index.js';
import { measureLatency, measureThroughput, type BenchResult, type BenchSuite } from '../harness.js';

async function normaliseChain(): Promise<BenchResult> {
  const { recording } = builtinRecording('deribit', 'BTC');
  let options = 0;
  const run = async () => {
    // A fresh ccxt client each time: no market cache carried over between runs.
    const client = createReplayClient(recording, { underlyings: ['BTC'] });
    const snap = await loadMarketSnapshot({ venue: 'deribit', underlying: 'BTC', source: 'builtin', client });
    options = snap.chains.reduce((n, c) => n + c.options.length, 0);
  };
  const { p50Ms, p99Ms } = await measureLatency(run, 20, 3);
  return {
    name: 'adapters.normaliseChain',
    opsPerSec: options / (p50Ms / 1000),
    p50Ms,
    p99Ms,
    extra: { optionsPerChain: options, unit: 'options/s at the p50 chain time' },
  };
}

async function tickerNormaliser(): Promise<BenchResult> {
  const dir = join(repoRoot(), 'test', 'fixtures', 'exchanges', 'deribit');
  const read = (f: string) => readFileSync(join(dir, f), 'utf8');
  const frames = JSON.parse(read('ws_ticker_book_options_2021-07-22.json')) as {
    method?: string;
    params?: { channel: string };
  }[];
  const rest = createReplayClient({
    format: 'ilhedge-recording',
    formatVersion: 1,
    venue: 'deribit',
    recordedAt: '2021-07-22T22:42:03.000Z',
    ccxtVersion: '4.5.84',
    http: ['BTC', 'ETH'].map((c) => ({
      method: 'GET',
      url: `https://www.deribit.com/api/v2/public/get_instruments?currency=${c}&expired=false`,
      status: 200,
      body: read(`get_instruments_${c}_2021-07-22.json`),
      receivedAtMs: 0,
    })),
    ws: [],
  });
  const markets = [
    ...(await rest.fetchMarkets({ currency: 'BTC', expired: 'false' })),
    ...(await rest.fetchMarkets({ currency: 'ETH', expired: 'false' })),
  ].map((m) => repairDeribitMarket(m!));
  const index = new InstrumentIndex('deribit', markets.map(deribitInstrumentFromMarket));
  const ex = new ccxt.pro.deribit({ enableRateLimit: false });
  ex.setMarkets(markets);
  const client = ex.client(ex.urls.api.ws as string);
  const pairs: [Instrument, Ticker][] = [];
  for (const frame of frames) {
    ex.handleMessage(client, frame);
    const channel = frame.params?.channel;
    if (frame.method === 'subscription' && channel?.startsWith('ticker.')) {
      const instrument = index.resolve(channel.split('.')[1]!);
      // Copy: ccxt updates its ticker objects in place.
      pairs.push([instrument, { ...(ex.tickers[instrument.symbol] as Ticker) }]);
    }
  }
  let sink = 0;
  const opsPerSec = measureThroughput(() => {
    for (const [instrument, ticker] of pairs) {
      const q = normaliseTicker('deribit', instrument, ticker);
      sink += q.timestampMs;
    }
  }, pairs.length);
  if (sink === 42) process.stdout.write('');
  return { name: 'adapters.normaliseTicker', opsPerSec, extra: { tickers: pairs.length, unit: 'updates/s' } };
}

export const adaptersSuite: BenchSuite = {
  name: 'adapters.normalise',
  async run() {
    return [await normaliseChain(), await tickerNormaliser()];
  },
};
