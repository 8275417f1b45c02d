/**
 * The perp leg re-sized on what the option legs actually filled. Legs go options first, the perp last, so the perp
 * hedges the delta that was bought rather than the delta that was ticketed: with fill fraction f_i of option leg i
 * (delta d_i) and the perp's delta per contract D, the perp trades `p0 + sum (1 - f_i) d_i / D` contracts (p0 the
 * ticketed perp, signed), rounded to its lot toward zero and never beyond the leg (the ledger takes no more than a
 * leg asks for; `toTrade` shows the rest).
 */
import type { StoredTicket } from '../store/index.js';
import type { ExecutionMode } from './config.js';
import { EPS, filledNow } from './executionContext.js';
import type { ExecutionContext } from './executionContext.js';

/**
 * The perp leg's contracts given what the other legs filled (`results`: this execution's fills per leg, which a dry
 * run reads since it has no ledger). Without the ticket's deltas the perp keeps its ticketed size.
 */
export async function resizedPerp(
  ctx: ExecutionContext,
  ticket: StoredTicket,
  perpIndex: number,
  results: readonly { readonly filledContracts: number }[],
  mode: ExecutionMode,
): Promise<number> {
  const legs = ticket.legs!;
  const perp = legs[perpIndex]!;
  const content = (ticket.content.ticket as { legs?: { delta?: unknown; instrument?: unknown }[] } | undefined)?.legs;
  const perpDelta = content?.[perpIndex]?.delta;
  const signed = perp.side === 'buy' ? perp.contracts : -perp.contracts;
  if (typeof perpDelta !== 'number' || !(Math.abs(perpDelta) > 0) || !content) return perp.contracts;
  const deltaPerContract = perpDelta / signed;
  let p = signed;
  for (const [i, leg] of legs.entries()) {
    if (i === perpIndex || leg.kind === 'perp') continue;
    const d = content[i]?.delta;
    if (typeof d !== 'number' || content[i]?.instrument !== leg.instrument) continue;
    const filled =
      mode === 'dry-run' ? results[i]!.filledContracts : await filledNow(ctx, ticket.id, i, mode, legs.length);
    const f = leg.contracts > 0 ? Math.min(1, filled / leg.contracts) : 1;
    p += ((1 - f) * d) / deltaPerContract;
  }
  const quote = ctx.market.quote(perp.venue, perp.underlying, perp.instrument);
  const lot = quote?.instrument.amountStep ?? 1;
  const inDirection = Math.sign(p) === Math.sign(signed) ? Math.abs(p) : 0;
  const lots = Math.floor(inDirection / lot + EPS);
  return Math.min(perp.contracts, Number((lots * lot).toPrecision(12)));
}
