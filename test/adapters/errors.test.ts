/**
 * ccxt's error classes, raised by ccxt itself from error responses served below it (fetchImplementation, so
 * ccxt's handleErrors / handleHttpStatusCode run), become VenueErrors naming venue, symbol and operation. The
 * Deribit error bodies follow the JSON-RPC error shape documented by Deribit and quoted in ccxt's deribit.js
 * (`{"jsonrpc":"2.0","error":{"message":..,"code":..}}`); they are not recorded captures.
 */
import { describe, expect, it } from 'vitest';
import { createCcxtClient } from '../../adapters/client.js';
import {
  MarketDataError,
  ReplayMissError,
  UnknownInstrumentError,
  VenueError,
  ccxtErrorClass,
  fromCcxtError,
  formatAge,
} from '../../adapters/errors.js';
import { createReplayClient } from '../../adapters/replayRest.js';
import { deribit } from '../../adapters/venues/deribit.js';
import { DERIBIT_2026_ROUTES, recordingOf } from './fixtures.js';

function deribitError(code: number, message: string) {
  return JSON.stringify({ jsonrpc: '2.0', error: { message, code }, testnet: false, usIn: 1, usOut: 2, usDiff: 1 });
}

/** A Deribit client whose every request gets this response (or this thrown error). */
function failingClient(respond: () => Promise<Response>) {
  return createCcxtClient({ venue: 'deribit', fetchImplementation: async () => respond(), timeoutMs: 1000 });
}

async function failure(run: () => Promise<unknown>, symbol = 'BTC/USD:BTC'): Promise<VenueError> {
  try {
    await run();
  } catch (error) {
    const mapped = fromCcxtError(error, { venue: 'deribit', symbol, operation: 'fetchTicker' });
    expect(mapped).toBeInstanceOf(VenueError);
    return mapped as VenueError;
  }
  throw new Error('expected a failure');
}

describe('ccxt errors from served error responses', () => {
  it('too_many_requests (10028) -> DDoSProtection -> rate-limit, retryable, venue and symbol named', async () => {
    const ex = failingClient(async () => new Response(deribitError(10028, 'too_many_requests'), { status: 429 }));
    const e = await failure(() => ex.fetchTicker('BTC/USD:BTC', { instrument_name: 'BTC-PERPETUAL' }));
    expect(e.ccxtClass).toBe('DDoSProtection');
    expect(e.kind).toBe('rate-limit');
    expect(e.retryable).toBe(true);
    expect(e.message).toMatch(/^deribit BTC\/USD:BTC \(fetchTicker\): rate limit exceeded/);
  });

  it('settlement_in_progress (10041) -> OnMaintenance -> maintenance', async () => {
    const ex = failingClient(async () => new Response(deribitError(10041, 'settlement_in_progress'), { status: 400 }));
    const e = await failure(() => ex.fetchMarkets({ currency: 'BTC', kind: 'option' }));
    expect(e.ccxtClass).toBe('OnMaintenance');
    expect(e.kind).toBe('maintenance');
  });

  it('HTTP 503 with an HTML body -> ExchangeNotAvailable -> unavailable', async () => {
    const ex = failingClient(async () => new Response('<html>Service Unavailable</html>', { status: 503 }));
    const e = await failure(() => ex.fetchMarkets({ currency: 'BTC', kind: 'option' }));
    expect(e.ccxtClass).toBe('ExchangeNotAvailable');
    expect(e.kind).toBe('unavailable');
    expect(e.retryable).toBe(true);
  });

  it('a transport failure -> NetworkError -> network', async () => {
    const ex = failingClient(async () => {
      throw new TypeError('fetch failed');
    });
    const e = await failure(() => ex.fetchMarkets({ currency: 'BTC', kind: 'option' }));
    expect(e.ccxtClass).toBe('NetworkError');
    expect(e.kind).toBe('network');
  });

  it('an aborted request -> RequestTimeout -> timeout', async () => {
    const ex = failingClient(async () => {
      throw Object.assign(new Error('aborted'), { name: 'AbortError' });
    });
    const e = await failure(() => ex.fetchMarkets({ currency: 'BTC', kind: 'option' }));
    expect(e.ccxtClass).toBe('RequestTimeout');
    expect(e.kind).toBe('timeout');
  });

  it('Invalid params (-32602) -> BadRequest -> bad-request, not retryable', async () => {
    const ex = failingClient(async () => new Response(deribitError(-32602, 'Invalid params'), { status: 400 }));
    const e = await failure(() => ex.fetchMarkets({ currency: 'XYZ', kind: 'option' }));
    expect(e.ccxtClass).toBe('BadRequest');
    expect(e.kind).toBe('bad-request');
    expect(e.retryable).toBe(false);
  });

  it('an unknown non-option symbol -> BadSymbol from ccxt itself', async () => {
    const ex = createReplayClient(recordingOf('deribit', DERIBIT_2026_ROUTES));
    await deribit.loadInstruments(ex, { underlying: 'BTC' });
    const e = await failure(() => ex.fetchTicker('DOGE/USD:DOGE'), 'DOGE/USD:DOGE');
    expect(e.ccxtClass).toBe('BadSymbol');
    expect(e.kind).toBe('bad-symbol');
    expect(e.message).toContain('deribit DOGE/USD:DOGE');
  });
});

describe('error classes', () => {
  it('recognises ccxt classes by name, passes market-data errors through, wraps plain errors', () => {
    expect(ccxtErrorClass(new Error('x'))).toBeUndefined();
    const own = new UnknownInstrumentError('deribit', 'X');
    expect(fromCcxtError(own, { venue: 'deribit' })).toBe(own);
    const plain = fromCcxtError(new Error('boom'), { venue: 'okx', operation: 'fetchOptionChain' });
    expect(plain).toBeInstanceOf(VenueError);
    expect((plain as VenueError).kind).toBe('unknown');
    expect(plain.message).toBe('okx (fetchOptionChain): boom');
    expect(new ReplayMissError('GET', '/a?b=1', 'f.json')).toBeInstanceOf(MarketDataError);
  });

  it('formats ages for messages', () => {
    expect(formatAge(250)).toBe('250 ms');
    expect(formatAge(90_000)).toBe('90.0 s');
    expect(formatAge(3 * 3_600_000)).toBe('3.0 h');
    expect(formatAge(3 * 86_400_000)).toBe('3.0 d');
    expect(formatAge(-5_000)).toBe('-5.0 s');
  });
});
