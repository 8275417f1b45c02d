/** The API's request and response schemas (zod), shared by validation and the OpenAPI document. */
import { z } from 'zod';
import {
  balancePositionSpecSchema,
  hedgePolicySchema as deskPolicySchema,
  lpPositionSpecSchema,
} from '../../hedging/index.js';
import { ROLES, TICKET_STATUSES } from './store/index.js';
import { fillSchema, ticketLegStateSchema } from './ledgerSchemas.js';

/**
 * The body of `POST /api/positions`: the one position schema's LP spec or venue balance (held hedges go to
 * `/api/holdings`, being fills).
 */
export const positionSpecSchema = z.discriminatedUnion('kind', [lpPositionSpecSchema, balancePositionSpecSchema]);

export const idParams = z.object({ id: z.string().min(1).max(100).describe('resource id') }).strict();

export const storedPositionSchema = z
  .looseObject({
    id: z.string(),
    kind: z.enum(['lp', 'balance']),
    venue: z.string(),
    underlying: z.string(),
    version: z.number().int(),
    createdAtMs: z.number(),
    updatedAtMs: z.number(),
  })
  .describe('the LP spec or balance as created, with its id, market and version');

const n = z.number().nullable();
const greeksSchema = z
  .object({
    valueQuote: n,
    delta: n.describe('dV/dP, base units'),
    gamma: n.describe('d2V/dP2, base per quote'),
    vegaPerUnitVol: n.describe('dV/dsigma per 1.00 of vol, USD'),
    vegaPerVolPoint: n.describe('USD per vol point (0.01)'),
    thetaPerYear: n.describe('dV/dt per year, USD'),
    thetaPerDay: n.describe('USD per day (ACT/365)'),
  })
  .nullable();
const bandSchema = z.object({
  status: z.enum(['inside', 'breach', 'stale', 'no-market']),
  halfWidthBase: n,
  deviationBase: n.describe('net delta minus target, base units'),
  targetDeltaBase: z.number(),
  explanation: z.string(),
});
const toTradeSchema = z
  .object({
    instrument: z.string(),
    contracts: n.describe('signed contracts in whole lots (+ buy)'),
    contractsUnrounded: n,
    baseAmount: n,
    lotContracts: z.number(),
    netDeltaAfterBase: n,
    netGammaLeft: n,
  })
  .nullable();
const suggestionSchema = z
  .object({
    legs: z.array(
      z.object({
        instrument: z.string(),
        kind: z.enum(['option', 'perp', 'future']),
        side: z.enum(['buy', 'sell']),
        contracts: z.number(),
        baseAmount: z.number(),
      }),
    ),
    solvedAtSeq: z.number(),
    reason: z.enum(['start', 'band-breach', 'holdings-changed']),
    error: z.string().optional(),
  })
  .nullable();

const carryViewSchema = z.object({
  feeIncomeQuotePerDay: z.number().describe('expected fee income, quote per day (LP positions only)'),
  lvrQuotePerDay: z.number().describe("-sigma^2 P^2 Gamma / 2 per day: the LP's LVR; negative for long options"),
  carryQuotePerDay: z.number().describe('theta + sigma^2 P^2 Gamma / 2 per day (LP: fees - LVR)'),
  thetaBasis: z.enum(['fees-minus-lvr', 'lvr-only', 'partial']),
});

const carrySchema = z
  .object({
    vol: z.number().describe('the at-the-money vol LVR is measured at (decimal)'),
    lp: carryViewSchema,
    holdings: carryViewSchema,
    net: carryViewSchema,
  })
  .nullable()
  .describe('expected carry per day: fee income against LVR for the LP, gamma income against decay for options');

export const hedgeStateSchema = z.object({
  positionId: z.string(),
  name: z.string(),
  market: z.string(),
  seq: z.number(),
  asOfMs: z.number().describe('market time on the feed clock (replay time for a replay)'),
  source: z.enum(['replay', 'live', 'demo', 'scripted', 'synthetic']),
  price: n.describe('pool price, quote per base'),
  lp: greeksSchema,
  holdings: greeksSchema.describe("the position's own hedges held"),
  net: greeksSchema,
  carry: carrySchema,
  band: bandSchema,
  toTrade: toTradeSchema.describe('perp contracts that bring net delta to target given what is held'),
  suggestion: suggestionSchema.describe("the ticket engine's legs at the last re-solve"),
  quoteAgeMs: n,
  stale: z.boolean(),
  tickAtMs: z.number().optional(),
  error: z.string().optional(),
});

const balanceSchema = z.object({
  id: z.string(),
  label: z.string().nullable(),
  venue: z.string(),
  currency: z.string(),
  unit: z.enum(['coin', 'quote']).describe('coin: amounts in base units; quote: a USD stablecoin at par'),
  startingInCurrency: z.number().describe('the amount stated (config or API)'),
  premiumInCurrency: z.number().describe('option premiums paid (-) and received (+) since'),
  pnlInCurrency: z.number().describe('realised P&L of perps and futures since'),
  feesInCurrency: z.number().describe('fees charged (-) since'),
  balanceInCurrency: z.number().describe('the balance now'),
  coinHeldBase: z.number().describe("coin held by the venue's coin-settled positions, counted in its delta"),
  deltaBase: z.number(),
  valueQuote: z.number(),
});

const marketBookSchema = z.object({
  price: n,
  lp: greeksSchema,
  holdings: greeksSchema,
  collateral: greeksSchema.describe('venue balances: coin collateral carries delta, stablecoins value only'),
  net: greeksSchema.describe('lp + holdings + collateral'),
  balances: z.array(balanceSchema),
  carry: carrySchema,
  band: bandSchema,
  toTrade: toTradeSchema,
  suggestion: suggestionSchema,
  stale: z.boolean(),
  quoteAgeMs: n,
  positions: z.number(),
  error: z.string().optional().describe('balances of the market not counted, and why'),
});

