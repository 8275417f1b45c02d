/**
 * Recorder round trip: record a loopback "live" session (REST from a local HTTP server serving the real 2021
 * Deribit instruments, websocket from the loopback replay of the real 2021 frames), write the file, validate it
 * with the recording schema, replay it through ccxt (REST via fetchImplementation, websocket via loopback) and get
 * the same normalised quotes.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../adapters/clock.js';
import { createRecorder } from '../../../adapters/record/recorder.js';
import { recordSession } from '../../../adapters/record/session.js';
import { openReplayFeed } from '../../../adapters/live/replayFeed.js';
import { readRecordingFile, recordingSchema } from '../../../adapters/recording.js';
import { startReplayWsServer } from '../../../adapters/replayWs.js';
import type { Quote } from '../../../adapters/model.js';
import { fixtureText } from '../fixtures.js';
import { DERIBIT_2021_IDS, deribitWsFrames, recordedSequence } from '../live/deribitFrames.js';

const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

/**
 * A loopback HTTP server playing Deribit's `public/get_instruments` with the real 2021 BTC payload, filtered by
 * `kind` as the venue does (the capture holds options and futures in one response).
 */
function instrumentsBody(kind: string): string {
  const all = JSON.parse(fixtureText('deribit', 'get_instruments_BTC_2021-07-22.json')) as {
    result: { kind: string }[];
  };
  return JSON.stringify({ ...all, result: all.result.filter((i) => i.kind === kind) });
}

async function restServer(log: string[]): Promise<string> {
  const server: Server = createServer((req, res) => {
    log.push(`${req.method} ${req.url}`);
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/api/v2/public/get_instruments' && url.searchParams.get('currency') === 'BTC') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(instrumentsBody(url.searchParams.get('kind') ?? ''));
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end('{"jsonrpc":"2.0","error":{"code":-32601,"message":"Method not found"}}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('recorder', () => {
  it('keeps HTTP bodies and statuses as received and hands ccxt an identical response', async () => {
    const clock = new ManualClock(1_700_000_000_000);
    const recorder = createRecorder({
      venue: 'deribit',
      clock,
      fetch: async () =>
        new Response('{"jsonrpc":"2.0","result":[1.50,2]}', {
          status: 429,
          headers: { 'content-type': 'application/json', 'x-other': 'dropped' },
        }),
    });
    clock.advance(250);
    const res = await recorder.fetchImplementation('https://www.deribit.com/api/v2/public/test?b=2&a=1', {
      method: 'get',
    });
    expect(res.status).toBe(429);
    expect(await res.text()).toBe('{"jsonrpc":"2.0","result":[1.50,2]}');
    const recording = recorder.recording();
    expect(recording.http).toEqual([
      {
        method: 'GET',
        url: 'https://www.deribit.com/api/v2/public/test?b=2&a=1',
        status: 429,
        body: '{"jsonrpc":"2.0","result":[1.50,2]}',
        headers: { 'content-type': 'application/json' },
        receivedAtMs: 1_700_000_000_250,
      },
    ]);
    expect(recording.recordedAt).toBe('2023-11-14T22:13:20.000Z');
    expect(recording.venue).toBe('deribit');
    expect(recorder.counts).toEqual({ http: 1, ws: 0, httpFailures: 0 });
  });

  it('records a loopback session of REST and websocket, and its replay gives the same normalised quotes', async () => {
    const restLog: string[] = [];
    const restUrl = await restServer(restLog);
    const frames = deribitWsFrames();
    const btcIds = DERIBIT_2021_IDS.filter((id) => id.startsWith('BTC-'));
    const ws = await startReplayWsServer({
      venue: 'deribit',
      frames,
      speed: 200,
      maxGapMs: 5,
      minSubscribedChannels: btcIds.length,
    });
    cleanups.push(() => ws.close());
    const expectedTickers = recordedSequence(['ticker']).filter((s) => s.startsWith('ticker BTC-'));

    const liveQuotes: Quote[] = [];
    const done = new AbortController();
    const session = await recordSession({
      venue: 'deribit',
      underlying: 'BTC',
      seconds: 20,
      instruments: btcIds,
      snapshot: false,
      restUrl,
      wsUrl: ws.url,
      signal: done.signal,
      onEvent: (e) => {
        if (e.type === 'quote') liveQuotes.push(e.quote);
        if (liveQuotes.length === expectedTickers.length) done.abort();
      },
    });
    expect(liveQuotes.map((q) => `ticker ${q.instrument.venueId} ${q.timestampMs}`)).toEqual(expectedTickers);
    // ccxt's loader asked for options and futures; both went through the recorder.
    expect(restLog).toEqual([
      'GET /api/v2/public/get_instruments?currency=BTC&kind=option',
      'GET /api/v2/public/get_instruments?currency=BTC&kind=future',
    ]);
    expect(session.recording.http.map((h) => new URL(h.url).search)).toEqual([
      '?currency=BTC&kind=option',
      '?currency=BTC&kind=future',
    ]);
    expect(session.recording.http[0]!.body).toBe(instrumentsBody('option'));
    expect(session.recording.http[1]!.body).toBe(instrumentsBody('future'));
    // Every ticker frame was captured as the exact text sent (relabelled `.raw` -> ccxt's `.100ms`), plus the ack.
    const isTickerNotification = (d: string): boolean => d.includes('"subscription"') && d.includes('"ticker.BTC-');
    const recordedTickerFrames = session.recording.ws.filter((f) => isTickerNotification(f.data));
    expect(recordedTickerFrames).toHaveLength(expectedTickers.length);
    const sentTexts = frames.map((f) => f.data).filter(isTickerNotification);
    expect(recordedTickerFrames.map((f) => f.data)).toEqual(sentTexts.map((d) => d.replace(/\.raw"/, '.100ms"')));
    expect(session.recording.ws.some((f) => f.data.includes('"result":["ticker.BTC-'))).toBe(true);

    const dir = mkdtempSync(join(tmpdir(), 'ilhedge-rec-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'recording.json');
    await session.recorder.writeFile(file);
    expect(recordingSchema.safeParse(JSON.parse(readFileSync(file, 'utf8'))).success).toBe(true);
    const recording = readRecordingFile(file);
    expect(recording.ccxtVersion).toBe('4.5.84');

    // Replay: REST answered from the file (no server), websocket from a fresh loopback server over the file.
    await ws.close();
    const feed = await openReplayFeed({ recording, underlying: 'BTC', speed: 50, maxGapMs: 5 });
    cleanups.push(() => feed.close());
    expect(feed.source().kind).toBe('replay');
    const replayed: Quote[] = [];
    for await (const e of feed.stream) {
      if (e.type === 'quote') replayed.push(e.quote);
      if (replayed.length === liveQuotes.length) void feed.stream.close();
    }
    expect(replayed).toEqual(liveQuotes);
  });
});
