/**
 * Reads a desk config and loads its market snapshot: what `ilhedge ticket`, `ilhedge book` (and the service) need
 * before calling hedging/. The wall clock is read here, at the edge, and only for live data: built-in and replayed
 * data run on their own clock (the data's time).
 */
import { deskBook, deskPolicy, loadDeskConfig, type DeskConfig } from './deskConfig.js';
import type { BookPosition, HedgePolicy } from '../../hedging/index.js';
import type { LoadedSnapshot } from '../../adapters/index.js';

export interface DeskMarket {
  config: DeskConfig;
  positions: BookPosition[];
  policy: HedgePolicy;
  market: LoadedSnapshot;
  /** The time the ticket is made at: the data's own time for builtin/replay, the wall clock for live. */
  asOfMs: number;
}

export async function loadDeskMarket(file: string, source?: string): Promise<DeskMarket> {
  const config = loadDeskConfig(file);
  const policy = deskPolicy(config);
  const { loadMarketSnapshot, parseSourceSpec } = await import('../../adapters/index.js');
  const spec = parseSourceSpec(source ?? config.market.source);
  const asOfMs = spec.kind === 'live' ? Date.now() : undefined;
  const market = await loadMarketSnapshot({
    venue: config.market.venue,
    underlying: config.market.underlying,
    source: spec,
    asOfMs,
    sanity: { maxAgeMs: policy.maxQuoteAgeMs },
  });
  // On the market: the held hedges' premiums and P&L move the config's balances (deskConfig.ts deskBook).
  const positions = deskBook(config, file, market);
  return { config, positions, policy, market, asOfMs: asOfMs ?? market.asOfMs };
}
