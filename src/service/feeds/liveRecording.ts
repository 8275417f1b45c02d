/**
 * `--record` on a live feed: captures what the feed received below ccxt (`adapters/record`), REST answers and
 * websocket frames, in the recording format, so the file serves back through `replay:<file>`. The session is held
 * in memory until the feed stops, so it is capped (`recordMaxFrames`).
 */
import type { Exchange } from 'ccxt';
import { createRecorder, type Recorder, type Venue } from '../../../adapters/index.js';

type Fetch = (url: string, init?: RequestInit) => Promise<Response>;

/** The default `recordMaxFrames` (see `LiveFeedOptions`). */
const DEFAULT_RECORD_MAX_FRAMES = 300_000;

export interface LiveRecordingOptions {
  venue: Venue;
  underlying: string;
  file: string;
  maxFrames?: number | undefined;
  now: () => number;
  /** The fetch that really talks to the venue (already paced by the feed's request budget). */
  fetch: Fetch;
}

export class LiveRecording {
  /** The fetch to give ccxt: it records each exchange on its way through. */
  readonly fetchImplementation: Fetch;
  private readonly recorder: Recorder;
  private capped = false;

  constructor(private readonly options: LiveRecordingOptions) {
    this.recorder = createRecorder({
      venue: options.venue,
      underlying: options.underlying,
      label: `${options.venue} ${options.underlying} recorded live by ilhedge serve --record`,
      clock: { kind: 'live', now: () => options.now() },
      fetch: options.fetch,
    });
    this.fetchImplementation = this.recorder.fetchImplementation;
  }

  /** Records the websocket frames `exchange` receives. */
  attach(exchange: Exchange): void {
    this.recorder.attach(exchange as unknown as Parameters<Recorder['attach']>[0]);
  }

  /** Once the recording holds `maxFrames` websocket frames it stops and this says so (once); otherwise null. */
  checkCap(): string | null {
    const cap = this.options.maxFrames ?? DEFAULT_RECORD_MAX_FRAMES;
    if (this.capped || this.recorder.counts.ws < cap) return null;
    this.capped = true;
    this.recorder.stop();
    return `recording stopped after ${this.recorder.counts.ws} websocket frames (recordMaxFrames ${cap})`;
  }

  /** Stops recording and writes the file. */
  async finish(): Promise<void> {
    this.recorder.stop();
    await this.recorder.writeFile(this.options.file);
  }
}
