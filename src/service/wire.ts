/**
 * The hedge stream's wire format, written by hand for the per-tick hot path: the hub serialises every position on
 * every tick, and `JSON.stringify` of a state followed by `Buffer.from` costs about 4.8 us and 3 KB of garbage per
 * position on Node 20. Here the message is written byte by byte into a scratch buffer and copied once into its
 * websocket frame: about 2 us and 0.6 KB (the number strings), which matters less for the time than for the garbage
 * collector, whose pauses are what the stream's tail latency is made of.
 *
 * The bytes are exactly what `JSON.stringify` writes, key for key and in the same order (the tests compare the two
 * on engine states and on random ones); numbers that are not finite come out as `null`, as JSON.stringify writes
 * them.
 */
import type { BookCarry, CarryView, GreeksView, ToTrade } from '../../hedging/index.js';
import type { BandState, BookHedgeState, PositionHedgeState, Suggestion } from './hedgeState.js';

/**
 * JSON string literals as UTF-8 bytes. The same few strings (position ids and names, venues, instruments,
 * statuses) come back on every tick, so their escaped, encoded forms are cached; the cache starts over when it
 * reaches `QUOTED_CACHE_MAX` entries, so instruments that expire do not pile up.
 */
const QUOTED_CACHE_MAX = 8192;
const quotedCache = new Map<string, Buffer>();
function quotedBytes(value: string): Buffer {
  let bytes = quotedCache.get(value);
  if (bytes === undefined) {
    bytes = Buffer.from(JSON.stringify(value), 'utf8');
    if (quotedCache.size >= QUOTED_CACHE_MAX) quotedCache.clear();
    quotedCache.set(value, bytes);
  }
  return bytes;
}

/**
 * The JSON text of recently written numbers, in a direct-mapped table keyed by the double's bits. A tick's messages
 * repeat many values: within one message (the net's vega and theta are the holdings' when the LP has none, the
 * band's deviation is the net delta, `toTrade` repeats the net gamma) and across the positions of a tick (price,
 * times, sequence, vol, quote age). Formatting a double costs ~150-190 ns; a hit is a hash and a copy of its bytes.
 * The bytes live in one slab, not as strings, so the table holds nothing for the garbage collector to trace. The
 * longest JSON number is 25 characters (`-0.0000010000000000000002`: fixed notation down to 1e-6, 17 digits; the
 * exponent form is at most 24, `-2.2250738585072014e-308`); byte 0 of a slot is the length, 0 when empty, and a
 * longer text (none exists) would be written without being kept. NaN never equals itself, so it is formatted every
 * time (it writes `null`); -0 finds 0's slot with the same text.
 */
const NUMBER_SLOTS = 1024;
const NUMBER_TEXT_MAX = 25;
const NUMBER_SLOT_BYTES = NUMBER_TEXT_MAX + 1;
const numberSlab = new Uint8Array(NUMBER_SLOTS * NUMBER_SLOT_BYTES);
const numberSlotValues = new Float64Array(NUMBER_SLOTS);
const doubleBits = new Float64Array(1);
const doubleWords = new Uint32Array(doubleBits.buffer);

function numberSlot(value: number): number {
  doubleBits[0] = value === 0 ? 0 : value; // -0 and 0 write the same text: one slot
  // Fibonacci hashing of the two words: the low mantissa bits of prices and Greeks are close to random, their
  // exponents and signs repeat, so both words take part.
  return Math.imul(doubleWords[0]! ^ Math.imul(doubleWords[1]!, 0x85ebca6b), 0x9e3779b1) >>> 22;
}

/** Room for the longest websocket header (10 bytes) in front of the payload. */
const HEADER_ROOM = 10;

/**
 * Frames are cut from slabs of `FRAME_SLAB_BYTES`, a tick's worth of messages (100 positions x ~2 KB) from one or
 * two: `Buffer.allocUnsafe` cuts them from its own 8 KB pool, four frames to a pool, and the young generation's
 * collector then sweeps 25 array buffers a tick instead of one. A slab lives as long as any frame cut from it (the
 * latest state of a position, a slow client's pending frame): a market whose feed goes quiet keeps the slab its
 * last frames were cut from, so what is held is about one slab per quiet market beside the one in use. Frames are
 * never written to once made, so sharing one backing store is safe. Larger frames get a buffer of their own.
 */
const FRAME_SLAB_BYTES = 256 * 1024;
let frameSlab = Buffer.allocUnsafeSlow(FRAME_SLAB_BYTES);
let frameSlabAt = 0;

