/**
 * The live stream's state machine on fake time, against a fake ccxt pro exchange whose client has the same
 * surface as ccxt's (`onMessage` / `resolve` / `reject` / `onOpen` / `onClose`): backoff schedule, typed status
 * events, rate-limit cool-down, idle detection, stale sweeps, permanent subscription errors and clean shutdown.
 * (The real ccxt path is exercised end to end over loopback in replayStream.test.ts.)
 */
import ccxt from 'ccxt';
import { describe, expect, it } from 'vitest';
import { TokenBucket } from '../../../adapters/live/rateLimit.js';
import {
  createLiveStream,
  splitSubscriptions,
  type LiveEvent,
  type LiveExchange,
  type LiveStream,
} from '../../../adapters/live/stream.js';
import type { Instrument, PerpQuote, Quote } from '../../../adapters/model.js';
import { FakeTime, settle } from './fakeTime.js';

const URL_WS = 'wss://fake.example/ws';

class FakeClient {
  open = false;
  error: unknown;
  connection = {
    readyState: 1,
    terminate: () => {
      this.ex.terminations += 1;
      this.open = false;
      this.onClose({ code: 1006 });
    },
  };
  constructor(
    readonly url: string,
    private readonly ex: FakeExchange,
  ) {}
  onMessage(event: { data: unknown }): void {
    const msg = JSON.parse(String(event.data)) as { symbol: string };
    this.resolve({ bid: null, ask: null, info: msg, ...msg }, `ticker.${msg.symbol}`);
  }
  resolve(result: unknown, _hash?: string): unknown {
    return result;
  }
  reject(result: unknown): unknown {
    return result;
  }
  onOpen(): void {
    this.open = true;
  }
  onClose(_event: { code?: number }): void {
    this.open = false;
    delete this.ex.clients[this.url];
    this.ex.rejectAll(new ccxt.NetworkError('connection closed by remote server'));
  }
  onError(error: unknown): void {
    this.error = error;
  }
  isOpen(): boolean {
    return this.open;
  }
  close(): void {
    this.connection.terminate();
  }
}

type Watch = { kind: string; resolve: (v: unknown) => void; reject: (e: unknown) => void };

class FakeExchange {
  id = 'deribit';
  options: Record<string, unknown> = {};
  clients: Record<string, FakeClient> = {};
  watches: Watch[] = [];
  watchCalls: { kind: string; atMs: number }[] = [];
  closed = 0;
  terminations = 0;
  /** What the next watch calls do: reject with this error, or connect and wait. */
  failNext: unknown[] = [];
  constructor(private readonly time: FakeTime) {}
  client(url: string): FakeClient {
    return (this.clients[url] ??= new FakeClient(url, this));
  }
  private watch(kind: string): Promise<unknown> {
    this.watchCalls.push({ kind, atMs: this.time.clock.now() });
    const failure = this.failNext.shift();
    if (failure !== undefined) return Promise.reject(failure);
    this.client(URL_WS);
    return new Promise((resolve, reject) => this.watches.push({ kind, resolve, reject }));
  }
  watchTickers(): Promise<unknown> {
    return this.watch('tickers');
  }
  watchTicker(symbol: string): Promise<unknown> {
    return this.watch(`ticker:${symbol}`);
  }
  watchOrderBook(): Promise<unknown> {
    return this.watch('book');
  }
  watchOrderBookForSymbols(): Promise<unknown> {
    return this.watch('books');
  }
  rejectAll(error: unknown): void {
    for (const w of this.watches.splice(0)) w.reject(error);
  }
  async close(): Promise<void> {
    this.closed += 1;
    this.rejectAll(new ccxt.ExchangeClosedByUser('closedByUser'));
  }
  /** The socket opens and a frame arrives (through the tapped client methods). */
  deliver(frame: Record<string, unknown>): void {
    const c = this.client(URL_WS);
    if (!c.open) c.onOpen();
    c.onMessage({ data: JSON.stringify(frame) });
  }
}

function perp(symbol: string): Instrument {
  return {
    venue: 'deribit',
    symbol,
    venueId: symbol,
    base: 'BTC',
    quote: 'USD',
    settle: 'BTC',
    kind: 'perp',
    optionType: null,
    strike: null,
    expiryMs: null,
    expiryIso: null,
    inverse: true,
    linear: false,
    contractSize: null,
    contractValueQuote: 10,
    minAmount: 1,
    amountStep: 1,
    priceTick: 0.5,
    priceTickSteps: [],
    priceCurrency: 'USD',
    venueAmountPerContract: 10,
    takerFee: null,
    makerFee: null,
    active: true,
  };
}

