/**
 * A venue through ccxt: `testnet` is ccxt's sandbox mode (`setSandboxMode(true)`: Deribit test.deribit.com),
 * `live` the venue itself. Both need the account's API key and secret, read from the environment only
 * (`ILHEDGE_<VENUE>_API_KEY`, `ILHEDGE_<VENUE>_API_SECRET`: never from the desk config, never logged, never put in
 * an error message), and `live` also needs the service started with `--live`. `restUrl` replaces the REST origin
 * after the sandbox switch (a loopback venue in tests, `adapters/live/endpoints.ts`'s `pointRestAt`).
 *
 * Deribit specifics (ccxt 4.5.84, `js/src/deribit.js`):
 * - the client order id travels as `label` (a `private/buy`/`private/sell` parameter, at most 64 characters). ccxt
 *   does not map `clientOrderId` to it, and `parseOrder` leaves `clientOrderId` undefined: the label is read back
 *   from `info.label`;
 * - an order is found by its label with `private/get_order_state_by_label` (open and recent closed orders);
 * - amounts: options in the coin (contracts x contract size), inverse perps and futures in USD (contracts x the
 *   contract's USD value, BTC-PERPETUAL 10): converted here so the order manager speaks contracts only;
 * - open orders and trades by currency (`private/get_open_orders_by_currency`, `private/get_user_trades_by_currency`)
 *   are called directly, parsed by ccxt's own `parseOrder`/`parseTrade`: the unified methods need the currencies
 *   loaded, which the narrow market load (`venues/deribit.ts`) does not do.
 *
 * Orders are also followed by subscription (`orderFeed`, orderWatch.ts) on Deribit, where ccxt pro has
 * `watchOrders` and `watchMyTrades` and the feed reads its JSON-RPC frames (OKX, Bybit and Binance are polled: their
 * subscription acknowledgements and pushes have other shapes, not read yet). The exchange is then ccxt pro's class,
 * which is the REST class plus the websocket methods. With `restUrl` set, the websocket must point at the same server: on Deribit it is the origin's
 * `/ws/api/v2` (as at test.deribit.com and www.deribit.com) unless `wsUrl` says otherwise; another venue with a
 * REST override and no `wsUrl` has no feed (its own websocket would be another server than the REST calls').
 */
import type { Exchange, Order, Trade } from 'ccxt';
import { createCcxtClient } from '../../../adapters/client.js';
import { fromCcxtError } from '../../../adapters/errors.js';
import { checkEndpointUrl, pointRestAt } from '../../../adapters/live/endpoints.js';
import { pointExchangeAt, type WsUrlTarget } from '../../../adapters/replayWs.js';
import type { Instrument, Venue } from '../../../adapters/model.js';
import { venueAdapter } from '../../../adapters/venues/index.js';
import type { InstrumentIndex } from '../../../adapters/venues/common.js';
import { MS_PER_SECOND } from '../../../hedging/index.js';
import type { OrderFeed, PlaceOrderRequest, VenueGateway, VenueOrder, VenueTrade } from './gateway.js';
import { CcxtOrderFeed } from './orderWatch.js';

export interface VenueCredentials {
  apiKey: string;
  secret: string;
}

