/**
 * The `ilhedge serve` / `npm start` entry: the desk config and environment resolved, one market feed per market the
 * positions need (live on the venue through ccxt pro with `--source live`; a recording replayed on its own clock
 * with `replay:<file>`; the built-in Deribit BTC data as a demo by default), the example positions seeded on first
 * run, and a first admin key created and printed once. Replayed and demo data keep `/ready` at 503 unless `--demo`
 * says that is intended (`npm start` passes it).
 */
import { existsSync, readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  balanceUnderlying,
  findQuote,
  resolvePolicy,
  withPolicyOverrides,
  type HedgePolicy,
  type HeldPositionSpec,
} from '../../hedging/index.js';
import type { DeskConfig } from '../config/deskConfig.js';
import { ConfigError, resolveServiceSettings } from './config.js';
import type { CliServeOptions, ServiceSettings } from './config.js';
import { SnapshotReplayFeed } from './feeds/replay.js';
import { RecordedStreamFeed } from './feeds/recordedStream.js';
import { resolveEndpoints } from './feeds/endpoints.js';
import { LiveMarketFeed, type LiveFeedOptions } from './feeds/live.js';
import { createLogger, installSignalHandlers, startService } from './server.js';
import { installConfigReload } from './configReload.js';
import type { ServiceHandle } from './server.js';
import type { MarketFeed, PositionSpec } from './types.js';
import type { ManualHoldingInput } from './store/index.js';

/** Example positions used when no desk config names any: a v3 range around the built-in data's price and a v2. */
export const EXAMPLE_POSITIONS: readonly PositionSpec[] = [
  {
    kind: 'lp',
    id: 'example-v3',
    label: 'example: BTC/USDC v3 70k-82k',
    venue: 'deribit',
    underlying: 'BTC',
    model: 'v3',
    lower: 70_000,
    upper: 82_000,
    price: 75_800,
    depositValue: 1_000_000,
  },
  {
    kind: 'lp',
    id: 'example-v2',
    label: 'example: BTC/USDC v2 full range',
    venue: 'deribit',
    underlying: 'BTC',
    model: 'v2',
    price: 75_800,
    depositValue: 250_000,
  },
];

/**
 * A market feed for a desk config's `market` section, on the data's own clock: the built-in data or a REST-only
 * recording as a snapshot moved along a seeded price path; a recording with (Deribit) websocket frames replayed
 * frame by frame, looping.
 */
export async function replayFeed(
  venue: string,
  underlying: string,
  source: string,
  intervalMs: number,
): Promise<MarketFeed> {
  const { loadMarketSnapshot, parseSourceSpec, isVenue, readRecordingFile, openReplayFeed } =
    await import('../../adapters/index.js');
  if (!isVenue(venue)) throw new ConfigError('market.venue', `unknown venue ${venue}`);
  const spec = parseSourceSpec(source);
  if (spec.kind === 'live') {
    throw new ConfigError('market.source', 'live data needs the live feed (liveFeed), not a replay');
  }
  if (spec.kind === 'replay') {
    // A recording with websocket frames replays them, as the venue sent them, through the adapters' live path.
    // (A recording of another venue falls through to loadMarketSnapshot, which refuses it by name.)
    const recording = readRecordingFile(spec.file);
    if (recording.venue === venue && venue === 'deribit' && recording.ws.length > 0) {
      return new RecordedStreamFeed({
        venue,
        underlying,
        open: () =>
          openReplayFeed({ recording, underlying, loop: true, label: `replay:${spec.file} (looping, replay clock)` }),
      });
    }
  }
  const snapshot = await loadMarketSnapshot({ venue, underlying, source: spec });
  return new SnapshotReplayFeed(snapshot, { intervalMs });
}

/** Timings of the live feed that tests shorten; the service's defaults otherwise. */
export type LiveTuning = Partial<
  Pick<
    LiveFeedOptions,
    | 'idleTimeoutMs'
    | 'backoff'
    | 'rateLimitCooldownMs'
    | 'instrumentReloadMs'
    | 'emitIntervalMs'
    | 'staleCheckMs'
    | 'maxClockSkewMs'
    | 'quoteMaxAgeMs'
    | 'recordMaxFrames'
  >
>;

export interface LiveFeedRequest {
  venue: string;
  underlying: string;
  policies: readonly HedgePolicy[];
  /** The desk config's `market.endpoints` (per venue); the environment overrides them. */
  endpoints: DeskConfig['market']['endpoints'] | undefined;
  env: NodeJS.ProcessEnv;
  maxAgeMs: number;
  recordFile?: string;
  now?: () => number;
  tuning?: LiveTuning;
}

/** A live feed for one market (venue + underlying) through ccxt pro, on the configured endpoints. */
export async function liveFeed(req: LiveFeedRequest): Promise<LiveMarketFeed> {
  const { isVenue } = await import('../../adapters/index.js');
  if (!isVenue(req.venue)) throw new ConfigError('market.venue', `unknown venue ${req.venue}`);
  const endpoints = resolveEndpoints(req.venue, req.endpoints?.[req.venue], req.env);
  return new LiveMarketFeed({
    venue: req.venue,
    underlying: req.underlying,
    policies: req.policies,
    endpoints,
    maxAgeMs: req.maxAgeMs,
    ...(req.recordFile !== undefined ? { recordFile: req.recordFile } : {}),
    ...(req.now !== undefined ? { now: req.now } : {}),
    ...req.tuning,
  });
}

