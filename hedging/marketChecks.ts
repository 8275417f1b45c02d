/**
 * What a ticket or a book report checks about the market before relying on it: the data's age against the policy,
 * the chain's sanity failures, and the at-the-money vol the rebalancing band is drawn with.
 */
import { MS_PER_DAY } from '../pricing/index.js';
import type { MarketSnapshot, OptionQuote } from '../adapters/model.js';
import { MarketSanityError, StaleMarketError } from './errors.js';
import type { HedgePolicy } from './policySchema.js';
import type { TicketWarning } from './ticket.js';

/**
 * Expiries closer than this are not used for the vol, a strip or a dated delta hedge: their Greeks blow up and they
 * settle before the ticket's first review.
 */
export const MIN_USABLE_EXPIRY_MS = MS_PER_DAY;

/** Refuses stale data and chains that fail their sanity checks; returns warnings for what it tolerates. */
export function checkMarket(market: MarketSnapshot, asOfMs: number, policy: HedgePolicy): TicketWarning[] {
  const warnings: TicketWarning[] = [];
  const ageMs = asOfMs - market.source.dataTimeMs;
  if (ageMs > policy.maxQuoteAgeMs) {
    throw new StaleMarketError(
      `quotes are ${(ageMs / 1000).toFixed(1)} s old at ${new Date(asOfMs).toISOString()} (data time ` +
        `${new Date(market.source.dataTimeMs).toISOString()}, ${market.source.label}); the policy allows ` +
        `${(policy.maxQuoteAgeMs / 1000).toFixed(1)} s (maxQuoteAgeMs)`,
      ageMs,
      policy.maxQuoteAgeMs,
    );
  }
  const optionCount = market.chains.reduce((n, c) => n + c.options.length, 0);
  if (optionCount === 0)
    throw new MarketSanityError(`${market.venue} ${market.underlying}: the snapshot has no options`);
  const optionSymbols = new Set(market.chains.flatMap((c) => c.options.map((o) => o.instrument.symbol)));
  const failed = new Set(market.issues.filter((i) => optionSymbols.has(i.symbol)).map((i) => i.symbol));
  const fraction = failed.size / optionCount;
  if (fraction > policy.maxSanityFailureFraction) {
    const reasons = new Map<string, number>();
    for (const i of market.issues) reasons.set(i.reason, (reasons.get(i.reason) ?? 0) + 1);
    throw new MarketSanityError(
      `the chain fails its sanity checks: ${failed.size} of ${optionCount} options flagged ` +
        `(${(fraction * 100).toFixed(1)}% > ${(policy.maxSanityFailureFraction * 100).toFixed(1)}% allowed: ` +
        `${[...reasons].map(([r, n]) => `${r} ${n}`).join(', ')})`,
    );
  }
  if (failed.size > 0) {
    warnings.push({
      code: 'sanity-excluded',
      message: `${failed.size} of ${optionCount} options excluded by sanity checks (${[...new Set(market.issues.map((i) => i.reason))].join(', ')})`,
    });
  }
  return warnings;
}

/** The mark IV of the strike nearest the forward in the first expiry at least a day away (decimal). */
export function atmVol(market: MarketSnapshot, asOfMs: number): number {
  for (const chain of market.chains) {
    if (chain.expiryMs - asOfMs < MIN_USABLE_EXPIRY_MS) continue;
    let best: OptionQuote | null = null;
    for (const o of chain.options) {
      if (o.markIv === null || o.instrument.strike === null) continue;
      if (!best || Math.abs(o.instrument.strike - chain.forward) < Math.abs(best.instrument.strike! - chain.forward))
        best = o;
    }
    if (best?.markIv) return best.markIv;
  }
  throw new MarketSanityError(`${market.venue} ${market.underlying}: no option with a mark IV to read the vol from`);
}
