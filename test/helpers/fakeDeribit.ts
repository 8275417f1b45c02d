/**
 * A fake Deribit on loopback for the execution tests: JSON-RPC over HTTP GET as ccxt 4.5.84 calls it
 * (`/api/v2/<public|private>/<method>?<params>`, private calls signed `deri-hmac-sha256 id=..,ts=..,sig=..,nonce=..`
 * over `ts\nnonce\nGET\n<path?query>\n\n`, checked here), answering with the result shapes of Deribit's API
 * documentation (docs.deribit.com: `private/buy` -> `{order, trades}`, `private/get_user_trades_by_currency` ->
 * `{trades, has_more}`, errors `{error: {code, message}}` with HTTP 400).
 *
 * Public: `public/auth` (client_credentials, a bearer token then accepted on private calls) and
 * `public/get_instruments` from the built-in recording (the real 2026 BTC instruments), so ccxt loads its markets.
 * Private: `buy`, `sell`, `cancel`, `get_order_state`, `get_order_state_by_label`, `get_open_orders_by_currency`,
 * `get_user_trades_by_currency` (and `_and_time`).
 *
 * The test decides what the venue does: `onPlace(order)` may reject the order, fill part of it, or delay the answer
 * past the client's timeout after the order was accepted; `onPoll(order)` runs on every order-state read (fills
 * arriving over time); `fill(order, amount)` fills directly; `dropReads` drops the connection of the next reads. Every `buy`/`sell` is kept in `placeCalls` with its
 * label, so a test can assert that no label was sent twice. `amount` is Deribit's: the coin for options, USD for
 * the perp.
 *
 * The websocket API (fakeDeribitWs.ts) is on the same server at `/ws/api/v2`: the matching engine pushes every
 * change of an order (placed, filled in part or whole, cancelled) and every trade to the `user.orders.*` and
 * `user.trades.*` subscribers as it makes it. `onPlace` may also schedule fills (`later`: fills after a delay, made
 * by the engine with no request of the client's), and `stateReads` records every order-state read after the order
 * was placed, so a test can show that fills came by push with no poll.
 */
