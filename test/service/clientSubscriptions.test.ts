/**
 * A client's subscriptions and pending frames (src/service/clientSubscriptions.ts) against a plain model: an
 * insertion-ordered Map of key -> latest frame, emptied on every take. fast-check drives random sequences of
 * subscribe, unsubscribe, put, take and drop; both must agree on every step.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ClientSubscriptions } from '../../src/service/clientSubscriptions.js';

type Op =
  | { op: 'add'; key: string }
  | { op: 'delete'; key: string }
  | { op: 'put'; key: string; byte: number }
  | { op: 'take' }
  | { op: 'drop' };

const frame = (byte: number) => Buffer.from([byte, byte]);

describe('ClientSubscriptions', () => {
  it('keeps the latest frame per subscription, in first-pending order, and sends them in one buffer', () => {
    const subs = new ClientSubscriptions();
    subs.add('a');
    subs.add('b');
    expect(subs.put('b', frame(1))).toBe('queued');
    expect(subs.put('a', frame(2))).toBe('queued');
    expect(subs.put('b', frame(3))).toBe('replaced');
    expect(subs.put('c', frame(4))).toBe('ignored');
    expect(subs.pendingCount).toBe(2);
    expect([...subs.take()!]).toEqual([3, 3, 2, 2]);
    expect(subs.take()).toBeNull();
    subs.put('a', frame(5));
    const only = frame(6);
    subs.delete('a');
    subs.put('b', only);
    // A single pending frame is handed over as is, not copied.
    expect(subs.take()).toBe(only);
  });

  it('agrees with an ordered-map model on random operation sequences', () => {
    const key = fc.constantFrom('p1', 'p2', 'p3', 'p4', '\u0000book');
    const op: fc.Arbitrary<Op> = fc.oneof(
      key.map((k) => ({ op: 'add' as const, key: k })),
      key.map((k) => ({ op: 'delete' as const, key: k })),
      fc.tuple(key, fc.integer({ min: 0, max: 255 })).map(([k, byte]) => ({ op: 'put' as const, key: k, byte })),
      fc.constant({ op: 'take' as const }),
      fc.constant({ op: 'drop' as const }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const subs = new ClientSubscriptions();
        const keys = new Set<string>();
        let pending = new Map<string, number>();
        for (const o of ops) {
          if (o.op === 'add') {
            subs.add(o.key);
            keys.add(o.key);
          } else if (o.op === 'delete') {
            subs.delete(o.key);
            keys.delete(o.key);
            pending.delete(o.key);
          } else if (o.op === 'put') {
            const expected = !keys.has(o.key) ? 'ignored' : pending.has(o.key) ? 'replaced' : 'queued';
            expect(subs.put(o.key, frame(o.byte))).toBe(expected);
            if (keys.has(o.key)) pending.set(o.key, o.byte);
          } else if (o.op === 'take') {
            const out = subs.take();
            const want = [...pending.values()].flatMap((b) => [b, b]);
            if (want.length === 0) expect(out).toBeNull();
            else expect([...out!]).toEqual(want);
            pending = new Map();
          } else {
            subs.dropPending();
            pending = new Map();
          }
          expect(subs.size).toBe(keys.size);
          expect(subs.pendingCount).toBe(pending.size);
          expect(new Set(subs.keys())).toEqual(keys);
        }
      }),
      { numRuns: 400, seed: 20261126 },
    );
  });
});
