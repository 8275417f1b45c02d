/**
 * REST replay below ccxt: a `fetchImplementation` that answers ccxt's HTTP requests from a recording, so ccxt's
 * whole pipeline (URL building, `handleRestResponse`, `parseJson`, `handleErrors`, the parsers) runs exactly as live.
 *
 * Hygiene (ccxt-notes §2.1): routes are matched on pathname + query parameters sorted by name; a request with no
 * recorded response throws `ReplayMissError` (nothing ever falls through to the network); query parameters that
 * carry the wall clock (Deribit `fetchFundingRate` sends `start_timestamp = now - 8h`, `end_timestamp = now`) are
 * left out of the key. When a route was recorded several times the responses are served in recorded order and the
 * last one repeats (a poll past the end of a recording sees the last state, never an invented one).
 */
import type { Exchange } from 'ccxt';
import { createCcxtClient, type ClientOptions, type FetchLike } from './client.js';
import { ReplayMissError } from './errors.js';
import type { Venue } from './model.js';
import type { HttpExchange, Recording } from './recording.js';

/** Query parameters that depend on the time of the request, per venue: never part of a route key. */
export const TIME_DEPENDENT_PARAMS: Readonly<Record<Venue, readonly string[]>> = {
  deribit: ['start_timestamp', 'end_timestamp'],
  okx: ['after', 'before'],
  bybit: ['startTime', 'endTime'],
  binance: ['startTime', 'endTime', 'timestamp'],
};

/** `pathname?k1=v1&k2=v2` with the parameters sorted by name (then value) and `ignore`d ones dropped. */
export function routeKey(url: string, ignore: readonly string[] = []): string {
  const u = new URL(url);
  const params = [...u.searchParams.entries()]
    .filter(([k]) => !ignore.includes(k))
    .sort(([a, av], [b, bv]) => (a === b ? av.localeCompare(bv) : a.localeCompare(b)));
  const query = params.map(([k, v]) => `${k}=${v}`).join('&');
  return u.pathname + (query ? `?${query}` : '');
}

export interface ReplayFetchOptions {
  /** Name used in error messages (file name, `builtin`). */
  label?: string;
  /** Extra parameters to leave out of route keys (added to the venue's time-dependent ones). */
  ignoreParams?: readonly string[];
  /** Every request served (or missed) is appended here as `METHOD url`, for tests. */
  log?: string[];
}

/** A fetch that serves recorded responses. `http` may be a whole recording or its `http` list. */
export function replayFetch(
  venue: Venue,
  source: Recording | readonly HttpExchange[],
  opts: ReplayFetchOptions = {},
): FetchLike {
  const http = Array.isArray(source) ? (source as readonly HttpExchange[]) : (source as Recording).http;
  const ignore = [...TIME_DEPENDENT_PARAMS[venue], ...(opts.ignoreParams ?? [])];
  const label = opts.label ?? 'recording';
  const routes = new Map<string, HttpExchange[]>();
  for (const exchange of http) {
    const key = `${exchange.method.toUpperCase()} ${routeKey(exchange.url, ignore)}`;
    const list = routes.get(key);
    if (list) list.push(exchange);
    else routes.set(key, [exchange]);
  }
  const served = new Map<string, number>();
  return async (url, init) => {
    const method = (init?.method ?? 'GET').toUpperCase();
    const key = routeKey(url, ignore);
    opts.log?.push(`${method} ${url}`);
    const list = routes.get(`${method} ${key}`);
    if (!list || list.length === 0) throw new ReplayMissError(method, key, label);
    const n = served.get(`${method} ${key}`) ?? 0;
    served.set(`${method} ${key}`, n + 1);
    const recorded = list[Math.min(n, list.length - 1)]!;
    return new Response(recorded.body, {
      status: recorded.status,
      headers: { 'content-type': 'application/json', ...(recorded.headers ?? {}) },
    });
  };
}

/** A ccxt client whose every HTTP request is answered from `recording` (rate limiting off: no network to protect). */
export function createReplayClient(
  recording: Recording,
  opts: Omit<ClientOptions, 'venue' | 'fetchImplementation'> & ReplayFetchOptions = {},
): Exchange {
  const venue = recording.venue as Venue;
  return createCcxtClient({
    ...opts,
    venue,
    fetchImplementation: replayFetch(venue, recording, opts),
    enableRateLimit: false,
  });
}
