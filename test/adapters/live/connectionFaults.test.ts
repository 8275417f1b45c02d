/**
 * Two faults of the connection state machine found running the service on a loopback venue under load:
 * - a subscribe sent on a socket the venue closed between open and send fails with ws's plain
 *   `WebSocket is not open` (ccxt passes it through): it must count as a network failure worth a redial, not as a
 *   permanent one that drops the subscription for good;
 * - a socket opened by a retry while a redial gate was pending: when the gate then announces `connecting`, the
 *   next frame must announce `up` again, or the feed reads `connecting` while data flows.
 */
import { describe, expect, it } from 'vitest';
import { Backoff } from '../../../adapters/live/backoff.js';
import { Connection } from '../../../adapters/live/connection.js';
import type { FeedStatus } from '../../../adapters/live/events.js';
import { TokenBucket } from '../../../adapters/live/rateLimit.js';
import { StalenessTracker } from '../../../adapters/live/staleness.js';
import { VenueError } from '../../../adapters/errors.js';
import { FakeTime } from './fakeTime.js';

function connection(time: FakeTime, statuses: FeedStatus[]) {
  const staleness = new StalenessTracker(10_000, time.clock);
  const c = new Connection({
    venue: 'deribit',
    clock: time.clock,
    scheduler: time,
    signal: new AbortController().signal,
    backoff: new Backoff({ initialDelayMs: 100, maxDelayMs: 1000, factor: 2, jitter: 0, resetAfterMs: 5000 }),
    bucket: new TokenBucket({ capacity: 10, refillPerSecond: 10, scheduler: time }),
    staleness,
    idleTimeoutMs: 0,
    rateLimitCooldownMs: 5000,
    isRateLimitText: (t) => t.includes('10028'),
    emitStatus: (status) => statuses.push(status),
    onFeedDown: () => {},
    dropSockets: () => {},
  });
  return { c, staleness };
}

describe('connection faults', () => {
  it("classifies ws's `WebSocket is not open` as a retryable network failure", () => {
    const { c } = connection(new FakeTime(), []);
    const e = c.classify(new Error('WebSocket is not open: readyState 3 (CLOSED)'));
    expect(e).toBeInstanceOf(VenueError);
    expect((e as VenueError).kind).toBe('network');
    expect((e as VenueError).retryable).toBe(true);
    // Anything else unknown stays what it was: not retryable.
    const other = c.classify(new Error('something else entirely'));
    expect((other as VenueError).kind).toBe('unknown');
    expect((other as VenueError).retryable).toBe(false);
  });

  it('announces up again on the first frame after a late `connecting`', async () => {
    const time = new FakeTime(1_000_000);
    const statuses: FeedStatus[] = [];
    const { c, staleness } = connection(time, statuses);
    c.socketOpened();
    c.frame('{"jsonrpc":"2.0","id":1,"result":[]}');
    expect(statuses).toEqual(['up']);
    // A socket of the failed generation goes down; a retry has meanwhile opened a new one and it delivers.
    c.goDown(new Error('socket hang up'), 'subscribe failed');
    c.socketOpened();
    c.frame('{"jsonrpc":"2.0","method":"subscription"}');
    // The redial gate opens after the backoff and announces `connecting` ...
    await time.advance(200);
    expect(statuses.at(-1)).toBe('connecting');
    // ... and the next frame on the open socket says the feed is up, with its quotes no longer down.
    c.frame('{"jsonrpc":"2.0","method":"subscription"}');
    expect(statuses.at(-1)).toBe('up');
    expect(staleness.feedDown).toBe(false);
  });
});