/** A minimal normaliser: mark and timestamp from the frame; throws on a negative mark (a "bad" update). */
function normalise(instrument: Instrument, ticker: unknown): Quote {
  const t = ticker as { mark: number; timestamp: number };
  if (t.mark < 0) throw new Error(`negative mark ${t.mark}`);
  const q: PerpQuote = {
    kind: 'perp',
    instrument,
    bid: null,
    ask: null,
    mark: t.mark,
    index: null,
    bidSizeContracts: null,
    askSizeContracts: null,
    fundingRate: null,
    fundingIntervalMs: null,
    fundingRateAnnualised: null,
    nextFundingTimeMs: null,
    openInterestContracts: null,
    timestampMs: t.timestamp,
  };
  return q;
}

interface Harness {
  time: FakeTime;
  ex: FakeExchange;
  stream: LiveStream;
  events: LiveEvent[];
  done: Promise<void>;
}

function harness(overrides: Partial<Parameters<typeof createLiveStream>[0]> = {}, start = 1_000_000): Harness {
  const time = new FakeTime(start);
  const ex = new FakeExchange(time);
  const stream = createLiveStream({
    exchange: ex as unknown as LiveExchange,
    venue: 'deribit',
    instruments: [perp('BTC/USD:BTC'), perp('ETH/USD:ETH')],
    normalise,
    clock: time.clock,
    scheduler: time,
    backoff: { initialDelayMs: 100, maxDelayMs: 1000, factor: 2, jitter: 0, resetAfterMs: 60_000 },
    bucket: new TokenBucket({ capacity: 10, refillPerSecond: 10, clock: time.clock, scheduler: time }),
    maxAgeMs: 5_000,
    idleTimeoutMs: 20_000,
    staleCheckIntervalMs: 1_000,
    rateLimitCooldownMs: 5_000,
    ...overrides,
  });
  const events: LiveEvent[] = [];
  const done = (async () => {
    for await (const e of stream) events.push(e);
  })();
  return { time, ex, stream, events, done };
}

const statuses = (events: LiveEvent[]) =>
  events.flatMap((e) =>
    e.type === 'status' ? [`${e.status}${e.retryInMs !== undefined ? `:${e.retryInMs}` : ''}`] : [],
  );

