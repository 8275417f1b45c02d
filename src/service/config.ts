/**
 * The service's own settings: CLI flags over environment variables over defaults, validated by zod so a bad
 * value stops start-up with the flag or variable named. The desk (positions, market, policy) comes from the desk
 * config (`src/config/`, strict: unknown keys such as secrets are refused); secrets never come from a file: the
 * API keys live hashed in the database and venue keys would come from the environment.
 */
import { z } from 'zod';
import { IlhedgeError } from '../../hedging/index.js';
import { INVALID_CONFIG } from '../config/deskConfig.js';

export const ENV_VARS = {
  ILHEDGE_PORT: 'port to listen on (default 8080)',
  ILHEDGE_HOST: 'address to bind (default 127.0.0.1)',
  ILHEDGE_DB: 'SQLite file (default ./data/ilhedge.sqlite)',
  ILHEDGE_DB_URL:
    'PostgreSQL URL of a shared store (postgres://user@host:5432/db; the password from PGPASSWORD or the URL), over ILHEDGE_DB',
  ILHEDGE_CONFIG: 'desk config file (JSON)',
  ILHEDGE_LOG_LEVEL: 'pino level: fatal, error, warn, info, debug, trace, silent (default info)',
  ILHEDGE_MAX_FEED_AGE_MS: '/ready fails when a feed is older than this (default 10000)',
  ILHEDGE_REPLAY_INTERVAL_MS: 'wall ms between replayed ticks (default 1000)',
  'ILHEDGE_<VENUE>_REST_URL':
    'live data: REST origin of a venue, e.g. ILHEDGE_DERIBIT_REST_URL=https://test.deribit.com',
  'ILHEDGE_<VENUE>_WS_URL':
    'live data: websocket URL of a venue, e.g. ILHEDGE_DERIBIT_WS_URL=wss://test.deribit.com/ws/api/v2',
} as const;

const portSchema = z.coerce.number().int().min(0).max(65535);

export const serviceSettingsSchema = z
  .object({
    port: portSchema.default(8080),
    host: z.string().min(1).default('127.0.0.1'),
    /** A SQLite file, or a PostgreSQL URL (`postgres://...`) for several instances on one store. */
    db: z.string().min(1).default('./data/ilhedge.sqlite'),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    maxFeedAgeMs: z.coerce.number().int().positive().default(10_000),
    replayIntervalMs: z.coerce.number().int().min(5).max(3_600_000).default(1_000),
    /** `--source`: builtin | live | replay:<file>; over the desk config's `market.source`. */
    source: z
      .string()
      .regex(/^(builtin|live|replay:.+)$/, 'must be builtin, live or replay:<file>')
      .optional(),
    /** `--demo`: replayed or demo data may make /ready 200 (npm start). */
    demo: z.boolean().default(false),
    /** `--record <file>`: write what the live feed received to this file (recording format) on shutdown. */
    record: z.string().min(1).optional(),
    /** `--live`: the operator's explicit consent before any venue in `execution` runs in `live` mode. */
    live: z.boolean().default(false),
  })
  .strict();
export type ServiceSettings = z.infer<typeof serviceSettingsSchema>;

/** A setting that does not validate, named by its flag or variable (`--port`, `ILHEDGE_PORT`): `invalid-config`. */
export class ConfigError extends IlhedgeError {
  static override readonly definition = INVALID_CONFIG;
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

export interface CliServeOptions {
  port?: string | number;
  host?: string;
  db?: string;
  config?: string;
  source?: string;
  demo?: boolean;
  record?: string;
  live?: boolean;
}

/** Merges flags > env > defaults and validates the result, naming the flag or variable at fault. */
export function resolveServiceSettings(cli: CliServeOptions, env: NodeJS.ProcessEnv): ServiceSettings {
  const layers: [string, Record<string, unknown>][] = [
    [
      'environment',
      {
        ...(env.ILHEDGE_PORT !== undefined ? { port: env.ILHEDGE_PORT } : {}),
        ...(env.ILHEDGE_HOST !== undefined ? { host: env.ILHEDGE_HOST } : {}),
        ...(env.ILHEDGE_DB !== undefined ? { db: env.ILHEDGE_DB } : {}),
        ...(env.ILHEDGE_DB_URL !== undefined ? { db: env.ILHEDGE_DB_URL } : {}),
        ...(env.ILHEDGE_LOG_LEVEL !== undefined ? { logLevel: env.ILHEDGE_LOG_LEVEL } : {}),
        ...(env.ILHEDGE_MAX_FEED_AGE_MS !== undefined ? { maxFeedAgeMs: env.ILHEDGE_MAX_FEED_AGE_MS } : {}),
        ...(env.ILHEDGE_REPLAY_INTERVAL_MS !== undefined ? { replayIntervalMs: env.ILHEDGE_REPLAY_INTERVAL_MS } : {}),
      },
    ],
    [
      'flags',
      {
        ...(cli.port !== undefined ? { port: cli.port } : {}),
        ...(cli.host !== undefined ? { host: cli.host } : {}),
        ...(cli.db !== undefined ? { db: cli.db } : {}),
        ...(cli.source !== undefined ? { source: cli.source } : {}),
        ...(cli.demo !== undefined ? { demo: cli.demo } : {}),
        ...(cli.record !== undefined ? { record: cli.record } : {}),
        ...(cli.live !== undefined ? { live: cli.live } : {}),
      },
    ],
  ];
  const merged: Record<string, unknown> = {};
  const origin: Record<string, string> = {};
  for (const [name, layer] of layers) {
    for (const [key, value] of Object.entries(layer)) {
      merged[key] = value;
      origin[key] = name;
    }
  }
  const result = serviceSettingsSchema.safeParse(merged);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const key = String(issue.path[0] ?? '');
    const envName: Record<string, string> = {
      port: 'ILHEDGE_PORT',
      host: 'ILHEDGE_HOST',
      db: env.ILHEDGE_DB_URL !== undefined ? 'ILHEDGE_DB_URL' : 'ILHEDGE_DB',
      logLevel: 'ILHEDGE_LOG_LEVEL',
      maxFeedAgeMs: 'ILHEDGE_MAX_FEED_AGE_MS',
      replayIntervalMs: 'ILHEDGE_REPLAY_INTERVAL_MS',
    };
    const field = origin[key] === 'flags' ? `--${key}` : (envName[key] ?? key);
    throw new ConfigError(field, issue.message);
  }
  return result.data;
}

export const DEFAULT_DB_PATH = './data/ilhedge.sqlite';

/** The store a CLI command works on: `--db`, else `ILHEDGE_DB_URL` (PostgreSQL), else `ILHEDGE_DB`, else the default. */
export function storeLocationOf(option: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return option ?? env.ILHEDGE_DB_URL ?? env.ILHEDGE_DB ?? DEFAULT_DB_PATH;
}

export const DB_OPTION_HELP =
  'the store: a SQLite file or a postgres:// URL (env ILHEDGE_DB_URL, ILHEDGE_DB; default ./data/ilhedge.sqlite)';
