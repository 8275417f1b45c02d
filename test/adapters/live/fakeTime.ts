/** A manual clock with timers, for driving backoff, buckets and idle detection on fake time. */
import { ManualClock, type Scheduler, type TimerHandle } from '../../../adapters/clock.js';

interface Timer {
  id: number;
  atMs: number;
  callback: () => void;
}

export class FakeTime implements Scheduler {
  readonly clock: ManualClock;
  private timers: Timer[] = [];
  private nextId = 1;
  /** Every delay ever scheduled, in order. */
  readonly scheduled: number[] = [];

  constructor(startMs = 0) {
    this.clock = new ManualClock(startMs);
  }

  setTimeout(callback: () => void, delayMs: number): TimerHandle {
    const id = this.nextId++;
    this.scheduled.push(delayMs);
    this.timers.push({ id, atMs: this.clock.now() + Math.max(0, delayMs), callback });
    return id;
  }

  clearTimeout(handle: TimerHandle): void {
    this.timers = this.timers.filter((t) => t.id !== handle);
  }

  get pending(): number {
    return this.timers.length;
  }

  /** Moves time forward by `ms`, firing due timers in time order and letting promise chains settle between. */
  async advance(ms: number): Promise<void> {
    const end = this.clock.now() + ms;
    for (;;) {
      await settle();
      const due = this.timers.filter((t) => t.atMs <= end).sort((a, b) => a.atMs - b.atMs || a.id - b.id)[0];
      if (!due) break;
      this.timers = this.timers.filter((t) => t !== due);
      this.clock.set(Math.max(this.clock.now(), due.atMs));
      due.callback();
    }
    this.clock.set(end);
    await settle();
  }
}

/** Lets pending promise callbacks run (several macrotask turns). */
export async function settle(turns = 5): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise((resolve) => setImmediate(resolve));
}
