/**
 * The soak harness (bench/soak/): its order checker on real wire messages, in order and deliberately reordered; the
 * level-off check on flat, growing and levelling series; the latency histogram; and a few seconds of the real
 * harness (service, child-process load generator with every client kind) with the report's structure asserted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LatencyHistogram } from '../../bench/soak/histogram.js';
import { checkGrowth } from '../../bench/soak/levels.js';
import type { Sample } from '../../bench/soak/levels.js';
import { BOOK_KEY, OrderChecker, emptyOrderStats, parseHedgeHead } from '../../bench/soak/order.js';
import { formatReport } from '../../bench/soak/report.js';
import { clientCounts, runSoak, soakOptions } from '../../bench/soak/soak.js';
import { DeskBook } from '../../src/service/deskBook.js';
import { ScriptedFeed } from '../../src/service/feeds/scripted.js';
import type { PositionHedgeState } from '../../src/service/hedgeState.js';
import type { FeedSnapshot, PositionSpec, StoredPosition } from '../../src/service/types.js';
import { bookFrame, framePayloads, hedgeMessage } from '../../src/service/wire.js';
import { builtinMarket, v2Position, v3Position } from '../service/helpers.js';

const markets = new Map<string, FeedSnapshot>();
let desk: DeskBook;
let base: FeedSnapshot;

function stored(spec: PositionSpec, id: string, label: string): StoredPosition {
  return { ...spec, label, id, createdAtMs: 0, updatedAtMs: 0, version: 1 };
}

beforeAll(async () => {
  base = new ScriptedFeed(await builtinMarket()).current()!;
  desk = new DeskBook({
    markets: () => markets,
    holdings: () => [],
    now: () => base.receivedAtMs,
    maxQuoteAgeMs: 10_000,
    suggestions: false,
  });
  // A name that holds the text `"seq":` (escaped on the wire): the reader must not take it for the field.
  desk.setPositions([stored(v3Position, 'pos-a', 'a "seq":1000 name'), stored(v2Position, 'pos-b', 'b')]);
});

afterAll(async () => {
  await desk.close();
});

/** The desk book's real states for tick `seq`, ordered by position id, with the tick's arrival time set. */
function statesAt(seq: number): PositionHedgeState[] {
  const snapshot = { ...base, seq, receivedAtMs: base.receivedAtMs + seq };
  markets.set('deribit/BTC', snapshot);
  const states = desk.tick('deribit/BTC', snapshot).sort((x, y) => x.positionId.localeCompare(y.positionId));
  for (const s of states) s.tickAtMs = snapshot.receivedAtMs;
  return states;
}

function bookMessage(seq: number): string {
  return framePayloads(bookFrame(desk.bookState(seq, base.asOfMs)))[0]!.toString('utf8');
}

/** What one client subscribed to both positions and the book sees over ticks 1..n (wire.ts's own bytes). */
function stream(ticks: number): string[] {
  const out: string[] = [];
  for (let seq = 1; seq <= ticks; seq++) {
    for (const s of statesAt(seq)) out.push(hedgeMessage(s));
    out.push(bookMessage(seq));
  }
  return out;
}

function check(messages: readonly string[], checker = new OrderChecker(1)) {
  for (const text of messages) {
    const head = parseHedgeHead(text);
    if (head === null) checker.malformed();
    else checker.observe(head.key, head.seq);
  }
  return checker.stats;
}

describe('parseHedgeHead', () => {
  it("reads the key, seq and tickAtMs of wire.ts's position and book messages, and ignores the other types", () => {
    const [a, b] = statesAt(42);
    expect(parseHedgeHead(hedgeMessage(a!))).toEqual({ key: 'pos-a', seq: 42, tickAtMs: base.receivedAtMs + 42 });
    expect(parseHedgeHead(hedgeMessage(b!))).toMatchObject({ key: 'pos-b', seq: 42 });
    expect(parseHedgeHead(bookMessage(7))).toEqual({ key: BOOK_KEY, seq: 7, tickAtMs: null });
    expect(parseHedgeHead('{"type":"welcome","role":"viewer","engine":"hedging"}')).toBeNull();
    expect(parseHedgeHead('{"type":"subscribed","positionIds":["pos-a"],"book":false,"unknown":[]}')).toBeNull();
    const escaped = hedgeMessage({ ...a!, positionId: 'pos\\"odd' });
    expect(parseHedgeHead(escaped)).toMatchObject({ key: 'pos\\"odd', seq: 42 });
  });
});

