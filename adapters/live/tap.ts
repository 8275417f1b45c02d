/**
 * A tap on ccxt pro's websocket clients: sees every raw frame before ccxt parses it, every object ccxt's own
 * handler resolves for that frame, and each socket's open/close/error. The recorder uses the raw frames; the live
 * stream uses the resolved objects.
 *
 * Why tap rather than only await `watch*`: `watch*` resolves a future on the *next* message for its hash and ccxt
 * flushes a socket backlog synchronously (`WsClient.deliverLoop`'s "release valve"), so two updates of one
 * instrument arriving in one TCP read coalesce and the first is never seen by a `watch*` caller (ccxt-notes P9,
 * run here). Every frame does pass through `client.onMessage`, and every parsed update through `client.resolve`
 * (called whether or not a future waits), so the tap loses nothing and runs exactly ccxt's parsing.
 *
 * How: `exchange.client(url)` creates a `WsClient` on first use (ccxt `js/src/base/Exchange.js` `client()`); it is
 * wrapped so each new client gets per-instance `onMessage`/`resolve`/`reject`/`onOpen`/`onClose`/`onError` wrappers
 * before it connects (the socket handlers are bound at `createConnection`, after this).
 */

/** The part of a ccxt pro client object the tap touches (ccxt `js/src/base/ws/Client.js`). */
export interface CcxtWsClientLike {
  url: string;
  gunzip?: boolean;
  inflate?: boolean;
  error?: unknown;
  connection?: { readyState?: number; terminate?: () => void; close?: (code?: number) => void };
  onMessage(messageEvent: { data: unknown }): void;
  resolve(result: unknown, messageHash?: string): unknown;
  reject(result: unknown, messageHash?: string): unknown;
  onOpen(): void;
  onClose(event: { code?: number; reason?: unknown }): void;
  onError(error: unknown): void;
  isOpen(): boolean;
  close(): unknown;
}

/** The part of a ccxt pro exchange the tap touches. */
export interface CcxtProExchangeLike {
  id: string;
  clients?: Record<string, CcxtWsClientLike>;
  client(url: string): CcxtWsClientLike;
}

export interface FrameTap {
  /** A frame as received, before ccxt parses it (text; binary frames are decoded as UTF-8). */
  onFrame?(url: string, text: string): void;
  /** The distinct objects ccxt resolved while handling one frame (a ticker, an order book, ...), in order. */
  onResolved?(url: string, resolved: readonly unknown[]): void;
  /** ccxt rejected waiting futures (an error frame, a handler exception, a dropped socket). */
  onReject?(url: string, error: unknown): void;
  onOpen?(url: string): void;
  onClose?(url: string, code: number | undefined, error: unknown): void;
  onError?(url: string, error: unknown): void;
}

interface TapState {
  taps: Set<FrameTap>;
  originalClient: (url: string) => CcxtWsClientLike;
  patched: WeakSet<object>;
}

const states = new WeakMap<object, TapState>();

function frameText(data: unknown): string | undefined {
  if (typeof data === 'string') return data;
  if (data instanceof Uint8Array) return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  if (Array.isArray(data) && data.every((d) => d instanceof Uint8Array)) return Buffer.concat(data).toString('utf8');
  return undefined;
}

function each(state: TapState, fn: (tap: FrameTap) => void): void {
  for (const tap of state.taps) {
    try {
      fn(tap);
    } catch {
      // A listener's bug must not break ccxt's message handling (the feed would die with it).
    }
  }
}

function patchClient(state: TapState, client: CcxtWsClientLike): void {
  if (state.patched.has(client)) return;
  state.patched.add(client);
  const url = client.url;
  const origOnMessage = client.onMessage;
  const origResolve = client.resolve;
  const origReject = client.reject;
  const origOnOpen = client.onOpen;
  const origOnClose = client.onClose;
  const origOnError = client.onError;
  let collecting: unknown[] | undefined;

  client.onMessage = function (this: CcxtWsClientLike, messageEvent: { data: unknown }) {
    // Compressed venues would need the inflated text; none of the four option venues compresses its frames.
    const text = this.gunzip || this.inflate ? undefined : frameText(messageEvent.data);
    if (text !== undefined) each(state, (t) => t.onFrame?.(url, text));
    const outer = collecting;
    collecting = [];
    try {
      origOnMessage.call(this, messageEvent);
    } finally {
      const resolved = collecting;
      collecting = outer;
      if (resolved.length > 0) {
        // One frame may resolve the same object under several hashes (a symbol hash and a "tickers" hash).
        const distinct = [...new Set(resolved)];
        each(state, (t) => t.onResolved?.(url, distinct));
      }
    }
  };
  client.resolve = function (this: CcxtWsClientLike, result: unknown, messageHash?: string) {
    if (collecting !== undefined && result !== null && typeof result === 'object') collecting.push(result);
    return origResolve.call(this, result, messageHash);
  };
  client.reject = function (this: CcxtWsClientLike, result: unknown, messageHash?: string) {
    each(state, (t) => t.onReject?.(url, result));
    return origReject.call(this, result, messageHash);
  };
  client.onOpen = function (this: CcxtWsClientLike) {
    origOnOpen.call(this);
    each(state, (t) => t.onOpen?.(url));
  };
  client.onClose = function (this: CcxtWsClientLike, event: { code?: number }) {
    origOnClose.call(this, event);
    each(state, (t) => t.onClose?.(url, event?.code, this.error));
  };
  client.onError = function (this: CcxtWsClientLike, error: unknown) {
    origOnError.call(this, error);
    each(state, (t) => t.onError?.(url, error));
  };
}

/**
 * Adds `tap` to every websocket client `exchange` creates from now on (and to those it already has). Returns a
 * function that removes the tap. Several taps can share one exchange (a recorder and a stream).
 */
export function tapExchange(exchange: CcxtProExchangeLike, tap: FrameTap): () => void {
  let state = states.get(exchange);
  if (!state) {
    const originalClient = exchange.client;
    const created: TapState = { taps: new Set(), originalClient, patched: new WeakSet() };
    state = created;
    states.set(exchange, created);
    exchange.client = function (this: CcxtProExchangeLike, url: string) {
      const client = originalClient.call(this, url);
      patchClient(created, client);
      return client;
    };
    for (const client of Object.values(exchange.clients ?? {})) patchClient(created, client);
  }
  state.taps.add(tap);
  const s = state;
  return () => {
    s.taps.delete(tap);
  };
}

/**
 * Drops every open socket of `exchange` at once, the way a dead network would (no close handshake): ccxt sees the
 * close, rejects its futures and forgets the client, and the next `watch*` dials again.
 */
export function dropConnections(exchange: CcxtProExchangeLike): number {
  let dropped = 0;
  for (const client of Object.values(exchange.clients ?? {})) {
    const connection = client.connection;
    if (connection && typeof connection.terminate === 'function') {
      connection.terminate();
      dropped += 1;
    } else if (connection && typeof connection.close === 'function') {
      connection.close(4000);
      dropped += 1;
    }
  }
  return dropped;
}
