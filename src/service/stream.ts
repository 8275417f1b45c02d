/**
 * The `/ws` hedge stream on the service's own HTTP server (the `ws` package, `noServer`).
 *
 * - Auth on upgrade: the key comes from `Authorization: Bearer`, a `bearer.<key>` subprotocol or `?token=`; a
 *   missing or bad key gets HTTP 401, a key without the viewer role 403, before any upgrade.
 * - Messages: `{"type":"subscribe","positionIds":[..]}` and/or `"book":true` and/or `"orders":true`; `unsubscribe`
 *   likewise. Every tick pushes `{"type":"hedge",...}` per subscribed position (and the book); so does a change of
 *   the ledger (fills), so the book moves with the fills. `orders` gets `{"type":"orders","orders":[..]}` at once
 *   (working orders and the recent finished ones) and then `{"type":"order","order":{..},"fills":[..]}` at every
 *   change of an order: its state, filled and remaining contracts, limit and average price, every fill so far in
 *   `order.fills`, the fills of this change in `fills`.
 * - Conflation: each client holds at most one pending message per subscription. If the socket's
 *   `bufferedAmount` is above the high-water mark the newest state replaces the pending one, so a slow client gets
 *   the latest state and memory stays bounded by (subscriptions x message size). Order messages conflate per
 *   order: a slow client gets each order's latest message, whose `order.fills` holds every fill of it.
 * - Heartbeats: a ping every `heartbeatMs`; a client that has not answered the previous ping is terminated.
 * - Close codes: 1000 normal, 1001 going away (shutdown), 1003 bad message, 1008 policy (auth revoked, too many
 *   subscriptions).
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, WebSocket } from 'ws';
import { z } from 'zod';
import type { Authenticator, Principal } from './auth.js';
import { keyFromUpgrade } from './auth.js';
import type { HedgeHub, PreparedBook, PreparedOrder, PreparedState, TickResult } from './hub.js';
import type { ServiceMetrics } from './metrics.js';
import { ClientSubscriptions } from './clientSubscriptions.js';
import { framePayloads } from './wire.js';

export const CLOSE_NORMAL = 1000;
export const CLOSE_GOING_AWAY = 1001;
export const CLOSE_UNSUPPORTED = 1003;
export const CLOSE_POLICY = 1008;

export const wsClientMessageSchema = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('subscribe'),
      positionIds: z.array(z.string().min(1).max(100)).max(1000).optional(),
      book: z.boolean().optional(),
      orders: z.boolean().optional(),
    })
    .strict(),
  z
    .object({
      type: z.literal('unsubscribe'),
      positionIds: z.array(z.string().min(1).max(100)).max(1000).optional(),
      book: z.boolean().optional(),
      orders: z.boolean().optional(),
    })
    .strict(),
  z.object({ type: z.literal('ping') }).strict(),
]);
export type WsClientMessage = z.infer<typeof wsClientMessageSchema>;

export interface StreamOptions {
  path?: string;
  heartbeatMs?: number;
  /** Above this many buffered bytes a client is "slow": new states replace pending ones instead of being sent. */
  highWaterBytes?: number;
  maxSubscriptionsPerClient?: number;
  maxClients?: number;
  log?: { info: (obj: object, msg?: string) => void; warn: (obj: object, msg?: string) => void };
}

const BOOK = '\u0000book';

class Client {
  /** What the client watches and the complete websocket frames (wire.ts) waiting to go out to it. */
  readonly subscriptions = new ClientSubscriptions();
  alive = true;
  /** The tick number that last queued a frame for this client (so `touched` lists it once per tick). */
  touchedTick = -1;
  /** Order messages waiting for a slow socket, the latest per order (orders change rarely: a Map is fine here). */
  readonly pendingOrders = new Map<string, Buffer>();
  constructor(
    readonly ws: WebSocket,
    /** The upgraded TCP socket under `ws`: hedge frames are written to it directly (see `flush`). */
    readonly socket: Duplex,
    readonly principal: Principal,
    readonly id: number,
  ) {}
}

