/**
 * The live tick-to-push benchmark's latency extraction (bench/suites/liveFeed.ts): what a client reads off wire.ts's
 * real hedge messages, and how pushes are paired with the venue rounds they reflect (by price), split at the feed's
 * emission and counted for delivery. The benchmark itself (venue, ccxt pro, service, 100 clients) is `npm run bench
 * -- --only live`.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { matchPushes, parseHedgePush, type Push, type VenueRound } from '../../bench/suites/liveFeed.js';
import { DeskBook } from '../../src/service/deskBook.js';
import { ScriptedFeed } from '../../src/service/feeds/scripted.js';
import type { FeedSnapshot, StoredPosition } from '../../src/service/types.js';
import { bookFrame, framePayloads, hedgeMessage } from '../../src/service/wire.js';
import { builtinMarket, v3Position } from '../service/helpers.js';

const desks: DeskBook[] = [];
afterAll(async () => {
  for (const d of desks) await d.close();
});

describe('parseHedgePush', () => {
  it("reads price, tickAtMs and stale off wire.ts's position message, not a name that holds the text", async () => {
    const base = new ScriptedFeed(await builtinMarket()).current()!;
    const snapshot: FeedSnapshot = { ...base, seq: 3, receivedAtMs: base.receivedAtMs + 3 };
    const markets = new Map([['deribit/BTC', snapshot]]);
    const desk = new DeskBook({
      markets: () => markets,
      holdings: () => [],
      now: () => snapshot.receivedAtMs,
      maxQuoteAgeMs: 10_000,
      suggestions: false,
    });
    desks.push(desk);
    const stored: StoredPosition = {
      ...v3Position,
      label: 'odd ,"price":1 name',
      id: 'pos-a',
      createdAtMs: 0,
      updatedAtMs: 0,
      version: 1,
    };
    desk.setPositions([stored]);
    const [state] = desk.tick('deribit/BTC', snapshot);
    state!.tickAtMs = snapshot.receivedAtMs + 0.25;
    const text = hedgeMessage(state!);
    expect(text).toContain('odd ,\\"price\\":1 name');
    expect(parseHedgePush(text)).toEqual({ price: state!.price, tickAtMs: snapshot.receivedAtMs + 0.25, stale: false });
    expect(state!.price).toBeGreaterThan(1000);
    expect(parseHedgePush(hedgeMessage({ ...state!, stale: true }))?.stale).toBe(true);
    // The book's message and the other types are not a position's push.
    const book = framePayloads(bookFrame(desk.bookState(3, snapshot.asOfMs)))[0]!.toString('utf8');
    expect(parseHedgePush(book)).toBeNull();
    expect(parseHedgePush('{"type":"subscribed","positionIds":["pos-a"]}')).toBeNull();
    // The peer's message: tickAtMs only.
    expect(parseHedgePush('{"type":"hedge","tickAtMs":1764750000123.5,"pad":"xx"}')).toMatchObject({
      tickAtMs: 1764750000123.5,
    });
  });
});

describe('matchPushes', () => {
  it('pairs each push with the round of its price, splits at the emission, counts (client, round) deliveries', () => {
    const offset = -200 * 86_400_000; // the feed clock runs on the recording's day, 200 days behind the wall
    const rounds: VenueRound[] = [
      { round: 1, index: 75_800.0758, sentAtMs: 1000 },
      { round: 2, index: 75_822.8165, sentAtMs: 1100 },
      { round: 3, index: 75_800.2274, sentAtMs: 1190 }, // inside the grace at the end: not owed to anyone
    ];
    const push = (client: number, price: number, emittedAtMs: number, receivedAtMs: number): Push => ({
      client,
      price,
      tickAtMs: emittedAtMs + offset,
      receivedAtMs,
    });
    const pushes = [
      push(0, 75_800.0758 * (1 + 1e-15), 1004, 1012), // float noise on the price still names round 1
      push(1, 75_800.0758, 1004, 1014),
      push(0, 75_822.8165, 1102, 1109),
      push(1, 75_000, 990, 995), // the REST start-up state: no round's
      push(1, 75_800.2274, 1195, 1199),
    ];
    const m = matchPushes(pushes, rounds, { clients: 2, clockOffsetMs: offset, fromMs: 1000, toMs: 1200, graceMs: 50 });
    expect(m.latencies.map((x) => Math.round(x * 1e6) / 1e6)).toEqual([12, 14, 9, 9]);
    expect(m.venueToEmit.map((x) => Math.round(x))).toEqual([4, 4, 2, 5]);
    expect(m.emitToClient.map((x) => Math.round(x))).toEqual([8, 10, 7, 4]);
    expect(m.unmatched).toBe(1);
    // Rounds 1 and 2 are owed to both clients; client 1 missed round 2 (conflated away).
    expect({ delivered: m.delivered, expected: m.expected }).toEqual({ delivered: 3, expected: 4 });
  });
});
