/**
 * The kill switch. The halt is stored first, so every loop of the manager (which reads it at each step) and every
 * new ticket stops; then each working order is cancelled, and a cancel that fails is reported rather than stopping
 * the others.
 */
import { errorText } from './executionContext.js';
import type { ExecutionContext } from './executionContext.js';
import { cancelOrder } from './orderSync.js';

export interface HaltReport {
  halted: true;
  cancelled: string[];
  failures: { orderId: string; message: string }[];
}

/** The kill switch: refuses new orders from now on and cancels every working order. */
export async function haltExecution(ctx: ExecutionContext, actor: string, reason: string | null): Promise<HaltReport> {
  await ctx.orders.setHalted(true, actor, reason);
  const report: HaltReport = { halted: true, cancelled: [], failures: [] };
  for (const order of await ctx.orders.workingOrders()) {
    try {
      const gateway = ctx.gateway(order.venue, order.mode);
      const after = await cancelOrder(ctx, order, gateway, actor, `halt${reason ? `: ${reason}` : ''}`);
      if (after.state === 'cancelled' || after.state === 'expired') report.cancelled.push(order.id);
    } catch (error) {
      report.failures.push({ orderId: order.id, message: errorText(error) });
    }
  }
  return report;
}
