/**
 * The websocket side of the fake Deribit (fakeDeribit.ts), on the same HTTP server at `/ws/api/v2` as Deribit's own
 * (test.deribit.com/ws/api/v2): JSON-RPC 2.0 over text frames, as ccxt pro 4.5.84 speaks it (`js/src/pro/deribit.js`)
 * and in the shapes of Deribit's documentation (docs.deribit.com):
 * - `public/auth` with `grant_type: client_signature` (`signature` = hex HMAC-SHA256 of `timestamp\nnonce\ndata`
 *   under the secret, checked here) or `client_credentials`; the connection is then authorised;
 * - `private/subscribe` to `user.orders.<instrument>.<interval>`, `user.orders.<kind>.<currency>.<interval>` and the
 *   same for `user.trades` (kind `any|future|option`, currency `any|BTC|...`), answered with the channels;
 * - notifications `{"jsonrpc":"2.0","method":"subscription","params":{"channel":..,"data":..}}`: an order's data is
 *   the order object, a trade notification's data an array of trades (as Deribit sends them on `.raw`).
 *
 * The test can drop every connection (`drop`) and refuse new ones (`refusing`, or for a while: `refuseForMs`), so
 * the client's fall-back to polling and its return to the subscription can be seen.
 */
import { createHash, createHmac, randomUUID } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';

export const WS_PATH = '/ws/api/v2';

interface Connection {
  ws: WebSocket;
  authorised: boolean;
  channels: Set<string>;
}

export interface WsLogEntry {
  method: string;
  channels?: string[];
}

export class FakeDeribitWs {
  private readonly wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  private readonly connections = new Set<Connection>();
  private refuseUntilMs = 0;
  /** While true, new connections are refused (the upgrade's socket destroyed). */
  refusing = false;
  /** Every JSON-RPC request received over the websocket, in order. */
  readonly log: WsLogEntry[] = [];
  /** Notifications sent, by channel kind. */
  readonly pushed = { orders: 0, trades: 0 };
  /** Connections accepted so far. */
  accepted = 0;

  constructor(
    server: Server,
    private readonly credentials: { apiKey: string; secret: string },
  ) {
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
      if (path !== WS_PATH || this.refusing || Date.now() < this.refuseUntilMs) {
        socket.destroy();
        return;
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws));
    });
  }

  /** Connections with both our channels subscribed. */
  get subscribedConnections(): number {
    return [...this.connections].filter((c) => c.channels.size > 0).length;
  }

  /** Cuts every connection without a close handshake (a network drop). */
  drop(): void {
    for (const c of this.connections) c.ws.terminate();
    this.connections.clear();
  }

  /** New connections are refused (the upgrade's socket destroyed) for `ms`. */
  refuseForMs(ms: number): void {
    this.refuseUntilMs = Date.now() + ms;
  }

  close(): void {
    this.drop();
    this.wss.close();
  }

  /** Pushes an order's new state to the connections subscribed to a channel matching it. */
  pushOrder(order: { instrument_name: string }): void {
    this.push('orders', order.instrument_name, { ...order });
  }

  /** Pushes trades (of one instrument) to the connections subscribed to a channel matching them. */
  pushTrades(trades: { instrument_name: string }[]): void {
    if (trades.length === 0) return;
    this.push(
      'trades',
      trades[0]!.instrument_name,
      trades.map((t) => ({ ...t })),
    );
  }

  private push(kind: 'orders' | 'trades', instrument: string, data: unknown): void {
    for (const c of this.connections) {
      for (const channel of c.channels) {
        if (!matches(channel, kind, instrument)) continue;
        this.pushed[kind]++;
        c.ws.send(JSON.stringify({ jsonrpc: '2.0', method: 'subscription', params: { channel, data } }));
        break;
      }
    }
  }

  private onConnection(ws: WebSocket): void {
    const c: Connection = { ws, authorised: false, channels: new Set() };
    this.connections.add(c);
    this.accepted++;
    ws.on('close', () => this.connections.delete(c));
    ws.on('error', () => ws.terminate());
    ws.on('message', (data) => this.onMessage(c, data.toString()));
  }

  private reply(c: Connection, id: unknown, body: object): void {
    const us = Date.now() * 1000;
    c.ws.send(JSON.stringify({ jsonrpc: '2.0', id, ...body, usIn: us, usOut: us + 10, usDiff: 10, testnet: true }));
  }

  private onMessage(c: Connection, text: string): void {
    let m: { id?: unknown; method?: string; params?: Record<string, unknown> };
    try {
      m = JSON.parse(text) as typeof m;
    } catch {
      return this.reply(c, null, { error: { code: -32700, message: 'Parse error' } });
    }
    const params = m.params ?? {};
    const channels = Array.isArray(params.channels) ? (params.channels as string[]) : undefined;
    this.log.push({ method: String(m.method), ...(channels ? { channels } : {}) });
    switch (m.method) {
      case 'public/auth': {
        if (!this.authOk(params))
          return this.reply(c, m.id, { error: { code: 13004, message: 'invalid_credentials' } });
        c.authorised = true;
        const token = createHash('sha256').update(randomUUID()).digest('hex');
        return this.reply(c, m.id, {
          result: {
            access_token: token,
            expires_in: 31_536_000,
            refresh_token: `r${token}`,
            scope: 'trade:read_write',
            token_type: 'bearer',
          },
        });
      }
      case 'private/subscribe': {
        if (!c.authorised) return this.reply(c, m.id, { error: { code: 13009, message: 'unauthorized' } });
        const ok = (channels ?? []).filter((ch) => /^user\.(orders|trades)\./.test(ch));
        for (const ch of ok) c.channels.add(ch);
        return this.reply(c, m.id, { result: ok });
      }
      case 'public/test':
      case 'public/set_heartbeat':
        return this.reply(c, m.id, { result: 'ok' });
      default:
        return this.reply(c, m.id, { error: { code: -32601, message: 'Method not found' } });
    }
  }

  private authOk(p: Record<string, unknown>): boolean {
    if (p.client_id !== this.credentials.apiKey) return false;
    if (p.grant_type === 'client_credentials') return p.client_secret === this.credentials.secret;
    if (p.grant_type !== 'client_signature') return false;
    const data = `${String(p.timestamp)}\n${String(p.nonce)}\n${String(p.data ?? '')}`;
    return createHmac('sha256', this.credentials.secret).update(data).digest('hex') === p.signature;
  }
}

/** Deribit's kind of an instrument: perpetuals and futures are `future`. */
function kindOf(instrument: string): string {
  return /-[CP]$/.test(instrument) ? 'option' : 'future';
}

/** `user.orders.BTC-PERPETUAL.raw`, `user.orders.any.any.raw`, `user.trades.option.BTC.100ms`, ... */
function matches(channel: string, kind: 'orders' | 'trades', instrument: string): boolean {
  const parts = channel.split('.');
  if (parts[0] !== 'user' || parts[1] !== kind) return false;
  if (parts.length === 4) return parts[2] === instrument;
  if (parts.length !== 5) return false;
  const [, , k, currency] = parts;
  const currencyOf = instrument.split(/[-_]/)[0];
  return (k === 'any' || k === kindOf(instrument)) && (currency === 'any' || currency === currencyOf);
}
