/**
 * Desk service on the live feed path: tick-to-push from the venue's frame to the hedge message, through everything a
 * live desk runs (issue 10): a loopback Deribit (`adapters/live/loopbackVenue.ts`, the built-in recording's REST
 * answers and Deribit's websocket protocol) -> ccxt pro -> `LiveMarketFeed` (quote bookkeeping, the 100 ms emit
 * window) -> the engine -> the websocket hedge stream -> 100 clients, each subscribed to one position (the 100
 * positions and holdings of `service.tickToPush`).
 *
 * The venue runs in a worker thread of its own (a venue is another machine: its frame building is not the service's
 * CPU), and so do the clients (as in `service.tickToPush`), so the main thread is the service alone. The venue sends
 * one ticker frame every 10 ms, 100 frames a second in total, spread evenly as a venue's stream of ~300 tickers is:
 * every 10th is the perpetual's with a new index (a round: 10 a second, Deribit's `ticker.<instrument>.100ms`
 * cadence), the 9 in between the other subscribed instruments in turn (futures and options) at the round's index
 * (every frame carries `index_price`). Spread, not in bursts: a burst of a round's frames every 100 ms phase-locks
 * with the feed's 100 ms emit window and hides the wait for it, which a real venue's continuous stream does not.
 * Every frame is the built-in chain moved by its round's factor (`moveMarket`: index, perp, futures and forwards
 * by one factor, option marks repriced from their IVs), as the live tests do; with ~300 instruments subscribed each
 * is refreshed every ~3.3 s, inside the live feed's default 5 s quote age (half of the default `maxAgeMs`), so
 * every quote stays usable for hedging.
 *
 * Latency is measured end to end on the wall clock (`performance.timeOrigin + performance.now()`, one clock for
 * every thread of the process): the venue notes when it sends each round's perp frame, keyed by the round's index
 * (unique: the factor moves by 1e-6 every round beside the service bench's +-0.03% alternation); a client notes
 * when a hedge message arrives whose price differs from the previous one on its socket, i.e. the first message that
 * reflects a new round. `tickAtMs` is no use for that: it is the feed's emission time on the feed's clock (the
 * service runs on the recording's day), so it only splits the latency into venue -> feed emission (ccxt, the
 * feed's bookkeeping and its emit window) and emission -> client (the part `service.tickToPush` measures).
 */
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import WebSocket from 'ws';
import type { Quote } from '../../adapters/index.js';
import { MS_PER_SECOND } from '../../pricing/time.js';
import type { BenchResult, BenchSuite } from '../harness.js';
import { percentile } from '../harness.js';
import { tickerData } from '../../adapters/live/deribitTickerData.js';
import { deskHoldings, deskPositions } from '../deskFixtures.js';
import { rawFanout } from './service.js';
import { matchPushes, parseHedgePush, type Push, type VenueRound } from './livePushes.js';

export { matchPushes, parseHedgePush, priceKey, type Push, type VenueRound } from './livePushes.js';

const POSITIONS = 100;
const CLIENTS = 100;
/** The venue's frame rate: one ticker frame every 10 ms; every 10th is the perp's, with a new index (a round). */
const FRAMES_PER_SEC = 100;
const FRAME_MS = MS_PER_SECOND / FRAMES_PER_SEC;
const FRAMES_PER_ROUND = 10;
const WARMUP_MS = 3 * MS_PER_SECOND;
const MEASURE_MS = 10 * MS_PER_SECOND;
/** Rounds sent this close to the end of the window may be in flight when it closes: not counted as undelivered. */
const DELIVERY_GRACE_MS = 500;
/** Start-up (ccxt REST load, subscribes, the first suggestions) is allowed this long before the run fails. */
const STARTUP_TIMEOUT_MS = 60 * MS_PER_SECOND;
/** Linux reports thread CPU in USER_HZ ticks, 100 a second on every mainstream build. */
const MS_PER_CLOCK_TICK = MS_PER_SECOND / 100;
/** The peer is `service.tickToPush`'s own (`rawFanout`, bench/suites/service.ts): the same server and clients, no engine. */

