/**
 * A recording replayed as a live feed: the REST half answers ccxt through `fetchImplementation`
 * (`replayRest.ts`), the websocket half comes from the loopback server (`replayWs.ts`), and the live stream runs
 * on top exactly as it does against the venue. The feed runs on the replay's own clock (the recorded time,
 * advancing at `speed`), is labelled as a replay with that time, and can loop for a desk that wants a
 * continuous feed (the clock is rewound with the data, so nothing old is ever presented as new).
 */
import type { Exchange } from 'ccxt';
import { MS_PER_SECOND } from '../../pricing/time.js';
import type { ReplayClock } from '../clock.js';
import { MarketDataError } from '../errors.js';
import type { Instrument, SnapshotSource, Venue } from '../model.js';
import type { Recording } from '../recording.js';
import { createReplayClient } from '../replayRest.js';
import { pointExchangeAt, replayProtocolFor, startReplayWsServer, type ReplayWsServer } from '../replayWs.js';
import type { InstrumentIndex } from '../venues/common.js';
import { venueAdapter } from '../venues/index.js';
import type { BackoffPolicy } from './backoff.js';
import { openSnapshotFeed } from './snapshotFeed.js';
import type { StalenessTracker } from './staleness.js';
import { createLiveStream, type FeedStatus, type LiveEvent } from './stream.js';
import { tickerAndBookSubscriptions, type LiveSubscription } from './subscriptions.js';

/** What a feed's consumer sees: `LiveStream` (websocket) and `SnapshotStream` (REST-only) both fit. */
export interface FeedStream extends AsyncIterable<LiveEvent> {
  readonly status: FeedStatus;
  readonly staleness: StalenessTracker;
  readonly closed: boolean;
  close(): Promise<void>;
}

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
  /** Idle detection (ms of wall time without a frame); default off for replays. */
  idleTimeoutMs?: number;
  backoff?: BackoffPolicy;
  /** Order-book depth per side (default 10). */
  bookDepth?: number;
  /** REST-only recordings: replay time between deliveries of the snapshot when looping (ms, default 60 000). */
  loopPeriodMs?: number;
}

export interface ReplayFeed {
  venue: Venue;
  /** `websocket`: frames over the loopback server through ccxt pro; `snapshot`: a REST-only recording. */
  mode: 'websocket' | 'snapshot';
  stream: FeedStream;
  /** The loopback server (websocket mode only). */
  server: ReplayWsServer | undefined;
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

/**
 * Opens a replay feed; iterate `feed.stream` for events, `await feed.close()` when done. A recording with
 * websocket data frames replays them over loopback through ccxt pro and the live stream; a REST-only recording
 * (the built-in data) is delivered as a snapshot feed (`snapshotFeed.ts`).
 */
export async function openReplayFeed(options: ReplayFeedOptions): Promise<ReplayFeed> {
  const { recording } = options;
  const venue = recording.venue as Venue;
  const adapter = venueAdapter(venue);
  const underlying = options.underlying ?? recording.underlying ?? 'BTC';
  const hasWsData = recording.ws.length > 0 && venue === 'deribit';
  const { tickers, books } = hasWsData ? recordedChannels(recording) : { tickers: [], books: [] };
  if (tickers.length === 0 && books.length === 0) {
    if (recording.ws.length > 0) {
      throw new MarketDataError(
        `replay: the recording's ${recording.ws.length} ${venue} websocket frames cannot be replayed as a feed (websocket replay is implemented for deribit data frames)`,
      );
    }
    const snap = await openSnapshotFeed({
      recording,
      underlying,
      ...(options.speed !== undefined ? { speed: options.speed } : {}),
      ...(options.loop !== undefined ? { loop: options.loop } : {}),
      ...(options.loopPeriodMs !== undefined ? { loopPeriodMs: options.loopPeriodMs } : {}),
      ...(options.maxAgeMs !== undefined ? { maxAgeMs: options.maxAgeMs } : {}),
      ...(options.label !== undefined ? { label: options.label } : {}),
    });
    return {
      venue,
      mode: 'snapshot',
      stream: snap.stream,
      server: undefined,
      exchange: snap.exchange,
      clock: snap.clock,
      instruments: snap.instruments,
      subscriptions: [],
      source: snap.source,
      close: snap.close,
    };
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
  const subscriptions = tickerAndBookSubscriptions(
    tickerInstruments.map((i) => i.symbol),
    bookInstruments.map((i) => i.symbol),
    options.bookDepth,
  );
  const server = await startReplayWsServer({
    venue,
    frames: recording.ws,
    speed: options.speed ?? 1,
    loop: options.loop ?? false,
    maxGapMs: options.maxGapMs ?? MS_PER_SECOND,
    // Hold the timeline until every recorded channel of the chosen instruments is subscribed again.
    minSubscribedChannels: tickerInstruments.length + bookInstruments.length,
  });
  try {
    await pointExchangeAt(exchange as unknown as Parameters<typeof pointExchangeAt>[0], server.url);
    const all = [...new Map([...tickerInstruments, ...bookInstruments].map((i) => [i.symbol, i])).values()];
    // The venue adapter's normaliser and live hooks are the stream's defaults.
    const stream = createLiveStream({
      exchange,
      venue,
      instruments: all,
      subscriptions,
      clock: server.clock,
      ...(options.maxAgeMs !== undefined ? { maxAgeMs: options.maxAgeMs } : {}),
      // A quiet stretch of a recording (or its end) is not a dead socket: no idle redial unless asked for.
      idleTimeoutMs: options.idleTimeoutMs ?? 0,
      ...(options.backoff !== undefined ? { backoff: options.backoff } : {}),
    });
    const label =
      options.label ??
      `replay: ${recording.label ?? `${venue} ${underlying} recorded ${recording.recordedAt}`}${options.loop ? ' (looping)' : ''}`;
    return {
      venue,
      mode: 'websocket',
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
