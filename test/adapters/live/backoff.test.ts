import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  Backoff,
  backoffCeilingMs,
  backoffDelayMs,
  checkBackoffPolicy,
  defaultBackoffPolicy,
  type BackoffPolicy,
} from '../../../adapters/live/backoff.js';

const policyArb: fc.Arbitrary<BackoffPolicy> = fc
  .record({
    initialDelayMs: fc.double({ min: 0, max: 10_000, noNaN: true }),
    extra: fc.double({ min: 0, max: 100_000, noNaN: true }),
    factor: fc.double({ min: 1, max: 5, noNaN: true }),
    jitter: fc.double({ min: 0, max: 1, noNaN: true }),
    resetAfterMs: fc.double({ min: 0, max: 100_000, noNaN: true }),
  })
  .map(({ initialDelayMs, extra, factor, jitter, resetAfterMs }) => ({
    initialDelayMs,
    maxDelayMs: initialDelayMs + extra,
    factor,
    jitter,
    resetAfterMs,
  }));

describe('backoff schedule', () => {
  it('stays within [ceiling·(1−jitter), ceiling] and never exceeds the cap', () => {
    fc.assert(
      fc.property(policyArb, fc.nat(200), fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), (p, n, u) => {
        const ceiling = backoffCeilingMs(n, p);
        const delay = backoffDelayMs(n, p, () => u);
        expect(ceiling).toBeLessThanOrEqual(p.maxDelayMs);
        expect(delay).toBeLessThanOrEqual(ceiling + 1e-9);
        expect(delay).toBeGreaterThanOrEqual(ceiling * (1 - p.jitter) - 1e-9);
        expect(Number.isFinite(delay)).toBe(true);
      }),
    );
  });

  it('ceilings grow monotonically with the attempt and reach the cap', () => {
    fc.assert(
      fc.property(policyArb, fc.nat(100), (p, n) => {
        expect(backoffCeilingMs(n + 1, p)).toBeGreaterThanOrEqual(backoffCeilingMs(n, p));
      }),
    );
    const p = { ...defaultBackoffPolicy, jitter: 0 };
    expect([0, 1, 2, 3, 4].map((n) => backoffCeilingMs(n, p))).toEqual([500, 1000, 2000, 4000, 8000]);
    expect(backoffCeilingMs(6, p)).toBe(30_000);
    expect(backoffCeilingMs(10_000, p)).toBe(30_000);
  });

  it('jitter spreads the delays: different random draws give different waits', () => {
    const p = { ...defaultBackoffPolicy, jitter: 0.5 };
    expect(backoffDelayMs(2, p, () => 0)).toBe(2000);
    expect(backoffDelayMs(2, p, () => 0.5)).toBe(1500);
    expect(backoffDelayMs(2, p, () => 0.999)).toBeCloseTo(1001, 6);
  });

  it('Backoff counts attempts and resets after a connection that lived long enough', () => {
    const b = new Backoff({ initialDelayMs: 100, maxDelayMs: 1000, factor: 2, jitter: 0, resetAfterMs: 5000 }, () => 0);
    expect([b.next(0), b.next(10), b.next(20), b.next(30), b.next(40)]).toEqual([100, 200, 400, 800, 1000]);
    b.connected(1000);
    expect(b.next(2000)).toBe(1000); // lived 1 s < 5 s: still backing off
    b.connected(3000);
    expect(b.next(9000)).toBe(100); // lived 6 s: healthy, start over
    expect(b.attempts).toBe(1);
  });

  it('rejects bad policies naming the field', () => {
    expect(() => checkBackoffPolicy({ ...defaultBackoffPolicy, factor: 0.5 })).toThrow(/factor/);
    expect(() => checkBackoffPolicy({ ...defaultBackoffPolicy, jitter: 1.5 })).toThrow(/jitter/);
    expect(() => checkBackoffPolicy({ ...defaultBackoffPolicy, maxDelayMs: 1 })).toThrow(/maxDelayMs/);
    expect(() => backoffCeilingMs(-1, defaultBackoffPolicy)).toThrow(/attempt/);
  });
});
