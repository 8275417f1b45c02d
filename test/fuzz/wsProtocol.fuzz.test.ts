/**
 * The websocket protocol under arbitrary client messages, on a real service on loopback: text that is not JSON,
 * JSON of any shape, near-valid subscribe/unsubscribe/ping messages with wrong field types, binary frames. Each
 * message gets either its answer (`subscribed`, `unsubscribed`, `pong`) or the connection closed with 1003 and a
 * reason naming what was wrong (1008 for a policy limit); the service never crashes, a well-behaved client on the
 * side keeps receiving its hedge messages, and nothing is written to the store (its audit log does not grow).
 */
import fc from 'fast-check';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type Json, type TestService } from '../service/helpers.js';

let t: TestService;
let ids: string[];
let ticker: NodeJS.Timeout;

beforeAll(async () => {
  t = await startTestService();
  await t.feed.start();
  ticker = setInterval(() => t.feed.pushMove(1 + 1e-5), 100);
  ids = ((await t.call('GET', '/api/positions')).json.positions as { id: string }[]).map((p) => p.id);
});
afterAll(async () => {
  clearInterval(ticker);
  await t.handle.close();
});

const wsUrl = () => t.url.replace('http', 'ws') + '/ws';

function open(): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(wsUrl(), { headers: { authorization: `Bearer ${t.keys.viewer}` } });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

type Outcome = { kind: 'answer'; message: Json } | { kind: 'closed'; code: number; reason: string };

/** Sends one frame on a fresh connection; resolves with the first non-hedge answer or the close. */
function exchange(frame: string | Buffer): Promise<Outcome> {
  return open().then(
    (ws) =>
      new Promise<Outcome>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no answer to ${String(frame).slice(0, 80)}`)), 5_000);
        const done = (outcome: Outcome) => {
          clearTimeout(timer);
          ws.removeAllListeners();
          ws.on('error', () => undefined);
          if (ws.readyState === WebSocket.OPEN) ws.close(1000);
          resolve(outcome);
        };
        ws.on('message', (data) => {
          const message = JSON.parse(data.toString()) as Json;
          if (message.type !== 'hedge') done({ kind: 'answer', message });
        });
        ws.once('close', (code, reason) => done({ kind: 'closed', code, reason: reason.toString() }));
        ws.send(frame);
      }),
  );
}

const idLike = fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom('REAL', '', 'book', '__proto__'));
const messages = fc.oneof(
  { weight: 2, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)) },
  {
    weight: 5,
    arbitrary: fc
      .record(
        {
          type: fc.oneof(fc.constantFrom('subscribe', 'unsubscribe', 'ping', 'pong', 'hedge'), fc.jsonValue()),
          positionIds: fc.oneof(fc.array(idLike, { maxLength: 5 }), fc.jsonValue({ maxDepth: 1 })),
          book: fc.oneof(fc.boolean(), fc.jsonValue({ maxDepth: 1 })),
          extra: fc.jsonValue({ maxDepth: 1 }),
        },
        { requiredKeys: [] },
      )
      .map((m) =>
        JSON.stringify({
          ...m,
          ...(Array.isArray(m.positionIds)
            ? { positionIds: m.positionIds.map((id) => (id === 'REAL' ? ids[0] : id)) }
            : {}),
        }),
      ),
  },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 32 }).map((b) => Buffer.from(b)) },
);

const KNOWN_ANSWERS = new Set(['subscribed', 'unsubscribed', 'pong']);

describe('websocket protocol under arbitrary client messages', () => {
  it('answers or closes with a named reason; the service and a well-behaved client carry on; nothing is written', async () => {
    const auditBefore = (await t.handle.store.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM audit_log'))!;
    const watcher = await open();
    const seen: number[] = [];
    watcher.on('message', (data) => {
      const m = JSON.parse(data.toString()) as Json;
      if (m.type === 'hedge' && typeof m.seq === 'number') seen.push(m.seq);
    });
    watcher.send(JSON.stringify({ type: 'subscribe', positionIds: [ids[0]] }));
    const outcomes = { answered: 0, closed: 0 };
    await fc.assert(
      fc.asyncProperty(messages, async (frame) => {
        const outcome = await exchange(frame);
        if (outcome.kind === 'answer') {
          expect(KNOWN_ANSWERS.has(outcome.message.type as string), JSON.stringify(outcome.message)).toBe(true);
          outcomes.answered++;
        } else {
          expect([1003, 1008], `${String(frame).slice(0, 80)} -> ${outcome.code}`).toContain(outcome.code);
          expect(outcome.reason.length, String(frame).slice(0, 80)).toBeGreaterThan(0);
          outcomes.closed++;
        }
      }),
      { numRuns: 150, seed: 20261203 },
    );
    expect(outcomes.answered).toBeGreaterThan(0);
    expect(outcomes.closed).toBeGreaterThan(0);
    // The watcher still gets fresh hedge messages after all that.
    const before = seen.length;
    await new Promise((r) => setTimeout(r, 600));
    expect(seen.length).toBeGreaterThan(before);
    expect(seen.every((s, i) => i === 0 || s > seen[i - 1]!)).toBe(true);
    const auditAfter = (await t.handle.store.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM audit_log'))!;
    expect(auditAfter.n).toBe(auditBefore.n);
    watcher.close(1000);
  }, 120_000);
});
