/**
 * Order updates as they are written: every order created and every change the venue reported (state, filled
 * contracts, fills) is published, after its transaction, to the listeners of the store's `OrderUpdates` (the hub,
 * which fans them out on the `/ws` stream as `order` messages). The bus is one per store (`orderUpdatesOf`), so the
 * order manager that writes and the stream that reads find each other through the store they share, whoever built
 * them.
 *
 * `ObservedOrderStore` is the order store that publishes: it adds nothing to the writes, and a listener that throws
 * never fails a write (the write is committed before anyone hears of it).
 */
import type { Store, StoredTicket } from '../store/index.js';
import type { VenueTrade } from './gateway.js';
import { OrderStore } from './orderStore.js';
import type { ExecutionFill, NewOrder, OrderUpdate, StoredOrder } from './orderStore.js';
import { isTerminal } from './orderState.js';

/** An order as the stream shows it: the stored order, what is left of it, and every fill of it so far. */
export interface OrderView extends StoredOrder {
  remainingContracts: number;
  fills: ExecutionFill[];
}

export interface OrderUpdateEvent {
  order: OrderView;
  /** The fills recorded by this update (also in `order.fills`, with the earlier ones). */
  fills: ExecutionFill[];
}

export type OrderListener = (event: OrderUpdateEvent) => void;

/** Working orders and at most this many of the most recent finished ones make a snapshot. */
export const SNAPSHOT_FINISHED_ORDERS = 50;

export class OrderUpdates {
  private readonly listeners = new Set<OrderListener>();
  private source: (() => OrderView[]) | null = null;
  onError: (error: unknown) => void = () => {};

  subscribe(listener: OrderListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  publish(event: OrderUpdateEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        this.onError(error);
      }
    }
  }

  /** Where snapshots come from (the execution service's order store); the last one set wins. */
  provide(source: () => OrderView[]): void {
    this.source = source;
  }

  /** The working orders and the most recent finished ones, oldest first; empty before an order store provides. */
  snapshot(): OrderView[] {
    return this.source?.() ?? [];
  }
}

const buses = new WeakMap<Store, OrderUpdates>();

/** The order updates of a store (created on first use). */
export function orderUpdatesOf(store: Store): OrderUpdates {
  let bus = buses.get(store);
  if (!bus) buses.set(store, (bus = new OrderUpdates()));
  return bus;
}

export function viewOf(orders: OrderStore, order: StoredOrder): OrderView {
  return {
    ...order,
    remainingContracts: isTerminal(order.state) ? 0 : Math.max(0, order.contracts - order.filledContracts),
    fills: orders.fills(order.id),
  };
}

/** Working orders and the last `finished` finished ones, oldest first. */
export function recentOrders(orders: OrderStore, finished = SNAPSHOT_FINISHED_ORDERS): OrderView[] {
  const all = orders.listOrders();
  const done = all.filter((o) => isTerminal(o.state)).slice(-finished);
  const keep = new Set([...done, ...all.filter((o) => !isTerminal(o.state))]);
  return all.filter((o) => keep.has(o)).map((o) => viewOf(orders, o));
}

/** The order store that publishes each order it creates and each change it records (see the module comment). */
export class ObservedOrderStore extends OrderStore {
  constructor(
    store: Store,
    now: (() => number) | undefined,
    private readonly updates: OrderUpdates,
  ) {
    super(store, now);
  }

  override createOrder(input: NewOrder, actor: string): StoredOrder {
    const order = super.createOrder(input, actor);
    this.emit(order, []);
    return order;
  }

  override applyUpdate(
    orderId: string,
    update: OrderUpdate,
    trades: readonly VenueTrade[],
    actor: string,
    note: string | null = null,
  ): { order: StoredOrder; recorded: ExecutionFill[]; ticket: StoredTicket | null } {
    const before = this.getOrder(orderId);
    const result = super.applyUpdate(orderId, update, trades, actor, note);
    const after = result.order;
    // A poll that found nothing new is not news.
    const changed =
      !before ||
      before.state !== after.state ||
      before.filledContracts !== after.filledContracts ||
      before.venueOrderId !== after.venueOrderId ||
      result.recorded.length > 0;
    if (changed) this.emit(after, result.recorded);
    return result;
  }

  private emit(order: StoredOrder, recorded: ExecutionFill[]): void {
    try {
      this.updates.publish({ order: viewOf(this, order), fills: recorded });
    } catch (error) {
      this.updates.onError(error);
    }
  }
}
