/**
 * What the stream pushes and `GET /api/book` serves, per position and per market: the net book of the hedging
 * layer (LP, holdings, net Greeks, band on the net delta, perp contracts in lots to trade) with the market state it
 * was computed on. The wire format (`wire.ts`) writes exactly these fields, in this order.
 */
import type { BookCarry, CollateralBalanceView, GreeksView, HedgePolicy, ToTrade } from '../../hedging/index.js';
import type { FeedSnapshot } from './types.js';

export interface BandState {
  /** `stale`: the market data is too old to hedge on; `no-market`: nothing to value the position on. */
  status: 'inside' | 'breach' | 'stale' | 'no-market';
  halfWidthBase: number | null;
  deviationBase: number | null;
  targetDeltaBase: number;
  explanation: string;
}

export interface SuggestionLeg {
  instrument: string;
  kind: 'option' | 'perp' | 'future';
  side: 'buy' | 'sell';
  /** Signed contracts, whole lots. */
  contracts: number;
  /** Signed base units. */
  baseAmount: number;
}

/** The ticket engine's answer at the last re-solve (band breach, holdings change, start): what a ticket would trade. */
export interface Suggestion {
  legs: SuggestionLeg[];
  solvedAtSeq: number;
  reason: 'start' | 'band-breach' | 'holdings-changed';
  error?: string;
}

export interface PositionHedgeState {
  positionId: string;
  name: string;
  /** `venue/UNDERLYING`. */
  market: string;
  seq: number;
  /** Market time on the feed clock (replay time for a replay). */
  asOfMs: number;
  source: FeedSnapshot['source'];
  /** Pool price, quote per base. */
  price: number | null;
  lp: GreeksView | null;
  holdings: GreeksView | null;
  net: GreeksView | null;
  /** Expected carry per day (fee income against LVR), beside the Greeks; null without a market. */
  carry: BookCarry | null;
  band: BandState;
  toTrade: ToTrade | null;
  suggestion: Suggestion | null;
  /** Wall ms since the snapshot arrived plus the data's own lag behind the market clock. */
  quoteAgeMs: number | null;
  stale: boolean;
  /** Wall-clock ms (fractional) when the tick that produced this state arrived: clients measure push latency. */
  tickAtMs?: number;
  error?: string;
}

/**
 * A market's whole book: its LP positions, every hedge held on it and its venue balances (`collateral`, each balance
 * in `balances` with what moved it), `net` their sum. Sent with JSON.stringify (wire.ts `bookFrame`).
 */
export interface MarketBookState {
  price: number;
  lp: GreeksView;
  holdings: GreeksView;
  collateral: GreeksView;
  net: GreeksView;
  balances: CollateralBalanceView[];
  carry: BookCarry;
  band: BandState;
  toTrade: ToTrade | null;
  suggestion: Suggestion | null;
  stale: boolean;
  quoteAgeMs: number;
  positions: number;
  /** Balances of the market not counted, and why. */
  error?: string;
}

export interface BookHedgeState {
  seq: number;
  asOfMs: number;
  positions: number;
  valueQuote: number;
  bandBreaches: number;
  byUnderlying: Record<string, MarketBookState>;
}

/** The state of a position with nothing to value it on (no market, a position that cannot be built): why, as of when. */
export function emptyPositionState(
  p: { id: string; name: string; market: string; policy: HedgePolicy },
  snapshot: FeedSnapshot | null,
  status: 'no-market',
  error: string,
): PositionHedgeState {
  return {
    positionId: p.id,
    name: p.name,
    market: p.market,
    seq: snapshot?.seq ?? 0,
    asOfMs: snapshot?.asOfMs ?? 0,
    source: snapshot?.source ?? 'synthetic',
    price: null,
    lp: null,
    holdings: null,
    net: null,
    carry: null,
    band: {
      status,
      halfWidthBase: null,
      deviationBase: null,
      targetDeltaBase: p.policy.target.delta,
      explanation: error,
    },
    toTrade: null,
    suggestion: null,
    quoteAgeMs: null,
    stale: false,
    error,
  };
}
