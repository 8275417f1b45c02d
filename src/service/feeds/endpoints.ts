/**
 * A venue's endpoints for the live feed: the desk config's `market.endpoints.<venue>` (`rest`, `ws`), overridden
 * by the environment (`ILHEDGE_<VENUE>_REST_URL`, `ILHEDGE_<VENUE>_WS_URL`), so operations can point a service at a
 * testnet or a local server without editing the desk's file. A bad URL stops start-up naming the setting.
 */
import { MarketDataError } from '../../../adapters/index.js';
import { checkEndpointUrl, type VenueEndpoints } from '../../../adapters/live/endpoints.js';
import { ConfigError } from '../config.js';

/** `ILHEDGE_DERIBIT_REST_URL` and `ILHEDGE_DERIBIT_WS_URL` for `deribit`. */
export function endpointEnvNames(venue: string): { rest: string; ws: string } {
  const v = venue.toUpperCase();
  return { rest: `ILHEDGE_${v}_REST_URL`, ws: `ILHEDGE_${v}_WS_URL` };
}

function checked(value: string, kind: 'rest' | 'ws', where: string): string {
  try {
    return checkEndpointUrl(value, kind, where);
  } catch (error) {
    if (error instanceof MarketDataError) throw new ConfigError(where, error.message.slice(where.length + 2));
    throw error;
  }
}

export function resolveEndpoints(
  venue: string,
  fromConfig: { rest?: string | undefined; ws?: string | undefined } | undefined,
  env: NodeJS.ProcessEnv,
): VenueEndpoints {
  const names = endpointEnvNames(venue);
  const out: VenueEndpoints = {};
  const rest = env[names.rest] ?? fromConfig?.rest;
  const ws = env[names.ws] ?? fromConfig?.ws;
  const where = (kind: 'rest' | 'ws') =>
    env[names[kind]] !== undefined ? names[kind] : `market.endpoints.${venue}.${kind}`;
  if (rest !== undefined && rest !== '') out.restUrl = checked(rest, 'rest', where('rest'));
  if (ws !== undefined && ws !== '') out.wsUrl = checked(ws, 'ws', where('ws'));
  return out;
}
