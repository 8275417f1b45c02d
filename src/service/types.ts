/**
 * The small interfaces the desk service consumes. The service owns HTTP, websockets, SQLite and the process; the
 * market and the hedging maths come in through these two seams (`MarketFeed`, `HedgeEngine`), so the service can
 * run on the built-in replay, a live stream or a scripted test feed, and on the hedging layer's engine.
 */
import { z } from 'zod';

/** One listed option as the service uses it. Premiums are in the quote currency (USD), vols decimal. */
export interface FeedOption {
  instrument: string;
  optionType: 'call' | 'put';
  strike: number;
  expiryMs: number;
  /** Forward of this option's own expiry (quote per base): Black-76 prices on it. */
  forward: number;
  /** Mark implied volatility as a decimal (0.45), already normalised by the adapter. */
  markIv: number;
  markPriceQuote?: number;
  bidQuote?: number;
  askQuote?: number;
  /** Base-coin units per contract (Deribit BTC: 1). */
  contractSizeBase: number;
  /** Coin-settled (inverse) option: the USD-flat delta subtracts the coin premium. */
  inverse?: boolean;
}

/** One normalised market snapshot for one venue/underlying. */
export interface FeedSnapshot {
  venue: string;
  underlying: string;
  /** Where the numbers come from: a replay runs on its recording's own clock and must say so. */
  source: 'replay' | 'live' | 'scripted' | 'synthetic';
  /** Human description of the source, e.g. which recording and that it runs on the replay's own clock. */
  label?: string;
  /** Monotonic update counter of the feed (one per tick). */
  seq: number;
  /** Time of the market state on the feed's own clock (replay time for a replay), ms since epoch. */
  asOfMs: number;
  /** Wall-clock time when the service received this snapshot, ms since epoch: quotes' age is measured from it. */
  receivedAtMs: number;
  /** Index / spot price, quote per base. */
  spot: number;
  perp?: {
    instrument: string;
    markPriceQuote: number;
    /** Inverse perps trade in USD contracts (BTC-PERPETUAL: 10 USD); linear ones in base units times a size. */
    contractValueQuote?: number;
    contractSizeBase?: number;
  };
  options: readonly FeedOption[];
  /** The venue-normalised chain in the adapters' own model, when the feed has one (served as-is by the API). */
  chain?: unknown;
  /** The adapters' snapshot itself (with its usable set), for the hedging layer's ticket engine. */
  adapter?: unknown;
}

export type MarketListener = (snapshot: FeedSnapshot) => void;

/** A source of market snapshots for one venue/underlying. */
export interface MarketFeed {
  readonly venue: string;
  readonly underlying: string;
  current(): FeedSnapshot | undefined;
  /** Subscribe to updates; returns the unsubscribe function. */
  onUpdate(listener: MarketListener): () => void;
  /** Connected (or, for a replay, running); `/ready` also checks freshness. */
  connected(): boolean;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export const marketKey = (venue: string, underlying: string): string =>
  `${venue.toLowerCase()}/${underlying.toUpperCase()}`;

/** The position as the service stores and serves it (the API body, validated by `positionSpecSchema`). */
export const poolSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('v2') }).strict(),
  z
    .object({
      kind: z.literal('v3'),
      lowerPrice: z.number().positive().finite().describe('lower bound of the range, quote per base'),
      upperPrice: z.number().positive().finite().describe('upper bound of the range, quote per base'),
    })
    .strict()
    .refine((p) => p.upperPrice > p.lowerPrice, { message: 'upperPrice must exceed lowerPrice', path: ['upperPrice'] }),
]);

export const hedgePolicySchema = z
  .object({
    deltaBandBase: z
      .number()
      .nonnegative()
      .finite()
      .describe('rebalance when |net delta| exceeds this many base units'),
    gammaBandBasePerQuote: z.number().nonnegative().finite().describe('tolerated |net gamma|, base per quote'),
    minOptionDays: z.number().nonnegative().finite().describe('shortest option expiry used for gamma, days'),
    horizonDays: z.number().positive().finite().describe('hedge horizon for static strips, days'),
  })
  .partial()
  .strict();
