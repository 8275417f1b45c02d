/**
 * The connection state machine of a live stream: which dial generation is current, when the feed is up or down,
 * the gate every redial waits on (backoff, or the rate-limit cool-down), idle detection, and the escalation of a
 * drop to a rate limit when the venue's refusal is seen after the close.
 *
 * A generation is one dialled session. It goes down once (`goDown`), however many sockets, subscriptions and
 * errors report the same drop; subscription loops wait on `generationEnded` for that and then on `waitGate` for
 * the redial. The stream feeds it the tap's socket events and frames; it answers with status events through
 * `emitStatus` and with `onFeedDown` for the stale announcement.
 */
import type { Clock, Scheduler, TimerHandle } from '../clock.js';
import { sleep } from '../clock.js';
import { fromCcxtError, VenueError, type MarketDataError } from '../errors.js';
import type { Venue } from '../model.js';
import type { Backoff } from './backoff.js';
import type { FeedStatus, LiveStatusEvent } from './events.js';
import type { TokenBucket } from './rateLimit.js';
import type { StalenessTracker } from './staleness.js';
import { describeSubscription, type LiveSubscription } from './subscriptions.js';

/** Socket-level failures that ccxt passes through as plain errors: worth a redial, never a permanent failure. */
const SOCKET_FAILURE = /WebSocket is not open|socket hang up|ECONNRESET|ECONNREFUSED|EPIPE|ETIMEDOUT/;

export type StatusExtra = Partial<Pick<LiveStatusEvent, 'attempt' | 'retryInMs' | 'error' | 'subscription'>>;

export interface ConnectionOptions {
  venue: Venue;
  /** The stream's clock (staleness and backoff resets) and timers. */
  clock: Clock;
  scheduler: Scheduler;
  /** Aborted when the stream closes: every wait ends, every handler becomes a no-op. */
  signal: AbortSignal;
  backoff: Backoff;
  /** The subscribe budget, drained when the venue says we exceeded it. */
  bucket: TokenBucket;
  /** Marked down and up with the feed. */
  staleness: StalenessTracker;
  idleTimeoutMs: number;
  rateLimitCooldownMs: number;
  /** The venue's recognition of a rate-limit refusal in a text (its live hook); ccxt's typed errors count anyway. */
  isRateLimitText: (text: string) => boolean;
  emitStatus: (status: FeedStatus, message: string, extra?: StatusExtra) => void;
  /** The feed just went down at `atMs` (after its status event); `wasDown`: it already was. */
  onFeedDown: (wasDown: boolean, atMs: number) => void;
  /** Drops ccxt's sockets (an idle feed). */
  dropSockets: () => void;
}

export class Connection {
  private openSockets = 0;
  private gotFrameSinceOpen = false;
  /** Set once the current dial generation has been declared down; cleared when the next dial starts. */
  private downHandled = false;
  private gate: Promise<boolean> = Promise.resolve(true);
  /** Incremented each time the feed goes down; loops wait on `downWaiters` for the next increment. */
  private currentGeneration = 0;
  private downWaiters: ((ended: boolean) => void)[] = [];
  private readonly reported = new WeakSet<object>();
  /** A rate-limit refusal was seen in this generation (it explains the drop that follows). */
  private rateLimitSeen = false;
  /** Whether the current down generation was already treated as a rate limit. */
  private downRateLimited = false;
  private lastError: unknown;
  private idleTimer: TimerHandle | undefined;

  constructor(private readonly o: ConnectionOptions) {}

  private get closed(): boolean {
    return this.o.signal.aborted;
  }

  get generation(): number {
    return this.currentGeneration;
  }

  /** A socket is open: errors arriving now come from a live session. */
  get socketsOpen(): boolean {
    return this.openSockets > 0;
  }

  /** A rate-limit refusal was seen and the drop it announces has not been handled yet. */
  get rateLimitPending(): boolean {
    return this.rateLimitSeen;
  }

