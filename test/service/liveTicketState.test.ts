/**
 * A ticket proposed on the replay after the price has moved names the market state it was priced on (feed seq and
 * time), and recomputed on that state (rebuilt independently: the demo replay is a seeded path, so the same seed
 * stepped to the same seq is the same state) the book with the ticket's legs is neutral within the ticket's own
 * tolerances. On the state the market moved on to afterwards it is not: which state a ticket names matters.
 */
import { describe, expect, it } from 'vitest';
import { lpBookPosition, marketContext, netBook, type BookPosition } from '../../hedging/index.js';
import { DeskBook } from '../../src/service/deskBook.js';
import { SnapshotReplayFeed } from '../../src/service/feeds/replay.js';
import type { FeedSnapshot, StoredPosition } from '../../src/service/types.js';
import { builtinChain } from './liveVenue.js';

const HOUR = 3_600_000;
const options = { intervalMs: 1_000, replayMsPerTick: 4 * HOUR, seed: 20261203 };

const position: StoredPosition = {
  kind: 'lp',
  venue: 'deribit',
  underlying: 'BTC',
  model: 'v3',
  lower: 70_000,
  upper: 82_000,
  price: 75_800,
  depositValue: 1_000_000,
  id: 'p1',
  createdAtMs: 0,
  updatedAtMs: 0,
  version: 1,
};

describe('a ticket on the replay names the state it was priced on', () => {
  it('is neutral when recomputed on that state, after the price has moved', async () => {
    const base = await builtinChain();
    const feed = new SnapshotReplayFeed(base, options);
    // The replay moves the whole market along its path until the price is at least 1% away from the recording's.
    let current: FeedSnapshot = feed.current()!;
    while (Math.abs(current.market.index! / base.index! - 1) < 0.01) current = feed.step();
    expect(current.seq).toBeGreaterThan(0);
    expect(current.source).toBe('demo');
    const desk = new DeskBook({
      markets: () => new Map([['deribit/BTC', current]]),
      holdings: () => [],
      now: () => current.receivedAtMs,
      maxQuoteAgeMs: 60_000,
      suggestions: false,
    });
    desk.setPositions([position]);
    const proposal = await desk.propose({ mode: 'dynamic', positionIds: ['p1'] });
    const named = proposal.marketState;
    expect(proposal.content.marketState).toEqual(named);
    expect(named).toMatchObject({ market: 'deribit/BTC', seq: current.seq, asOfMs: current.asOfMs, source: 'demo' });
    const ticket = proposal.ticket;
    expect(ticket.legs.length).toBeGreaterThan(0);

    // The market moves on after the ticket.
    for (let i = 0; i < 12; i++) current = feed.step();

    // The named state, rebuilt from scratch: the same path stepped to the named seq.
    const again = new SnapshotReplayFeed(base, options);
    let state = again.current()!;
    while (state.seq < named.seq) state = again.step();
    expect(state.asOfMs).toBe(named.asOfMs);
    expect(state.market.index).toBe(ticket.price);

    const legs: BookPosition[] = ticket.legs.map((leg, i) => ({
      id: `leg${i}`,
      kind: leg.kind,
      venue: 'deribit',
      instrument: leg.instrument,
      contracts: leg.side === 'buy' ? leg.contracts : -leg.contracts,
    }));
    const book = [lpBookPosition('p1', position), ...legs];
    const onNamed = netBook(book, marketContext(state.market, state.asOfMs), desk.deskPolicy);
    expect(Math.abs(onNamed.net.delta - ticket.target.delta)).toBeLessThanOrEqual(ticket.tolerance.delta);
    expect(Math.abs(onNamed.net.gamma - ticket.target.gamma)).toBeLessThanOrEqual(ticket.tolerance.gamma!);
    // The same numbers the ticket reports after its legs, recomputed independently.
    expect(onNamed.net.delta).toBeCloseTo(ticket.after.delta, 6);
    expect(onNamed.net.gamma).toBeCloseTo(ticket.after.gamma, 12);

    // On the state the market moved on to, the same hedge is off target: the state a ticket names is the one to use.
    const onLater = netBook(book, marketContext(current.market, current.asOfMs), desk.deskPolicy);
    expect(Math.abs(onLater.net.delta - ticket.target.delta)).toBeGreaterThan(ticket.tolerance.delta);
  }, 60_000);
});
