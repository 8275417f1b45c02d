/** The API's request and response schemas (zod), shared by validation and the OpenAPI document. */
import { z } from 'zod';
import { hedgePolicySchema, positionSpecSchema } from './types.js';
import { hedgePolicySchema as deskPolicySchema } from '../../hedging/index.js';
import { ROLES, TICKET_STATUSES } from './store/index.js';

export { positionSpecSchema, hedgePolicySchema };

export const idParams = z.object({ id: z.string().min(1).max(100).describe('resource id') }).strict();

export const storedPositionSchema = positionSpecSchema.extend({
  id: z.string(),
  version: z.number().int(),
  createdAtMs: z.number(),
  updatedAtMs: z.number(),
});

const legSchema = z.object({
  instrument: z.string(),
  kind: z.enum(['perp', 'option']),
  quantityBase: z.number().describe('signed base-coin units, positive buys'),
  contracts: z.number().describe('signed venue contracts'),
  strike: z.number().optional(),
  optionType: z.enum(['call', 'put']).optional(),
  expiryMs: z.number().optional(),
});

export const hedgeStateSchema = z.object({
  positionId: z.string(),
  name: z.string(),
  venue: z.string(),
  underlying: z.string(),
  seq: z.number(),
  asOfMs: z.number().describe('market time on the feed clock (replay time for a replay)'),
  source: z.enum(['replay', 'live', 'scripted', 'synthetic']),
  price: z.number().nullable().describe('quote per base'),
  valueQuote: z.number().nullable(),
  delta: z.number().nullable().describe('dV/dP, base units'),
  gamma: z.number().nullable().describe('d2V/dP2, base per quote'),
  perp: legSchema.nullable().describe('perp quantity that neutralises the delta left after the option legs'),
  options: z.array(legSchema).describe('option quantities that neutralise gamma'),
  band: z.object({
    status: z.enum(['inside', 'breach', 'no-market']),
    deltaBandBase: z.number(),
    netDeltaBase: z.number().nullable(),
  }),
  quoteAgeMs: z.number().nullable(),
  tickAtMs: z.number().optional(),
  error: z.string().optional(),
});

export const bookSchema = z.object({
  book: z.object({
    seq: z.number(),
    asOfMs: z.number(),
    positions: z.number(),
    valueQuote: z.number(),
    byUnderlying: z.record(
      z.string(),
      z.object({ delta: z.number(), gamma: z.number(), valueQuote: z.number(), perpQuantityBase: z.number() }),
    ),
    bandBreaches: z.number(),
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
    positionIds: z.array(z.string().min(1).max(100)).min(1).max(200),
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
  ageMs: z.number().describe('wall-clock ms since the snapshot arrived'),
  spot: z.number(),
  perp: z.unknown(),
  options: z.array(z.unknown()),
  chain: z.unknown().describe("the adapters' normalised snapshot, when the feed has one"),
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

export const healthSchema = z.object({ status: z.literal('ok'), uptimeS: z.number(), version: z.string() });

export const readySchema = z.object({
  ready: z.boolean(),
  feeds: z.array(
    z.object({
      market: z.string(),
      connected: z.boolean(),
      source: z.string().nullable(),
      ageMs: z.number().nullable(),
      fresh: z.boolean(),
    }),
  ),
});
