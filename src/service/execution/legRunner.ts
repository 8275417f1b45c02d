/**
 * The attempt loop of one leg. Each attempt is a limit order of what is left (rounded to the lot), priced by
 * repricing.ts, checked by the controls (orderControls.ts), placed once (placeOrder.ts) and followed until filled or
 * cancelled at `fillTimeoutMs` (orderSync.ts); then the next attempt re-prices the rest, up to `maxReprices` times.
 * Where the venue pushes order updates (the gateway's `orderFeed`), the subscription is started before the first
 * order, so the fills of an order are pushed from its placing on.
 */
import type { StoredTicket, StoredTicketLegState } from '../store/index.js';
import { clientOrderId } from './clientOrderId.js';
import type { ExecutionMode } from './config.js';
import { ExecutionHaltedError } from './errors.js';
import { EPS, filledNow } from './executionContext.js';
import type { ExecutionContext } from './executionContext.js';
import { checkControls, quoteOf } from './orderControls.js';
import { isTerminal } from './orderState.js';
import { followOrder, liveGeneration } from './orderSync.js';
import { placeOnce } from './placeOrder.js';
import { priceFor, roundDownToLot } from './repricing.js';
import { MS_PER_SECOND } from '../../../hedging/index.js';

/** How long the first order of a venue waits for its order subscription to come up (then it is polled). */
const FEED_START_WAIT_MS = 2 * MS_PER_SECOND;

/** How a leg's attempts ended. */
export interface LegOutcome {
  complete: boolean;
  attempts: number;
  stopped: string | null;
  /** The venue rejected an order: nothing more of the ticket is placed. */
  rejected?: boolean;
}

/**
 * Trades leg `i` up to `target` contracts: attempt after attempt (the ticket's limit, then re-priced), each placed
 * once, followed to its end and cancelled at its timeout, until the leg is filled or out of attempts. A halt or a
 * refused control throws (the ticket stops); a rejection by the venue ends the leg with `rejected`.
 */
export async function runLeg(
  ctx: ExecutionContext,
  ticket: StoredTicket,
  i: number,
  leg: StoredTicketLegState,
  target: number,
  mode: ExecutionMode,
  actor: string,
): Promise<LegOutcome> {
  const gateway = ctx.gateway(leg.venue, mode);
  const legs = ticket.legs!.length;
  const dryRun = mode === 'dry-run';
  const previous = (await ctx.orders.listOrders({ ticketId: ticket.id, mode })).filter((o) => o.legIndex === i);
  await gateway.orderFeed?.start(leg.underlying, Math.min(FEED_START_WAIT_MS, ctx.config.fillTimeoutMs));
  // After a restart: an order still working is followed (to its timeout) before anything new is placed.
  for (const working of previous.filter((o) => !isTerminal(o.state))) {
    await followOrder(ctx, working, gateway, actor, ctx.now() + ctx.config.fillTimeoutMs);
  }
  const maxAttempts = ctx.config.maxReprices + 1;
  let attempt = previous.length === 0 ? 0 : Math.max(...previous.map((o) => o.attempt)) + 1;
  let attempts = 0;
  while (attempt < maxAttempts) {
    if (ctx.stopping()) return { complete: false, attempts, stopped: 'the service is stopping' };
    if (ctx.halted()) throw new ExecutionHaltedError('execution was halted');
    const remaining = target - (await filledNow(ctx, ticket.id, i, mode, legs));
    if (remaining <= EPS) return { complete: true, attempts, stopped: null };
    const quote = quoteOf(ctx, leg);
    const contracts = roundDownToLot(quote, remaining);
    if (contracts <= EPS) return { complete: true, attempts, stopped: null };
    const price = priceFor(ctx.config, leg, quote, attempt);
    const notional = await checkControls(ctx, leg, quote, price, contracts, mode);
    const id = clientOrderId(ticket.id, i, attempt, { dryRun });
    attempts++;
    // Taken before the order's first REST read (placeOnce looks it up, then places it): pushes after it count.
    const syncedGeneration = liveGeneration(gateway);
    const placed = await placeOnce(
      ctx,
      {
        clientOrderId: id,
        underlying: leg.underlying,
        instrument: leg.instrument,
        kind: leg.kind,
        side: leg.side,
        contracts,
        price,
        timeInForce: ctx.config.timeInForce,
      },
      { ticketId: ticket.id, legIndex: i, attempt, mode, venue: leg.venue, notional },
      gateway,
      actor,
    );
    attempt++;
    if (!placed) continue;
    const final = await followOrder(ctx, placed, gateway, actor, ctx.now() + ctx.config.fillTimeoutMs, {
      syncedGeneration,
    });
    if (final.state === 'rejected') {
      return { complete: false, attempts, stopped: `order ${final.id} was rejected by the venue`, rejected: true };
    }
    if (ctx.halted()) throw new ExecutionHaltedError('execution was halted');
  }
  const left = target - (await filledNow(ctx, ticket.id, i, mode, legs));
  if (left <= EPS) return { complete: true, attempts, stopped: null };
  return {
    complete: false,
    attempts,
    stopped: `${left} contracts not filled after ${maxAttempts} attempts (maxReprices ${ctx.config.maxReprices})`,
  };
}
