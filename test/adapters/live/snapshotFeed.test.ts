/**
 * The built-in REST-only recording (the reconstructed 2026-05-26 Deribit BTC chain) as a feed on its own replay
 * clock: quotes come through ccxt and the Deribit adapter with their recorded timestamps, age on the replay clock,
 * and a looping feed rewinds its clock with the data rather than presenting old quotes as new.
 */
import { describe, expect, it } from 'vitest';
import { builtinRecording } from '../../../adapters/builtin/index.js';
import { openReplayFeed } from '../../../adapters/live/replayFeed.js';
import { openSnapshotFeed } from '../../../adapters/live/snapshotFeed.js';
import type { LiveEvent } from '../../../adapters/live/stream.js';
import { FakeTime, settle } from './fakeTime.js';

describe('snapshot feed (built-in recording)', () => {
  it('delivers the recorded chain on the replay clock, raises staleness as it ages, and loops honestly', async () => {
    const { recording } = builtinRecording('deribit', 'BTC');
    const wall = new FakeTime(5_000_000);
    const feed = await openSnapshotFeed({
      recording,
      underlying: 'BTC',
      speed: 1,
      loop: true,
      loopPeriodMs: 30_000,
      maxAgeMs: 10_000,
      staleCheckIntervalMs: 1_000,
      wall: wall.clock,
      scheduler: wall,
    });
    const events: LiveEvent[] = [];
    const done = (async () => {
      for await (const e of feed.stream) events.push(e);
    })();
    await settle();
    const quotes = events.filter((e) => e.type === 'quote');
    expect(quotes.length).toBeGreaterThanOrEqual(878);
    const stamps = quotes.map((e) => (e.type === 'quote' ? e.quote.timestampMs : 0));
    const dataTime = Math.max(...stamps);
    // The data's own time (2026-05-26 evening UTC), not the wall clock of the test.
    expect(new Date(dataTime).toISOString().slice(0, 10)).toBe('2026-05-26');
    expect(feed.source()).toMatchObject({ kind: 'replay', dataTimeMs: dataTime });
    expect(feed.source().label).toMatch(/snapshot, looping/);
    const freshAtStart = quotes.filter((e) => e.type === 'quote' && !e.stale).length;
    expect(freshAtStart).toBeGreaterThan(0);

    // 10 s of replay time later every quote is older than the limit: one stale event names those not yet flagged.
    await wall.advance(11_000);
    const staleEvents = events.filter((e) => e.type === 'stale');
    expect(staleEvents).toHaveLength(1);
    expect(staleEvents[0]!.type === 'stale' && staleEvents[0]!.symbols.length).toBe(freshAtStart);
    expect(feed.stream.staleness.staleKeys()).toHaveLength(
      new Set(quotes.map((e) => (e.type === 'quote' ? e.symbol : ''))).size,
    );

    // At 30 s of replay time the loop starts over: the clock goes back to the data's time with the data.
    const before = events.length;
    await wall.advance(19_000);
    expect(feed.clock.loops).toBe(1);
    expect(feed.clock.now()).toBe(dataTime);
    const second = events.slice(before).filter((e) => e.type === 'quote');
    expect(second).toHaveLength(quotes.length);
    expect(second.filter((e) => e.type === 'quote' && !e.stale)).toHaveLength(freshAtStart);

    await feed.close();
    await done;
    expect(events.at(-1)).toMatchObject({ type: 'status', status: 'closed' });
  });

  it('openReplayFeed picks the snapshot mode for a recording without websocket frames', async () => {
    const { recording } = builtinRecording('deribit', 'BTC');
    const feed = await openReplayFeed({ recording });
    expect(feed.mode).toBe('snapshot');
    expect(feed.server).toBeUndefined();
    let quotes = 0;
    for await (const e of feed.stream) {
      if (e.type === 'quote') quotes += 1;
      if (e.type === 'quote' && quotes === 10) void feed.close();
    }
    expect(quotes).toBeGreaterThanOrEqual(10);
    expect(feed.stream.closed).toBe(true);
  });
});