describe('live stream (fake exchange, fake time)', () => {
  it('delivers parsed updates with staleness on the given clock and rejects bad ones without dying', async () => {
    const h = harness();
    await h.time.advance(0);
    h.ex.deliver({ symbol: 'BTC/USD:BTC', mark: 30000, timestamp: 1_000_000 });
    h.ex.deliver({ symbol: 'ETH/USD:ETH', mark: 2000, timestamp: 990_000 }); // 10 s old at delivery
    h.ex.deliver({ symbol: 'BTC/USD:BTC', mark: -1, timestamp: 1_000_000 });
    h.ex.deliver({ symbol: 'SOL/USD:SOL', mark: 20, timestamp: 1_000_000 }); // not an instrument: dropped
    await settle();
    const data = h.events.filter((e) => e.type === 'quote' || e.type === 'rejected');
    expect(
      data.map((e) => (e.type === 'quote' ? `${e.symbol} stale=${e.stale} ${e.staleReason ?? ''}` : e.type)),
    ).toEqual(['BTC/USD:BTC stale=false ', 'ETH/USD:ETH stale=true age', 'rejected']);
    expect(h.stream.stats).toMatchObject({ quotes: 2, rejected: 1, unknownSymbols: 1, frames: 4 });
    // BTC ages past 5 s on the clock while the feed stays up: the sweep (every 1 s) raises it once; ETH was
    // delivered stale and said so in its own event.
    await h.time.advance(5_500);
    expect(h.events.filter((e) => e.type === 'stale')).toEqual([]);
    await h.time.advance(1_500);
    const stale = h.events.filter((e) => e.type === 'stale');
    expect(stale).toEqual([
      { type: 'stale', venue: 'deribit', symbols: ['BTC/USD:BTC'], reason: 'age', atMs: 1_006_000 },
    ]);
    await h.stream.close();
    await h.done;
  });

  it('redials with exponential backoff after connection failures and marks the feed stale while down', async () => {
    const h = harness();
    const refused = () => new ccxt.NetworkError('connect ECONNREFUSED 127.0.0.1:1');
    h.ex.failNext.push(refused(), refused(), refused());
    await h.time.advance(0);
    await h.time.advance(100);
    await h.time.advance(200);
    await h.time.advance(400);
    expect(h.ex.watchCalls.map((c) => c.atMs - 1_000_000)).toEqual([0, 100, 300, 700]);
    expect(statuses(h.events)).toEqual([
      'connecting',
      'down:100',
      'connecting',
      'down:200',
      'connecting',
      'down:400',
      'connecting',
    ]);
    const down = h.events.find((e) => e.type === 'status' && e.status === 'down');
    expect(down?.type === 'status' && down.error?.message).toMatch(/deribit.*network error.*ECONNREFUSED/);
    // Now connected: data flows, then the socket drops: a `down`, a stale event naming the quote, a redial.
    h.ex.deliver({ symbol: 'BTC/USD:BTC', mark: 30000, timestamp: 1_000_700 });
    await settle();
    expect(h.stream.staleness.isStale('BTC/USD:BTC')).toBe(false);
    h.ex.client(URL_WS).connection.terminate();
    await settle();
    expect(h.stream.staleness.view('BTC/USD:BTC')).toMatchObject({ stale: true, reason: 'feed-down' });
    expect(h.events.at(-1)).toMatchObject({ type: 'stale', symbols: ['BTC/USD:BTC'], reason: 'feed-down' });
    expect(statuses(h.events).slice(-2)).toEqual(['up', 'down:800']);
    await h.time.advance(800);
    expect(h.ex.watchCalls).toHaveLength(5);
    await h.stream.close();
    await h.done;
    expect(h.ex.closed).toBe(1);
    expect(statuses(h.events).at(-1)).toBe('closed');
  });

  it('on a venue rate-limit error drains the budget and waits the full refill before redialling', async () => {
    // The subscribe budget runs on its own fake time, so its refill can be stepped separately.
    const bt = new FakeTime(0);
    const bucket = new TokenBucket({ capacity: 10, refillPerSecond: 10, clock: bt.clock, scheduler: bt });
    const h = harness({ bucket });
    await h.time.advance(0);
    h.ex.deliver({ symbol: 'BTC/USD:BTC', mark: 30000, timestamp: 1_000_000 });
    h.ex.rejectAll(new ccxt.DDoSProtection('deribit {"code":10028,"message":"too_many_requests"}'));
    await settle();
    expect(statuses(h.events)).toEqual(['connecting', 'up', 'rate-limited:5000']);
    expect(h.ex.terminations).toBe(1); // the session is dropped on our side too
    expect(bucket.available()).toBe(0); // the venue says we ran out: believe it
    await h.time.advance(4_999);
    expect(h.ex.watchCalls).toHaveLength(1);
    await h.time.advance(1);
    expect(h.ex.watchCalls).toHaveLength(1); // cool-down over, but the resubscribe still needs a token
    await bt.advance(100);
    expect(h.ex.watchCalls).toHaveLength(2);
    await h.stream.close();
    await h.done;
  });

  it('reports an error frame on a live socket once, keeps the socket and resubscribes after a backoff', async () => {
    const h = harness();
    await h.time.advance(0);
    h.ex.deliver({ symbol: 'BTC/USD:BTC', mark: 30000, timestamp: 1_000_000 });
    const error = new ccxt.ExchangeError('deribit {"code":-32602,"message":"Invalid params"}');
    h.ex.client(URL_WS).reject(error); // ccxt's own path: handleMessage threw, the client rejects its futures
    h.ex.rejectAll(error);
    await settle();
    expect(statuses(h.events)).toEqual(['connecting', 'up', 'error']);
    expect(h.stream.status).toBe('up');
    expect(h.ex.terminations).toBe(0);
    await h.time.advance(100);
    expect(h.ex.watchCalls).toHaveLength(2);
    h.ex.deliver({ symbol: 'BTC/USD:BTC', mark: 30001, timestamp: 1_000_100 });
    await settle();
    expect(h.events.filter((e) => e.type === 'quote')).toHaveLength(2);
    await h.stream.close();
    await h.done;
  });

  it('drops an idle socket and redials', async () => {
    const h = harness({ idleTimeoutMs: 3_000 });
    await h.time.advance(0);
    h.ex.deliver({ symbol: 'BTC/USD:BTC', mark: 30000, timestamp: 1_000_000 });
    await h.time.advance(2_999);
    expect(statuses(h.events)).toEqual(['connecting', 'up']);
    await h.time.advance(1);
    expect(statuses(h.events)).toEqual(['connecting', 'up', 'idle', 'down:100']);
    await h.time.advance(100);
    expect(h.ex.watchCalls).toHaveLength(2);
    await h.stream.close();
    await h.done;
  });

  it('drops a subscription that cannot succeed (unknown symbol) and keeps the others', async () => {
    const h = harness({
      subscriptions: [
        { kind: 'ticker', symbol: 'BTC/USD:BTC' },
        { kind: 'ticker', symbol: 'ETH/USD:ETH' },
      ],
    });
    h.ex.failNext.push(new ccxt.BadSymbol('deribit does not have market symbol BTC/USD:BTC'));
    await h.time.advance(0);
    const errors = h.events.filter((e) => e.type === 'status' && e.status === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ subscription: { kind: 'ticker', symbol: 'BTC/USD:BTC' } });
    expect(h.stream.status).toBe('connecting');
    await h.time.advance(10_000);
    expect(h.ex.watchCalls.map((c) => c.kind)).toEqual(['ticker:BTC/USD:BTC', 'ticker:ETH/USD:ETH']);
    await h.stream.close();
    await h.done;
  });

  it('spends a token per subscribe and waits for the budget', async () => {
    const time = new FakeTime(0);
    const h = harness({
      subscriptions: [
        { kind: 'ticker', symbol: 'BTC/USD:BTC' },
        { kind: 'ticker', symbol: 'ETH/USD:ETH' },
      ],
      bucket: new TokenBucket({ capacity: 1, refillPerSecond: 2, clock: time.clock, scheduler: time }),
    });
    // The bucket runs on its own fake time here: the second subscribe waits for its refill (500 ms).
    await h.time.advance(0);
    expect(h.ex.watchCalls.map((c) => c.kind)).toEqual(['ticker:BTC/USD:BTC']);
    await time.advance(499);
    expect(h.ex.watchCalls).toHaveLength(1);
    await time.advance(1);
    expect(h.ex.watchCalls.map((c) => c.kind)).toEqual(['ticker:BTC/USD:BTC', 'ticker:ETH/USD:ETH']);
    await h.stream.close();
    await h.done;
  });

  it('close() ends the iteration, closes the exchange and is idempotent', async () => {
    const h = harness();
    await h.time.advance(0);
    await Promise.all([h.stream.close(), h.stream.close()]);
    await h.done;
    expect(h.ex.closed).toBe(1);
    expect(h.stream.closed).toBe(true);
    expect(statuses(h.events)).toEqual(['connecting', 'closed']);
    // Frames after close are ignored, not queued.
    h.ex.deliver({ symbol: 'BTC/USD:BTC', mark: 1, timestamp: 1 });
    expect(h.events).toHaveLength(2);
  });

  it('rejects subscriptions to symbols that are not instruments', () => {
    expect(() => harness({ subscriptions: [{ kind: 'ticker', symbol: 'XRP/USD:XRP' }] })).toThrow(
      /XRP\/USD:XRP is not an instrument/,
    );
  });

  it('splits large multi-symbol subscriptions into requests the venue accepts', () => {
    const symbols = Array.from({ length: 250 }, (_, i) => `S${i}`);
    const split = splitSubscriptions(
      [
        { kind: 'tickers', symbols },
        { kind: 'ticker', symbol: 'X' },
      ],
      100,
    );
    expect(split.map((s) => (s.kind === 'tickers' ? s.symbols.length : s.kind))).toEqual([100, 100, 50, 'ticker']);
    expect(split.flatMap((s) => (s.kind === 'tickers' ? s.symbols : []))).toEqual(symbols);
    expect(() => splitSubscriptions([], 0)).toThrow(/maxSymbolsPerSubscribe/);
  });
});
