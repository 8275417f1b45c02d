/**
 * A recording replayed as a live feed: the REST half answers ccxt through `fetchImplementation`
 * (`replayRest.ts`), the websocket half comes from the loopback server (`replayWs.ts`), and the live stream runs
 * on top exactly as it does against the venue. The feed runs on the replay's own clock (the recorded time,
 * advancing at `speed`), is labelled as a replay with that time, and can loop for a desk that wants a
 * continuous feed (the clock is rewound with the data, so nothing old is ever presented as new).
 */
import type { Exchange } from 'ccxt';
import type { ReplayClock } from '../clock.js';
import { MarketDataError } from '../errors.js';
import type { Instrument, SnapshotSource, Venue } from '../model.js';
import type { Recording } from '../recording.js';
import { createReplayClient } from '../replayRest.js';
import { pointExchangeAt, replayProtocolFor, startReplayWsServer, type ReplayWsServer } from '../replayWs.js';
import type { InstrumentIndex } from '../venues/common.js';
import { venueAdapter } from '../venues/index.js';
import type { BackoffPolicy } from './backoff.js';
import { createLiveStream, type LiveExchange, type LiveStream, type LiveSubscription } from './stream.js';

export interface ReplayFeedOptions {
  recording: Recording;
  /** Shown in `source().label`, e.g. the file name. Default: the recording's label or venue and date. */
  label?: string;
  /** Underlying whose instruments are loaded (default: the recording's `underlying`, else `BTC`). */
  underlying?: string;
  /** Data ms per wall ms (default 1: real time). */
  speed?: number;
  /** Start over after the last frame (default false). */
  loop?: boolean;
  /** Longest wall wait between frames (ms); longer recorded gaps are skipped on the clock. Default 1000. */
  maxGapMs?: number;
  /** Quote age limit on the replay clock (ms, default 10 000). */
  maxAgeMs?: number;
  idleTimeoutMs?: number;
  backoff?: BackoffPolicy;
  /** Order-book depth per side (default 10). */
  bookDepth?: number;
}

export interface ReplayFeed {
  venue: Venue;
  stream: LiveStream;
  server: ReplayWsServer;
  exchange: Exchange;
  clock: ReplayClock;
  instruments: InstrumentIndex;
  subscriptions: LiveSubscription[];
  /** What this is and the data's own time now (the replay clock), for every output. */
  source(): SnapshotSource;
  /** Closes the stream, ccxt's sockets and the loopback server. */
  close(): Promise<void>;
}

/**
 * The instruments a recording's websocket frames are about, by channel kind (Deribit: `ticker.<id>`,
 * `book.<id>`), in first-seen order.
 */
export function recordedChannels(recording: Recording): { tickers: string[]; books: string[] } {
  const protocol = replayProtocolFor(recording.venue as Venue);
  const tickers = new Set<string>();
  const books = new Set<string>();
  for (const frame of recording.ws) {
    const route = protocol.routeFrame(frame.data);
    if (!route) continue;
    const [kind, id] = route.key.split('.', 2) as [string, string | undefined];
    if (id === undefined) continue;
    if (kind === 'ticker') tickers.add(id);
    else if (kind === 'book') books.add(id);
  }
  return { tickers: [...tickers], books: [...books] };
}

/** Opens a replay feed; iterate `feed.stream` for events, `await feed.close()` when done. */
export async function openReplayFeed(options: ReplayFeedOptions): Promise<ReplayFeed> {
  const { recording } = options;
  const venue = recording.venue as Venue;
  const adapter = venueAdapter(venue);
  const underlying = options.underlying ?? recording.underlying ?? 'BTC';
  const { tickers, books } = recordedChannels(recording);
  if (tickers.length === 0 && books.length === 0) {
    throw new MarketDataError(
      `replay: the recording has no ${venue} websocket data frames to replay as a feed (${recording.ws.length} frames)`,
    );
  }
  const exchange = createReplayClient(recording, { pro: true, underlyings: [underlying] });
  const instruments = await adapter.loadInstruments(exchange, { underlying });
  const pick = (ids: readonly string[]): Instrument[] =>
    ids.map((id) => instruments.find(id)).filter((i): i is Instrument => i !== undefined);
  const tickerInstruments = pick(tickers);
  const bookInstruments = pick(books);
  if (tickerInstruments.length === 0 && bookInstruments.length === 0) {
    throw new MarketDataError(`replay: none of the recorded ${venue} instruments is a loaded ${underlying} instrument`);
  }
  const subscriptions: LiveSubscription[] = [];
  if (tickerInstruments.length > 0) {
    subscriptions.push({ kind: 'tickers', symbols: tickerInstruments.map((i) => i.symbol) });
  }
  if (bookInstruments.length > 0) {
    subscriptions.push({
      kind: 'orderBooks',
      symbols: bookInstruments.map((i) => i.symbol),
      depth: options.bookDepth ?? 10,
    });
  }
  const server = await startReplayWsServer({
    venue,
    frames: recording.ws,
    speed: options.speed ?? 1,
    loop: options.loop ?? false,
    maxGapMs: options.maxGapMs ?? 1000,
    // Hold the timeline until every recorded channel of the chosen instruments is subscribed again.
    minSubscribedChannels: tickerInstruments.length + bookInstruments.length,
  });
  try {
    await pointExchangeAt(exchange as unknown as Parameters<typeof pointExchangeAt>[0], server.url);
    const all = [...new Map([...tickerInstruments, ...bookInstruments].map((i) => [i.symbol, i])).values()];
    const stream = createLiveStream({
      exchange: exchange as unknown as LiveExchange,
      venue,
      instruments: all,
      normalise: adapter.normaliseTicker,
      subscriptions,
      clock: server.clock,
      ...(options.maxAgeMs !== undefined ? { maxAgeMs: options.maxAgeMs } : {}),
      ...(options.idleTimeoutMs !== undefined ? { idleTimeoutMs: options.idleTimeoutMs } : {}),
      ...(options.backoff !== undefined ? { backoff: options.backoff } : {}),
    });
    const label =
      options.label ??
      `replay: ${recording.label ?? `${venue} ${underlying} recorded ${recording.recordedAt}`}${options.loop ? ' (looping)' : ''}`;
    return {
      venue,
      stream,
      server,
      exchange,
      clock: server.clock,
      instruments,
      subscriptions,
      source: () => ({ kind: 'replay', label, dataTimeMs: Math.round(server.clock.now()) }),
      close: async () => {
        await stream.close();
        await server.close();
      },
    };
  } catch (error) {
    await server.close();
    throw error;
  }
}
