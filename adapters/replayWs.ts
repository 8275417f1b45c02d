/**
 * Websocket replay over loopback: a `ws` server on 127.0.0.1 that talks to ccxt pro like the venue does (answers
 * its subscribe requests) and sends a recording's frames at their recorded times on a replay clock. ccxt is
 * pointed at it with `urls.api.ws = 'ws://127.0.0.1:<port>'` plus `await exchange.loadHttpProxyAgent()` (plain
 * `ws://` needs it in ccxt 4.5: ccxt-notes §2.1 item 4, P14), so a replay runs exactly the code a live run does:
 * ccxt's socket client, its subscribe bookkeeping, its parsers, and the live stream on top.
 *
 * Semantics:
 * - One recorded timeline, shared by all connections. A frame goes to every connection subscribed to its channel;
 *   a frame nobody subscribed to is skipped (as live: what you did not subscribe to, you never see).
 * - While no connection holds a subscription (before the first subscribe, or after a drop) the timeline holds and
 *   the replay clock pauses: a reconnecting client resumes exactly where it left off, and the data's time does
 *   not run on while nobody listens.
 * - Frames are sent when the replay clock reaches their `receivedAtMs`; `maxGapMs` caps the wall wait on long
 *   quiet gaps (the clock jumps forward instead). Frames with the same time go out back to back: ccxt's `watch*`
 *   would coalesce them (P9) but the live stream reads every parsed update (see `live/tap.ts`).
 * - Each send waits for ws's write callback before the next step, so `dropConnections()` called after frame k
 *   never loses frame k.
 *
 * Venue protocol: Deribit JSON-RPC (`public/subscribe` acked with the channel list, `public/unsubscribe`,
 * `public/set_heartbeat`, `public/test`). Recorded channels are relabelled to what ccxt subscribed: recordings
 * made on `.raw` (which needs keys) are served on ccxt's default `.100ms` (P9), by rewriting the channel string in
 * the frame text only, so every number reaches ccxt exactly as recorded.
 */
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { MS_PER_SECOND } from '../pricing/time.js';
import { ReplayClock, type Clock } from './clock.js';
import type { Venue } from './model.js';
import type { WsFrame } from './recording.js';

/** How a venue's websocket protocol looks to the replay server. */
export interface ReplayProtocol {
  venue: Venue;
  /**
   * For a recorded frame: the key it is routed by (channel without its interval) and its channel text, or
   * undefined for frames that are not data (acks, heartbeats), which the server answers itself instead.
   */
  routeFrame(text: string): { key: string; channel: string } | undefined;
  /** Answers one client message; returns the replies and the channels (keys -> subscribed name) added/removed. */
  handleClientMessage(
    text: string,
    nowMs: number,
  ): { replies: string[]; subscribe?: Map<string, string>; unsubscribe?: string[] };
  /** The frame text as it should go out on `subscribedChannel`. */
  relabel(text: string, recordedChannel: string, subscribedChannel: string): string;
}

/** `ticker.BTC-24SEP21-8000-P.raw` -> `ticker.BTC-24SEP21-8000-P`; `book.X.none.20.100ms` -> `book.X`. */
function deribitChannelKey(channel: string): string {
  const parts = channel.split('.');
  return parts.length >= 2 ? `${parts[0]}.${parts[1]}` : channel;
}

