/**
 * A whole market moved consistently: every price of the underlying (index, perp, futures, each expiry's forward)
 * scaled by one factor and the clock advanced, with option premiums repriced by Black-76 from their own implied
 * vols at the moved forward and the new time to expiry (sticky-strike: each strike keeps its IV; bid and ask keep
 * their distance to the mark). Options and
 * chains that have expired by the new time are dropped. Every quote is stamped with the new time, and the source
 * says what was done, so nothing downstream mistakes a moved snapshot for a recorded one.
 *
 * This is how the offline demo replays a one-snapshot recording along a price path (issue "live": never a moved
 * pool price beside frozen forwards), and how tests move the market the stream and the tickets both read.
 */
import { black76Price, yearFractionAct365 } from '../pricing/index.js';
import type { Chain, MarketSnapshot, OptionQuote } from './model.js';

export interface MarketMove {
  /** Every underlying price is multiplied by this (> 0). */
  priceFactor: number;
  /** The new market time, UTC ms (the replay clock, or a test's). */
  asOfMs: number;
  /** The new source label (say what moved it). */
  label: string;
}

function scaled(value: number | null, factor: number): number | null {
  return value === null ? null : value * factor;
}

/** One option repriced at its forward moved by `factor` and time `asOfMs`; bid and ask at their own IVs if known. */
function movedOption(quote: OptionQuote, factor: number, asOfMs: number): OptionQuote {
  const i = quote.instrument;
  const forward = scaled(quote.forward, factor);
  if (forward === null || i.strike === null || i.expiryMs === null || i.optionType === null) {
    return { ...quote, forward, index: scaled(quote.index, factor), timestampMs: asOfMs };
  }
  const years = Math.max(0, yearFractionAct365(asOfMs, i.expiryMs));
  const priceAt = (iv: number | null) =>
    iv !== null && iv > 0 ? black76Price(i.optionType!, forward, i.strike!, years, iv) : null;
  const markQuote = priceAt(quote.markIv) ?? scaled(quote.markQuote, factor);
  // Bid and ask keep their distance to the mark (the spread in USD), never below zero: one Black-76 price per option
  // and move, not three (the demo moves all ~900 options of the chain on every tick).
  const shift = (side: number | null) => {
    if (side === null || quote.markQuote === null || markQuote === null) return scaled(side, factor);
    return Math.max(0, side + (markQuote - quote.markQuote));
  };
  const bidQuote = shift(quote.bidQuote);
  const askQuote = shift(quote.askQuote);
  const toSettle = (usd: number | null) => (usd === null ? null : i.inverse ? usd / forward : usd);
  // Every field written out: an object spread costs several times the literal, and this runs ~900 times a tick.
  return {
    kind: 'option',
    instrument: i,
    bidSettle: toSettle(bidQuote),
    askSettle: toSettle(askQuote),
    markSettle: toSettle(markQuote),
    bidQuote,
    askQuote,
    markQuote,
    bidSizeContracts: quote.bidSizeContracts,
    askSizeContracts: quote.askSizeContracts,
    markIv: quote.markIv,
    bidIv: quote.bidIv,
    askIv: quote.askIv,
    // Venue greeks were computed on the old state: dropping them is honest, recomputing is the hedging layer's job.
    venueGreeks: null,
    forward,
    index: scaled(quote.index, factor),
    openInterestContracts: quote.openInterestContracts,
    timestampMs: asOfMs,
  };
}

function movedChain(chain: Chain, factor: number, asOfMs: number): Chain {
  return {
    ...chain,
    forward: chain.forward * factor,
    parityForward: scaled(chain.parityForward, factor),
    options: chain.options.map((o) => movedOption(o, factor, asOfMs)),
  };
}

/** The snapshot with every price moved by `priceFactor` and the clock at `asOfMs` (see the module comment). */
export function moveMarket<T extends MarketSnapshot>(snapshot: T, move: MarketMove): T {
  const f = move.priceFactor;
  if (!(f > 0) || !Number.isFinite(f)) throw new RangeError(`priceFactor: must be a positive number (got ${f})`);
  if (!Number.isFinite(move.asOfMs)) throw new RangeError(`asOfMs: must be a time in UTC ms (got ${move.asOfMs})`);
  const t = move.asOfMs;
  const chains = snapshot.chains.filter((c) => c.expiryMs > t).map((c) => movedChain(c, f, t));
  const listed = new Set<string>();
  for (const c of chains) for (const o of c.options) listed.add(o.instrument.symbol);
  const perp = snapshot.perp
    ? {
        ...snapshot.perp,
        bid: scaled(snapshot.perp.bid, f),
        ask: scaled(snapshot.perp.ask, f),
        mark: scaled(snapshot.perp.mark, f),
        index: scaled(snapshot.perp.index, f),
        timestampMs: t,
      }
    : null;
  if (perp) listed.add(perp.instrument.symbol);
  const futures = snapshot.futures
    .filter((q) => (q.instrument.expiryMs ?? Infinity) > t)
    .map((q) => ({
      ...q,
      bid: scaled(q.bid, f),
      ask: scaled(q.ask, f),
      mark: scaled(q.mark, f),
      index: scaled(q.index, f),
      timestampMs: t,
    }));
  for (const q of futures) listed.add(q.instrument.symbol);
  return {
    ...snapshot,
    source: { ...snapshot.source, label: move.label, dataTimeMs: t },
    chains,
    perp,
    futures,
    index: scaled(snapshot.index, f),
    issues: snapshot.issues.filter((i) => listed.has(i.symbol)),
    usableForHedging: new Set([...snapshot.usableForHedging].filter((s) => listed.has(s))),
    // A loaded snapshot also carries the time its sanity checks used: that is now the new time too.
    ...('asOfMs' in snapshot ? { asOfMs: t } : {}),
  };
}
