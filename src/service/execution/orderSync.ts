/**
 * An order followed to its end at the venue: by the venue's pushes where the gateway has a live order feed (ccxt pro
 * `watchOrders`/`watchMyTrades`, orderWatch.ts), by polling (`fetchOrderByClientId`, every `pollIntervalMs`) where it
 * has none or while the feed is down; not filled within `fillTimeoutMs` (or on a halt) it is cancelled. Each state of
 * the venue is brought into the store with the fills not seen yet, in one transaction (`OrderStore.applyUpdate`), so
 * the ledger follows the venue as fills arrive.
 *
 * Pushes are trusted only from a REST read made while the feed was live in the same generation (the order's placing
 * counts): after the feed came up (again) the order is read once by REST, so what changed while it was down is not
 * missed. While live the order is still read every `CHECK_EVERY_POLLS` poll intervals, a safety net for a push lost
 * without the connection dropping.
 */
import { errorText, EPS } from './executionContext.js';
import type { ExecutionContext } from './executionContext.js';
import { outcomeUnknown } from './gateway.js';
import type { PushedOrder, VenueGateway, VenueOrder, VenueTrade } from './gateway.js';
import { isTerminal, stateFromVenue } from './orderState.js';
import type { StoredOrder } from './orderStore.js';
import { MS_PER_SECOND } from '../../../hedging/index.js';

/** While the order feed is live, an order is read by REST only every this many poll intervals. */
export const CHECK_EVERY_POLLS = 10;

/**
 * Brings the stored order to what the venue says, recording the fills not seen yet in the same transaction as the
 * state change: the fills pushed for it when they cover what the venue says is filled, otherwise the account's trades
 * since the order was created, of this order (read by REST).
 */
export async function syncOrder(
  ctx: ExecutionContext,
  order: StoredOrder,
  v: VenueOrder,
  gateway: VenueGateway,
  actor: string,
  note: string | null,
  pushedTrades?: readonly VenueTrade[],
): Promise<StoredOrder> {
  const state = stateFromVenue(v.status, v.filledContracts, v.contracts);
  const recordedContracts = (await ctx.orders.fills(order.id)).reduce((s, f) => s + f.contracts, 0);
  let trades: VenueTrade[] = [];
  const pushed = (pushedTrades ?? []).filter((t) => t.venueOrderId === v.venueOrderId);
  if (pushed.reduce((s, t) => s + t.contracts, 0) - v.filledContracts >= -EPS) {
    trades = pushed;
  } else if (v.filledContracts - recordedContracts > EPS) {
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

/** Where the follower stands with the order feed: the generation of its last REST read, null if not live then. */
export interface FollowOptions {
  syncedGeneration?: number | null;
}

/** The feed's generation now if it is live, else null: taken just before a REST read of an order. */
export function liveGeneration(gateway: VenueGateway): number | null {
  const feed = gateway.orderFeed;
  return feed?.isLive() ? feed.generation : null;
}

/** True when the pushed state is ahead of the stored one (a push older than a REST read is not applied). */
function ahead(v: VenueOrder, current: StoredOrder): boolean {
  if (v.filledContracts > current.filledContracts + EPS) return true;
  if (v.filledContracts < current.filledContracts - EPS) return false;
  const state = stateFromVenue(v.status, v.filledContracts, v.contracts);
  return state !== current.state && (isTerminal(state) || current.state === 'new');
}

function tradesShort(p: PushedOrder): boolean {
  const mine = p.trades.filter((t) => t.venueOrderId === p.order.venueOrderId);
  return p.order.filledContracts - mine.reduce((s, t) => s + t.contracts, 0) > EPS;
}

/**
 * Follows an order until it is finished; at `deadlineMs` (or on a halt) it is cancelled. `syncedGeneration`: the
 * feed's generation when the order was last read by REST (`liveGeneration` before placing it); without it the first
 * step with a live feed is a REST read.
 */
export async function followOrder(
  ctx: ExecutionContext,
  order: StoredOrder,
  gateway: VenueGateway,
  actor: string,
  deadlineMs: number,
  options: FollowOptions = {},
): Promise<StoredOrder> {
  const feed = gateway.orderFeed;
  const checkMs = ctx.config.pollIntervalMs * CHECK_EVERY_POLLS;
  let syncedGeneration = options.syncedGeneration ?? null;
  let lastReadMs = ctx.now();
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
    const live = feed !== undefined && !cancelSent && feed.isLive();
    if (live && syncedGeneration === feed.generation && ctx.now() - lastReadMs < checkMs) {
      let pushed = await feed.latest(current.id, current.underlying);
      if (pushed && ahead(pushed.order, current)) {
        // The order's state may come before its fills: give them a poll interval to arrive before reading by REST.
        if (tradesShort(pushed)) {
          await feed.waitForChange(current.id, ctx.config.pollIntervalMs);
          pushed = (await feed.latest(current.id, current.underlying)) ?? pushed;
        }
        current = await syncOrder(ctx, current, pushed.order, gateway, actor, null, pushed.trades);
        continue;
      }
      // At most a poll interval: a stop or a halt is seen as soon as when polling.
      const untilMs = Math.min(deadlineMs, lastReadMs + checkMs, ctx.now() + ctx.config.pollIntervalMs);
      await feed.waitForChange(current.id, Math.max(1, untilMs - ctx.now()));
      continue;
    }
    // Polling: no feed, the feed is down, it came up since the last read (one read to catch up) or a check is due.
    if (!live) {
      await ctx.sleep(
        Math.max(0, Math.min(ctx.config.pollIntervalMs, deadlineMs - ctx.now())) || ctx.config.pollIntervalMs,
      );
    }
    const generation = liveGeneration(gateway);
    let v: VenueOrder | null;
    try {
      v = await gateway.fetchOrderByClientId(current.id, current.underlying, current.instrument);
    } catch (error) {
      // A dropped connection or a timeout while following: keep following (the deadline still holds).
      if (!outcomeUnknown(error)) throw error;
      ctx.log?.warn({ orderId: current.id, err: error }, 'reading the order failed; retrying');
      if (live) await ctx.sleep(ctx.config.pollIntervalMs);
      continue;
    }
    lastReadMs = ctx.now();
    syncedGeneration = generation;
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
