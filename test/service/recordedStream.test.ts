/**
 * A recording's websocket frames as the service's market: the real 2021 Deribit capture replayed over loopback
 * through ccxt pro (adapters' replay feed) into the service, and out of its websocket as hedge ratios on the
 * recorded prices and the recording's own clock.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { openReplayFeed, type LiveEvent, type ReplayFeed } from '../../adapters/index.js';
import { RecordedStreamFeed } from '../../src/service/feeds/recordedStream.js';
import { replayFeed } from '../../src/service/run.js';
import { createLogger, startService, type ServiceHandle } from '../../src/service/server.js';
import type { FeedSnapshot } from '../../src/service/types.js';
import { deribit2021InstrumentRecording, deribitWsFrames } from '../adapters/live/deribitFrames.js';
import { testStoreLocation } from '../helpers/testStore.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function recordingFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ilhedge-recorded-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'deribit-2021.json');
  writeFileSync(file, JSON.stringify(deribit2021InstrumentRecording(deribitWsFrames())));
  return file;
}

describe('recorded websocket frames as the service market', () => {
  it('a replay:<file> market with websocket frames replays them rather than the REST snapshot', async () => {
    const feed = await replayFeed('deribit', 'BTC', `replay:${recordingFile()}`, 1000);
    expect(feed).toBeInstanceOf(RecordedStreamFeed);
  });

  it('streams hedge ratios on the recorded quotes, on the recording clock, labelled as a replay', async () => {
    const recording = deribit2021InstrumentRecording(deribitWsFrames());
    const feed = new RecordedStreamFeed({
      venue: 'deribit',
      underlying: 'BTC',
      open: () => openReplayFeed({ recording, underlying: 'BTC', speed: 400, maxGapMs: 2, loop: true }),
    });
    const snapshots: FeedSnapshot[] = [];
    feed.onUpdate((s) => snapshots.push(s));
    const handle: ServiceHandle = await startService({
      dbPath: await testStoreLocation('recorded_stream'),
      feeds: [feed],
      logger: createLogger('silent'),
      seedPositions: [
        {
          kind: 'lp',
          label: 'BTC v3 28k-36k (2021)',
          venue: 'deribit',
          underlying: 'BTC',
          model: 'v3',
          lower: 28_000,
          upper: 36_000,
          price: 32_000,
          depositValue: 100_000,
        },
      ],
    });
    cleanups.push(() => handle.close());
    const key = (await handle.store.createApiKey('viewer', 'test')).key;
    const id = (await handle.store.listPositions())[0]!.id;
    const ws = new WebSocket(handle.url.replace('http', 'ws') + '/ws', { headers: { authorization: `Bearer ${key}` } });
    cleanups.push(() => ws.terminate());
    const hedges: Record<string, unknown>[] = [];
    ws.on('message', (data) => {
      const msg = JSON.parse(data.toString()) as Record<string, unknown>;
      if (msg.type === 'hedge' && typeof msg.seq === 'number' && msg.seq > 0) hedges.push(msg);
    });
    await new Promise((resolve) => ws.once('open', resolve));
    ws.send(JSON.stringify({ type: 'subscribe', positionIds: [id] }));
    const deadline = Date.now() + 10_000;
    while (hedges.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(hedges.length).toBeGreaterThanOrEqual(3);

    const last = hedges.at(-1)!;
    const snapshot = snapshots.find((s) => s.seq === last.seq)!;
    expect(last.source).toBe('replay');
    // The data's own time (2021-07-22), never the wall clock.
    expect(new Date(last.asOfMs as number).toISOString().slice(0, 10)).toBe('2021-07-22');
    // Priced on the recorded index, with the recorded BTC options only.
    const index = snapshot.market.index!;
    expect(last.price).toBe(index);
    expect(index).toBeGreaterThan(25_000);
    expect(index).toBeLessThan(40_000);
    expect(snapshot.market.perp).toBeNull(); // the capture holds no perp: none is invented
    const options = snapshot.market.chains.flatMap((c) => c.options);
    expect(options.length).toBeGreaterThan(0);
    for (const option of options) {
      expect(option.instrument.venueId).toMatch(/^BTC-/);
      expect(option.markIv).toBeGreaterThan(0);
      expect(option.instrument.inverse).toBe(true);
    }
    // The LP is valued on the recorded index; with no perp nothing takes delta, and the message says why.
    expect((last.lp as { delta: number }).delta).toBeGreaterThan(0);
    expect(last.toTrade).toBeNull();
    expect(last.error).toMatch(/perp/);
    expect(snapshot.label).toMatch(/replay/);
    // Ticks keep coming in order as the replay loops.
    const seqs = hedges.map((h) => h.seq as number);
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
  });
});

describe('recorded stream feed: stale quotes', () => {
  it('drops an option the stream reports stale, and takes it back with its next fresh quote', async () => {
    const events: LiveEvent[] = [];
    let wake: (() => void) | undefined;
    let closed = false;
    const stream = {
      async *[Symbol.asyncIterator]() {
        for (;;) {
          while (events.length > 0) yield events.shift()!;
          if (closed) return;
          await new Promise<void>((resolve) => (wake = resolve));
        }
      },
    };
    const push = (event: LiveEvent) => {
      events.push(event);
      wake?.();
    };
    const fake = {
      stream,
      source: () => ({ kind: 'replay' as const, label: 'replay: fake', dataTimeMs: 0 }),
      close: async () => {
        closed = true;
        wake?.();
      },
    } as unknown as ReplayFeed;
    const feed = new RecordedStreamFeed({ venue: 'deribit', underlying: 'BTC', open: async () => fake });
    const snapshots: FeedSnapshot[] = [];
    feed.onUpdate((s) => snapshots.push(s));
    await feed.start();
    cleanups.push(() => feed.stop());
    const instrument = {
      venueId: 'BTC-30JUL21-24000-P',
      symbol: 'BTC/USD:BTC-210730-24000-P',
      strike: 24_000,
      expiryMs: Date.parse('2021-07-30T08:00:00Z'),
      optionType: 'put',
      contractSize: 1,
      inverse: true,
    };
    const quote = (receivedAtMs: number): LiveEvent =>
      ({
        type: 'quote',
        venue: 'deribit',
        symbol: instrument.symbol,
        stale: false,
        receivedAtMs,
        quote: {
          kind: 'option',
          instrument,
          timestampMs: receivedAtMs,
          markIv: 0.9,
          forward: 32_100,
          index: 32_000,
          markQuote: 120,
          bidQuote: null,
          askQuote: null,
        },
      }) as unknown as LiveEvent;
    const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

    push(quote(1_000));
    await settle();
    const optionsOf = (s: FeedSnapshot) => s.market.chains.flatMap((c) => c.options.map((o) => o.instrument.venueId));
    expect(optionsOf(snapshots.at(-1)!)).toEqual(['BTC-30JUL21-24000-P']);
    expect(snapshots.at(-1)!.market.index).toBe(32_000);
    expect(snapshots.at(-1)!.asOfMs).toBe(1_000);

    push({ type: 'stale', venue: 'deribit', symbols: [instrument.symbol], reason: 'age', atMs: 12_000 });
    await settle();
    expect(optionsOf(snapshots.at(-1)!)).toEqual([]);

    push(quote(13_000));
    await settle();
    expect(optionsOf(snapshots.at(-1)!)).toEqual(['BTC-30JUL21-24000-P']);
    expect(snapshots.map((s) => s.seq)).toEqual([1, 2, 3]);
  });
});
