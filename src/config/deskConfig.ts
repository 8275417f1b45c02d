/**
 * The desk config: which market to read, the positions held (LP positions, listed instruments and venue balances), the hedge
 * policy, the venues allowed and the desk's limits. One zod schema; every error names the field path
 * (`positions[0].upper: must be greater than lower`). Files are JSON (data only, no secrets).
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import {
  balanceBookPosition,
  findQuote,
  foldFills,
  hedgePolicySchema,
  lpBookPosition,
  spotPrice,
  type Fill,
  positionSpecSchema,
  resolvePolicy,
  InvalidHedgeInputError,
  type BookPosition,
  type HedgePolicy,
} from '../../hedging/index.js';
import type { MarketSnapshot } from '../../adapters/index.js';
import { InvalidInputError } from '../../pricing/index.js';
import { IlhedgeError, defineError } from '../../pricing/errors.js';
import { executionConfigSchema } from '../service/execution/config.js';

const venueSchema = z.enum(['deribit', 'okx', 'bybit', 'binance']);

/** A config position: the one position schema (`hedging/positions.ts`), with its id required. */
export const deskPositionSchema = positionSpecSchema.refine((p) => p.id !== undefined, {
  message: 'every position in a desk config needs an id',
  path: ['id'],
});

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
        source: z
          .string()
          .regex(/^(builtin|live|replay:.+)$/, 'must be builtin, live or replay:<file>')
          .default('builtin'),
        /**
         * Per venue, where its REST and websocket APIs are (a testnet, a local server); the venue's own by default.
         * `ILHEDGE_<VENUE>_REST_URL` / `ILHEDGE_<VENUE>_WS_URL` override them.
         */
        endpoints: z
          .partialRecord(
            venueSchema,
            z
              .object({
                rest: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).optional(),
                ws: z.url({ protocol: /^wss?$/, error: 'must be a ws:// or wss:// URL' }).optional(),
              })
              .strict(),
          )
          .default({}),
      })
      .strict()
      .prefault({}),
    /** A ticket is approved by a different key than the one that proposed it (the service's four-eyes rule). */
    fourEyes: z.boolean().default(true),
    /** Default hedge mode (the CLI's --mode overrides it). */
    mode: z.enum(['dynamic', 'static']).default('dynamic'),
    positions: z.array(deskPositionSchema).min(1, 'at least one position is needed'),
    policy: hedgePolicySchema.omit({ limits: true }).prefault({}),
    /** Venues the desk may trade on; the candidates' venues must be among them. */
    venues: z.array(venueSchema).min(1).default(['deribit']),
    limits: z
      .object({
        maxContractsPerLeg: z.number().positive().nullable().default(null),
        maxPremiumQuote: z.number().positive().nullable().default(null),
      })
      .strict()
      .prefault({}),
    /** How approved tickets become orders, per venue (default dry-run: simulated, nothing sent); no secrets here. */
    execution: executionConfigSchema.prefault({}),
    /**
     * Where the ledger lives: a SQLite file or a PostgreSQL URL (several instances on one database). `--db`,
     * `ILHEDGE_DB_URL` and `ILHEDGE_DB` override it. No password here (secrets never come from a file): PostgreSQL
     * takes it from `PGPASSWORD` or a `.pgpass` file.
     */
    store: z
      .object({
        url: z
          .string()
          .min(1)
          .refine((url) => !/^postgres(ql)?:\/\/[^/@]*:[^/@]*@/i.test(url), {
            message: 'must not carry a password: set PGPASSWORD (or use ~/.pgpass, or ILHEDGE_DB_URL) instead',
          }),
      })
      .strict()
      .optional(),
  })
  .strict()
  .superRefine((config, ctx) => {
    const seen = new Set<string>();
    config.positions.forEach((p, i) => {
      if (p.id === undefined) return;
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

export const INVALID_CONFIG = defineError(
  'invalid-config',
  400,
  'a desk config (or the service settings) that does not validate: the message lists every problem as `path: message`',
);

/** A config that does not validate: the message lists every problem as `path: message`. */
export class ConfigError extends IlhedgeError {
  static override readonly definition = INVALID_CONFIG;
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

/** zod says a missing field "expected number, received undefined"; a desk reads "required (a number)". */
function issueText(issue: { message: string }): string {
  const missing = /^Invalid input: expected (\w+), received undefined$/.exec(issue.message);
  return missing ? `required (${missing[1]})` : issue.message;
}

/** Quote-currency money was once suffixed `Usd` (`maxPremiumUsd`); name the key it became so old configs are easy to fix. */
function renamedKeyHint(issue: { code: string; keys?: readonly PropertyKey[] }): string {
  if (issue.code !== 'unrecognized_keys' || !issue.keys) return '';
  const renamed = issue.keys
    .map(String)
    .filter((key) => /Usd(?=[A-Z]|$)/.test(key))
    .map((key) => `${key} is now ${key.replace(/Usd(?=[A-Z]|$)/g, 'Quote')}`);
  return renamed.length ? ` (${renamed.join(', ')})` : '';
}

/** Validates a parsed JSON value as a desk config. `origin` (a file name) prefixes the messages. */
export function parseDeskConfig(raw: unknown, origin = 'config'): DeskConfig {
  const result = deskConfigSchema.safeParse(raw);
  if (!result.success) {
    const fields = result.error.issues.map((i) => pathText(i.path));
    const lines = result.error.issues.map((i) => `${pathText(i.path)}: ${issueText(i)}${renamedKeyHint(i)}`);
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

/**
 * The config's held hedges as ledger fills at their entry (as the service seeds them), with their contract terms
 * from `market`; hedges of another market, or that it does not list, are left out (valuing them refuses them).
 */
function configFills(config: DeskConfig, market: MarketSnapshot): Fill[] {
  const fills: Fill[] = [];
  for (const p of config.positions) {
    if (p.kind !== 'option' && p.kind !== 'perp' && p.kind !== 'future') continue;
    const underlying = p.underlying ?? config.market.underlying;
    if (p.venue !== market.venue || underlying !== market.underlying) continue;
    const quote = findQuote(market, p.instrument);
    if (!quote || quote.kind !== p.kind) continue;
    const i = quote.instrument;
    fills.push({
      id: `config:${p.id!}`,
      atMs: Date.parse(p.entryTime),
      venue: p.venue,
      underlying,
      instrument: i.venueId,
      kind: p.kind,
      contracts: p.contracts,
      price: p.entryPrice,
      feeQuote: 0,
      venueOrderId: null,
      ticketId: null,
      legIndex: null,
      scope: p.positionIds ?? [],
      source: 'config',
      actor: 'config',
      contractSize: i.contractSize,
      contractValueQuote: i.contractValueQuote,
      priceCurrency: i.priceCurrency,
    });
  }
  return fills;
}

/**
 * The book positions of a config: LP specs built into positions, held hedges as listed instruments, balances as
 * collateral. With the market, the held hedges' premiums and P&L move the balances stated before their entry, as
 * they do in the service, where a config's held hedges become ledger fills; without it the balances are as stated.
 */
export function deskBook(config: DeskConfig, origin = 'config', market?: MarketSnapshot): BookPosition[] {
  const holdings = market ? foldFills(configFills(config, market)) : [];
  return config.positions.map((p, i) => {
    try {
      switch (p.kind) {
        case 'lp':
          return lpBookPosition(p.id!, p);
        case 'balance':
          return balanceBookPosition(p.id!, p, holdings, market ? spotPrice(market) : undefined);
        case 'option':
        case 'perp':
        case 'future':
          return {
            id: p.id!,
            kind: p.kind,
            label: p.label,
            venue: p.venue,
            instrument: p.instrument,
            contracts: p.contracts,
          };
      }
    } catch (error) {
      if (error instanceof InvalidInputError || error instanceof InvalidHedgeInputError) {
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
