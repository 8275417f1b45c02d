import { describe, expect, it } from 'vitest';
import { ManualClock, ReplayClock } from '../../../adapters/clock.js';
import { isStale, StalenessTracker } from '../../../adapters/live/staleness.js';

describe('staleness', () => {
  it('is judged on the given clock against the quote timestamp', () => {
    expect(isStale(1000, 1500, 500)).toBe(false);
    expect(isStale(1000, 1501, 500)).toBe(true);
    expect(isStale(undefined, 0, 500)).toBe(true);
    expect(isStale(Number.NaN, 0, 500)).toBe(true);
  });

  it('marks every quote stale while the feed is down, whatever its age', () => {
    const clock = new ManualClock(10_000);
    const s = new StalenessTracker(1000, clock);
    s.record('A', 9_900);
    expect(s.view('A')).toMatchObject({ stale: true, reason: 'feed-down' }); // not yet up
    s.markUp();
    expect(s.view('A')).toEqual({ key: 'A', timestampMs: 9_900, ageMs: 100, stale: false });
    s.markDown();
    expect(s.view('A')).toMatchObject({ stale: true, reason: 'feed-down', ageMs: 100 });
    s.markUp();
    clock.advance(1000);
    expect(s.view('A')).toMatchObject({ stale: true, reason: 'age', ageMs: 1100 });
    expect(s.staleKeys()).toEqual(['A']);
  });

  it('keeps the newest timestamp when updates arrive out of order', () => {
    const s = new StalenessTracker(1000, new ManualClock(0));
    s.record('A', 500);
    s.record('A', 400);
    expect(s.view('A').timestampMs).toBe(500);
  });
});

describe('replay clock', () => {
  it('runs at `speed` on the wall clock, pauses, jumps forward and rewinds', () => {
    const wall = new ManualClock(1_000_000);
    const c = new ReplayClock({ startMs: 1626993720000, speed: 100, wall, paused: true });
    expect(c.kind).toBe('replay');
    wall.advance(50);
    expect(c.now()).toBe(1626993720000); // paused: recorded time stands still
    c.resume();
    wall.advance(50);
    expect(c.now()).toBe(1626993725000);
    expect(c.wallDelayUntil(1626993726000)).toBe(10);
    c.pause();
    wall.advance(1000);
    expect(c.now()).toBe(1626993725000);
    expect(c.wallDelayUntil(1626993726000)).toBe(Number.POSITIVE_INFINITY);
    c.resume();
    c.advanceTo(1626993730000);
    expect(c.now()).toBe(1626993730000);
    c.advanceTo(1626993700000); // never backwards
    expect(c.now()).toBe(1626993730000);
    c.rewind();
    expect(c.now()).toBe(1626993720000);
    expect(c.loops).toBe(1);
    expect(() => new ReplayClock({ startMs: 0, speed: 0 })).toThrow(/speed/);
  });
});
