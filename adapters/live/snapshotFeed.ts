/**
 * A REST-only recording (one chain snapshot, like the built-in data) as a feed: the venue adapter's
 * `fetchQuotes` runs through ccxt against the recorded responses (`replayRest.ts`), exactly as a live REST poll
 * would, and every quote is delivered as a `quote` event of the live stream's event type, with its recorded
 * timestamp, judged on a replay clock that starts at the data's own time.
 *
 * A snapshot never updates, so on its own clock it ages: quotes turn stale `maxAgeMs` after their timestamp, and a
 * `stale` event says so. With `loop`, the clock is rewound to the data's time every `loopPeriodMs` (replay time)
 * and the snapshot delivered again: the desk sees the same data at the same recorded time, never presented as new.
 */
import type { Exchange } from 'ccxt';
import { MS_PER_MINUTE, MS_PER_SECOND } from '../../pricing/time.js';
import type { Clock, Scheduler } from '../clock.js';
import { ReplayClock, sleep, systemClock, systemScheduler } from '../clock.js';
import { fromCcxtError, MarketDataError } from '../errors.js';
import type { Quote, Venue } from '../model.js';
import type { Recording } from '../recording.js';
import { createReplayClient } from '../replayRest.js';
import type { InstrumentIndex } from '../venues/common.js';
import { venueAdapter } from '../venues/index.js';
import { StalenessTracker } from './staleness.js';
import type { FeedStatus, LiveEvent } from './stream.js';

export interface SnapshotFeedOptions {
  recording: Recording;
  underlying?: string;
  /** Replay ms per wall ms (default 1). */
  speed?: number;
  /** Start over every `loopPeriodMs` of replay time (default false). */
  loop?: boolean;
  /** Replay time between deliveries of the snapshot when looping (ms, default 60 000). */
  loopPeriodMs?: number;
  /** Quote age limit on the replay clock (ms, default 10 000). */
  maxAgeMs?: number;
  /** How often (replay ms) ages are re-checked for `stale` events (default maxAgeMs / 2). */
  staleCheckIntervalMs?: number;
  /** Wall clock and timers driving the replay clock (injectable for tests). */
  wall?: Clock;
  scheduler?: Scheduler;
  /** Use this ccxt client (must answer from the recording) instead of building one. */
  client?: Exchange;
}

/** The feed's event stream: the same events and surface as `LiveStream`. */
export class SnapshotStream implements AsyncIterable<LiveEvent> {
  readonly staleness: StalenessTracker;
  readonly stats = { quotes: 0, deliveries: 0 };
  private readonly queue: LiveEvent[] = [];
  private waiter: ((r: IteratorResult<LiveEvent>) => void) | undefined;
  private ended = false;
  private readonly abort = new AbortController();
  private currentStatus: FeedStatus = 'connecting';
  private readonly announcedStale = new Set<string>();
  private running: Promise<void> | undefined;

  constructor(
    readonly venue: Venue,
    private readonly quotes: readonly Quote[],
    readonly clock: ReplayClock,
    private readonly options: Required<Pick<SnapshotFeedOptions, 'loop' | 'loopPeriodMs' | 'staleCheckIntervalMs'>> & {
      scheduler: Scheduler;
    },
    maxAgeMs: number,
  ) {
    this.staleness = new StalenessTracker(maxAgeMs, clock);
  }

  get status(): FeedStatus {
    return this.currentStatus;
  }

  get closed(): boolean {
    return this.abort.signal.aborted;
  }

  /** Starts delivering (called by `openSnapshotFeed`). */
  start(): void {
    this.running ??= this.run();
  }

  [Symbol.asyncIterator](): AsyncIterator<LiveEvent> {
    return {
      next: () => {
        const e = this.queue.shift();
        if (e) return Promise.resolve({ done: false, value: e });
        if (this.ended) return Promise.resolve({ done: true, value: undefined });
        return new Promise((resolve) => (this.waiter = resolve));
      },
      return: async () => {
        await this.close();
        return { done: true, value: undefined };
      },
    };
  }

  private push(e: LiveEvent): void {
    if (this.ended) return;
    const w = this.waiter;
    this.waiter = undefined;
    if (w) w({ done: false, value: e });
    else this.queue.push(e);
  }

  private status_(status: FeedStatus, message: string): void {
    this.currentStatus = status;
    this.push({ type: 'status', venue: this.venue, status, atMs: this.clock.now(), message });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.abort.abort();
    this.staleness.markDown();
    await this.running;
    this.status_('closed', `${this.venue}: snapshot replay closed`);
    this.ended = true;
    const w = this.waiter;
    this.waiter = undefined;
    if (w && this.queue.length === 0) w({ done: true, value: undefined });
  }

