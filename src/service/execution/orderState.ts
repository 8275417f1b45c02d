/**
 * Order states and the transitions allowed between them. Every change of an order's state (or of its filled
 * contracts) is stored as an event (`orderEvents.ts`); a transition not listed here is refused, so a venue answer that
 * would move a filled order back to open is an error, never a silent overwrite.
 */
export const ORDER_STATES = ['new', 'open', 'partially-filled', 'filled', 'cancelled', 'rejected', 'expired'] as const;
export type OrderState = (typeof ORDER_STATES)[number];

export const TERMINAL_ORDER_STATES: ReadonlySet<OrderState> = new Set(['filled', 'cancelled', 'rejected', 'expired']);

/**
 * `new`: stored, not yet acknowledged by the venue (a crash here is resolved by looking the client order id up);
 * `partially-filled -> partially-filled` is a further fill. `expired` also covers an order that never reached the
 * venue (not found by its client order id after a failed send).
 */
export const ORDER_TRANSITIONS: Readonly<Record<OrderState, readonly OrderState[]>> = {
  new: ['open', 'partially-filled', 'filled', 'cancelled', 'rejected', 'expired'],
  open: ['partially-filled', 'filled', 'cancelled', 'expired'],
  'partially-filled': ['partially-filled', 'filled', 'cancelled', 'expired'],
  filled: [],
  cancelled: [],
  rejected: [],
  expired: [],
};

export function isTerminal(state: OrderState): boolean {
  return TERMINAL_ORDER_STATES.has(state);
}

export class OrderTransitionError extends Error {
  override name = 'OrderTransitionError';
  constructor(
    readonly orderId: string,
    readonly from: OrderState,
    readonly to: OrderState,
  ) {
    super(`order ${orderId}: ${from} -> ${to} is not an allowed transition`);
  }
}

/** Throws unless `from -> to` is allowed. */
export function checkTransition(orderId: string, from: OrderState, to: OrderState): void {
  if (!ORDER_TRANSITIONS[from].includes(to)) throw new OrderTransitionError(orderId, from, to);
}

/**
 * The state an order is in given the venue's word for it and what is filled: ccxt's unified statuses (`open`,
 * `closed`, `canceled`, `rejected`, `expired`) or Deribit's own (`filled`, `cancelled`, `untriggered`).
 */
export function stateFromVenue(status: string, filledContracts: number, contracts: number): OrderState {
  const s = status.toLowerCase();
  if (s === 'closed' || s === 'filled') return 'filled';
  if (s === 'canceled' || s === 'cancelled') return 'cancelled';
  if (s === 'rejected') return 'rejected';
  if (s === 'expired') return 'expired';
  if (s === 'open' || s === 'untriggered' || s === 'new') {
    if (filledContracts >= contracts - 1e-9 && filledContracts > 0) return 'filled';
    return filledContracts > 0 ? 'partially-filled' : 'open';
  }
  throw new RangeError(`order status ${JSON.stringify(status)} is not one the order manager knows`);
}
