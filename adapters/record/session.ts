/**
 * One recording session, as `ilhedge record` runs it: build a ccxt pro client whose HTTP goes through the
 * recorder (and a token bucket below the venue's budget), load the underlying's instruments, take one REST chain
 * snapshot (so the file also serves `chain --source replay:<file>`), then stream the chosen instruments' tickers
 * (and books) over the websocket for the given time, every frame captured before ccxt parses it.
 */
import { MS_PER_SECOND } from '../../pricing/time.js';
import type { FetchLike } from '../client.js';
import { createCcxtClient } from '../client.js';
import { sleep, systemScheduler } from '../clock.js';
import { MarketDataError, fromCcxtError } from '../errors.js';
import type { Instrument, Venue } from '../model.js';
import type { Recording } from '../recording.js';
import { pointExchangeAt } from '../replayWs.js';
import { pointRestAt } from '../live/endpoints.js';
import type { VenueQuotes } from '../venues/common.js';
import { venueAdapter } from '../venues/index.js';
import { bucketFor, DEFAULT_REQUEST_BUDGET, rateLimitedFetch } from '../live/rateLimit.js';
import { createLiveStream, type LiveEvent, type LiveExchange } from '../live/stream.js';
import { tickerAndBookSubscriptions } from '../live/subscriptions.js';
import { createRecorder, type Recorder } from './recorder.js';

export interface RecordSessionOptions {
  venue: Venue;
  underlying: string;
  /** How long to stream, wall seconds. */
  seconds: number;
  /** Only options of this expiry date (`YYYY-MM-DD`, UTC). */
  expiry?: string;
  /** Explicit instruments (venue ids or ccxt symbols); overrides the automatic choice. */
  instruments?: readonly string[];
  /** Most options to stream, nearest the money first (default 60). The perp is always added. */
  maxOptions?: number;
  /** Also stream order books (default false: tickers carry best bid/ask and IVs). */
  books?: boolean;
  /** Take a REST chain snapshot first (default true). */
  snapshot?: boolean;
  /** Replace the venue's REST origin (a testnet, a loopback server in tests). */
  restUrl?: string;
  /** Replace the venue's websocket URL. */
  wsUrl?: string;
  /** The fetch that really talks to the venue (default Node's fetch). */
  fetch?: FetchLike;
  /** Every stream event, for progress output. */
  onEvent?: (event: LiveEvent) => void;
  /** Stops the session early (the recording keeps what arrived). */
  signal?: AbortSignal;
  /** Wall time now, ms (default Date.now; used to skip expired options). */
  nowMs?: number;
}

export interface RecordSessionResult {
  recording: Recording;
  recorder: Recorder;
  /** ccxt symbols streamed. */
  symbols: string[];
  quotes: number;
  books: number;
  statuses: string[];
}

function utcDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/**
 * Options nearest the money first (|ln K/F|, F the perp's mark or the index from the snapshot), else nearest
 * expiry first; then the perp.
 */
export function chooseInstruments(
  all: readonly Instrument[],
  opts: { expiry?: string; maxOptions: number; nowMs: number; reference: number | null },
): Instrument[] {
  const options = all.filter(
    (i) =>
      i.kind === 'option' &&
      i.expiryMs !== null &&
      i.expiryMs > opts.nowMs &&
      (opts.expiry === undefined || utcDate(i.expiryMs) === opts.expiry),
  );
  const ref = opts.reference;
  const sorted = [...options].sort((a, b) => {
    if (ref !== null && ref > 0) {
      const da = Math.abs(Math.log(a.strike! / ref));
      const db = Math.abs(Math.log(b.strike! / ref));
      if (da !== db) return da - db;
    }
    return a.expiryMs! - b.expiryMs! || a.strike! - b.strike! || a.symbol.localeCompare(b.symbol);
  });
  const perp = all.filter((i) => i.kind === 'perp');
  return [...sorted.slice(0, opts.maxOptions), ...perp];
}

export async function recordSession(options: RecordSessionOptions): Promise<RecordSessionResult> {
  const { venue, underlying } = options;
  if (!Number.isFinite(options.seconds) || options.seconds <= 0) {
    throw new MarketDataError(`--seconds must be > 0, got ${options.seconds}`);
  }
  const adapter = venueAdapter(venue);
  // REST goes through our bucket (below the venue's budget) and then the recorder, which sees the real response;
  // the stream's subscribes spend from the same bucket.
  const bucket = bucketFor(adapter.live?.requestBudget ?? DEFAULT_REQUEST_BUDGET);
  const recorder = createRecorder({
    venue,
    underlying,
    label: `${venue} ${underlying} recorded live by ilhedge record`,
    fetch: rateLimitedFetch(options.fetch ?? ((url, init) => fetch(url, init as RequestInit)), bucket),
  });
  const exchange = createCcxtClient({
    venue,
    pro: true,
    fetchImplementation: recorder.fetchImplementation,
    enableRateLimit: true,
    underlyings: [underlying],
  });
  if (options.restUrl) pointRestAt(exchange, options.restUrl);
  if (options.wsUrl) await pointExchangeAt(exchange as never, options.wsUrl);
  recorder.attach(exchange as unknown as LiveExchange);

  const statuses: string[] = [];
  let quotes = 0;
  let books = 0;
  let symbols: string[] = [];
  try {
    const index = await adapter.loadInstruments(exchange, { underlying });
    let snapshot: VenueQuotes | undefined;
    if (options.snapshot ?? true) snapshot = await adapter.fetchQuotes(exchange, index, { underlying });
    const chosen = options.instruments
      ? options.instruments.map((s) => index.resolve(s))
      : chooseInstruments(index.all(), {
          ...(options.expiry !== undefined ? { expiry: options.expiry } : {}),
          maxOptions: options.maxOptions ?? 60,
          nowMs: options.nowMs ?? Date.now(),
          reference: snapshot?.perp?.mark ?? snapshot?.index ?? null,
        });
    if (chosen.length === 0) {
      throw new MarketDataError(
        `${venue} ${underlying}: no live instrument matches${options.expiry ? ` expiry ${options.expiry}` : ''}`,
      );
    }
    symbols = chosen.map((i) => i.symbol);
    const subscriptions = tickerAndBookSubscriptions(symbols, options.books ? symbols : []);
    const stream = createLiveStream({ exchange, venue, instruments: chosen, subscriptions, bucket });
    const stop = new AbortController();
    const onAbort = (): void => stop.abort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const timer = sleep(systemScheduler, options.seconds * MS_PER_SECOND, stop.signal).then(() => stream.close());
    for await (const event of stream) {
      options.onEvent?.(event);
      if (event.type === 'quote') quotes += 1;
      else if (event.type === 'book') books += 1;
      else if (event.type === 'status') statuses.push(event.status);
      if (options.signal?.aborted) void stream.close();
    }
    stop.abort();
    options.signal?.removeEventListener('abort', onAbort);
    await timer;
  } catch (error) {
    throw fromCcxtError(error, { venue, symbol: underlying, operation: 'record' });
  } finally {
    recorder.stop();
    try {
      await exchange.close();
    } catch {
      // already closed by the stream
    }
  }
  return { recording: recorder.recording(), recorder, symbols, quotes, books, statuses };
}
