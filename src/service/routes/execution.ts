/**
 * Execution (issue 18): an approved ticket becomes orders (`POST /api/tickets/:id/execute`, trader, four-eyes as for
 * approval: under four-eyes the executing key must differ from the proposer), the orders and their events and fills
 * (`GET /api/orders`), and the kill switch (`POST /api/execution/halt`, `/resume`, admin: halt cancels every working
 * order and refuses new ones until resumed). The order manager is `src/service/execution/`; without one set at
 * start-up it is built on first use in the default mode, dry-run (nothing is sent).
 */
import { z } from 'zod';
import type { ServiceContext } from '../context.js';
import { HttpError, route } from '../registry.js';
import type { RouteDef } from '../registry.js';
import { CONFLICT, FOUR_EYES } from '../httpErrors.js';
import * as s from '../schemas.js';
import { INTERNAL } from '../../../hedging/index.js';
import { ExecutionConflictError } from '../execution/orderManager.js';
import type { ExecutionResult } from '../execution/orderManager.js';
import { marketViewOf } from '../execution/market.js';
import { ORDER_STATES } from '../execution/orderState.js';
import { EXECUTION_MODES } from '../execution/config.js';
import { createExecutionService, LiveNotAllowedError } from '../execution/service.js';
import type { ExecutionService } from '../execution/service.js';
import { CredentialsError } from '../execution/ccxtGateway.js';
import { actor, jsonSafe, notFound, withIntegrity } from './common.js';
import { refreshHoldings } from './tickets.js';

/** The context's order manager, built on first use (dry-run everywhere) when the service was started without one. */
const building = new WeakMap<ServiceContext, Promise<ExecutionService>>();

export async function executionOf(ctx: ServiceContext): Promise<ExecutionService> {
  if (ctx.execution) return ctx.execution;
  let pending = building.get(ctx);
  if (!pending) {
    pending = createExecutionService({
      store: ctx.store,
      market: marketViewOf(() => ctx.hub.markets()),
      now: ctx.now,
      log: ctx.log,
      onFills: () => void refreshHoldings(ctx),
    });
    building.set(ctx, pending);
    pending.catch(() => building.delete(ctx));
  }
  ctx.execution = await pending;
  return ctx.execution;
}

function executionError(error: unknown): unknown {
  if (error instanceof ExecutionConflictError) return new HttpError(CONFLICT, error.message);
  if (error instanceof LiveNotAllowedError || error instanceof CredentialsError) {
    return new HttpError(INTERNAL, `execution is not configured to trade: ${error.message}`);
  }
  return error;
}

const orderSchema = z.looseObject({
  id: z.string().describe('the client order id (the venue label)'),
  ticketId: z.string(),
  legIndex: z.number(),
  attempt: z.number(),
  mode: z.enum(EXECUTION_MODES),
  dryRun: z.boolean(),
  instrument: z.string(),
  side: z.enum(['buy', 'sell']),
  contracts: z.number(),
  limitPrice: z.number(),
  state: z.enum(ORDER_STATES),
  venueOrderId: z.string().nullable(),
  filledContracts: z.number(),
});

const executionSchema = z.looseObject({
  ticketId: z.string(),
  mode: z.enum(EXECUTION_MODES),
  dryRun: z.boolean(),
  outcome: z.enum(['filled', 'partial']),
  reason: z.string().nullable(),
  legs: z.array(z.record(z.string(), z.unknown())),
  orders: z.array(orderSchema),
});

const executeBody = z
  .object({
    /** Answer when the execution is done (default: answer 202 at once and follow it on GET /api/orders). */
    wait: z.boolean().optional(),
    note: z.string().max(500).optional(),
  })
  .strict();

const haltBody = z.object({ reason: z.string().max(500).optional() }).strict();

const ordersQuery = z.object({ ticketId: z.string().min(1).max(100).optional() }).strict();

async function withDetail(exec: ExecutionService, ids: readonly string[]) {
  const detailed = [];
  for (const id of ids) {
    const order = (await exec.orders.getOrder(id))!;
    detailed.push({ ...order, events: await exec.orders.events(id), fills: await exec.orders.fills(id) });
  }
  return detailed;
}

async function executionBody(exec: ExecutionService, result: ExecutionResult) {
  return jsonSafe({
    execution: {
      ...result,
      ticket: undefined,
      orders: await withDetail(
        exec,
        result.orders.map((o) => o.id),
      ),
    },
    ticket: { ...withIntegrity(result.ticket), execution: { mode: result.mode, dryRun: result.dryRun } },
  });
}