/** Deribit JSON-RPC over websocket (https://docs.deribit.com: subscription notifications and acks). */
export const deribitReplayProtocol: ReplayProtocol = {
  venue: 'deribit',
  routeFrame(text) {
    // Only notifications carry data; a cheap test avoids parsing acks and heartbeats.
    if (!text.includes('"subscription"')) return undefined;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return undefined;
    }
    const msg = parsed as { method?: unknown; params?: { channel?: unknown } };
    if (msg.method !== 'subscription' || typeof msg.params?.channel !== 'string') return undefined;
    return { key: deribitChannelKey(msg.params.channel), channel: msg.params.channel };
  },
  handleClientMessage(text, nowMs) {
    let req: { id?: unknown; method?: unknown; params?: { channels?: unknown } };
    try {
      req = JSON.parse(text) as typeof req;
    } catch {
      return { replies: [] };
    }
    const usIn = Math.round(nowMs * 1000);
    const reply = (body: Record<string, unknown>): string =>
      JSON.stringify({ jsonrpc: '2.0', id: req.id, ...body, usIn, usOut: usIn, usDiff: 0, testnet: false });
    const channels = Array.isArray(req.params?.channels)
      ? req.params.channels.filter((c): c is string => typeof c === 'string')
      : [];
    switch (req.method) {
      case 'public/subscribe':
      case 'private/subscribe': {
        const subscribe = new Map(channels.map((c) => [deribitChannelKey(c), c]));
        return { replies: [reply({ result: channels })], subscribe };
      }
      case 'public/unsubscribe':
      case 'private/unsubscribe':
        return { replies: [reply({ result: channels })], unsubscribe: channels.map(deribitChannelKey) };
      case 'public/set_heartbeat':
      case 'public/disable_heartbeat':
        return { replies: [reply({ result: 'ok' })] };
      case 'public/test':
        return { replies: [reply({ result: { version: 'ilhedge-replay' } })] };
      default:
        return { replies: [reply({ error: { code: -32601, message: 'Method not found' } })] };
    }
  },
  relabel(text, recordedChannel, subscribedChannel) {
    if (recordedChannel === subscribedChannel) return text;
    return text.replace(JSON.stringify(recordedChannel), JSON.stringify(subscribedChannel));
  },
};

const PROTOCOLS: Partial<Record<Venue, ReplayProtocol>> = { deribit: deribitReplayProtocol };

/** The replay protocol of a venue; throws for venues whose websocket replay is not implemented. */
export function replayProtocolFor(venue: Venue): ReplayProtocol {
  const protocol = PROTOCOLS[venue];
  if (!protocol) throw new Error(`websocket replay is implemented for deribit only, not ${venue}`);
  return protocol;
}

export interface ReplayWsServerOptions {
  venue: Venue;
  /** The recording's websocket frames, in recorded order. */
  frames: readonly WsFrame[];
  /** Data ms per wall ms. Default 1 (real time). Ignored when `clock` is given. */
  speed?: number;
  /** The replay clock; default starts at the first data frame's time, paused until a subscriber arrives. */
  clock?: ReplayClock;
  /** Longest wall wait between two frames (ms); longer recorded gaps are skipped on the clock. Default no cap. */
  maxGapMs?: number;
  /** Start over at the first frame after the last (the clock is rewound with it). Default false. */
  loop?: boolean;
  /** Recorded-time gap between the end of one loop and the start of the next (ms). Default 1000. */
  loopGapMs?: number;
  /** Hold the timeline until this many distinct channels are subscribed. Default 1. */
  minSubscribedChannels?: number;
  /** Called after frame `index` (in `frames`) went out and was flushed to every subscriber. */
  onFrameSent?: (index: number, server: ReplayWsServer) => void | Promise<void>;
  /** Port on 127.0.0.1; default 0 (any free port). */
  port?: number;
  /** Wall clock used for usIn stamps in acks; default the replay clock. */
  stampClock?: Clock;
  protocol?: ReplayProtocol;
}

interface RoutedFrame {
  index: number;
  atMs: number;
  key: string;
  channel: string;
  text: string;
}

interface Connection {
  socket: WebSocket;
  /** channel key -> channel name as this client subscribed it. */
  channels: Map<string, string>;
}

export interface ReplayWsStats {
  /** Data frames in the recording. */
  frames: number;
  /** Data frames sent (to at least one subscriber), over all loops. */
  sent: number;
  /** Data frames nobody was subscribed to. */
  skipped: number;
  connections: number;
  subscribeRequests: number;
  dropped: number;
  loops: number;
}

