/**
 * A venue on loopback: one HTTP server on 127.0.0.1 that answers REST from recorded responses (the same routing as
 * the REST replay, `replayRest.ts`: pathname + sorted query, time-dependent parameters ignored, a repeated route
 * served in recorded order with the last repeating) and speaks the venue's websocket protocol on the same port
 * (`replayWs.ts`'s protocol: subscribe acks, heartbeats, relabelled channels). Unlike the replay server it has no
 * timeline of its own: the caller publishes frames when it wants, so a test (or a benchmark) decides what the venue
 * says and when, and can make it fail the ways venues fail: drop every socket, refuse connections, go silent,
 * answer a subscribe with Deribit's rate-limit error 10028 and kill the session, send a malformed frame.
 *
 * The live code is pointed at it through its configurable endpoints (`endpoints.ts`): `restUrl` and `wsUrl`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { systemClock, type Clock } from '../clock.js';
import { ReplayMissError } from '../errors.js';
import type { Venue } from '../model.js';
import type { HttpExchange } from '../recording.js';
import { replayFetch, routeKey, TIME_DEPENDENT_PARAMS } from '../replayRest.js';
import { replayProtocolFor, type ReplayProtocol } from '../replayWs.js';

export interface LoopbackVenueOptions {
  venue: Venue;
  /** Recorded REST responses (a recording's `http`). */
  http: readonly HttpExchange[];
  /** The websocket path the venue serves (Deribit `/ws/api/v2`); only used to build `wsUrl`. */
  wsPath?: string;
  /** Stamps `usIn`/`usOut` in acks (default the wall clock). */
  clock?: Clock;
  protocol?: ReplayProtocol;
}

export interface LoopbackVenueStats {
  httpRequests: number;
  httpMisses: number;
  connections: number;
  refusedConnections: number;
  subscribeRequests: number;
  /** Frames published to at least one subscriber. */
  published: number;
  dropped: number;
}

interface Connection {
  socket: WebSocket;
  /** channel key -> channel name as this client subscribed it */
  channels: Map<string, string>;
}

const DERIBIT_WS_PATH = '/ws/api/v2';

/** A running loopback venue (see the module comment). */
export class LoopbackVenue {
  readonly stats: LoopbackVenueStats = {
    httpRequests: 0,
    httpMisses: 0,
    connections: 0,
    refusedConnections: 0,
    subscribeRequests: 0,
    published: 0,
    dropped: 0,
  };
  /** `METHOD path?query` of every REST request, in order. */
  readonly requests: string[] = [];
  restUrl = '';
  wsUrl = '';
  private readonly server: Server;
  private readonly wss: WebSocketServer;
  private readonly protocol: ReplayProtocol;
  private readonly clock: Clock;
  private readonly connections = new Set<Connection>();
  private readonly overrides = new Map<string, string>();
  private readonly ignore: readonly string[];
  private fetch: ReturnType<typeof replayFetch>;
  private accepting = true;
  private rateLimitNext = 0;
  private subscribeWaiters: (() => void)[] = [];

