import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_REQUEST_BUDGET, rateLimitedFetch, TokenBucket } from '../../../adapters/live/rateLimit.js';
import { VENUE_ADAPTERS } from '../../../adapters/venues/index.js';
import { deribitNonMatchingEngineBudget, deribitRequestBucket } from '../../../adapters/venues/deribit.js';
import { FakeTime } from './fakeTime.js';

describe('token bucket', () => {
  it('allows a burst of `capacity`, then refills at the rate', () => {
    const t = new FakeTime(0);
    const b = new TokenBucket({ capacity: 5, refillPerSecond: 2, clock: t.clock, scheduler: t });
    expect([1, 2, 3, 4, 5, 6].map(() => b.tryTake())).toEqual([true, true, true, true, true, false]);
    expect(b.msUntilAvailable(1)).toBe(500);
    t.clock.advance(499);
    expect(b.tryTake()).toBe(false);
    t.clock.advance(1);
    expect(b.tryTake()).toBe(true);
    t.clock.advance(60_000);
    expect(b.available()).toBe(5); // never above capacity
  });

  it('over any window, grants at most capacity + rate·window tokens (the venue budget is never exceeded)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 150 }), { minLength: 1, maxLength: 60 }),
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 1, max: 20 }),
        (gapsMs, capacity, ratePerSec) => {
          const t = new FakeTime(0);
          const b = new TokenBucket({ capacity, refillPerSecond: ratePerSec, clock: t.clock, scheduler: t });
          const grants: number[] = [];
          for (const gap of gapsMs) {
            t.clock.advance(gap);
            while (b.tryTake()) grants.push(t.clock.now());
          }
          for (let i = 0; i < grants.length; i++) {
            for (let j = i; j < grants.length; j++) {
              const windowMs = grants[j]! - grants[i]!;
              expect(j - i + 1).toBeLessThanOrEqual(capacity + (ratePerSec * windowMs) / 1000 + 1e-9);
            }
          }
        },
      ),
      { numRuns: 100 },
    );
  });

  it('take() waits on the scheduler for the refill, in arrival order', async () => {
    const t = new FakeTime(0);
    const b = new TokenBucket({ capacity: 2, refillPerSecond: 4, clock: t.clock, scheduler: t });
    const order: string[] = [];
    const all = ['a', 'b', 'c', 'd'].map((name) => b.take(1).then(() => order.push(`${name}@${t.clock.now()}`)));
    await t.advance(0);
    expect(order).toEqual(['a@0', 'b@0']);
    await t.advance(250);
    expect(order).toEqual(['a@0', 'b@0', 'c@250']);
    await t.advance(250);
    await Promise.all(all);
    expect(order).toEqual(['a@0', 'b@0', 'c@250', 'd@500']);
  });

  it('take() gives up without a token when aborted; drain() empties the bucket', async () => {
    const t = new FakeTime(0);
    const b = new TokenBucket({ capacity: 1, refillPerSecond: 1, clock: t.clock, scheduler: t });
    b.drain();
    expect(b.available()).toBe(0);
    const ac = new AbortController();
    const pending = b.take(1, ac.signal);
    await t.advance(100);
    ac.abort();
    expect(await pending).toBe(false);
    await t.advance(900);
    expect(b.available()).toBe(1); // the aborted take consumed nothing
  });

  it('Deribit defaults sit below the published budget (20 req/s sustained, burst 100)', () => {
    const venueRate =
      deribitNonMatchingEngineBudget.refillCreditsPerSecond / deribitNonMatchingEngineBudget.costCreditsPerRequest;
    const venueBurst = deribitNonMatchingEngineBudget.maxCredits / deribitNonMatchingEngineBudget.costCreditsPerRequest;
    expect(venueRate).toBe(20);
    expect(venueBurst).toBe(100);
    expect(deribitRequestBucket.refillPerSecond).toBeLessThan(venueRate);
    expect(deribitRequestBucket.capacity).toBeLessThan(venueBurst);
    expect(deribitRequestBucket.rateLimitCooldownMs).toBe(5000);
  });

  it('venues without a budget of their own keep the one every venue ran on before the hooks: Deribit figures', () => {
    expect(DEFAULT_REQUEST_BUDGET).toEqual({ ...deribitRequestBucket });
    expect(VENUE_ADAPTERS.deribit.live?.requestBudget).toBe(deribitRequestBucket);
    for (const venue of ['okx', 'bybit', 'binance'] as const) expect(VENUE_ADAPTERS[venue].live).toBeUndefined();
  });

  it('rateLimitedFetch spends a token per request and waits when the budget is spent', async () => {
    const t = new FakeTime(0);
    const b = new TokenBucket({ capacity: 1, refillPerSecond: 10, clock: t.clock, scheduler: t });
    const calls: number[] = [];
    const f = rateLimitedFetch(async () => {
      calls.push(t.clock.now());
      return new Response('{}');
    }, b);
    const p1 = f('http://x/1');
    const p2 = f('http://x/2');
    await t.advance(0);
    expect(calls).toEqual([0]);
    await t.advance(100);
    await Promise.all([p1, p2]);
    expect(calls).toEqual([0, 100]);
  });

  it('rejects bad parameters naming them', () => {
    expect(() => new TokenBucket({ capacity: 0, refillPerSecond: 1 })).toThrow(/capacity/);
    expect(() => new TokenBucket({ capacity: 1, refillPerSecond: -1 })).toThrow(/refillPerSecond/);
    expect(() => new TokenBucket({ capacity: 1, refillPerSecond: 1 }).tryTake(2)).toThrow(/cost/);
  });
});