describe('OrderChecker', () => {
  it('passes a stream in order and counts what conflation skipped', () => {
    const messages = stream(20);
    expect(check(messages)).toMatchObject({ messages: 60, outOfOrder: 0, duplicates: 0, skipped: 0, malformed: 0 });
    // Conflation: ticks 5..9 of pos-a replaced by tick 10 (dropped, not reordered).
    const conflated = messages.filter((m) => !/"positionId":"pos-a".*"seq":[5-9],/.test(m));
    expect(conflated.length).toBe(55);
    expect(check(conflated)).toMatchObject({ outOfOrder: 0, skipped: 5 });
  });

  it('detects a deliberately reordered stream: two messages of one position swapped', () => {
    const messages = stream(20);
    // pos-a's tick 8 and tick 9 (indices 21 and 24) swapped: the client sees 7, 9, 8, 10.
    const reordered = [...messages];
    [reordered[21], reordered[24]] = [reordered[24]!, reordered[21]!];
    expect(parseHedgeHead(reordered[21]!)).toMatchObject({ key: 'pos-a', seq: 9 });
    const stats = check(reordered);
    expect(stats.outOfOrder).toBe(1);
    expect(stats.violations).toEqual([{ client: 1, connection: 0, key: 'pos-a', previousSeq: 9, seq: 8 }]);
  });

  it('detects a book message sent late, and a duplicate within a connection', () => {
    const messages = stream(5);
    const late = [...messages];
    const [book2] = late.splice(5, 1); // the book of tick 2 ...
    late.splice(11, 0, book2!); // ... after the book of tick 4
    expect(check(late).outOfOrder).toBe(1);
    const dup = [...messages];
    dup.splice(3, 0, messages[3]!);
    expect(check(dup)).toMatchObject({ outOfOrder: 0, duplicates: 1 });
  });

  it('allows the state resent on reconnecting but not an older one, across connections', () => {
    const checker = new OrderChecker(7, emptyOrderStats());
    checker.observe('p', 1);
    checker.observe('p', 2);
    checker.newConnection();
    expect(checker.observe('p', 2)).toBe('resent');
    expect(checker.observe('p', 3)).toBe('next');
    checker.newConnection();
    expect(checker.observe('p', 9)).toBe('next'); // ticks missed while away are not "skipped"
    checker.newConnection();
    expect(checker.observe('p', 8)).toBe('out-of-order');
    expect(checker.stats).toMatchObject({ messages: 6, outOfOrder: 1, resent: 1, skipped: 0, duplicates: 0 });
  });
});

describe('checkGrowth', () => {
  const series = (f: (t: number) => number, n = 60, periodMs = 60_000): Sample[] =>
    Array.from({ length: n }, (_, i) => {
      const tMs = (i * periodMs) / (n - 1);
      return { tMs, value: f(tMs) };
    });
  const threshold = { absolute: 1_000, relative: 0.01 };

  it('passes a flat, noisy series and fails a steady leak, saying by how much the last half grew', () => {
    const flat = checkGrowth(
      'heap',
      'bytes',
      series((t) => 100_000 + (Math.floor(t / 1000) % 3) * 500),
      60_000,
      threshold,
    );
    expect(flat.ok).toBe(true);
    expect(Math.abs(flat.growthLastHalf!)).toBeLessThan(1_000);
    const leak = checkGrowth(
      'heap',
      'bytes',
      series((t) => 100_000 + t),
      60_000,
      threshold,
    );
    expect(leak.ok).toBe(false);
    expect(leak.growthLastHalf).toBeCloseTo(30_000, 0);
    expect(leak.growthFirstHalf).toBeCloseTo(30_000, 0);
    expect(leak.threshold).toBe(1_300); // 1% of the median level (130 000) is above the absolute 1 000
    expect(leak.reason).toMatch(/grew 30000 bytes in the last half/);
  });

  it('passes a series that grows in the first half and levels off in the second', () => {
    const levelling = checkGrowth(
      'rss',
      'bytes',
      series((t) => 100_000 + Math.min(t, 25_000)),
      60_000,
      threshold,
    );
    expect(levelling.growthFirstHalf!).toBeGreaterThan(20_000);
    expect(levelling.ok).toBe(true);
  });

  it('is not moved by a spike at the end of a flat series (a least-squares fit would be)', () => {
    const spiky = series((t) => (t > 58_000 ? 150_000 : 100_000));
    const check = checkGrowth('rss', 'bytes', spiky, 60_000, threshold);
    expect(check.growthLastHalf).toBe(0);
    expect(check.ok).toBe(true);
  });

  it('fails rather than passes when a half has too few samples', () => {
    const few = checkGrowth(
      'fds',
      'descriptors',
      series(() => 50, 4),
      60_000,
      threshold,
    );
    expect(few.ok).toBe(false);
    expect(few.reason).toMatch(/too few samples/);
  });
});

