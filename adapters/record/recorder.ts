/**
 * The recorder: captures a live run below ccxt, so the file replays through exactly the same ccxt code.
 * - HTTP: a `fetchImplementation` (passed to ccxt's constructor: assigned later it is silently ignored, P14) that
 *   forwards to the real fetch and keeps each response's status and body text as received.
 * - Websocket: a tap on ccxt pro's client (`live/tap.ts`) that keeps each frame's text before ccxt parses it.
 * The result is H3's versioned recording format (`adapters/recording.ts`), validated by its zod schema on output.
 */
import { writeFile } from 'node:fs/promises';
import type { Clock } from '../clock.js';
import { systemClock } from '../clock.js';
import type { FetchLike } from '../client.js';
import type { Venue } from '../model.js';
import {
  ccxtPackageVersion,
  parseRecording,
  RECORDING_FORMAT,
  RECORDING_FORMAT_VERSION,
  type HttpExchange,
  type Recording,
  type WsFrame,
} from '../recording.js';
import { tapExchange, type CcxtProExchangeLike } from '../live/tap.js';

export interface RecorderOptions {
  venue: Venue;
  /** Underlying the recording is about (`BTC`). */
  underlying?: string;
  label?: string;
  notes?: string[];
  /** Stamps `receivedAtMs` and `recordedAt`. Default: the wall clock. */
  clock?: Clock;
  /** The fetch that really talks to the venue. Default: Node's global `fetch`. */
  fetch?: FetchLike;
  /** Response headers to keep (lower case). Default: content-type. */
  keepHeaders?: readonly string[];
}

export interface RecorderCounts {
  http: number;
  ws: number;
  /** Requests that failed below HTTP (no response to record). */
  httpFailures: number;
}

/** Records one live session. */
export class Recorder {
  readonly venue: Venue;
  private readonly clock: Clock;
  private readonly inner: FetchLike;
  private readonly keepHeaders: readonly string[];
  private readonly http: HttpExchange[] = [];
  private readonly ws: WsFrame[] = [];
  private readonly startedAtMs: number;
  private readonly untaps: (() => void)[] = [];
  private httpFailures = 0;
  private stopped = false;

  constructor(private readonly options: RecorderOptions) {
    this.venue = options.venue;
    this.clock = options.clock ?? systemClock;
    this.inner = options.fetch ?? ((url, init) => fetch(url, init as RequestInit));
    this.keepHeaders = options.keepHeaders ?? ['content-type'];
    this.startedAtMs = this.clock.now();
  }

  /**
   * The fetch to give ccxt (`createCcxtClient({ fetchImplementation: recorder.fetchImplementation, ... })`): it
   * forwards to the real fetch and records what came back, then hands ccxt an identical response.
   */
  readonly fetchImplementation: FetchLike = async (url, init) => {
    let response: Response;
    try {
      response = await this.inner(url, init);
    } catch (error) {
      this.httpFailures += 1;
      throw error;
    }
    const body = await response.text();
    const headers: Record<string, string> = {};
    for (const name of this.keepHeaders) {
      const value = response.headers.get(name);
      if (value !== null) headers[name] = value;
    }
    if (!this.stopped) {
      this.http.push({
        method: (init?.method ?? 'GET').toUpperCase(),
        url,
        status: response.status,
        body,
        ...(Object.keys(headers).length > 0 ? { headers } : {}),
        receivedAtMs: Math.round(this.clock.now()),
      });
    }
    // Some statuses (204, 304) forbid a body in the Response constructor.
    const nullBody = response.status === 204 || response.status === 304 || body === '';
    return new Response(nullBody ? null : body, {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  };

  /** Starts capturing the websocket frames of a ccxt pro exchange. Returns a function that stops it. */
  attach(exchange: CcxtProExchangeLike): () => void {
    const untap = tapExchange(exchange, {
      onFrame: (url, text) => {
        if (!this.stopped) this.ws.push({ receivedAtMs: Math.round(this.clock.now()), url, data: text });
      },
    });
    this.untaps.push(untap);
    return untap;
  }

  /** Stops recording (later traffic is not kept). */
  stop(): void {
    this.stopped = true;
    for (const untap of this.untaps.splice(0)) untap();
  }

  get counts(): RecorderCounts {
    return { http: this.http.length, ws: this.ws.length, httpFailures: this.httpFailures };
  }

  /** The recording so far, validated by the recording schema. */
  recording(): Recording {
    const o = this.options;
    return parseRecording({
      format: RECORDING_FORMAT,
      formatVersion: RECORDING_FORMAT_VERSION,
      venue: this.venue,
      recordedAt: new Date(this.startedAtMs).toISOString(),
      ccxtVersion: ccxtPackageVersion(),
      ...(o.underlying !== undefined ? { underlying: o.underlying } : {}),
      ...(o.label !== undefined ? { label: o.label } : {}),
      reconstructed: false,
      notes: [
        `recorded live by ilhedge from ${this.venue}; HTTP bodies and websocket frames as received`,
        ...(o.notes ?? []),
      ],
      http: [...this.http],
      ws: [...this.ws],
    });
  }

  /** Writes the recording as JSON to `file` and returns it. */
  async writeFile(file: string): Promise<Recording> {
    const recording = this.recording();
    await writeFile(file, JSON.stringify(recording) + '\n', 'utf8');
    return recording;
  }
}

export function createRecorder(options: RecorderOptions): Recorder {
  return new Recorder(options);
}
