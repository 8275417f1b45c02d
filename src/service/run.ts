/**
 * The `ilhedge serve` / `npm start` entry: the desk config and environment resolved, the built-in Deribit BTC data
 * replayed as a live feed on the replay's own clock, the example positions seeded on first run, and a first admin
 * key created and printed once.
 */
import { existsSync, readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { lpState, positionFromSpec } from '../../pricing/index.js';
import type { LpSpec } from '../../pricing/index.js';
import type { DeskConfig } from '../config/deskConfig.js';
import { ConfigError, resolveServiceSettings } from './config.js';
import type { CliServeOptions, ServiceSettings } from './config.js';
import { SnapshotReplayFeed } from './feeds/replay.js';
import { RecordedStreamFeed } from './feeds/recordedStream.js';
import { fromAdapterSnapshot } from './feeds/fromAdapters.js';
import { nowPrecise } from './feeds/base.js';
import { createLogger, installSignalHandlers, startService } from './server.js';
import type { ServiceHandle } from './server.js';
import type { MarketFeed, PositionSpec } from './types.js';

/** Example positions used when no desk config names any: a v3 range around the built-in data's price and a v2. */
export const EXAMPLE_POSITIONS: readonly PositionSpec[] = [
  {
    name: 'example: BTC/USDC v3 70k-82k',
    venue: 'deribit',
    underlying: 'BTC',
    pool: { kind: 'v3', lowerPrice: 70_000, upperPrice: 82_000 },
    entryPrice: 75_800,
    notionalQuote: 1_000_000,
  },
  {
    name: 'example: BTC/USDC v2 full range',
    venue: 'deribit',
    underlying: 'BTC',
    pool: { kind: 'v2' },
    entryPrice: 75_800,
    notionalQuote: 250_000,
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
    throw new ConfigError('market.source', 'live data is not wired into the service yet; use builtin or replay:<file>');
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
  const base = fromAdapterSnapshot(snapshot, 'replay', nowPrecise());
  return new SnapshotReplayFeed(base, { intervalMs });
}

/** A desk config's LP position as the service's position spec (v2/v3; weighted pools and listed legs are not). */
export function positionSpecOf(
  position: DeskConfig['positions'][number],
  market: { venue: string; underlying: string },
): PositionSpec | null {
  if (position.kind !== 'lp' || position.model === 'weighted') return null;
  const { id: _id, kind: _kind, label, ...spec } = position;
  // Any sizing (deposit value, liquidity, amounts) becomes the value at entry, which the service stores.
  const lp = positionFromSpec(spec as LpSpec);
  const notionalQuote = lpState(lp, position.price).value;
  return {
    name: label ?? position.id,
    venue: market.venue,
    underlying: market.underlying,
    pool:
      position.model === 'v3' ? { kind: 'v3', lowerPrice: position.lower, upperPrice: position.upper } : { kind: 'v2' },
    entryPrice: position.price,
    notionalQuote,
  };
}

interface LoadedDesk {
  configs: { file: string; config: DeskConfig }[];
  positions: PositionSpec[];
  skipped: string[];
}

/** `--config` (one desk config) or, by default, every example desk config under `config/`. */
export async function loadDesk(configPath: string | undefined): Promise<LoadedDesk> {
  const { loadDeskConfig } = await import('../config/deskConfig.js');
  let files: string[];
  if (configPath) files = [configPath];
  else {
    const dir = join(packageRoot(), 'config');
    files = existsSync(dir)
      ? readdirSync(dir)
          .filter((f) => f.endsWith('.json'))
          .sort()
          .map((f) => join(dir, f))
      : [];
  }
  const configs = files.map((file) => ({ file, config: loadDeskConfig(file) }));
  const positions: PositionSpec[] = [];
  const skipped: string[] = [];
  const seen = new Set<string>();
  for (const { file, config } of configs) {
    for (const position of config.positions) {
      const spec = positionSpecOf(position, config.market);
      const name = `${basename(file)}:${position.id}`;
      if (!spec) skipped.push(`${name} (${position.kind === 'lp' ? 'weighted pool' : position.kind})`);
      else if (!seen.has(spec.name + spec.entryPrice + spec.notionalQuote)) {
        seen.add(spec.name + spec.entryPrice + spec.notionalQuote);
        positions.push(spec);
      }
    }
  }
  return { configs, positions: positions.length > 0 || configPath ? positions : [...EXAMPLE_POSITIONS], skipped };
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

export async function runService(
  cli: CliServeOptions,
  env: NodeJS.ProcessEnv = process.env,
): Promise<RunServiceResult> {
  const settings = resolveServiceSettings(cli, env);
  const log = createLogger(settings.logLevel);
  const desk = await loadDesk(cli.config ?? env.ILHEDGE_CONFIG);
  for (const s of desk.skipped) log.warn({ position: s }, 'position not served (the service holds v2/v3 LP positions)');
  const first = desk.configs[0]?.config;
  const source = first?.market.source ?? 'builtin';
  const markets = [...new Set(desk.positions.map((p) => `${p.venue.toLowerCase()}/${p.underlying.toUpperCase()}`))];
  const feeds: MarketFeed[] = [];
  for (const market of markets) {
    const [venue, underlying] = market.split('/') as [string, string];
    feeds.push(await replayFeed(venue, underlying, source, settings.replayIntervalMs));
  }
  const { deskPolicy } = await import('../config/deskConfig.js');
  const handle = await startService({
    port: settings.port,
    host: settings.host,
    dbPath: settings.db,
    feeds,
    logger: log,
    ...(first ? { deskPolicy: deskPolicy(first) } : {}),
    maxFeedAgeMs: settings.maxFeedAgeMs,
    seedPositions: desk.positions,
    createAdminKeyIfNone: true,
    defaultMetrics: true,
  });
  installSignalHandlers(handle);
  if (handle.firstAdminKey) {
    // Printed once, to the terminal only (never through the logger).
    process.stdout.write(
      `\nFirst run: created an admin API key. It is shown only this once; store it now:\n\n  ${handle.firstAdminKey}\n\n` +
        `Dashboard: ${handle.url}/dashboard/   API: ${handle.url}/openapi.json\n` +
        `More keys: ilhedge keys create --role viewer|trader|admin --db ${settings.db}\n\n`,
    );
  }
  const sources = feeds.map((f) => f.current()?.label ?? `${f.venue}/${f.underlying}`);
  log.info(
    { url: handle.url, seeded: handle.seeded, configs: desk.configs.map((c) => c.file), sources },
    'desk service ready (market data: replay on its own clock)',
  );
  return { handle, settings };
}
