/**
 * The benchmark harness: each suite measures its own cases and returns results; `run.ts` prints them as a table
 * or, with `--json`, one JSON object per line. Peers named by an issue are measured in the same run and reported
 * as ratios (`ratioTo`), never as absolute numbers from another day.
 */
export interface BenchResult {
  /** Stable name, e.g. `pricing.black76.greeks`; peers use `peer.<package>.<case>`. */
  name: string;
  /** Operations per second (one op = one option priced, one IV solved, one ticket built, ...). */
  opsPerSec: number;
  /** Latency percentiles in milliseconds, where a case measures latency. */
  p50Ms?: number;
  p99Ms?: number;
  /** Free-form extra numbers (memory per client, failure rate on the grid, ...). */
  extra?: Record<string, number | string>;
  /** For peers: how many times faster ilhedge is than this peer on the same inputs (ilhedge ops / peer ops). */
  ratioTo?: { name: string; ratio: number };
}

export interface BenchSuite {
  name: string;
  run(): Promise<BenchResult[]>;
}

/**
 * Times `fn` (which performs `opsPerCall` operations per call) for at least `minMs` after a warm-up and returns
 * operations per second from the fastest of several rounds (the least disturbed by the rest of the machine).
 */
export function measureThroughput(fn: () => void, opsPerCall: number, minMs = 300, rounds = 5): number {
  for (let i = 0; i < 3; i++) fn();
  let best = 0;
  for (let round = 0; round < rounds; round++) {
    let calls = 0;
    const start = process.hrtime.bigint();
    let elapsedNs = 0n;
    do {
      fn();
      calls++;
      elapsedNs = process.hrtime.bigint() - start;
    } while (elapsedNs < BigInt(minMs) * 1_000_000n);
    const opsPerSec = (calls * opsPerCall) / (Number(elapsedNs) / 1e9);
    if (opsPerSec > best) best = opsPerSec;
  }
  return best;
}

/** Percentile (0..100) of a sample, by linear interpolation between order statistics. */
export function percentile(sample: readonly number[], p: number): number {
  if (sample.length === 0) throw new Error('percentile of an empty sample');
  const sorted = [...sample].sort((a, b) => a - b);
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (rank - lo);
}

/** Runs `fn` `iterations` times after `warmup` calls and returns p50/p99 latency in ms and ops per second. */
export async function measureLatency(
  fn: () => unknown,
  iterations: number,
  warmup = 20,
): Promise<{ p50Ms: number; p99Ms: number; opsPerSec: number }> {
  for (let i = 0; i < warmup; i++) await fn();
  const samples: number[] = [];
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) {
    const t0 = process.hrtime.bigint();
    await fn();
    samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  const totalSec = Number(process.hrtime.bigint() - start) / 1e9;
  return { p50Ms: percentile(samples, 50), p99Ms: percentile(samples, 99), opsPerSec: iterations / totalSec };
}
