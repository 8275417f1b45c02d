/**
 * The soak's load generator, run as a child process of the harness (`soak.ts`) so that its 1000 sockets, its
 * parsing and its timers neither starve the service's event loop nor count in the service's memory and descriptors.
 * Four kinds of client, each an `OrderChecker` of its own across its reconnections:
 *
 * - steady: one position, reads everything; their tick-to-push is the figure the soak reports;
 * - slow: `slowSubscriptions` positions and the book, stops reading (`ws.pause()`, so the kernel buffers fill and
 *   the service's conflation starts) for `slowPauseMs`, reads for `slowReadMs`, over and over;
 * - reconnecting: one position, closes (half cleanly, half by dropping the socket) after a random lifetime and
 *   comes back a moment later;
 * - garbage: one position, then garbage (`GARBAGE_KINDS`), which the service must answer by closing; a bad key is
 *   one of the kinds. Comes back a moment later with the next kind.
 *
 * Imports only `ws`, Node and the soak's own `order.ts` and `histogram.ts` (from source, `soak.ts` transpiles
 * exactly those three files to run it).
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import WebSocket from 'ws';
import { LatencyHistogram } from './histogram.js';
import { OrderChecker, emptyOrderStats, parseHedgeHead } from './order.js';
import type {
  ClientConfig,
  ClientFinal,
  ClientKind,
  ClientWindow,
  FromClients,
  GarbageKind,
  ToClients,
} from './protocol.js';

const KINDS: readonly ClientKind[] = ['steady', 'slow', 'reconnecting', 'garbage'];
const GARBAGE: readonly GarbageKind[] = [
  'not-json',
  'binary',
  'bad-schema',
  'unknown-type',
  'too-many-ids',
  'oversize',
  'bad-key',
];
const GARBAGE_CLOSE_TIMEOUT_MS = 5_000;
/** Steady and slow clients the service closes come back after this long (the close is counted). */
const RETURN_AFTER_MS = 1_000;

function nowPrecise(): number {
  return performance.timeOrigin + performance.now();
}

function send(message: FromClients, then?: () => void): void {
  if (!process.send) throw new Error('clients.ts must run as a child process with an IPC channel');
  process.send(message, undefined, undefined, then ? () => then() : undefined);
}

/** mulberry32: a small seeded generator, so a soak's client schedule can be repeated. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function byKind<T>(make: (kind: ClientKind) => T): Record<ClientKind, T> {
  return { steady: make('steady'), slow: make('slow'), reconnecting: make('reconnecting'), garbage: make('garbage') };
}

class Load {
  readonly random: () => number;
  stopping = false;
  measureStart = Infinity;
  windowMs = 60_000;
  windowIndex = 0;
  readonly histograms = byKind(() => new LatencyHistogram());
  windowMessages = byKind(() => 0);
  windowConnects = 0;
  readonly order = byKind(() => emptyOrderStats());
  readonly connects = byKind(() => 0);
  readonly closeCodes = byKind((): Record<string, number> => ({}));
  readonly garbageSent = Object.fromEntries(GARBAGE.map((k) => [k, 0])) as Record<GarbageKind, number>;
  readonly garbageOutcomes = new Map<string, number>();
  garbageNotRefused = 0;
  readonly upgradeRejections: Record<string, number> = {};
  errors = 0;
  readonly errorExamples: string[] = [];
  slowPauses = 0;
  readonly clients: SoakClient[] = [];
  readonly loopDelay = monitorEventLoopDelay({ resolution: 10 });

  constructor(readonly config: ClientConfig) {
    this.random = rng(config.seed);
    this.loopDelay.enable();
  }

  between([lo, hi]: [number, number]): number {
    return lo + (hi - lo) * this.random();
  }

  error(message: string): void {
    this.errors++;
    if (this.errorExamples.length < 5) this.errorExamples.push(message);
  }

  /** Closes the window in progress if `now` is past it (and any empty ones after it). */
  roll(now: number): void {
    while (now >= this.measureStart + (this.windowIndex + 1) * this.windowMs) this.flushWindow();
  }

  flushWindow(): void {
    const window: ClientWindow = {
      index: this.windowIndex,
      latency: byKind((kind) => this.histograms[kind].summary()),
      counts: { messages: { ...this.windowMessages }, connects: this.windowConnects },
      loopDelayP99Ms: this.loopDelay.percentile(99) / 1e6,
    };
    send({ type: 'window', window });
    for (const kind of KINDS) this.histograms[kind].reset();
    this.windowMessages = byKind(() => 0);
    this.windowConnects = 0;
    this.loopDelay.reset();
    this.windowIndex++;
  }

  final(): ClientFinal {
    const openAtStop = byKind(() => 0);
    for (const client of this.clients) if (client.isOpen()) openAtStop[client.kind]++;
    return {
      order: this.order,
      connects: this.connects,
      closeCodes: this.closeCodes,
      garbageSent: this.garbageSent,
      garbageOutcomes: [...this.garbageOutcomes].map(([key, count]) => {
        const [kind, outcome] = key.split('|') as [GarbageKind, string];
        return { kind, outcome, count };
      }),
      garbageNotRefused: this.garbageNotRefused,
      upgradeRejections: this.upgradeRejections,
      errors: this.errors,
      errorExamples: this.errorExamples,
      slowPauses: this.slowPauses,
      openAtStop,
    };
  }
}