/** `--record out.json` with several live markets writes `out.deribit-BTC.json`, `out.deribit-ETH.json`. */
export function recordFileFor(file: string, venue: string, underlying: string, markets: number): string {
  if (markets <= 1) return file;
  const dot = file.lastIndexOf('.');
  const base = dot > file.lastIndexOf('/') ? file.slice(0, dot) : file;
  const ext = dot > file.lastIndexOf('/') ? file.slice(dot) : '';
  return `${base}.${venue}-${underlying.toUpperCase()}${ext}`;
}

export interface LoadedDesk {
  configs: { file: string; config: DeskConfig }[];
  /** LP positions, each with its market and the policy of the config that declares it. */
  positions: PositionSpec[];
  /** Hedges already held, as the configs declare them. */
  held: { config: DeskConfig; spec: HeldPositionSpec }[];
}

/**
 * `--config` (one desk config) or, by default, every example desk config under `config/`; `files` pins the list (a
 * config reload re-reads the files of start-up).
 */
export async function loadDesk(configPath: string | undefined, files?: readonly string[]): Promise<LoadedDesk> {
  const { loadDeskConfig, deskPolicy } = await import('../config/deskConfig.js');
  const { withPolicyOverrides } = await import('../../hedging/index.js');
  const list = (): string[] => {
    if (configPath) return [configPath];
    const dir = join(packageRoot(), 'config');
    return existsSync(dir)
      ? readdirSync(dir)
          .filter((f) => f.endsWith('.json'))
          .sort()
          .map((f) => join(dir, f))
      : [];
  };
  const configs = (files ?? list()).map((file) => ({ file, config: loadDeskConfig(file) }));
  const positions: PositionSpec[] = [];
  const held: LoadedDesk['held'] = [];
  const seen = new Set<string>();
  for (const { file, config } of configs) {
    const policy = deskPolicy(config);
    for (const position of config.positions) {
      const id = position.id!;
      if (seen.has(id))
        throw new ConfigError(`${basename(file)}: positions.${id}`, 'the id is declared by another config too');
      seen.add(id);
      if (position.kind === 'balance') {
        // Stored as a position with the market it is counted in; the ledger's fills move it (hedging/collateral.ts).
        positions.push({ ...position, underlying: balanceUnderlying(position, config.market.underlying) });
        continue;
      }
      if (position.kind !== 'lp') {
        held.push({ config, spec: position });
        continue;
      }
      // The config's policy applies to the positions it declares (and a position's own overrides on top of it).
      positions.push({
        ...position,
        venue: position.venue ?? config.market.venue,
        underlying: position.underlying ?? config.market.underlying,
        policy: withPolicyOverrides(policy, position.policy),
      });
    }
  }
  return { configs, positions: positions.length > 0 || configPath ? positions : [...EXAMPLE_POSITIONS], held };
}

/** The held hedges of the configs as ledger entries, with their contract terms from the market they trade on. */
export function seedHoldingsOf(held: LoadedDesk['held'], feeds: readonly MarketFeed[]): ManualHoldingInput[] {
  return held.map(({ config, spec }) => {
    const underlying = spec.underlying ?? config.market.underlying;
    const feed = feeds.find((f) => f.venue === spec.venue && f.underlying === underlying);
    const quote = feed?.current()?.market && findQuote(feed.current()!.market, spec.instrument);
    if (!quote || quote.kind !== spec.kind) {
      throw new ConfigError(
        `positions.${spec.id}.instrument`,
        `${spec.venue} ${spec.instrument} is not a listed ${spec.kind} of ${underlying} on the market the service reads`,
      );
    }
    const i = quote.instrument;
    return {
      venue: spec.venue,
      underlying,
      instrument: spec.instrument,
      kind: spec.kind,
      contracts: spec.contracts,
      price: spec.entryPrice,
      atMs: Date.parse(spec.entryTime),
      scope: spec.positionIds ?? [],
      source: 'config' as const,
      contractSize: i.contractSize,
      contractValueQuote: i.contractValueQuote,
      priceCurrency: i.priceCurrency,
    };
  });
}

function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    dir = dirname(dir);
  }
  return process.cwd();
}

export interface RunServiceResult {
  handle: ServiceHandle;
  settings: ServiceSettings;
}

export interface RunServiceExtras {
  /** One clock for the feeds and the service (tests run a recorded day on it); default the wall clock. */
  now?: () => number;
  /** Live feed timings (tests). */
  live?: LiveTuning;
}