export const bookSchema = z.object({
  book: z.object({
    seq: z.number(),
    asOfMs: z.number(),
    positions: z.number(),
    valueQuote: z.number().nullable(),
    bandBreaches: z.number(),
    byUnderlying: z.record(z.string(), marketBookSchema),
  }),
  positions: z.array(hedgeStateSchema),
  engine: z.string(),
});

export const payoffSchema = z.object({
  prices: z.array(z.number()),
  lp: z.array(z.number()),
  hodl: z.array(z.number()),
  hedged: z.array(z.number()),
  strikes: z.array(z.number()),
  currentPrice: z.number().nullable(),
});

export const ticketCreateSchema = z
  .object({
    positionIds: z
      .array(z.string().min(1).max(100))
      .min(1)
      .max(200)
      .optional()
      .describe('LP positions to hedge; omitted = every LP position of the one market they share'),
    mode: z.enum(['dynamic', 'static']),
    policy: deskPolicySchema
      .optional()
      .describe(
        "overrides of the desk's hedge policy for this ticket (the hedging layer's policy schema, section by section)",
      ),
  })
  .strict();

export const ticketActionSchema = z.object({ note: z.string().max(500).optional() }).strict();

export const ticketSchema = z.object({
  id: z.string(),
  status: z.enum(TICKET_STATUSES),
  mode: z.string(),
  positionIds: z.array(z.string()),
  content: z.record(z.string(), z.unknown()),
  contentSha256: z.string(),
  intact: z.boolean().describe('stored content still matches its SHA-256'),
  createdBy: z.string(),
  createdAtMs: z.number(),
  updatedAtMs: z.number(),
  expiresAtMs: z.number().nullable().describe('a proposed ticket can be approved until then, UTC ms'),
  request: z.record(z.string(), z.unknown()).nullable().describe('the proposal request, re-priced on approval'),
  approval: z.object({ ttlMinutes: z.number(), maxPriceMoveFraction: z.number() }).nullable(),
  legs: z.array(ticketLegStateSchema).nullable().describe('what to fill, with what is filled so far'),
  fills: z.array(fillSchema),
  history: z.array(
    z.object({
      from: z.enum(TICKET_STATUSES).nullable(),
      to: z.enum(TICKET_STATUSES),
      actor: z.string(),
      note: z.string().nullable(),
      atMs: z.number(),
    }),
  ),
});

const intString = (name: string, min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, `${name} must be a non-negative integer`)
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

export const ticketListQuery = z
  .object({
    status: z.enum(TICKET_STATUSES).optional(),
    limit: intString('limit', 1, 1000).optional(),
    offset: intString('offset', 0, 1_000_000).optional(),
  })
  .strict();

export const auditQuery = z.object({ limit: intString('limit', 1, 1000).optional() }).strict();

export const marketParams = z
  .object({
    venue: z
      .string()
      .min(1)
      .max(40)
      .regex(/^[a-z0-9]+$/i),
    underlying: z
      .string()
      .min(1)
      .max(20)
      .regex(/^[a-z0-9]+$/i),
  })
  .strict();

export const marketSchema = z.object({
  venue: z.string(),
  underlying: z.string(),
  source: z.string().describe('replay data runs on its recording clock and is labelled as such'),
  seq: z.number(),
  asOfMs: z.number(),
  receivedAtMs: z.number(),
  label: z.string(),
  ageMs: z.number().describe('wall-clock ms since the snapshot arrived'),
  chain: z.unknown().describe("the adapters' normalised snapshot: the market state the book and tickets use"),
});

export const keyCreateSchema = z.object({ role: z.enum(ROLES), label: z.string().max(100).optional() }).strict();

export const keyRecordSchema = z.object({
  id: z.string(),
  role: z.enum(ROLES),
  label: z.string().nullable(),
  createdAtMs: z.number(),
  createdBy: z.string(),
  revokedAtMs: z.number().nullable(),
});

/** Which data a feed runs on (`/health`, `/ready`). */
export const dataSourceSchema = z.object({
  kind: z.enum(['live', 'replay', 'demo', 'scripted']),
  venue: z.string(),
  underlying: z.string(),
  label: z.string(),
  status: z.string().optional().describe("live: the stream's state (up, down, rate-limited, idle, connecting)"),
  endpoints: z.object({ rest: z.string(), ws: z.string() }).optional(),
  subscribed: z.number().optional().describe('live: instruments subscribed'),
});

export const healthSchema = z.object({
  status: z.literal('ok'),
  uptimeS: z.number(),
  version: z.string(),
  dataSource: z.array(dataSourceSchema),
});

export const readySchema = z.object({
  ready: z.boolean(),
  feeds: z.array(
    z.object({
      market: z.string(),
      connected: z.boolean(),
      source: z.string().nullable(),
      dataSource: dataSourceSchema,
      ageMs: z.number().nullable().describe("age of the data on the market's own clock, plus time since receipt"),
      fresh: z.boolean(),
      ready: z.boolean(),
      notReady: z.string().optional().describe('why this feed is not ready'),
    }),
  ),
  store: z
    .object({
      kind: z.enum(['sqlite', 'postgres']),
      location: z.string().describe('a file path, or the PostgreSQL URL without its password'),
      leadership: z.enum(['sole', 'elected']),
      leader: z.boolean().describe("this instance runs the desk's once-only work (expiry, reconciliation)"),
      reachable: z.boolean(),
      schemaVersion: z.number().nullable(),
      error: z.string().nullable(),
    })
    .describe('the store: /ready is 503 when it does not answer'),
});