  socketOpened(): void {
    if (this.closed) return;
    this.openSockets += 1;
    this.gotFrameSinceOpen = false;
    this.o.backoff.connected(this.o.clock.now());
    this.armIdle();
  }

  /** A raw frame arrived (before ccxt parses it). */
  frame(text: string): void {
    if (this.closed) return;
    // An error frame with a rate-limit refusal precedes the venue's session kill (Deribit 10028): remember it so
    // the close is read as a rate-limit event (longer cool-down, drained budget), not as an ordinary drop.
    if (text.includes('"error"') && this.o.isRateLimitText(text)) this.sawRateLimit();
    if (!this.gotFrameSinceOpen) {
      this.gotFrameSinceOpen = true;
      this.o.staleness.markUp();
      this.o.emitStatus('up', `${this.o.venue}: receiving`, { attempt: this.o.backoff.attempts });
    }
    this.armIdle();
  }

  /** ccxt rejected its futures (`fromReject`) or a socket reported an error. */
  noteError(error: unknown, fromReject = false): void {
    if (error === undefined || this.closed) return;
    this.lastError = error;
    const text = error instanceof Error ? error.message : String(error);
    if (this.o.isRateLimitText(text)) {
      this.sawRateLimit();
      return;
    }
    // ccxt rejects its futures with an error frame's ExchangeError while the socket stays up: nobody may be
    // waiting on a future then (see the stream's runLoop), so report it here. Network errors belong to the close.
    if (fromReject && this.openSockets > 0 && !this.downHandled) {
      const kind = this.classify(error);
      if (!(kind instanceof VenueError && (kind.kind === 'network' || kind.kind === 'timeout'))) {
        this.reportTransient(error);
      }
    }
  }

  socketClosed(code: number | undefined, error: unknown): void {
    this.openSockets = Math.max(0, this.openSockets - 1);
    if (this.closed) return;
    this.disarmIdle();
    this.goDown(error ?? this.lastError, `socket closed${code !== undefined ? ` (code ${code})` : ''}`);
  }

  classify(error: unknown): MarketDataError {
    const classified = fromCcxtError(error, { venue: this.o.venue, operation: 'watch' });
    // ccxt passes the socket library's own errors through untranslated: a subscribe sent on a socket that closed
    // between open and send fails with ws's plain `WebSocket is not open` (a venue refusing us, a dead network).
    // Unclassified, it would count as a permanent failure and drop that subscription for good.
    if (
      classified instanceof VenueError &&
      classified.kind === 'unknown' &&
      SOCKET_FAILURE.test(error instanceof Error ? error.message : String(error))
    ) {
      return new VenueError('network', classified.ccxtClass, classified.context, true, classified.message, {
        cause: error,
      });
    }
    return classified;
  }

  isRateLimit(error: MarketDataError): boolean {
    return (error instanceof VenueError && error.kind === 'rate-limit') || this.o.isRateLimitText(error.message);
  }

  /** Declares the current dial generation down (once), marks everything stale and schedules the redial. */
  goDown(cause: unknown, what: string): void {
    if (this.closed || this.downHandled) return;
    this.downHandled = true;
    this.currentGeneration += 1;
    for (const wake of this.downWaiters.splice(0)) wake(true);
    this.disarmIdle();
    const error = cause === undefined ? undefined : this.classify(cause);
    const rateLimited = this.rateLimitSeen || (error !== undefined && this.isRateLimit(error));
    this.rateLimitSeen = false;
    this.downRateLimited = rateLimited;
    this.lastError = undefined;
    const now = this.o.clock.now();
    let delay = this.o.backoff.next(now);
    if (rateLimited) {
      // Our count said we had budget, the venue says we had none: believe the venue and wait a full refill.
      this.o.bucket.drain();
      delay = Math.max(delay, this.o.rateLimitCooldownMs);
    }
    const wasDown = this.o.staleness.feedDown;
    this.o.staleness.markDown();
    const detail = error ? `: ${error.message}` : '';
    this.o.emitStatus(
      rateLimited ? 'rate-limited' : 'down',
      `${this.o.venue}: ${what}${detail}; redialling in ${Math.round(delay)} ms`,
      { attempt: this.o.backoff.attempts, retryInMs: delay, ...(error ? { error } : {}) },
    );
    this.o.onFeedDown(wasDown, now);
    this.setGate(delay);
  }

