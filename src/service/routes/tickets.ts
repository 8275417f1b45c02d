/**
 * Tickets: propose, list, read, and their enforced transitions: approval under four-eyes with an expiry and a
 * re-pricing check, rejection, and execution by fills that go into the ledger in the same transaction.
 */
import { z } from 'zod';
import type { ServiceContext } from '../context.js';
import type { DeskBookApi, ProposeRequest } from '../deskApi.js';
import { HttpError, route } from '../registry.js';
import { MARKET_MOVED, NOT_FOUND } from '../httpErrors.js';
import type { RouteDef } from '../registry.js';
import * as s from '../schemas.js';
import * as ls from '../ledgerSchemas.js';
import { FourEyesError, TicketExpiredError, TransitionError } from '../store/index.js';
import type { StoredTicket, StoredTicketLeg, TicketApproval } from '../store/index.js';
import { INTERNAL } from '../../../hedging/index.js';
import type { Ticket } from '../../../hedging/index.js';
import { actor, jsonSafe, notFound, withIntegrity } from './common.js';

/** Approval defaults while the hedging policy has no `approval` section (or leaves a field out). */
export const DEFAULT_APPROVAL: TicketApproval = { ttlMinutes: 15, maxPriceMoveFraction: 0.005 };

/** The policy's approval settings, read defensively: the section may not exist in every policy version. */
export function approvalOf(policy: unknown): TicketApproval {
  const section = (policy as { approval?: Partial<Record<keyof TicketApproval, unknown>> } | null)?.approval;
  const pick = (key: keyof TicketApproval) => {
    const v = section?.[key];
    return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : DEFAULT_APPROVAL[key];
  };
  return { ttlMinutes: pick('ttlMinutes'), maxPriceMoveFraction: pick('maxPriceMoveFraction') };
}

/** The desk API of the context (the concrete DeskBook implements it; tests may put a stub there). */
export function deskOf(ctx: ServiceContext): DeskBookApi {
  return ctx.desk as DeskBookApi;
}

/**
 * The legs the ledger fills, with the contract terms their fills carry: from the market's instrument (the desk
 * knows its contract size / USD value); failing that from the leg itself (options and linear contracts: base per
 * contract = |baseAmount| / contracts, which is only as exact as the leg's rounding to lots).
 */
function ledgerLegs(desk: DeskBookApi, ticket: Ticket): StoredTicketLeg[] {
  return ticket.legs.map((leg, i) => {
    const info = desk.instrument(leg.venue, ticket.underlying, leg.instrument);
    const terms = info
      ? {
          contractSize: info.contractSize,
          contractValueQuote: info.contractValueQuote,
          priceCurrency: info.priceCurrency,
        }
      : leg.kind === 'option'
        ? {
            contractSize: Math.abs(leg.baseAmount) / leg.contracts,
            contractValueQuote: null,
            priceCurrency: leg.priceCurrency,
          }
        : null;
    if (!terms) {
      throw new HttpError(
        INTERNAL,
        `ticket leg ${i} (${leg.instrument}): the market does not list it, so its contract terms are unknown`,
      );
    }
    return {
      venue: leg.venue as StoredTicketLeg['venue'],
      underlying: ticket.underlying,
      instrument: leg.instrument,
      kind: leg.kind,
      side: leg.side,
      contracts: leg.contracts,
      limitPrice: leg.limitPrice,
      feesQuote: leg.fees,
      ...terms,
    };
  });
}

/** The pool price a stored ticket was priced at (`content.ticket.price`), or null for tickets without one. */
function storedPrice(ticket: StoredTicket): number | null {
  const price = (ticket.content.ticket as { price?: unknown } | undefined)?.price;
  return typeof price === 'number' && Number.isFinite(price) && price > 0 ? price : null;
}

function storedTotals(ticket: StoredTicket): unknown {
  return (ticket.content.ticket as { totals?: unknown } | undefined)?.totals ?? null;
}

function fmt(x: number): string {
  return String(Number(x.toPrecision(8)));
}