class SoakClient {
  private ws: WebSocket | null = null;
  private readonly checker: OrderChecker;
  private readonly timers = new Set<NodeJS.Timeout>();
  /** Keys whose next message is the state sent on subscribing (not a tick: no latency for it). */
  private readonly snapshotPending = new Set<string>();
  private attempt = 0;
  private garbage: GarbageKind | null = null;
  private garbageRecorded = false;
  /** This connection has sent its garbage (errors after it are the expected outcome, not failures). */
  private sentGarbage = false;
  settled = false;

  constructor(
    private readonly load: Load,
    readonly id: number,
    readonly kind: ClientKind,
    private readonly keys: string[],
    private readonly book: boolean,
    private readonly onSettled: () => void,
  ) {
    this.checker = new OrderChecker(id, load.order[kind]);
  }

  isOpen(): boolean {
    return this.ws?.readyState === WebSocket.OPEN;
  }

  private later(ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, ms);
    this.timers.add(timer);
  }

  private settle(): void {
    if (this.settled) return;
    this.settled = true;
    this.onSettled();
  }

  connect(): void {
    if (this.load.stopping) return;
    const load = this.load;
    const { url, key } = load.config;
    this.garbage = this.kind === 'garbage' ? GARBAGE[(this.id + this.attempt) % GARBAGE.length]! : null;
    this.garbageRecorded = false;
    this.sentGarbage = false;
    this.attempt++;
    const badKey = this.garbage === 'bad-key';
    const ws = new WebSocket(url, {
      headers: { authorization: `Bearer ${badKey ? 'ilh_not-a-key' : key}` },
      perMessageDeflate: false,
    });
    this.ws = ws;
    this.checker.newConnection();
    this.snapshotPending.clear();
    ws.on('open', () => {
      if (badKey) {
        load.garbageNotRefused++;
        this.recordGarbage('open (bad key accepted)');
        ws.terminate();
        return;
      }
      load.connects[this.kind]++;
      load.windowConnects++;
      for (const k of this.keys) this.snapshotPending.add(k);
      ws.send(JSON.stringify({ type: 'subscribe', positionIds: this.keys, ...(this.book ? { book: true } : {}) }));
      this.settle();
      if (this.kind === 'slow') this.later(load.config.slowReadMs, () => this.pause(ws));
      if (this.kind === 'reconnecting') this.later(load.between(load.config.reconnectLifetimeMs), () => this.leave(ws));
      if (this.kind === 'garbage') this.later(load.between(load.config.garbageAfterMs), () => this.sendGarbage(ws));
    });
    ws.on('message', (data) => this.onMessage(data as Buffer));
    ws.on('error', (error) => {
      const message = String(error.message ?? error);
      const status = /Unexpected server response: (\d+)/.exec(message)?.[1];
      if (badKey && status !== undefined) return this.recordGarbage(`http ${status}`);
      if (this.sentGarbage) return;
      if (status !== undefined) load.upgradeRejections[status] = (load.upgradeRejections[status] ?? 0) + 1;
      else if (!load.stopping) load.error(`${this.kind}: ${message}`);
    });
    ws.on('close', (code) => {
      if (this.ws === ws) this.ws = null;
      for (const timer of this.timers) clearTimeout(timer);
      this.timers.clear();
      this.settle();
      if (load.stopping) return;
      const codes = load.closeCodes[this.kind];
      codes[String(code)] = (codes[String(code)] ?? 0) + 1;
      if (this.sentGarbage) this.recordGarbage(`close ${code}`);
      const back =
        this.kind === 'reconnecting'
          ? load.between([100, 500])
          : this.kind === 'garbage'
            ? load.between([500, 1500])
            : RETURN_AFTER_MS;
      this.later(back, () => this.connect());
    });
  }

  private recordGarbage(outcome: string): void {
    if (this.garbage === null || this.garbageRecorded) return;
    this.garbageRecorded = true;
    if (this.garbage === 'bad-key') this.load.garbageSent['bad-key']++;
    const key = `${this.garbage}|${outcome}`;
    this.load.garbageOutcomes.set(key, (this.load.garbageOutcomes.get(key) ?? 0) + 1);
  }

  private onMessage(data: Buffer): void {
    const load = this.load;
    const now = nowPrecise();
    const text = data.toString('utf8');
    const head = parseHedgeHead(text);
    if (head === null) {
      if (text.startsWith('{"type":"hedge"')) this.checker.malformed();
      return;
    }
    this.checker.observe(head.key, head.seq);
    if (this.snapshotPending.delete(head.key)) return;
    if (now < load.measureStart) return;
    load.roll(now);
    load.windowMessages[this.kind]++;
    if (head.tickAtMs !== null) load.histograms[this.kind].add(now - head.tickAtMs);
  }

  private pause(ws: WebSocket): void {
    if (ws.readyState !== WebSocket.OPEN) return;
    ws.pause();
    this.load.slowPauses++;
    this.later(this.load.config.slowPauseMs, () => {
      if (ws.readyState !== WebSocket.OPEN) return;
      ws.resume();
      this.later(this.load.config.slowReadMs, () => this.pause(ws));
    });
  }

  private leave(ws: WebSocket): void {
    if (ws.readyState !== WebSocket.OPEN) return;
    if (this.load.random() < 0.5) ws.close(1000, 'soak: reconnecting');
    else ws.terminate();
  }

  private sendGarbage(ws: WebSocket): void {
    const kind = this.garbage;
    if (kind === null || kind === 'bad-key' || ws.readyState !== WebSocket.OPEN) return;
    this.load.garbageSent[kind]++;
    this.sentGarbage = true;
    switch (kind) {
      case 'not-json':
        ws.send('{"type":"subscribe", this is not json');
        break;
      case 'binary':
        ws.send(Buffer.from([0xde, 0xad, 0xbe, 0xef]), { binary: true });
        break;
      case 'bad-schema':
        ws.send(JSON.stringify({ type: 'subscribe', positionIds: [42] }));
        break;
      case 'unknown-type':
        ws.send(JSON.stringify({ type: 'transfer', to: 'elsewhere' }));
        break;
      case 'too-many-ids':
        ws.send(JSON.stringify({ type: 'subscribe', positionIds: Array.from({ length: 1001 }, (_, i) => `p${i}`) }));
        break;
      case 'oversize':
        ws.send(JSON.stringify({ type: 'ping', pad: 'x'.repeat(70 * 1024) }));
        break;
    }
    this.later(GARBAGE_CLOSE_TIMEOUT_MS, () => {
      if (ws.readyState === WebSocket.CLOSED) return;
      this.load.garbageNotRefused++;
      this.recordGarbage('still open after 5 s');
      ws.terminate();
    });
  }

  stop(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    const ws = this.ws;
    if (!ws || ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      ws.once('close', () => resolve());
      if (ws.readyState === WebSocket.OPEN) {
        if (ws.isPaused) ws.resume();
        ws.close(1000, 'soak: done');
      } else ws.terminate();
    });
  }
}