export class CredentialsError extends Error {
  override name = 'CredentialsError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

/** The env names of a venue's credentials: `ILHEDGE_DERIBIT_API_KEY`, `ILHEDGE_DERIBIT_API_SECRET`. */
export function credentialEnvNames(venue: string): { key: string; secret: string } {
  const v = venue.toUpperCase();
  return { key: `ILHEDGE_${v}_API_KEY`, secret: `ILHEDGE_${v}_API_SECRET` };
}

/** The venue's key and secret from the environment; the error names the missing variable, never a value. */
export function credentialsFromEnv(venue: string, env: NodeJS.ProcessEnv): VenueCredentials {
  const names = credentialEnvNames(venue);
  const apiKey = env[names.key];
  const secret = env[names.secret];
  if (!apiKey) throw new CredentialsError(names.key, `required to trade on ${venue} (testnet or live); not set`);
  if (!secret) throw new CredentialsError(names.secret, `required to trade on ${venue} (testnet or live); not set`);
  return { apiKey, secret };
}

export interface CcxtGatewayOptions {
  venue: Venue;
  mode: 'testnet' | 'live';
  credentials: VenueCredentials;
  /** REST origin override (after the sandbox switch). */
  restUrl?: string;
  timeoutMs?: number;
  /** ccxt's client-side throttle (default on; loopback tests turn it off). */
  enableRateLimit?: boolean;
  /** Follow orders by subscription where ccxt pro can (default true); false: polling only. */
  watch?: boolean;
  /** Websocket URL override (default: beside `restUrl` on Deribit, ccxt's own otherwise). */
  wsUrl?: string;
  /** ccxt's first reconnect delay after a dropped websocket, ms (ccxt's default 1000, doubling). */
  wsReconnectBaseMs?: number;
  log?: { warn: (obj: object, msg?: string) => void; info: (obj: object, msg?: string) => void };
}

/** Deribit's websocket beside a REST origin: `https://test.deribit.com` -> `wss://test.deribit.com/ws/api/v2`. */
export function deribitWsUrlBeside(restUrl: string): string {
  const u = new URL(restUrl);
  return `${u.protocol === 'https:' ? 'wss:' : 'ws:'}//${u.host}/ws/api/v2`;
}

function num(value: unknown): number | null {
  const n = typeof value === 'string' ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) ? n : null;
}

export class CcxtGateway implements VenueGateway {
  readonly venue: Venue;
  readonly mode: 'testnet' | 'live';
  readonly exchange: Exchange;
  private readonly indexes = new Map<string, Promise<InstrumentIndex>>();
  private readonly marketsByUnderlying = new Map<string, Record<string, unknown>>();
  readonly orderFeed?: OrderFeed;

  constructor(options: CcxtGatewayOptions) {
    this.venue = options.venue;
    this.mode = options.mode;
    const watch = options.watch ?? true;
    this.exchange = createCcxtClient({
      venue: options.venue,
      apiKey: options.credentials.apiKey,
      secret: options.credentials.secret,
      timeoutMs: options.timeoutMs ?? 10 * MS_PER_SECOND,
      enableRateLimit: options.enableRateLimit ?? true,
      pro: watch,
      ...(options.wsReconnectBaseMs !== undefined
        ? { options: { ws: { backoff: { base: options.wsReconnectBaseMs } } } }
        : {}),
    });
    if (options.mode === 'testnet') this.exchange.setSandboxMode(true);
    if (options.restUrl !== undefined) pointRestAt(this.exchange, options.restUrl);
    const has = this.exchange.has as Record<string, unknown>;
    const wsUrl =
      options.wsUrl ??
      (options.restUrl !== undefined && options.venue === 'deribit' ? deribitWsUrlBeside(options.restUrl) : undefined);
    // The feed reads Deribit's JSON-RPC frames (orderWatch.ts): other venues are polled until their frames are read.
    if (watch && options.venue === 'deribit' && has.watchOrders === true && has.watchMyTrades === true) {
      if (options.restUrl === undefined || wsUrl !== undefined) {
        if (wsUrl !== undefined) checkEndpointUrl(wsUrl, 'ws', `execution.venues.${options.venue}.wsUrl`);
        this.orderFeed = new CcxtOrderFeed({
          exchange: this.exchange,
          convert: { toOrder: (o, u) => this.toOrder(o, u), toTrade: (t, u) => this.toTrade(t, u) },
          prepare: async (underlying) => {
            await this.index(underlying);
            if (wsUrl !== undefined) await pointExchangeAt(this.exchange as unknown as WsUrlTarget, wsUrl);
          },
          ...(options.log ? { log: options.log } : {}),
        });
      }
    }
  }

  private async index(underlying: string): Promise<InstrumentIndex> {
    let loading = this.indexes.get(underlying);
    if (!loading) {
      loading = (async () => {
        const index = await venueAdapter(this.venue).loadInstruments(this.exchange, { underlying });
        this.marketsByUnderlying.set(underlying, { ...(this.exchange.markets ?? {}) });
        // loadInstruments replaces ccxt's markets: keep every underlying loaded so far.
        const all = Object.assign({}, ...this.marketsByUnderlying.values()) as Record<string, unknown>;
        this.exchange.setMarkets(Object.values(all) as never);
        return index;
      })();
      this.indexes.set(underlying, loading);
      loading.catch(() => this.indexes.delete(underlying));
    }
    return loading;
  }

