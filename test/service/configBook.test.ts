/**
 * The example desk configs in the service: every position is served (held hedges become holdings of the ledger,
 * counted in the book), and the v2 example's service ticket is its CLI ticket (the same legs, book before and after).
 */
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadDesk, seedHoldingsOf } from '../../src/service/run.js';
import { deskPolicy } from '../../src/config/deskConfig.js';
import { ScriptedFeed } from '../../src/service/feeds/scripted.js';
import { createLogger, startService, type ServiceHandle } from '../../src/service/server.js';
import { runCli } from '../cli/runCli.js';
import { builtinMarket, request } from './helpers.js';
import { testStoreLocation } from '../helpers/testStore.js';

const v2Config = fileURLToPath(new URL('../../config/wbtc-usdc-v2-dynamic.json', import.meta.url));
const handles: ServiceHandle[] = [];
afterAll(async () => {
  for (const h of handles) await h.close();
});

describe('example configs in the service', () => {
  it("serves the v2 example's held legs as holdings and tickets the book as the CLI does", async () => {
    const desk = await loadDesk(v2Config);
    const feed = new ScriptedFeed(await builtinMarket());
    const config = desk.configs[0]!.config;
    const handle = await startService({
      dbPath: await testStoreLocation('config_book'),
      feeds: [feed],
      logger: createLogger('silent'),
      deskPolicy: deskPolicy(config),
      seedPositions: desk.positions,
      seedHoldings: seedHoldingsOf(desk.held, [feed]),
    });
    handles.push(handle);
    const key = (await handle.store.createApiKey('trader', 'test')).key;
    const call = async (method: string, path: string, body?: unknown) => {
      const headers: Record<string, string> = { authorization: `Bearer ${key}` };
      if (body !== undefined) headers['content-type'] = 'application/json';
      const r = await request(
        handle.url + path,
        method,
        headers,
        body === undefined ? undefined : JSON.stringify(body),
      );
      return { status: r.status, json: JSON.parse(r.text) };
    };

    // The put and the perp the config holds are holdings, counted in the book beside the LP.
    const holdings = (await call('GET', '/api/holdings')).json.holdings;
    expect(holdings.map((h: { instrument: string }) => h.instrument).sort()).toEqual([
      'BTC-26JUN26-70000-P',
      'BTC-PERPETUAL',
    ]);
    const book = (await call('GET', '/api/book')).json.book.byUnderlying['deribit/BTC'];
    const put = holdings.find((h: { instrument: string }) => h.instrument === 'BTC-26JUN26-70000-P');
    expect(put.netContracts).toBe(1.5);
    expect(book.holdings.delta).not.toBe(0);
    expect(book.net.delta).toBeCloseTo(book.lp.delta + book.holdings.delta, 9);

    const served = await call('POST', '/api/tickets', { mode: 'dynamic' });
    expect(served.status).toBe(201);
    const cli = await runCli(['ticket', '--config', v2Config, '--json']);
    expect(cli.code).toBe(0);
    const fromCli = JSON.parse(cli.stdout);
    const fromService = served.json.content.ticket;
    expect(fromService.legs).toEqual(fromCli.legs);
    expect(fromService.before).toEqual(fromCli.before);
    expect(fromService.after).toEqual(fromCli.after);
    expect(fromService.totals).toEqual(fromCli.totals);
  });
});
