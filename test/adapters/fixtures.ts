/** Test helpers: real exchange payloads from `test/fixtures/exchanges` (see SOURCES.md there) as recordings. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../adapters/builtin/paths.js';
import type { Recording } from '../../adapters/recording.js';

/** Found from the repository root, so the helpers also work compiled (the benchmarks import them from `dist/`). */
export const FIXTURES = join(repoRoot(), 'test', 'fixtures', 'exchanges');

export function fixtureText(venue: string, file: string): string {
  return readFileSync(join(FIXTURES, venue, file), 'utf8');
}

export function fixtureJson<T = unknown>(venue: string, file: string): T {
  return JSON.parse(fixtureText(venue, file)) as T;
}

/** A recording whose HTTP responses are real fixture files served at the given URLs. */
export function recordingOf(
  venue: Recording['venue'],
  routes: readonly (readonly [url: string, file: string])[],
  status = 200,
): Recording {
  return {
    format: 'ilhedge-recording',
    formatVersion: 1,
    venue,
    recordedAt: '2026-05-22T14:33:55.000Z',
    ccxtVersion: '4.5.84',
    http: routes.map(([url, file]) => ({
      method: 'GET',
      url,
      status,
      body: fixtureText(venue, file),
      receivedAtMs: 0,
    })),
    ws: [],
  };
}

export const DERIBIT_2026_ROUTES = [
  [
    'https://www.deribit.com/api/v2/public/get_instruments?currency=BTC&kind=option',
    'get_instruments_BTC_option_2026-05-22.json',
  ],
  [
    'https://www.deribit.com/api/v2/public/get_instruments?currency=BTC&kind=future',
    'get_instruments_BTC_future_2026-05-22.json',
  ],
  [
    'https://www.deribit.com/api/v2/public/get_book_summary_by_currency?currency=BTC&kind=option',
    'get_book_summary_by_currency_BTC_option_2026-05-22.json',
  ],
  [
    'https://www.deribit.com/api/v2/public/get_book_summary_by_currency?currency=BTC&kind=future',
    'get_book_summary_by_currency_BTC_future_2026-05-22.json',
  ],
  [
    'https://www.deribit.com/api/v2/public/ticker?instrument_name=BTC-PERPETUAL',
    'ticker_BTC-PERPETUAL_2026-05-22.json',
  ],
] as const;
