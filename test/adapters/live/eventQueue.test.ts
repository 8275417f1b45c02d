/** The stream's event queue: hand-off to a waiting consumer, bounded backlog, drain-then-done after `end()`. */
import { describe, expect, it } from 'vitest';
import { EventQueue } from '../../../adapters/live/eventQueue.js';

describe('EventQueue', () => {
  it('hands an item to a waiting consumer, queues otherwise, in order', async () => {
    const q = new EventQueue<number>(10);
    const first = q.next();
    q.push(1);
    q.push(2);
    q.push(3);
    expect(await first).toEqual({ done: false, value: 1 });
    expect(await q.next()).toEqual({ done: false, value: 2 });
    expect(q.size).toBe(1);
    expect(await q.next()).toEqual({ done: false, value: 3 });
  });

  it('drops the oldest past the bound and counts each drop', async () => {
    let dropped = 0;
    const q = new EventQueue<number>(2, () => (dropped += 1));
    for (const n of [1, 2, 3, 4]) q.push(n);
    expect(dropped).toBe(2);
    expect(await q.next()).toEqual({ done: false, value: 3 });
    expect(await q.next()).toEqual({ done: false, value: 4 });
  });

  it('after end() delivers what is queued, then done; later pushes are ignored', async () => {
    const q = new EventQueue<number>(10);
    q.push(1);
    q.end();
    q.push(2);
    expect(await q.next()).toEqual({ done: false, value: 1 });
    expect(await q.next()).toEqual({ done: true, value: undefined });
    const waiting = new EventQueue<number>(10);
    const pending = waiting.next();
    waiting.end();
    expect(await pending).toEqual({ done: true, value: undefined });
    expect(waiting.ended).toBe(true);
  });

  it('keeps order across its compaction of a long backlog', async () => {
    const q = new EventQueue<number>(10_000);
    for (let i = 0; i < 5_000; i += 1) q.push(i);
    const out: number[] = [];
    for (let i = 0; i < 5_000; i += 1) out.push(((await q.next()) as IteratorYieldResult<number>).value);
    expect(out).toEqual(Array.from({ length: 5_000 }, (_, i) => i));
  });
});
