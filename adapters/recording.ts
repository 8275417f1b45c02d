/**
 * The recording file format: raw HTTP responses and websocket frames of one venue, captured below ccxt so a replay
 * runs exactly the parsing code a live run does (issue 3, item 4). Written by the recorder (H4,
 * `adapters/record*.ts`), read by the REST replay (`adapters/replayRest.ts`) and the websocket replay server (H4),
 * and used for the built-in data (`adapters/builtin/`).
 *
 * Bodies and frames are kept as the exact text received (not re-serialised JSON), so number formatting and key order
 * reach ccxt unchanged.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { MarketDataError } from './errors.js';
import { VENUES } from './model.js';

export const RECORDING_FORMAT = 'ilhedge-recording';
export const RECORDING_FORMAT_VERSION = 1;

export const httpExchangeSchema = z.object({
  method: z.string().min(1),
  /** Full URL as ccxt requested it (query included). Replay routes on pathname + sorted query. */
  url: z.string().url(),
  status: z.number().int().min(100).max(599),
  /** Response body text, exactly as received. */
  body: z.string(),
  /** Response headers worth keeping (content-type); optional. */
  headers: z.record(z.string(), z.string()).optional(),
  /** When the response arrived (UTC ms, recorder's clock). */
  receivedAtMs: z.number().int().nonnegative(),
});

export const wsFrameSchema = z.object({
  receivedAtMs: z.number().int().nonnegative(),
  /** The websocket URL the frame arrived on. */
  url: z.string().min(1),
  /** Frame text, exactly as received. */
  data: z.string(),
});

export const recordingSchema = z.object({
  format: z.literal(RECORDING_FORMAT),
  formatVersion: z.literal(RECORDING_FORMAT_VERSION),
  venue: z.enum(VENUES as unknown as [string, ...string[]]),
  /** When the recording started (ISO-8601 UTC). */
  recordedAt: z.iso.datetime({ offset: true }),
  /** ccxt version from ccxt's package.json (`ccxt.version` misreports 4.5.83 in the 4.5.84 tarball). */
  ccxtVersion: z.string().min(1),
  /** Underlying(s) the recording is about, e.g. `BTC`. */
  underlying: z.string().optional(),
  /** One line describing the data for outputs, e.g. `Deribit BTC options 2026-05-26 (reconstructed ...)`. */
  label: z.string().optional(),
  /** True when the wire payloads were rebuilt from real values exported in another format (the built-in data). */
  reconstructed: z.boolean().optional(),
  /** Provenance notes: sources, what is real, what was assumed. */
  notes: z.array(z.string()).optional(),
  http: z.array(httpExchangeSchema),
  ws: z.array(wsFrameSchema),
});

export type HttpExchange = z.infer<typeof httpExchangeSchema>;
export type WsFrame = z.infer<typeof wsFrameSchema>;
export type Recording = z.infer<typeof recordingSchema>;

/** Validates parsed JSON as a recording, with a message naming the first bad field. */
export function parseRecording(value: unknown, where = 'recording'): Recording {
  const result = recordingSchema.safeParse(value);
  if (!result.success) {
    const first = result.error.issues[0];
    const path = first ? first.path.join('.') : '';
    throw new MarketDataError(`${where}: not a valid ilhedge recording (${path || 'root'}: ${first?.message ?? '?'})`);
  }
  return result.data;
}

/** Reads and validates a recording file. */
export function readRecordingFile(file: string): Recording {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new MarketDataError(`cannot read recording ${file}: ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new MarketDataError(`recording ${file} is not JSON: ${(error as Error).message}`);
  }
  return parseRecording(json, file);
}

let cachedCcxtVersion: string | undefined;

/**
 * The installed ccxt version, read from ccxt's own package.json (found next to its resolved entry point, since the
 * package's `exports` do not expose `package.json`).
 */
export function ccxtPackageVersion(): string {
  if (cachedCcxtVersion !== undefined) return cachedCcxtVersion;
  let dir = dirname(fileURLToPath(import.meta.resolve('ccxt')));
  for (let i = 0; i < 5; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'ccxt' && typeof pkg.version === 'string') {
        cachedCcxtVersion = pkg.version;
        return pkg.version;
      }
    } catch {
      // not here: go up one level
    }
    dir = dirname(dir);
  }
  throw new MarketDataError('cannot find the package.json of the installed ccxt');
}
