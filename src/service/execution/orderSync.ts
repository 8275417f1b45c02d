/**
 * An order followed to its end at the venue. It is followed by polling (`fetchOrderByClientId`, every
 * `pollIntervalMs`; ccxt pro `watchOrders` is a later step); not filled within `fillTimeoutMs` (or on a halt) it is
 * cancelled. Each answer of the venue is brought into the store with the fills not seen yet, in one transaction
 * (`OrderStore.applyUpdate`), so the ledger follows the venue as fills arrive.
 */
import { errorText, EPS } from './executionContext.js';
import type { ExecutionContext } from './executionContext.js';
import { outcomeUnknown } from './gateway.js';
import type { VenueGateway, VenueOrder, VenueTrade } from './gateway.js';
import { isTerminal, stateFromVenue } from './orderState.js';
import type { StoredOrder } from './orderStore.js';
import { MS_PER_SECOND } from '../../../pricing/time.js';

/**
 * Brings the stored order to what the venue says, recording the fills not seen yet (the account's trades since the
 * order was created, of this order) in the same transaction as the state change.
 */
export async function syncOrder(
  ctx: ExecutionContext,
  order: StoredOrder,
  v: VenueOrder,
  gateway: VenueGateway,
  actor: string,
  note: string | null,
): Promise<StoredOrder> {
  const state = stateFromVenue(v.status, v.filledContracts, v.contracts);
  const recordedContracts = (await ctx.orders.fills(order.id)).reduce((s, f) => s + f.contracts, 0);
  let trades: VenueTrade[] = [];
  if (v.filledContracts - recordedContracts > EPS) {
    for (let k = 0; k < 3; k++) {
      const all = await gateway.fetchMyTradesSince(order.underlying, order.createdAtMs - MS_PER_SECOND * 60);
      trades = all.filter((t) => t.venueOrderId === v.venueOrderId);
      const sum = trades.reduce((s, t) => s + t.contracts, 0);
      if (sum - v.filledContracts >= -EPS || !isTerminal(state)) break;
      await ctx.sleep(ctx.config.pollIntervalMs);
    }
  }
  const result = await ctx.orders.applyUpdate(
    order.id,
    { state, filledContracts: v.filledContracts, averagePrice: v.averagePrice, venueOrderId: v.venueOrderId },
    trades,
    actor,
    note,
  );
  if (result.recorded.length > 0 && !order.dryRun) ctx.onFills();
  const recorded = (await ctx.orders.fills(order.id)).reduce((s, f) => s + f.contracts, 0);
  if (isTerminal(result.order.state) && result.order.filledContracts - recorded > EPS) {
    throw new Error(
      `order ${order.id}: the venue reports ${result.order.filledContracts} contracts filled but its trades show ${recorded}; reconcile before trading on`,
    );
  }
  return result.order;
}

/** Follows an order until it is finished; at `deadlineMs` (or on a halt) it is cancelled. */
export async function followOrder(
  ctx: ExecutionContext,
  order: StoredOrder,
  gateway: VenueGateway,
  actor: string,
  deadlineMs: number,
): Promise<StoredOrder> {
  let current = order;
  let cancelSent = false;
  let afterCancel = 0;
  while (!isTerminal(current.state)) {
    if (ctx.stopping()) return current;
    const due = ctx.now() >= deadlineMs || ctx.halted();
    if (due && !cancelSent) {
      cancelSent = true;
      current = await cancelOrder(ctx, current, gateway, actor, ctx.halted() ? 'halt' : 'not filled in time');
      continue;
    }
    if (cancelSent && ++afterCancel > 10) {
      throw new Error(`order ${current.id}: still ${current.state} after its cancel; reconcile before trading on`);
    }
    await ctx.sleep(
      Math.max(0, Math.min(ctx.config.pollIntervalMs, deadlineMs - ctx.now())) || ctx.config.pollIntervalMs,
    );
    let v: VenueOrder | null;
    try {
      v = await gateway.fetchOrderByClientId(current.id, current.underlying, current.instrument);
    } catch (error) {
      // A dropped connection or a timeout while following: keep following (the deadline still holds).
      if (!outcomeUnknown(error)) throw error;
      ctx.log?.warn({ orderId: current.id, err: error }, 'reading the order failed; retrying');
      continue;
    }
    if (v) current = await syncOrder(ctx, current, v, gateway, actor, null);
  }
  return current;
}

/**
 * Cancels an order at the venue, with an audit row for the request; the venue's answer (cancelled, or filled in the
 * meantime) is what the store records.
 */
export async function cancelOrder(
  ctx: ExecutionContext,
  order: StoredOrder,
  gateway: VenueGateway,
  actor: string,
  reason: string,
): Promise<StoredOrder> {
  await ctx.orders.auditCancel(order.id, actor, reason);
  let venueId = order.venueOrderId;
  if (venueId === null) {
    const found = await gateway.fetchOrderByClientId(order.id, order.underlying, order.instrument);
    if (!found)
      return (
        (await expireUnsent(ctx, order, actor, `cancel (${reason}): not at the venue`)) ??
        (await ctx.orders.getOrder(order.id))!
      );
    venueId = found.venueOrderId;
  }
  try {
    const v = await gateway.cancelOrder(venueId, order.underlying, order.instrument);
    return await syncOrder(ctx, order, v, gateway, actor, `cancel: ${reason}`);
  } catch (error) {
    // Filled (or cancelled) in the meantime: the venue's own state says which.
    ctx.log?.warn({ orderId: order.id, err: error }, 'cancel failed; reading the order');
    const v = await gateway.fetchOrderByClientId(order.id, order.underlying, order.instrument);
    return v ? syncOrder(ctx, order, v, gateway, actor, `cancel refused (${errorText(error)})`) : order;
  }
}

/**
 * Marks an order the venue never received as `expired` (its client order id is spent and never sent again).
 * Returns null, the "nothing is working" of the callers.
 */
export async function expireUnsent(
  ctx: ExecutionContext,
  order: StoredOrder,
  actor: string,
  note: string,
): Promise<null> {
  if (!isTerminal(order.state)) {
    await ctx.orders.applyUpdate(
      order.id,
      { state: 'expired', filledContracts: order.filledContracts },
      [],
      actor,
      note,
    );
  }
  return null;
}
