/**
 * A bounded queue between a producer that must never block (ccxt's message handlers) and one
 * async consumer: `push` never waits, `next` waits for the next item, `end` lets the consumer drain what is queued
 * and then finish. Past `maxQueued` items the oldest are dropped (and counted through `onOverflow`), so a stalled
 * consumer cannot exhaust memory.
 */
export class EventQueue<T> {
  private items: T[] = [];
  private head = 0;
  private waiter: ((result: IteratorResult<T>) => void) | undefined;
  private endedFlag = false;

  constructor(
    private readonly maxQueued: number,
    private readonly onOverflow: () => void = () => undefined,
  ) {}

  get ended(): boolean {
    return this.endedFlag;
  }

  /** Items waiting for the consumer. */
  get size(): number {
    return this.items.length - this.head;
  }

  /** Hands `item` to a waiting consumer, else queues it; ignored after `end()`. */
  push(item: T): void {
    if (this.endedFlag) return;
    const waiter = this.waiter;
    if (waiter) {
      this.waiter = undefined;
      waiter({ done: false, value: item });
      return;
    }
    this.items.push(item);
    if (this.items.length - this.head > this.maxQueued) {
      this.head += 1;
      this.onOverflow();
    }
  }

  /** The next item; `done` once the queue has ended and is empty. One consumer: one pending `next` at a time. */
  next(): Promise<IteratorResult<T>> {
    if (this.head < this.items.length) {
      const item = this.items[this.head]!;
      this.head += 1;
      // Compact now and then: shift() on a long array is O(n) per item.
      if (this.head >= 1024 && this.head * 2 >= this.items.length) {
        this.items = this.items.slice(this.head);
        this.head = 0;
      }
      return Promise.resolve({ done: false, value: item });
    }
    if (this.endedFlag) return Promise.resolve({ done: true, value: undefined });
    return new Promise((resolve) => {
      this.waiter = resolve;
    });
  }

  /** No more items: the consumer gets what is queued, then `done`. */
  end(): void {
    this.endedFlag = true;
    const waiter = this.waiter;
    this.waiter = undefined;
    if (waiter && this.head >= this.items.length) waiter({ done: true, value: undefined });
  }
}
