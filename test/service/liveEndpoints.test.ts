/**
 * The live feed's endpoints: `market.endpoints.<venue>` in the desk config, overridden by
 * `ILHEDGE_<VENUE>_REST_URL` / `ILHEDGE_<VENUE>_WS_URL`; a bad value stops start-up naming the setting.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { parseDeskConfig } from '../../src/config/deskConfig.js';
import { resolveEndpoints } from '../../src/service/feeds/endpoints.js';
import { runService } from '../../src/service/run.js';
import { deskConfigFile, startDeribitLoopback } from './liveVenue.js';
import { testStoreLocation } from '../helpers/testStore.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const position = { id: 'p', kind: 'lp', model: 'v2', price: 75_000, depositValue: 100_000 };

describe('live endpoints', () => {
  it('takes the config, lets the environment override it, and names a bad setting', () => {
    const config = { rest: 'https://test.deribit.com', ws: 'wss://test.deribit.com/ws/api/v2' };
    expect(resolveEndpoints('deribit', config, {})).toEqual({
      restUrl: 'https://test.deribit.com',
      wsUrl: 'wss://test.deribit.com/ws/api/v2',
    });
    expect(resolveEndpoints('deribit', config, { ILHEDGE_DERIBIT_WS_URL: 'ws://127.0.0.1:9/ws' })).toEqual({
      restUrl: 'https://test.deribit.com',
      wsUrl: 'ws://127.0.0.1:9/ws',
    });
    expect(resolveEndpoints('okx', undefined, {})).toEqual({});
    expect(() => resolveEndpoints('deribit', undefined, { ILHEDGE_DERIBIT_REST_URL: 'wss://x.example' })).toThrow(
      /^ILHEDGE_DERIBIT_REST_URL: a REST URL must start with http:\/\/ or https:\/\//,
    );
    expect(() => resolveEndpoints('bybit', { ws: 'https://x.example' }, {})).toThrow(
      /^market\.endpoints\.bybit\.ws: a websocket URL must start with ws:\/\/ or wss:\/\//,
    );
  });

  it('validates market.endpoints and market.source in the desk config, naming the field', () => {
    const ok = parseDeskConfig({
      market: { source: 'live', endpoints: { deribit: { rest: 'https://test.deribit.com' } } },
      positions: [position],
    });
    expect(ok.market.endpoints.deribit?.rest).toBe('https://test.deribit.com');
    expect(() =>
      parseDeskConfig({ market: { endpoints: { deribit: { rest: 'ftp://x.example' } } }, positions: [position] }),
    ).toThrow(/market\.endpoints\.deribit\.rest: must be an http:\/\/ or https:\/\/ URL/);
    expect(() =>
      parseDeskConfig({ market: { endpoints: { kraken: { rest: 'https://x.example' } } }, positions: [position] }),
    ).toThrow(/market\.endpoints/);
    expect(() => parseDeskConfig({ market: { source: 'livee' }, positions: [position] })).toThrow(
      /market\.source: must be builtin, live or replay:<file>/,
    );
  });

  it('the environment points a configured service at another server (the loopback venue)', async () => {
    const loop = await startDeribitLoopback();
    cleanups.push(() => loop.close());
    // The config names endpoints where nothing listens; the environment names the loopback venue.
    const config = deskConfigFile(loop.venue, {
      market: {
        venue: 'deribit',
        underlying: 'BTC',
        source: 'live',
        endpoints: { deribit: { rest: 'http://127.0.0.1:9', ws: 'ws://127.0.0.1:9/ws/api/v2' } },
      },
    });
    const { handle } = await runService(
      { config, db: await testStoreLocation('live_endpoints'), port: 0 },
      {
        ILHEDGE_LOG_LEVEL: 'silent',
        ILHEDGE_DERIBIT_REST_URL: loop.venue.restUrl,
        ILHEDGE_DERIBIT_WS_URL: loop.venue.wsUrl,
      },
      { now: loop.clock.now },
    );
    cleanups.push(() => handle.close());
    await loop.venue.waitForSubscribed(['ticker.BTC-PERPETUAL']);
    expect(loop.venue.requests.some((r) => r.includes('get_instruments'))).toBe(true);
  }, 30_000);

  it('a venue that cannot be reached stops start-up with its error', async () => {
    const config = deskConfigFile({ restUrl: 'http://127.0.0.1:9', wsUrl: 'ws://127.0.0.1:9/ws' });
    await expect(
      runService(
        { config, db: await testStoreLocation('live_endpoints'), port: 0, source: 'live' },
        { ILHEDGE_LOG_LEVEL: 'silent' },
      ),
    ).rejects.toThrow(/deribit BTC \(live feed start via http:\/\/127\.0\.0\.1:9\)/);
  }, 30_000);
});
