/**
 * Issue 3 "Done when": a replay of recorded websocket frames drives the live path end to end over loopback (ccxt
 * pro's socket client, subscribe, parsers; the live stream; H3's Deribit normaliser), including a dropped
 * connection and reconnect mid-stream, with no lost or duplicated update and the staleness flag raised while
 * down. Data: the real 135 Deribit notifications of 2021-07-22 (89 tickers, 46 books, 10 options).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Exchange } from 'ccxt';
import { createLiveStream, type LiveEvent, type LiveExchange, type LiveStream } from '../../../adapters/live/stream.js';
import { pointExchangeAt, startReplayWsServer, type ReplayWsServer } from '../../../adapters/replayWs.js';
import type { OptionQuote } from '../../../adapters/model.js';
import { deribitWsFrames, load2021Instruments, recordedSequence, replayProDeribit } from './deribitFrames.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

function describeEvent(e: LiveEvent): string | undefined {
  if (e.type === 'quote') return `ticker ${e.quote.instrument.venueId} ${e.quote.timestampMs}`;
  if (e.type === 'book') return `book ${e.instrument.venueId} ${e.timestampMs}`;
  return undefined;
}

async function collect(
  stream: LiveStream,
  until: (events: LiveEvent[]) => boolean,
  timeoutMs = 10_000,
): Promise<LiveEvent[]> {
  const events: LiveEvent[] = [];
  const timer = setTimeout(() => void stream.close(), timeoutMs);
  // close() (not break) once done: the iteration must then end by itself, after the queued events.
  for await (const e of stream) {
    events.push(e);
    if (process.env.DEBUG_STREAM) console.log(Date.now() % 100000, e.type, e.type === 'status' ? e.status : '');
    if (until(events)) void stream.close();
  }
  clearTimeout(timer);
  return events;
}

interface Setup {
  server: ReplayWsServer;
  exchange: Exchange;
  stream: LiveStream;
}

/** What Deribit sends before it terminates a session that ran out of credits (ccxt-notes P8). */
const TOO_MANY_REQUESTS =
  '{"jsonrpc":"2.0","id":42,"error":{"message":"too_many_requests","code":10028},"usIn":1626993740000000,"usOut":1626993740000050,"usDiff":50,"testnet":false}';

async function setup(
  dropAfterFrames: readonly number[],
  withBooks: boolean,
  rateLimitAfterFrames: readonly number[] = [],
): Promise<Setup> {
  const frames = deribitWsFrames();
  const dropAt = new Set(dropAfterFrames);
  const rateLimitAt = new Set(rateLimitAfterFrames);
  const server = await startReplayWsServer({
    venue: 'deribit',
    frames,
    // 30 s of recorded data in about 150 ms of wall time; gaps are capped so the test never waits long.
    speed: 200,
    maxGapMs: 5,
    minSubscribedChannels: withBooks ? 20 : 10,
    onFrameSent: async (index, s) => {
      if (rateLimitAt.has(index)) {
        await s.broadcast(TOO_MANY_REQUESTS);
        s.dropConnections();
      }
      if (dropAt.has(index)) s.dropConnections();
    },
  });
  cleanups.push(() => server.close());
  const exchange = replayProDeribit();
  const instruments = await load2021Instruments(exchange);
  await pointExchangeAt(exchange as never, server.url);
  const symbols = instruments.map((i) => i.symbol);
  const stream = createLiveStream({
    exchange: exchange as unknown as LiveExchange,
    venue: 'deribit',
    // No `normalise`: the stream defaults to the venue adapter's normaliseTicker (H3's Deribit normaliser).
    instruments,
    subscriptions: withBooks
      ? [
          { kind: 'tickers', symbols },
          { kind: 'orderBooks', symbols, depth: 5 },
        ]
      : [{ kind: 'tickers', symbols }],
    clock: server.clock,
    maxAgeMs: 60_000,
    backoff: { initialDelayMs: 10, maxDelayMs: 40, factor: 2, jitter: 0.5, resetAfterMs: 60_000 },
    idleTimeoutMs: 5_000,
    rateLimitCooldownMs: 60,
  });
  cleanups.push(() => stream.close());
  return { server, exchange, stream };
}

