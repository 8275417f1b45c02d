/**
 * The service under soak: in this process, on loopback, with an in-memory store seeded with `positions` positions
 * (each holding a put and a short perp, as in `bench/suites/service.ts`), fed by a scripted feed of the built-in
 * Deribit chain.
 */
import { loadMarketSnapshot, moveMarket } from '../../adapters/index.js';
import type { MarketSnapshot } from '../../adapters/index.js';
import { ScriptedFeed } from '../../src/service/feeds/scripted.js';
import { createLogger, startService } from '../../src/service/server.js';
import type { ServiceHandle } from '../../src/service/server.js';
import type { ManualHoldingInput } from '../../src/service/store/index.js';
import type { PositionSpec } from '../../src/service/types.js';
import type { SoakOptions } from './options.js';
import { deskHoldings, deskPositions } from '../deskFixtures.js';

/** The positions of `bench/suites/service.ts` (v2 every fourth, v3 ranges around the built-in chain's price). */
export const soakPositions = (count: number): PositionSpec[] => deskPositions(count, 'soak');

/** Every position holds a put of its own and a short perp, as in the tick-to-push bench. */
export const soakHoldings = (count: number): ManualHoldingInput[] => deskHoldings(count, 'soak');

/**
 * A cycle of market states moved up front (moveMarket reprices all 878 options, ~1 ms, which is the feed's work,
 * not the service's): a slow sine of +-0.1% over `count` ticks, so every tick is a new state for the engine and the
 * positions near a band edge cross it now and then, as a live market does.
 */
function marketCycle(market: MarketSnapshot, count: number): MarketSnapshot[] {
  return Array.from({ length: count }, (_, k) =>
    moveMarket(market, {
      priceFactor: 1 + 0.001 * Math.sin((2 * Math.PI * k) / count),
      asOfMs: market.source.dataTimeMs,
      label: market.source.label,
    }),
  );
}

export interface SoakService {
  /** Not started: the caller starts it once the desk is idle. */
  feed: ScriptedFeed;
  /** The market states the feed cycles through, one a tick. */
  states: MarketSnapshot[];
  handle: ServiceHandle;
}

export async function startSoakService(options: SoakOptions): Promise<SoakService> {
  const market = await loadMarketSnapshot({ venue: 'deribit', underlying: 'BTC', source: { kind: 'builtin' } });
  const states = marketCycle(market, 20);
  const feed = new ScriptedFeed(market);
  const handle = await startService({
    dbPath: ':memory:',
    feeds: [feed],
    logger: createLogger('silent'),
    seedPositions: soakPositions(options.positions),
    seedHoldings: soakHoldings(options.positions),
    heartbeatMs: options.heartbeatMs,
    maxWsClients: options.clients * 2 + 100,
    suggestions: options.suggestions,
  });
  return { feed, states, handle };
}

/** A counter of the service's metrics, summed over its labels. */
export async function counterValue(handle: ServiceHandle, name: 'wsConflated' | 'wsMessages'): Promise<number> {
  const metric = await handle.metrics[name].get();
  return metric.values.reduce((sum, v) => sum + v.value, 0);
}