  private deliver(): void {
    this.staleness.markUp();
    this.announcedStale.clear();
    this.stats.deliveries += 1;
    this.status_('up', `${this.venue}: snapshot of ${new Date(this.clock.startMs).toISOString()} delivered`);
    const receivedAtMs = this.clock.now();
    for (const quote of this.quotes) {
      const symbol = quote.instrument.symbol;
      this.staleness.record(symbol, quote.timestampMs);
      const view = this.staleness.view(symbol);
      if (view.stale) this.announcedStale.add(symbol);
      this.stats.quotes += 1;
      this.push({
        type: 'quote',
        venue: this.venue,
        symbol,
        quote,
        stale: view.stale,
        ...(view.reason ? { staleReason: view.reason } : {}),
        receivedAtMs,
      });
    }
  }

  private sweep(): void {
    const fresh = this.staleness
      .views()
      .filter((v) => v.stale && !this.announcedStale.has(v.key))
      .map((v) => v.key);
    for (const k of fresh) this.announcedStale.add(k);
    if (fresh.length > 0) {
      this.push({ type: 'stale', venue: this.venue, symbols: fresh, reason: 'age', atMs: this.clock.now() });
    }
  }

  private async run(): Promise<void> {
    const { scheduler, loop, loopPeriodMs, staleCheckIntervalMs } = this.options;
    const signal = this.abort.signal;
    this.clock.resume();
    this.deliver();
    let nextLoopAt = this.clock.startMs + loopPeriodMs;
    while (!signal.aborted) {
      const nextCheck = this.clock.now() + staleCheckIntervalMs;
      const target = loop ? Math.min(nextCheck, nextLoopAt) : nextCheck;
      if (!(await sleep(scheduler, this.clock.wallDelayUntil(target), signal))) return;
      if (loop && this.clock.now() >= nextLoopAt) {
        this.clock.rewind();
        nextLoopAt = this.clock.startMs + loopPeriodMs;
        this.deliver();
      } else {
        this.sweep();
      }
    }
  }
}

export interface SnapshotFeed {
  venue: Venue;
  stream: SnapshotStream;
  exchange: Exchange;
  clock: ReplayClock;
  instruments: InstrumentIndex;
  source(): { kind: 'replay'; label: string; dataTimeMs: number };
  close(): Promise<void>;
}

/** Opens a REST-only recording as a feed (see the module comment). */
export async function openSnapshotFeed(options: SnapshotFeedOptions & { label?: string }): Promise<SnapshotFeed> {
  const { recording } = options;
  const venue = recording.venue as Venue;
  const adapter = venueAdapter(venue);
  const underlying = options.underlying ?? recording.underlying ?? 'BTC';
  const exchange = options.client ?? createReplayClient(recording, { underlyings: [underlying] });
  let instruments: InstrumentIndex;
  let quotes: Quote[];
  try {
    instruments = await adapter.loadInstruments(exchange, { underlying });
    const q = await adapter.fetchQuotes(exchange, instruments, { underlying });
    quotes = [...q.options, ...(q.perp ? [q.perp] : []), ...q.futures];
  } catch (error) {
    throw fromCcxtError(error, { venue, symbol: underlying, operation: 'openSnapshotFeed' });
  }
  const stamps = quotes.map((q) => q.timestampMs).filter((t) => Number.isFinite(t));
  if (stamps.length === 0)
    throw new MarketDataError(`replay: the ${venue} ${underlying} snapshot holds no timed quote`);
  const dataTimeMs = Math.max(...stamps);
  const maxAgeMs = options.maxAgeMs ?? 10 * MS_PER_SECOND;
  const clock = new ReplayClock({
    startMs: dataTimeMs,
    speed: options.speed ?? 1,
    wall: options.wall ?? systemClock,
    paused: true,
  });
  const stream = new SnapshotStream(
    venue,
    quotes,
    clock,
    {
      loop: options.loop ?? false,
      loopPeriodMs: options.loopPeriodMs ?? MS_PER_MINUTE,
      staleCheckIntervalMs: options.staleCheckIntervalMs ?? Math.max(1, maxAgeMs / 2),
      scheduler: options.scheduler ?? systemScheduler,
    },
    maxAgeMs,
  );
  stream.start();
  const label =
    options.label ??
    `replay: ${recording.label ?? `${venue} ${underlying} recorded ${recording.recordedAt}`} (snapshot${options.loop ? ', looping' : ''})`;
  return {
    venue,
    stream,
    exchange,
    clock,
    instruments,
    source: () => ({ kind: 'replay', label, dataTimeMs: Math.round(clock.now()) }),
    close: () => stream.close(),
  };
}
