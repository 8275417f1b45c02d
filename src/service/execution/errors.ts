/** The codes the order manager raises, in the one registry (pricing/errors.ts; README "Error codes" lists them). */
import { IlhedgeError, defineError, type ErrorDefinition } from '../../../hedging/index.js';

export const EXECUTION_HALTED = defineError(
  'execution-halted',
  409,
  'execution is halted (the kill switch, POST /api/execution/halt): no order is placed until an admin resumes it',
);
export const ORDER_REFUSED = defineError(
  'order-refused',
  422,
  'an order was refused before it was sent: a notional limit, the price collar against the mark, or the price tolerance (`field` names the control)',
);

export class ExecutionHaltedError extends IlhedgeError {
  static override readonly definition: ErrorDefinition = EXECUTION_HALTED;
}

/** A control refused an order before anything was sent; `field` is the config field of the control. */
export class OrderRefusedError extends IlhedgeError {
  static override readonly definition: ErrorDefinition = ORDER_REFUSED;
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}
