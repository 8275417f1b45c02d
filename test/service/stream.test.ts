import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startTestService, v2Position } from './helpers.js';
import type { Json } from './helpers.js';
import type { TestService } from './helpers.js';
import { nowPrecise } from '../../src/service/feeds/base.js';

const services: TestService[] = [];
afterEach(async () => {
  for (const s of services.splice(0)) await s.handle.close();
});

async function service(extra: Parameters<typeof startTestService>[0] = {}) {
  const s = await startTestService(extra);
  services.push(s);
  return s;
}

function wsUrl(t: TestService, query = ''): string {
  return t.url.replace('http', 'ws') + '/ws' + query;
}

/** Opens a client and resolves when open; rejects with the HTTP status of a refused upgrade. */
function open(url: string, options: WebSocket.ClientOptions = {}, protocols?: string[]): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = protocols ? new WebSocket(url, protocols, options) : new WebSocket(url, options);
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`status ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

/** Collects parsed messages; `next(pred)` resolves with the first (past or future) message matching. */
function inbox(ws: WebSocket) {
  const messages: Json[] = [];
  const waiters: { pred: (m: Json) => boolean; resolve: (m: Json) => void }[] = [];
  ws.on('message', (data) => {
    const msg = JSON.parse(data.toString());
    msg.__receivedAt = nowPrecise();
    messages.push(msg);
    for (const w of [...waiters])
      if (w.pred(msg)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(msg);
      }
  });
  return {
    messages,
    next(pred: (m: Json) => boolean, timeoutMs = 2000): Promise<Json> {
      const found = messages.find(pred);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('timeout waiting for message')), timeoutMs);
        waiters.push({ pred, resolve: (m) => (clearTimeout(timer), resolve(m)) });
      });
    },
  };
}

function closed(ws: WebSocket): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
}

const auth = (key: string) => ({ headers: { authorization: `Bearer ${key}` } });

/** A client on every position and the book, past its `subscribed` acknowledgement. */
async function subscribedToEverything() {
  const t = await service();
  const ids = ((await t.call('GET', '/api/positions')).json.positions as { id: string }[]).map((p) => p.id);
  const ws = await open(wsUrl(t), auth(t.keys.viewer));
  const box = inbox(ws);
  ws.send(JSON.stringify({ type: 'subscribe', book: true, positionIds: ids }));
  await box.next((m) => m.type === 'subscribed');
  return { t, ids, ws, box };
}

/** Waits for tick `seq`'s book message and checks every position's message of that tick came first, in order. */
async function wholeTick(box: ReturnType<typeof inbox>, ids: string[], seq: number): Promise<Json[]> {
  await box.next((m) => m.type === 'hedge' && m.book === true && m.seq === seq);
  const tick = box.messages.filter((m) => m.type === 'hedge' && m.seq === seq);
  expect(tick.map((m) => (m.book ? 'book' : m.positionId))).toEqual([...ids, 'book']);
  return tick;
}

describe('websocket auth on upgrade', () => {
  it('refuses a missing or forged key with 401 before upgrading', async () => {
    const t = await service();
    await expect(open(wsUrl(t))).rejects.toThrow('status 401');
    await expect(open(wsUrl(t), auth('ilh_0123456789_' + 'x'.repeat(43)))).rejects.toThrow('status 401');
    await expect(open(wsUrl(t, '?token=nonsense'))).rejects.toThrow('status 401');
  });

  it('accepts the key as a header, a bearer subprotocol or a token query parameter', async () => {
    const t = await service();
    const viaHeader = await open(wsUrl(t), auth(t.keys.viewer));
    const viaProtocol = await open(wsUrl(t), {}, ['ilhedge.v1', `bearer.${t.keys.viewer}`]);
    // The server echoes the non-secret protocol, never the one carrying the key.
    expect(viaProtocol.protocol).toBe('ilhedge.v1');
    const viaQuery = await open(wsUrl(t, `?token=${encodeURIComponent(t.keys.viewer)}`));
    expect(t.handle.stream.clientCount).toBe(3);
    for (const ws of [viaHeader, viaProtocol, viaQuery]) ws.close(1000);
  });
});

describe('hedge stream', () => {
  it('pushes the net book on every tick, computed once per tick from the hedging layer', async () => {
    const t = await service();
    const positions = (await t.call('GET', '/api/positions')).json.positions as { id: string; model: string }[];
    const clients = await Promise.all([0, 1, 2].map(() => open(wsUrl(t), auth(t.keys.viewer))));
    const boxes = clients.map(inbox);
    for (const ws of clients) ws.send(JSON.stringify({ type: 'subscribe', positionIds: positions.map((p) => p.id) }));
    await Promise.all(boxes.map((b) => b.next((m) => m.type === 'subscribed')));

    let ticks = 0;
    const desk = t.handle.context.desk;
    // The first suggestions (the ticket MIP, once per scope at start) run off the tick; measure after them.
    await desk.idle();
    const original = desk.tick.bind(desk);
    desk.tick = (...args) => {
      ticks++;
      return original(...args);
    };
    const tickAt = nowPrecise();
    const snapshot = t.feed.pushMove(1.02);
    const v3 = positions.find((p) => p.model === 'v3')!.id;
    const messages = await Promise.all(
      boxes.map((b) => b.next((m) => m.type === 'hedge' && m.positionId === v3 && m.seq === snapshot.seq)),
    );
    const index = snapshot.market.index!;
    for (const msg of messages) {
      // This tick's push (its feed receipt time), not a later recompute. How fast it comes is the bench's
      // (`service.tickToPush`), not a timed assertion's: a loaded CI machine would fail it for no fault.
      expect(msg.tickAtMs).toBe(snapshot.receivedAtMs);
      expect(msg.__receivedAt).toBeGreaterThanOrEqual(tickAt);
      // The pool price is the moved market's index, and every forward moved with it.
      expect(msg.price).toBeCloseTo(index, 6);
      expect(msg.lp.delta).toBeGreaterThan(0);
      expect(msg.lp.gamma).toBeLessThan(0);
      // Nothing held yet: net is the LP.
      expect(msg.net.delta).toBe(msg.lp.delta);
      expect(msg.holdings.delta).toBe(0);
      // BTC-PERPETUAL trades in 10 USD contracts, lot 1: toTrade takes net delta to within half a contract.
      const basePerContract = 10 / snapshot.market.perp!.mark!;
      expect(msg.toTrade.instrument).toBe('BTC-PERPETUAL');
      expect(Number.isInteger(msg.toTrade.contracts)).toBe(true);
      expect(msg.toTrade.contractsUnrounded).toBeCloseTo(-msg.net.delta / basePerContract, 6);
      expect(Math.abs(msg.toTrade.netDeltaAfterBase)).toBeLessThanOrEqual(basePerContract / 2 + 1e-12);
      expect(msg.band.status).toBe(Math.abs(msg.net.delta) > msg.band.halfWidthBase ? 'breach' : 'inside');
      expect(msg.stale).toBe(false);
      expect(msg.quoteAgeMs).toBeGreaterThanOrEqual(0);
    }
    // Once per market per tick, whatever the number of clients.
    expect(ticks).toBe(1);
    // The stream and REST agree on the state after the tick.
    const rest = await t.call('GET', `/api/positions/${v3}`, { key: t.keys.viewer });
    expect(rest.json.hedge.net.delta).toBe(messages[0].net.delta);
    expect(rest.json.hedge.toTrade.contracts).toBe(messages[0].toTrade.contracts);
    for (const ws of clients) ws.close(1000);
  });

  it('streams the book and tells the client which ids it does not know', async () => {
    const t = await service();
    const ws = await open(wsUrl(t), auth(t.keys.viewer));
    const box = inbox(ws);
    ws.send(JSON.stringify({ type: 'subscribe', book: true, positionIds: ['ghost'] }));
    const ack = await box.next((m) => m.type === 'subscribed');
    expect(ack.unknown).toEqual(['ghost']);
    expect(ack.book).toBe(true);
    const snapshot = t.feed.pushMove(0.99);
    const book = await box.next((m) => m.type === 'hedge' && m.book === true && m.seq === snapshot.seq);
    expect(book.positions).toBe(2);
    expect(book.byUnderlying['deribit/BTC'].net.delta).toBeGreaterThan(0);
    expect(book.byUnderlying['deribit/BTC'].lp.delta).toBe(book.byUnderlying['deribit/BTC'].net.delta);
    ws.close(1000);
  });

  it('sends a client subscribed to everything every state of a tick, intact, in order of the positions', async () => {
    // Such a client's frames for one tick leave in a single socket write (stream.ts, flush): each must still arrive
    // as its own complete message.
    const { t, ids, ws, box } = await subscribedToEverything();
    const seqs = [t.feed.pushMove(1.01).seq, t.feed.pushMove(0.98).seq];
    for (const seq of seqs) {
      const tick = await wholeTick(box, ids, seq);
      for (const m of tick.filter((m) => !m.book)) expect(Number.isFinite(m.net.delta)).toBe(true);
    }
    ws.close(1000);
  });

  it('hands frames to ws.send, in order, when ws holds bytes of its own back', async () => {
    const { t, ids, ws, box } = await subscribedToEverything();
    // Make the server side of this client report one byte that ws holds and the socket does not have yet.
    const [server] = [...t.handle.stream.wss.clients];
    const socket = (server as unknown as { _socket: { writableLength: number } })._socket;
    let sends = 0;
    const send = server!.send.bind(server);
    Object.defineProperty(server, 'bufferedAmount', { get: () => socket.writableLength + 1 });
    server!.send = ((...args: Parameters<typeof send>) => {
      sends++;
      return send(...args);
    }) as typeof send;
    const seq = t.feed.pushMove(1.01).seq;
    await wholeTick(box, ids, seq);
    expect(sends).toBe(ids.length + 1);
    ws.close(1000);
  });

  it('closes with 1003 on a message that is not JSON or not a known shape, naming the field', async () => {
    const t = await service();
    const a = await open(wsUrl(t), auth(t.keys.viewer));
    const aClosed = closed(a);
    a.send('not json');
    expect((await aClosed).code).toBe(1003);
    const b = await open(wsUrl(t), auth(t.keys.viewer));
    const bClosed = closed(b);
    b.send(JSON.stringify({ type: 'subscribe', positionIds: 'all' }));
    const result = await bClosed;
    expect(result.code).toBe(1003);
    expect(result.reason).toContain('positionIds');
  });

  it('closes every client with 1001 on shutdown', async () => {
    const t = await startTestService();
    const ws = await open(wsUrl(t), auth(t.keys.viewer));
    const done = closed(ws);
    await t.handle.close();
    expect((await done).code).toBe(1001);
  });

  it('drops a client that stops answering heartbeats', async () => {
    const t = await service({ heartbeatMs: 100 });
    const ws = await open(wsUrl(t), auth(t.keys.viewer));
    expect(t.handle.stream.clientCount).toBe(1);
    // Stop reading: pings go unanswered.
    (ws as unknown as { _socket: { pause(): void } })._socket.pause();
    const deadline = Date.now() + 2000;
    while (t.handle.stream.clientCount > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(t.handle.stream.clientCount).toBe(0);
    ws.terminate();
  });

  it('conflates for a slow client: bounded buffer, and the latest state once it reads again', async () => {
    const t = await service({ wsHighWaterBytes: 16 * 1024 });
    // Enough positions that a paused reader overflows the kernel's socket buffers within a few hundred ticks.
    for (let i = 0; i < 30; i++) await t.handle.store.createPosition({ ...v2Position, label: `v2 #${i}` }, 'test');
    await t.handle.context.refreshPositions();
    const positions = (await t.call('GET', '/api/positions')).json.positions as { id: string }[];
    const slow = await open(wsUrl(t), auth(t.keys.viewer));
    const box = inbox(slow);
    slow.send(JSON.stringify({ type: 'subscribe', positionIds: positions.map((p) => p.id) }));
    await box.next((m) => m.type === 'subscribed');
    const socket = (slow as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    socket.pause();
    const serverClient = [...t.handle.stream.wss.clients][0]!;
    let maxBuffered = 0;
    let last = 0;
    const ticks = 1000;
    for (let batch = 0; batch < ticks / 20; batch++) {
      for (let i = 0; i < 20; i++) last = t.feed.pushMove(1 + 1e-6).seq;
      maxBuffered = Math.max(maxBuffered, serverClient.bufferedAmount);
      await new Promise((r) => setImmediate(r));
    }
    const conflated = (await t.handle.metrics.wsConflated.get()).values[0]?.value ?? 0;
    const sent = (await t.handle.metrics.wsMessages.get()).values[0]?.value ?? 0;
    // 1,000 ticks x 32 positions x ~600 bytes would be ~19 MB unconflated; most states were replaced instead.
    expect(conflated).toBeGreaterThan(ticks * positions.length * 0.5);
    expect(sent).toBeLessThan(ticks * positions.length * 0.5);
    expect(maxBuffered).toBeLessThan(16 * 1024 + 64 * 1024);
    socket.resume();
    for (const p of positions) {
      const latest = await box.next((m) => m.type === 'hedge' && m.positionId === p.id && m.seq === last, 5000);
      expect(latest.seq).toBe(last);
    }
    // Per position, states arrive in tick order (latest wins, never an older one after a newer).
    for (const p of positions) {
      const seqs = box.messages.filter((m) => m.positionId === p.id).map((m) => m.seq);
      expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
    }
    slow.close(1000);
  });
});
