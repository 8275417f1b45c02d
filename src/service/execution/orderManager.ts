/**
 * The order manager: an approved ticket becomes orders, followed until filled or cancelled, its fills recorded in the
 * ledger as they arrive (orderStore.ts: one transaction per update). This file holds the ticket-level orchestration;
 * each step is in its own module:
 * - legs go in the configured order (`legOrder`: options first, the perp last), the perp re-sized on what the
 *   options actually filled (perpResize.ts);
 * - each leg runs its attempts (legRunner.ts): priced and re-priced within the tolerance (repricing.ts), checked by
 *   the controls (orderControls.ts: the collar, per-order and per-day notional), placed once under a deterministic
 *   client order id (placeOrder.ts) and followed by the venue's pushes or by polling until filled or cancelled
 *   (orderSync.ts, orderWatch.ts);
 * - `reconcile` (reconcile.ts) makes the store agree with the venues after a start, `halt` (halt.ts) is the kill
 *   switch.
 *
 * A leg that runs out of attempts stops the other option legs, and the perp is still traded, re-sized on what filled;
 * a rejection, a refused control or a halt stops the whole ticket. The ticket stays partially executed and the book's
 * `toTrade` shows what is left.
 */
import type { Logger } from 'pino';
import type { StoredTicket, StoredTicketLegState } from '../store/index.js';
import { clientOrderId, ticketKey } from './clientOrderId.js';
import { venueMode } from './config.js';
import type { ExecutionConfig, ExecutionMode } from './config.js';
import { ExecutionHaltedError, OrderRefusedError } from './errors.js';
import { EPS, errorText, filledNow } from './executionContext.js';
import type { ExecutionContext } from './executionContext.js';
import type { VenueGateway } from './gateway.js';
import { haltExecution } from './halt.js';
import type { HaltReport } from './halt.js';
import { runLeg } from './legRunner.js';
import type { LegOutcome } from './legRunner.js';
import type { InstrumentQuote, MarketView } from './market.js';
import type { OrderStore, StoredOrder } from './orderStore.js';
import { resizedPerp } from './perpResize.js';
import { reconcileWithVenues } from './reconcile.js';
import type { ReconcileReport } from './reconcile.js';
import { priceFor } from './repricing.js';

// The reports stay importable from here, beside the manager that returns them.
export type { HaltReport } from './halt.js';
export type { ReconcileReport } from './reconcile.js';

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

export class OrderManager {
  private readonly running = new Set<string>();
  private stopping = false;
  private readonly ctx: ExecutionContext;

  constructor(options: OrderManagerOptions) {
    const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
    this.ctx = {
      orders: options.orders,
      config: options.config,
      gateway: (venue, mode) => options.gateway(venue, mode),
      market: options.market,
      now: options.now ?? Date.now,
      sleep,
      log: options.log,
      onFills: () => options.onFills?.(),
      stopping: () => this.stopping,
      halted: () => options.orders.haltState().halted,
    };
  }

  private get orders(): OrderStore {
    return this.ctx.orders;
  }

  private get config(): ExecutionConfig {
    return this.ctx.config;
  }

  /** Stops every loop at its next step (orders stay working at the venue; `reconcile` picks them up). */
  stop(): void {
    this.stopping = true;
  }

  isRunning(ticketId: string): boolean {
    return this.running.has(ticketId);
  }

  private halted(): boolean {
    return this.ctx.halted();
  }