function frameBytes(bytes: number): Buffer {
  if (bytes > FRAME_SLAB_BYTES / 8) return Buffer.allocUnsafe(bytes);
  if (frameSlabAt + bytes > FRAME_SLAB_BYTES) {
    frameSlab = Buffer.allocUnsafeSlow(FRAME_SLAB_BYTES);
    frameSlabAt = 0;
  }
  const frame = frameSlab.subarray(frameSlabAt, frameSlabAt + bytes);
  // Keep the next frame 8-byte aligned, as Buffer's own pool does.
  frameSlabAt += (bytes + 7) & ~7;
  return frame;
}

/**
 * A final, unmasked text frame (RFC 6455 section 5.2) for a payload of `payloadBytes`, header written: FIN + opcode 1,
 * then the 7-, 16- or 64-bit length; the payload goes at `offset`. Server-to-client frames carry no mask, so one
 * frame serves every subscriber.
 */
function allocFrame(payloadBytes: number): { frame: Buffer; offset: number } {
  const offset = payloadBytes < 126 ? 2 : payloadBytes < 65536 ? 4 : 10;
  const frame = frameBytes(offset + payloadBytes);
  frame[0] = 0x81;
  if (payloadBytes < 126) {
    frame[1] = payloadBytes;
  } else if (payloadBytes < 65536) {
    frame[1] = 126;
    frame.writeUInt16BE(payloadBytes, 2);
  } else {
    frame[1] = 127;
    frame.writeBigUInt64BE(BigInt(payloadBytes), 2);
  }
  return { frame, offset };
}

/**
 * Writes one message into a reusable scratch buffer (never handed out: frames are copies, since sockets keep
 * references to what they are given until it is sent).
 */
class MessageWriter {
  private buffer = Buffer.allocUnsafe(16 * 1024);
  private at = HEADER_ROOM;

  private ensure(bytes: number): void {
    if (this.at + bytes <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(2 * this.buffer.length, this.at + bytes));
    this.buffer.copy(grown, 0, 0, this.at);
    this.buffer = grown;
  }

  /** A string known to be ASCII (JSON punctuation, keys, numbers): one byte per UTF-16 unit. */
  ascii(text: string): void {
    const length = text.length;
    this.ensure(length);
    const buffer = this.buffer;
    let at = this.at;
    for (let i = 0; i < length; i++) buffer[at++] = text.charCodeAt(i);
    this.at = at;
  }

  /**
   * A JSON number: JSON.stringify of the number itself, `null` for NaN and the infinities. That is also the fast
   * way on Node 20 (~160 ns for a fresh double against ~190 ns for `String(n)`, which goes through V8's
   * number-to-string cache, and that cache keeps each tick's strings alive long enough to reach the old generation).
   * A value written recently is copied from the table of recent numbers instead (`numberSlab`, `numberSlot`).
   */
  number(value: number): void {
    const slot = numberSlot(value);
    const start = slot * NUMBER_SLOT_BYTES;
    const cachedLength = numberSlab[start]!;
    if (cachedLength !== 0 && numberSlotValues[slot] === value) {
      this.ensure(cachedLength);
      // A loop, not `set(subarray(...))`: a view per number would be most of a tick's garbage.
      const buffer = this.buffer;
      let at = this.at;
      for (let i = 1; i <= cachedLength; i++) buffer[at++] = numberSlab[start + i]!;
      this.at = at;
      return;
    }
    const text = JSON.stringify(value);
    const length = text.length;
    if (length > NUMBER_TEXT_MAX) return this.ascii(text);
    this.ensure(length);
    const buffer = this.buffer;
    let at = this.at;
    for (let i = 0; i < length; i++) {
      const c = text.charCodeAt(i);
      buffer[at++] = c;
      numberSlab[start + 1 + i] = c;
    }
    this.at = at;
    numberSlab[start] = length;
    numberSlotValues[slot] = value;
  }

  /** A JSON string literal (escaped, UTF-8). */
  string(value: string): void {
    const bytes = quotedBytes(value);
    this.ensure(bytes.length);
    this.buffer.set(bytes, this.at);
    this.at += bytes.length;
  }

