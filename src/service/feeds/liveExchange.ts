/** The ccxt pro client a live feed talks through, and where it points (for `/health` and the error messages). */
import type { Exchange } from 'ccxt';
import { createCcxtClient, type Venue } from '../../../adapters/index.js';
import { applyEndpoints, type VenueEndpoints } from '../../../adapters/live/endpoints.js';
import type { LiveRecording } from './liveRecording.js';

export interface LiveExchangeOptions {
  venue: Venue;
  underlying: string;
  /** Paced by the feed's request budget (and recorded under `--record`). */
  fetchImplementation: (url: string, init?: RequestInit) => Promise<Response>;
  endpoints: VenueEndpoints | undefined;
  recording: LiveRecording | null;
}

export async function createLiveExchange(o: LiveExchangeOptions): Promise<Exchange> {
  const exchange = createCcxtClient({
    venue: o.venue,
    pro: true,
    underlyings: [o.underlying],
    // Requests are paced by our bucket below the venue's budget (shared with the stream's subscribes), not by
    // ccxt's throttle: with it on, ccxt 4.5.84 sends a subscribe after `client.throttle()` without catching the
    // send (`js/src/base/Exchange.js` watchMultiple, ~L1552), so a socket closed between open and send (a venue
    // refusing us) becomes an unhandled rejection, which ends a Node process.
    fetchImplementation: o.fetchImplementation,
    enableRateLimit: false,
  });
  await applyEndpoints(exchange, o.endpoints ?? {});
  o.recording?.attach(exchange);
  return exchange;
}

/** The websocket URL ccxt will dial. */
export function describeWs(exchange: Exchange): string {
  const ws = (exchange.urls.api as Record<string, unknown>).ws;
  if (typeof ws === 'string') return ws;
  if (ws !== null && typeof ws === 'object') {
    const first = Object.values(ws as Record<string, unknown>).find((v) => typeof v === 'string');
    if (typeof first === 'string') return first;
  }
  return '?';
}

/** The REST origin ccxt will call. */
export function describeRest(exchange: Exchange): string {
  const api = exchange.urls.api as Record<string, unknown>;
  for (const [key, value] of Object.entries(api)) {
    if (key === 'ws') continue;
    const url =
      typeof value === 'string'
        ? value
        : Object.values((value ?? {}) as Record<string, unknown>).find((v) => typeof v === 'string');
    if (typeof url === 'string') return new URL(url).origin;
  }
  return '?';
}
