/**
 * Reconnect backoff: exponential with a cap and random jitter, so that many clients dropped by the same venue
 * outage do not all redial in the same millisecond ("Exponential Backoff And Jitter", AWS Architecture Blog,
 * M. Brooker 2015: jitter spreads the retries; "equal jitter" keeps a floor so a retry is never immediate).
 */
import { MS_PER_SECOND } from '../../pricing/time.js';

export interface BackoffPolicy {
  /** Delay before the first retry, before jitter (ms). */
  initialDelayMs: number;
  /** Ceiling on the un-jittered delay (ms). */
  maxDelayMs: number;
  /** Growth per failed attempt (> 1). */
  factor: number;
  /**
   * Fraction of the delay that is random, in [0, 1]: the delay is drawn uniformly from
   * [base·(1 − jitter), base]. 0 is deterministic; 1 is "full jitter"; 0.5 is "equal jitter".
   */
  jitter: number;
  /** A connection that stays up this long resets the attempt count (ms). */
  resetAfterMs: number;
}

/** Deribit-friendly defaults: first retry within 0.25–0.5 s, at most 30 s between dials. */
export const defaultBackoffPolicy: BackoffPolicy = {
  initialDelayMs: 500,
  maxDelayMs: 30 * MS_PER_SECOND,
  factor: 2,
  jitter: 0.5,
  resetAfterMs: 30 * MS_PER_SECOND,
};

/** Validates a policy, naming the bad field. */
export function checkBackoffPolicy(policy: BackoffPolicy): BackoffPolicy {
  const { initialDelayMs, maxDelayMs, factor, jitter, resetAfterMs } = policy;
  if (!Number.isFinite(initialDelayMs) || initialDelayMs < 0)
    throw new RangeError(`backoff.initialDelayMs must be >= 0, got ${initialDelayMs}`);
  if (!Number.isFinite(maxDelayMs) || maxDelayMs < initialDelayMs)
    throw new RangeError(`backoff.maxDelayMs must be >= initialDelayMs, got ${maxDelayMs}`);
  if (!Number.isFinite(factor) || factor < 1) throw new RangeError(`backoff.factor must be >= 1, got ${factor}`);
  if (!Number.isFinite(jitter) || jitter < 0 || jitter > 1)
    throw new RangeError(`backoff.jitter must be in [0, 1], got ${jitter}`);
  if (!Number.isFinite(resetAfterMs) || resetAfterMs < 0)
    throw new RangeError(`backoff.resetAfterMs must be >= 0, got ${resetAfterMs}`);
  return policy;
}

/** The un-jittered delay before retry number `attempt` (0-based): min(max, initial · factor^attempt). */
export function backoffCeilingMs(attempt: number, policy: BackoffPolicy): number {
  if (!Number.isInteger(attempt) || attempt < 0)
    throw new RangeError(`attempt must be an integer >= 0, got ${attempt}`);
  // The exponent is capped so factor^attempt cannot overflow to Infinity on a feed that stays dead for days.
  const grown = policy.initialDelayMs * Math.pow(policy.factor, Math.min(attempt, 64));
  return Math.min(policy.maxDelayMs, grown);
}

/**
 * The jittered delay before retry `attempt`: uniform in [ceiling·(1 − jitter), ceiling], with `random` in [0, 1)
 * injectable so tests can pin it.
 */
export function backoffDelayMs(attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const ceiling = backoffCeilingMs(attempt, policy);
  const u = Math.min(Math.max(random(), 0), 1);
  return ceiling * (1 - policy.jitter * u);
}

/** Counts failed attempts and hands out the next delay; `succeeded()` after a healthy connection. */
export class Backoff {
  private attempt = 0;
  private connectedAtMs: number | undefined;

  constructor(
    readonly policy: BackoffPolicy = defaultBackoffPolicy,
    private readonly random: () => number = Math.random,
  ) {
    checkBackoffPolicy(policy);
  }

  /** Attempts made since the last reset. */
  get attempts(): number {
    return this.attempt;
  }

  /** Marks a connection as established at `nowMs` (the count resets once it has lived `resetAfterMs`). */
  connected(nowMs: number): void {
    this.connectedAtMs = nowMs;
  }

  /** The delay before the next dial, given the connection just failed at `nowMs`. */
  next(nowMs: number): number {
    if (this.connectedAtMs !== undefined && nowMs - this.connectedAtMs >= this.policy.resetAfterMs) this.attempt = 0;
    this.connectedAtMs = undefined;
    const delay = backoffDelayMs(this.attempt, this.policy, this.random);
    this.attempt += 1;
    return delay;
  }

  reset(): void {
    this.attempt = 0;
    this.connectedAtMs = undefined;
  }
}
