/**
 * A token bucket kept below a venue's request budget, so ilhedge backs off *before* the venue does. On Deribit
 * the penalty is severe: a request arriving with no credits left gets `too_many_requests` (code 10028, ccxt
 * `DDoSProtection`) and the session is terminated (ccxt-notes P8). Each venue states its budget in its adapter's
 * live hooks (`venues/deribit.ts`); this module knows no venue.
 */
import { MS_PER_SECOND } from '../../pricing/time.js';
import type { Clock, Scheduler } from '../clock.js';
import { systemClock, systemScheduler, sleep } from '../clock.js';

export interface TokenBucketOptions {
  /** Most tokens the bucket holds (the burst). */
  capacity: number;
  /** Tokens added per second. */
  refillPerSecond: number;
  /** Tokens at the start (defaults to `capacity`). */
  initialTokens?: number;
  clock?: Clock;
  scheduler?: Scheduler;
}

/** A venue's request budget as our bucket keeps it, in requests, and the wait after the venue refused us anyway. */
export interface RequestBudget {
  /** The burst. */
  capacity: number;
  refillPerSecond: number;
  /** Wait after a venue rate-limit error before redialling (ms): the venue's time to refill what it holds. */
  rateLimitCooldownMs: number;
}

/**
 * The budget of a venue whose adapter states none (OKX, Bybit and Binance have not been measured here): a burst
 * of 50 requests, 15 per second, a 5 s cool-down. These are Deribit's figures (`deribitRequestBucket`), the one
 * budget that is documented and tested, so every venue keeps the budget it has always run on.
 */
export const DEFAULT_REQUEST_BUDGET: RequestBudget = {
  capacity: 50,
  refillPerSecond: 15,
  rateLimitCooldownMs: 5 * MS_PER_SECOND,
};

export class TokenBucket {
  readonly capacity: number;
  readonly refillPerSecond: number;
  private tokens: number;
  private lastRefillMs: number;
  private readonly clock: Clock;
  private readonly scheduler: Scheduler;
  /** Takes waiting for tokens, served in arrival order so a big cost cannot be starved by small ones. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(options: TokenBucketOptions) {
    const { capacity, refillPerSecond } = options;
    if (!Number.isFinite(capacity) || capacity <= 0)
      throw new RangeError(`tokenBucket.capacity must be > 0, got ${capacity}`);
    if (!Number.isFinite(refillPerSecond) || refillPerSecond <= 0)
      throw new RangeError(`tokenBucket.refillPerSecond must be > 0, got ${refillPerSecond}`);
    const initial = options.initialTokens ?? capacity;
    if (!Number.isFinite(initial) || initial < 0 || initial > capacity)
      throw new RangeError(`tokenBucket.initialTokens must be in [0, capacity], got ${initial}`);
    this.capacity = capacity;
    this.refillPerSecond = refillPerSecond;
    this.tokens = initial;
    this.clock = options.clock ?? systemClock;
    this.scheduler = options.scheduler ?? systemScheduler;
    this.lastRefillMs = this.clock.now();
  }

  private refill(): void {
    const now = this.clock.now();
    const elapsedMs = Math.max(0, now - this.lastRefillMs);
    this.tokens = Math.min(this.capacity, this.tokens + (elapsedMs * this.refillPerSecond) / MS_PER_SECOND);
    this.lastRefillMs = now;
  }

  /** Tokens available now. */
  available(): number {
    this.refill();
    return this.tokens;
  }

  private checkCost(cost: number): void {
    if (!Number.isFinite(cost) || cost <= 0 || cost > this.capacity)
      throw new RangeError(`token cost must be in (0, capacity=${this.capacity}], got ${cost}`);
  }

  /** Milliseconds until `cost` tokens are available (0 if they are now). */
  msUntilAvailable(cost = 1): number {
    this.checkCost(cost);
    this.refill();
    if (this.tokens >= cost) return 0;
    return ((cost - this.tokens) * MS_PER_SECOND) / this.refillPerSecond;
  }

  /** Takes `cost` tokens if available now; never waits. */
  tryTake(cost = 1): boolean {
    this.checkCost(cost);
    this.refill();
    if (this.tokens < cost) return false;
    this.tokens -= cost;
    return true;
  }

  /**
   * Waits (on the injected scheduler) until `cost` tokens are available, then takes them. Resolves `false`
   * without taking anything if `signal` aborts first.
   */
  take(cost = 1, signal?: AbortSignal): Promise<boolean> {
    this.checkCost(cost);
    const run = async (): Promise<boolean> => {
      while (!signal?.aborted) {
        if (this.tryTake(cost)) return true;
        // A tiny floor avoids a zero-delay spin when floating-point refill lands a hair short of `cost`.
        if (!(await sleep(this.scheduler, Math.max(1, this.msUntilAvailable(cost)), signal))) return false;
      }
      return false;
    };
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  /** Empties the bucket (the venue said we ran out: trust it over our own count). */
  drain(): void {
    this.refill();
    this.tokens = 0;
  }
}

/** A bucket holding `budget` (full at the start), on `scheduler`'s timers and the wall clock. */
export function bucketFor(budget: RequestBudget, scheduler?: Scheduler): TokenBucket {
  return new TokenBucket({
    capacity: budget.capacity,
    refillPerSecond: budget.refillPerSecond,
    ...(scheduler ? { scheduler } : {}),
  });
}

/**
 * Wraps a `fetch`-like function so every request first takes a token from `bucket` (for ccxt's
 * `fetchImplementation`, below ccxt's own throttle, which runs at exactly Deribit's 20 requests per second).
 */
export function rateLimitedFetch<F extends (url: string, init?: RequestInit) => Promise<Response>>(
  inner: F,
  bucket: TokenBucket,
  cost = 1,
): (url: string, init?: RequestInit) => Promise<Response> {
  return async (url, init) => {
    const signal = init?.signal ?? undefined;
    if (!(await bucket.take(cost, signal))) throw new DOMException('request aborted while rate limited', 'AbortError');
    return inner(url, init);
  };
}
