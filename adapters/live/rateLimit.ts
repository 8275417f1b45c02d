/**
 * A token bucket kept below a venue's request budget, so ilhedge backs off *before* the venue does. On Deribit
 * the penalty is severe: a request arriving with no credits left gets `too_many_requests` (code 10028, ccxt
 * `DDoSProtection`) and the session is terminated (ccxt-notes P8).
 */
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

/**
 * Deribit's published default for non-matching-engine requests (public market data, subscriptions, REST and
 * WS alike): 500 credits per request, a pool of 50,000 credits, refilled at 10,000 credits per second, i.e. 20
 * requests per second sustained with a burst of 100 (https://support.deribit.com/hc/en-us/articles/25944617523357).
 */
export const deribitNonMatchingEngineBudget = {
  costCreditsPerRequest: 500,
  maxCredits: 50_000,
  refillCreditsPerSecond: 10_000,
} as const;

/**
 * Our bucket for Deribit, in requests: half the venue's burst and three quarters of its sustained rate, leaving
 * room for ccxt's own calls (loadMarkets, the subscribe sent on each reconnect) and other processes on the key.
 * After a 10028 the pool is empty, and a full refill takes maxCredits / refill = 5 s: that is the cool-down.
 */
export const deribitRequestBucket = {
  capacity: (0.5 * deribitNonMatchingEngineBudget.maxCredits) / deribitNonMatchingEngineBudget.costCreditsPerRequest,
  refillPerSecond:
    (0.75 * deribitNonMatchingEngineBudget.refillCreditsPerSecond) /
    deribitNonMatchingEngineBudget.costCreditsPerRequest,
  rateLimitCooldownMs:
    (1000 * deribitNonMatchingEngineBudget.maxCredits) / deribitNonMatchingEngineBudget.refillCreditsPerSecond,
} as const;

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
    this.tokens = Math.min(this.capacity, this.tokens + (elapsedMs * this.refillPerSecond) / 1000);
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
    return ((cost - this.tokens) * 1000) / this.refillPerSecond;
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
