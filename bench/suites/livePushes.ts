/**
 * What the live-path benchmark (liveFeed.ts) reads off the wire and how it pairs it with what the venue sent: a
 * hedge message's price and `tickAtMs`, and each client message matched to the venue round whose index it shows.
 */

/** Prices are matched on 1e-4 USD: rounds differ by >= 0.07 USD, float noise is far below that. */
const PRICE_KEY_SCALE = 1e4;

export function priceKey(price: number): number {
  return Math.round(price * PRICE_KEY_SCALE);
}

/** What a client reads off a hedge message: its price and `tickAtMs` (NaN where absent); null if not a hedge. */
export function parseHedgePush(text: string): { price: number; tickAtMs: number; stale: boolean } | null {
  // The book's message (`{"type":"hedge","book":true,...}`) is not a position's: its prices are per underlying.
  if (!text.startsWith('{"type":"hedge"') || text.startsWith('{"type":"hedge","book":true')) return null;
  // The first `"price":` of a position message is the state's own (wire.ts writes it before the greeks; `name` is
  // an escaped string, so a name containing the text cannot end the string early).
  const at = text.indexOf(',"price":');
  const tick = text.lastIndexOf(',"tickAtMs":');
  return {
    price: at < 0 ? NaN : parseFloat(text.slice(at + 9, at + 40)),
    tickAtMs: tick < 0 ? NaN : parseFloat(text.slice(tick + 12, tick + 40)),
    stale: text.includes(',"stale":true'),
  };
}

/** One venue round: when its perp frame was sent (wall ms) and the index it carried. */
export interface VenueRound {
  round: number;
  index: number;
  sentAtMs: number;
}

/** One recorded push: the client, the hedge message's price and tickAtMs, when it arrived (wall ms). */
export interface Push {
  client: number;
  price: number;
  tickAtMs: number;
  receivedAtMs: number;
}

export interface MatchedPushes {
  /** Venue send -> client receipt, per matched push (ms). */
  latencies: number[];
  /** Venue send -> the feed's emission (`tickAtMs` taken back to the wall clock). */
  venueToEmit: number[];
  /** The feed's emission -> client receipt (what `service.tickToPush` measures). */
  emitToClient: number[];
  /** Pushes whose price is no round's (the REST start-up state, a round sent before the venue recorded). */
  unmatched: number;
  /** (client, round) pairs received, of the rounds sent inside the window (less the grace at its end). */
  delivered: number;
  expected: number;
}

/**
 * Pairs each push with the round whose index it shows. `clockOffsetMs` is the feed clock minus the wall clock (the
 * service runs on the recording's day), to bring `tickAtMs` back to the wall clock.
 */
export function matchPushes(
  pushes: readonly Push[],
  rounds: readonly VenueRound[],
  opts: { clients: number; clockOffsetMs: number; fromMs: number; toMs: number; graceMs: number },
): MatchedPushes {
  const byKey = new Map<number, VenueRound>();
  for (const r of rounds) byKey.set(priceKey(r.index), r);
  const inWindow = new Set(
    rounds.filter((r) => r.sentAtMs >= opts.fromMs && r.sentAtMs <= opts.toMs - opts.graceMs).map((r) => r.round),
  );
  const out: MatchedPushes = {
    latencies: [],
    venueToEmit: [],
    emitToClient: [],
    unmatched: 0,
    delivered: 0,
    expected: inWindow.size * opts.clients,
  };
  const seen = new Set<string>();
  for (const p of pushes) {
    const r = byKey.get(priceKey(p.price));
    if (!r) {
      out.unmatched += 1;
      continue;
    }
    out.latencies.push(p.receivedAtMs - r.sentAtMs);
    if (Number.isFinite(p.tickAtMs)) {
      const emittedAtMs = p.tickAtMs - opts.clockOffsetMs;
      out.venueToEmit.push(emittedAtMs - r.sentAtMs);
      out.emitToClient.push(p.receivedAtMs - emittedAtMs);
    }
    const pair = `${p.client}:${r.round}`;
    if (inWindow.has(r.round) && !seen.has(pair)) {
      seen.add(pair);
      out.delivered += 1;
    }
  }
  return out;
}

/** This thread's OS id (`/proc/thread-self` -> `<pid>/task/<tid>`), so the server's CPU can leave it out. */
