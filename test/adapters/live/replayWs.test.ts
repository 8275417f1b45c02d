/**
 * The loopback replay server speaking Deribit's JSON-RPC to a plain websocket client: subscribe acks, channel
 * relabelling that keeps the recorded text, frames only for subscribed channels, the timeline holding while
 * nobody listens, and looping with the clock rewound.
 */
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { deribitReplayProtocol, startReplayWsServer, type ReplayWsServer } from '../../../adapters/replayWs.js';
import { deribitWsFrames } from './deribitFrames.js';

const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

interface Client {
  socket: WebSocket;
  received: string[];
  next(): Promise<string>;
}

async function connect(server: ReplayWsServer): Promise<Client> {
  const socket = new WebSocket(server.url);
  const received: string[] = [];
  const waiters: ((s: string) => void)[] = [];
  socket.on('message', (data) => {
    const text = (data as Buffer).toString('utf8');
    received.push(text);
    waiters.shift()?.(text);
  });
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  cleanups.push(() => socket.terminate());
  let read = 0;
  return {
    socket,
    received,
    next: () =>
      read < received.length
        ? Promise.resolve(received[read++]!)
        : new Promise((r) => waiters.push((s) => (read++, r(s)))),
  };
}

async function until(cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 2));
  }
}

describe('Deribit replay protocol', () => {
  it('acks subscribe like the venue and relabels channels without touching the numbers', () => {
    const out = deribitReplayProtocol.handleClientMessage(
      '{"jsonrpc":"2.0","method":"public/subscribe","params":{"channels":["ticker.BTC-24SEP21-8000-P.100ms"]},"id":7}',
      1626993723000.5,
    );
    expect(JSON.parse(out.replies[0]!)).toMatchObject({
      jsonrpc: '2.0',
      id: 7,
      result: ['ticker.BTC-24SEP21-8000-P.100ms'],
    });
    expect([...out.subscribe!]).toEqual([['ticker.BTC-24SEP21-8000-P', 'ticker.BTC-24SEP21-8000-P.100ms']]);
    const frame = deribitWsFrames()[2]!.data;
    expect(frame).toContain('"volume":869.0');
    const route = deribitReplayProtocol.routeFrame(frame)!;
    expect(route).toEqual({ key: 'ticker.ETH-30JUL21-2800-C', channel: 'ticker.ETH-30JUL21-2800-C.raw' });
    const relabelled = deribitReplayProtocol.relabel(frame, route.channel, 'ticker.ETH-30JUL21-2800-C.100ms');
    expect(relabelled).toBe(frame.replace('"ticker.ETH-30JUL21-2800-C.raw"', '"ticker.ETH-30JUL21-2800-C.100ms"'));
    expect(relabelled).toContain('"volume":869.0');
    // Acks and requests in a recording are not data: the server answers those itself.
    expect(deribitReplayProtocol.routeFrame(deribitWsFrames()[1]!.data)).toBeUndefined();
    const unknown = deribitReplayProtocol.handleClientMessage('{"jsonrpc":"2.0","method":"public/nope","id":1}', 0);
    expect(JSON.parse(unknown.replies[0]!)).toMatchObject({ id: 1, error: { code: -32601 } });
  });
});

describe('loopback replay server', () => {
  it('sends only subscribed channels, in recorded order, holding the timeline while nobody listens', async () => {
    const frames = deribitWsFrames();
    const server = await startReplayWsServer({ venue: 'deribit', frames, speed: 1000, maxGapMs: 2 });
    cleanups.push(() => server.close());
    expect(server.stats.frames).toBe(135);
    expect(server.clock.isRunning).toBe(false);
    const startMs = server.clock.now();
    await new Promise((r) => setTimeout(r, 30));
    expect(server.clock.now()).toBe(startMs); // nobody subscribed: recorded time stands still
    expect(server.cursor).toBe(0);

    const c = await connect(server);
    c.socket.send(
      JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'public/subscribe',
        params: { channels: ['ticker.BTC-24SEP21-8000-P.100ms', 'book.BTC-24SEP21-8000-P.100ms'] },
      }),
    );
    expect(JSON.parse(await c.next())).toMatchObject({
      id: 1,
      result: ['ticker.BTC-24SEP21-8000-P.100ms', 'book.BTC-24SEP21-8000-P.100ms'],
    });
    await server.finished;
    const expected = frames
      .map((f) => f.data)
      .filter((d) => d.includes('"subscription"') && d.includes('BTC-24SEP21-8000-P.raw'))
      .map((d) => d.replace(/(ticker|book)\.BTC-24SEP21-8000-P\.raw/, '$1.BTC-24SEP21-8000-P.100ms'));
    await until(() => c.received.length === 1 + expected.length);
    expect(c.received.slice(1)).toEqual(expected);
    expect(server.stats.sent).toBe(expected.length);
    expect(server.stats.skipped).toBe(135 - expected.length);
    // The clock ran through the recording and keeps running after it (data ages on the replay's own time).
    expect(server.clock.now()).toBeGreaterThanOrEqual(frames.at(-1)!.receivedAtMs);
    expect(server.clock.isRunning).toBe(true);
  });

  it('loops: after the last frame it starts over and rewinds its clock', async () => {
    const frames = deribitWsFrames().slice(0, 12);
    const server = await startReplayWsServer({ venue: 'deribit', frames, speed: 1000, maxGapMs: 2, loop: true });
    cleanups.push(() => server.close());
    const c = await connect(server);
    const channels = [...new Set(frames.map((f) => deribitReplayProtocol.routeFrame(f.data)?.channel).filter(Boolean))];
    c.socket.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'public/subscribe', params: { channels } }));
    const data = 10; // frames 2..11 are notifications
    await until(() => c.received.length >= 1 + 2 * data + 1);
    expect(server.stats.loops).toBeGreaterThanOrEqual(2);
    expect(c.received.slice(1 + data, 1 + 2 * data)).toEqual(c.received.slice(1, 1 + data));
    expect(server.clock.loops).toBe(server.stats.loops);
  });
});
