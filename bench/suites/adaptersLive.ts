/**
 * Updates per second through the live normaliser, on the real 2021 Deribit websocket frames (89 option tickers):
 * - `adapters.live.parseNormalise`: a frame into ccxt pro's client (`onMessage`: JSON parse, ccxt's deribit
 *   `handleTicker`/`parseTicker`), through the tap, into the Deribit normaliser. No sockets: the CPU cost per update.
 * - `adapters.live.loopbackStream`: the whole live path over a loopback socket (replay server at full speed,
 *   looping; ccxt's websocket client; the live stream with staleness), in quotes delivered per second.
 * The normaliser alone, on tickers ccxt already parsed, is `adapters.normaliseTicker` in `adapters.ts`.
 */
import type { Ticker } from 'ccxt';
import { createLiveStream } from '../../adapters/live/stream.js';
import { tapExchange, type CcxtProExchangeLike } from '../../adapters/live/tap.js';
import { pointExchangeAt, startReplayWsServer } from '../../adapters/replayWs.js';
import { deribit } from '../../adapters/venues/deribit.js';
// The same recorded frames and 2021 instruments the tests replay (test helpers, compiled with the benchmarks).
import { deribitWsFrames, load2021Instruments, replayProDeribit } from '../../test/adapters/live/deribitFrames.js';
import { measureThroughput, type BenchResult, type BenchSuite } from '../harness.js';

/** A ccxt.pro deribit with the 2021 BTC and ETH markets, and the 10 options of the websocket capture. */
async function exchangeWith2021Markets() {
  const ex = replayProDeribit();
  return { ex, instruments: await load2021Instruments(ex) };
}

async function parseNormalise(): Promise<BenchResult> {
  const { ex, instruments } = await exchangeWith2021Markets();
  const bySymbol = new Map(instruments.map((i) => [i.symbol, i]));
  const tickerFrames = deribitWsFrames()
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
  const recorded = deribitWsFrames();
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
    exchange: ex,
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
