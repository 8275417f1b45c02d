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
  /** Every order seen (seeded at start-up, then each update), for the snapshot a new subscriber gets. */
  private readonly known = new Map<string, OrderView>();
  onError: (error: unknown) => void = () => {};

  subscribe(listener: OrderListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  publish(event: OrderUpdateEvent): void {
    this.known.set(event.order.id, event.order);
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        this.onError(error);
      }
    }
  }

  /** The orders as the store holds them at start-up (the execution service reads them once). */
  seed(orders: readonly OrderView[]): void {
    for (const order of orders) if (!this.known.has(order.id)) this.known.set(order.id, order);
  }

  /** The working orders and the most recent finished ones, oldest first; empty before any order is known. */
  snapshot(finished = SNAPSHOT_FINISHED_ORDERS): OrderView[] {
    const all = [...this.known.values()].sort((a, b) => a.createdAtMs - b.createdAtMs || a.id.localeCompare(b.id));
    const done = new Set(all.filter((o) => isTerminal(o.state)).slice(-finished));
    return all.filter((o) => !isTerminal(o.state) || done.has(o));
  }
}

const buses = new WeakMap<Store, OrderUpdates>();

/** The order updates of a store (created on first use). */
export function orderUpdatesOf(store: Store): OrderUpdates {
  let bus = buses.get(store);
  if (!bus) buses.set(store, (bus = new OrderUpdates()));
  return bus;
}

export async function viewOf(orders: OrderStore, order: StoredOrder): Promise<OrderView> {
  return {
    ...order,
    remainingContracts: isTerminal(order.state) ? 0 : Math.max(0, order.contracts - order.filledContracts),
    fills: await orders.fills(order.id),
  };
}

/** Working orders and the last `finished` finished ones, oldest first. */
export async function recentOrders(orders: OrderStore, finished = SNAPSHOT_FINISHED_ORDERS): Promise<OrderView[]> {
  const all = await orders.listOrders();
  const done = all.filter((o) => isTerminal(o.state)).slice(-finished);
  const keep = new Set([...done, ...all.filter((o) => !isTerminal(o.state))]);
  const views: OrderView[] = [];
  for (const o of all) if (keep.has(o)) views.push(await viewOf(orders, o));
  return views;
}

/** The order store that publishes each order it creates and each change it records (see the module comment). */
export class ObservedOrderStore extends OrderStore {
  private constructor(
    store: Store,
    now: () => number,
    private readonly updates: OrderUpdates,
  ) {
    super(store, now);
  }

  /** `OrderStore.open`, publishing to `updates`. */
  static async openObserved(
    store: Store,
    now: (() => number) | undefined,
    updates: OrderUpdates,
  ): Promise<ObservedOrderStore> {
    const orders = new ObservedOrderStore(store, now ?? Date.now, updates);
    await orders.init();
    return orders;
  }

  override async createOrder(input: NewOrder, actor: string): Promise<StoredOrder> {
    const order = await super.createOrder(input, actor);
    await this.emit(order, []);
    return order;
  }

  override async applyUpdate(
    orderId: string,
    update: OrderUpdate,
    trades: readonly VenueTrade[],
    actor: string,
    note: string | null = null,
  ): Promise<{ order: StoredOrder; recorded: ExecutionFill[]; ticket: StoredTicket | null }> {
    const before = await this.getOrder(orderId);
    const result = await super.applyUpdate(orderId, update, trades, actor, note);
    const after = result.order;
    // A poll that found nothing new is not news.
    const changed =
      !before ||
      before.state !== after.state ||
      before.filledContracts !== after.filledContracts ||
      before.venueOrderId !== after.venueOrderId ||
      result.recorded.length > 0;
    if (changed) await this.emit(after, result.recorded);
    return result;
  }

  /** Publishes after the write committed; a failure to read or deliver it never fails the write. */
  private async emit(order: StoredOrder, recorded: ExecutionFill[]): Promise<void> {
    try {
      this.updates.publish({ order: await viewOf(this, order), fills: recorded });
    } catch (error) {
      this.updates.onError(error);
    }
  }
}