export async function runService(
  cli: CliServeOptions,
  env: NodeJS.ProcessEnv = process.env,
  extras: RunServiceExtras = {},
): Promise<RunServiceResult> {
  const settings = resolveServiceSettings(cli, env);
  const log = createLogger(settings.logLevel);
  const configPath = cli.config ?? env.ILHEDGE_CONFIG;
  const desk = await loadDesk(configPath);
  const first = desk.configs[0]?.config;
  // The store: the flag or the environment, else the first desk config's `store.url`, else the default file.
  const storeNamed = cli.db !== undefined || env.ILHEDGE_DB_URL !== undefined || env.ILHEDGE_DB !== undefined;
  const dbPath = storeNamed ? settings.db : (first?.store?.url ?? settings.db);
  const source = settings.source ?? first?.market.source ?? 'builtin';
  const live = source === 'live';
  if (settings.record !== undefined && !live) {
    throw new ConfigError('--record', `records what a live feed receives; the source is ${source}, not live`);
  }
  const markets = [...new Set(desk.positions.map((p) => `${p.venue.toLowerCase()}/${p.underlying.toUpperCase()}`))];
  for (const { config, spec } of desk.held) {
    markets.push(`${spec.venue}/${(spec.underlying ?? config.market.underlying).toUpperCase()}`);
  }
  const { deskPolicy } = await import('../config/deskConfig.js');
  const basePolicy = first ? deskPolicy(first) : resolvePolicy({});
  const distinct = [...new Set(markets)];
  const feeds: MarketFeed[] = [];
  try {
    for (const market of distinct) {
      const [venue, underlying] = market.split('/') as [string, string];
      let feed: MarketFeed;
      if (live) {
        // The option tickers subscribed are those the desk's policy, or a position's own, can hedge with.
        const own = desk.positions
          .filter((p) => p.venue.toLowerCase() === venue && p.underlying.toUpperCase() === underlying)
          .map((p) => withPolicyOverrides(basePolicy, p.policy));
        const liveFeedRef = await liveFeed({
          venue,
          underlying,
          policies: [basePolicy, ...own],
          endpoints: first?.market.endpoints,
          env,
          maxAgeMs: settings.maxFeedAgeMs,
          ...(settings.record !== undefined
            ? { recordFile: recordFileFor(settings.record, venue, underlying, distinct.length) }
            : {}),
          ...(extras.now !== undefined ? { now: extras.now } : {}),
          ...(extras.live !== undefined ? { tuning: extras.live } : {}),
        });
        liveFeedRef.onError = (error) => log.error({ err: error, market }, 'live feed error');
        feeds.push(liveFeedRef);
        // Started here, before the service binds: instruments and the first chain come through REST, and a venue
        // that cannot be reached stops start-up with its error instead of serving an empty market.
        await liveFeedRef.start();
        feed = liveFeedRef;
        feeds.pop();
      } else {
        feed = await replayFeed(venue, underlying, source, settings.replayIntervalMs);
      }
      feed.readyOnRecordedData = settings.demo;
      feeds.push(feed);
    }
  } catch (error) {
    for (const feed of feeds) await feed.stop();
    throw error;
  }
  let handle: ServiceHandle;
  try {
    handle = await startService({
      port: settings.port,
      host: settings.host,
      dbPath,
      feeds,
      logger: log,
      ...(first ? { deskPolicy: deskPolicy(first), fourEyes: first.fourEyes, execution: first.execution } : {}),
      allowLive: settings.live,
      ...(first ? { defaultMarket: { venue: first.market.venue, underlying: first.market.underlying } } : {}),
      maxFeedAgeMs: settings.maxFeedAgeMs,
      seedPositions: desk.positions,
      seedHoldings: seedHoldingsOf(desk.held, feeds),
      createAdminKeyIfNone: true,
      defaultMetrics: true,
      ...(extras.now !== undefined ? { now: extras.now } : {}),
    });
  } catch (error) {
    // A held instrument the market does not list, a port in use: the live sockets opened above are closed.
    for (const feed of feeds) await feed.stop();
    throw error;
  }
  installSignalHandlers(handle);
  // SIGHUP and POST /api/admin/reload-config re-read the files of start-up, checked as start-up checks them.
  const files = desk.configs.map((c) => c.file);
  installConfigReload(
    handle,
    { files, load: () => loadDesk(configPath, files), checkHeld: (next) => void seedHoldingsOf(next.held, feeds) },
    desk,
  );
  if (handle.firstAdminKey) {
    // Printed once, to the terminal only (never through the logger).
    process.stdout.write(
      `\nFirst run: created an admin API key. It is shown only this once; store it now:\n\n  ${handle.firstAdminKey}\n\n` +
        `Dashboard: ${handle.url}/dashboard/   API: ${handle.url}/openapi.json\n` +
        `More keys: ilhedge keys create --role viewer|trader|admin --db ${dbPath}\n\n`,
    );
  }
  const sources = feeds.map((f) => f.dataSource?.() ?? { label: f.current()?.label ?? `${f.venue}/${f.underlying}` });
  const kinds = [...new Set(sources.map((d) => ('kind' in d ? d.kind : 'scripted')))].join(', ');
  log.info(
    { url: handle.url, seeded: handle.seeded, configs: desk.configs.map((c) => c.file), sources, demo: settings.demo },
    `desk service ready (market data: ${kinds})`,
  );
  return { handle, settings };
}
