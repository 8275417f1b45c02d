/**
 * Venue balances in the service: a desk config's balances are served as positions and counted in `GET /api/book`
 * (the market's `collateral` section, in `net` and `toTrade`), moved by the config's held hedges and by fills
 * entered later; the CLI's book of the same config agrees; a whole-market ticket starts from the same net; a
 * balance goes through `POST /api/positions` like an LP and through a config reload, and bad input is refused
 * naming the field.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { register as registerBook } from '../../src/cli/commands/book.js';
import { deskPolicy } from '../../src/config/deskConfig.js';
import { ScriptedFeed } from '../../src/service/feeds/scripted.js';
import { installConfigReload } from '../../src/service/configReload.js';
import { loadDesk, seedHoldingsOf } from '../../src/service/run.js';
import { createLogger, startService, type ServiceHandle } from '../../src/service/server.js';
import { runCommandInProcess } from '../cli/runCli.js';
import { builtinMarket, request, type Json } from './helpers.js';
import { testStoreLocation } from '../helpers/testStore.js';

const PUT_ENTRY_COIN = 0.0205;
const config = {
  name: 'v2 with Deribit collateral',
  market: { venue: 'deribit', underlying: 'BTC', source: 'builtin' },
  positions: [
    { id: 'lp-v2', kind: 'lp', model: 'v2', price: 75_800, depositValue: 2_000_000 },
    {
      id: 'held-put',
      kind: 'option',
      venue: 'deribit',
      instrument: 'BTC-26JUN26-70000-P',
      contracts: 1.5,
      entryPrice: PUT_ENTRY_COIN,
      entryTime: '2026-05-20T09:00:00Z',
    },
    // Stated before the put was bought: its premium came out of it.
    {
      id: 'btc-collateral',
      kind: 'balance',
      venue: 'deribit',
      currency: 'BTC',
      amountCoin: 4,
      entryTime: '2026-05-19T00:00:00Z',
    },
    { id: 'usdc-collateral', kind: 'balance', venue: 'deribit', currency: 'USDC', amountQuote: 150_000 },
  ],
  execution: { mode: 'dry-run' },
};

const handles: ServiceHandle[] = [];
afterAll(async () => {
  for (const h of handles) await h.close();
});

async function serve(file: string) {
  const desk = await loadDesk(file);
  const feed = new ScriptedFeed(await builtinMarket());
  const handle = await startService({
    dbPath: await testStoreLocation('collateral'),
    feeds: [feed],
    logger: createLogger('silent'),
    deskPolicy: deskPolicy(desk.configs[0]!.config),
    seedPositions: desk.positions,
    seedHoldings: seedHoldingsOf(desk.held, [feed]),
  });
  handles.push(handle);
  installConfigReload(
    handle,
    { files: [file], load: () => loadDesk(file, [file]), checkHeld: (next) => void seedHoldingsOf(next.held, [feed]) },
    desk,
    false,
  );
  const key = (await handle.store.createApiKey('admin', 'test')).key;
  const call = async (method: string, path: string, body?: unknown): Promise<{ status: number; json: Json }> => {
    const headers: Record<string, string> = { authorization: `Bearer ${key}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const r = await request(handle.url + path, method, headers, body === undefined ? undefined : JSON.stringify(body));
    return { status: r.status, json: JSON.parse(r.text) };
  };
  return { handle, call };
}

describe('venue balances in the service', () => {
  it('serves a config with balances and counts them in /api/book, as the CLI book and a ticket do', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'ilhedge-collateral-')), 'desk.json');
    writeFileSync(file, JSON.stringify(config));
    const { call } = await serve(file);

    const listed = (await call('GET', '/api/positions')).json.positions;
    expect(listed.map((p: Json) => [p.id, p.kind]).sort()).toEqual([
      ['btc-collateral', 'balance'],
      ['lp-v2', 'lp'],
      ['usdc-collateral', 'balance'],
    ]);

    const book = (await call('GET', '/api/book')).json.book.byUnderlying['deribit/BTC'];
    const btc = book.balances.find((b: Json) => b.id === 'btc-collateral');
    const usdc = book.balances.find((b: Json) => b.id === 'usdc-collateral');
    // The config's put (1.5 contracts at 0.0205 BTC, after the balance was stated) paid its premium out of it.
    expect(btc.startingInCurrency).toBe(4);
    expect(btc.premiumInCurrency).toBeCloseTo(-1.5 * PUT_ENTRY_COIN, 12);
    expect(btc.balanceInCurrency).toBeCloseTo(4 - 1.5 * PUT_ENTRY_COIN, 12);
    expect(btc.valueQuote).toBeCloseTo(btc.balanceInCurrency * book.price, 6);
    // Its delta: the coin balance plus the put's coin mark, which the put's premium-adjusted delta leaves out.
    expect(btc.coinHeldBase).toBeGreaterThan(0);
    expect(btc.deltaBase).toBeCloseTo(btc.balanceInCurrency + btc.coinHeldBase, 12);
    expect(usdc).toMatchObject({ currency: 'USDC', unit: 'quote', balanceInCurrency: 150_000, deltaBase: 0 });
    expect(book.collateral.delta).toBeCloseTo(btc.deltaBase, 12);
    expect(book.collateral.valueQuote).toBeCloseTo(btc.valueQuote + 150_000, 6);
    expect(book.net.delta).toBeCloseTo(book.lp.delta + book.holdings.delta + book.collateral.delta, 9);
    expect(book.net.valueQuote).toBeCloseTo(
      book.lp.valueQuote + book.holdings.valueQuote + book.collateral.valueQuote,
      6,
    );
    expect(book.toTrade.netDeltaAfterBase).toBeCloseTo(book.net.delta + book.toTrade.baseAmount, 9);

    // The CLI's book of the same config, on the same built-in data, counts the same balances.
    const cli = JSON.parse((await runCommandInProcess(registerBook, ['book', '--config', file, '--json'])).stdout);
    const cliBalance = cli.positions.find((p: Json) => p.id === 'btc-collateral');
    expect(cliBalance.balance.balanceInCurrency).toBeCloseTo(btc.balanceInCurrency, 12);
    expect(cli.total.delta).toBeCloseTo(book.net.delta, 9);
    const table = (await runCommandInProcess(registerBook, ['book', '--config', file])).stdout;
    expect(table).toMatch(/│ btc-collateral +│ balance │ BTC balance /);
    // The collateral table: starting 4 BTC, the put's premium -0.03075 BTC, the balance left 3.96925 BTC.
    expect(table).toMatch(/│ btc-collateral +│ deribit │ BTC +│ +4 │ -0\.03075 │ +0 │ +0 │ 3\.96925 │/);

    // A ticket of the whole market starts from the book's net, collateral included.
    const ticket = await call('POST', '/api/tickets', { mode: 'dynamic' });
    expect(ticket.status).toBe(201);
    expect(ticket.json.content.ticket.before.delta).toBeCloseTo(book.net.delta, 9);
    expect(ticket.json.content.book.before.delta).toBeCloseTo(book.net.delta, 9);
    // A balance is not itself hedged: a ticket naming it is refused, saying what it is.
    const named = await call('POST', '/api/tickets', { mode: 'dynamic', positionIds: ['btc-collateral'] });
    expect(named.status).toBe(400);
    expect(named.json.error).toBe('unknown-position');
    expect(named.json.message).toContain('positionIds[0]: position btc-collateral is a balance, not an LP');
  });

  it('a perp fill entered later moves the balance by its fee; POST /api/positions takes a balance and refuses bad ones', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'ilhedge-collateral-')), 'desk.json');
    writeFileSync(file, JSON.stringify({ ...config, positions: config.positions.slice(0, 1) }));
    const { call } = await serve(file);

    const created = await call('POST', '/api/positions', {
      kind: 'balance',
      venue: 'deribit',
      currency: 'BTC',
      amountCoin: 3,
    });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ kind: 'balance', venue: 'deribit', underlying: 'BTC', currency: 'BTC' });
    let book = (await call('GET', '/api/book')).json.book.byUnderlying['deribit/BTC'];
    expect(book.collateral.delta).toBe(3);

    const entered = await call('POST', '/api/holdings', {
      venue: 'deribit',
      underlying: 'BTC',
      instrument: 'BTC-PERPETUAL',
      contracts: -2_000,
      entryPrice: 76_000,
      entryTime: '2026-05-26T00:00:00Z',
      feeQuote: 15.2,
    });
    expect(entered.status).toBe(201);
    book = (await call('GET', '/api/book')).json.book.byUnderlying['deribit/BTC'];
    const balance = book.balances[0];
    // The fee was charged in coin at the fill's price; nothing is closed yet, so no realised P&L.
    expect(balance.feesInCurrency).toBeCloseTo(-15.2 / 76_000, 12);
    expect(balance.pnlInCurrency).toBe(0);
    // The open short's unrealised coin P&L at the mark is coin held on the venue: in the balance's delta.
    const mark = (await call('GET', '/api/holdings')).json.holdings[0].markPrice;
    expect(balance.coinHeldBase).toBeCloseTo(-20_000 * (1 / 76_000 - 1 / mark), 9);

    for (const [body, field] of [
      [{ kind: 'balance', venue: 'deribit', currency: 'BTC', amountCoin: -1 }, 'body.amountCoin'],
      [{ kind: 'balance', venue: 'okx', currency: 'SOL', amountCoin: 1 }, 'body.currency'],
      [{ kind: 'balance', venue: 'deribit', currency: 'USDT', amountCoin: 1 }, 'body.amountCoin'],
    ] as const) {
      const refused = await call('POST', '/api/positions', body);
      expect(refused.status, JSON.stringify(body)).toBe(400);
      expect(refused.json.error).toBe('invalid-request');
      expect(refused.json.message).toMatch(new RegExp(`^${field.replace('.', '\\.')}`));
    }
  });

  it('a config reload applies a changed or new balance, and refuses a bad one naming the field', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'ilhedge-collateral-')), 'desk.json');
    writeFileSync(file, JSON.stringify(config));
    const { call } = await serve(file);
    const edit = (change: (c: Json) => void) => {
      const c = JSON.parse(readFileSync(file, 'utf8')) as Json;
      change(c);
      writeFileSync(file, JSON.stringify(c));
    };
    edit((c) => {
      c.positions[2].amountCoin = 6;
      c.positions.push({ id: 'usdt-collateral', kind: 'balance', venue: 'deribit', currency: 'USDT', amountQuote: 5 });
    });
    const applied = await call('POST', '/api/admin/reload-config', {});
    expect(applied.status).toBe(200);
    expect(applied.json.positions.created).toEqual(['usdt-collateral']);
    expect(applied.json.positions.updated.map((u: Json) => u.id)).toEqual(['btc-collateral']);
    expect(applied.json.notApplied).toEqual([]);
    const book = (await call('GET', '/api/book')).json.book.byUnderlying['deribit/BTC'];
    const btc = book.balances.find((b: Json) => b.id === 'btc-collateral');
    expect(btc.balanceInCurrency).toBeCloseTo(6 - 1.5 * PUT_ENTRY_COIN, 12);
    expect(book.balances.map((b: Json) => b.id).sort()).toEqual([
      'btc-collateral',
      'usdc-collateral',
      'usdt-collateral',
    ]);

    edit((c) => (c.positions[3].currency = 'EUR'));
    const refused = await call('POST', '/api/admin/reload-config', {});
    expect(refused.status).toBe(400);
    expect(refused.json.error).toBe('invalid-config');
    expect(refused.json.message).toContain('positions[3].currency: deribit holds no EUR collateral');
  });
});
