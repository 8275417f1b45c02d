/**
 * Clocks for market data. Live data is judged against the wall clock; a replay runs on its own clock, which
 * reads the *recorded* time of the data being replayed, so a quote from 2021 replayed today is as fresh as it
 * was then and never looks new (issue 3: "replay keeps the recorded timestamps and runs on its own clock").
 * Timers (`Scheduler`) are injected next to the clock so reconnect and idle logic can be driven by fake time.
 */

/** A source of "now" in epoch milliseconds (UTC). */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  /** `'live'` for the wall clock, `'replay'` for a recording's own time, `'manual'` for tests. */
  readonly kind: 'live' | 'replay' | 'manual';
}

/** The wall clock. */
export const systemClock: Clock = { kind: 'live', now: () => Date.now() };

/** A clock that moves only when told to (tests). */
export class ManualClock implements Clock {
  readonly kind = 'manual' as const;
  constructor(private nowMs = 0) {}
  now(): number {
    return this.nowMs;
  }
  set(nowMs: number): void {
    this.nowMs = nowMs;
  }
  advance(ms: number): void {
    this.nowMs += ms;
  }
}

/** Opaque handle returned by a `Scheduler`. */
export type TimerHandle = unknown;

/** setTimeout/clearTimeout, injectable so backoff, idle detection and pacing can run on fake time in tests. */
export interface Scheduler {
  setTimeout(callback: () => void, delayMs: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/** Node's timers. */
export const systemScheduler: Scheduler = {
  setTimeout: (callback, delayMs) => setTimeout(callback, Math.max(0, delayMs)),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** Resolves after `delayMs` on `scheduler`, or early (resolving `false`) when `signal` aborts. */
export function sleep(scheduler: Scheduler, delayMs: number, signal?: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) {
      resolve(false);
      return;
    }
    const onAbort = (): void => {
      scheduler.clearTimeout(handle);
      resolve(false);
    };
    const handle = scheduler.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, delayMs);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export interface ReplayClockOptions {
  /** The recorded time (epoch ms) the replay starts at. */
  startMs: number;
  /** Data milliseconds per wall millisecond (1 = real time, 100 = a hundred times faster). */
  speed?: number;
  /** Wall clock driving the replay (injectable for tests). */
  wall?: Clock;
  /** Starts paused (the loopback server resumes it when the first subscriber arrives). */
  paused?: boolean;
}

/**
 * The time of a replay: recorded epoch ms, advancing at `speed` times the wall clock while running. It can be
 * paused (nobody is listening, so the recorded timeline holds still), moved forward (a long quiet gap in the
 * recording is skipped rather than waited out) and rewound (a looping replay starts over at its own start time,
 * so the data's time goes back with it rather than pretending old quotes are new).
 */
export class ReplayClock implements Clock {
  readonly kind = 'replay' as const;
  readonly speed: number;
  readonly startMs: number;
  private readonly wall: Clock;
  private anchorDataMs: number;
  private anchorWallMs: number;
  private running: boolean;
  /** How many times the replay has started over from `startMs`. */
  loops = 0;

  constructor(options: ReplayClockOptions) {
    const speed = options.speed ?? 1;
    if (!Number.isFinite(speed) || speed <= 0) throw new RangeError(`replay speed must be > 0, got ${speed}`);
    if (!Number.isFinite(options.startMs))
      throw new RangeError(`replay startMs must be finite, got ${options.startMs}`);
    this.speed = speed;
    this.startMs = options.startMs;
    this.wall = options.wall ?? systemClock;
    this.anchorDataMs = options.startMs;
    this.anchorWallMs = this.wall.now();
    this.running = !(options.paused ?? false);
  }

  now(): number {
    if (!this.running) return this.anchorDataMs;
    return this.anchorDataMs + (this.wall.now() - this.anchorWallMs) * this.speed;
  }

  get isRunning(): boolean {
    return this.running;
  }

  pause(): void {
    if (!this.running) return;
    this.anchorDataMs = this.now();
    this.running = false;
  }

  resume(): void {
    if (this.running) return;
    this.anchorWallMs = this.wall.now();
    this.running = true;
  }

  /** Jumps forward to `dataMs` if it is ahead of now (never backwards: use `rewind`). */
  advanceTo(dataMs: number): void {
    if (dataMs <= this.now()) return;
    this.anchorDataMs = dataMs;
    this.anchorWallMs = this.wall.now();
  }

  /** Starts the recorded timeline over (a looping replay). */
  rewind(): void {
    this.anchorDataMs = this.startMs;
    this.anchorWallMs = this.wall.now();
    this.loops += 1;
  }

  /** Wall milliseconds until the replay reaches `dataMs` (0 if it already has; Infinity while paused). */
  wallDelayUntil(dataMs: number): number {
    const ahead = dataMs - this.now();
    if (ahead <= 0) return 0;
    if (!this.running) return Number.POSITIVE_INFINITY;
    return ahead / this.speed;
  }
}
