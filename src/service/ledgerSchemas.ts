/**
 * Request and response schemas (zod) of the ledger: ticket fills, holdings, their entry and close. Shared by request
 * validation and the OpenAPI document. Units are in the names: contracts are the venue's (signed, + bought), prices
 * in the instrument's price currency (Deribit BTC options BTC per contract, BTC-PERPETUAL USD per BTC), fees USD.
 */
import { z } from 'zod';

const finite = z.number().refine(Number.isFinite, 'must be a finite number');
const positiveFinite = z.number().positive().refine(Number.isFinite, 'must be a finite number');
const nonZeroContracts = finite.refine((x) => x !== 0, 'must not be 0 (signed: + buy, - sell)');

/** `fee` is accepted as an alias of `feeQuote` (the issue's spelling); both at once must agree. */
function withFeeAlias<T extends { feeQuote?: number | undefined; fee?: number | undefined }>(
  value: T,
  ctx: z.RefinementCtx,
) {
  if (value.fee !== undefined && value.feeQuote !== undefined && value.fee !== value.feeQuote) {
    ctx.addIssue({ code: 'custom', path: ['fee'], message: 'give feeQuote or its alias fee, not two different fees' });
  }
}

export const fillReportSchema = z
  .object({
    instrument: z.string().min(1).max(100).describe("the venue's instrument id, one of the ticket's legs"),
    contracts: nonZeroContracts.describe("signed venue contracts: + bought, - sold (the leg's side)"),
    price: positiveFinite.describe("fill price in the leg's price currency"),
    feeQuote: finite.optional().describe('venue fee, USD (negative for a rebate); default 0'),
    fee: finite.optional().describe('alias of feeQuote'),
    venueOrderId: z.string().min(1).max(200).nullable().optional(),
    atMs: z.number().int().positive().optional().describe('when the venue filled it, UTC ms; default now'),
  })
  .strict()
  .superRefine(withFeeAlias)
  .transform(({ fee, feeQuote, ...rest }) => ({ ...rest, feeQuote: feeQuote ?? fee ?? 0 }));

export const ticketExecutedSchema = z
  .object({
    fills: z
      .array(fillReportSchema)
      .min(1)
      .max(200)
      .optional()
      .describe("what was filled; omitted (or no body) = every leg's remaining contracts at its limit price"),
    note: z.string().max(500).optional(),
  })
  .strict();

export const fillSchema = z.object({
  id: z.string(),
  atMs: z.number(),
  venue: z.string(),
  underlying: z.string(),
  instrument: z.string(),
  kind: z.enum(['option', 'perp', 'future']),
  contracts: z.number().describe('signed venue contracts'),
  price: z.number().describe('price currency'),
  feeQuote: z.number(),
  venueOrderId: z.string().nullable(),
  ticketId: z.string().nullable(),
  legIndex: z.number().int().nullable(),
  scope: z.array(z.string()).describe('position ids the hedge belongs to; empty = the whole book of its market'),
  source: z.enum(['ticket', 'manual', 'close', 'config']),
  actor: z.string(),
  contractSize: z.number().nullable().describe('base units per contract (null for inverse perps/futures)'),
  contractValueQuote: z.number().nullable().describe('USD per contract of an inverse perp/future'),
  priceCurrency: z.string(),
});

export const ticketLegStateSchema = z.object({
  venue: z.string(),
  underlying: z.string(),
  instrument: z.string(),
  kind: z.enum(['option', 'perp', 'future']),
  side: z.enum(['buy', 'sell']),
  contracts: z.number().describe('unsigned contracts the leg asks for'),
  limitPrice: z.number(),
  feesQuote: z.number(),
  contractSize: z.number().nullable(),
  contractValueQuote: z.number().nullable(),
  priceCurrency: z.string(),
  filledContracts: z.number(),
  remainingContracts: z.number(),
});

export const holdingSchema = z.object({
  id: z.string().describe('stable id of (venue, instrument, scope)'),
  venue: z.string(),
  underlying: z.string(),
  instrument: z.string(),
  kind: z.enum(['option', 'perp', 'future']),
  scope: z.array(z.string()),
  netContracts: z.number().describe('signed venue contracts held now'),
  baseAmount: z.number().nullable().describe('signed base units (null: an inverse holding without a mark)'),
  averagePrice: z.number().nullable().describe('average entry of the open contracts, price currency'),
  priceCurrency: z.string(),
  contractSize: z.number().nullable(),
  contractValueQuote: z.number().nullable(),
  realisedPnl: z.number(),
  realisedPnlCurrency: z.string(),
  feesQuote: z.number(),
  markPrice: z.number().nullable().describe('mark now, price currency; null when the market does not list it'),
  unrealisedPnl: z.number().nullable().describe('open contracts at the mark, in realisedPnlCurrency'),
  openedAtMs: z.number(),
  fills: z.array(fillSchema),
});

export const holdingListQuery = z
  .object({ open: z.enum(['true', 'false']).optional().describe('true: only holdings with contracts held') })
  .strict();

export const holdingCreateSchema = z
  .object({
    venue: z.enum(['deribit', 'okx', 'bybit', 'binance']),
    underlying: z.string().min(1).max(20),
    instrument: z.string().min(1).max(100),
    kind: z.enum(['option', 'perp', 'future']).optional().describe("checked against the market's instrument"),
    contracts: nonZeroContracts.describe('signed venue contracts held: + long, - short'),
    entryPrice: positiveFinite.describe('price currency of the instrument'),
    entryTime: z.iso.datetime({ offset: true }).optional().describe('ISO-8601 with a zone; default now'),
    positionIds: z.array(z.string().min(1).max(100)).max(200).optional().describe('scope; default the whole book'),
    feeQuote: finite.optional(),
    fee: finite.optional().describe('alias of feeQuote'),
    venueOrderId: z.string().min(1).max(200).optional(),
  })
  .strict()
  .superRefine(withFeeAlias);

export const holdingCloseSchema = z
  .object({
    price: positiveFinite.optional().describe("closing price, price currency; default the instrument's mark"),
    feeQuote: finite.optional(),
    fee: finite.optional().describe('alias of feeQuote'),
  })
  .strict()
  .superRefine(withFeeAlias);
