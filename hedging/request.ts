/**
 * A ticket's arguments: what the caller asks for (`TicketRequest`), the positions it names and the policy it resolves
 * to. Everything here is checked before any market data is used.
 */
import type { MarketSnapshot } from '../adapters/model.js';
import type { BookPosition } from './book.js';
import type { HedgeMode } from './engines/types.js';
import { InvalidHedgeInputError, UnknownPositionError } from './errors.js';
import {
  horizonSettingsOf,
  resolvePolicy,
  withPolicyOverrides,
  type HedgePolicy,
  type HedgePolicyInput,
} from './policySchema.js';
import { venueMarketsOf, type VenueMarket, type VenueMarketInput } from './venueMarkets.js';

export type { HedgeMode } from './engines/types.js';

export interface TicketRequest {
  positions: readonly BookPosition[];
  market: MarketSnapshot;
  /** The time the ticket is made at (UTC ms): quotes are aged and options timed against it. */
  asOfMs: number;
  mode: HedgeMode;
  policy?: HedgePolicy | HedgePolicyInput;
  /** Hedge only these positions of `positions` (by id); default all. Unknown ids are refused. */
  positionIds?: readonly string[];
  /** Overrides applied on top of `policy` (section by section), validated again. */
  policyOverrides?: HedgePolicyInput;
  /** Ticket id; default a hash of the inputs. */
  id?: string;
  /** Pool price for the LP positions; default the snapshot's index. */
  poolPrice?: number;
  /**
   * Markets of further venues for the same underlying (hedging/venueMarkets.ts): their options join the same MIP
   * (dynamic mode), each on its own clock, contract size, settlement, fee table and lots. `market` stays the book's
   * venue: it values the positions and takes the delta hedge.
   */
  venueMarkets?: readonly VenueMarketInput[];
}

/** The positions named by `ids` (all when absent), refusing ids the book does not hold. */
export function selectPositions(positions: readonly BookPosition[], ids?: readonly string[]): BookPosition[] {
  if (!ids) return [...positions];
  const known = new Map(positions.map((p) => [p.id, p]));
  const missing = ids.filter((id) => !known.has(id));
  if (missing.length) {
    throw new UnknownPositionError(
      `unknown position id(s) ${missing.join(', ')} (the book holds ${[...known.keys()].join(', ')})`,
    );
  }
  if (ids.length === 0) throw new InvalidHedgeInputError('positionIds', ids, 'must name at least one position');
  return ids.map((id) => known.get(id)!);
}

/**
 * Checks the request's time and mode, resolves its policy (overrides applied) and its markets (its own first);
 * refuses a request none of whose venues the policy allows.
 */
export function resolveRequest(request: TicketRequest): {
  policy: HedgePolicy;
  positions: BookPosition[];
  markets: VenueMarket[];
} {
  const { market, asOfMs, mode } = request;
  if (!Number.isFinite(asOfMs)) throw new InvalidHedgeInputError('asOfMs', asOfMs, 'must be a time in UTC ms');
  if (mode !== 'dynamic' && mode !== 'static') {
    throw new InvalidHedgeInputError('mode', mode, "must be 'dynamic' or 'static'");
  }
  const policy = withPolicyOverrides(resolvePolicy(request.policy as HedgePolicyInput), request.policyOverrides);
  const positions = selectPositions(request.positions, request.positionIds);
  const markets = venueMarketsOf(market, asOfMs, request.venueMarkets);
  if (markets.length > 1) {
    if (mode === 'static') {
      throw new InvalidHedgeInputError(
        'venueMarkets',
        markets.slice(1).map((m) => m.venue),
        "a static strip is built on one expiry of one venue's chain: further venues are for dynamic tickets",
      );
    }
    if (horizonSettingsOf(policy).shown) {
      // The horizon model (hedging/horizon.ts) rolls legs within one venue's chain; across venues it is not built.
      throw new InvalidHedgeInputError(
        'venueMarkets',
        markets.slice(1).map((m) => m.venue),
        'the horizon objective and horizon section (policy.objective, policy.horizonDays) are for one-venue tickets',
      );
    }
  }
  const allowed = policy.candidates.venues as readonly string[];
  // A venue the policy does not allow contributes no candidate (candidates.ts); with none allowed, nothing could.
  if (!markets.some((m) => allowed.includes(m.venue))) {
    throw new UnknownPositionError(
      `policy.candidates.venues (${policy.candidates.venues.join(', ')}) excludes ${markets.map((m) => m.venue).join(', ')}`,
    );
  }
  return { policy, positions, markets };
}
