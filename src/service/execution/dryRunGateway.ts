/**
 * Dry run, the default mode: orders are simulated against the current market snapshot and nothing is sent. An order
 * that crosses the book (a buy at or above the ask, a sell at or below the bid) fills at once, in full, at the
 * book's price, as a taker; one that does not rests and is filled at its own price as a maker when a later
 * snapshot crosses it (looked at whenever it is fetched); `post-only` crossing is rejected, `ioc` not crossing is
 * cancelled. Fees are the venue tables' (adapters/venues/fees). Fills are kept in memory: a dry run is a
 * rehearsal, its orders are stored as `dry-run` and never become ledger fills.
 */
import { randomUUID } from 'node:crypto';
import type { PlaceOrderRequest, VenueGateway, VenueOrder, VenueTrade } from './gateway.js';
import { feeQuoteOf, touchPrice } from './market.js';
import type { InstrumentQuote, MarketView } from './market.js';

interface SimOrder {
  order: VenueOrder;
  request: PlaceOrderRequest;
}

export class DryRunRejection extends Error {
  override name = 'DryRunRejection';
  /** Read by the order manager like a venue error's kind: a definitive refusal. */
  readonly kind = 'rejected';
}

export class DryRunGateway implements VenueGateway {
  readonly mode = 'dry-run' as const;
  private readonly orders = new Map<string, SimOrder>();
  private readonly byClientId = new Map<string, string>();
  readonly trades: VenueTrade[] = [];

  constructor(
    readonly venue: string,
    private readonly market: MarketView,
    private readonly now: () => number = Date.now,
  ) {}

  private quoteOf(underlying: string, instrument: string): InstrumentQuote {
    const quote = this.market.quote(this.venue, underlying, instrument);
    if (!quote) throw new DryRunRejection(`dry run: ${this.venue} ${instrument} is not in the current market`);
    return quote;
  }

  private crosses(quote: InstrumentQuote, request: PlaceOrderRequest): number | null {
    const touch = touchPrice(quote, request.side);
    if (touch === null) return null;
    return request.side === 'buy' ? (request.price >= touch ? touch : null) : request.price <= touch ? touch : null;
  }

  private fill(sim: SimOrder, quote: InstrumentQuote, price: number, role: 'maker' | 'taker'): void {
    const contracts = sim.order.contracts - sim.order.filledContracts;
    if (contracts <= 0) return;
    const at = this.now();
    this.trades.push({
      tradeId: `dry-${randomUUID()}`,
      venueOrderId: sim.order.venueOrderId,
      clientOrderId: sim.order.clientOrderId,
      instrument: sim.order.instrument,
      side: sim.order.side,
      contracts,
      price,
      feeQuote: feeQuoteOf(quote, contracts, price, role),
      atMs: at,
    });
    sim.order.filledContracts = sim.order.contracts;
    sim.order.averagePrice = price;
    sim.order.status = 'closed';
    sim.order.updatedAtMs = at;
  }

  async placeLimitOrder(request: PlaceOrderRequest): Promise<VenueOrder> {
    if (this.byClientId.has(request.clientOrderId)) {
      throw new DryRunRejection(`dry run: client order id ${request.clientOrderId} was already used`);
    }
    const quote = this.quoteOf(request.underlying, request.instrument);
    const order: VenueOrder = {
      venueOrderId: `dry-${randomUUID()}`,
      clientOrderId: request.clientOrderId,
      instrument: request.instrument,
      side: request.side,
      status: 'open',
      contracts: request.contracts,
      filledContracts: 0,
      averagePrice: null,
      price: request.price,
      updatedAtMs: this.now(),
    };
    const sim = { order, request };
    const touch = this.crosses(quote, request);
    if (touch !== null) {
      if (request.timeInForce === 'post-only') order.status = 'rejected';
      else this.fill(sim, quote, touch, 'taker');
    } else if (request.timeInForce === 'ioc') {
      order.status = 'canceled';
    }
    this.orders.set(order.venueOrderId, sim);
    this.byClientId.set(request.clientOrderId, order.venueOrderId);
    return { ...order };
  }

  private refresh(sim: SimOrder): VenueOrder {
    if (sim.order.status === 'open') {
      const quote = this.market.quote(this.venue, sim.request.underlying, sim.request.instrument);
      if (quote && this.crosses(quote, sim.request) !== null) this.fill(sim, quote, sim.request.price, 'maker');
    }
    return { ...sim.order };
  }

  async cancelOrder(venueOrderId: string): Promise<VenueOrder> {
    const sim = this.orders.get(venueOrderId);
    if (!sim) throw new DryRunRejection(`dry run: no order ${venueOrderId}`);
    this.refresh(sim);
    if (sim.order.status === 'open') {
      sim.order.status = 'canceled';
      sim.order.updatedAtMs = this.now();
    }
    return { ...sim.order };
  }

  async fetchOrderByClientId(clientOrderId: string): Promise<VenueOrder | null> {
    const id = this.byClientId.get(clientOrderId);
    const sim = id === undefined ? undefined : this.orders.get(id);
    return sim ? this.refresh(sim) : null;
  }

  async fetchOpenOrders(underlying: string): Promise<VenueOrder[]> {
    return [...this.orders.values()]
      .filter((s) => s.request.underlying === underlying)
      .map((s) => this.refresh(s))
      .filter((o) => o.status === 'open');
  }

  async fetchMyTradesSince(_underlying: string, sinceMs: number): Promise<VenueTrade[]> {
    return this.trades.filter((t) => t.atMs >= sinceMs).map((t) => ({ ...t }));
  }

  async close(): Promise<void> {}
}
