/**
 * A ticket's arguments: what the caller asks for (`TicketRequest`), the positions it names and the policy it resolves
 * to. Everything here is checked before any market data is used.
 */
import type { MarketSnapshot } from '../adapters/model.js';
import type { BookPosition } from './book.js';
import type { HedgeMode } from './engines/types.js';
import { InvalidHedgeInputError, UnknownPositionError } from './errors.js';
import { resolvePolicy, withPolicyOverrides, type HedgePolicy, type HedgePolicyInput } from './policySchema.js';

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

/** Checks the request's time and mode and resolves its policy (overrides applied); refuses an excluded venue. */
export function resolveRequest(request: TicketRequest): { policy: HedgePolicy; positions: BookPosition[] } {
  const { market, asOfMs, mode } = request;
  if (!Number.isFinite(asOfMs)) throw new InvalidHedgeInputError('asOfMs', asOfMs, 'must be a time in UTC ms');
  if (mode !== 'dynamic' && mode !== 'static') {
    throw new InvalidHedgeInputError('mode', mode, "must be 'dynamic' or 'static'");
  }
  const policy = withPolicyOverrides(resolvePolicy(request.policy as HedgePolicyInput), request.policyOverrides);
  const positions = selectPositions(request.positions, request.positionIds);
  if (!(policy.candidates.venues as readonly string[]).includes(market.venue)) {
    throw new UnknownPositionError(
      `policy.candidates.venues (${policy.candidates.venues.join(', ')}) excludes ${market.venue}`,
    );
  }
  return { policy, positions };
}