/** Kinds in an even interleave (so the mix is the same while the clients ramp up). */
function schedule(counts: Record<ClientKind, number>): ClientKind[] {
  const total = KINDS.reduce((s, k) => s + counts[k], 0);
  const out: ClientKind[] = [];
  const given = byKind(() => 0);
  for (let i = 0; i < total; i++) {
    let best: ClientKind = 'steady';
    let bestDeficit = -Infinity;
    for (const kind of KINDS) {
      if (given[kind] >= counts[kind]) continue;
      const deficit = ((i + 1) * counts[kind]) / total - given[kind];
      if (deficit > bestDeficit) {
        bestDeficit = deficit;
        best = kind;
      }
    }
    given[best]++;
    out.push(best);
  }
  return out;
}

function start(config: ClientConfig): Load {
  const load = new Load(config);
  const ids = config.positionIds;
  const kinds = schedule(config.counts);
  const startedAt = performance.now();
  let settled = 0;
  const onSettled = () => {
    if (++settled === kinds.length) send({ type: 'ready', open: settled, elapsedMs: performance.now() - startedAt });
  };
  let slowSeen = 0;
  kinds.forEach((kind, i) => {
    let keys: string[];
    if (kind === 'slow') {
      const from = (slowSeen++ * config.slowSubscriptions) % ids.length;
      keys = Array.from(
        { length: Math.min(config.slowSubscriptions, ids.length) },
        (_, j) => ids[(from + j) % ids.length]!,
      );
    } else {
      keys = [ids[i % ids.length]!];
    }
    load.clients.push(new SoakClient(load, i, kind, keys, kind === 'slow', onSettled));
  });
  // Ramp: `rampPerSec` new connections a second, in batches every 10 ms.
  let next = 0;
  const perBatch = Math.max(1, Math.round(config.rampPerSec / 100));
  const ramp = setInterval(() => {
    for (let n = 0; n < perBatch && next < load.clients.length; n++) load.clients[next++]!.connect();
    if (next >= load.clients.length) clearInterval(ramp);
  }, 10);
  return load;
}