export function ticketRoutes(ctx: ServiceContext): RouteDef[] {
  /** Proposed tickets past their TTL become `expired` before any ticket route reads or moves them. */
  const sweep = () => ctx.store.expireTickets(ctx.now());

  const durably = <T>(write: () => Promise<T>) => durableWrite(ctx, write);

  const loadTicket = async (id: string): Promise<StoredTicket> => {
    const ticket = await ctx.store.getTicket(id);
    if (!ticket) throw notFound('ticket', id);
    return ticket;
  };

  return [
    route({
      method: 'post',
      path: '/api/tickets',
      summary: 'Propose a hedge ticket (stored durably before the response; expires after the policy TTL)',
      tag: 'tickets',
      auth: 'trader',
      body: s.ticketCreateSchema,
      responses: {
        201: { description: 'the ticket, status proposed', schema: s.ticketSchema },
        404: { description: 'unknown position id (the message names the field)' },
        422: { description: 'no hedge within the tolerances (infeasible)' },
        503: { description: 'no usable market data for the positions' },
      },
      handler: async ({ body, principal, req }) => {
        for (const [i, id] of (body.positionIds ?? []).entries()) {
          if (!(await ctx.store.getPosition(id))) {
            throw new HttpError(NOT_FOUND, `body.positionIds.${i}: position ${id} not found`);
          }
        }
        // The overrides go on as sent (validated above), so unspecified sections keep the desk's values.
        const rawPolicy = (req.body as { policy?: Record<string, unknown> } | undefined)?.policy;
        const request: ProposeRequest = {
          mode: body.mode,
          ...(body.positionIds ? { positionIds: body.positionIds } : {}),
          ...(rawPolicy ? { policyOverrides: rawPolicy } : {}),
        };
        const desk = deskOf(ctx);
        const proposal = await desk.propose(request);
        const legs = ledgerLegs(desk, proposal.ticket);
        const approval = approvalOf(proposal.policy);
        const ticket = await durably(() =>
          ctx.store.createTicket({
            mode: body.mode,
            positionIds: proposal.positionIds,
            content: jsonSafe(proposal.content),
            actor: actor(principal),
            ttlMs: approval.ttlMinutes * 60_000,
            // Re-pricing on approval must price the same positions, even if positions were added since.
            request: jsonSafe({ ...request, positionIds: proposal.positionIds }) as unknown as Record<string, unknown>,
            legs,
            approval,
          }),
        );
        ctx.metrics.tickets.inc({ status: 'proposed' });
        ctx.log.info({ ticketId: ticket.id, mode: ticket.mode, actor: actor(principal) }, 'ticket proposed');
        return { status: 201, body: withIntegrity(ticket) };
      },
    }),
    route({
      method: 'get',
      path: '/api/tickets',
      summary: 'List tickets, newest first',
      tag: 'tickets',
      auth: 'viewer',
      query: s.ticketListQuery,
      responses: { 200: { description: 'tickets', schema: z.object({ tickets: z.array(s.ticketSchema) }) } },
      handler: async ({ query }) => {
        await sweep();
        return {
          body: {
            tickets: (
              await ctx.store.listTickets({
                ...(query.status ? { status: query.status } : {}),
                ...(query.limit !== undefined ? { limit: query.limit } : {}),
                ...(query.offset !== undefined ? { offset: query.offset } : {}),
              })
            ).map(withIntegrity),
          },
        };
      },
    }),
    route({
      method: 'get',
      path: '/api/tickets/:id',
      summary: 'One ticket with its full content, legs, fills and status history',
      tag: 'tickets',
      auth: 'viewer',
      params: s.idParams,
      responses: { 200: { description: 'the ticket', schema: s.ticketSchema }, 404: { description: 'no such ticket' } },
      handler: async ({ params }) => {
        await sweep();
        return { body: withIntegrity(await loadTicket(params.id)) };
      },
    }),
    route({
      method: 'post',
      path: '/api/tickets/:id/approve',
      summary:
        'Approve a proposed ticket: a different key than the proposer (four-eyes), before it expires, re-priced on the market now',
      tag: 'tickets',
      auth: 'trader',
      params: s.idParams,
      body: s.ticketActionSchema,
      responses: {
        200: {
          description: 'the ticket, now approved (the re-pricing is in its history note)',
          schema: s.ticketSchema,
        },
        404: { description: 'no such ticket' },
        409: {
          description:
            '`four-eyes` (the proposer cannot approve), `ticket-expired` (past its TTL), `market-moved` (the price moved beyond the threshold since proposal), `conflict` (not proposed)',
        },
        503: { description: 'the market needed to re-price the ticket is unusable' },
      },
      handler: async ({ params, body, principal }) => {
        await sweep();
        const who = actor(principal);
        const ticket = await loadTicket(params.id);
        // The cheap refusals first, before re-pricing (the store checks all of them again when it commits).
        if (ticket.status === 'expired' && ticket.expiresAtMs !== null) {
          throw new TicketExpiredError(ticket.id, ticket.expiresAtMs);
        }
        if (ticket.status !== 'proposed') {
          throw new TransitionError(ticket.id, ticket.status, 'approved');
        }
        if (ctx.fourEyes && ticket.createdBy === who) throw new FourEyesError(ticket.id, ticket.createdBy);
        let note = body.note ?? null;
        let detail: unknown;
        const oldPrice = storedPrice(ticket);
        if (ticket.request && oldPrice !== null) {
          const repriced = await deskOf(ctx).propose(ticket.request as unknown as ProposeRequest);
          const newPrice = repriced.ticket.price;
          const move = Math.abs(newPrice - oldPrice) / oldPrice;
          const threshold = (ticket.approval ?? DEFAULT_APPROVAL).maxPriceMoveFraction;
          if (!(move <= threshold)) {
            throw new HttpError(
              MARKET_MOVED,
              `ticket ${ticket.id}: the price moved from ${fmt(oldPrice)} at proposal to ${fmt(newPrice)} now ` +
                `(${fmt(move * 100)}%), beyond the ${fmt(threshold * 100)}% threshold (maxPriceMoveFraction ` +
                `${threshold}); propose a new ticket`,
            );
          }
          const newTotals = repriced.ticket.totals;
          detail = {
            repricing: {
              oldPrice,
              newPrice,
              moveFraction: move,
              maxPriceMoveFraction: threshold,
              oldTotals: storedTotals(ticket),
              newTotals,
              marketState: repriced.marketState,
            },
          };
          const repricing =
            `re-priced at approval: price ${fmt(oldPrice)} -> ${fmt(newPrice)} (${fmt(move * 100)}%, threshold ` +
            `${fmt(threshold * 100)}%); totals ${JSON.stringify(storedTotals(ticket))} -> ${JSON.stringify(newTotals)}`;
          note = note ? `${note}; ${repricing}` : repricing;
        } else {
          const legacy = 'not re-priced: the ticket predates stored proposal requests';
          note = note ? `${note}; ${legacy}` : legacy;
        }
        const approved = await durably(() =>
          ctx.store.approveTicket(ticket.id, who, { fourEyes: ctx.fourEyes, note, detail }),
        );
        ctx.metrics.tickets.inc({ status: 'approved' });
        ctx.log.info({ ticketId: approved.id, actor: who }, 'ticket approved');
        return { body: withIntegrity(approved) };
      },
    }),
    route({
      method: 'post',
      path: '/api/tickets/:id/reject',
      summary: 'Reject a proposed ticket',
      tag: 'tickets',
      auth: 'trader',
      params: s.idParams,
      body: s.ticketActionSchema,
      responses: {
        200: { description: 'the ticket, now rejected', schema: s.ticketSchema },
        404: { description: 'no such ticket' },
        409: { description: '`conflict` (not proposed), `ticket-expired`' },
      },
      handler: async ({ params, body, principal }) => {
        await sweep();
        const ticket = await durably(() =>
          ctx.store.transitionTicket(params.id, 'rejected', actor(principal), body.note),
        );
        ctx.metrics.tickets.inc({ status: 'rejected' });
        ctx.log.info({ ticketId: ticket.id, actor: actor(principal) }, 'ticket rejected');
        return { body: withIntegrity(ticket) };
      },
    }),
    route({
      method: 'post',
      path: '/api/tickets/:id/executed',
      summary:
        'Record fills of an approved ticket (no body: every leg filled as ticketed at its limit price); fills become holdings',
      tag: 'tickets',
      auth: 'trader',
      params: s.idParams,
      body: ls.ticketExecutedSchema,
      responses: {
        200: {
          description: 'the ticket, now partially-executed or executed, with its fills',
          schema: s.ticketSchema,
        },
        400: { description: 'a fill that is not a leg, of the wrong sign or beyond the leg (names the field)' },
        404: { description: 'no such ticket' },
        409: { description: '`conflict`: the ticket is not approved or partially executed' },
      },
      handler: async ({ params, body, principal }) => {
        await sweep();
        const who = actor(principal);
        // Fills, the status change, its history and the audit entry commit in one transaction (WAL, FULL).
        const ticket = await durably(() =>
          ctx.store.recordTicketFills(params.id, body.fills ?? null, who, {
            note: body.note ?? null,
            path: 'body.fills',
          }),
        );
        ctx.metrics.tickets.inc({ status: ticket.status });
        ctx.log.info(
          { ticketId: ticket.id, status: ticket.status, fills: body.fills?.length ?? 'as-ticketed', actor: who },
          'ticket fills recorded',
        );
        await refreshHoldings(ctx);
        return { body: withIntegrity(ticket) };
      },
    }),
  ];
}

/** Writes are tracked so a graceful shutdown waits for them; each is one durable (fsynced, committed) transaction. */
export async function durableWrite<T>(ctx: ServiceContext, write: () => Promise<T>): Promise<T> {
  const pending = write();
  ctx.inflight.add(pending);
  try {
    return await pending;
  } finally {
    ctx.inflight.delete(pending);
  }
}

/**
 * Tells the desk the ledger changed. The write is already durable: a failure to recompute the book is logged,
 * never turned into an error response that would make the client retry (and record the fills twice).
 */
export async function refreshHoldings(ctx: ServiceContext): Promise<void> {
  try {
    await ctx.refreshHoldings();
  } catch (error) {
    ctx.log.error({ err: error }, 'refreshing the book after a ledger change failed');
  }
}