import { createHash, createHmac, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { builtinRecording } from '../../adapters/index.js';
import { FakeDeribitWs } from './fakeDeribitWs.js';

export interface FakeOrder {
  order_id: string;
  label: string;
  instrument_name: string;
  direction: 'buy' | 'sell';
  amount: number;
  filled_amount: number;
  average_price: number;
  price: number;
  order_state: 'open' | 'filled' | 'cancelled' | 'rejected';
  order_type: 'limit';
  time_in_force: string;
  post_only: boolean;
  reduce_only: boolean;
  creation_timestamp: number;
  last_update_timestamp: number;
  commission: number;
  api: boolean;
  max_show: number;
  is_liquidation: boolean;
  replaced: boolean;
  web: boolean;
  mmp: boolean;
  risk_reducing: boolean;
}

export interface FakeTrade {
  trade_id: string;
  trade_seq: number;
  order_id: string;
  label: string;
  instrument_name: string;
  direction: 'buy' | 'sell';
  amount: number;
  price: number;
  fee: number;
  fee_currency: string;
  index_price: number;
  mark_price: number;
  timestamp: number;
  state: string;
  order_type: 'limit';
  liquidity: 'M' | 'T';
  tick_direction: number;
  matching_id: null;
  post_only: boolean;
  reduce_only: boolean;
}

export type PlaceAction =
  | { reject: { code: number; message: string } }
  | {
      fill?: number;
      fillPrice?: number;
      delayMs?: number;
      /** Fills the engine makes later on its own (pushed to subscribers), `afterMs` from the placing. */
      later?: { afterMs: number; amount: number; price?: number }[];
    }
  | undefined
  | void;

export interface FakeDeribitOptions {
  apiKey: string;
  secret: string;
  /** The index price stamped on trades (their coin fees convert at it). */
  indexPrice?: number;
}

const PERP = 'BTC-PERPETUAL';

export class FakeDeribit {
  readonly orders = new Map<string, FakeOrder>();
  readonly trades: FakeTrade[] = [];
  /** Every `private/buy` and `private/sell` received, in order, accepted or not. */
  readonly placeCalls: { method: string; label: string; instrument: string; amount: number; price: number }[] = [];
  /** `METHOD path` of every request. */
  readonly requests: string[] = [];
  onPlace: (order: FakeOrder, fake: FakeDeribit) => PlaceAction = () => undefined;
  onPoll: (order: FakeOrder, fake: FakeDeribit) => void = () => undefined;
  /** The next this many private reads (`get_*`) have their connection dropped without an answer. */
  dropReads = 0;
  /**
   * Every read of an order's state (`get_order_state`, `get_order_state_by_label`) by label, and whether that
   * label had been placed before the read (a poll) or not (the look-up before placing).
   */
  readonly stateReads: { label: string; afterPlace: boolean }[] = [];
  /** Reads of the account's trades (`get_user_trades_by_currency*`). */
  tradeReads = 0;
  restUrl = '';
  /** The websocket API; null before `start`. */
  ws: FakeDeribitWs | null = null;
  private readonly timers = new Set<NodeJS.Timeout>();
  private server: Server | null = null;
  private seq = 1000;
  private tradeSeq = 1;
  private readonly tokens = new Set<string>();
  private readonly instruments: Map<string, string>;
  readonly indexPrice: number;

  constructor(private readonly options: FakeDeribitOptions) {
    this.indexPrice = options.indexPrice ?? 75_795.19;
    const { recording } = builtinRecording('deribit', 'BTC');
    this.instruments = new Map();
    for (const h of recording.http) {
      const url = new URL(h.url);
      if (url.pathname.endsWith('/public/get_instruments'))
        this.instruments.set(url.searchParams.get('kind') ?? '', h.body);
    }
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.ws = new FakeDeribitWs(this.server, this.options);
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.restUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** The websocket URL beside `restUrl`. */
  get wsUrl(): string {
    return `${this.restUrl.replace(/^http/, 'ws')}/ws/api/v2`;
  }

  /** Polls of placed orders' states (reads after their placing) for these labels. */
  pollsOf(labels: readonly string[]): number {
    const set = new Set(labels);
    return this.stateReads.filter((r) => r.afterPlace && set.has(r.label)).length;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.ws?.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Labels sent more than once in `private/buy`/`private/sell`. */
  duplicateLabels(): string[] {
    const seen = new Map<string, number>();
    for (const c of this.placeCalls) seen.set(c.label, (seen.get(c.label) ?? 0) + 1);
    return [...seen].filter(([, n]) => n > 1).map(([label]) => label);
  }

  /** Fills `amount` (Deribit units) of an open order at `price` (default its limit) as a maker. */
  fill(order: FakeOrder, amount: number, price = order.price): FakeTrade {
    const left = order.amount - order.filled_amount;
    const qty = Math.min(amount, left);
    if (!(qty > 0) || order.order_state !== 'open')
      throw new Error(`fake deribit: nothing to fill on ${order.order_id}`);
    const isPerp = order.instrument_name === PERP;
    // Maker fees of Deribit's table: options 0.03% of the underlying capped at 12.5% of the premium (coin); perp 0%.
    const fee = isPerp ? 0 : Math.min(0.0003 * qty, 0.125 * price * qty);
    const now = Date.now();
    const trade: FakeTrade = {
      trade_id: `${this.tradeSeq + 48_000_000}`,
      trade_seq: this.tradeSeq++,
      order_id: order.order_id,
      label: order.label,
      instrument_name: order.instrument_name,
      direction: order.direction,
      amount: qty,
      price,
      fee,
      fee_currency: 'BTC',
      index_price: this.indexPrice,
      mark_price: price,
      timestamp: now,
      state: '',
      order_type: 'limit',
      liquidity: 'M',
      tick_direction: 1,
      matching_id: null,
      post_only: order.post_only,
      reduce_only: false,
    };
    this.trades.push(trade);
    order.average_price = (order.average_price * order.filled_amount + price * qty) / (order.filled_amount + qty);
    order.filled_amount = Number((order.filled_amount + qty).toPrecision(12));
    order.commission += fee;
    order.last_update_timestamp = now;
    if (order.filled_amount >= order.amount - 1e-12) order.order_state = 'filled';
    trade.state = order.order_state;
    // The engine's pushes: the trade, then the order's new state (Deribit sends both; the client takes either order).
    this.ws?.pushTrades([trade]);
    this.ws?.pushOrder(order);
    return trade;
  }

  /** An order the venue holds open for the account (a restart test places one by hand). */
  byLabel(label: string): FakeOrder | undefined {
    return [...this.orders.values()].find((o) => o.label === label);
  }

  private reply(res: ServerResponse, status: number, body: unknown): void {
    if (res.writableEnded || res.destroyed) return;
    const us = Date.now() * 1000;
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({ jsonrpc: '2.0', ...(body as object), usIn: us, usOut: us + 10, usDiff: 10, testnet: true }),
    );
  }

  private error(res: ServerResponse, code: number, message: string): void {
    this.reply(res, 400, { error: { code, message } });
  }

  private authorised(req: IncomingMessage, pathAndQuery: string): boolean {
    const header = req.headers.authorization ?? '';
    if (header.startsWith('Bearer ')) return this.tokens.has(header.slice('Bearer '.length));
    const m = /^deri-hmac-sha256 id=([^,]+),ts=(\d+),sig=([0-9a-f]+),nonce=([^,]+)$/.exec(header);
    if (!m || m[1] !== this.options.apiKey) return false;
    const data = `${m[2]}\n${m[4]}\nGET\n${pathAndQuery}\n\n`;
    const sig = createHmac('sha256', this.options.secret).update(data).digest('hex');
    return sig === m[3];
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = url.pathname.replace(/^\/api\/v2\//, '');
    const p = Object.fromEntries(url.searchParams);
    this.requests.push(`${req.method} ${url.pathname}`);
    if (method === 'public/get_instruments') {
      const body = this.instruments.get(p.kind ?? '');
      if (body === undefined) return this.error(res, -32602, 'Invalid params');
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(body);
      return;
    }
    if (method === 'public/auth') {
      if (
        p.grant_type !== 'client_credentials' ||
        p.client_id !== this.options.apiKey ||
        p.client_secret !== this.options.secret
      ) {
        return this.error(res, 13004, 'invalid_credentials');
      }
      const token = createHash('sha256').update(randomUUID()).digest('hex');
      this.tokens.add(token);
      return this.reply(res, 200, {
        result: {
          access_token: token,
          expires_in: 31_536_000,
          refresh_token: `r${token}`,
          scope: 'trade:read_write',
          token_type: 'bearer',
        },
      });
    }
    if (!method.startsWith('private/')) return this.error(res, -32601, 'Method not found');
    if (this.dropReads > 0 && method.startsWith('private/get_')) {
      // A dropped connection: the socket closes without an answer.
      this.dropReads--;
      req.socket.destroy();
      return;
    }
    if (!this.authorised(req, `${url.pathname}${url.search}`)) return this.error(res, 13009, 'unauthorized');
    switch (method) {
      case 'private/buy':
      case 'private/sell':
        return this.place(res, method === 'private/buy' ? 'buy' : 'sell', p);
      case 'private/cancel': {
        const order = this.orders.get(p.order_id ?? '');
        if (!order) return this.error(res, 11044, 'not_open_order');
        if (order.order_state !== 'open') return this.error(res, 11044, 'not_open_order');
        order.order_state = 'cancelled';
        order.last_update_timestamp = Date.now();
        this.ws?.pushOrder(order);
        return this.reply(res, 200, { result: { ...order } });
      }
      case 'private/get_order_state': {
        const order = this.orders.get(p.order_id ?? '');
        if (!order) return this.error(res, 10004, 'order_not_found');
        this.stateReads.push({ label: order.label, afterPlace: true });
        this.onPoll(order, this);
        return this.reply(res, 200, { result: { ...order } });
      }
      case 'private/get_order_state_by_label': {
        const found = [...this.orders.values()].filter((o) => o.label === p.label && this.currencyOf(o) === p.currency);
        this.stateReads.push({ label: p.label ?? '', afterPlace: this.placeCalls.some((c) => c.label === p.label) });
        for (const o of found) this.onPoll(o, this);
        return this.reply(res, 200, { result: found.map((o) => ({ ...o })) });
      }
      case 'private/get_open_orders_by_currency':
        return this.reply(res, 200, {
          result: [...this.orders.values()]
            .filter((o) => o.order_state === 'open' && this.currencyOf(o) === p.currency)
            .map((o) => ({ ...o })),
        });
      case 'private/get_user_trades_by_currency':
      case 'private/get_user_trades_by_currency_and_time': {
        this.tradeReads++;
        const since = p.start_timestamp !== undefined ? Number(p.start_timestamp) : 0;
        const trades = this.trades.filter(
          (t) => t.timestamp >= since && t.instrument_name.startsWith(`${p.currency}-`),
        );
        return this.reply(res, 200, { result: { trades: trades.map((t) => ({ ...t })), has_more: false } });
      }
      default:
        return this.error(res, -32601, 'Method not found');
    }
  }

  private currencyOf(o: FakeOrder): string {
    return o.instrument_name.split('-')[0]!;
  }

  private async place(res: ServerResponse, direction: 'buy' | 'sell', p: Record<string, string>): Promise<void> {
    const amount = Number(p.amount);
    const price = Number(p.price);
    const label = p.label ?? '';
    this.placeCalls.push({ method: direction, label, instrument: p.instrument_name ?? '', amount, price });
    if (!(amount > 0) || !(price > 0) || !p.instrument_name) return this.error(res, -32602, 'Invalid params');
    if (label.length > 64) return this.error(res, -32602, 'Invalid params: label over 64 characters');
    const now = Date.now();
    const order: FakeOrder = {
      order_id: `${this.seq++ + 30_000_000_000}`,
      label,
      instrument_name: p.instrument_name,
      direction,
      amount,
      filled_amount: 0,
      average_price: 0,
      price,
      order_state: 'open',
      order_type: 'limit',
      time_in_force: p.time_in_force ?? 'good_til_cancelled',
      post_only: p.post_only === 'true',
      reduce_only: false,
      creation_timestamp: now,
      last_update_timestamp: now,
      commission: 0,
      api: true,
      max_show: amount,
      is_liquidation: false,
      replaced: false,
      web: false,
      mmp: false,
      risk_reducing: false,
    };
    const action = this.onPlace(order, this) ?? {};
    if ('reject' in action) return this.error(res, action.reject.code, action.reject.message);
    this.orders.set(order.order_id, order);
    this.ws?.pushOrder(order);
    const trades: FakeTrade[] = [];
    if (action.fill !== undefined && action.fill > 0)
      trades.push(this.fill(order, action.fill, action.fillPrice ?? price));
    if (order.time_in_force === 'immediate_or_cancel' && order.order_state === 'open') {
      order.order_state = 'cancelled';
      this.ws?.pushOrder(order);
    }
    for (const f of action.later ?? []) {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        if (order.order_state === 'open') this.fill(order, f.amount, f.price ?? price);
      }, f.afterMs);
      this.timers.add(timer);
    }
    if (action.delayMs !== undefined) await new Promise((r) => setTimeout(r, action.delayMs));
    this.reply(res, 200, { result: { order: { ...order }, trades } });
  }
}

export async function startFakeDeribit(options: FakeDeribitOptions): Promise<FakeDeribit> {
  const fake = new FakeDeribit(options);
  await fake.start();
  return fake;
}
