/**
 * The desk config reload (`POST /api/admin/reload-config`, SIGHUP to `ilhedge serve`): a real service on loopback
 * started from a temp copy of an example desk config. A good edit (the band's k, the limits) takes effect on the next
 * stream state, `GET /api/book` and the next ticket; a bad file (not JSON, an unknown key, a bad position, a market
 * change, a held hedge the market does not list) is refused with 400 `invalid-config` naming the file and the field,
 * and the old config keeps applying: the book, the positions and the tickets are as before. A reload never deletes a
 * position and never overwrites one the API changed. The SIGHUP path runs the built server (`dist/`) as a child process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { afterAll, describe, expect, it } from 'vitest';
import { deskPolicy } from '../../src/config/deskConfig.js';
import { installConfigReload } from '../../src/service/configReload.js';
import { loadDesk, seedHoldingsOf } from '../../src/service/run.js';
import { checkStore } from '../../src/service/store/index.js';
import { request, startTestService, v2Position, type Json, type TestService } from './helpers.js';
import { logLines } from '../helpers/childService.js';

const example = fileURLToPath(new URL('../../config/wbtc-usdc-v3-dynamic.json', import.meta.url));
const mainJs = fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'ilhedge-reload-'));
const services: TestService[] = [];
const children: ChildProcess[] = [];
afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  for (const s of services) await s.handle.close();
  rmSync(dir, { recursive: true, force: true });
});

const ID = 'wbtc-usdc-v3';
let copies = 0;

/** A temp copy of the v3 example config. */
function configCopy(): string {
  const file = join(dir, `desk-${++copies}.json`);
  copyFileSync(example, file);
  return file;
}

function edit(file: string, change: (config: Json) => void): void {
  const config = JSON.parse(readFileSync(file, 'utf8')) as Json;
  change(config);
  writeFileSync(file, JSON.stringify(config, null, 2));
}

/** The service as `ilhedge serve` starts it from `file` (scripted market: nothing moves unless pushed). */
async function deskService(file: string): Promise<TestService> {
  const desk = await loadDesk(file);
  const config = desk.configs[0]!.config;
  const t = await startTestService({
    deskPolicy: deskPolicy(config),
    fourEyes: config.fourEyes,
    seedPositions: desk.positions,
  });
  services.push(t);
  installConfigReload(
    t.handle,
    {
      files: [file],
      load: () => loadDesk(file, [file]),
      checkHeld: (next) => void seedHoldingsOf(next.held, [t.feed]),
    },
    desk,
    false,
  );
  return t;
}

async function bookOf(t: TestService): Promise<Json> {
  return (await t.call('GET', '/api/book')).json.book.byUnderlying['deribit/BTC'];
}

async function positionOf(t: TestService, id = ID): Promise<Json> {
  return (await t.call('GET', `/api/positions/${id}`)).json;
}

async function ticketLegs(t: TestService): Promise<Json[]> {
  const r = await t.call('POST', '/api/tickets', { key: t.keys.trader, body: { positionIds: [ID], mode: 'dynamic' } });
  expect(r.status, r.text).toBe(201);
  return r.json.content.ticket.legs.map((l: Json) => ({
    instrument: l.instrument,
    side: l.side,
    contracts: l.contracts,
  }));
}

function reload(t: TestService, body: unknown = {}) {
  return t.call('POST', '/api/admin/reload-config', { body });
}