/** A running loopback replay server. */
export class ReplayWsServer {
  readonly clock: ReplayClock;
  readonly stats: ReplayWsStats;
  /** `ws://127.0.0.1:<port>` */
  url = '';
  port = 0;
  private readonly wss: WebSocketServer;
  private readonly frames: RoutedFrame[];
  private readonly protocol: ReplayProtocol;
  private readonly connections = new Set<Connection>();
  private readonly options: ReplayWsServerOptions;
  private cursorIndex = 0;
  private stopped = false;
  private wake: (() => void) | undefined;
  private wakeTimer: ReturnType<typeof setTimeout> | undefined;
  private finishedResolve: (() => void) | undefined;
  /** Resolves when the last frame has been sent (never, when looping). */
  readonly finished: Promise<void>;
  private pump: Promise<void> | undefined;

  constructor(options: ReplayWsServerOptions) {
    this.options = options;
    this.protocol = options.protocol ?? replayProtocolFor(options.venue);
    this.frames = [];
    options.frames.forEach((frame, index) => {
      const route = this.protocol.routeFrame(frame.data);
      if (route) this.frames.push({ index, atMs: frame.receivedAtMs, text: frame.data, ...route });
    });
    const startMs = this.frames[0]?.atMs ?? options.frames[0]?.receivedAtMs ?? 0;
    this.clock = options.clock ?? new ReplayClock({ startMs, speed: options.speed ?? 1, paused: true });
    this.stats = {
      frames: this.frames.length,
      sent: 0,
      skipped: 0,
      connections: 0,
      subscribeRequests: 0,
      dropped: 0,
      loops: 0,
    };
    this.finished = new Promise((resolve) => {
      this.finishedResolve = resolve;
    });
    this.wss = new WebSocketServer({ host: '127.0.0.1', port: options.port ?? 0 });
    this.wss.on('connection', (socket) => this.onConnection(socket));
  }

  /** Waits for the port, then starts the timeline (which holds until someone subscribes). */
  async start(): Promise<this> {
    await new Promise<void>((resolve, reject) => {
      this.wss.once('listening', resolve);
      this.wss.once('error', reject);
    });
    this.port = (this.wss.address() as AddressInfo).port;
    this.url = `ws://127.0.0.1:${this.port}`;
    this.pump = this.run();
    return this;
  }

  /** Index (in the data frames) of the next frame to send. */
  get cursor(): number {
    return this.cursorIndex;
  }

  /** Distinct channel keys subscribed over all open connections. */
  subscribedChannels(): Set<string> {
    const keys = new Set<string>();
    for (const c of this.connections) for (const k of c.channels.keys()) keys.add(k);
    return keys;
  }

  /** Kills every client socket without a close handshake (a dead network, a venue session kill). */
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

  /** Sends `text` to every open connection (e.g. a venue error frame) and waits until it is flushed. */
  async broadcast(text: string): Promise<number> {
    const writes: Promise<void>[] = [];
    for (const c of this.connections) {
      if (c.socket.readyState !== c.socket.OPEN) continue;
      writes.push(new Promise((resolve) => c.socket.send(text, () => resolve())));
    }
    await Promise.all(writes);
    return writes.length;
  }

  /** Stops the timeline, closes every socket and the server. */
  async close(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.poke();
    for (const c of this.connections) c.socket.terminate();
    this.connections.clear();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    await this.pump;
  }

  private onConnection(socket: WebSocket): void {
    const connection: Connection = { socket, channels: new Map() };
    this.connections.add(connection);
    this.stats.connections += 1;
    socket.on('message', (data) => {
      const text = Array.isArray(data)
        ? Buffer.concat(data).toString('utf8')
        : Buffer.from(data as ArrayBuffer).toString('utf8');
      const nowMs = (this.options.stampClock ?? this.clock).now();
      const { replies, subscribe, unsubscribe } = this.protocol.handleClientMessage(text, nowMs);
      if (subscribe) {
        this.stats.subscribeRequests += 1;
        for (const [k, v] of subscribe) connection.channels.set(k, v);
      }
      for (const k of unsubscribe ?? []) connection.channels.delete(k);
      for (const reply of replies) if (socket.readyState === socket.OPEN) socket.send(reply);
      this.poke();
    });
    socket.on('close', () => {
      this.connections.delete(connection);
      this.poke();
    });
    socket.on('error', () => {
      this.connections.delete(connection);
    });
  }

