/**
 * The desk config: which market to read, the positions held (LP positions and listed instruments), the hedge
 * policy, the venues allowed and the desk's limits. One zod schema; every error names the field path
 * (`positions[0].upper: must be greater than lower`). Files are JSON (data only, no secrets).
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { InvalidInputError, positionFromSpec, type LpSpec } from '../../pricing/index.js';
import { hedgePolicySchema, resolvePolicy, type BookPosition, type HedgePolicy } from '../../hedging/index.js';

const venueSchema = z.enum(['deribit', 'okx', 'bybit', 'binance']);
const price = z.number().positive();

const sizing = {
  /** Value at entry, quote currency (USD). */
  depositValue: price.optional(),
  /** Human-unit liquidity (v2/v3). */
  liquidity: price.optional(),
  amountBase: z.number().min(0).optional(),
  amountQuote: z.number().min(0).optional(),
};

const lpCommon = { id: z.string().min(1), kind: z.literal('lp'), label: z.string().optional(), ...sizing };

const lpPositionSchema = z.discriminatedUnion('model', [
  z.object({ ...lpCommon, model: z.literal('v2'), price }).strict(),
  z
    .object({ ...lpCommon, model: z.literal('v3'), lower: price, upper: price, price })
    .strict()
    .refine((p) => p.upper > p.lower, { message: 'must be greater than lower', path: ['upper'] }),
  z.object({ ...lpCommon, model: z.literal('weighted'), weight: z.number().gt(0).lt(1), price }).strict(),
]);

const listedPositionSchema = z
  .object({
    id: z.string().min(1),
    kind: z.enum(['option', 'perp', 'future']),
    label: z.string().optional(),
    venue: venueSchema,
    /** The venue's own id, e.g. BTC-26JUN26-80000-C, BTC-PERPETUAL. */
    instrument: z.string().min(1),
    /** Signed contracts (+ long). */
    contracts: z.number().refine((x) => x !== 0, 'must not be 0'),
  })
  .strict();

export const deskPositionSchema = z.union([lpPositionSchema, listedPositionSchema]);

export const deskConfigSchema = z
  .object({
    name: z.string().min(1).default('desk'),
    market: z
      .object({
        venue: venueSchema.default('deribit'),
        underlying: z
          .string()
          .regex(/^[A-Z0-9]+$/, 'must be an upper-case coin like BTC')
          .default('BTC'),
        /** builtin | live | replay:<file> (the CLI's --source overrides it). */
        source: z.string().default('builtin'),
      })
      .strict()
      .prefault({}),
    /** Default hedge mode (the CLI's --mode overrides it). */
    mode: z.enum(['dynamic', 'static']).default('dynamic'),
    positions: z.array(deskPositionSchema).min(1, 'at least one position is needed'),
    policy: hedgePolicySchema.omit({ limits: true }).prefault({}),
    /** Venues the desk may trade on; the candidates' venues must be among them. */
    venues: z.array(venueSchema).min(1).default(['deribit']),
    limits: z
      .object({
        maxContractsPerLeg: z.number().positive().nullable().default(null),
        maxPremiumUsd: z.number().positive().nullable().default(null),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .superRefine((config, ctx) => {
    const seen = new Set<string>();
    config.positions.forEach((p, i) => {
      if (seen.has(p.id))
        ctx.addIssue({ code: 'custom', path: ['positions', i, 'id'], message: `duplicate id ${p.id}` });
      seen.add(p.id);
      if (p.kind !== 'lp' && !config.venues.includes(p.venue))
        ctx.addIssue({ code: 'custom', path: ['positions', i, 'venue'], message: `${p.venue} is not among venues` });
    });
    config.policy.candidates.venues.forEach((v, i) => {
      if (!config.venues.includes(v))
        ctx.addIssue({
          code: 'custom',
          path: ['policy', 'candidates', 'venues', i],
          message: `${v} is not among venues`,
        });
    });
  });

export type DeskConfig = z.infer<typeof deskConfigSchema>;
export type DeskConfigInput = z.input<typeof deskConfigSchema>;

/** A config that does not validate: the message lists every problem as `path: message`. */
export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(
    message: string,
    /** Field paths of the problems, e.g. `positions[0].upper`. */
    readonly fields: string[],
  ) {
    super(message);
  }
}

function pathText(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : out ? `.${String(part)}` : String(part);
  return out || '(root)';
}

/** Validates a parsed JSON value as a desk config. `origin` (a file name) prefixes the messages. */
export function parseDeskConfig(raw: unknown, origin = 'config'): DeskConfig {
  const result = deskConfigSchema.safeParse(raw);
  if (!result.success) {
    const fields = result.error.issues.map((i) => pathText(i.path));
    const lines = result.error.issues.map((i) => `${pathText(i.path)}: ${i.message}`);
    throw new ConfigError(`${origin}: invalid desk config: ${lines.join('; ')}`, fields);
  }
  // Build every LP position now so a bad sizing is reported against its field, not at ticket time.
  deskBook(result.data, origin);
  return result.data;
}

/** Reads and validates a JSON desk config file. */
export function loadDeskConfig(file: string): DeskConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`${file}: cannot read the desk config (${(error as Error).message})`, []);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`${file}: not valid JSON (${(error as Error).message})`, []);
  }
  return parseDeskConfig(raw, file);
}

/** The book positions of a config (LP specs built into positions). */
export function deskBook(config: DeskConfig, origin = 'config'): BookPosition[] {
  return config.positions.map((p, i) => {
    if (p.kind !== 'lp') {
      return {
        id: p.id,
        kind: p.kind,
        label: p.label,
        venue: p.venue,
        instrument: p.instrument,
        contracts: p.contracts,
      };
    }
    const { id, kind: _kind, label, ...spec } = p;
    try {
      return { id, kind: 'lp' as const, label, position: positionFromSpec(spec as LpSpec) };
    } catch (error) {
      if (error instanceof InvalidInputError) {
        const field = `positions[${i}].${error.field}`;
        throw new ConfigError(`${origin}: invalid desk config: ${field}: ${error.reason}`, [field]);
      }
      throw error;
    }
  });
}

/** The resolved hedge policy of a config: its policy section with the desk's limits. */
export function deskPolicy(config: DeskConfig): HedgePolicy {
  return resolvePolicy({ ...config.policy, limits: config.limits });
}