/** A websocket client on the position's stream; `next` waits for the first hedge message matching. */
async function streamOf(t: TestService, id: string) {
  const ws = new WebSocket(t.url.replace('http', 'ws') + '/ws', {
    headers: { authorization: `Bearer ${t.keys.viewer}` },
  });
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  const messages: Json[] = [];
  ws.on('message', (data) => messages.push(JSON.parse(data.toString())));
  ws.send(JSON.stringify({ type: 'subscribe', positionIds: [id] }));
  const next = async (pred: (m: Json) => boolean): Promise<Json> => {
    for (let i = 0; i < 200; i++) {
      const found = messages.find((m) => m.type === 'hedge' && pred(m));
      if (found) return found;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error('no matching hedge message');
  };
  return { ws, next };
}

describe('config reload over the API', () => {
  it('applies a good edit to the next stream state, the book and the next ticket; audited; the store checks', async () => {
    const file = configCopy();
    const t = await deskService(file);
    const book0 = await bookOf(t);
    const pos0 = await positionOf(t);
    const legs0 = await ticketLegs(t);
    expect(pos0.position.policy.band.k).toBe(1.5);
    const stream = await streamOf(t, ID);
    const first = await stream.next(() => true);
    expect(first.band.halfWidthBase).toBeCloseTo(pos0.hedge.band.halfWidthBase, 12);

    // The band twice as wide, and no leg above 5 contracts (the example buys 9.2 of one put).
    edit(file, (c) => {
      c.policy.band.k = 3;
      c.limits.maxContractsPerLeg = 5;
    });
    const r = await reload(t);
    expect(r.status, r.text).toBe(200);
    expect(r.json.applied).toBe(true);
    expect(r.json.changes).toEqual([
      { file, path: 'limits.maxContractsPerLeg', from: 500, to: 5 },
      { file, path: 'policy.band.k', from: 1.5, to: 3 },
    ]);
    expect(r.json.deskPolicy).toEqual({ changed: true, fields: ['band.k', 'limits.maxContractsPerLeg'] });
    expect(r.json.positions.updated).toEqual([
      { id: ID, fields: ['policy.band.k', 'policy.limits.maxContractsPerLeg'], heldHedges: 0 },
    ]);
    expect(r.json.positions.created).toEqual([]);
    expect(r.json.positions.kept).toEqual([]);

    // The next stream state (a new tick) and the book: the band is k|gamma|S sigma sqrt(dt), so twice as wide.
    const tick = t.feed.push();
    const pushed = await stream.next((m) => m.seq === tick.seq);
    expect(pushed.band.halfWidthBase).toBeCloseTo(2 * first.band.halfWidthBase, 9);
    const book1 = await bookOf(t);
    expect(book1.band.halfWidthBase).toBeCloseTo(2 * book0.band.halfWidthBase, 9);
    const pos1 = await positionOf(t);
    expect(pos1.position.version).toBe(pos0.position.version + 1);
    expect(pos1.position.policy.band.k).toBe(3);
    expect(pos1.position.policy.limits.maxContractsPerLeg).toBe(5);

    // The next ticket is made under the new limit.
    const legs1 = await ticketLegs(t);
    expect(Math.max(...legs0.filter((l) => l.instrument !== 'BTC-PERPETUAL').map((l) => l.contracts))).toBeGreaterThan(
      5,
    );
    const options1 = legs1.filter((l) => l.instrument !== 'BTC-PERPETUAL');
    expect(options1.length).toBeGreaterThan(0);
    for (const leg of options1) expect(leg.contracts).toBeLessThanOrEqual(5);
    stream.ws.close();

    const audit = (await t.call('GET', '/api/audit')).json.entries as Json[];
    const row = audit.find((e) => e.action === 'config.reload');
    expect(row.actor).toMatch(/^key:/);
    expect(row.detail.updated).toEqual([ID]);
    expect(audit.find((e) => e.action === 'position.update' && e.target === ID).actor).toBe('system:config-reload');
    expect((await checkStore(t.handle.store)).problems).toEqual([]);

    // The same file again: nothing to change, nothing written but the reload's own audit row.
    const again = await reload(t);
    expect(again.status).toBe(200);
    expect(again.json.changes).toEqual([]);
    expect(again.json.positions.unchanged).toEqual([ID]);
    expect((await positionOf(t)).position.version).toBe(pos1.position.version);

    // fourEyes off: the key that proposed a ticket may now approve it (refused before the reload).
    const proposeTicket = async () =>
      (await t.call('POST', '/api/tickets', { key: t.keys.trader, body: { positionIds: [ID], mode: 'dynamic' } })).json
        .id as string;
    const mine = await proposeTicket();
    const refusedOwn = await t.call('POST', `/api/tickets/${mine}/approve`, { key: t.keys.trader, body: {} });
    expect(refusedOwn.status).toBe(409);
    expect(refusedOwn.json.error).toBe('four-eyes');
    edit(file, (c) => (c.fourEyes = false));
    const off = await reload(t);
    expect(off.status, off.text).toBe(200);
    expect(off.json.fourEyes).toEqual({ from: true, to: false });
    const own = await t.call('POST', `/api/tickets/${await proposeTicket()}/approve`, { key: t.keys.trader, body: {} });
    expect(own.status, own.text).toBe(200);
  });

  it('refuses a bad file with 400 naming the file and the field, and the old config keeps applying', async () => {
    const file = configCopy();
    const t = await deskService(file);
    const good = readFileSync(file, 'utf8');
    const book0 = await bookOf(t);
    const pos0 = await positionOf(t);
    const legs0 = await ticketLegs(t);

    const cases: { name: string; write: () => void; field: string | null; mentions: string }[] = [
      {
        name: 'not JSON',
        write: () => writeFileSync(file, good.slice(0, -10)),
        field: null,
        mentions: 'not valid JSON',
      },
      {
        name: 'an unknown key',
        write: () => edit(file, (c) => (c.policy.band.kk = 3)),
        field: 'policy.band',
        mentions: 'kk',
      },
      {
        name: 'a bad position',
        write: () =>
          edit(file, (c) => {
            c.policy.band.k = 3; // a good change beside it is not applied either
            c.positions[0].upper = 60_000;
          }),
        field: 'positions[0]',
        mentions: 'upper',
      },
      {
        name: 'a held hedge the market does not list',
        write: () =>
          edit(file, (c) =>
            c.positions.push({
              id: 'old-put',
              kind: 'option',
              venue: 'deribit',
              instrument: 'BTC-1JAN20-1000-P',
              contracts: 1,
              entryPrice: 0.01,
              entryTime: '2026-05-20T09:00:00Z',
            }),
          ),
        field: 'positions.old-put.instrument',
        mentions: 'not a listed option',
      },
      {
        name: 'a market change',
        write: () => edit(file, (c) => (c.market.source = 'live')),
        field: 'market.source',
        mentions: 'restart',
      },
    ];
    for (const c of cases) {
      writeFileSync(file, good);
      c.write();
      const r = await reload(t);
      expect(r.status, `${c.name}: ${r.text}`).toBe(400);
      expect(r.json.error).toBe('invalid-config');
      expect(r.json.message).toContain(basename(file));
      expect(r.json.message).toContain(c.mentions);
      expect(r.json.issues[0].file).toBe(file);
      if (c.field) {
        expect(r.json.message).toContain(c.field);
        expect(r.json.issues[0].fields.join(' ')).toContain(c.field);
      }
      // The old config still applies: the same book, the same position, the same ticket.
      const book = await bookOf(t);
      expect(book.band).toEqual(book0.band);
      expect(book.net).toEqual(book0.net);
      expect(book.toTrade).toEqual(book0.toTrade);
      const pos = await positionOf(t);
      expect(pos.position).toEqual(pos0.position);
      expect(pos.hedge.band).toEqual(pos0.hedge.band);
      expect(await ticketLegs(t)).toEqual(legs0);
    }
    const refused = (await t.call('GET', '/api/audit')).json.entries.filter(
      (e: Json) => e.action === 'config.reload.refused',
    );
    expect(refused).toHaveLength(cases.length);
    // The service kept serving, and the good file reloads.
    writeFileSync(file, good);
    expect((await reload(t)).status).toBe(200);
  });

  it('never deletes a position, never overwrites an API change, follows the desk policy on API positions', async () => {
    const file = configCopy();
    const t = await deskService(file);
    const api = await t.call('POST', '/api/positions', { body: v2Position });
    expect(api.status).toBe(201);
    const apiBand0 = (await positionOf(t, api.json.id)).hedge.band.halfWidthBase;

    // The config's position replaced by another: the new one is created, the old one stays in the book.
    edit(file, (c) => {
      c.policy.band.k = 3;
      c.positions[0].id = 'wbtc-usdc-v3-b';
    });
    const dry = await reload(t, { dryRun: true });
    expect(dry.status, dry.text).toBe(200);
    expect(dry.json.applied).toBe(false);
    expect(dry.json.positions.created).toEqual(['wbtc-usdc-v3-b']);
    expect((await positionOf(t, 'wbtc-usdc-v3-b')).position).toBeUndefined();
    const r = await reload(t);
    expect(r.status, r.text).toBe(200);
    expect(r.json.positions.created).toEqual(['wbtc-usdc-v3-b']);
    expect(r.json.positions.kept.map((k: Json) => k.id)).toEqual([ID]);
    expect(r.json.positions.kept[0].reason).toContain('never deletes');
    const ids = (await t.call('GET', '/api/positions')).json.positions.map((p: Json) => p.id).sort();
    expect(ids).toEqual([ID, 'wbtc-usdc-v3-b', api.json.id].sort());
    // The API position has no policy of its own: it follows the desk's, now with k = 3.
    expect((await positionOf(t, api.json.id)).hedge.band.halfWidthBase).toBeCloseTo(2 * apiBand0, 9);

    // A config position changed through the API is not overwritten by a reload: refused, naming it.
    const b = (await positionOf(t, 'wbtc-usdc-v3-b')).position;
    const { id: _id, version: _v, createdAtMs: _c, updatedAtMs: _u, ...spec } = b;
    const put = await t.call('PUT', '/api/positions/wbtc-usdc-v3-b', { body: { ...spec, depositValue: 2_000_000 } });
    expect(put.status, put.text).toBe(200);
    edit(file, (c) => (c.positions[0].label = 'relabelled'));
    const refused = await reload(t);
    expect(refused.status).toBe(400);
    expect(refused.json.message).toContain('positions[0]');
    expect(refused.json.message).toContain('through the API');
    expect((await positionOf(t, 'wbtc-usdc-v3-b')).position.depositValue).toBe(2_000_000);

    // A position deleted through the API is not brought back.
    edit(file, (c) => {
      c.positions[0].id = ID;
      c.positions[0].label = 'Uniswap v3 WBTC/USDC 0.30%, range 68k-84k';
    });
    expect((await t.call('DELETE', `/api/positions/${ID}`)).status).toBe(204);
    const deleted = await reload(t);
    expect(deleted.status).toBe(400);
    expect(deleted.json.message).toContain('positions[0].id');
    expect(deleted.json.message).toContain('deleted');
    expect((await checkStore(t.handle.store)).problems).toEqual([]);
  });
});

describe('config reload on SIGHUP (the built server)', () => {
  it('reloads a good edit, refuses a bad file and keeps serving the old config', async () => {
    const file = configCopy();
    const db = join(dir, 'sighup.sqlite');
    const child = spawn(process.execPath, [mainJs, 'serve', '--port', '0', '--db', db, '--config', file], {
      stdio: ['ignore', 'pipe', 'pipe'],
      // The replayed market stands still during the test: the band changes only by the reload.
      env: { ...process.env, ILHEDGE_REPLAY_INTERVAL_MS: '3600000', ILHEDGE_LOG_LEVEL: 'info' },
    });
    children.push(child);
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const log = logLines(child);
    const ready = await log
      .waitFor((l) => /desk service ready/.test(l.msg ?? ''))
      .catch((e: Error) => {
        throw new Error(`${e.message}\nstderr: ${stderr}`);
      });
    const key = /ilh_[A-Za-z0-9_-]+/.exec(log.text())![0];
    const get = async (path: string) => {
      const r = await request(ready.url + path, 'GET', { authorization: `Bearer ${key}` });
      return JSON.parse(r.text) as Json;
    };
    const band0 = (await get(`/api/positions/${ID}`)).hedge.band.halfWidthBase as number;
    expect(band0).toBeGreaterThan(0);

    edit(file, (c) => (c.policy.band.k = 3));
    child.kill('SIGHUP');
    const done = await log.waitFor((l) => /^desk config reloaded/.test(l.msg ?? ''));
    expect(done.actor).toBe('system:sighup');
    expect(done.msg).toContain('band.k');
    const pos1 = await get(`/api/positions/${ID}`);
    expect(pos1.position.policy.band.k).toBe(3);
    expect(pos1.hedge.band.halfWidthBase).toBeCloseTo(2 * band0, 9);

    writeFileSync(file, '{"positions": [');
    child.kill('SIGHUP');
    const refused = await log.waitFor((l) => /^config reload refused/.test(l.msg ?? ''));
    expect(refused.msg).toContain(basename(file));
    expect(refused.msg).toContain('not valid JSON');
    const health = await request(ready.url + '/health', 'GET', {});
    expect(health.status).toBe(200);
    const pos2 = await get(`/api/positions/${ID}`);
    expect(pos2.position).toEqual(pos1.position);
    expect(pos2.hedge.band.halfWidthBase).toBeCloseTo(pos1.hedge.band.halfWidthBase, 12);
    const audit = (await get('/api/audit')).entries as Json[];
    expect(audit.filter((e) => e.actor === 'system:sighup').map((e) => e.action)).toEqual([
      'config.reload.refused',
      'config.reload',
    ]);

    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
