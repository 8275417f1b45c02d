/**
 * What the order manager's parts share (the leg loop, placing, following, reconcile, halt): the order store, the
 * config, the venues' gateways and the market, the clock and the sleep (both injected so tests run in fake time),
 * and whether the manager is stopping or halted, read at each step rather than copied, so every loop sees a stop or a
 * halt at its next step.
 */
import type { Logger } from 'pino';
import type { ExecutionConfig, ExecutionMode } from './config.js';
import type { VenueGateway } from './gateway.js';
import type { MarketView } from './market.js';
import type { OrderStore } from './orderStore.js';

/** Contracts closer than this count as equal (fills and sizes are floats). */
export const EPS = 1e-9;

export interface ExecutionContext {
  readonly orders: OrderStore;
  readonly config: ExecutionConfig;
  /** The gateway of a venue in its configured mode (throws when it cannot be traded, e.g. live without --live). */
  readonly gateway: (venue: string, mode: ExecutionMode) => VenueGateway;
  readonly market: MarketView;
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly log: Pick<Logger, 'info' | 'warn' | 'error'> | undefined;
  /** Called after fills were recorded in the ledger (the service refreshes the book). */
  readonly onFills: () => void;
  /** `OrderManager.stop` was called: loops end at their next step (orders stay working; reconcile picks them up). */
  readonly stopping: () => boolean;
  /** The kill switch is on (the store's halt state). */
  readonly halted: () => boolean;
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Contracts of leg `legIndex` filled so far: a dry run counts its own orders (it has no ledger fills), testnet and
 * live read the ledger's fills of the ticket.
 */
export async function filledNow(
  ctx: ExecutionContext,
  ticketId: string,
  legIndex: number,
  mode: ExecutionMode,
  legs: number,
): Promise<number> {
  if (mode === 'dry-run') return (await ctx.orders.filledPerLeg(ticketId, mode, legs))[legIndex] ?? 0;
  const ticket = await ctx.orders.store.getTicket(ticketId);
  return ticket?.legs?.[legIndex]?.filledContracts ?? 0;
}
