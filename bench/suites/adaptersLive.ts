/**
 * Updates per second through the live normaliser, on the real 2021 Deribit websocket frames (89 option tickers):
 * - `adapters.live.parseNormalise`: a frame into ccxt pro's client (`onMessage`: JSON parse, ccxt's deribit
 *   `handleTicker`/`parseTicker`), through the tap, into the Deribit normaliser. No sockets: the CPU cost per update.
 * - `adapters.live.loopbackStream`: the whole live path over a loopback socket (replay server at full speed,
 *   looping; ccxt's websocket client; the live stream with staleness), in quotes delivered per second.
 * The normaliser alone, on tickers ccxt already parsed, is `adapters.normaliseTicker` in `adapters.ts`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Exchange, Ticker } from 'ccxt';
import { repoRoot } from '../../adapters/builtin/paths.js';
import { createLiveStream, type LiveExchange } from '../../adapters/live/stream.js';
import { tapExchange, type CcxtProExchangeLike } from '../../adapters/live/tap.js';
import type { Instrument } from '../../adapters/model.js';
import type { Recording, WsFrame } from '../../adapters/recording.js';
import { createReplayClient } from '../../adapters/replayRest.js';
import { pointExchangeAt, startReplayWsServer } from '../../adapters/replayWs.js';
import { deribit } from '../../adapters/venues/deribit.js';
import { measureThroughput, type BenchResult, type BenchSuite } from '../harness.js';

const FIXTURES = (): string => join(repoRoot(), 'test', 'fixtures', 'exchanges', 'deribit');

function frames(): WsFrame[] {
  const text = readFileSync(join(FIXTURES(), 'ws_ticker_book_options_2021-07-22.json'), 'utf8');
  let last = 0;
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith('{'))
    .map((l) => (l.endsWith(',') ? l.slice(0, -1) : l))
    .map((data) => {
      const stamp = (JSON.parse(data) as { params?: { data?: { timestamp?: number } } }).params?.data?.timestamp;
      last = Math.max(last, stamp ?? last);
      return { receivedAtMs: last, url: 'wss://www.deribit.com/ws/api/v2', data };
    });
}

async function exchangeWith2021Markets(): Promise<{ ex: Exchange; instruments: Instrument[] }> {
  const http: Recording['http'] = [];
  for (const currency of ['BTC', 'ETH']) {
    const all = JSON.parse(readFileSync(join(FIXTURES(), `get_instruments_${currency}_2021-07-22.json`), 'utf8')) as {
      result: { kind: string }[];
    };
    for (const kind of ['option', 'future']) {
      http.push({
        method: 'GET',
        url: `https://www.deribit.com/api/v2/public/get_instruments?currency=${currency}&kind=${kind}`,
        status: 200,
        body: JSON.stringify({ ...all, result: all.result.filter((i) => i.kind === kind) }),
        receivedAtMs: 0,
      });
    }
  }
  const recording: Recording = {
    format: 'ilhedge-recording',
    formatVersion: 1,
    venue: 'deribit',
    recordedAt: '2021-07-22T22:42:00.000Z',
    ccxtVersion: '4.5.84',
    http,
    ws: [],
  };
  const ex = createReplayClient(recording, { pro: true });
  const btc = await deribit.loadInstruments(ex, { underlying: 'BTC' });
  const btcMarkets = Object.values(ex.markets ?? {});
  const eth = await deribit.loadInstruments(ex, { underlying: 'ETH' });
  ex.setMarkets([...btcMarkets, ...Object.values(ex.markets ?? {})]);
  return { ex, instruments: [...btc.all(), ...eth.all()] };
}

async function parseNormalise(): Promise<BenchResult> {
  const { ex, instruments } = await exchangeWith2021Markets();
  const bySymbol = new Map(instruments.map((i) => [i.symbol, i]));
  const tickerFrames = frames()
    .filter((f) => f.data.includes('"ticker.'))
    .filter((f) => f.data.includes('"subscription"'))
    .map((f) => Buffer.from(f.data));
  let normalised = 0;
  tapExchange(ex as unknown as CcxtProExchangeLike, {
    onResolved: (_url, resolved) => {
      for (const r of resolved) {
        const t = r as Ticker;
        const instrument = bySymbol.get(t.symbol ?? '');
        if (instrument) {
          deribit.normaliseTicker(instrument, t);
          normalised += 1;
        }
      }
    },
  });
  const client = (ex as unknown as CcxtProExchangeLike).client('wss://www.deribit.com/ws/api/v2');
  const run = (): void => {
    for (const data of tickerFrames) client.onMessage({ data });
  };
  const opsPerSec = measureThroughput(run, tickerFrames.length);
  if (normalised === 0) throw new Error('no update reached the normaliser');
  return { name: 'adapters.live.parseNormalise', opsPerSec, extra: { framesPerCall: tickerFrames.length } };
}

async function loopbackStream(): Promise<BenchResult> {
  const { ex, instruments } = await exchangeWith2021Markets();
  const recorded = frames();
  const tickerIds = new Set(
    recorded
      .filter((f) => f.data.includes('"subscription"') && f.data.includes('"ticker.'))
      .map(
        (f) => (JSON.parse(f.data) as { params: { data: { instrument_name: string } } }).params.data.instrument_name,
      ),
  );
  const chosen = instruments.filter((i) => tickerIds.has(i.venueId));
  const server = await startReplayWsServer({
    venue: 'deribit',
    frames: recorded,
    speed: 1e9,
    maxGapMs: 0,
    loop: true,
    loopGapMs: 0,
    minSubscribedChannels: chosen.length,
  });
  await pointExchangeAt(ex as never, server.url);
  const stream = createLiveStream({
    exchange: ex as unknown as LiveExchange,
    venue: 'deribit',
    instruments: chosen,
    normalise: deribit.normaliseTicker,
    clock: server.clock,
    maxAgeMs: 60_000,
  });
  const warmup = 500;
  const measured = 20_000;
  let quotes = 0;
  let startNs = 0n;
  for await (const event of stream) {
    if (event.type !== 'quote') continue;
    quotes += 1;
    if (quotes === warmup) startNs = process.hrtime.bigint();
    if (quotes === warmup + measured) break;
  }
  const seconds = Number(process.hrtime.bigint() - startNs) / 1e9;
  await stream.close();
  await server.close();
  return { name: 'adapters.live.loopbackStream', opsPerSec: measured / seconds, extra: { instruments: chosen.length } };
}

export const adaptersLiveSuite: BenchSuite = {
  name: 'adapters.live',
  async run() {
    return [await parseNormalise(), await loopbackStream()];
  },
};