describe('LatencyHistogram', () => {
  it('gives percentiles to the bucket width and the exact maximum', () => {
    const h = new LatencyHistogram();
    for (let i = 1; i <= 1000; i++) h.add(i / 100); // 0.01 .. 10 ms
    h.add(1234.5);
    expect(h.count).toBe(1001);
    expect(h.percentile(50)!).toBeCloseTo(5.0, 1);
    expect(h.percentile(99)!).toBeCloseTo(9.9, 1);
    expect(h.summary().maxMs).toBe(1234.5);
    h.reset();
    expect(h.summary()).toEqual({ count: 0, p50Ms: null, p99Ms: null, p999Ms: null, maxMs: null });
  });
});

describe('runSoak', () => {
  it('runs the service under every client kind for a few seconds and reports windows, levels and order', async () => {
    const options = soakOptions({
      durationMs: 4_000,
      warmupMs: 1_000,
      windowMs: 2_000,
      clients: 16,
      mix: { slow: 0.25, reconnecting: 0.25, garbage: 0.25 },
      positions: 4,
      ticksPerSec: 50,
      slowSubscriptions: 2,
      slowPauseMs: 600,
      slowReadMs: 300,
      reconnectLifetimeMs: [300, 700],
      garbageAfterMs: [150, 300],
      sampleMs: 200,
      gcSampleMs: 400,
      suggestions: false,
      // A few seconds say nothing about leaks: the thresholds here only keep the verdict about order and delivery.
      thresholds: {
        rss: { absolute: 2 ** 30, relative: 0 },
        heap: { absolute: 2 ** 30, relative: 0 },
        fds: { absolute: 1_000, relative: 0 },
        fdsBesideClients: { absolute: 1_000, relative: 0 },
      },
    });
    expect(clientCounts(16, options.mix)).toEqual({ steady: 4, slow: 4, reconnecting: 4, garbage: 4 });
    const report = await runSoak(options);
    expect(report.failures).toEqual([]);
    expect(Array.isArray(report.warnings)).toBe(true);
    expect(report.ok).toBe(true);
    expect(report.windows.map((w) => w.index)).toEqual([0, 1]);
    for (const w of report.windows) {
      expect(w.ticks).toBeGreaterThan(50);
      expect(w.tickToPush.count).toBeGreaterThan(0);
      expect(w.tickToPush.p99Ms).toBeGreaterThan(0);
      expect(w.tickToPush.p99Ms!).toBeGreaterThanOrEqual(w.tickToPush.p50Ms!);
      expect(w.steadyDeliveredShare).toBeGreaterThan(0.5);
      expect(w.serverTick.count).toBe(w.ticks);
    }
    expect(report.order.total.outOfOrder).toBe(0);
    expect(report.order.byKind.steady.messages).toBeGreaterThan(100);
    expect(report.order.byKind.slow.messages).toBeGreaterThan(0);
    expect(report.clients.connects.reconnecting).toBeGreaterThan(4);
    expect(report.order.byKind.reconnecting.resent + report.order.byKind.reconnecting.messages).toBeGreaterThan(0);
    expect(report.clients.garbageNotRefused).toBe(0);
    expect(report.clients.garbageOutcomes.some((g) => g.outcome === 'close 1003')).toBe(true);
    expect(report.clients.errors).toBe(0);
    for (const check of [report.levels.rss, report.levels.heap, report.levels.fds!, report.levels.fdsBesideClients!]) {
      expect(check.samples).toBeGreaterThanOrEqual(6);
      expect(typeof check.growthLastHalf).toBe('number');
      expect(typeof check.growthFirstHalf).toBe('number');
      expect(check.ok).toBe(true);
    }
    expect(report.levels.fds!.medianLevel).toBeGreaterThan(16); // this process holds the service's sockets
    expect(report.maxServiceClients).toBeGreaterThan(0);
    expect(report.maxServiceClients).toBeLessThanOrEqual(16);
    expect(report.samples.every((s) => s.fds !== null && s.rss > 0)).toBe(true);
    expect(report.orderField).toMatch(/seq/);
    const text = formatReport(report);
    expect(text).toMatch(/^ilhedge soak: PASS/);
    expect(text).toMatch(/growth in the last half/);
  }, 20_000);
});
