/**
 * Building ccxt clients: live (ccxt's own HTTP/websocket) or offline (a `fetchImplementation` that answers from a
 * recording). Both run the same ccxt parsing code.
 *
 * Evidence for the choices here (`shared/research/ccxt-notes.md`):
 * - `fetchImplementation` must be passed **in the constructor**: assigned later it is silently ignored and ccxt goes
 *   to the network (pitfall P14, §2.1).
 * - Market loading is narrowed per venue to what a desk needs (P11): OKX swap+option, Bybit linear+option with all
 *   option pages, Binance linear+inverse+option (options are not loaded by default). Deribit is narrowed per call
 *   with `fetchMarkets({currency, kind})` in `venues/deribit.ts`.
 */
import ccxt from 'ccxt';
import type { Exchange } from 'ccxt';
import type { Venue } from './model.js';

/** The `fetch` signature ccxt calls a user `fetchImplementation` with (Exchange.js ~L1081). */
export type FetchLike = (url: string, init?: RequestInit & { timeout?: number }) => Promise<Response>;

export interface ClientOptions {
  venue: Venue;
  /** Build the ccxt.pro class (websocket methods). Default false. */
  pro?: boolean;
  /** Answer every HTTP request from here instead of the network (replay, tests). */
  fetchImplementation?: FetchLike;
  /** Per-request timeout, ms (ccxt `timeout`). Default 10 000. */
  timeoutMs?: number;
  /** ccxt's client-side throttle. Default: on for live, off when `fetchImplementation` is given. */
  enableRateLimit?: boolean;
  /** Underlyings whose option markets should load (Bybit per coin, OKX per `-USD` family). Default ['BTC','ETH']. */
  underlyings?: string[];
  /** Extra ccxt `options`, merged over the venue defaults. */
  options?: Record<string, unknown>;
  /** Credentials are never needed for market data; accepted for completeness (ccxt `apiKey`/`secret`). */
  apiKey?: string;
  secret?: string;
}

/** Venue defaults for ccxt `options` that narrow `loadMarkets` (pitfall P11). */
export function defaultCcxtOptions(venue: Venue, underlyings: readonly string[]): Record<string, unknown> {
  switch (venue) {
    case 'deribit':
      return {};
    case 'okx':
      // OKX option markets load per underlying family (`options.defaultUnderlying`), swaps for perps.
      return {
        fetchMarkets: { types: ['swap', 'option'] },
        defaultUnderlying: underlyings.map((u) => `${u}-USD`),
      };
    case 'bybit':
      // Without loadAllOptions only the first page of option instruments per coin loads (ccxt #15961, #25652).
      return {
        fetchMarkets: { types: ['linear', 'option'], options: [...underlyings], loadAllOptions: true },
      };
    case 'binance':
      // Options (eapi) are not loaded unless asked for (ccxt #26312).
      return { fetchMarkets: { types: ['linear', 'inverse', 'option'] } };
  }
}

/** Builds a ccxt (or ccxt.pro) client for a venue. No I/O happens here. */
export function createCcxtClient(opts: ClientOptions): Exchange {
  const underlyings = opts.underlyings ?? ['BTC', 'ETH'];
  const offline = opts.fetchImplementation !== undefined;
  const config: Record<string, unknown> = {
    enableRateLimit: opts.enableRateLimit ?? !offline,
    timeout: opts.timeoutMs ?? 10_000,
    options: { ...defaultCcxtOptions(opts.venue, underlyings), ...(opts.options ?? {}) },
  };
  if (opts.fetchImplementation) config.fetchImplementation = opts.fetchImplementation;
  if (opts.apiKey) config.apiKey = opts.apiKey;
  if (opts.secret) config.secret = opts.secret;
  const registry = (opts.pro ? ccxt.pro : ccxt) as unknown as Record<string, new (config: object) => Exchange>;
  const Ctor = registry[opts.venue];
  if (!Ctor) throw new Error(`ccxt has no ${opts.pro ? 'pro ' : ''}exchange ${opts.venue}`);
  return new Ctor(config);
}
