/**
 * `ilhedge serve --source live --record <file>` writes what the live feed received (REST bodies and websocket
 * frames, below ccxt) in the recording format, and `--source replay:<file>` serves it back with its moving quotes,
 * labelled replay, on the recording's clock; `/ready` is 503 on it (and on the demo data) unless `--demo`.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readRecordingFile } from '../../adapters/index.js';
import type { LiveMarketFeed } from '../../src/service/feeds/live.js';
import { runService } from '../../src/service/run.js';
import { deskConfigFile, get, hedgeClient, serveLive, startDeribitLoopback, until, type Json } from './liveVenue.js';
import { testStoreLocation } from '../helpers/testStore.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('--record and replay:<file>', () => {
  it('records the live session and serves it back with its moving quotes, labelled replay', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'ilhedge-record-')), 'session.json');
    const loop = await startDeribitLoopback();
    cleanups.push(() => loop.close());
    const { handle } = await serveLive(loop, [], { cli: { record: file } });
    const key = handle.firstAdminKey!;
    await loop.venue.waitForSubscribed(['ticker.BTC-PERPETUAL']);
    const client = await hedgeClient(handle.url, key);
    const index = loop.chain.perp!.index!;
    // The venue moves twice; each state is published a few times, 100 ms apart.
    for (const factor of [1, 1.02, 1.04]) {
      for (let i = 0; i < 3; i++) {
        await loop.publish(factor);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    await client.next((m: Json) => m.type === 'hedge' && m.price > index * 1.035, 10_000, 'the last move live');
    client.close();
    await handle.close();

    const recording = readRecordingFile(file);
    expect(recording.venue).toBe('deribit');
    expect(recording.underlying).toBe('BTC');
    // The REST start-up (instruments, chain, perp) and every frame the venue sent are in the file.
    expect(recording.http.map((h) => new URL(h.url).pathname)).toEqual(
      expect.arrayContaining([
        '/api/v2/public/get_instruments',
        '/api/v2/public/get_book_summary_by_currency',
        '/api/v2/public/ticker',
      ]),
    );
    const tickerFrames = recording.ws.filter(
      (f) => f.data.includes('"method":"subscription"') && f.data.includes('"ticker.BTC-PERPETUAL.100ms"'),
    );
    expect(tickerFrames.length).toBe(9);
    // Frames are stamped on the feed's clock (the day replayed), in order.
    const stamps = recording.ws.map((f) => f.receivedAtMs);
    expect([...stamps].sort((a, b) => a - b)).toEqual(stamps);
    expect(stamps[0]).toBeGreaterThanOrEqual(loop.chain.source.dataTimeMs);

    // Served back: the replay's prices move as recorded; the data says replay; not ready without --demo.
    const replay = await runService(
      {
        source: `replay:${file}`,
        config: deskConfigFile(loop.venue),
        db: await testStoreLocation('live_record'),
        port: 0,
      },
      { ILHEDGE_LOG_LEVEL: 'silent' },
    );
    cleanups.push(() => replay.handle.close());
    const rkey = replay.handle.firstAdminKey!;
    const seen = new Set<number>();
    const rclient = await hedgeClient(replay.handle.url, rkey, ['v3']);
    cleanups.push(() => rclient.close());
    const last = await rclient.next(
      (m: Json) => {
        if (m.type === 'hedge' && m.positionId === 'v3' && m.price > 0) seen.add(Math.round(m.price * 100));
        return m.type === 'hedge' && Math.abs(m.price - index * 1.04) < 1e-6;
      },
      20_000,
      'the recorded last move on the replay',
    );
    expect(last.source).toBe('replay');
    expect(seen).toContain(Math.round(index * 1.02 * 100));
    const ready = await get(replay.handle.url + '/ready', rkey);
    expect(ready.status).toBe(503);
    expect(ready.json.feeds[0].dataSource.kind).toBe('replay');
    expect(ready.json.feeds[0].notReady).toContain('replay data');
    const health = await get(replay.handle.url + '/health');
    expect(health.json.dataSource[0]).toMatchObject({ kind: 'replay', venue: 'deribit', underlying: 'BTC' });
    expect(health.json.dataSource[0].label).toContain(file);
  }, 90_000);

  it('stops recording at recordMaxFrames and keeps the first frames', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'ilhedge-record-')), 'capped.json');
    const loop = await startDeribitLoopback();
    cleanups.push(() => loop.close());
    const { handle } = await serveLive(loop, [], { cli: { record: file }, live: { recordMaxFrames: 50 } });
    await loop.venue.waitForSubscribed(['ticker.BTC-PERPETUAL']);
    let published = 0;
    for (let i = 0; i < 6; i++) {
      published += await loop.publish(1);
      await new Promise((r) => setTimeout(r, 250));
    }
    const feed = handle.hub.feedList()[0] as LiveMarketFeed;
    expect(feed.lastProblem).toMatch(/recording stopped after \d+ websocket frames \(recordMaxFrames 50\)/);
    await handle.close();
    const frames = readRecordingFile(file).ws.filter((f) => f.data.includes('"method":"subscription"'));
    expect(frames.length).toBeGreaterThanOrEqual(50);
    expect(frames.length).toBeLessThan(published);
  }, 60_000);

  it('the demo data is not ready unless --demo, and says demo everywhere', async () => {
    const plain = await runService(
      { db: await testStoreLocation('live_record'), port: 0 },
      { ILHEDGE_LOG_LEVEL: 'silent' },
    );
    cleanups.push(() => plain.handle.close());
    const key = plain.handle.firstAdminKey!;
    const client = await hedgeClient(plain.handle.url, key, ['wbtc-usdc-v2']);
    cleanups.push(() => client.close());
    const message = await client.next((m: Json) => m.type === 'hedge', 10_000, 'a demo hedge message');
    expect(message.source).toBe('demo');
    const notReady = await get(plain.handle.url + '/ready', key);
    expect(notReady.status).toBe(503);
    expect(notReady.json.feeds[0].notReady).toContain('demo data');
    expect((await get(plain.handle.url + '/health')).json.dataSource[0].kind).toBe('demo');

    const demo = await runService(
      { db: await testStoreLocation('live_record'), port: 0, demo: true },
      { ILHEDGE_LOG_LEVEL: 'silent' },
    );
    cleanups.push(() => demo.handle.close());
    const dkey = demo.handle.firstAdminKey!;
    await until(async () => (await get(demo.handle.url + '/ready', dkey)).status === 200, '/ready 200 under --demo');
    // --record only records live data: refused, naming the flag.
    await expect(
      runService(
        { db: await testStoreLocation('live_record'), port: 0, record: 'x.json' },
        { ILHEDGE_LOG_LEVEL: 'silent' },
      ),
    ).rejects.toThrow(/--record: records what a live feed receives/);
  }, 60_000);
});