export function executionRoutes(ctx: ServiceContext): RouteDef[] {
  return [
    route({
      method: 'post',
      path: '/api/tickets/:id/execute',
      summary:
        'Execute an approved ticket through the order manager (dry-run by default: simulated, nothing sent); four-eyes: not by its proposer',
      tag: 'execution',
      auth: 'trader',
      params: s.idParams,
      body: executeBody,
      responses: {
        200: {
          description: 'with `wait`: the execution, its orders, and the ticket with what is filled',
          schema: z.looseObject({ execution: executionSchema }),
        },
        202: { description: 'the execution started; follow it on GET /api/orders?ticketId=' },
        404: { description: 'no such ticket' },
        409: {
          description:
            '`four-eyes` (the proposer cannot execute), `execution-halted` (the kill switch is on), `conflict` (not approved, already running, dry run already done)',
        },
        422: {
          description: '`order-refused`: a notional limit or the price collar refused an order (`field` names it)',
        },
      },
      handler: async ({ params, body, principal }) => {
        const who = actor(principal);
        const ticket = await ctx.store.getTicket(params.id);
        if (!ticket) throw notFound('ticket', params.id);
        if (ctx.fourEyes && ticket.createdBy === who) {
          throw new HttpError(
            FOUR_EYES,
            `ticket ${ticket.id} was proposed by ${ticket.createdBy}; under four-eyes a different key must execute it`,
          );
        }
        let exec: ExecutionService;
        let mode: string;
        try {
          exec = await executionOf(ctx);
          await exec.ready();
          mode = (await exec.manager.prepare(ticket.id)).mode;
        } catch (error) {
          throw executionError(error);
        }
        ctx.log.info({ ticketId: ticket.id, mode, actor: who, note: body.note }, 'ticket execution started');
        const running = exec.execute(ticket.id, who).finally(() => refreshHoldings(ctx));
        if (!body.wait) {
          running.catch((error: unknown) =>
            ctx.log.error({ err: error, ticketId: ticket.id }, 'ticket execution failed'),
          );
          return { status: 202, body: { ticketId: ticket.id, mode, dryRun: mode === 'dry-run', status: 'running' } };
        }
        try {
          return { body: await executionBody(exec, await running) };
        } catch (error) {
          throw executionError(error);
        }
      },
    }),
    route({
      method: 'get',
      path: '/api/orders',
      summary:
        "Orders (newest last) with their events and fills, the kill switch state, and a ticket's execution status",
      tag: 'execution',
      auth: 'viewer',
      query: ordersQuery,
      responses: { 200: { description: 'orders', schema: z.looseObject({ orders: z.array(orderSchema) }) } },
      handler: async ({ query }) => {
        const exec = await executionOf(ctx);
        const orders = await exec.orders.listOrders(query.ticketId !== undefined ? { ticketId: query.ticketId } : {});
        return {
          body: jsonSafe({
            orders: await withDetail(
              exec,
              orders.map((o) => o.id),
            ),
            halt: exec.orders.haltState(),
            ...(query.ticketId !== undefined
              ? {
                  execution: (() => {
                    const st = exec.status(query.ticketId);
                    return st
                      ? {
                          running: st.running,
                          error: st.error,
                          outcome: st.result?.outcome ?? null,
                          reason: st.result?.reason ?? null,
                          legs: st.result?.legs ?? null,
                        }
                      : null;
                  })(),
                }
              : {}),
          }),
        };
      },
    }),
    route({
      method: 'post',
      path: '/api/execution/halt',
      summary: 'Kill switch: cancel every working order and refuse new ones until resumed',
      tag: 'execution',
      auth: 'admin',
      body: haltBody,
      responses: { 200: { description: 'halted, with the orders cancelled and any cancel that failed' } },
      handler: async ({ body, principal }) => {
        const exec = await executionOf(ctx);
        const report = await exec.halt(actor(principal), body.reason ?? null);
        ctx.log.warn({ actor: actor(principal), cancelled: report.cancelled.length }, 'execution halted');
        await refreshHoldings(ctx);
        return { body: { ...report, halt: exec.orders.haltState() } };
      },
    }),
    route({
      method: 'post',
      path: '/api/execution/resume',
      summary: 'Lift the kill switch: orders may be placed again',
      tag: 'execution',
      auth: 'admin',
      body: haltBody,
      responses: { 200: { description: 'the kill switch state' } },
      handler: async ({ body, principal }) => {
        const exec = await executionOf(ctx);
        const halt = await exec.resume(actor(principal), body.reason ?? null);
        ctx.log.info({ actor: actor(principal) }, 'execution resumed');
        return { body: { halt } };
      },
    }),
  ];
}
