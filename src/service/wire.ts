/**
 * The hedge stream's wire format, written by hand for the per-tick hot path: `JSON.stringify` of a state costs about
 * 4 us on Node 20, and the hub serialises every position on every tick. What remains is mostly V8 printing the
 * doubles (~0.35 us each for values that change every tick), which any JSON writer pays. These writers produce exactly what `JSON.stringify` would, key for key and in the same order (the
 * tests compare the two on engine states and on random ones), with one deliberate rule spelled out: a number that
 * is not finite is written as `null`, which is also what `JSON.stringify` does.
 */
import type { BookHedgeState, HedgeLeg, PositionHedgeState } from './types.js';

/**
 * A JSON number, or `null` for NaN and the infinities: JSON.stringify of the number itself. That is also the fast
 * way on Node 20: about 110 ns for a fresh double against 230 ns for `String(n)`, which goes through V8's
 * number-to-string cache; and that cache keeps each tick's strings alive long enough to be promoted to the old
 * generation, which then needs a full collection (a ~5-10 ms pause) every second or so.
 */
const num = JSON.stringify as (value: number) => string;

/**
 * A JSON string literal. The same few strings (position ids and names, venues, instruments, statuses) come back on
 * every tick, so their escaped forms are cached (~15 ns against ~110 ns for JSON.stringify of a short string); the
 * cache starts over when it reaches `QUOTED_CACHE_MAX` entries, so instruments that expire do not pile up.
 */
const QUOTED_CACHE_MAX = 8192;
const quotedCache = new Map<string, string>();
function str(value: string): string {
  let quoted = quotedCache.get(value);
  if (quoted === undefined) {
    quoted = JSON.stringify(value);
    if (quotedCache.size >= QUOTED_CACHE_MAX) quotedCache.clear();
    quotedCache.set(value, quoted);
  }
  return quoted;
}

function legJson(leg: HedgeLeg): string {
  let out =
    '{"instrument":' +
    str(leg.instrument) +
    ',"kind":' +
    str(leg.kind) +
    ',"quantityBase":' +
    num(leg.quantityBase) +
    ',"contracts":' +
    num(leg.contracts);
  if (leg.strike !== undefined) out += ',"strike":' + num(leg.strike);
  if (leg.optionType !== undefined) out += ',"optionType":' + str(leg.optionType);
  if (leg.expiryMs !== undefined) out += ',"expiryMs":' + num(leg.expiryMs);
  return out + '}';
}

/** The fields of a position state after `{`, in the engine's order; shared by the message and the REST body. */
function stateFields(state: PositionHedgeState): string {
  let options = '';
  for (let i = 0; i < state.options.length; i++) options += (i === 0 ? '' : ',') + legJson(state.options[i]!);
  let out =
    '"positionId":' +
    str(state.positionId) +
    ',"name":' +
    str(state.name) +
    ',"venue":' +
    str(state.venue) +
    ',"underlying":' +
    str(state.underlying) +
    ',"seq":' +
    num(state.seq) +
    ',"asOfMs":' +
    num(state.asOfMs) +
    ',"source":' +
    str(state.source) +
    ',"price":' +
    num(state.price) +
    ',"valueQuote":' +
    num(state.valueQuote) +
    ',"delta":' +
    num(state.delta) +
    ',"gamma":' +
    num(state.gamma) +
    ',"perp":' +
    (state.perp ? legJson(state.perp) : 'null') +
    ',"options":[' +
    options +
    '],"band":{"status":' +
    str(state.band.status) +
    ',"deltaBandBase":' +
    num(state.band.deltaBandBase) +
    ',"netDeltaBase":' +
    num(state.band.netDeltaBase) +
    '},"quoteAgeMs":' +
    num(state.quoteAgeMs);
  if (state.tickAtMs !== undefined) out += ',"tickAtMs":' + num(state.tickAtMs);
  if (state.error !== undefined) out += ',"error":' + str(state.error);
  return out;
}

/** `{"type":"hedge",...state}`: the websocket message for one position. */
export function hedgeMessage(state: PositionHedgeState): string {
  return '{"type":"hedge",' + stateFields(state) + '}';
}

/** `{"type":"hedge","book":true,...state}`: the websocket message for the book (once per tick, not hot). */
export function bookMessage(state: BookHedgeState): string {
  return '{"type":"hedge","book":true,' + JSON.stringify(state).slice(1);
}

/**
 * A complete unmasked, final websocket text frame (RFC 6455 section 5.2) around `message`, UTF-8
 * encoded once into the frame's own buffer.
 * Server-to-client frames carry no mask, so one frame serves every subscriber: the stream writes it straight to
 * each socket instead of having `ws` build a header and issue a two-buffer write per client.
 */
export function textFrame(message: string): Buffer {
  const length = Buffer.byteLength(message, 'utf8');
  const headerLength = length < 126 ? 2 : length < 65536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(headerLength + length);
  frame[0] = 0x81; // FIN + opcode 1 (text)
  if (length < 126) {
    frame[1] = length;
  } else if (length < 65536) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeBigUInt64BE(BigInt(length), 2);
  }
  frame.write(message, headerLength, 'utf8');
  return frame;
}