describe('live stream over a loopback replay of real Deribit frames', () => {
  it('delivers every recorded ticker and book update exactly once, in order, across two dropped connections', async () => {
    const expected = recordedSequence(['ticker', 'book']);
    expect(expected).toHaveLength(135);
    // Frame indices (in the 137-frame file: 0 is the subscribe request, 1 the ack) after which the socket dies.
    const { server, stream } = await setup([40, 100], true);
    const events = await collect(stream, (evs) => evs.filter((e) => describeEvent(e) !== undefined).length >= 135);
    await stream.close();

    const delivered = events.map(describeEvent).filter((d): d is string => d !== undefined);
    expect(delivered).toEqual(expected);
    expect(server.stats.dropped).toBe(2);
    expect(server.stats.skipped).toBe(0);
    expect(stream.stats.connects).toBe(3);

    // Each drop: a `down` status with a scheduled retry, a stale event naming the instruments, then `up` again.
    const statuses = events.filter((e) => e.type === 'status').map((e) => (e.type === 'status' ? e.status : ''));
    expect(statuses.filter((s) => s === 'down')).toHaveLength(2);
    expect(statuses.filter((s) => s === 'up')).toHaveLength(3);
    const downs = events.flatMap((e, i) => (e.type === 'status' && e.status === 'down' ? [i] : []));
    for (const i of downs) {
      const down = events[i]!;
      expect(down.type === 'status' && down.retryInMs !== undefined && down.retryInMs > 0).toBe(true);
      const stale = events[i + 1]!;
      expect(stale.type).toBe('stale');
      if (stale.type === 'stale') {
        expect(stale.reason).toBe('feed-down');
        expect(stale.symbols.length).toBeGreaterThan(0);
      }
      // No data while down: the next data event comes only after an `up`.
      const nextUp = events.findIndex((e, j) => j > i && e.type === 'status' && e.status === 'up');
      const nextData = events.findIndex((e, j) => j > i && describeEvent(e) !== undefined);
      expect(nextUp).toBeGreaterThan(i);
      expect(nextData).toBeGreaterThan(nextUp);
    }
    expect(statuses.at(-1)).toBe('closed');
    // close() closed ccxt's socket: the server sees no connection left.
    for (let i = 0; i < 200 && server.subscribedChannels().size > 0; i++) await new Promise((r) => setTimeout(r, 5));
    expect(server.subscribedChannels().size).toBe(0);
  });

  it('treats a venue rate-limit error (10028, then the session kill) as a cool-down and still loses nothing', async () => {
    const expected = recordedSequence(['ticker']);
    const { server, stream } = await setup([], false, [70]);
    const events = await collect(stream, (evs) => evs.filter((e) => e.type === 'quote').length >= expected.length);
    const delivered = events.map(describeEvent).filter((d): d is string => d !== undefined);
    expect(delivered).toEqual(expected);
    expect(server.stats.dropped).toBe(1);
    const limited = events.filter((e) => e.type === 'status' && e.status === 'rate-limited');
    expect(limited).toHaveLength(1);
    expect(limited[0]!.type === 'status' && limited[0]!.retryInMs).toBeGreaterThanOrEqual(60);
    expect(events.some((e) => e.type === 'status' && e.status === 'down')).toBe(false);
    expect(events.some((e) => e.type === 'stale' && e.reason === 'feed-down')).toBe(true);
  });

  it('normalises through ccxt and the Deribit adapter: percent IVs become decimals, recorded times are kept', async () => {
    const { stream } = await setup([], false);
    const events = await collect(stream, (evs) => evs.filter((e) => e.type === 'quote').length >= 89);
    await stream.close();
    const quotes = events.flatMap((e) => (e.type === 'quote' ? [e] : []));
    expect(quotes).toHaveLength(89);
    // First frame of the capture: ETH-30JUL21-2800-C, mark_iv 120.74, bid_iv 115.62, underlying_price 2003.61,
    // best bid 0.0015 ETH, mark_price 0.001972 ETH, timestamp 1626993723632 (read from the fixture by hand).
    const first = quotes[0]!;
    const q = first.quote as OptionQuote;
    expect(q.instrument.venueId).toBe('ETH-30JUL21-2800-C');
    expect(q.markIv).toBeCloseTo(1.2074, 12);
    expect(q.bidIv).toBeCloseTo(1.1562, 12);
    expect(q.forward).toBe(2003.61);
    expect(q.bidSettle).toBe(0.0015);
    expect(q.markQuote).toBeCloseTo(0.001972 * 2003.61, 9);
    expect(q.timestampMs).toBe(1626993723632);
    // Judged on the replay's own clock the 2021 quotes are fresh; on today's wall clock they would be years old.
    expect(first.stale).toBe(false);
    expect(first.receivedAtMs).toBeGreaterThanOrEqual(1626993723632);
    expect(first.receivedAtMs).toBeLessThan(1626993723632 + 60_000);
  });
});
