/**
 * The benchmark desk: `count` LP positions on the built-in Deribit BTC market (every fourth a v2 pool, the others
 * v3 ranges staggered by 100 USD), each holding a put of its own and a short perp, so the book is valued with its
 * hedges on every tick. One definition for the tick-to-push benchmarks and the soak, named by `prefix` (ids
 * `bench-0`, `soak-0`...).
 */
import type { PositionSpec } from '../src/service/types.js';
import type { ManualHoldingInput } from '../src/service/store/index.js';

export function deskPositions(count: number, prefix: string): PositionSpec[] {
  return Array.from({ length: count }, (_, i) => ({
    kind: 'lp' as const,
    id: `${prefix}-${i}`,
    label: `${prefix} ${i}`,
    venue: 'deribit' as const,
    underlying: 'BTC',
    price: 75_800,
    depositValue: 100_000 + 1_000 * i,
    ...(i % 4 === 0
      ? { model: 'v2' as const }
      : { model: 'v3' as const, lower: 60_000 + 100 * i, upper: 85_000 + 100 * i }),
  }));
}

export function deskHoldings(count: number, prefix: string): ManualHoldingInput[] {
  return Array.from({ length: count }, (_, i) => [
    {
      venue: 'deribit' as const,
      underlying: 'BTC',
      instrument: 'BTC-26JUN26-70000-P',
      kind: 'option' as const,
      contracts: 1 + (i % 5) / 10,
      price: 0.0205,
      scope: [`${prefix}-${i}`],
      contractSize: 1,
      contractValueQuote: null,
      priceCurrency: 'BTC',
    },
    {
      venue: 'deribit' as const,
      underlying: 'BTC',
      instrument: 'BTC-PERPETUAL',
      kind: 'perp' as const,
      contracts: -10_000 - 100 * i,
      price: 75_200,
      scope: [`${prefix}-${i}`],
      contractSize: null,
      contractValueQuote: 10,
      priceCurrency: 'USD',
    },
  ]).flat();
}
