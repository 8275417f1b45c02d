/**
 * A fixed-bucket latency histogram: constant memory however many samples a minute brings (1000 clients at 100
 * ticks/s are 6 M samples a minute, which sorted at the end of each minute would stall the client process and show
 * up as latency in the next). Buckets are 0.02 ms wide up to 200 ms and 1 ms wide up to 10 s; above that one
 * overflow bucket. A percentile is the upper edge of the bucket it falls in, so it is exact to the bucket width; the
 * maximum is kept exactly.
 */
const FINE_MS = 0.02;
const FINE_LIMIT_MS = 200;
const COARSE_MS = 1;
const COARSE_LIMIT_MS = 10_000;
const FINE_BUCKETS = Math.round(FINE_LIMIT_MS / FINE_MS);
const COARSE_BUCKETS = Math.round((COARSE_LIMIT_MS - FINE_LIMIT_MS) / COARSE_MS);
const BUCKETS = FINE_BUCKETS + COARSE_BUCKETS + 1;

export interface LatencySummary {
  count: number;
  p50Ms: number | null;
  p99Ms: number | null;
  p999Ms: number | null;
  maxMs: number | null;
}

export class LatencyHistogram {
  private readonly counts = new Uint32Array(BUCKETS);
  private total = 0;
  private max = -Infinity;

  get count(): number {
    return this.total;
  }

  add(ms: number): void {
    if (!Number.isFinite(ms)) return;
    const value = ms < 0 ? 0 : ms;
    let bucket: number;
    if (value < FINE_LIMIT_MS) bucket = Math.floor(value / FINE_MS);
    else if (value < COARSE_LIMIT_MS) bucket = FINE_BUCKETS + Math.floor((value - FINE_LIMIT_MS) / COARSE_MS);
    else bucket = BUCKETS - 1;
    this.counts[bucket]!++;
    this.total++;
    if (value > this.max) this.max = value;
  }

  /** The upper edge of the bucket holding the sample of rank `p`% (nearest rank), capped at the exact maximum. */
  percentile(p: number): number | null {
    if (this.total === 0) return null;
    const rank = Math.max(1, Math.ceil((p / 100) * this.total));
    let seen = 0;
    for (let bucket = 0; bucket < BUCKETS; bucket++) {
      seen += this.counts[bucket]!;
      if (seen >= rank) return Math.min(upperEdge(bucket), this.max);
    }
    return this.max;
  }

  summary(): LatencySummary {
    return {
      count: this.total,
      p50Ms: round(this.percentile(50)),
      p99Ms: round(this.percentile(99)),
      p999Ms: round(this.percentile(99.9)),
      maxMs: round(this.total === 0 ? null : this.max),
    };
  }

  reset(): void {
    this.counts.fill(0);
    this.total = 0;
    this.max = -Infinity;
  }
}

function upperEdge(bucket: number): number {
  if (bucket < FINE_BUCKETS) return (bucket + 1) * FINE_MS;
  if (bucket < FINE_BUCKETS + COARSE_BUCKETS) return FINE_LIMIT_MS + (bucket - FINE_BUCKETS + 1) * COARSE_MS;
  return Infinity;
}

function round(value: number | null): number | null {
  return value === null ? null : Math.round(value * 1000) / 1000;
}
