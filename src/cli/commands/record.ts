/**
 * `ilhedge record`: records a live session of a venue (raw HTTP responses and websocket frames, below ccxt) into a
 * versioned recording file that `--source replay:<file>` and the desk's replay feed play back through the same
 * ccxt code. Needs network access to the venue.
 */
import type { Command } from 'commander';
import { CliError, EXIT_USAGE, parseNumberOption, printJson } from '../output.js';
import { asCliErrors, loadAdapters, parseExpiryDate, parseVenue } from './chain.js';

export interface RecordOptions {
  venue: string;
  underlying: string;
  seconds: number;
  out: string;
  expiry?: string;
  instruments?: string;
  maxOptions: number;
  books?: boolean;
  snapshot: boolean;
  restUrl?: string;
  wsUrl?: string;
  quiet?: boolean;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command('record')
    .description(
      "Record a live session of a venue into a replayable file. NEEDS NETWORK access to the venue's public API\n" +
        "(no API key). Loads the underlying's instruments and one REST chain snapshot, then streams tickers (and\n" +
        'with --books order books) over the websocket for --seconds, keeping every HTTP response body and every\n' +
        'websocket frame exactly as received, with the venue, the time and the ccxt version. Replay the file with\n' +
        '`ilhedge chain --source replay:<file>`. Subscriptions stay below the venue rate limit (Deribit closes the\n' +
        'session on a rate-limit error); a dropped connection is redialled with backoff. Websocket replay is\n' +
        'implemented for Deribit.',
    )
    .requiredOption('--venue <venue>', 'deribit | okx | bybit | binance')
    .requiredOption('--underlying <coin>', 'underlying coin, e.g. BTC')
    .requiredOption('--out <file>', 'recording file to write (JSON)')
    .option('--seconds <s>', 'how long to stream, seconds', parseNumberOption('seconds'), 60)
    .option('--expiry <date>', 'only options of this expiry (YYYY-MM-DD, UTC)')
    .option(
      '--instruments <ids>',
      'comma-separated venue ids or ccxt symbols to stream (default: chosen near the money)',
    )
    .option(
      '--max-options <n>',
      'most options to stream, nearest the money first',
      parseNumberOption('max-options'),
      60,
    )
    .option('--books', 'also stream order books')
    .option('--no-snapshot', 'skip the REST chain snapshot')
    .option('--rest-url <url>', "replace the venue's REST origin (a testnet or a local server)")
    .option('--ws-url <url>', "replace the venue's websocket URL (a testnet or a local server)")
    .option('--quiet', 'no progress lines on stderr')
    .option('--json', 'print the summary as JSON')
    .action(async (options: RecordOptions) => {
      await runRecord(options);
    });
}

export async function runRecord(options: RecordOptions): Promise<void> {
  const { isVenue } = await loadAdapters();
  const venue = parseVenue(options.venue, isVenue);
  if (!(options.seconds > 0))
    throw new CliError(`--seconds: expected a positive number, got ${options.seconds}`, EXIT_USAGE);
  if (!(options.maxOptions >= 1) || !Number.isInteger(options.maxOptions)) {
    throw new CliError(`--max-options: expected a positive integer, got ${options.maxOptions}`, EXIT_USAGE);
  }
  const expiry = options.expiry === undefined ? undefined : parseExpiryDate(options.expiry);
  const instruments = options.instruments
    ?.split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  const { recordSession } = await import('../../../adapters/record/session.js');
  const startedMs = Date.now();
  const result = await asCliErrors(() =>
    recordSession({
      venue,
      underlying: options.underlying.toUpperCase(),
      seconds: options.seconds,
      ...(expiry !== undefined ? { expiry } : {}),
      ...(instruments !== undefined && instruments.length > 0 ? { instruments } : {}),
      maxOptions: options.maxOptions,
      books: options.books ?? false,
      snapshot: options.snapshot,
      ...(options.restUrl !== undefined ? { restUrl: options.restUrl } : {}),
      ...(options.wsUrl !== undefined ? { wsUrl: options.wsUrl } : {}),
      onEvent: (event) => {
        if (options.quiet) return;
        if (event.type === 'status') process.stderr.write(`ilhedge record: ${event.status}: ${event.message}\n`);
        if (event.type === 'rejected')
          process.stderr.write(`ilhedge record: rejected ${event.symbol}: ${event.reason}\n`);
      },
    }),
  );
  await result.recorder.writeFile(options.out);
  const summary = {
    file: options.out,
    venue,
    underlying: options.underlying.toUpperCase(),
    recordedAt: result.recording.recordedAt,
    ccxtVersion: result.recording.ccxtVersion,
    seconds: Math.round((Date.now() - startedMs) / 100) / 10,
    instruments: result.symbols.length,
    httpResponses: result.recording.http.length,
    wsFrames: result.recording.ws.length,
    quotes: result.quotes,
    books: result.books,
  };
  if (options.json) {
    printJson(summary);
    return;
  }
  process.stdout.write(
    `recorded ${summary.venue} ${summary.underlying} to ${summary.file}: ${summary.httpResponses} HTTP responses, ` +
      `${summary.wsFrames} websocket frames (${summary.quotes} quotes, ${summary.books} books) from ` +
      `${summary.instruments} instruments in ${summary.seconds} s; ccxt ${summary.ccxtVersion}, started ${summary.recordedAt}\n`,
  );
}
