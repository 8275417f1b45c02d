/**
 * The `ilhedge serve` / `npm start` entry: the desk config and environment resolved, the built-in Deribit BTC data
 * replayed as a live feed on the replay's own clock, the example positions seeded on first run, and a first admin
 * key created and printed once.
 */
import { ConfigError, readDeskFile, resolveServiceSettings } from './config.js';
import type { CliServeOptions, DeskFile, ServiceSettings } from './config.js';
import { SnapshotReplayFeed } from './feeds/replay.js';
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

/** The built-in recording of one venue/underlying, replayed on its own clock. */
export async function builtinReplayFeed(
  venue: string,
  underlying: string,
  intervalMs: number,
): Promise<MarketFeed> {
  const { loadMarketSnapshot } = await import('../../adapters/source.js');
  const { isVenue } = await import('../../adapters/index.js');
  if (!isVenue(venue)) throw new ConfigError('venue', `unknown venue ${venue}`);
  const snapshot = await loadMarketSnapshot({ venue, underlying, source: { kind: 'builtin' } });
  const base = fromAdapterSnapshot(snapshot, 'replay', nowPrecise());
  return new SnapshotReplayFeed(base, { intervalMs });
}

export interface RunServiceResult {
  handle: ServiceHandle;
  settings: ServiceSettings;
}

export async function runService(cli: CliServeOptions, env: NodeJS.ProcessEnv = process.env): Promise<RunServiceResult> {
  const configPath = cli.config ?? env.ILHEDGE_CONFIG;
  const file: DeskFile | undefined = configPath ? readDeskFile(configPath) : undefined;
  const settings = resolveServiceSettings(cli, env, file);
  const log = createLogger(settings.logLevel);
  const positions = file?.positions ?? EXAMPLE_POSITIONS;
  const markets = [...new Set(positions.map((p) => `${p.venue.toLowerCase()}/${p.underlying.toUpperCase()}`))];
  const feeds: MarketFeed[] = [];
  for (const market of markets) {
    const [venue, underlying] = market.split('/') as [string, string];
    feeds.push(await builtinReplayFeed(venue, underlying, settings.replayIntervalMs));
  }
  const handle = await startService({
    port: settings.port,
    host: settings.host,
    dbPath: settings.db,
    feeds,
    logger: log,
    ...(file?.policy ? { policy: file.policy } : {}),
    maxFeedAgeMs: settings.maxFeedAgeMs,
    seedPositions: positions,
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
  log.info({ url: handle.url, seeded: handle.seeded, sources }, 'desk service ready (market data: replay on its own clock)');
  return { handle, settings };
}