  /** A string literal that changes from tick to tick (an explanation with numbers): written, not cached. */
  freshString(value: string): void {
    // Explanations are ASCII with nothing to escape: copied as they are, else through JSON.stringify.
    const length = value.length;
    this.ensure(length + 2);
    const buffer = this.buffer;
    let at = this.at;
    buffer[at++] = 0x22;
    let plain = true;
    for (let i = 0; i < length; i++) {
      const c = value.charCodeAt(i);
      if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) {
        plain = false;
        break;
      }
      buffer[at++] = c;
    }
    if (plain) {
      buffer[at++] = 0x22;
      this.at = at;
      return;
    }
    const text = JSON.stringify(value);
    const bytes = Buffer.byteLength(text, 'utf8');
    this.ensure(bytes);
    this.buffer.write(text, this.at, 'utf8');
    this.at += bytes;
  }

  /** Bytes already encoded (a cached JSON fragment). */
  bytes(bytes: Buffer): void {
    this.ensure(bytes.length);
    this.buffer.set(bytes, this.at);
    this.at += bytes.length;
  }

  /** Copies out what was written since `from` (a fragment to cache), leaving it in place. */
  since(from: number): Buffer {
    return Buffer.from(this.buffer.subarray(from, this.at));
  }

  get offset(): number {
    return this.at;
  }

  /** `prefix` (ASCII: punctuation and a key) then a number. */
  numberField(prefix: string, value: number): void {
    this.ascii(prefix);
    this.number(value);
  }

  /** `prefix` (ASCII: punctuation and a key) then a string literal. */
  stringField(prefix: string, value: string): void {
    this.ascii(prefix);
    this.string(value);
  }

  /** The message written so far as a complete websocket text frame; starts a new message. */
  frame(): Buffer {
    const { frame, offset } = allocFrame(this.at - HEADER_ROOM);
    this.buffer.copy(frame, offset, HEADER_ROOM, this.at);
    this.at = HEADER_ROOM;
    return frame;
  }
}

const writer = new MessageWriter();

function writeNullable<T>(w: MessageWriter, prefix: string, value: T | null, write: (w: MessageWriter, v: T) => void) {
  w.ascii(prefix);
  if (value === null) w.ascii('null');
  else write(w, value);
}

function writeGreeks(w: MessageWriter, g: GreeksView): void {
  w.numberField('{"valueQuote":', g.valueQuote);
  w.numberField(',"delta":', g.delta);
  w.numberField(',"gamma":', g.gamma);
  w.numberField(',"vegaPerUnitVol":', g.vegaPerUnitVol);
  w.numberField(',"vegaPerVolPoint":', g.vegaPerVolPoint);
  w.numberField(',"thetaPerYear":', g.thetaPerYear);
  w.numberField(',"thetaPerDay":', g.thetaPerDay);
  w.ascii('}');
}

function writeCarryView(w: MessageWriter, c: CarryView): void {
  w.numberField('{"feeIncomeQuotePerDay":', c.feeIncomeQuotePerDay);
  w.numberField(',"lvrQuotePerDay":', c.lvrQuotePerDay);
  w.numberField(',"carryQuotePerDay":', c.carryQuotePerDay);
  w.stringField(',"thetaBasis":', c.thetaBasis);
  w.ascii('}');
}

function writeCarry(w: MessageWriter, c: BookCarry): void {
  w.numberField('{"vol":', c.vol);
  w.ascii(',"lp":');
  writeCarryView(w, c.lp);
  w.ascii(',"holdings":');
  writeCarryView(w, c.holdings);
  w.ascii(',"net":');
  writeCarryView(w, c.net);
  w.ascii('}');
}

function writeBand(w: MessageWriter, b: BandState): void {
  w.stringField('{"status":', b.status);
  w.numberField(',"halfWidthBase":', b.halfWidthBase ?? NaN);
  w.numberField(',"deviationBase":', b.deviationBase ?? NaN);
  w.numberField(',"targetDeltaBase":', b.targetDeltaBase);
  w.ascii(',"explanation":');
  w.freshString(b.explanation);
  w.ascii('}');
}

function writeToTrade(w: MessageWriter, t: ToTrade): void {
  w.stringField('{"instrument":', t.instrument);
  w.numberField(',"contracts":', t.contracts);
  w.numberField(',"contractsUnrounded":', t.contractsUnrounded);
  w.numberField(',"baseAmount":', t.baseAmount);
  w.numberField(',"lotContracts":', t.lotContracts);
  w.numberField(',"netDeltaAfterBase":', t.netDeltaAfterBase);
  w.numberField(',"netGammaLeft":', t.netGammaLeft);
  w.ascii('}');
}