  constructor(private readonly options: LoopbackVenueOptions) {
    this.protocol = options.protocol ?? replayProtocolFor(options.venue);
    this.clock = options.clock ?? systemClock;
    this.ignore = TIME_DEPENDENT_PARAMS[options.venue];
    this.fetch = replayFetch(options.venue, options.http, { label: 'loopback venue' });
    this.server = createServer((req, res) => void this.onHttp(req, res));
    this.wss = new WebSocketServer({ server: this.server });
    this.wss.on('connection', (socket) => this.onConnection(socket));
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => resolve());
    });
    const { port } = this.server.address() as AddressInfo;
    this.restUrl = `http://127.0.0.1:${port}`;
    this.wsUrl = `ws://127.0.0.1:${port}${this.options.wsPath ?? DERIBIT_WS_PATH}`;
    return this;
  }

  /** Answers `GET <path>` with `body` from now on (a venue listing a new instrument, say); `path` includes the query. */
  setRoute(pathAndQuery: string, body: string): void {
    this.overrides.set(routeKey(`http://x${pathAndQuery}`, this.ignore), body);
  }

  /** Serves `http` from now on (routes served from the start again). */
  setHttp(http: readonly HttpExchange[]): void {
    this.fetch = replayFetch(this.options.venue, http, { label: 'loopback venue' });
  }

  /**
   * While false, new websocket connections are closed at once and REST answers 503: the venue is down. Open
   * sockets are not touched (`dropConnections` for that).
   */
  setAccepting(accepting: boolean): void {
    this.accepting = accepting;
  }

  /** The next `n` subscribe requests are answered with Deribit's 10028 `too_many_requests`, and the session killed. */
  rateLimitNextSubscribes(n = 1): void {
    this.rateLimitNext = n;
  }

  /** Channel keys (`ticker.BTC-PERPETUAL`) subscribed over all open connections. */
  subscribed(): Set<string> {
    const keys = new Set<string>();
    for (const c of this.connections) for (const k of c.channels.keys()) keys.add(k);
    return keys;
  }

  /** Open websocket connections. */
  get openConnections(): number {
    return this.connections.size;
  }

  /** Resolves once every key of `keys` is subscribed (rejects after `timeoutMs`). */
  async waitForSubscribed(keys: readonly string[], timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const have = this.subscribed();
      const missing = keys.filter((k) => !have.has(k));
      if (missing.length === 0) return;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`loopback venue: not subscribed after ${timeoutMs} ms: ${missing.join(', ')}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 50));
        this.subscribeWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /**
   * Sends a data frame to every connection subscribed to its channel (relabelled to the channel name the client
   * used) and waits until it is written. Returns the number of connections it went to.
   */
  async publish(text: string): Promise<number> {
    const route = this.protocol.routeFrame(text);
    if (!route) throw new Error('loopback venue: publish() takes a data frame; use broadcast() for anything else');
    const writes: Promise<void>[] = [];
    for (const c of this.connections) {
      const channel = c.channels.get(route.key);
      if (channel === undefined || c.socket.readyState !== c.socket.OPEN) continue;
      const out = this.protocol.relabel(text, route.channel, channel);
      writes.push(new Promise((resolve) => c.socket.send(out, () => resolve())));
    }
    if (writes.length > 0) this.stats.published += 1;
    await Promise.all(writes);
    return writes.length;
  }

  /** Sends `text` as is to every open connection (an error frame, a malformed frame). */
  async broadcast(text: string): Promise<number> {
    const writes: Promise<void>[] = [];
    for (const c of this.connections) {
      if (c.socket.readyState !== c.socket.OPEN) continue;
      writes.push(new Promise((resolve) => c.socket.send(text, () => resolve())));
    }
    await Promise.all(writes);
    return writes.length;
  }

  /** Kills every websocket without a close handshake (a dead network, a venue session kill). */
  dropConnections(): number {
    let n = 0;
    for (const c of this.connections) {
      c.socket.terminate();
      n += 1;
    }
    this.connections.clear();
    this.stats.dropped += n;
    return n;
  }

  async close(): Promise<void> {
    this.dropConnections();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    await new Promise<void>((resolve) => {
      this.server.closeAllConnections();
      this.server.close(() => resolve());
    });
  }

  private async onHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    const path = req.url ?? '/';
    this.stats.httpRequests += 1;
    this.requests.push(`${method} ${path}`);
    if (!this.accepting) {
      res.writeHead(503, { 'content-type': 'text/plain' }).end('loopback venue: down');
      return;
    }
    const override = method === 'GET' ? this.overrides.get(routeKey(`http://x${path}`, this.ignore)) : undefined;
    if (override !== undefined) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(override);
      return;
    }
    try {
      const response = await this.fetch(`http://x${path}`, { method });
      res.writeHead(response.status, { 'content-type': 'application/json' }).end(await response.text());
    } catch (error) {
      this.stats.httpMisses += 1;
      const message = error instanceof ReplayMissError ? error.message : String(error);
      res
        .writeHead(404, { 'content-type': 'application/json' })
        .end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32601, message } }));
    }
  }

  private onConnection(socket: WebSocket): void {
    if (!this.accepting) {
      this.stats.refusedConnections += 1;
      socket.terminate();
      return;
    }
    const connection: Connection = { socket, channels: new Map() };
    this.connections.add(connection);
    this.stats.connections += 1;
    socket.on('message', (data) => {
      const text = Array.isArray(data)
        ? Buffer.concat(data).toString('utf8')
        : Buffer.from(data as ArrayBuffer).toString('utf8');
      const { replies, subscribe, unsubscribe } = this.protocol.handleClientMessage(text, this.clock.now());
      if (subscribe) {
        this.stats.subscribeRequests += 1;
        if (this.rateLimitNext > 0) {
          // Deribit answers a request over the credit budget with 10028 and terminates the session (P8).
          this.rateLimitNext -= 1;
          const id = (JSON.parse(text) as { id?: unknown }).id ?? null;
          const usIn = Math.round(this.clock.now() * 1000);
          const refusal = JSON.stringify({
            jsonrpc: '2.0',
            id,
            error: { message: 'too_many_requests', code: 10028 },
            usIn,
            usOut: usIn,
            usDiff: 0,
            testnet: false,
          });
          socket.send(refusal, () => {
            this.connections.delete(connection);
            this.stats.dropped += 1;
            socket.terminate();
          });
          return;
        }
        for (const [k, v] of subscribe) connection.channels.set(k, v);
      }
      for (const k of unsubscribe ?? []) connection.channels.delete(k);
      for (const reply of replies) if (socket.readyState === socket.OPEN) socket.send(reply);
      for (const wake of this.subscribeWaiters.splice(0)) wake();
    });
    socket.on('close', () => this.connections.delete(connection));
    socket.on('error', () => this.connections.delete(connection));
  }
}

/** Starts a loopback venue and waits until it listens. */
export async function startLoopbackVenue(options: LoopbackVenueOptions): Promise<LoopbackVenue> {
  return new LoopbackVenue(options).start();
}

/** A Deribit `ticker.<instrument>.<interval>` notification around `data` (the venue's field names). */
export function deribitTickerFrame(
  data: { instrument_name: string } & Record<string, unknown>,
  interval = '100ms',
): string {
  return JSON.stringify({
    jsonrpc: '2.0',
    method: 'subscription',
    params: { channel: `ticker.${data.instrument_name}.${interval}`, data },
  });
}
