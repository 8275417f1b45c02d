/**
 * The adapters' market model -> the service's feed snapshot: the snapshot itself is the market state (hedging uses
 * only the quotes its sanity checks passed, `usableForHedging`); `servableChain` is its JSON form for
 * `GET /api/market/:venue/:underlying`.
 */
import type { MarketSnapshot } from '../../../adapters/index.js';
import type { FeedSnapshot } from '../types.js';

export function fromAdapterSnapshot(
  snapshot: MarketSnapshot,
  source: FeedSnapshot['source'],
  receivedAtMs: number,
  seq = 0,
): FeedSnapshot {
  return {
    venue: snapshot.venue,
    underlying: snapshot.underlying,
    source,
    label: snapshot.source.label,
    seq,
    asOfMs: snapshot.source.dataTimeMs,
    receivedAtMs,
    market: snapshot,
  };
}

/** The adapters' snapshot as JSON: the usable set as a list, helper indexes (class instances) left out. */
export function servableChain(snapshot: MarketSnapshot): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(snapshot)) {
    if (value instanceof Set) out[key] = [...(value as Set<unknown>)];
    else if (value !== null && typeof value === 'object' && !Array.isArray(value) && value.constructor !== Object)
      continue;
    else out[key] = value;
  }
  return out;
}
