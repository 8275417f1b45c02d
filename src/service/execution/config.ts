/**
 * The desk config's `execution` section (issue 18): how approved tickets become orders. The mode is set per venue
 * (`dry-run` by default everywhere: orders are simulated against the current book and nothing is sent), and the
 * policy of the order manager (leg order, time in force, how long a leg may rest, how often it is re-priced and
 * within which tolerance) and its controls (notional limits, a price collar against the mark) are set once.
 *
 * Secrets are never part of it: `live` and `testnet` read the venue's API key and secret from the environment
 * (`ILHEDGE_<VENUE>_API_KEY`, `ILHEDGE_<VENUE>_API_SECRET`), and `live` also needs the service started with `--live`.
 */
import { z } from 'zod';
import { MS_PER_SECOND } from '../../../hedging/index.js';

export const EXECUTION_MODES = ['dry-run', 'testnet', 'live'] as const;
export type ExecutionMode = (typeof EXECUTION_MODES)[number];

export const EXECUTION_VENUES = ['deribit', 'okx', 'bybit', 'binance'] as const;
export type ExecutionVenue = (typeof EXECUTION_VENUES)[number];

const modeSchema = z.enum(EXECUTION_MODES, { error: 'must be dry-run, testnet or live' });

const venueExecutionSchema = z
  .object({
    mode: modeSchema.optional(),
    /**
     * Origin of the venue's REST API for orders (a local server in tests; the testnet's by default in `testnet`
     * mode, the venue's own in `live`). Only the origin is used; ccxt keeps its paths.
     */
    restUrl: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).optional(),
    /** Per-request timeout of the venue calls, ms. */
    requestTimeoutMs: z.number().int().positive().optional(),
  })
  .strict();

export const executionConfigSchema = z
  .object({
    /** The mode of every venue not named in `venues`. */
    mode: modeSchema.default('dry-run'),
    venues: z.partialRecord(z.enum(EXECUTION_VENUES), venueExecutionSchema).default({}),
    /** Which kinds of leg go first: options first, the perp last (re-sized on what the options filled). */
    legOrder: z
      .array(z.enum(['option', 'future', 'perp']))
      .min(1)
      .refine((kinds) => new Set(kinds).size === kinds.length, 'each kind at most once')
      .default(['option', 'future', 'perp']),
    /** `gtc` a resting limit order; `post-only` refused by the venue if it would take; `ioc` fill now or cancel. */
    timeInForce: z.enum(['gtc', 'post-only', 'ioc']).default('gtc'),
    /** A leg not filled within this time is cancelled (and re-priced while attempts are left). */
    fillTimeoutMs: z
      .number()
      .int()
      .positive()
      .default(30 * MS_PER_SECOND),
    /** How often a working order is polled with `fetchOrder` where the venue pushes none (or its push is down). */
    pollIntervalMs: z.number().int().positive().default(MS_PER_SECOND),
    /** Re-prices of a leg after its first attempt; then the rest of the ticket is cancelled. */
    maxReprices: z.number().int().min(0).max(20).default(2),
    /**
     * How far a re-price may move from the ticket's limit price, as a fraction of it (buy: up to limit x (1 + t),
     * sell: down to limit x (1 - t)).
     */
    priceToleranceFraction: z.number().min(0).max(0.5).default(0.01),
    /**
     * An order's price may differ from the instrument's current mark by at most this fraction of the mark, or by
     * `collarMinTicks` price ticks when that is more (a far out-of-the-money option quoted a tick or two above a
     * mark of a fraction of a tick would fail any fraction).
     */
    collarFraction: z.number().positive().max(1).default(0.1),
    collarMinTicks: z.number().int().min(0).max(100).default(2),
    limits: z
      .object({
        /** |contracts| x notional per contract at the current price, quote currency, per order. */
        maxNotionalQuotePerLeg: z.number().positive().nullable().default(null),
        /** Sum of the notional of the orders placed in the UTC day, per mode, quote currency. */
        maxNotionalQuotePerDay: z.number().positive().nullable().default(null),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type ExecutionConfig = z.infer<typeof executionConfigSchema>;
export type ExecutionConfigInput = z.input<typeof executionConfigSchema>;

/** The mode a venue runs in under `config`. */
export function venueMode(config: ExecutionConfig, venue: string): ExecutionMode {
  return config.venues[venue as ExecutionVenue]?.mode ?? config.mode;
}

/** A config that does not validate: the message names every field (`execution.fillTimeoutMs: ...`). */
export function parseExecutionConfig(raw: unknown, where = 'execution'): ExecutionConfig {
  const result = executionConfigSchema.safeParse(raw ?? {});
  if (result.success) return result.data;
  const lines = result.error.issues.map((i) => `${[where, ...i.path.map(String)].join('.')}: ${i.message}`);
  throw new ExecutionConfigError(lines.join('; '), result.error.issues[0]?.path.map(String).join('.') ?? '');
}

export class ExecutionConfigError extends Error {
  override name = 'ExecutionConfigError';
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
  }
}