let load: Load | null = null;

process.on('message', (message: ToClients) => {
  switch (message.type) {
    case 'config':
      load = start(message.config);
      break;
    case 'measure':
      if (!load) return;
      load.measureStart = message.startAtMs;
      load.windowMs = message.windowMs;
      load.windowIndex = 0;
      for (const kind of KINDS) load.histograms[kind].reset();
      load.loopDelay.reset();
      setInterval(() => load?.roll(nowPrecise()), 250).unref();
      break;
    case 'clock':
      send({ type: 'clock', id: message.id, nowMs: nowPrecise() });
      break;
    case 'stop': {
      const current = load;
      if (!current) return process.exit(0);
      current.roll(nowPrecise());
      // The window in progress when the harness stops is the last one (the harness stops at its end).
      if (current.measureStart !== Infinity) current.flushWindow();
      current.stopping = true;
      const final = current.final();
      const closing = Promise.all(current.clients.map((c) => c.stop()));
      void Promise.race([closing, new Promise((r) => setTimeout(r, 3_000))]).then(() =>
        send({ type: 'final', final }, () => process.exit(0)),
      );
      break;
    }
  }
});

process.on('disconnect', () => process.exit(0));
process.on('uncaughtException', (error) => {
  send({ type: 'fatal', message: String(error.stack ?? error) }, () => process.exit(1));
});