const VENUE_ROLE = 'liveFeed.venue';
const CLIENTS_ROLE = 'liveFeed.clients';

function nowWall(): number {
  return performance.timeOrigin + performance.now();
}

function threadId(): number | null {
  try {
    return Number(readlinkSync('/proc/thread-self').split('/').at(-1));
  } catch {
    return null;
  }
}

/** CPU ms (user + system) of every thread of this process, by OS thread id; empty off Linux. */
function threadCpuMs(): Map<number, number> {
  const out = new Map<number, number>();
  let tids: string[];
  try {
    tids = readdirSync('/proc/self/task');
  } catch {
    return out;
  }
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(Number(tid), (Number(fields[11]) + Number(fields[12])) * MS_PER_CLOCK_TICK);
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Worker: the venue.

interface VenueWorkerData {
  role: typeof VENUE_ROLE;
}

async function venueWorker(port: NonNullable<typeof parentPort>): Promise<void> {
  const { builtinRecording, loadMarketSnapshot, moveMarket } = await import('../../adapters/index.js');
  const { deribitTickerFrame, startLoopbackVenue } = await import('../../adapters/live/loopbackVenue.js');
  const chain = await loadMarketSnapshot({ venue: 'deribit', underlying: 'BTC', source: { kind: 'builtin' } });
  // The recording's instruments expire from its next day on: venue, feed and service run on one clock that starts
  // at the recording's time and advances with the wall clock (a recorded day served live, as in the live tests).
  const clockOffsetMs = chain.source.dataTimeMs - nowWall();
  const clock = { kind: 'manual' as const, now: () => nowWall() + clockOffsetMs };
  const venue = await startLoopbackVenue({
    venue: 'deribit',
    http: builtinRecording('deribit', 'BTC').recording.http,
    clock,
  });
  const rounds: VenueRound[] = [];
  /** Wall ms of every frame sent, for the rate actually achieved (timers run late on a loaded machine). */
  const frameSentAtMs: number[] = [];
  /** Venue CPU per frame: the perp's includes moving the whole chain for the new round. */
  const perpFrameCpuMs: number[] = [];
  const otherFrameCpuMs: number[] = [];
  let timer: NodeJS.Timeout | undefined;
  let frame = 0;
  let round = 0;
  let cursor = 0;
  let byId = new Map<string, Quote>();
  let index = 0;
  const sendFrame = () => {
    const t0 = performance.now();
    const perpFrame = frame++ % FRAMES_PER_ROUND === 0;
    let quote: Quote | undefined;
    if (perpFrame) {
      round += 1;
      // The service bench's alternation (+-0.03%, a new state for the engine every time) plus 1e-6 a round, so that
      // every round's index is its own and a hedge message's price names the round it reflects.
      const factor = 1 + 0.0003 * (round % 2) + 1e-6 * round;
      const moved = moveMarket(chain, { priceFactor: factor, asOfMs: clock.now(), label: 'loopback' });
      byId = new Map<string, Quote>();
      for (const c of moved.chains) for (const o of c.options) byId.set(o.instrument.venueId, o);
      for (const f of moved.futures) byId.set(f.instrument.venueId, f);
      const perp = moved.perp;
      const movedIndex = perp?.index ?? moved.index;
      if (!perp || movedIndex === null) throw new Error('loopback venue: the built-in chain has no perpetual index');
      index = movedIndex;
      quote = perp;
    } else {
      // The round's other frames (futures and options in turn) carry the same index: it changes only with the perp.
      const others = [...venue.subscribed()]
        .map((key) => key.slice('ticker.'.length))
        .filter((id) => byId.has(id))
        .sort();
      if (others.length > 0) quote = byId.get(others[cursor++ % others.length]!);
    }
    if (!quote) return;
    const text = deribitTickerFrame(tickerData(quote, clock.now(), index));
    const sentAtMs = nowWall();
    void venue.publish(text);
    frameSentAtMs.push(sentAtMs);
    if (perpFrame) rounds.push({ round, index, sentAtMs });
    (perpFrame ? perpFrameCpuMs : otherFrameCpuMs).push(performance.now() - t0);
  };
  port.on('message', (m: string) => {
    if (m === 'stream') {
      void venue.waitForSubscribed(['ticker.BTC-PERPETUAL'], STARTUP_TIMEOUT_MS).then(() => {
        timer = setInterval(sendFrame, FRAME_MS);
        port.postMessage({ type: 'streaming', subscribed: venue.subscribed().size });
      });
    }
    if (m === 'stop') {
      clearInterval(timer);
      port.postMessage({
        type: 'rounds',
        rounds,
        frameSentAtMs,
        perpFrameCpuMs,
        otherFrameCpuMs,
        subscribed: venue.subscribed().size,
      });
      void venue.close().then(() => process.exit(0));
    }
  });
  port.postMessage({ type: 'ready', restUrl: venue.restUrl, wsUrl: venue.wsUrl, clockOffsetMs, tid: threadId() });
}

// ---------------------------------------------------------------------------------------------------------------
// Worker: the clients.

interface ClientsWorkerData {
  role: typeof CLIENTS_ROLE;
  url: string;
  key: string;
  ids: string[];
  clients: number;
  /** `live`: record the first message of every new price; `peer`: record every message (its tickAtMs is wall). */
  mode: 'live' | 'peer';
}

function clientsWorker(port: NonNullable<typeof parentPort>, data: ClientsWorkerData): void {
  const pushes: Push[] = [];
  let recording = false;
  let hedgeMessages = 0;
  let staleMessages = 0;
  let open = 0;
  const sockets: WebSocket[] = [];
  for (let i = 0; i < data.clients; i++) {
    let lastPrice = NaN;
    const ws = new WebSocket(data.url, { headers: { authorization: 'Bearer ' + data.key }, perMessageDeflate: false });
    sockets.push(ws);
    ws.on('open', () => {
      ws.send(JSON.stringify({ type: 'subscribe', positionIds: [data.ids[i % data.ids.length]] }));
      if (++open === data.clients) port.postMessage({ type: 'open' });
    });
    ws.on('message', (raw: Buffer) => {
      const receivedAtMs = nowWall();
      const push = parseHedgePush(raw.toString());
      if (!push) return;
      if (data.mode === 'peer') {
        if (recording) pushes.push({ client: i, price: NaN, tickAtMs: push.tickAtMs, receivedAtMs });
        return;
      }
      const changed = push.price !== lastPrice;
      lastPrice = push.price;
      if (!recording) return;
      hedgeMessages += 1;
      if (push.stale) staleMessages += 1;
      if (changed && Number.isFinite(push.price)) pushes.push({ client: i, ...push, receivedAtMs });
    });
    ws.on('error', (e) => port.postMessage({ type: 'error', message: String(e) }));
  }
  port.on('message', (m: string) => {
    if (m === 'record') recording = true;
    if (m === 'stop') {
      recording = false;
      port.postMessage({ type: 'done', pushes, hedgeMessages, staleMessages });
      for (const ws of sockets) ws.close(1000);
      setTimeout(() => process.exit(0), 200);
    }
  });
  port.postMessage({ type: 'tid', tid: threadId() });
}

const role = (workerData as { role?: unknown } | null)?.role;
if (!isMainThread && parentPort && role === VENUE_ROLE) void venueWorker(parentPort);
if (!isMainThread && parentPort && role === CLIENTS_ROLE) clientsWorker(parentPort, workerData as ClientsWorkerData);

// ---------------------------------------------------------------------------------------------------------------
// Main thread: the service, the runs.

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type WorkerMessage = { type: string; message?: string } & Record<string, any>;

/** A worker running one of this file's roles, with its messages kept for `waitFor`. */
function startWorker(data: VenueWorkerData | ClientsWorkerData) {
  const worker = new Worker(new URL(import.meta.url), { workerData: data });
  const messages: WorkerMessage[] = [];
  worker.on('message', (m: WorkerMessage) => messages.push(m));
  worker.on('error', (e) => messages.push({ type: 'error', message: String(e) }));
  const waitFor = async (type: string, timeoutMs = STARTUP_TIMEOUT_MS): Promise<WorkerMessage> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = messages.find((m) => m.type === type);
      if (found) return found;
      const error = messages.find((m) => m.type === 'error');
      if (error) throw new Error(`${data.role}: ${error.message}`);
      if (Date.now() > deadline) throw new Error(`${data.role}: no '${type}' after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  return { worker, waitFor };
}

/** `service.tickToPush`'s positions: v3 ranges and v2s around the built-in chain's price. */
const positions = () => deskPositions(POSITIONS, 'bench');
const holdings = () => deskHoldings(POSITIONS, 'bench');

async function until(what: string, fn: () => boolean): Promise<void> {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (!fn()) {
    if (Date.now() > deadline) throw new Error(`service.liveTickToPush: timeout waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const round3 = (v: number) => Number(v.toFixed(3));

async function liveTickToPush(clients: number): Promise<BenchResult> {
  const { createLogger, startService } = await import('../../src/service/server.js');
  const { LiveMarketFeed } = await import('../../src/service/feeds/live.js');
  const { resolvePolicy } = await import('../../hedging/index.js');

  const venue = startWorker({ role: VENUE_ROLE });
  const ready = await venue.waitFor('ready');
  const clockOffsetMs = ready.clockOffsetMs as number;
  const now = () => nowWall() + clockOffsetMs;
  // The live feed as `ilhedge serve --source live` builds it with no desk config (run.ts): the default policy
  // decides the subscribed options; every timing is the service's default (emit window 100 ms, max age 10 s).
  const feed = new LiveMarketFeed({
    venue: 'deribit',
    underlying: 'BTC',
    policies: [resolvePolicy({})],
    endpoints: { restUrl: ready.restUrl as string, wsUrl: ready.wsUrl as string },
    now,
  });
  const handle = await startService({
    dbPath: ':memory:',
    feeds: [feed],
    logger: createLogger('silent'),
    seedPositions: positions(),
    seedHoldings: holdings(),
    maxWsClients: clients + 10,
    now,
    ...(process.env.ILHEDGE_BENCH_NO_SUGGESTIONS ? { suggestions: false } : {}),
  });
  const clientsWorkerRef: { current?: ReturnType<typeof startWorker> } = {};
  try {
    // The REST start-up chain counts as accepted quotes too: frames are what is waited for.
    const acceptedAtStart = feed.stats.accepted;
    venue.worker.postMessage('stream');
    const streaming = await venue.waitFor('streaming');
    // Hedged on the stream's frames, not on the REST start-up state: the first position fresh and connected.
    await until('a fresh hedge state on the live stream', () => {
      const s = handle.hub.state('bench-1');
      return (
        feed.connected() && s !== undefined && !s.stale && feed.stats.accepted > acceptedAtStart + FRAMES_PER_ROUND
      );
    });
    await handle.context.desk.idle();
    const key = (await handle.store.createApiKey('viewer', 'bench')).key;
    const ids = (await handle.store.listPositions()).map((p) => p.id);
    const client = startWorker({
      role: CLIENTS_ROLE,
      url: handle.url.replace('http', 'ws') + '/ws',
      key,
      ids,
      clients,
      mode: 'live',
    });
    clientsWorkerRef.current = client;
    await client.waitFor('open');
    const clientTid = (await client.waitFor('tid')).tid as number | null;
    await new Promise((r) => setTimeout(r, WARMUP_MS));

    const benchTids = new Set([ready.tid as number | null, clientTid].filter((t): t is number => t !== null));
    const cpuBefore = threadCpuMs();
    const emittedBefore = feed.stats.emitted;
    const acceptedBefore = feed.stats.accepted;
    client.worker.postMessage('record');
    const fromMs = nowWall();
    const started = performance.now();
    await new Promise((r) => setTimeout(r, MEASURE_MS));
    client.worker.postMessage('stop');
    const toMs = nowWall();
    const elapsedMs = performance.now() - started;
    const cpuAfter = threadCpuMs();
    const emitted = feed.stats.emitted - emittedBefore;
    const accepted = feed.stats.accepted - acceptedBefore;
    const done = await client.waitFor('done');
    venue.worker.postMessage('stop');
    const sent = await venue.waitFor('rounds');

    let serverCpuMs = 0;
    for (const [tid, ms] of cpuAfter) if (!benchTids.has(tid)) serverCpuMs += ms - (cpuBefore.get(tid) ?? 0);
    const mainCpuMs = (cpuAfter.get(process.pid) ?? 0) - (cpuBefore.get(process.pid) ?? 0);
    const matched = matchPushes(done.pushes as Push[], sent.rounds as VenueRound[], {
      clients,
      clockOffsetMs,
      fromMs,
      toMs,
      graceMs: DELIVERY_GRACE_MS,
    });
    if (matched.latencies.length === 0) throw new Error('service.liveTickToPush: no hedge message matched a round');
    const roundsInWindow = (sent.rounds as VenueRound[]).filter((r) => r.sentAtMs >= fromMs && r.sentAtMs <= toMs);
    const framesInWindow = (sent.frameSentAtMs as number[]).filter((t) => t >= fromMs && t <= toMs).length;
    const hasCpu = cpuAfter.size > 0;
    return {
      name: `service.liveTickToPush.${clients}`,
      opsPerSec: matched.latencies.length / (elapsedMs / MS_PER_SECOND),
      p50Ms: percentile(matched.latencies, 50),
      p99Ms: percentile(matched.latencies, 99),
      extra: {
        clients,
        positions: POSITIONS,
        subscribed: streaming.subscribed as number,
        framesPerSec: round3(framesInWindow / (elapsedMs / MS_PER_SECOND)),
        roundsPerSec: round3(roundsInWindow.length / (elapsedMs / MS_PER_SECOND)),
        feedEmitsPerSec: round3(emitted / (elapsedMs / MS_PER_SECOND)),
        quotesAcceptedPerSec: round3(accepted / (elapsedMs / MS_PER_SECOND)),
        messages: matched.latencies.length,
        hedgeMessages: done.hedgeMessages as number,
        staleMessages: done.staleMessages as number,
        unmatched: matched.unmatched,
        deliveredShare: round3(matched.delivered / Math.max(1, matched.expected)),
        maxMs: round3(matched.latencies.reduce((a, b) => (b > a ? b : a), -Infinity)),
        // The spread of the wait for the feed's emit window (uniform over 0-100 ms if nothing else delayed a frame).
        venueToEmitP10Ms: round3(percentile(matched.venueToEmit, 10)),
        venueToEmitP50Ms: round3(percentile(matched.venueToEmit, 50)),
        venueToEmitP90Ms: round3(percentile(matched.venueToEmit, 90)),
        venueToEmitP99Ms: round3(percentile(matched.venueToEmit, 99)),
        emitToClientP50Ms: round3(percentile(matched.emitToClient, 50)),
        emitToClientP99Ms: round3(percentile(matched.emitToClient, 99)),
        venuePerpFrameCpuP50Ms: round3(percentile(sent.perpFrameCpuMs as number[], 50)),
        venueOtherFrameCpuP50Ms: round3(percentile(sent.otherFrameCpuMs as number[], 50)),
        ...(hasCpu
          ? {
              serverCpuPct: round3((100 * serverCpuMs) / elapsedMs),
              serverMainThreadCpuPct: round3((100 * mainCpuMs) / elapsedMs),
            }
          : {}),
      },
    };
  } finally {
    await handle.close();
    await clientsWorkerRef.current?.worker.terminate().catch(() => undefined);
    await venue.worker.terminate().catch(() => undefined);
  }
}

export const liveFeedSuite: BenchSuite = {
  name: 'liveFeed',
  async run(): Promise<BenchResult[]> {
    const live = await liveTickToPush(CLIENTS);
    const peer = await rawFanout(CLIENTS);
    // As `service.tickToPush` reports it: the peer's p99 over the service's.
    return [live, { ...peer, ratioTo: { name: live.name, ratio: (peer.p99Ms ?? 0) / (live.p99Ms ?? 1) } }];
  },
};
