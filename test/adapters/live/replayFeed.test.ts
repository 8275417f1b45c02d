/**
 * A websocket recording as a continuous, looping feed for the desk: the real 2021 Deribit frames replayed through
 * ccxt pro over loopback, labelled as a replay with the data's own time, the clock rewound with each loop.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { openReplayFeed, recordedChannels, type ReplayFeed } from '../../../adapters/live/replayFeed.js';
import { deribit2021InstrumentRecording, deribitWsFrames, recordedSequence } from './deribitFrames.js';

let feed: ReplayFeed | undefined;
afterEach(async () => {
  await feed?.close();
  feed = undefined;
});

describe('replay feed (websocket recording)', () => {
  it('loops over the recording, delivering the same BTC updates each time on the recorded clock', async () => {
    const recording = deribit2021InstrumentRecording(deribitWsFrames());
    const channels = recordedChannels(recording);
    expect(channels.tickers).toHaveLength(10);
    expect(channels.books).toHaveLength(10);
    feed = await openReplayFeed({ recording, underlying: 'BTC', speed: 400, maxGapMs: 2, loop: true });
    expect(feed.mode).toBe('websocket');
    // Only BTC instruments load for underlying BTC: 7 tickers and 7 books are subscribed, ETH frames are skipped.
    expect(
      feed.subscriptions.map((s) => (s.kind === 'tickers' || s.kind === 'orderBooks' ? s.symbols.length : 0)),
    ).toEqual([7, 7]);
    const expected = recordedSequence(['ticker', 'book']).filter((s) => s.split(' ')[1]!.startsWith('BTC-'));
    const delivered: string[] = [];
    const books: string[] = [];
    for await (const e of feed.stream) {
      if (e.type === 'quote') delivered.push(`ticker ${e.quote.instrument.venueId} ${e.quote.timestampMs}`);
      if (e.type === 'book') {
        delivered.push(`book ${e.instrument.venueId} ${e.timestampMs}`);
        books.push(JSON.stringify([e.symbol, e.bids, e.asks]));
      }
      if (delivered.length === 2 * expected.length) break;
    }
    expect(delivered.slice(0, expected.length)).toEqual(expected);
    expect(delivered.slice(expected.length)).toEqual(expected);
    // Book levels too: each loop's snapshot rebuilds the book (ccxt alone would merge it into the old one and keep
    // levels deleted since, e.g. on BTC-24SEP21-34000-P and BTC-31DEC21-300000-C in this capture).
    const perLoop = expected.filter((x) => x.startsWith('book ')).length;
    expect(perLoop).toBe(42);
    expect(books).toHaveLength(2 * perLoop);
    expect(books.slice(perLoop)).toEqual(books.slice(0, perLoop));
    expect(feed.clock.loops).toBeGreaterThanOrEqual(1);
    const source = feed.source();
    expect(source.kind).toBe('replay');
    expect(source.label).toMatch(/looping/);
    // The data's own time (2021-07-22), never the wall clock.
    expect(new Date(source.dataTimeMs).toISOString().slice(0, 10)).toBe('2021-07-22');
  });
});
