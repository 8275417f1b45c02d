/**
 * Following orders by subscription: ccxt pro's `watchOrders` and `watchMyTrades` (on Deribit, `private/subscribe` to
 * `user.orders.any.any.raw` and `user.trades.any.any.raw` after a `public/auth` with a client signature,
 * `js/src/pro/deribit.js`), kept running for the gateway's life. Each push is kept per order (by its label, the
 * client order id) with every fill pushed for it, and wakes the follower of that order (orderSync.ts).
 *
 * The feed reads the socket's messages through a wrapper of the exchange's `handleMessage`, installed before ccxt
 * creates its websocket client (ccxt binds the handler at that moment), for two reasons:
 * - ccxt pro tells nobody when a subscription is acknowledged (deribit.js `handleMessage` drops `{id, result:
 *   [channels]}` answers), yet a follower must know from when pushes can be trusted;
 * - a watch resolves one future per call: two pushes of one channel parsed from one socket read resolve it once, and
 *   the second waits in ccxt's cache until a later push resolves the next call (seen here: a fill kept back ten
 *   seconds). So each `user.orders.*`/`user.trades.*` notification is taken as ccxt's handler receives it, parsed by
 *   ccxt's own `parseOrder`/`parseTrades`; the watch loops only keep the subscriptions (and see them fail).
 * The feed is live once both channels are acknowledged on the current connection; a failed watch (a dropped
 * connection, a refused auth) makes it not live until ccxt has reconnected and both channels are acknowledged again,
 * and `generation` then grows (see `OrderFeed` in gateway.ts).
 */
import type { Exchange, Order, Trade } from 'ccxt';
import type { OrderFeed, PushedOrder, VenueOrder, VenueTrade } from './gateway.js';
import { MS_PER_SECOND } from '../../../hedging/index.js';

export interface FeedConverters {
  toOrder(order: Order, underlying: string): Promise<VenueOrder>;
  toTrade(trade: Trade, underlying: string): Promise<VenueTrade>;
}

export interface CcxtOrderFeedOptions {
  exchange: Exchange;
  convert: FeedConverters;
  /** Before the first subscription: the underlying's markets loaded, the websocket URL pointed (gateway). */
  prepare: (underlying: string) => Promise<void>;
  /** Pause after a failed watch before the next (ccxt adds its own reconnect backoff). */
  retryMs?: number;
  log?: { warn: (obj: object, msg?: string) => void; info: (obj: object, msg?: string) => void };
}

type Channel = 'orders' | 'trades';

/** Pushed orders kept (with their trades); ccxt's own caches keep 1000. */
const MAX_ORDERS_KEPT = 5000;

interface Waiter {
  label: string | null;
  resolve: () => void;
}

function labelOf(item: { info?: unknown; clientOrderId?: string | undefined }): string | null {
  const info = (item.info ?? {}) as Record<string, unknown>;
  if (typeof info.label === 'string' && info.label !== '') return info.label;
  return item.clientOrderId ?? null;
}

export class CcxtOrderFeed implements OrderFeed {
  generation = 0;
  private live = false;
  private closed = false;
  private running: Promise<void> | null = null;
  private readonly acked = new Set<Channel>();
  /** Latest pushed order by label, and the order's venue id -> label (trades name the order id). */
  private readonly orders = new Map<string, Order>();
  private readonly labelByOrderId = new Map<string, string>();
  /** Pushed trades by venue order id, then by trade id (ccxt's trade cache answers with all of them each time). */
  private readonly trades = new Map<string, Map<string, Trade>>();
  private readonly waiters = new Set<Waiter>();
  private readonly retryMs: number;

  constructor(private readonly options: CcxtOrderFeedOptions) {
    this.retryMs = options.retryMs ?? MS_PER_SECOND / 4;
    const exchange = options.exchange as unknown as {
      handleMessage: (client: unknown, message: unknown) => unknown;
    };
    const original = exchange.handleMessage.bind(exchange);
    exchange.handleMessage = (client: unknown, message: unknown) => {
      try {
        return original(client, message);
      } finally {
        this.onRaw(message);
      }
    };
  }

  isLive(): boolean {
    return this.live;
  }

  async start(underlying: string, timeoutMs: number): Promise<boolean> {
    if (this.closed) return false;
    if (this.running) return this.live;
    this.running = (async () => {
      await this.options.prepare(underlying);
      void this.loop('orders');
      void this.loop('trades');
    })();
    try {
      await this.running;
    } catch (error) {
      this.running = null;
      this.options.log?.warn({ err: error }, 'order subscription could not start; following by polling');
      return false;
    }
    if (!this.live) await this.waitForChange(null, timeoutMs);
    return this.live;
  }

