/**
 * The real Deribit websocket capture (cryptofeed, 2021-07-22; provenance in test/fixtures/exchanges/SOURCES.md) as
 * recording frames, and the instruments of its 10 options loaded through ccxt from the real 2021 get_instruments
 * payloads of the same day.
 *
 * The capture kept the frames in arrival order but dropped the receive times (SOURCES.md). Each frame's
 * `receivedAtMs` is therefore derived as the running maximum of the data timestamps in arrival order: a frame
 * cannot arrive before the data in it was stamped, nor before the frame ahead of it.
 */
import type { Exchange } from 'ccxt';
import { createReplayClient } from '../../../adapters/replayRest.js';
import type { Recording, WsFrame } from '../../../adapters/recording.js';
import type { Instrument } from '../../../adapters/model.js';
import { deribit } from '../../../adapters/venues/deribit.js';
import { fixtureText } from '../fixtures.js';

export const DERIBIT_WS_URL = 'wss://www.deribit.com/ws/api/v2';

interface RawFrame {
  method?: string;
  params?: { channel: string; data?: { timestamp: number; instrument_name: string } };
}

/**
 * The 137 frames as the exact recorded text of each: the fixture holds one frame per line inside a JSON array, so
 * the lines (less the array's commas) are the frame texts byte for byte (`869.0` stays `869.0`).
 */
export function deribitFrameTexts(): string[] {
  const text = fixtureText('deribit', 'ws_ticker_book_options_2021-07-22.json');
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith('{'))
    .map((l) => (l.endsWith(',') ? l.slice(0, -1) : l));
  const parsed = JSON.parse(text) as unknown[];
  if (lines.length !== parsed.length)
    throw new Error(`expected one frame per line, got ${lines.length}/${parsed.length}`);
  return lines;
}

export function deribitWsFrames(): WsFrame[] {
  let last = 0;
  return deribitFrameTexts().map((data) => {
    const f = JSON.parse(data) as RawFrame;
    const stamp = f.params?.data?.timestamp ?? last;
    last = Math.max(last, stamp);
    return { receivedAtMs: last, url: DERIBIT_WS_URL, data };
  });
}

/** (kind, venue id, data timestamp) of every data frame, in recorded order. */
export function recordedSequence(kinds: readonly string[] = ['ticker', 'book']): string[] {
  return deribitFrameTexts()
    .map((t) => JSON.parse(t) as RawFrame)
    .filter((f) => f.method === 'subscription' && kinds.includes(f.params!.channel.split('.')[0]!))
    .map((f) => `${f.params!.channel.split('.')[0]} ${f.params!.data!.instrument_name} ${f.params!.data!.timestamp}`);
}

export const DERIBIT_2021_IDS = [
  'BTC-24SEP21-8000-P',
  'BTC-30JUL21-24000-P',
  'ETH-30JUL21-2800-C',
  'BTC-31DEC21-34000-P',
  'BTC-24SEP21-34000-P',
  'BTC-24JUN22-15000-C',
  'BTC-31DEC21-300000-C',
  'ETH-27AUG21-4000-P',
  'BTC-25MAR22-30000-C',
  'ETH-23JUL21-2300-C',
] as const;

/**
 * REST recording of the 2021 instruments: the real `public/get_instruments` bodies (options and futures together in
 * the capture), split by `kind` as the venue answers the adapter's `kind=option` and `kind=future` requests.
 */
export function deribit2021InstrumentRecording(ws: WsFrame[] = []): Recording {
  const http: Recording['http'] = [];
  for (const currency of ['BTC', 'ETH']) {
    const all = JSON.parse(fixtureText('deribit', `get_instruments_${currency}_2021-07-22.json`)) as {
      result: { kind: string }[];
    };
    for (const kind of ['option', 'future']) {
      http.push({
        method: 'GET',
        url: `https://www.deribit.com/api/v2/public/get_instruments?currency=${currency}&kind=${kind}`,
        status: 200,
        body: JSON.stringify({ ...all, result: all.result.filter((i) => i.kind === kind) }),
        receivedAtMs: 1626993720000,
      });
    }
  }
  return {
    format: 'ilhedge-recording',
    formatVersion: 1,
    venue: 'deribit',
    recordedAt: '2021-07-22T22:42:00.000Z',
    ccxtVersion: '4.5.84',
    underlying: 'BTC',
    http,
    ws,
  };
}

/** Loads BTC and ETH instruments into `ex` (both sets of markets kept) and returns the 10 captured options. */
export async function load2021Instruments(ex: Exchange): Promise<Instrument[]> {
  const btc = await deribit.loadInstruments(ex, { underlying: 'BTC' });
  const btcMarkets = Object.values(ex.markets ?? {});
  const eth = await deribit.loadInstruments(ex, { underlying: 'ETH' });
  ex.setMarkets([...btcMarkets, ...Object.values(ex.markets ?? {})]);
  return DERIBIT_2021_IDS.map((id) => btc.find(id) ?? eth.resolve(id));
}

/** A ccxt.pro deribit answering REST from the 2021 instrument payloads. */
export function replayProDeribit(recording: Recording = deribit2021InstrumentRecording()): Exchange {
  return createReplayClient(recording, { pro: true });
}
