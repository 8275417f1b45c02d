/**
 * Where a venue's REST and websocket APIs live. The same live code runs against the venue, its testnet or a local
 * server (a loopback venue in tests): only ccxt's `urls.api` changes. REST URLs keep their path (`/api/v2/...`) and
 * take the configured origin; every websocket URL becomes the configured one, and plain `ws://` loads the HTTP agent
 * ccxt needs for it (P14, done by `pointExchangeAt`).
 */
import type { Exchange } from 'ccxt';
import { MarketDataError } from '../errors.js';
import { pointExchangeAt, type WsUrlTarget } from '../replayWs.js';

export interface VenueEndpoints {
  /** Origin for every REST call, e.g. `https://test.deribit.com` (its path, if any, is ignored). */
  restUrl?: string;
  /** The websocket URL, e.g. `wss://test.deribit.com/ws/api/v2`. */
  wsUrl?: string;
}

/**
 * Checks one endpoint URL: `rest` must be http(s), `ws` must be ws(s). `where` names the setting for the message
 * (`market.endpoints.rest`, `ILHEDGE_DERIBIT_WS_URL`).
 */
export function checkEndpointUrl(value: string, kind: 'rest' | 'ws', where: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new MarketDataError(`${where}: not a URL (got ${JSON.stringify(value)})`);
  }
  const allowed = kind === 'rest' ? ['http:', 'https:'] : ['ws:', 'wss:'];
  if (!allowed.includes(url.protocol)) {
    throw new MarketDataError(
      `${where}: a ${kind === 'rest' ? 'REST' : 'websocket'} URL must start with ${allowed.map((p) => `${p}//`).join(' or ')} (got ${JSON.stringify(value)})`,
    );
  }
  return value;
}

/** Replaces the origin of every http(s) URL under `urls.api` except the websocket ones. */
export function pointRestAt(exchange: Exchange, restUrl: string): void {
  const origin = new URL(restUrl);
  const api = exchange.urls.api as Record<string, unknown>;
  const rewrite = (value: unknown): unknown => {
    if (typeof value === 'string' && /^https?:\/\//.test(value)) {
      const u = new URL(value);
      u.protocol = origin.protocol;
      u.host = origin.host;
      // URL adds a trailing slash to a bare origin; ccxt joins paths onto the string as it was.
      return u.toString().replace(/\/$/, value.endsWith('/') ? '/' : '');
    }
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, rewrite(v)]));
    }
    return value;
  };
  for (const key of Object.keys(api)) if (key !== 'ws') api[key] = rewrite(api[key]);
}

/** Points a ccxt (pro) exchange at `endpoints`; what is not given stays the venue's own. */
export async function applyEndpoints(exchange: Exchange, endpoints: VenueEndpoints): Promise<void> {
  if (endpoints.restUrl !== undefined) pointRestAt(exchange, checkEndpointUrl(endpoints.restUrl, 'rest', 'restUrl'));
  if (endpoints.wsUrl !== undefined) {
    await pointExchangeAt(exchange as unknown as WsUrlTarget, checkEndpointUrl(endpoints.wsUrl, 'ws', 'wsUrl'));
  }
}