export type HedgePolicy = z.infer<typeof hedgePolicySchema>;

export const positionSpecSchema = z
  .object({
    name: z.string().min(1).max(120),
    venue: z.string().min(1).max(40).default('deribit'),
    underlying: z
      .string()
      .min(1)
      .max(20)
      .regex(/^[A-Za-z0-9]+$/),
    pool: poolSchema,
    entryPrice: z.number().positive().finite().describe('price when liquidity was added, quote per base'),
    notionalQuote: z.number().positive().finite().max(1e12).describe('position value at entry, quote currency (USD)'),
    policy: hedgePolicySchema.optional(),
  })
  .strict();
export type PositionSpec = z.infer<typeof positionSpecSchema>;

export interface StoredPosition extends PositionSpec {
  id: string;
  createdAtMs: number;
  updatedAtMs: number;
  version: number;
}

/** One hedge leg. Quantities signed: positive buys. */
export interface HedgeLeg {
  instrument: string;
  kind: 'perp' | 'option';
  /** Signed base-coin units. */
  quantityBase: number;
  /** Signed venue contracts. */
  contracts: number;
  strike?: number;
  optionType?: 'call' | 'put';
  expiryMs?: number;
}

export type BandStatus = 'inside' | 'breach' | 'no-market';

/** The per-position hedge state computed once per tick and fanned out to every subscriber. */
export interface PositionHedgeState {
  positionId: string;
  name: string;
  venue: string;
  underlying: string;
  seq: number;
  asOfMs: number;
  source: FeedSnapshot['source'];
  /** Market price used (quote per base). */
  price: number;
  /** LP value at `price` (quote). */
  valueQuote: number;
  /** LP delta dV/dP in base units, and gamma d2V/dP2 in base per quote. */
  delta: number;
  gamma: number;
  /** Perp quantity that neutralises the delta left after the option legs. */
  perp: HedgeLeg | null;
  /** Option quantities that neutralise gamma. */
  options: HedgeLeg[];
  /** Net delta of LP alone against the band. */
  band: { status: BandStatus; deltaBandBase: number; netDeltaBase: number };
  /** Age of the quotes used, ms (wall clock since the snapshot arrived, plus the feed's own lag when live). */
  quoteAgeMs: number;
  /** Wall-clock ms (fractional) when the tick that produced this state arrived: clients measure push latency. */
  tickAtMs?: number;
  error?: string;
}

export interface BookHedgeState {
  seq: number;
  asOfMs: number;
  positions: number;
  valueQuote: number;
  byUnderlying: Record<string, { delta: number; gamma: number; valueQuote: number; perpQuantityBase: number }>;
  bandBreaches: number;
}

export interface TicketRequest {
  positions: StoredPosition[];
  mode: 'dynamic' | 'static';
  policy: HedgePolicy;
  /** Overrides of the hedging layer's policy (its `hedgePolicySchema` input), as the client sent them. */
  policyOverrides?: Record<string, unknown>;
  markets: ReadonlyMap<string, FeedSnapshot>;
  nowMs: number;
}

/** The hedging layer as the service sees it. */
export interface HedgeEngine {
  readonly name: string;
  positionState(position: StoredPosition, market: FeedSnapshot | undefined, nowMs: number): PositionHedgeState;
  /** Builds the ticket content (a JSON-serialisable object) for the positions. */
  makeTicket(request: TicketRequest): Promise<Record<string, unknown>>;
  /** Payoff curves for the dashboard: LP, HODL and hedged value across prices, and the strip strikes. */
  payoff(position: StoredPosition, market: FeedSnapshot | undefined, nowMs: number): PayoffCurves;
}

export interface PayoffCurves {
  prices: number[];
  lp: number[];
  hodl: number[];
  hedged: number[];
  strikes: number[];
  currentPrice: number | null;
}