  private poke(): void {
    const wake = this.wake;
    this.wake = undefined;
    if (this.wakeTimer !== undefined) clearTimeout(this.wakeTimer);
    this.wakeTimer = undefined;
    wake?.();
  }

  /** Sleeps until `ms` passes (wall) or something changes (a subscribe, a close). */
  private wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
      if (Number.isFinite(ms)) this.wakeTimer = setTimeout(() => this.poke(), Math.max(0, ms));
    });
  }

  private ready(): boolean {
    return this.subscribedChannels().size >= Math.max(1, this.options.minSubscribedChannels ?? 1);
  }

  private async run(): Promise<void> {
    const maxGapMs = this.options.maxGapMs ?? Number.POSITIVE_INFINITY;
    while (!this.stopped) {
      if (this.cursorIndex >= this.frames.length) {
        if (this.options.loop && this.frames.length > 0) {
          // A quiet gap between loops (on the replay clock, at least 1 ms of wall time) keeps a recording whose
          // frames share one timestamp from spinning the event loop.
          const gapMs = this.options.loopGapMs ?? MS_PER_SECOND;
          await this.wait(Math.max(1, Math.min(gapMs / this.clock.speed, maxGapMs)));
          if (this.stopped) return;
          this.cursorIndex = 0;
          this.clock.rewind();
          this.stats.loops += 1;
          continue;
        }
        // The clock keeps running after the last frame: quotes then age on the replay's own time, as they would
        // live when a venue goes quiet, instead of staying fresh forever.
        this.finishedResolve?.();
        return;
      }
      if (!this.ready()) {
        this.clock.pause();
        await this.wait(Number.POSITIVE_INFINITY);
        continue;
      }
      this.clock.resume();
      const frame = this.frames[this.cursorIndex]!;
      const delay = this.clock.wallDelayUntil(frame.atMs);
      if (delay > 0) {
        const capped = Math.min(delay, maxGapMs);
        await this.wait(capped);
        if (this.stopped) return;
        if (!this.ready()) continue;
        if (capped < delay && this.clock.now() < frame.atMs) this.clock.advanceTo(frame.atMs);
        if (this.clock.now() < frame.atMs) continue;
      }
      await this.send(frame);
      this.cursorIndex += 1;
      await this.options.onFrameSent?.(frame.index, this);
    }
  }

  private async send(frame: RoutedFrame): Promise<void> {
    const writes: Promise<void>[] = [];
    for (const c of this.connections) {
      const channel = c.channels.get(frame.key);
      if (channel === undefined || c.socket.readyState !== c.socket.OPEN) continue;
      const text = this.protocol.relabel(frame.text, frame.channel, channel);
      writes.push(new Promise((resolve) => c.socket.send(text, () => resolve())));
    }
    if (writes.length === 0) {
      this.stats.skipped += 1;
      return;
    }
    this.stats.sent += 1;
    await Promise.all(writes);
  }
}

/** Starts a loopback replay server and waits until it listens. */
export async function startReplayWsServer(options: ReplayWsServerOptions): Promise<ReplayWsServer> {
  return new ReplayWsServer(options).start();
}

/** The part of a ccxt pro exchange that `pointExchangeAt` needs. */
export interface WsUrlTarget {
  urls: { api: Record<string, unknown> };
  loadHttpProxyAgent(): Promise<unknown>;
}

/**
 * Points every websocket URL of a ccxt pro exchange at `url` (ccxt keeps them in `urls.api.ws`, a string on
 * Deribit, an object of strings on other venues) and loads the HTTP agent ccxt needs for plain `ws://`.
 */
export async function pointExchangeAt(exchange: WsUrlTarget, url: string): Promise<void> {
  const ws = exchange.urls.api.ws;
  const rewrite = (value: unknown): unknown => {
    if (typeof value === 'string') return url;
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, rewrite(v)]));
    }
    return value;
  };
  exchange.urls.api.ws = rewrite(ws);
  await exchange.loadHttpProxyAgent();
}