  private filledNow(ticketId: string, legIndex: number, mode: ExecutionMode, legs: number): Promise<number> {
    return filledNow(this.ctx, ticketId, legIndex, mode, legs);
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

  /**
   * The checks before a ticket is executed, with the same errors `execute` raises: halted, already running, not
   * approved, no legs, mixed modes, a dry run already done. Returns the ticket and its mode.
   */
  async prepare(ticketId: string): Promise<{ ticket: StoredTicket; mode: ExecutionMode }> {
    if (this.running.has(ticketId)) throw new ExecutionConflictError(`ticket ${ticketId} is already being executed`);
    return this.prepareClaimed(ticketId);
  }

  /** `prepare`'s checks of the ticket itself (run again once the ticket is claimed). */
  private async prepareClaimed(ticketId: string): Promise<{ ticket: StoredTicket; mode: ExecutionMode }> {
    if (this.halted()) {
      throw new ExecutionHaltedError(`execution is halted: ticket ${ticketId} was not executed; resume first`);
    }
    const ticket = await this.orders.store.getTicket(ticketId);
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
    if (mode === 'dry-run' && (await this.orders.listOrders({ ticketId, mode })).length > 0) {
      throw new ExecutionConflictError(
        `ticket ${ticketId} was already executed as a dry run (its orders: GET /api/orders?ticketId=${ticketId})`,
      );
    }
    return { ticket, mode };
  }

  /** Executes an approved (or partially executed) ticket; resolves when every leg is done or the ticket stopped. */
  async execute(ticketId: string, actor: string): Promise<ExecutionResult> {
    const { mode } = await this.prepare(ticketId);
    // Checked again now that prepare's reads are done: two calls for one ticket may have passed it together.
    if (this.running.has(ticketId)) throw new ExecutionConflictError(`ticket ${ticketId} is already being executed`);
    this.running.add(ticketId);
    try {
      // The claim is the database's: with several instances on one database, only one runs a ticket at a time.
      const release = await this.orders.store.db.claim(`execution:${ticketId}`);
      if (!release) {
        throw new ExecutionConflictError(`ticket ${ticketId} is already being executed by another instance`);
      }
      try {
        // Read again under the claim: another instance may have finished it in the meantime.
        const current = await this.prepareClaimed(ticketId);
        return await this.run(current.ticket, mode, actor);
      } finally {
        await release();
      }
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
    const results: LegResult[] = [];
    for (const [i, leg] of legs.entries()) {
      results.push({
        legIndex: i,
        instrument: leg.instrument,
        kind: leg.kind,
        side: leg.side,
        targetContracts: leg.contracts,
        filledContracts: await this.filledNow(ticket.id, i, mode, legs.length),
        attempts: 0,
        stopped: null,
      });
    }
    let reason: string | null = null;
    /** A leg that ran out of attempts: the other option legs are not placed, the perp still hedges what filled. */
    let shortfall: string | null = null;
    for (const i of order) {
      const leg = legs[i]!;
      if (shortfall !== null && leg.kind !== 'perp') {
        results[i]!.stopped = `not placed: ${shortfall}`;
        continue;
      }
      const target = leg.kind === 'perp' ? await resizedPerp(this.ctx, ticket, i, results, mode) : leg.contracts;
      results[i]!.targetContracts = target;
      if (target - results[i]!.filledContracts <= EPS) continue;
      let outcome: LegOutcome;
      try {
        outcome = await runLeg(this.ctx, ticket, i, leg, target, mode, actor);
      } catch (error) {
        if (!(error instanceof ExecutionHaltedError || error instanceof OrderRefusedError)) throw error;
        results[i]!.filledContracts = await this.filledNow(ticket.id, i, mode, legs.length);
        results[i]!.stopped = errorText(error);
        reason = `leg ${i} (${leg.instrument}): ${errorText(error)}; the rest of the ticket was not placed`;
        this.ctx.log?.warn({ ticketId: ticket.id, leg: i, err: error }, 'execution stopped');
        break;
      }
      results[i]!.filledContracts = await this.filledNow(ticket.id, i, mode, legs.length);
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
      orders: await this.orders.listOrders({ ticketId: ticket.id, mode }),
      ticket: (await this.orders.store.getTicket(ticket.id))!,
    };
  }

  /** The price of attempt `attempt` (0: the ticket's limit): repricing.ts. */
  priceFor(leg: StoredTicketLegState, quote: InstrumentQuote, attempt: number): number {
    return priceFor(this.config, leg, quote, attempt);
  }

  /** Start-up: the store made to agree with the venues before anything new is sent (reconcile.ts). */
  reconcile(actor = 'system:reconcile'): Promise<ReconcileReport> {
    return reconcileWithVenues(this.ctx, actor);
  }

  /** The kill switch: refuses new orders from now on and cancels every working order (halt.ts). */
  halt(actor: string, reason: string | null): Promise<HaltReport> {
    return haltExecution(this.ctx, actor, reason);
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