  /** Resolves true when the gate opens for the next dial, false when the stream closed first. */
  async waitGate(): Promise<boolean> {
    for (;;) {
      const gate = this.gate;
      if (!(await gate)) return false;
      if (gate === this.gate) return true;
    }
  }

  /** Resolves true when the connection generation `generation` has gone down, false when the stream closed. */
  generationEnded(generation: number): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    if (this.currentGeneration !== generation) return Promise.resolve(true);
    return new Promise((resolve) => this.downWaiters.push(resolve));
  }

  /** Reports a non-fatal error once (ccxt rejects every waiting future with the same error object). */
  reportTransient(raw: unknown, sub?: LiveSubscription): void {
    if (raw !== null && typeof raw === 'object') {
      if (this.reported.has(raw)) return;
      this.reported.add(raw);
    }
    const error = this.classify(raw);
    this.o.emitStatus('error', `${this.o.venue}: ${sub ? `${describeSubscription(sub)}: ` : ''}${error.message}`, {
      error,
      ...(sub ? { subscription: sub } : {}),
    });
  }

  /** The stream is closing: release every waiting loop and the idle timer. */
  close(): void {
    for (const wake of this.downWaiters.splice(0)) wake(false);
    if (this.idleTimer !== undefined) this.o.scheduler.clearTimeout(this.idleTimer);
  }

  private sawRateLimit(): void {
    this.rateLimitSeen = true;
    if (this.downHandled) this.escalateRateLimit();
  }

  /** Redials wait on this gate; a later `setGate` (a rate-limit escalation) supersedes the current one. */
  private setGate(delayMs: number): void {
    const gate: Promise<boolean> = sleep(this.o.scheduler, delayMs, this.o.signal).then((ok) => {
      if (ok && !this.closed && this.gate === gate) {
        this.downHandled = false;
        // A socket opened meanwhile (a retry that did not wait for this gate) announces `up` again on its next
        // frame: without this the feed would read `connecting` while data flows.
        this.gotFrameSinceOpen = false;
        this.o.emitStatus('connecting', `${this.o.venue}: redialling (attempt ${this.o.backoff.attempts})`, {
          attempt: this.o.backoff.attempts,
        });
      }
      return ok;
    });
    this.gate = gate;
  }

  /**
   * A refusal for rate processed after the drop was already handled as an ordinary one (ccxt may deliver the last
   * buffered frame after the close event): escalate to the rate-limit cool-down.
   */
  private escalateRateLimit(): void {
    if (this.closed || !this.downHandled) return;
    this.rateLimitSeen = false;
    if (this.downRateLimited) return;
    this.downRateLimited = true;
    this.o.bucket.drain();
    const delay = this.o.rateLimitCooldownMs;
    this.o.emitStatus(
      'rate-limited',
      `${this.o.venue}: rate limited by the venue; redialling in ${Math.round(delay)} ms`,
      { attempt: this.o.backoff.attempts, retryInMs: delay },
    );
    this.setGate(delay);
  }

  private armIdle(): void {
    this.disarmIdle();
    if (this.o.idleTimeoutMs <= 0 || this.closed) return;
    this.idleTimer = this.o.scheduler.setTimeout(() => {
      this.idleTimer = undefined;
      if (this.closed || this.openSockets === 0) return;
      this.o.emitStatus('idle', `${this.o.venue}: no frame for ${this.o.idleTimeoutMs} ms; dropping the socket`);
      this.o.dropSockets();
    }, this.o.idleTimeoutMs);
  }

  private disarmIdle(): void {
    if (this.idleTimer !== undefined) {
      this.o.scheduler.clearTimeout(this.idleTimer);
      this.idleTimer = undefined;
    }
  }
}
