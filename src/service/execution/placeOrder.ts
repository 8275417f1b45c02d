/**
 * One attempt of a leg placed at the venue, never twice. Each attempt carries a deterministic client order id
 * (ticket, leg, attempt: clientOrderId.ts) and the id is looked up at the venue before anything is placed, so a retry
 * after a crash or a timeout never places twice; an order whose send failed with an unknown outcome (a timeout after
 * the venue accepted it) is found by its id, and one the venue never received is marked `expired` and the next
 * attempt takes a new id: no client order id is ever sent twice.
 */
import type { ExecutionMode } from './config.js';
import { errorText } from './executionContext.js';
import type { ExecutionContext } from './executionContext.js';
import { outcomeUnknown } from './gateway.js';
import type { PlaceOrderRequest, VenueGateway, VenueOrder } from './gateway.js';
import type { NewOrder, StoredOrder } from './orderStore.js';
import { expireUnsent, syncOrder } from './orderSync.js';

/** What the store keeps of an attempt beside the venue request: whose attempt it is, and its notional. */
export interface OrderMeta {
  ticketId: string;
  legIndex: number;
  attempt: number;
  mode: ExecutionMode;
  venue: string;
  notional: number;
}

/**
 * Places one attempt, never twice: the id is looked up at the venue first (adopted when found); otherwise the
 * order is stored as `new`, then sent. A send of unknown outcome is resolved by looking the id up again; an order
 * the venue does not have is expired (the next attempt takes a new id). Returns null when nothing is working.
 */
export async function placeOnce(
  ctx: ExecutionContext,
  request: PlaceOrderRequest,
  meta: OrderMeta,
  gateway: VenueGateway,
  actor: string,
): Promise<StoredOrder | null> {
  const id = request.clientOrderId;
  // Nothing is placed before the venue has said whether it holds the id: a dropped read is tried again.
  const atVenue = await retrying(ctx, id, () =>
    gateway.fetchOrderByClientId(id, request.underlying, request.instrument),
  );
  let stored = await ctx.orders.getOrder(id);
  if (atVenue) {
    stored ??= await ctx.orders.createOrder(newOrder(request, meta), actor);
    return syncOrder(ctx, stored, atVenue, gateway, actor, 'found at the venue by its client order id before placing');
  }
  if (stored) {
    // Stored but not at the venue: it never got there. Its id is spent; the caller moves to the next attempt.
    return expireUnsent(ctx, stored, actor, 'stored before a crash but not at the venue; never sent again');
  }
  stored = await ctx.orders.createOrder(newOrder(request, meta), actor);
  let placed: VenueOrder;
  try {
    placed = await gateway.placeLimitOrder(request);
  } catch (error) {
    if (!outcomeUnknown(error)) {
      ctx.log?.warn({ orderId: id, err: error }, 'order rejected');
      return (await ctx.orders.applyUpdate(id, { state: 'rejected', filledContracts: 0 }, [], actor, errorText(error)))
        .order;
    }
    ctx.log?.warn({ orderId: id, err: error }, 'order send of unknown outcome: looking it up by its id');
    for (let k = 0; k < 3; k++) {
      await ctx.sleep(ctx.config.pollIntervalMs);
      let found: VenueOrder | null = null;
      try {
        found = await gateway.fetchOrderByClientId(id, request.underlying, request.instrument);
      } catch (lookupError) {
        ctx.log?.warn({ orderId: id, err: lookupError }, 'looking the order up failed');
        continue;
      }
      if (found)
        return syncOrder(ctx, stored, found, gateway, actor, `found by its client order id after: ${errorText(error)}`);
    }
    return expireUnsent(
      ctx,
      stored,
      actor,
      `not at the venue after a failed send (${errorText(error)}); never sent again`,
    );
  }
  return syncOrder(ctx, stored, placed, gateway, actor, 'accepted by the venue');
}

/** Runs a venue read, trying again (up to 3 more times, a poll interval apart) when its outcome is unknown. */
async function retrying<T>(ctx: ExecutionContext, orderId: string, read: () => Promise<T>): Promise<T> {
  for (let k = 0; ; k++) {
    try {
      return await read();
    } catch (error) {
      if (k >= 3 || !outcomeUnknown(error)) throw error;
      ctx.log?.warn({ orderId, err: error }, 'venue read failed; trying again');
      await ctx.sleep(ctx.config.pollIntervalMs);
    }
  }
}

/** The order as the store records it before it is sent. */
function newOrder(request: PlaceOrderRequest, meta: OrderMeta): NewOrder {
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
