/**
 * The order manager: an approved ticket becomes orders, followed until filled or cancelled, its fills recorded in the
 * ledger as they arrive (orderStore.ts: one transaction per update).
 *
 * - Legs go in the configured order (`legOrder`: options first, the perp last). The perp is re-sized on what the
 *   options actually filled: with fill fraction f_i of option leg i (delta d_i) and the perp's delta per contract
 *   D, the perp trades `p0 + sum (1 - f_i) d_i / D` contracts (p0 the ticketed perp, signed), rounded to its lot
 *   toward zero and never beyond the leg (the ledger takes no more than a leg asks for; `toTrade` shows the rest).
 * - Each leg is a limit order at the ticket's limit price with a deterministic client order id (ticket, leg,
 *   attempt). Before any attempt is placed the id is looked up at the venue, so a retry after a crash or a timeout
 *   never places twice; an order whose send failed with an unknown outcome (a timeout after the venue accepted it)
 *   is found by its id, and one the venue never received is marked `expired` and the next attempt takes a new id:
 *   no client order id is ever sent twice.
 * - A leg that runs out of attempts stops the other option legs, and the perp is still traded, re-sized on what
 *   filled; a rejection, a refused control or a halt stops the whole ticket. The ticket stays partially executed
 *   and the book's `toTrade` shows what is left.
 * - An order is followed by polling (`fetchOrderByClientId`, every `pollIntervalMs`; ccxt pro `watchOrders` is a
 *   later step). Not filled within `fillTimeoutMs` it is cancelled and the rest re-priced, up to `maxReprices`
 *   times, within `priceToleranceFraction` of the ticket's limit (buy: up to limit x (1 + t), on a ladder toward
 *   that cap or at the touch when it is inside; sell: the mirror image).
 * - Controls before every order: the price collar against the instrument's mark, per-order and per-day notional.
 * - `reconcile` (before anything new is sent after a start): every working order is looked up at the venue, its
 *   state and missing fills (`fetchMyTradesSince` its creation) recorded; an order the venue never received is
 *   expired; an open order carrying one of our ids that the store holds as finished (or not at all) is cancelled.
 */
import type { Logger } from 'pino';
import type { StoredTicket, StoredTicketLegState } from '../store/index.js';
import { clientOrderId, parseClientOrderId, ticketKey } from './clientOrderId.js';
import { venueMode } from './config.js';
import type { ExecutionConfig, ExecutionMode } from './config.js';
import { ExecutionHaltedError, OrderRefusedError } from './errors.js';
import { outcomeUnknown } from './gateway.js';
import type { PlaceOrderRequest, VenueGateway, VenueOrder, VenueTrade } from './gateway.js';
import { markPrice, notionalQuote, roundToTick, touchPrice } from './market.js';
import type { InstrumentQuote, MarketView } from './market.js';
import { isTerminal, stateFromVenue } from './orderState.js';
import type { OrderStore, StoredOrder } from './orderStore.js';
import { MS_PER_SECOND } from '../../../pricing/time.js';

const EPS = 1e-9;

export interface OrderManagerOptions {
  orders: OrderStore;
  config: ExecutionConfig;
  /** The gateway of a venue in its configured mode (throws when it cannot be traded, e.g. live without --live). */
  gateway: (venue: string, mode: ExecutionMode) => VenueGateway;
  market: MarketView;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  log?: Pick<Logger, 'info' | 'warn' | 'error'>;
  /** Called after fills were recorded in the ledger (the service refreshes the book). */
  onFills?: () => void;
}

/** A ticket that cannot be executed as it stands (not approved, already running, mixed modes): a conflict. */
export class ExecutionConflictError extends Error {
  override name = 'ExecutionConflictError';
}

export interface LegResult {
  legIndex: number;
  instrument: string;
  kind: string;
  side: 'buy' | 'sell';
  /** Contracts the leg was to trade in this execution (the perp re-sized), and what is filled of it in total. */
  targetContracts: number;
  filledContracts: number;
  attempts: number;
  /** Why the leg stopped short, null when it filled or was not needed. */
  stopped: string | null;
}

