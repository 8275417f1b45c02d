/**
 * The stream's hand-written wire format (src/service/wire.ts): byte for byte what JSON.stringify writes, on the
 * engine's own states and on random ones (fast-check), and websocket frames that a real `ws` client decodes at
 * every header size, written straight to the upgraded socket as the stream does.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { DeskBook } from '../../src/service/deskBook.js';
import { ScriptedFeed } from '../../src/service/feeds/scripted.js';
import type { PositionHedgeState } from '../../src/service/hedgeState.js';
import type { StoredPosition } from '../../src/service/types.js';
import { bookFrame, framePayloads, hedgeMessage, textFrame } from '../../src/service/wire.js';
import { builtinMarket, v2Position, v3Position } from './helpers.js';

const viaJson = (state: object) => '{"type":"hedge",' + JSON.stringify(state).slice(1);

function stored(spec: typeof v3Position, id: string): StoredPosition {
  return { ...spec, id, createdAtMs: 0, updatedAtMs: 0, version: 1 };
}

describe('hedgeMessage', () => {
  it("writes exactly what JSON.stringify writes for the desk book's states, with and without a market", async () => {
    const feed = new ScriptedFeed(await builtinMarket());
    const snapshot = { ...feed.current()!, seq: 7, receivedAtMs: 1779823664123.457 };
    const markets = new Map([['deribit/BTC', snapshot]]);
    const desk = new DeskBook({
      markets: () => markets,
      holdings: () => [],
      now: () => snapshot.receivedAtMs + 3.25,
      maxQuoteAgeMs: 10_000,
      suggestions: false,
    });
    desk.setPositions([
      stored(v3Position, 'pos_v3'),
      stored(v2Position, 'pos_v2'),
      stored({ ...v3Position, label: 'ETH–USDC "wide" \\ range \u2028 ü' }, 'pos_unicode'),
    ]);
    let checked = 0;
    for (const state of [...desk.tick('deribit/BTC', snapshot), ...desk.tick('deribit/BTC', undefined)]) {
      expect(hedgeMessage(state)).toBe(viaJson(state));
      JSON.parse(hedgeMessage(state));
      checked++;
    }
    expect(checked).toBe(6);
  });

  it('matches JSON.stringify on random states: NaN and infinities as null, -0, escapes, optional fields', () => {
    const number = fc.oneof(
      fc.double(),
      fc.constantFrom(NaN, Infinity, -Infinity, -0, 0, 1e21, 1e-7, 5e-324),
      fc.integer(),
    );
    const text = fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.constantFrom('"', '\\', '\u0000', '\ud800'));
    const greeks = fc.record({
      valueQuote: number,
      delta: number,
      gamma: number,
      vegaPerUnitVol: number,
      vegaPerVolPoint: number,
      thetaPerYear: number,
      thetaPerDay: number,
    });
    const carryView = fc.record({
      feeIncomeQuotePerDay: number,
      lvrQuotePerDay: number,
      carryQuotePerDay: number,
      thetaBasis: fc.constantFrom('fees-minus-lvr' as const, 'lvr-only' as const, 'partial' as const),
    });
    const carry = fc.record({ vol: number, lp: carryView, holdings: carryView, net: carryView });
    const toTrade = fc.record({
      instrument: text,
      contracts: number,
      contractsUnrounded: number,
      baseAmount: number,
      lotContracts: number,
      netDeltaAfterBase: number,
      netGammaLeft: number,
    });
    const suggestion = fc.record(
      {
        legs: fc.array(
          fc.record({
            instrument: text,
            kind: fc.constantFrom('option' as const, 'perp' as const, 'future' as const),
            side: fc.constantFrom('buy' as const, 'sell' as const),
            contracts: number,
            baseAmount: number,
          }),
          { maxLength: 3 },
        ),
        solvedAtSeq: number,
        reason: fc.constantFrom('start' as const, 'band-breach' as const, 'holdings-changed' as const),
        error: text,
      },
      { requiredKeys: ['legs', 'solvedAtSeq', 'reason'] },
    );
    const state = fc.record(
      {
        positionId: text,
        name: text,
        market: text,
        seq: number,
        asOfMs: number,
        source: fc.constantFrom('replay' as const, 'live' as const, 'scripted' as const, 'synthetic' as const),
        price: fc.option(number, { nil: null }),
        lp: fc.option(greeks, { nil: null }),
        holdings: fc.option(greeks, { nil: null }),
        net: fc.option(greeks, { nil: null }),
        carry: fc.option(carry, { nil: null }),
        band: fc.record({
          status: fc.constantFrom('inside' as const, 'breach' as const, 'stale' as const, 'no-market' as const),
          halfWidthBase: fc.option(number, { nil: null }),
          deviationBase: fc.option(number, { nil: null }),
          targetDeltaBase: number,
          explanation: text,
        }),
        toTrade: fc.option(toTrade, { nil: null }),
        suggestion: fc.option(suggestion, { nil: null }),
        quoteAgeMs: fc.option(number, { nil: null }),
        stale: fc.boolean(),
        error: text,
        tickAtMs: number,
      },
      { requiredKeys: ['positionId', 'name', 'market', 'seq', 'asOfMs', 'source', 'price', 'band', 'stale'] },
    );
    fc.assert(
      fc.property(state, (s) => {
        // Keys the desk book always writes, in its order; the record above leaves some out for the optional ones.
        const full = {
          positionId: s.positionId,
          name: s.name,
          market: s.market,
          seq: s.seq,
          asOfMs: s.asOfMs,
          source: s.source,
          price: s.price,
          lp: s.lp ?? null,
          holdings: s.holdings ?? null,
          net: s.net ?? null,
          carry: s.carry ?? null,
          band: s.band,
          toTrade: s.toTrade ?? null,
          suggestion: s.suggestion ?? null,
          quoteAgeMs: s.quoteAgeMs ?? null,
          stale: s.stale,
          ...(s.error !== undefined ? { error: s.error } : {}),
          ...(s.tickAtMs !== undefined ? { tickAtMs: s.tickAtMs } : {}),
        } as PositionHedgeState;
        expect(hedgeMessage(full)).toBe(viaJson(full));
      }),
      { numRuns: 500, seed: 20261126 },
    );
  });

  it('writes recent numbers from its table exactly: repeats, slot collisions, -0 after 0, NaN every time', () => {
    // A pool larger than the table (1024 slots), so values share slots and evict each other, with the repeats a
    // tick has (the same price in every message, the net equal to the holdings) and the special values.
    const pool = [
      ...fc.sample(fc.double(), { numRuns: 3000, seed: 7 }),
      ...fc.sample(fc.integer(), { numRuns: 200, seed: 8 }),
      0,
      -0,
      NaN,
      Infinity,
      -Infinity,
      5e-324,
      -2.2250738585072014e-308,
      // The longest text: fixed notation just above 1e-6 with 17 digits, 25 characters with the sign.
      -1e-6 * (1 + Number.EPSILON),
      -1.7976931348623157e308,
      1e21,
    ];
    const n = fc.nat({ max: pool.length - 1 }).map((i) => pool[i]!);
    const greeks = fc.record({
      valueQuote: n,
      delta: n,
      gamma: n,
      vegaPerUnitVol: n,
      vegaPerVolPoint: n,
      thetaPerYear: n,
      thetaPerDay: n,
    });
    const state = fc.record({ seq: n, asOfMs: n, price: n, lp: greeks, net: greeks, quoteAgeMs: n, tickAtMs: n });
    expect(JSON.stringify(-1e-6 * (1 + Number.EPSILON))).toHaveLength(25);
    fc.assert(
      fc.property(fc.array(state, { minLength: 1, maxLength: 40 }), (states) => {
        for (const s of states) {
          const full = {
            positionId: 'p',
            name: 'p',
            market: 'deribit/BTC',
            seq: s.seq,
            asOfMs: s.asOfMs,
            source: 'scripted',
            price: s.price,
            lp: s.lp,
            holdings: s.lp,
            net: s.net,
            carry: null,
            band: {
              status: 'inside',
              halfWidthBase: s.price,
              deviationBase: s.net.delta,
              targetDeltaBase: 0,
              explanation: 'x',
            },
            toTrade: null,
            suggestion: null,
            quoteAgeMs: s.quoteAgeMs,
            stale: false,
            tickAtMs: s.tickAtMs,
          } as PositionHedgeState;
          expect(hedgeMessage(full)).toBe(viaJson(full));
        }
      }),
      { numRuns: 300, seed: 20261203 },
    );
  });

  it('frames the book message, the JSON.stringify text with the type in front', () => {
    const book = {
      seq: 3,
      asOfMs: 1779823664000,
      positions: 2,
      valueQuote: 1234.5,
      bandBreaches: 1,
      byUnderlying: {},
    };
    const [payload] = framePayloads(bookFrame(book));
    expect(payload!.toString('utf8')).toBe('{"type":"hedge","book":true,' + JSON.stringify(book).slice(1));
  });
});

describe('textFrame', () => {
  const servers: http.Server[] = [];
  afterEach(async () => {
    for (const server of servers.splice(0)) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('splits consecutive frames back into their payloads (the path for a ws that holds bytes back)', () => {
    const messages = [0, 5, 125, 126, 65535, 65536, 70000].map((n) => 'é'.repeat(n));
    const payloads = framePayloads(Buffer.concat(messages.map(textFrame)));
    expect(payloads.map((p) => p.toString('utf8'))).toEqual(messages);
  });

  it('is decoded intact by a ws client at every header size, several frames per write', async () => {
    const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
    const upgraded = new Promise<Duplex>((resolve) => {
      const server = http.createServer();
      servers.push(server);
      server.on('upgrade', (req, socket, head) => wss.handleUpgrade(req, socket, head, () => resolve(socket)));
      server.listen(0, '127.0.0.1');
    });
    await new Promise((resolve) => setTimeout(resolve, 10));
    const port = (servers[0]!.address() as AddressInfo).port;
    const client = new WebSocket(`ws://127.0.0.1:${port}/`, { perMessageDeflate: false });
    const received: string[] = [];
    client.on('message', (data, isBinary) => {
      expect(isBinary).toBe(false);
      received.push(data.toString());
    });
    await new Promise((resolve) => client.once('open', resolve));
    const socket = await upgraded;
    // Payload lengths at the edges of the 7-bit, 16-bit and 64-bit length forms, and multi-byte UTF-8.
    const messages = [0, 1, 125, 126, 127, 65535, 65536, 70000].map((n) => 'x'.repeat(n));
    messages.push('ü€😀'.repeat(30_000));
    socket.write(Buffer.concat(messages.slice(0, 4).map(textFrame)));
    for (const message of messages.slice(4)) socket.write(textFrame(message));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${received.length} frames arrived`)), 5000);
      const check = () =>
        received.length >= messages.length ? (clearTimeout(timer), resolve()) : setTimeout(check, 5);
      check();
    });
    expect(received).toEqual(messages);
    client.terminate();
  });
});
