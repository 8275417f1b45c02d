/**
 * The service's engine on the hedging layer: tickets come from `hedging/`'s `makeTicket` (candidate selection,
 * the HiGHS delta-gamma MIP or the Carr-Madan strip in lots, legs on the venue's grids, scenarios, band, warnings),
 * run on the adapters' snapshot the feed carries. The per-tick stream keeps the fallback engine's closed-form
 * ratios (one option for gamma, the perp for delta): `makeTicket` solves a MIP and is too heavy for 100 positions
 * x 100 ticks/s.
 *
 * A replay moves the pool price along its path while the options stay as recorded, so tickets are made at the
 * recording's data time with the pool price of the moment (`poolPrice`); each ticket says so in `marketNote`.
 */
import { makeTicket as hedgingTicket, resolvePolicy } from '../../../hedging/index.js';
import type { BookPosition, HedgePolicy as DeskPolicy } from '../../../hedging/index.js';
import { positionFromSpec } from '../../../pricing/index.js';
import type { LoadedSnapshot } from '../../../adapters/index.js';
import type { FallbackHedgeEngine } from './fallback.js';
import type {
  FeedSnapshot,
  HedgeEngine,
  PayoffCurves,
  PositionHedgeState,
  StoredPosition,
  TicketRequest,
} from '../types.js';
import { marketKey } from '../types.js';

export class UnsupportedPositionError extends Error {
  override name = 'UnsupportedPositionError';
}

/** A stored position as the hedging layer's book holds it. */
export function toBookPosition(position: StoredPosition): BookPosition {
  const spec =
    position.pool.kind === 'v3'
      ? {
          model: 'v3' as const,
          lower: position.pool.lowerPrice,
          upper: position.pool.upperPrice,
          price: position.entryPrice,
          depositValue: position.notionalQuote,
        }
      : { model: 'v2' as const, price: position.entryPrice, depositValue: position.notionalQuote };
  return { id: position.id, kind: 'lp', label: position.name, position: positionFromSpec(spec) };
}

export class DeskHedgeEngine implements HedgeEngine {
  readonly name = 'hedging';
  private readonly policy: DeskPolicy;

  constructor(
    private readonly fallback: FallbackHedgeEngine,
    policy?: DeskPolicy,
  ) {
    this.policy = policy ?? resolvePolicy({});
  }

  positionState(position: StoredPosition, market: FeedSnapshot | undefined, nowMs: number): PositionHedgeState {
    return this.fallback.positionState(position, market, nowMs);
  }

  payoff(position: StoredPosition, market: FeedSnapshot | undefined, nowMs: number): PayoffCurves {
    return this.fallback.payoff(position, market, nowMs);
  }

  async makeTicket(request: TicketRequest): Promise<Record<string, unknown>> {
    const keys = [...new Set(request.positions.map((p) => marketKey(p.venue, p.underlying)))];
    if (keys.length !== 1) {
      throw new UnsupportedPositionError(
        `body.positionIds: one ticket hedges one market; these positions span ${keys.join(', ')}`,
      );
    }
    const market = request.markets.get(keys[0]!);
    const adapter = market?.adapter as LoadedSnapshot | undefined;
    // Without the adapters' snapshot (a scripted feed) the fallback engine makes the ticket.
    if (!market || !adapter) return this.fallback.makeTicket(request);
    const poolPrice = market.perp?.markPriceQuote ?? market.spot;
    const asOfMs = adapter.asOfMs ?? adapter.source.dataTimeMs;
    const ticket = await hedgingTicket({
      positions: request.positions.map(toBookPosition),
      market: adapter,
      asOfMs,
      mode: request.mode,
      policy: this.policy,
      ...(request.policyOverrides ? { policyOverrides: request.policyOverrides } : {}),
      poolPrice,
    });
    return {
      engine: this.name,
      marketNote:
        market.source === 'replay'
          ? `options and perp as recorded at ${new Date(asOfMs).toISOString()} (${adapter.source.label}); ` +
            `pool price ${poolPrice} from the replay path at replay time ${new Date(market.asOfMs).toISOString()}`
          : `market ${market.label ?? keys[0]} at ${new Date(asOfMs).toISOString()}`,
      ticket,
    };
  }
}
