/**
 * Desk service: tick-to-push latency of the websocket hedge stream. A scripted feed ticks at 100/s over 100
 * positions; N websocket clients (each subscribed to one position, in a worker thread so their event loop is not
 * the server's) timestamp every hedge message and report `receivedAt - tickAtMs` (the wall time the tick reached
 * the service). Memory per client is the server heap growth per connected client. Each case ticks for 2 s before
 * recording (JIT compilation settles: the service runs all day, so steady state is what matters), then records 5 s.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { BenchResult, BenchSuite } from '../harness.js';
import { percentile } from '../harness.js';
import { ScriptedFeed } from '../../src/service/feeds/scripted.js';
import { createLogger, startService } from '../../src/service/server.js';
import { deskHoldings, deskPositions } from '../deskFixtures.js';
import { loadMarketSnapshot, moveMarket, type MarketSnapshot } from '../../adapters/index.js';

export const POSITIONS = 100;
export const TICKS_PER_SEC = 100;
export const MEASURE_MS = 5_000;
export const WARMUP_MS = 2_000;

export const positions = () => deskPositions(POSITIONS, 'bench');
export const holdings = () => deskHoldings(POSITIONS, 'bench');

/**
 * Runs in a worker thread (CommonJS eval): opens the clients, subscribes, records latencies until told to stop.
 * With `urls` (several instances), the clients are split into as many consecutive blocks, one per URL.
 */
export const clientWorker = `
const { parentPort, workerData } = require('node:worker_threads');
const WebSocket = require(workerData.wsPath);
const { key, ids, clients } = workerData;
const urls = workerData.urls || [workerData.url];
const latencies = [];
let recording = false;
let received = 0;
let open = 0;
const sockets = [];
for (let i = 0; i < clients; i++) {
  const url = urls[Math.floor((i * urls.length) / clients)];
  const ws = new WebSocket(url, { headers: { authorization: 'Bearer ' + key }, perMessageDeflate: false });
  sockets.push(ws);
  ws.on('open', () => {
    ws.send(JSON.stringify({ type: 'subscribe', positionIds: [ids[i % ids.length]] }));
    if (++open === clients) parentPort.postMessage({ type: 'open' });
  });
  ws.on('message', (data) => {
    const now = performance.timeOrigin + performance.now();
    if (!recording) return;
    const text = data.toString();
    const at = text.indexOf('"tickAtMs":');
    if (at < 0) return;
    const tickAt = parseFloat(text.slice(at + 11, at + 40));
    latencies.push(now - tickAt);
    received++;
  });
  ws.on('error', (e) => parentPort.postMessage({ type: 'error', message: String(e) }));
}
parentPort.on('message', (m) => {
  if (m === 'record') recording = true;
  if (m === 'stop') {
    recording = false;
    parentPort.postMessage({ type: 'done', latencies, received });
    for (const ws of sockets) ws.close(1000);
    setTimeout(() => process.exit(0), 200);
  }
});
`;

/** The two market states the scripted path alternates between (see `tickToPush`). */
export function tickStates(market: MarketSnapshot): MarketSnapshot[] {
  return [1.0003, 1].map((f) =>
    moveMarket(market, { priceFactor: f, asOfMs: market.source.dataTimeMs, label: market.source.label }),
  );
}

export type ClientMessage = { type: string; latencies?: number[]; received?: number; message?: string };

/** Starts the client worker on `urls` (see `clientWorker`) and resolves once every client is open. */
export async function openClients(
  urls: string[],
  key: string,
  ids: string[],
  clients: number,
): Promise<{ worker: Worker; waitFor: (type: string) => Promise<ClientMessage> }> {
  const worker = new Worker(clientWorker, {
    eval: true,
    workerData: { wsPath: createRequire(import.meta.url).resolve('ws'), urls, key, ids, clients },
  });
  const messages: ClientMessage[] = [];
  const waitFor = (type: string) =>
    new Promise<ClientMessage>((resolve, reject) => {
      const check = () => {
        const found = messages.find((m) => m.type === type);
        if (found) return resolve(found);
        const error = messages.find((m) => m.type === 'error');
        if (error) return reject(new Error(error.message));
        setTimeout(check, 10);
      };
      check();
    });
  worker.on('message', (m: ClientMessage) => messages.push(m));
  await waitFor('open');
  return { worker, waitFor };
}

/** The latency figures of one recording window: p50/p99, messages, the share of the expected pushes, the max. */
export function latencyFigures(latencies: number[], clients: number, elapsedSec: number) {
  const expected = clients * TICKS_PER_SEC * (MEASURE_MS / 1000);
  return {
    opsPerSec: latencies.length / elapsedSec,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    messages: latencies.length,
    deliveredShare: Number((latencies.length / expected).toFixed(3)),
    maxMs: Number(latencies.reduce((a, b) => (b > a ? b : a), -Infinity).toFixed(2)),
  };
}