  private async instrument(underlying: string, instrument: string): Promise<Instrument> {
    const found = (await this.index(underlying)).find(instrument);
    if (!found) throw new RangeError(`instrument: ${this.venue} lists no ${instrument} of ${underlying}`);
    return found;
  }

  private async call<T>(operation: string, symbol: string | undefined, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw fromCcxtError(error, { venue: this.venue, ...(symbol ? { symbol } : {}), operation });
    }
  }

  /** Contracts -> the venue's order amount (Deribit: USD for inverse perps and futures, the coin for options). */
  toVenueAmount(i: Instrument, contracts: number): number {
    if (this.venue !== 'deribit') return contracts;
    if (i.contractValueQuote !== null) return contracts * i.contractValueQuote;
    return contracts * (i.contractSize ?? 1);
  }

  fromVenueAmount(i: Instrument, amount: number): number {
    if (this.venue !== 'deribit') return amount;
    if (i.contractValueQuote !== null) return amount / i.contractValueQuote;
    return amount / (i.contractSize ?? 1);
  }

  private async toOrder(order: Order, underlying: string): Promise<VenueOrder> {
    const info = (order.info ?? {}) as Record<string, unknown>;
    const venueId = typeof info.instrument_name === 'string' ? info.instrument_name : String(order.symbol);
    const i = await this.instrument(underlying, venueId);
    const label = typeof info.label === 'string' && info.label !== '' ? info.label : (order.clientOrderId ?? null);
    return {
      venueOrderId: String(order.id),
      clientOrderId: label,
      instrument: i.venueId,
      side: order.side === 'sell' ? 'sell' : 'buy',
      status: String(order.status ?? info.order_state ?? 'open'),
      contracts: this.fromVenueAmount(i, num(order.amount) ?? 0),
      filledContracts: this.fromVenueAmount(i, num(order.filled) ?? 0),
      averagePrice: num(order.average) && num(order.average)! > 0 ? num(order.average) : null,
      price: num(order.price),
      updatedAtMs: num(info.last_update_timestamp) ?? order.timestamp ?? null,
    };
  }

  private async toTrade(trade: Trade, underlying: string): Promise<VenueTrade> {
    const info = (trade.info ?? {}) as Record<string, unknown>;
    const venueId = typeof info.instrument_name === 'string' ? info.instrument_name : trade.symbol!;
    const i = await this.instrument(underlying, venueId);
    const price = num(trade.price) ?? 0;
    const feeCost = num(trade.fee?.cost) ?? 0;
    const feeCurrency = trade.fee?.currency ?? i.settle;
    // Coin fees are converted at the trade's index price (Deribit sends it with every trade).
    const indexPrice = num(info.index_price) ?? num(info.underlying_price);
    let feeQuote: number;
    if (feeCurrency === i.quote || feeCurrency === 'USD' || feeCurrency === 'USDC' || feeCurrency === 'USDT') {
      feeQuote = feeCost;
    } else if (indexPrice !== null) {
      feeQuote = feeCost * indexPrice;
    } else if (i.kind !== 'option') {
      feeQuote = feeCost * price;
    } else {
      throw new RangeError(`${this.venue} trade ${String(trade.id)}: a ${feeCurrency} fee without an index price`);
    }
    return {
      tradeId: String(trade.id),
      venueOrderId: String(trade.order),
      clientOrderId: typeof info.label === 'string' && info.label !== '' ? info.label : null,
      instrument: i.venueId,
      side: trade.side === 'sell' ? 'sell' : 'buy',
      contracts: this.fromVenueAmount(i, num(trade.amount) ?? 0),
      price,
      feeQuote,
      atMs: trade.timestamp ?? 0,
    };
  }

  async placeLimitOrder(request: PlaceOrderRequest): Promise<VenueOrder> {
    const i = await this.instrument(request.underlying, request.instrument);
    const params: Record<string, unknown> =
      this.venue === 'deribit' ? { label: request.clientOrderId } : { clientOrderId: request.clientOrderId };
    if (request.timeInForce === 'ioc') params.timeInForce = 'IOC';
    if (request.timeInForce === 'post-only') params.postOnly = true;
    const order = await this.call('createOrder', i.symbol, () =>
      this.exchange.createOrder(
        i.symbol,
        'limit',
        request.side,
        this.toVenueAmount(i, request.contracts),
        request.price,
        params,
      ),
    );
    return this.toOrder(order, request.underlying);
  }

  async cancelOrder(venueOrderId: string, underlying: string, instrument: string): Promise<VenueOrder> {
    const i = await this.instrument(underlying, instrument);
    const order = await this.call('cancelOrder', i.symbol, () => this.exchange.cancelOrder(venueOrderId, i.symbol));
    return this.toOrder(order, underlying);
  }

  async fetchOrderByClientId(
    clientOrderId: string,
    underlying: string,
    instrument: string,
  ): Promise<VenueOrder | null> {
    const i = await this.instrument(underlying, instrument);
    if (this.venue === 'deribit') {
      const response = await this.call('get_order_state_by_label', i.symbol, () =>
        (this.exchange as unknown as Record<string, (p: object) => Promise<{ result?: unknown }>>)
          .privateGetGetOrderStateByLabel!({ currency: i.settle === 'USDC' ? 'USDC' : i.base, label: clientOrderId }),
      );
      const rows = Array.isArray(response.result) ? (response.result as Record<string, unknown>[]) : [];
      const mine = rows.filter((r) => r.label === clientOrderId);
      if (mine.length === 0) return null;
      if (mine.length > 1) {
        throw new RangeError(`${this.venue}: ${mine.length} orders carry the label ${clientOrderId}; expected one`);
      }
      return this.toOrder(this.exchange.parseOrder(mine[0]!), underlying);
    }
    const open = await this.call('fetchOpenOrders', i.symbol, () => this.exchange.fetchOpenOrders(i.symbol));
    const closed = await this.call('fetchClosedOrders', i.symbol, () => this.exchange.fetchClosedOrders(i.symbol));
    const found = [...open, ...closed].find((o) => o.clientOrderId === clientOrderId);
    return found ? this.toOrder(found, underlying) : null;
  }

  async fetchOpenOrders(underlying: string): Promise<VenueOrder[]> {
    await this.index(underlying);
    let orders: Order[];
    if (this.venue === 'deribit') {
      const response = await this.call('get_open_orders_by_currency', undefined, () =>
        (this.exchange as unknown as Record<string, (p: object) => Promise<{ result?: unknown }>>)
          .privateGetGetOpenOrdersByCurrency!({ currency: underlying }),
      );
      orders = this.exchange.parseOrders((Array.isArray(response.result) ? response.result : []) as object[]);
    } else {
      orders = await this.call('fetchOpenOrders', undefined, () => this.exchange.fetchOpenOrders());
    }
    const out: VenueOrder[] = [];
    for (const o of orders) out.push(await this.toOrder(o, underlying));
    return out;
  }

  async fetchMyTradesSince(underlying: string, sinceMs: number): Promise<VenueTrade[]> {
    await this.index(underlying);
    let trades: Trade[];
    if (this.venue === 'deribit') {
      const response = await this.call('get_user_trades_by_currency', undefined, () =>
        (this.exchange as unknown as Record<string, (p: object) => Promise<{ result?: { trades?: unknown } }>>)
          .privateGetGetUserTradesByCurrency!({
          currency: underlying,
          start_timestamp: Math.floor(sinceMs),
          count: 1000,
          include_old: true,
          sorting: 'asc',
        }),
      );
      const rows = response.result?.trades;
      trades = this.exchange.parseTrades((Array.isArray(rows) ? rows : []) as object[]);
    } else {
      trades = await this.call('fetchMyTrades', undefined, () => this.exchange.fetchMyTrades(undefined, sinceMs));
    }
    const out: VenueTrade[] = [];
    for (const t of trades) if ((t.timestamp ?? 0) >= sinceMs) out.push(await this.toTrade(t, underlying));
    return out;
  }

  async close(): Promise<void> {
    await this.orderFeed?.close();
    await (this.exchange as unknown as { close?: () => Promise<void> }).close?.();
  }
}