/**
 * A suggestion changes when the optimiser re-solves (seconds apart at the least), not per tick: its JSON is written
 * once per suggestion object and the bytes reused by every tick's message until it is replaced.
 */
const suggestionBytes = new WeakMap<Suggestion, Buffer>();

function writeSuggestion(w: MessageWriter, s: Suggestion): void {
  const cached = suggestionBytes.get(s);
  if (cached) return w.bytes(cached);
  const from = w.offset;
  writeSuggestionFresh(w, s);
  suggestionBytes.set(s, w.since(from));
}

function writeSuggestionFresh(w: MessageWriter, s: Suggestion): void {
  w.ascii('{"legs":[');
  for (let i = 0; i < s.legs.length; i++) {
    const leg = s.legs[i]!;
    if (i > 0) w.ascii(',');
    w.stringField('{"instrument":', leg.instrument);
    w.stringField(',"kind":', leg.kind);
    w.stringField(',"side":', leg.side);
    w.numberField(',"contracts":', leg.contracts);
    w.numberField(',"baseAmount":', leg.baseAmount);
    w.ascii('}');
  }
  w.numberField('],"solvedAtSeq":', s.solvedAtSeq);
  w.stringField(',"reason":', s.reason);
  if (s.error !== undefined) {
    w.ascii(',"error":');
    w.freshString(s.error);
  }
  w.ascii('}');
}

/** `{"type":"hedge",...state}` in the desk book's key order (`deskBook.ts` builds the states in this order). */
function writeHedge(w: MessageWriter, state: PositionHedgeState): void {
  w.stringField('{"type":"hedge","positionId":', state.positionId);
  w.stringField(',"name":', state.name);
  w.stringField(',"market":', state.market);
  w.numberField(',"seq":', state.seq);
  w.numberField(',"asOfMs":', state.asOfMs);
  w.stringField(',"source":', state.source);
  w.numberField(',"price":', state.price ?? NaN);
  writeNullable(w, ',"lp":', state.lp, writeGreeks);
  writeNullable(w, ',"holdings":', state.holdings, writeGreeks);
  writeNullable(w, ',"net":', state.net, writeGreeks);
  writeNullable(w, ',"carry":', state.carry, writeCarry);
  w.ascii(',"band":');
  writeBand(w, state.band);
  writeNullable(w, ',"toTrade":', state.toTrade, writeToTrade);
  writeNullable(w, ',"suggestion":', state.suggestion, writeSuggestion);
  w.numberField(',"quoteAgeMs":', state.quoteAgeMs ?? NaN);
  w.ascii(state.stale ? ',"stale":true' : ',"stale":false');
  if (state.error !== undefined) {
    w.ascii(',"error":');
    w.freshString(state.error);
  }
  if (state.tickAtMs !== undefined) w.numberField(',"tickAtMs":', state.tickAtMs);
  w.ascii('}');
}

/** The websocket frame of `{"type":"hedge",...state}`: the message for one position. */
export function hedgeFrame(state: PositionHedgeState): Buffer {
  writeHedge(writer, state);
  return writer.frame();
}

/** The websocket frame of `{"type":"hedge","book":true,...state}` (once per tick, not hot: JSON.stringify). */
export function bookFrame(state: BookHedgeState): Buffer {
  return textFrame('{"type":"hedge","book":true,' + JSON.stringify(state).slice(1));
}

/** A complete websocket text frame around `message`, UTF-8 encoded once into the frame's own buffer. */
export function textFrame(message: string): Buffer {
  const { frame, offset } = allocFrame(Buffer.byteLength(message, 'utf8'));
  frame.write(message, offset, 'utf8');
  return frame;
}

/** The payloads of consecutive frames made here (one buffer, as a client's pending frames are sent), in order. */
export function framePayloads(frames: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let at = 0;
  while (at < frames.length) {
    const marker = frames[at + 1]! & 0x7f;
    const offset = marker < 126 ? 2 : marker === 126 ? 4 : 10;
    const length =
      marker < 126 ? marker : marker === 126 ? frames.readUInt16BE(at + 2) : Number(frames.readBigUInt64BE(at + 2));
    out.push(frames.subarray(at + offset, at + offset + length));
    at += offset + length;
  }
  return out;
}

/** `{"type":"hedge",...state}` as a string (what `hedgeFrame` carries). */
export function hedgeMessage(state: PositionHedgeState): string {
  return framePayloads(hedgeFrame(state))[0]!.toString('utf8');
}
