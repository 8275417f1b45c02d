/** The desk book's own error: no market to value or hedge the positions on (503 at the edge). */
import { IlhedgeError, defineError, type ErrorDefinition } from '../../hedging/index.js';

export const NO_MARKET = defineError(
  'no-market',
  503,
  'no market data (or none usable) for the positions named: the feed is down, not started or not configured',
);

/** No market for a position, or none at all: 503 at the edge. */
export class NoMarketError extends IlhedgeError {
  static override readonly definition: ErrorDefinition = NO_MARKET;
}