  async latest(clientOrderId: string, underlying: string): Promise<PushedOrder | null> {
    const raw = this.orders.get(clientOrderId);
    if (!raw) return null;
    try {
      const order = await this.options.convert.toOrder(raw, underlying);
      const trades: VenueTrade[] = [];
      for (const t of this.trades.get(order.venueOrderId)?.values() ?? []) {
        trades.push(await this.options.convert.toTrade(t, underlying));
      }
      return { order, trades };
    } catch (error) {
      // A push the gateway cannot read (another underlying's instrument): the follower polls instead.
      this.options.log?.warn({ orderId: clientOrderId, err: error }, 'a pushed order could not be read');
      return null;
    }
  }

  waitForChange(clientOrderId: string | null, timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const waiter: Waiter = {
        label: clientOrderId,
        resolve: () => {
          clearTimeout(timer);
          this.waiters.delete(waiter);
          resolve();
        },
      };
      const timer = setTimeout(waiter.resolve, Math.max(0, timeoutMs));
      this.waiters.add(waiter);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    this.setLive(false);
  }

  /** Wakes the waiters of `label` (null: every waiter, on a change of liveness). */
  private wake(label: string | null): void {
    for (const w of [...this.waiters]) if (label === null || w.label === null || w.label === label) w.resolve();
  }

  private setLive(live: boolean): void {
    if (live === this.live) return;
    this.live = live;
    if (live) this.generation++;
    this.options.log?.info(
      { live, generation: this.generation },
      live ? 'order subscription up' : 'order subscription down',
    );
    this.wake(null);
  }

  /** A socket message: a notification of our channels, or the venue's answer to `private/subscribe`. */
  private onRaw(message: unknown): void {
    const m = message as { id?: unknown; result?: unknown; method?: unknown; params?: unknown } | null;
    if (!m) return;
    if (m.method === 'subscription') return this.onNotification(m.params);
    if (m.id === undefined || !Array.isArray(m.result)) return;
    for (const channel of m.result) {
      if (typeof channel !== 'string') continue;
      if (channel.startsWith('user.orders.')) this.acked.add('orders');
      if (channel.startsWith('user.trades.')) this.acked.add('trades');
    }
    if (this.acked.size === 2) this.setLive(true);
  }

  private onNotification(params: unknown): void {
    const p = (params ?? {}) as { channel?: unknown; data?: unknown };
    if (typeof p.channel !== 'string' || p.data === undefined || p.data === null) return;
    const exchange = this.options.exchange;
    try {
      if (p.channel.startsWith('user.orders.')) {
        const rows = Array.isArray(p.data) ? p.data : [p.data];
        for (const row of rows as object[]) this.takeOrder(exchange.parseOrder(row));
      } else if (p.channel.startsWith('user.trades.')) {
        const rows = Array.isArray(p.data) ? p.data : [p.data];
        for (const t of exchange.parseTrades(rows as object[])) this.takeTrade(t);
      }
    } catch (error) {
      // A push ccxt cannot parse: the follower's REST reads still see the order.
      this.options.log?.warn({ err: error, channel: p.channel }, 'an order push could not be parsed');
    }
  }

  /** Keeps one channel subscribed: the watch's results are ccxt's cache, already taken from the notifications. */
  private async loop(channel: Channel): Promise<void> {
    const exchange = this.options.exchange;
    while (!this.closed) {
      try {
        if (channel === 'orders') await exchange.watchOrders();
        else await exchange.watchMyTrades();
      } catch (error) {
        if (this.closed) return;
        // Every watch of the connection fails with it: both channels are re-subscribed on the next connection.
        this.acked.clear();
        if (this.live) this.options.log?.warn({ err: error }, 'order subscription dropped; polling until it is back');
        this.setLive(false);
        await new Promise((r) => setTimeout(r, this.retryMs));
      }
    }
  }

  private takeOrder(o: Order): void {
    const label = labelOf(o);
    if (!label) return;
    const before = this.orders.get(label);
    // Pushes of one connection arrive in order, but a REST answer merged into ccxt's cache may be older: filled
    // never goes back.
    if (before && (before.filled ?? 0) > (o.filled ?? 0)) return;
    this.orders.delete(label);
    this.orders.set(label, { ...o, info: { ...(o.info as object) } });
    this.labelByOrderId.set(String(o.id), label);
    // Bounded: the orders pushed longest ago are forgotten (a follower of one of them reads it by REST).
    if (this.orders.size > MAX_ORDERS_KEPT) {
      const [oldest, raw] = this.orders.entries().next().value as [string, Order];
      this.orders.delete(oldest);
      this.labelByOrderId.delete(String(raw.id));
      this.trades.delete(String(raw.id));
    }
    this.wake(label);
  }

  private takeTrade(t: Trade): void {
    const orderId = String(t.order);
    let byId = this.trades.get(orderId);
    if (!byId) this.trades.set(orderId, (byId = new Map()));
    const id = String(t.id);
    if (byId.has(id)) return;
    byId.set(id, { ...t, info: { ...(t.info as object) } });
    this.wake(labelOf(t) ?? this.labelByOrderId.get(orderId) ?? null);
  }
}
