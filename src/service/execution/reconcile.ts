/**
 * Reconcile, before anything new is sent after a start: every working order is looked up at the venue, its state and
 * missing fills (`fetchMyTradesSince` its creation) recorded; an order the venue never received is expired; an open
 * order carrying one of our ids that the store holds as finished (or not at all) is cancelled. A failure is reported
 * per order (or per market) and the rest goes on.
 */
import { parseClientOrderId } from './clientOrderId.js';
import type { ExecutionMode } from './config.js';
import { errorText } from './executionContext.js';
import type { ExecutionContext } from './executionContext.js';
import { isTerminal } from './orderState.js';
import type { StoredOrder } from './orderStore.js';
import { expireUnsent, syncOrder } from './orderSync.js';

export interface ReconcileReport {
  checked: number;
  updated: string[];
  expired: string[];
  orphansCancelled: string[];
  fillsRecorded: number;
  failures: { orderId: string; message: string }[];
}

/** Start-up: the store made to agree with the venues before anything new is sent (see the module comment). */
export async function reconcileWithVenues(ctx: ExecutionContext, actor: string): Promise<ReconcileReport> {
  const report: ReconcileReport = {
    checked: 0,
    updated: [],
    expired: [],
    orphansCancelled: [],
    fillsRecorded: 0,
    failures: [],
  };
  const working = await ctx.orders.workingOrders();
  const markets = new Map<string, { venue: string; underlying: string; mode: ExecutionMode }>();
  const addMarket = (o: StoredOrder) =>
    markets.set(`${o.venue}/${o.underlying}/${o.mode}`, { venue: o.venue, underlying: o.underlying, mode: o.mode });
  for (const order of working) {
    report.checked++;
    if (order.mode === 'dry-run') {
      // A dry run's simulated book lives in memory: what was working ended with the process.
      await expireUnsent(ctx, order, actor, 'dry run ended with the service');
      report.expired.push(order.id);
      continue;
    }
    addMarket(order);
    try {
      const gateway = ctx.gateway(order.venue, order.mode);
      const before = (await ctx.orders.fills(order.id)).length;
      const v = await gateway.fetchOrderByClientId(order.id, order.underlying, order.instrument);
      if (!v) {
        await expireUnsent(ctx, order, actor, 'not at the venue at reconcile');
        report.expired.push(order.id);
        continue;
      }
      const after = await syncOrder(ctx, order, v, gateway, actor, 'reconciled at start-up');
      report.fillsRecorded += (await ctx.orders.fills(order.id)).length - before;
      if (after.state !== order.state || after.filledContracts !== order.filledContracts) report.updated.push(order.id);
    } catch (error) {
      report.failures.push({ orderId: order.id, message: errorText(error) });
    }
  }
  // Orders of ours open at the venue that the store holds as finished (or not at all) are cancelled.
  for (const order of await ctx.orders.listOrders()) if (order.mode !== 'dry-run') addMarket(order);
  for (const m of markets.values()) {
    try {
      const gateway = ctx.gateway(m.venue, m.mode);
      for (const open of await gateway.fetchOpenOrders(m.underlying)) {
        if (!open.clientOrderId || !parseClientOrderId(open.clientOrderId)) continue;
        const stored = await ctx.orders.getOrder(open.clientOrderId);
        if (stored && !isTerminal(stored.state)) continue;
        await gateway.cancelOrder(open.venueOrderId, m.underlying, open.instrument);
        await ctx.orders.auditCancel(open.clientOrderId, actor, 'orphan: open at the venue, not working in the store');
        report.orphansCancelled.push(open.clientOrderId);
      }
    } catch (error) {
      report.failures.push({ orderId: `${m.venue}/${m.underlying}`, message: errorText(error) });
    }
  }
  ctx.log?.info({ ...report }, 'execution reconciled with the venues');
  return report;
}