export async function tickToPush(clients: number): Promise<BenchResult> {
  // The built-in Deribit chain (878 options, real values), moved as a whole on every tick.
  const market = await loadMarketSnapshot({ venue: 'deribit', underlying: 'BTC', source: { kind: 'builtin' } });
  const feed = new ScriptedFeed(market);
  const handle = await startService({
    dbPath: ':memory:',
    feeds: [feed],
    logger: createLogger('silent'),
    seedPositions: positions(),
    seedHoldings: holdings(),
    maxWsClients: clients + 10,
    ...(process.env.ILHEDGE_BENCH_NO_SUGGESTIONS ? { suggestions: false } : {}),
  });
  // The first option suggestions (one ticket MIP per position, off the tick) are start-up work: wait them out.
  await handle.context.desk.idle();
  const key = (await handle.store.createApiKey('viewer', 'bench')).key;
  const ids = (await handle.store.listPositions()).map((p) => p.id);
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const heapBefore = process.memoryUsage().heapUsed;

  const { worker, waitFor } = await openClients([handle.url.replace('http', 'ws') + '/ws'], key, ids, clients);
  // Let the subscriptions land before counting heap per client.
  await new Promise((r) => setTimeout(r, 300));
  gc?.();
  const heapPerClient = (process.memoryUsage().heapUsed - heapBefore) / clients;

  await feed.start();
  let tick = 0;
  // Small moves up and down around the entry price (the hedge maths does not care which way). push runs the whole
  // server side synchronously (net book of every position, serialisation, every socket write): its duration is the
  // service's own CPU per tick, the part of the latency that does not depend on the clients.
  const tickCpuMs: number[] = [];
  // The two market states the path alternates between, moved once up front (moveMarket reprices all 878 options,
  // ~1 ms: the feed's work, measured apart in RESULTS.md): every tick is still a new state for the engine to value.
  const states = tickStates(market);
  const timer = setInterval(() => {
    const t0 = performance.now();
    feed.push(states[tick++ % 2]);
    tickCpuMs.push(performance.now() - t0);
  }, 1000 / TICKS_PER_SEC);
  await new Promise((r) => setTimeout(r, WARMUP_MS));
  worker.postMessage('record');
  const started = performance.now();
  await new Promise((r) => setTimeout(r, MEASURE_MS));
  worker.postMessage('stop');
  const done = await waitFor('done');
  const elapsedSec = (performance.now() - started) / 1000;
  clearInterval(timer);
  await handle.close();
  await worker.terminate().catch(() => undefined);

  const latencies = done.latencies ?? [];
  if (latencies.length === 0) throw new Error(`service.tickToPush.${clients}: no messages received`);
  const { opsPerSec, p50Ms, p99Ms, messages, deliveredShare, maxMs } = latencyFigures(latencies, clients, elapsedSec);
  return {
    name: `service.tickToPush.${clients}`,
    opsPerSec,
    p50Ms,
    p99Ms,
    extra: {
      clients,
      positions: POSITIONS,
      ticksPerSec: TICKS_PER_SEC,
      messages,
      deliveredShare,
      maxMs,
      serverTickP50Ms: Number(percentile(tickCpuMs, 50).toFixed(3)),
      serverTickP99Ms: Number(percentile(tickCpuMs, 99).toFixed(3)),
      serverHeapBytesPerClient: Math.round(heapPerClient),
    },
  };
}

/**
 * Peer: raw `ws` fan-out on the same machine in the same run (a WebSocketServer that sends one pre-built
 * ~600-byte text message per client per tick, no auth, no hedge maths, no conflation): the floor the service's
 * tick-to-push is compared with.
 */
export async function rawFanout(clients: number): Promise<BenchResult> {
  const { WebSocketServer } = await import('ws');
  const { createServer } = await import('node:http');
  const server = createServer();
  const wss = new WebSocketServer({ server, perMessageDeflate: false });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const worker = new Worker(clientWorker, {
    eval: true,
    workerData: {
      wsPath: createRequire(import.meta.url).resolve('ws'),
      url: `ws://127.0.0.1:${port}/`,
      key: 'none',
      ids: ['raw'],
      clients,
    },
  });
  const messages: { type: string; latencies?: number[]; message?: string }[] = [];
  worker.on('message', (m) => messages.push(m));
  const waitFor = async (type: string) => {
    for (;;) {
      const found = messages.find((m) => m.type === type);
      if (found) return found;
      const error = messages.find((m) => m.type === 'error');
      if (error) throw new Error(error.message);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  await waitFor('open');
  const padding = 'x'.repeat(560);
  const timer = setInterval(() => {
    const message = `{"type":"hedge","tickAtMs":${performance.timeOrigin + performance.now()},"pad":"${padding}"}`;
    const frame = Buffer.from(message);
    for (const ws of wss.clients) ws.send(frame, { binary: false });
  }, 1000 / TICKS_PER_SEC);
  await new Promise((r) => setTimeout(r, WARMUP_MS));
  worker.postMessage('record');
  const started = performance.now();
  await new Promise((r) => setTimeout(r, MEASURE_MS));
  worker.postMessage('stop');
  const done = await waitFor('done');
  const elapsedSec = (performance.now() - started) / 1000;
  clearInterval(timer);
  await worker.terminate().catch(() => undefined);
  for (const ws of wss.clients) ws.terminate();
  await new Promise<void>((resolve) => wss.close(() => resolve()));
  await new Promise<void>((resolve) => server.close(() => resolve()));
  const latencies = done.latencies ?? [];
  if (latencies.length === 0) throw new Error('peer.ws.rawFanout: no messages received');
  return {
    name: `peer.ws.rawFanout.${clients}`,
    opsPerSec: latencies.length / elapsedSec,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    extra: { clients, ticksPerSec: TICKS_PER_SEC, messages: latencies.length },
  };
}

/** Pairs each service result with the raw fan-out peer of the same client count (p99 ratio: peer / service). */
function withPeer(service: BenchResult, peer: BenchResult): BenchResult[] {
  return [service, { ...peer, ratioTo: { name: service.name, ratio: (peer.p99Ms ?? 0) / (service.p99Ms ?? 1) } }];
}

export const serviceSuite: BenchSuite = {
  name: 'service',
  async run(): Promise<BenchResult[]> {
    const only = process.env.ILHEDGE_BENCH_SERVICE_CLIENTS;
    const counts = only ? [Number(only)] : [100, 1000];
    const results: BenchResult[] = [];
    for (const clients of counts) results.push(...withPeer(await tickToPush(clients), await rawFanout(clients)));
    return results;
  },
};