export interface ExecutionResult {
  ticketId: string;
  mode: ExecutionMode;
  dryRun: boolean;
  /** `filled`: every leg filled; `partial`: stopped with something left (see `reason`). */
  outcome: 'filled' | 'partial';
  reason: string | null;
  legs: LegResult[];
  orders: StoredOrder[];
  ticket: StoredTicket;
}

export interface ReconcileReport {
  checked: number;
  updated: string[];
  expired: string[];
  orphansCancelled: string[];
  fillsRecorded: number;
  failures: { orderId: string; message: string }[];
}

export interface HaltReport {
  halted: true;
  cancelled: string[];
  failures: { orderId: string; message: string }[];
}

interface LegOutcome {
  complete: boolean;
  attempts: number;
  stopped: string | null;
  /** The venue rejected an order: nothing more of the ticket is placed. */
  rejected?: boolean;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export class OrderManager {
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly running = new Set<string>();
  private stopping = false;

  constructor(private readonly options: OrderManagerOptions) {
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  private get orders(): OrderStore {
    return this.options.orders;
  }

  private get config(): ExecutionConfig {
    return this.options.config;
  }

  /** Stops every loop at its next step (orders stay working at the venue; `reconcile` picks them up). */
  stop(): void {
    this.stopping = true;
  }

  isRunning(ticketId: string): boolean {
    return this.running.has(ticketId);
  }

  private halted(): boolean {
    return this.orders.haltState().halted;
  }

  /** The single mode of a ticket's legs (a ticket spanning venues in different modes is refused). */
  modeOf(ticket: StoredTicket): ExecutionMode {
    const modes = [...new Set((ticket.legs ?? []).map((l) => venueMode(this.config, l.venue)))];
    if (modes.length === 0) return this.config.mode;
    if (modes.length > 1) {
      throw new ExecutionConflictError(
        `ticket ${ticket.id}: its legs are on venues in different execution modes (${modes.join(', ')})`,
      );
    }
    return modes[0]!;
  }

  private filledNow(ticketId: string, legIndex: number, mode: ExecutionMode, legs: number): number {
    if (mode === 'dry-run') return this.orders.filledPerLeg(ticketId, mode, legs)[legIndex] ?? 0;
    const ticket = this.orders.store.getTicket(ticketId);
    return ticket?.legs?.[legIndex]?.filledContracts ?? 0;
  }

  /**
   * The checks before a ticket is executed, with the same errors `execute` raises: halted, already running, not
   * approved, no legs, mixed modes, a dry run already done. Returns the ticket and its mode.
   */
  prepare(ticketId: string): { ticket: StoredTicket; mode: ExecutionMode } {
    if (this.halted()) {
      throw new ExecutionHaltedError(`execution is halted: ticket ${ticketId} was not executed; resume first`);
    }
    if (this.running.has(ticketId)) throw new ExecutionConflictError(`ticket ${ticketId} is already being executed`);
    const ticket = this.orders.store.getTicket(ticketId);
    if (!ticket) throw new ExecutionConflictError(`ticket ${ticketId} not found`);
    if (ticket.status !== 'approved' && ticket.status !== 'partially-executed') {
      throw new ExecutionConflictError(
        `ticket ${ticketId} is ${ticket.status}: only an approved or partially executed ticket is executed`,
      );
    }
    if (!ticket.legs || ticket.legs.length === 0) {
      throw new ExecutionConflictError(`ticket ${ticketId} has no legs to execute`);
    }
    const mode = this.modeOf(ticket);
    if (mode === 'dry-run' && this.orders.listOrders({ ticketId, mode }).length > 0) {
      throw new ExecutionConflictError(
        `ticket ${ticketId} was already executed as a dry run (its orders: GET /api/orders?ticketId=${ticketId})`,
      );
    }
    return { ticket, mode };
  }

  /** Executes an approved (or partially executed) ticket; resolves when every leg is done or the ticket stopped. */
  async execute(ticketId: string, actor: string): Promise<ExecutionResult> {
    const { ticket, mode } = this.prepare(ticketId);
    this.running.add(ticketId);
    try {
      return await this.run(ticket, mode, actor);
    } finally {
      this.running.delete(ticketId);
    }
  }

  private async run(ticket: StoredTicket, mode: ExecutionMode, actor: string): Promise<ExecutionResult> {
    const legs = ticket.legs!;
    const rank = (kind: string) => {
      const at = this.config.legOrder.indexOf(kind as never);
      return at === -1 ? this.config.legOrder.length : at;
    };
    const order = legs.map((_, i) => i).sort((a, b) => rank(legs[a]!.kind) - rank(legs[b]!.kind) || a - b);
    const results: LegResult[] = legs.map((leg, i) => ({
      legIndex: i,
      instrument: leg.instrument,
      kind: leg.kind,
      side: leg.side,
      targetContracts: leg.contracts,
      filledContracts: this.filledNow(ticket.id, i, mode, legs.length),
      attempts: 0,
      stopped: null,
    }));
    let reason: string | null = null;
    /** A leg that ran out of attempts: the other option legs are not placed, the perp still hedges what filled. */
    let shortfall: string | null = null;
    for (const i of order) {
      const leg = legs[i]!;
      if (shortfall !== null && leg.kind !== 'perp') {
        results[i]!.stopped = `not placed: ${shortfall}`;
        continue;
      }
      const target = leg.kind === 'perp' ? this.resizedPerp(ticket, i, results, mode) : leg.contracts;
      results[i]!.targetContracts = target;
      if (target - results[i]!.filledContracts <= EPS) continue;
      let outcome: LegOutcome;
      try {
        outcome = await this.runLeg(ticket, i, leg, target, mode, actor);
      } catch (error) {
        if (!(error instanceof ExecutionHaltedError || error instanceof OrderRefusedError)) throw error;
        results[i]!.filledContracts = this.filledNow(ticket.id, i, mode, legs.length);
        results[i]!.stopped = errorText(error);
        reason = `leg ${i} (${leg.instrument}): ${errorText(error)}; the rest of the ticket was not placed`;
        this.options.log?.warn({ ticketId: ticket.id, leg: i, err: error }, 'execution stopped');
        break;
      }
      results[i]!.filledContracts = this.filledNow(ticket.id, i, mode, legs.length);
      results[i]!.attempts = outcome.attempts;
      if (outcome.complete) continue;
      results[i]!.stopped = outcome.stopped;
      if (outcome.rejected || leg.kind === 'perp') {
        reason = `leg ${i} (${leg.instrument}): ${outcome.stopped}; the rest of the ticket was not placed`;
        break;
      }
      shortfall = `leg ${i} (${leg.instrument}) fell short: ${outcome.stopped}`;
      reason ??= `${shortfall}; the other option legs were not placed, the perp was re-sized on what filled`;
    }
    const done = results.every((r) => r.targetContracts - r.filledContracts <= EPS) && reason === null;
    return {
      ticketId: ticket.id,
      mode,
      dryRun: mode === 'dry-run',
      outcome: done ? 'filled' : 'partial',
      reason,
      legs: results,
      orders: this.orders.listOrders({ ticketId: ticket.id, mode }),
      ticket: this.orders.store.getTicket(ticket.id)!,
    };
  }

  /** The perp leg's contracts given what the other legs filled (see the module comment). */
  private resizedPerp(ticket: StoredTicket, perpIndex: number, results: LegResult[], mode: ExecutionMode): number {
    const legs = ticket.legs!;
    const perp = legs[perpIndex]!;
    const content = (ticket.content.ticket as { legs?: { delta?: unknown; instrument?: unknown }[] } | undefined)?.legs;
    const perpDelta = content?.[perpIndex]?.delta;
    const signed = perp.side === 'buy' ? perp.contracts : -perp.contracts;
    if (typeof perpDelta !== 'number' || !(Math.abs(perpDelta) > 0) || !content) return perp.contracts;
    const deltaPerContract = perpDelta / signed;
    let p = signed;
    legs.forEach((leg, i) => {
      if (i === perpIndex || leg.kind === 'perp') return;
      const d = content[i]?.delta;
      if (typeof d !== 'number' || content[i]?.instrument !== leg.instrument) return;
      const filled = mode === 'dry-run' ? results[i]!.filledContracts : this.filledNow(ticket.id, i, mode, legs.length);
      const f = leg.contracts > 0 ? Math.min(1, filled / leg.contracts) : 1;
      p += ((1 - f) * d) / deltaPerContract;
    });
    const quote = this.options.market.quote(perp.venue, perp.underlying, perp.instrument);
    const lot = quote?.instrument.amountStep ?? 1;
    const inDirection = Math.sign(p) === Math.sign(signed) ? Math.abs(p) : 0;
    const lots = Math.floor(inDirection / lot + EPS);
    return Math.min(perp.contracts, Number((lots * lot).toPrecision(12)));
  }

  private quoteOf(leg: StoredTicketLegState): InstrumentQuote {
    const quote = this.options.market.quote(leg.venue, leg.underlying, leg.instrument);
    if (!quote) {
      throw new OrderRefusedError(
        'execution.collarFraction',
        `${leg.venue} ${leg.instrument} is not in the current market: no mark to check the order against`,
      );
    }
    return quote;
  }

  /** The price of attempt `attempt` (0: the ticket's limit), or null when the tolerance leaves none. */
  priceFor(leg: StoredTicketLegState, quote: InstrumentQuote, attempt: number): number {
    if (attempt === 0) return leg.limitPrice;
    const t = this.config.priceToleranceFraction;
    const buy = leg.side === 'buy';
    const cap = buy ? leg.limitPrice * (1 + t) : leg.limitPrice * (1 - t);
    const steps = Math.max(1, this.config.maxReprices);
    const ladder = leg.limitPrice + ((cap - leg.limitPrice) * Math.min(attempt, steps)) / steps;
    const touch = touchPrice(quote, leg.side);
    let price = buy ? Math.max(ladder, touch ?? ladder) : Math.min(ladder, touch ?? ladder);
    price = buy ? Math.min(price, cap) : Math.max(price, cap);
    const rounded = roundToTick(quote, price, leg.side);
    // Rounding toward the safe side may fall behind the ticket's own limit: never worse than the ticket for us.
    return buy ? Math.max(rounded, leg.limitPrice) : Math.min(rounded, leg.limitPrice);
  }

  private checkControls(
    leg: StoredTicketLegState,
    quote: InstrumentQuote,
    price: number,
    contracts: number,
    mode: ExecutionMode,
  ): number {
    const mark = markPrice(quote);
    if (mark === null) {
      throw new OrderRefusedError(
        'execution.collarFraction',
        `${leg.instrument} has no mark to check the price against`,
      );
    }
    const away = Math.abs(price - mark) / mark;
    const ticks = this.config.collarMinTicks * quote.instrument.priceTick;
    if (away > this.config.collarFraction && Math.abs(price - mark) > ticks + EPS * mark) {
      throw new OrderRefusedError(
        'execution.collarFraction',
        `${leg.instrument} ${leg.side} at ${price} is ${(away * 100).toPrecision(4)}% from the mark ${mark}, beyond the collar of ${(this.config.collarFraction * 100).toPrecision(4)}% (and more than ${this.config.collarMinTicks} ticks of ${quote.instrument.priceTick})`,
      );
    }
    const notional = notionalQuote(quote, contracts);
    if (notional === null) {
      throw new OrderRefusedError('execution.limits', `${leg.instrument}: no price to value ${contracts} contracts at`);
    }
    const perLeg = this.config.limits.maxNotionalQuotePerLeg;
    if (perLeg !== null && notional > perLeg) {
      throw new OrderRefusedError(
        'execution.limits.maxNotionalQuotePerLeg',
        `${contracts} contracts of ${leg.instrument} are ${notional.toFixed(2)} quote notional, over the per-order limit ${perLeg}`,
      );
    }
    const perDay = this.config.limits.maxNotionalQuotePerDay;
    if (perDay !== null) {
      const today = this.orders.notionalPlacedInDay(mode, this.now());
      if (today + notional > perDay) {
        throw new OrderRefusedError(
          'execution.limits.maxNotionalQuotePerDay',
          `${leg.instrument}: ${today.toFixed(2)} placed today plus ${notional.toFixed(2)} is over the daily limit ${perDay}`,
        );
      }
    }
    return notional;
  }

  private roundDownToLot(quote: InstrumentQuote, contracts: number): number {
    const lot = quote.instrument.amountStep;
    if (!(lot > 0)) return contracts;
    return Number((Math.floor(contracts / lot + EPS) * lot).toPrecision(12));
  }

  private async runLeg(
    ticket: StoredTicket,
    i: number,
    leg: StoredTicketLegState,
    target: number,
    mode: ExecutionMode,
    actor: string,
  ): Promise<LegOutcome> {
    const gateway = this.options.gateway(leg.venue, mode);
    const legs = ticket.legs!.length;
    const dryRun = mode === 'dry-run';
    const previous = this.orders.listOrders({ ticketId: ticket.id, mode }).filter((o) => o.legIndex === i);
    // After a restart: an order still working is followed (to its timeout) before anything new is placed.
    for (const working of previous.filter((o) => !isTerminal(o.state))) {
      await this.follow(working, gateway, actor, this.now() + this.config.fillTimeoutMs);
    }
    const maxAttempts = this.config.maxReprices + 1;
    let attempt = previous.length === 0 ? 0 : Math.max(...previous.map((o) => o.attempt)) + 1;
    let attempts = 0;
    while (attempt < maxAttempts) {
      if (this.stopping) return { complete: false, attempts, stopped: 'the service is stopping' };
      if (this.halted()) throw new ExecutionHaltedError('execution was halted');
      const remaining = target - this.filledNow(ticket.id, i, mode, legs);
      if (remaining <= EPS) return { complete: true, attempts, stopped: null };
      const quote = this.quoteOf(leg);
      const contracts = this.roundDownToLot(quote, remaining);
      if (contracts <= EPS) return { complete: true, attempts, stopped: null };
      const price = this.priceFor(leg, quote, attempt);
      const notional = this.checkControls(leg, quote, price, contracts, mode);
      const id = clientOrderId(ticket.id, i, attempt, { dryRun });
      attempts++;
      const placed = await this.placeOnce(
        {
          clientOrderId: id,
          underlying: leg.underlying,
          instrument: leg.instrument,
          kind: leg.kind,
          side: leg.side,
          contracts,
          price,
          timeInForce: this.config.timeInForce,
        },
        { ticketId: ticket.id, legIndex: i, attempt, mode, venue: leg.venue, notional },
        gateway,
        actor,
      );
      attempt++;
      if (!placed) continue;
      const final = await this.follow(placed, gateway, actor, this.now() + this.config.fillTimeoutMs);
      if (final.state === 'rejected') {
        return { complete: false, attempts, stopped: `order ${final.id} was rejected by the venue`, rejected: true };
      }
      if (this.halted()) throw new ExecutionHaltedError('execution was halted');
    }
    const left = target - this.filledNow(ticket.id, i, mode, legs);
    if (left <= EPS) return { complete: true, attempts, stopped: null };
    return {
      complete: false,
      attempts,
      stopped: `${left} contracts not filled after ${maxAttempts} attempts (maxReprices ${this.config.maxReprices})`,
    };
  }

  /**
   * Places one attempt, never twice: the id is looked up at the venue first (adopted when found); otherwise the
   * order is stored as `new`, then sent. A send of unknown outcome is resolved by looking the id up again; an order
   * the venue does not have is expired (the next attempt takes a new id). Returns null when nothing is working.
   */
  private async placeOnce(
    request: PlaceOrderRequest,
    meta: { ticketId: string; legIndex: number; attempt: number; mode: ExecutionMode; venue: string; notional: number },
    gateway: VenueGateway,
    actor: string,
  ): Promise<StoredOrder | null> {
    const id = request.clientOrderId;
    // Nothing is placed before the venue has said whether it holds the id: a dropped read is tried again.
    const atVenue = await this.retrying(id, () =>
      gateway.fetchOrderByClientId(id, request.underlying, request.instrument),
    );
    let stored = this.orders.getOrder(id);
    if (atVenue) {
      stored ??= this.orders.createOrder(this.newOrder(request, meta), actor);
      return this.sync(stored, atVenue, gateway, actor, 'found at the venue by its client order id before placing');
    }
    if (stored) {
      // Stored but not at the venue: it never got there. Its id is spent; the caller moves to the next attempt.
      return this.expireUnsent(stored, actor, 'stored before a crash but not at the venue; never sent again');
    }
    stored = this.orders.createOrder(this.newOrder(request, meta), actor);
    let placed: VenueOrder;
    try {
      placed = await gateway.placeLimitOrder(request);
    } catch (error) {
      if (!outcomeUnknown(error)) {
        this.options.log?.warn({ orderId: id, err: error }, 'order rejected');
        return this.orders.applyUpdate(id, { state: 'rejected', filledContracts: 0 }, [], actor, errorText(error))
          .order;
      }
      this.options.log?.warn({ orderId: id, err: error }, 'order send of unknown outcome: looking it up by its id');
      for (let k = 0; k < 3; k++) {
        await this.sleep(this.config.pollIntervalMs);
        let found: VenueOrder | null = null;
        try {
          found = await gateway.fetchOrderByClientId(id, request.underlying, request.instrument);
        } catch (lookupError) {
          this.options.log?.warn({ orderId: id, err: lookupError }, 'looking the order up failed');
          continue;
        }
        if (found)
          return this.sync(stored, found, gateway, actor, `found by its client order id after: ${errorText(error)}`);
      }
      return this.expireUnsent(
        stored,
        actor,
        `not at the venue after a failed send (${errorText(error)}); never sent again`,
      );
    }
    return this.sync(stored, placed, gateway, actor, 'accepted by the venue');
  }

  /** Runs a venue read, trying again (up to 3 more times, a poll interval apart) when its outcome is unknown. */
  private async retrying<T>(orderId: string, read: () => Promise<T>): Promise<T> {
    for (let k = 0; ; k++) {
      try {
        return await read();
      } catch (error) {
        if (k >= 3 || !outcomeUnknown(error)) throw error;
        this.options.log?.warn({ orderId, err: error }, 'venue read failed; trying again');
        await this.sleep(this.config.pollIntervalMs);
      }
    }
  }

  private expireUnsent(order: StoredOrder, actor: string, note: string): null {
    if (!isTerminal(order.state))
      this.orders.applyUpdate(order.id, { state: 'expired', filledContracts: order.filledContracts }, [], actor, note);
    return null;
  }

  private newOrder(
    request: PlaceOrderRequest,
    meta: { ticketId: string; legIndex: number; attempt: number; mode: ExecutionMode; venue: string; notional: number },
  ) {
    return {
      clientOrderId: request.clientOrderId,
      ticketId: meta.ticketId,
      legIndex: meta.legIndex,
      attempt: meta.attempt,
      mode: meta.mode,
      venue: meta.venue,
      underlying: request.underlying,
      instrument: request.instrument,
      kind: request.kind,
      side: request.side,
      contracts: request.contracts,
      limitPrice: request.price,
      timeInForce: request.timeInForce,
      notionalQuote: meta.notional,
    };
  }

  /**
   * Brings the stored order to what the venue says, recording the fills not seen yet (the account's trades since the
   * order was created, of this order) in the same transaction as the state change.
   */
  private async sync(
    order: StoredOrder,
    v: VenueOrder,
    gateway: VenueGateway,
    actor: string,
    note: string | null,
  ): Promise<StoredOrder> {
    const state = stateFromVenue(v.status, v.filledContracts, v.contracts);
    const recordedContracts = this.orders.fills(order.id).reduce((s, f) => s + f.contracts, 0);
    let trades: VenueTrade[] = [];
    if (v.filledContracts - recordedContracts > EPS) {
      for (let k = 0; k < 3; k++) {
        const all = await gateway.fetchMyTradesSince(order.underlying, order.createdAtMs - MS_PER_SECOND * 60);
        trades = all.filter((t) => t.venueOrderId === v.venueOrderId);
        const sum = trades.reduce((s, t) => s + t.contracts, 0);
        if (sum - v.filledContracts >= -EPS || !isTerminal(state)) break;
        await this.sleep(this.config.pollIntervalMs);
      }
    }
    const result = this.orders.applyUpdate(
      order.id,
      { state, filledContracts: v.filledContracts, averagePrice: v.averagePrice, venueOrderId: v.venueOrderId },
      trades,
      actor,
      note,
    );
    if (result.recorded.length > 0 && !order.dryRun) this.options.onFills?.();
    const recorded = this.orders.fills(order.id).reduce((s, f) => s + f.contracts, 0);
    if (isTerminal(result.order.state) && result.order.filledContracts - recorded > EPS) {
      throw new Error(
        `order ${order.id}: the venue reports ${result.order.filledContracts} contracts filled but its trades show ${recorded}; reconcile before trading on`,
      );
    }
    return result.order;
  }

  /** Follows an order until it is finished; at `deadlineMs` (or on a halt) it is cancelled. */
  private async follow(
    order: StoredOrder,
    gateway: VenueGateway,
    actor: string,
    deadlineMs: number,
  ): Promise<StoredOrder> {
    let current = order;
    let cancelSent = false;
    let afterCancel = 0;
    while (!isTerminal(current.state)) {
      if (this.stopping) return current;
      const due = this.now() >= deadlineMs || this.halted();
      if (due && !cancelSent) {
        cancelSent = true;
        current = await this.cancel(current, gateway, actor, this.halted() ? 'halt' : 'not filled in time');
        continue;
      }
      if (cancelSent && ++afterCancel > 10) {
        throw new Error(`order ${current.id}: still ${current.state} after its cancel; reconcile before trading on`);
      }
      await this.sleep(
        Math.max(0, Math.min(this.config.pollIntervalMs, deadlineMs - this.now())) || this.config.pollIntervalMs,
      );
      let v: VenueOrder | null;
      try {
        v = await gateway.fetchOrderByClientId(current.id, current.underlying, current.instrument);
      } catch (error) {
        // A dropped connection or a timeout while following: keep following (the deadline still holds).
        if (!outcomeUnknown(error)) throw error;
        this.options.log?.warn({ orderId: current.id, err: error }, 'reading the order failed; retrying');
        continue;
      }
      if (v) current = await this.sync(current, v, gateway, actor, null);
    }
    return current;
  }

  private async cancel(order: StoredOrder, gateway: VenueGateway, actor: string, reason: string): Promise<StoredOrder> {
    this.orders.auditCancel(order.id, actor, reason);
    let venueId = order.venueOrderId;
    if (venueId === null) {
      const found = await gateway.fetchOrderByClientId(order.id, order.underlying, order.instrument);
      if (!found)
        return (
          this.expireUnsent(order, actor, `cancel (${reason}): not at the venue`) ?? this.orders.getOrder(order.id)!
        );
      venueId = found.venueOrderId;
    }
    try {
      const v = await gateway.cancelOrder(venueId, order.underlying, order.instrument);
      return await this.sync(order, v, gateway, actor, `cancel: ${reason}`);
    } catch (error) {
      // Filled (or cancelled) in the meantime: the venue's own state says which.
      this.options.log?.warn({ orderId: order.id, err: error }, 'cancel failed; reading the order');
      const v = await gateway.fetchOrderByClientId(order.id, order.underlying, order.instrument);
      return v ? this.sync(order, v, gateway, actor, `cancel refused (${errorText(error)})`) : order;
    }
  }

  /** Start-up: the store made to agree with the venues before anything new is sent (see the module comment). */
  async reconcile(actor = 'system:reconcile'): Promise<ReconcileReport> {
    const report: ReconcileReport = {
      checked: 0,
      updated: [],
      expired: [],
      orphansCancelled: [],
      fillsRecorded: 0,
      failures: [],
    };
    const working = this.orders.workingOrders();
    const markets = new Map<string, { venue: string; underlying: string; mode: ExecutionMode }>();
    for (const order of working) {
      report.checked++;
      if (order.mode === 'dry-run') {
        // A dry run's simulated book lives in memory: what was working ended with the process.
        this.orders.applyUpdate(
          order.id,
          { state: 'expired', filledContracts: order.filledContracts },
          [],
          actor,
          'dry run ended with the service',
        );
        report.expired.push(order.id);
        continue;
      }
      markets.set(`${order.venue}/${order.underlying}/${order.mode}`, {
        venue: order.venue,
        underlying: order.underlying,
        mode: order.mode,
      });
      try {
        const gateway = this.options.gateway(order.venue, order.mode);
        const before = this.orders.fills(order.id).length;
        const v = await gateway.fetchOrderByClientId(order.id, order.underlying, order.instrument);
        if (!v) {
          this.orders.applyUpdate(
            order.id,
            { state: 'expired', filledContracts: order.filledContracts },
            [],
            actor,
            'not at the venue at reconcile',
          );
          report.expired.push(order.id);
          continue;
        }
        const after = await this.sync(order, v, gateway, actor, 'reconciled at start-up');
        report.fillsRecorded += this.orders.fills(order.id).length - before;
        if (after.state !== order.state || after.filledContracts !== order.filledContracts)
          report.updated.push(order.id);
      } catch (error) {
        report.failures.push({ orderId: order.id, message: errorText(error) });
      }
    }
    // Orders of ours open at the venue that the store holds as finished (or not at all) are cancelled.
    for (const ticket of this.orders.listOrders()) {
      if (ticket.mode !== 'dry-run')
        markets.set(`${ticket.venue}/${ticket.underlying}/${ticket.mode}`, {
          venue: ticket.venue,
          underlying: ticket.underlying,
          mode: ticket.mode,
        });
    }
    for (const m of markets.values()) {
      try {
        const gateway = this.options.gateway(m.venue, m.mode);
        for (const open of await gateway.fetchOpenOrders(m.underlying)) {
          if (!open.clientOrderId || !parseClientOrderId(open.clientOrderId)) continue;
          const stored = this.orders.getOrder(open.clientOrderId);
          if (stored && !isTerminal(stored.state)) continue;
          await gateway.cancelOrder(open.venueOrderId, m.underlying, open.instrument);
          this.orders.auditCancel(open.clientOrderId, actor, 'orphan: open at the venue, not working in the store');
          report.orphansCancelled.push(open.clientOrderId);
        }
      } catch (error) {
        report.failures.push({ orderId: `${m.venue}/${m.underlying}`, message: errorText(error) });
      }
    }
    this.options.log?.info({ ...report }, 'execution reconciled with the venues');
    return report;
  }

  /** The kill switch: refuses new orders from now on and cancels every working order. */
  async halt(actor: string, reason: string | null): Promise<HaltReport> {
    this.orders.setHalted(true, actor, reason);
    const report: HaltReport = { halted: true, cancelled: [], failures: [] };
    for (const order of this.orders.workingOrders()) {
      try {
        const gateway = this.options.gateway(order.venue, order.mode);
        const after = await this.cancel(order, gateway, actor, `halt${reason ? `: ${reason}` : ''}`);
        if (after.state === 'cancelled' || after.state === 'expired') report.cancelled.push(order.id);
      } catch (error) {
        report.failures.push({ orderId: order.id, message: errorText(error) });
      }
    }
    return report;
  }

  resume(actor: string, reason: string | null) {
    return this.orders.setHalted(false, actor, reason);
  }
}

/** The ids the manager would use for a ticket's leg (tests, and `GET /api/orders` readers). */
export function ticketClientOrderIds(ticketId: string, legIndex: number, attempts: number, dryRun = false): string[] {
  ticketKey(ticketId);
  return Array.from({ length: attempts }, (_, a) => clientOrderId(ticketId, legIndex, a, { dryRun }));
}