export class HedgeStream {
  readonly wss: WebSocketServer;
  private readonly clients = new Set<Client>();
  /** Subscription key -> its subscribers: a tick touches only the clients that asked for what changed. */
  private readonly subscribers = new Map<string, Set<Client>>();
  private readonly slow = new Set<Client>();
  private readonly orderSubscribers = new Set<Client>();
  private readonly offRefresh: () => void;
  private readonly offOrders: () => void;
  private flushTimer: NodeJS.Timeout | null = null;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private readonly offTick: () => void;
  /**
   * Clients with frames queued by the tick in progress: an array reused from tick to tick with `touchedCount`
   * entries in use (a Set emptied every tick would get a fresh hash table in the old generation each time; see
   * clientSubscriptions.ts).
   */
  private readonly touched: (Client | undefined)[] = [];
  private touchedCount = 0;
  private tickNumber = 0;
  private nextId = 1;
  private closing = false;
  private readonly path: string;
  private readonly highWater: number;
  private readonly maxSubs: number;
  private readonly maxClients: number;

  constructor(
    server: Server,
    private readonly hub: HedgeHub,
    private readonly auth: Authenticator,
    private readonly metrics: ServiceMetrics | undefined,
    private readonly options: StreamOptions = {},
  ) {
    this.path = options.path ?? '/ws';
    this.highWater = options.highWaterBytes ?? 256 * 1024;
    this.maxSubs = options.maxSubscriptionsPerClient ?? 1000;
    this.maxClients = options.maxClients ?? 5000;
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: 64 * 1024,
      perMessageDeflate: false,
      // Browsers that sent the key as a `bearer.<key>` subprotocol must get a non-secret protocol back.
      handleProtocols: (protocols) => (protocols.has('ilhedge.v1') ? 'ilhedge.v1' : false),
    });
    server.on('upgrade', (req, socket, head) => this.onUpgrade(req, socket, head));
    this.offTick = hub.onTick((tick) => this.onTick(tick));
    this.offRefresh = hub.onRefresh((r) => this.fanOut(r.positions, r.book));
    this.offOrders = hub.onOrderUpdate((order) => this.onOrder(order));
    const heartbeatMs = options.heartbeatMs ?? 30_000;
    this.heartbeatTimer = setInterval(() => this.heartbeat(), heartbeatMs);
    this.heartbeatTimer.unref();
  }

  get clientCount(): number {
    return this.clients.size;
  }

  private reject(socket: Duplex, status: number, message: string): void {
    const reason = status === 401 ? 'Unauthorized' : status === 403 ? 'Forbidden' : 'Service Unavailable';
    const body = JSON.stringify({ error: reason.toLowerCase(), message });
    socket.write(
      `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `${status === 401 ? 'WWW-Authenticate: Bearer\r\n' : ''}Connection: close\r\n\r\n${body}`,
    );
    socket.destroy();
  }

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (pathname !== this.path) {
      socket.destroy();
      return;
    }
    if (this.closing) return this.reject(socket, 503, 'shutting down');
    if (this.clients.size >= this.maxClients) return this.reject(socket, 503, 'too many clients');
    this.auth.check(keyFromUpgrade(req), 'viewer').then(
      (result) => {
        if (!result.ok) {
          this.metrics?.authFailures.inc({ status: String(result.status) });
          return this.reject(socket, result.status, result.message);
        }
        if (this.closing) return this.reject(socket, 503, 'shutting down');
        this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws, socket, result.principal));
      },
      () => this.reject(socket, 503, 'the key could not be checked (database unavailable)'),
    );
  }

  private onConnection(ws: WebSocket, socket: Duplex, principal: Principal): void {
    const client = new Client(ws, socket, principal, this.nextId++);
    this.clients.add(client);
    this.metrics?.wsClients.set(this.clients.size);
    ws.on('pong', () => (client.alive = true));
    ws.on('message', (data, isBinary) => this.onMessage(client, data, isBinary));
    ws.on('close', () => {
      for (const key of [...client.subscriptions.keys()]) this.removeSubscriber(key, client);
      this.clients.delete(client);
      this.slow.delete(client);
      this.orderSubscribers.delete(client);
      this.metrics?.wsClients.set(this.clients.size);
    });
    ws.on('error', () => ws.terminate());
    ws.send(JSON.stringify({ type: 'welcome', role: principal.role, engine: 'hedging' }));
  }

  private addSubscriber(key: string, client: Client): void {
    client.subscriptions.add(key);
    let set = this.subscribers.get(key);
    if (!set) this.subscribers.set(key, (set = new Set()));
    set.add(client);
  }

  private removeSubscriber(key: string, client: Client): void {
    client.subscriptions.delete(key);
    const set = this.subscribers.get(key);
    if (!set) return;
    set.delete(client);
    if (set.size === 0) this.subscribers.delete(key);
  }

  private onMessage(client: Client, data: WebSocket.RawData, isBinary: boolean): void {
    if (isBinary) return client.ws.close(CLOSE_UNSUPPORTED, 'binary messages are not supported');
    let parsed: unknown;
    try {
      parsed = JSON.parse(data.toString());
    } catch {
      return client.ws.close(CLOSE_UNSUPPORTED, 'message is not JSON');
    }
    const result = wsClientMessageSchema.safeParse(parsed);
    if (!result.success) {
      const issue = result.error.issues[0];
      const field = issue?.path.join('.') || 'type';
      return client.ws.close(CLOSE_UNSUPPORTED, `bad message: ${field}: ${issue?.message ?? 'invalid'}`.slice(0, 120));
    }
    const message = result.data;
    if (message.type === 'ping') {
      client.ws.send(JSON.stringify({ type: 'pong', atMs: Date.now() }));
      return;
    }
    const keys = [...(message.positionIds ?? []), ...(message.book ? [BOOK] : [])];
    if (message.type === 'unsubscribe') {
      for (const key of keys) this.removeSubscriber(key, client);
      if (message.orders) {
        this.orderSubscribers.delete(client);
        client.pendingOrders.clear();
      }
      client.ws.send(
        JSON.stringify({
          type: 'unsubscribed',
          positionIds: message.positionIds ?? [],
          book: !!message.book,
          orders: !!message.orders,
        }),
      );
      return;
    }
    const ordersNow = !!message.orders && !this.orderSubscribers.has(client);
    if (message.orders) this.orderSubscribers.add(client);
    const unknown: string[] = [];
    const added: string[] = [];
    for (const key of keys) {
      if (key !== BOOK && !this.hub.prepared(key)) {
        unknown.push(key);
        continue;
      }
      this.addSubscriber(key, client);
      if (key !== BOOK) added.push(key);
    }
    if (client.subscriptions.size > this.maxSubs) {
      return client.ws.close(CLOSE_POLICY, `at most ${this.maxSubs} subscriptions per client`);
    }
    client.ws.send(
      JSON.stringify({
        type: 'subscribed',
        positionIds: added,
        book: client.subscriptions.has(BOOK),
        orders: this.orderSubscribers.has(client),
        unknown,
      }),
    );
    // The orders as they stand, before any update of them.
    if (ordersNow) client.ws.send(this.hub.ordersSnapshotMessage());
    // The current state at once, so a new subscriber does not wait for the next tick.
    for (const key of keys) {
      if (key === BOOK) client.subscriptions.put(BOOK, this.hub.bookState().frame);
      else {
        const prepared = this.hub.prepared(key);
        if (prepared) client.subscriptions.put(key, prepared.frame);
      }
    }
    const sent = this.flush(client);
    if (sent > 0) this.metrics?.wsMessages.inc(sent);
  }

  /** Queues the tick's frames for their subscribers, then sends each touched client everything in one write. */
  private onTick(tick: TickResult): void {
    const sent = this.fanOut(tick.positions, tick.book);
    if (sent > 0) this.metrics?.tickToSend.observe((performance.now() - tick.receivedAtHr) / 1000);
  }

  /** The states of a tick or of a recompute (a ledger change) to their subscribers; returns the messages sent. */
  private fanOut(positions: readonly PreparedState[], book: PreparedBook): number {
    if (this.subscribers.size === 0) return 0;
    this.tickNumber++;
    for (const prepared of positions) this.enqueue(prepared.state.positionId, prepared.frame);
    this.enqueue(BOOK, book.frame);
    let sent = 0;
    for (let i = 0; i < this.touchedCount; i++) {
      sent += this.flush(this.touched[i]!);
      this.touched[i] = undefined;
    }
    this.touchedCount = 0;
    if (sent > 0) this.metrics?.wsMessages.inc(sent);
    return sent;
  }

  /** An order's update to the orders' subscribers: at once, or kept (latest per order) for a slow socket. */
  private onOrder(order: PreparedOrder): void {
    let sent = 0;
    for (const client of this.orderSubscribers) {
      client.pendingOrders.delete(order.orderId);
      client.pendingOrders.set(order.orderId, order.frame);
      sent += this.flush(client);
    }
    if (sent > 0) this.metrics?.wsMessages.inc(sent);
  }

  private enqueue(key: string, frame: Buffer): void {
    const set = this.subscribers.get(key);
    if (!set) return;
    for (const client of set) {
      if (client.subscriptions.put(key, frame) === 'replaced') this.metrics?.wsConflated.inc();
      if (client.touchedTick !== this.tickNumber) {
        client.touchedTick = this.tickNumber;
        this.touched[this.touchedCount++] = client;
      }
    }
  }

  /**
   * Sends the client's pending states unless its socket is backed up; then they stay pending (latest wins).
   *
   * The frames are prebuilt (one per state per tick, shared by every subscriber) and all of a client's pending
   * frames go out in one socket write, so a client subscribed to the whole book costs one syscall per tick, not one
   * per position. Writing beside `ws` on its own socket is safe because `ws` (without permessage-deflate, which the
   * stream disables) writes each of its own frames synchronously and whole, so frames never interleave; should it
   * ever hold bytes back (its `bufferedAmount` above the socket's own count), the frames go through `ws.send`. Its
   * `bufferedAmount` counts our bytes too, which is what the conflation check reads.
   */
  private flush(client: Client): number {
    const ws = client.ws;
    if (ws.readyState !== WebSocket.OPEN) {
      client.subscriptions.dropPending();
      client.pendingOrders.clear();
      return 0;
    }
    const orders = client.pendingOrders.size;
    const count = client.subscriptions.pendingCount + orders;
    if (count === 0) return 0;
    if (ws.bufferedAmount > this.highWater) {
      this.slow.add(client);
      this.scheduleFlush();
      return 0;
    }
    let frames = client.subscriptions.take();
    if (orders > 0) {
      // Order updates are rare beside ticks: one concat when both are pending is no burden.
      frames = Buffer.concat([...(frames ? [frames] : []), ...client.pendingOrders.values()]);
      client.pendingOrders.clear();
    }
    frames = frames!;
    if (ws.bufferedAmount === client.socket.writableLength) {
      client.socket.write(frames);
    } else {
      // `ws` holds bytes of its own that are not on the socket yet (it queues while compressing, which this stream
      // never asks for): writing beside it could interleave, so hand it the payloads to send in order instead.
      for (const payload of framePayloads(frames)) ws.send(payload, { binary: false });
    }
    this.slow.delete(client);
    return count;
  }

  private scheduleFlush(): void {
    if (this.flushTimer) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = null;
      let sent = 0;
      for (const client of [...this.slow]) sent += this.flush(client);
      if (sent > 0) this.metrics?.wsMessages.inc(sent);
      if (this.slow.size > 0) this.scheduleFlush();
    }, 20);
  }

  private heartbeat(): void {
    for (const client of this.clients) {
      if (!client.alive) {
        client.ws.terminate();
        continue;
      }
      client.alive = false;
      try {
        client.ws.ping();
      } catch {
        client.ws.terminate();
      }
    }
  }

  /** Closes every client with 1001 and waits (up to `timeoutMs`) for the closes to complete. */
  async close(timeoutMs = 2_000): Promise<void> {
    this.closing = true;
    this.offTick();
    this.offRefresh();
    this.offOrders();
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    if (this.flushTimer) clearTimeout(this.flushTimer);
    const closed = [...this.clients].map(
      (client) =>
        new Promise<void>((resolve) => {
          if (client.ws.readyState === WebSocket.CLOSED) return resolve();
          client.ws.once('close', () => resolve());
          client.ws.close(CLOSE_GOING_AWAY, 'server shutting down');
        }),
    );
    await Promise.race([Promise.all(closed), new Promise((r) => setTimeout(r, timeoutMs).unref())]);
    for (const client of this.clients) client.ws.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}
