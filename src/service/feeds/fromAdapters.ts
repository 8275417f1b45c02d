/**
 * The adapters' market model -> the service's feed snapshot. Only quotes the adapters' sanity checks passed
 * (`usableForHedging`) are used for hedging; the whole normalised snapshot is kept as `chain` for
 * `GET /api/market/:venue/:underlying`.
 */
import type { Instrument, MarketSnapshot as AdapterSnapshot, OptionQuote } from '../../../adapters/index.js';
import type { FeedOption, FeedSnapshot } from '../types.js';

/**
 * One adapters' option quote as a feed option on `forward`; null when it cannot be priced (no strike, expiry or
 * type, no positive mark IV or forward).
 */
export function feedOptionOf(quote: OptionQuote, forward: number | null): FeedOption | null {
  const instrument = quote.instrument;
  if (instrument.strike === null || instrument.expiryMs === null || instrument.optionType === null) return null;
  if (quote.markIv === null || !(quote.markIv > 0) || forward === null || !(forward > 0)) return null;
  return {
    instrument: instrument.venueId,
    optionType: instrument.optionType,
    strike: instrument.strike,
    expiryMs: instrument.expiryMs,
    forward,
    markIv: quote.markIv,
    ...(quote.markQuote !== null ? { markPriceQuote: quote.markQuote } : {}),
    ...(quote.bidQuote !== null ? { bidQuote: quote.bidQuote } : {}),
    ...(quote.askQuote !== null ? { askQuote: quote.askQuote } : {}),
    contractSizeBase: instrument.contractSize ?? 1,
    inverse: instrument.inverse,
  };
}

/** A perp instrument priced at `priceQuote` (quote per base) as the feed's perp, with its contract terms. */
export function feedPerpOf(instrument: Instrument, priceQuote: number): NonNullable<FeedSnapshot['perp']> {
  return {
    instrument: instrument.venueId,
    markPriceQuote: priceQuote,
    ...(instrument.contractValueUsd !== null ? { contractValueQuote: instrument.contractValueUsd } : {}),
    ...(instrument.contractSize !== null ? { contractSizeBase: instrument.contractSize } : {}),
  };
}

export function fromAdapterSnapshot(
  snapshot: AdapterSnapshot,
  source: FeedSnapshot['source'],
  receivedAtMs: number,
  seq = 0,
): FeedSnapshot {
  const options: FeedOption[] = [];
  for (const chain of snapshot.chains) {
    for (const quote of chain.options) {
      const instrument = quote.instrument;
      if (!snapshot.usableForHedging.has(instrument.symbol)) continue;
      const option = feedOptionOf(quote, quote.forward ?? chain.forward);
      if (option) options.push(option);
    }
  }
  const perp = snapshot.perp;
  const perpPrice = perp?.mark ?? perp?.index ?? null;
  const spot = snapshot.index ?? perp?.index ?? perpPrice ?? snapshot.chains[0]?.forward ?? NaN;
  return {
    venue: snapshot.venue,
    underlying: snapshot.underlying,
    source,
    label: snapshot.source.label,
    seq,
    asOfMs: snapshot.source.dataTimeMs,
    receivedAtMs,
    spot,
    ...(perp && perpPrice !== null ? { perp: feedPerpOf(perp.instrument, perpPrice) } : {}),
    options,
    chain: servableChain(snapshot),
    adapter: snapshot,
  };
}

/** The adapters' snapshot as JSON: the usable set as a list, helper indexes (class instances) left out. */
export function servableChain(snapshot: AdapterSnapshot): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(snapshot)) {
    if (value instanceof Set) out[key] = [...(value as Set<unknown>)];
    else if (value !== null && typeof value === 'object' && !Array.isArray(value) && value.constructor !== Object)
      continue;
    else out[key] = value;
  }
  return out;
}
